"""Photo-to-song matching: the three-branch joint embedding beside the valence-arousal route.

Photos: Emotion6 and GAPED; songs: the 4Q clips (``$AFFECT_DATA``). A photo's label is
the quadrant of its ratings, a song's its 4Q quadrant; a song agrees with a photo when
their quadrants are equal. Both routes are trained and tested on the same folds:

- **in-domain**: 10 folds of the photos (both sets pooled, stratified by quadrant) paired
  with 10 folds of the songs (grouped by artist, stratified by quadrant); each fold's
  test photos are ranked against that fold's test songs by models trained on the
  other nine folds of both;
- **leave-one-dataset-out**: trained on one photo set (all of it) and nine song folds,
  every photo of the other set is ranked against the tenth fold's songs, for each of
  the ten song folds.

Routes: ``joint`` (:class:`affect_features.joint.JointEmbedding`, cosine similarity)
and ``VA`` (:func:`affect_features.models.train_model` per modality, ``--va-kind ridge``
by default; photos' points put on the songs' scale by
:func:`affect_features.matching.alignment_factors` and matched by Euclidean distance in
(valence, arousal, dominance), as ``affect match`` does; dominance is left out when the
photo model did not learn it, i.e. trained on GAPED alone). Measures: P@1, P@5, MRR (over
the fold's whole ranking), P@1 balanced over the photos' quadrants (mean per-quadrant
P@1), the number of distinct songs ranked first, and chance (a random ranking).

Usage::

    AFFECT_DATA=/work/shared/data python benchmarks/joint_vs_vad.py [--folds 10]
        [--va-kind ridge|mlp] [--jobs 1] [--seed 0]

The first run extracts the features of every photo and clip (cached; minutes on one
core); later runs take a few minutes (30 trainings of each route). ``--seed`` moves both
the folds and the models' seeds: run several and read the spread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

from affect_features.evaluation import matching_report


def _photo_specs(root: str) -> dict[str, str]:
    from affect_features.datasets import KINDS

    specs = {"Emotion6": "emotion6:" + os.path.join(root, "emotion6")}
    gaped = os.path.join(root, "gaped")
    if "gaped" in KINDS:
        specs["GAPED"] = "gaped:" + gaped
    else:
        # No gaped loader yet: the ratings (0-100, 50 neutral) as a csv table.
        import csv

        from affect_features.training import default_cache_dir

        table = os.path.join(default_cache_dir(), "gaped-ratings.csv")
        os.makedirs(os.path.dirname(table), exist_ok=True)
        with open(os.path.join(gaped, "ratings.csv"), newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        with open(table, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["path", "valence", "arousal"])
            for r in rows:
                w.writerow([os.path.join(gaped, "images", *r["file"].split("/")),
                            r["valence"], r["arousal"]])
        specs["GAPED"] = f"csv:{table}?scale=percent&modality=image"
    return specs


def _load(root: str, n_jobs: int):
    from affect_features.training import load_training_data

    photos = {name: load_training_data("image", [spec], n_jobs=n_jobs, progress=True)
              for name, spec in _photo_specs(root).items()}
    songs = load_training_data("audio", ["4q:" + os.path.join(root, "4q")], n_jobs=n_jobs,
                               progress=True)
    return photos, songs


# ---------------------------------------------------------------------- routes

class JointRoute:
    name = "joint"

    def __init__(self, seed: int, **params):
        self.seed, self.params = seed, params

    def fit(self, ph, pi, so, si):
        from affect_features.joint import JointEmbedding

        self.model = JointEmbedding(random_state=self.seed, **self.params).fit(
            ph.X[pi], list(ph.quadrants[pi]), so.X[si], list(so.quadrants[si]),
            image_names=ph.names, audio_names=so.names, image_schema=ph.schema,
            audio_schema=so.schema)
        return self

    def rank(self, ph, pi, so, si):
        from affect_features.joint import rank_songs

        index, _ = rank_songs(self.model.embed_image(ph.X[pi], schema=ph.schema,
                                                     names=ph.names),
                              self.model.embed_audio(so.X[si], schema=so.schema,
                                                     names=so.names), k=len(si))
        return index


class VARoute:
    name = "VA"

    def __init__(self, seed: int, kind: str = "ridge"):
        self.seed, self.kind = seed, kind

    def _train(self, data, rows, modality):
        from affect_features.models import train_model

        known = ~np.isnan(data.points[rows])
        return train_model(data.X[rows], np.nan_to_num(data.points[rows]), mask=known,
                           names=data.names, schema=data.schema, modality=modality,
                           kind=self.kind, n_seeds=3, cv=5, random_state=self.seed,
                           groups=data.groups[rows], n_jobs=1)

    def fit(self, ph, pi, so, si):
        self.image = self._train(ph, pi, "image")
        self.audio = self._train(so, si, "audio")
        # The photos' spread of predictions, label-free (matching.alignment_factors);
        # in-sample here (the shipped models use the out-of-fold spread).
        self.photo_std = self.image.predict(ph.X[pi]).std(axis=0)
        return self

    def rank(self, ph, pi, so, si):
        from affect_features.matching import alignment_factors

        songs = self.audio.predict(so.X[si])
        photos = np.clip(self.image.predict(ph.X[pi])
                         * alignment_factors(self.photo_std, songs), -1, 1)
        # An axis the image model did not learn (dominance, trained on GAPED alone)
        # is left out of the distance rather than read as neutral.
        w = self.image.learned.astype(np.float64)
        d = (w * (photos[:, None, :] - songs[None, :, :]) ** 2).sum(axis=2)
        return np.argsort(d, axis=1, kind="stable")


# ---------------------------------------------------------------------- protocol

def _song_folds(so, folds: int, seed: int):
    from sklearn.model_selection import StratifiedGroupKFold

    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [test for _, test in cv.split(so.X, so.quadrants, so.groups)]


def _photo_folds(labels, folds: int, seed: int):
    from sklearn.model_selection import StratifiedKFold

    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [test for _, test in cv.split(np.zeros(len(labels)), labels)]


def _scores(queries, ranked_rows, so, n_songs_total) -> dict:
    """Metrics of pooled queries; each ranking truncated to the shortest one."""
    k = min(r.shape[1] for r in ranked_rows)
    ranked = np.vstack([r[:, :k] for r in ranked_rows])
    labels = np.concatenate(queries)
    rep = matching_report(labels, so.quadrants[ranked], so.quadrants)
    present = sorted(set(labels))
    song_share = {q: float(np.mean(so.quadrants == q)) for q in present}
    return {"P@1": rep["accuracy"], "P@5": rep["precision_at_5"], "MRR": rep["mrr"],
            "bal P@1": float(np.mean([rep["per_class_recall"][q] for q in present])),
            "distinct@1": len(set(ranked[:, 0].tolist())),
            "n_songs": n_songs_total, "n_queries": len(labels),
            "chance": rep["chance"],
            "bal chance": float(np.mean([song_share[q] for q in present]))}


def run_scenario(route, ph, so, splits):
    """splits: [(train photos, test photos, train songs, test songs)] of one scenario."""
    queries, ranked, fit_times = [], [], []
    tested = set()
    for pi_tr, pi_te, si_tr, si_te in splits:
        t0 = time.perf_counter()
        route.fit(ph, pi_tr, so, si_tr)
        fit_times.append(time.perf_counter() - t0)
        local = route.rank(ph, pi_te, so, si_te)
        ranked.append(si_te[local])
        queries.append(ph.quadrants[pi_te])
        tested |= set(si_te.tolist())
    out = _scores(queries, ranked, so, len(tested))
    out["fit s"] = statistics.median(fit_times)
    return out


def _concat(a, b):
    """Two LabelledFeatures of one schema as one (photos of both sets)."""
    from dataclasses import replace

    if a.schema != b.schema or tuple(a.names) != tuple(b.names):
        raise SystemExit("the photo sets came out in different schemas; clear the cache")
    return replace(a, X=np.vstack([a.X, b.X]), points=np.vstack([a.points, b.points]),
                   labels=list(a.labels) + list(b.labels),
                   quadrants=np.concatenate([a.quadrants, b.quadrants]),
                   paths=list(a.paths) + list(b.paths),
                   groups=np.concatenate([a.groups, b.groups]), sets=a.sets + b.sets,
                   failures=a.failures + b.failures)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1, help="extraction workers (first run)")
    ap.add_argument("--va-kind", choices=("ridge", "mlp"), default="ridge")
    ap.add_argument("--joint", action="append", default=[], metavar="KEY=VALUE",
                    help="a JointEmbedding parameter, e.g. --joint n_epochs=20 (repeatable)")
    args = ap.parse_args(argv)
    root = os.environ.get("AFFECT_DATA")
    if not root:
        print("set AFFECT_DATA to the shared data folder", file=sys.stderr)
        return 2
    params = {}
    for item in args.joint:
        key, _, value = item.partition("=")
        params[key] = (value.lower() == "true" if value.lower() in ("true", "false")
                       else tuple(float(v) for v in value.split(",")) if "," in value
                       else int(value) if value.lstrip("-").isdigit()
                       else float(value) if value.replace(".", "", 1).replace(
                           "e-", "", 1).isdigit() else value)

    photos, so = _load(root, args.jobs)
    e6, ga = photos["Emotion6"], photos["GAPED"]
    ph = _concat(e6, ga)
    n_e6 = len(e6.X)
    song_folds = _song_folds(so, args.folds, args.seed)
    all_songs = np.arange(len(so.X))
    photo_folds = _photo_folds(ph.quadrants, args.folds, args.seed)
    all_photos = np.arange(len(ph.X))
    e6_rows, ga_rows = np.arange(n_e6), np.arange(n_e6, len(ph.X))

    def train_rows(test, universe):
        return np.setdiff1d(universe, test)

    scenarios = {
        "in-domain (10-fold)": [(train_rows(pt, all_photos), pt, train_rows(st, all_songs), st)
                                for pt, st in zip(photo_folds, song_folds)],
        "Emotion6 -> GAPED": [(e6_rows, ga_rows, train_rows(st, all_songs), st)
                              for st in song_folds],
        "GAPED -> Emotion6": [(ga_rows, e6_rows, train_rows(st, all_songs), st)
                              for st in song_folds],
    }
    routes = [JointRoute(args.seed, **params), VARoute(args.seed, args.va_kind)]
    print(f"photos: Emotion6 {n_e6}, GAPED {len(ga.X)} ({ph.schema}, {len(ph.names)} "
          f"features); songs: 4Q {len(so.X)} ({so.schema}, {len(so.names)} features)")
    for name, data in (("Emotion6", e6), ("GAPED", ga), ("4Q", so)):
        q, c = np.unique(data.quadrants, return_counts=True)
        print(f"  {name} quadrants: " + ", ".join(f"{a} {b}" for a, b in zip(q, c)))
    print(f"joint parameters: {params or 'defaults'}; VA route: {args.va_kind}")
    cols = ("P@1", "P@5", "MRR", "bal P@1", "distinct@1", "fit s")
    head = f"| scenario | route | {' | '.join(cols)} |"
    lines = [head, "|" + "---|" * (len(cols) + 2)]
    for sname, splits in scenarios.items():
        results = {}
        for route in routes:
            results[route.name] = run_scenario(route, ph, so, splits)
            r = results[route.name]
            lines.append(f"| {sname} | {route.name} | {r['P@1']:.3f} | {r['P@5']:.3f} | "
                         f"{r['MRR']:.3f} | {r['bal P@1']:.3f} | "
                         f"{r['distinct@1']} / {r['n_songs']} | {r['fit s']:.2f} |")
            print(lines[-1], flush=True)
        r = results["joint"]
        lines.append(f"| {sname} | chance | {r['chance']:.3f} | {r['chance']:.3f} | | "
                     f"{r['bal chance']:.3f} | | |")
        print(lines[-1], flush=True)
    print()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
