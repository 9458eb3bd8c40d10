"""Accuracy of the emotion models and of photo-to-song matching (prints a table).

    python benchmarks/accuracy.py [--data ../shared/data] [--folds 10] [--json out.json]

Nested 10-fold cross-validation on the shared sets (the hyper-parameters are chosen
inside each training fold; the 4Q folds keep each artist in one fold): Emotion6 photos
(valence and arousal from their ratings) and 4Q songs (quadrant labels; valence and
arousal from the norms of their mood tags). Each photo's out-of-fold point is matched
to the songs' out-of-fold points; a match agrees when the song's quadrant label is the
quadrant of the photo's ratings. Every figure is printed beside the naive first
attempt's, chance, and the target. This is the same computation as
``affect evaluate --images emotion6:DIR --music 4q:DIR --cv 10``.
"""

from __future__ import annotations

import argparse
import json
import os
import time

# The naive first attempt (about 30 colour and texture features, 80 librosa means, MLP),
# measured on held-out data, and the targets of issue #4.
NAIVE = {"image_quadrant": 0.38, "image_valence_r": 0.45, "image_arousal_r": 0.05,
         "music_quadrant": 0.59, "p_at_1": 0.30}
TARGET = {"image_quadrant": None, "image_valence_r": 0.55, "image_arousal_r": 0.35,
          "music_quadrant": 0.72, "p_at_1": 0.50}


def table(report: dict) -> str:
    img, aud = report.get("image", {}), report.get("audio", {})
    rows = []

    def add(name, key, value, baseline, chance):
        t = TARGET.get(key)
        rows.append(f"| {name} | {value:.3f} | {baseline if baseline is not None else ''} "
                    f"| {'' if chance is None else f'{chance:.3f}'} "
                    f"| {'' if t is None else t} |")

    for kind in ("mlp", "ridge"):
        if kind in img:
            m = img[kind]
            add(f"image quadrant accuracy ({kind})", "image_quadrant",
                m["quadrant_accuracy"], NAIVE["image_quadrant"], m["quadrant_chance"])
            add(f"image valence r ({kind})", "image_valence_r", m["valence"]["pearson_r"],
                NAIVE["image_valence_r"], 0.0)
            add(f"image arousal r ({kind})", "image_arousal_r", m["arousal"]["pearson_r"],
                NAIVE["image_arousal_r"], 0.0)
    for kind in ("mlp", "ridge"):
        if kind in aud:
            m = aud[kind]
            add(f"music quadrant accuracy ({kind})", "music_quadrant",
                m["quadrant_accuracy"], NAIVE["music_quadrant"], m["quadrant_chance"])
            add(f"music valence r ({kind})", "", m["valence"]["pearson_r"], None, 0.0)
            add(f"music arousal r ({kind})", "", m["arousal"]["pearson_r"], None, 0.0)
    for key, how in (("matching_aligned", "aligned, as `affect match`"),
                     ("matching", "raw points")):
        mat = report.get(key)
        if not mat:
            continue
        add(f"photo-to-song categorical accuracy, P@1 ({how})", "p_at_1",
            mat["precision_at_1"], NAIVE["p_at_1"], mat["chance"])
        for k in (5, 10):
            if f"precision_at_{k}" in mat:
                add(f"photo-to-song P@{k} ({how})", "", mat[f"precision_at_{k}"], None,
                    mat["chance"])
        add(f"photo-to-song MRR ({how})", "", mat["mrr"], None, None)
    head = ("| measure (10-fold CV) | ours | naive first attempt | chance | target |\n"
            "|---|---:|---:|---:|---:|")
    return head + "\n" + "\n".join(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("AFFECT_DATA", "../shared/data"))
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument("--json", default=None, help="also write the full report here")
    ap.add_argument("--plot", default=None, help="draw the emotion plane (PNG)")
    args = ap.parse_args(argv)

    from affect_features.training import evaluate_sets

    t = time.time()
    report = evaluate_sets([f"emotion6:{os.path.join(args.data, 'emotion6')}"],
                           [f"4q:{os.path.join(args.data, '4q')}"], folds=args.folds,
                           n_jobs=args.jobs, plot=args.plot)
    print(f"# accuracy: {args.folds}-fold nested CV, {time.time() - t:.0f} s")
    print(table(report))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1, default=float)


if __name__ == "__main__":
    main()
