"""Rebuild the models and the song catalogue shipped with the package.

    python scripts/train_default_models.py [--data ../shared/data] [--jobs 2]

Trains the default image model on Emotion6 (valence and arousal from the SAM ratings,
dominance from the rated emotion distribution through NRC-VAD) and the default audio
model on the 4Q set (valence, arousal, dominance from the Warriner norms of each song's
AllMusic mood tags), with the hyper-parameters chosen by cross-validation inside
:func:`affect_features.models.train_model`, and writes

- ``affect_features/data/models/{image,audio}.npz`` + ``.json`` (weights and card);
- ``affect_features/data/catalogue_4q.csv``: the 724 songs as AllMusic id, artist,
  title, labelled quadrant and *out-of-fold* predicted point (each song's point comes
  from a model that never saw it, so the catalogue shows what the model does on new
  music, not what it memorised).

Everything is seeded: rerunning on the same data gives the same weights. Features are
cached (``AFFECT_CACHE``), so a rerun does not re-extract.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PKG_DATA = os.path.join(HERE, "..", "affect_features", "data")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("AFFECT_DATA", "../shared/data"))
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--folds", type=int, default=10,
                    help="outer folds of the cross-validation recorded in the cards")
    ap.add_argument("--only", choices=["image", "audio"], default=None)
    args = ap.parse_args(argv)

    from affect_features.training import train_from_specs

    os.makedirs(os.path.join(PKG_DATA, "models"), exist_ok=True)
    specs = {"image": [f"emotion6:{os.path.join(args.data, 'emotion6')}"],
             "audio": [f"4q:{os.path.join(args.data, '4q')}"]}
    for modality in ("image", "audio"):
        if args.only and modality != args.only:
            continue
        t0 = time.time()
        model, data, cvres = train_from_specs(
            modality, specs[modality], n_jobs=args.jobs, n_seeds=args.seeds,
            evaluate_folds=args.folds, progress=sys.stderr.isatty())
        # Record the sets by name, not by this machine's paths.
        model.card["training_sets"] = [
            {"spec": s.split(":", 1)[0] + ":" + os.path.basename(s.split(":", 1)[1].rstrip("/")),
             "n_items": n} for s, n in data.sets]
        model.card["version"] = f"{modality}-default-1"
        model.save(os.path.join(PKG_DATA, "models", modality))
        print(f"{modality}: {len(data.X)} items, {time.time() - t0:.0f} s, "
              f"cv: {json.dumps(cvres['summary'], default=float)[:400]}")
        if modality == "audio":
            write_catalogue(data, cvres["mlp"]["predictions"],
                            os.path.join(PKG_DATA, "catalogue_4q.csv"), args.data)


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 text decoded once as Latin-1 ("MaÃ±ana" -> "Mañana"), as in 33 rows
    of the 4Q metadata; text that does not round-trip is returned unchanged."""
    try:
        fixed = text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text
    return fixed


def write_catalogue(data, oof_points, path, data_root):
    """The shipped catalogue: one row per 4Q song, with its out-of-fold point."""
    from affect_features.datasets import load_dataset

    ds = load_dataset(f"4q:{os.path.join(data_root, '4q')}")
    by_path = {p: i for i, p in enumerate(ds.paths)}
    tmp = path + ".partial"
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["song_id", "artist", "title", "quadrant", "valence", "arousal",
                    "dominance"])
        for p, point in zip(data.paths, np.asarray(oof_points)):
            i = by_path[p]
            w.writerow([ds.extra["song_ids"][i], fix_mojibake(ds.extra["artists"][i]),
                        fix_mojibake(ds.extra["titles"][i]), ds.labels[i],
                        *(f"{x:.4f}" for x in point)])
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
