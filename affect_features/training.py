"""Training and evaluating emotion models on declared data sets.

The glue between data sets (:mod:`.datasets`), the feature extractors (through the batch
engine and a feature cache, so retraining never re-extracts), the models
(:mod:`.models`) and the metrics (:mod:`.evaluation`). ``affect train`` and
``affect evaluate`` are thin faces over :func:`train_from_specs` and
:func:`evaluate_specs`; ``scripts/train_default_models.py`` rebuilds the shipped models.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import numpy as np

from .errors import ParameterError

__all__ = ["LabelledFeatures", "dataset_features", "load_training_data",
           "train_from_specs", "evaluate_matching", "cross_validated_points",
           "default_cache_dir"]


def default_cache_dir() -> str:
    """Where extracted features of training sets are cached (env AFFECT_CACHE)."""
    env = os.environ.get("AFFECT_CACHE")
    if env:
        return env
    from platformdirs import user_cache_dir

    return user_cache_dir("affect-features")


@dataclass
class LabelledFeatures:
    """Features of the readable items of one or more data sets, with their targets."""

    modality: str
    X: np.ndarray            # (n, n_features)
    names: tuple
    schema: str
    points: np.ndarray       # (n, 3), NaN where unknown
    labels: list             # per item label or None
    quadrants: np.ndarray    # (n,) Russell quadrant of each item's label or point
    paths: list
    groups: np.ndarray | None  # e.g. artist, to keep in one fold
    sets: list               # [(spec, n_items)]
    failures: list
    set_ids: np.ndarray | None = None  # (n,) index into `sets` of each item's data set

    def select_groups(self, groups) -> "LabelledFeatures":
        """The same items with the features of some groups only (``None``: all).

        Groups are the first component of the dotted names (``color``, ``lbp``...); a
        model trained on a subset still takes full vectors of the schema
        (:meth:`~affect_features.models.EmotionModel.check_schema` picks its columns).
        """
        from dataclasses import replace

        if groups is None:
            return self
        wanted = [g.strip() for g in (groups.split(",") if isinstance(groups, str)
                                      else groups) if g.strip()]
        present = {n.split(".", 1)[0] for n in self.names}
        unknown = [g for g in wanted if g not in present]
        if unknown or not wanted:
            raise ParameterError(f"unknown feature group(s) {', '.join(unknown) or '(none)'}"
                                 f"; the {self.schema} groups are "
                                 f"{', '.join(sorted(present))}")
        cols = [i for i, n in enumerate(self.names) if n.split(".", 1)[0] in wanted]
        return replace(self, X=self.X[:, cols], names=tuple(self.names[i] for i in cols))

    def rows_of(self, spec) -> np.ndarray:
        """Indices of the items of one data set (by spec or by index into `sets`)."""
        index = spec if isinstance(spec, (int, np.integer)) else \
            [s for s, _ in self.sets].index(spec)
        return np.flatnonzero(self.set_ids == index)


def dataset_features(ds, *, cache_dir=None, n_jobs: int = 0, progress: bool = False):
    """Extract (or read from the cache) the features of every item of a data set."""
    from .batch import Progress, map_files
    from .datasets import cached_features

    if ds.modality == "image":
        from .image import IMAGE_SCHEMA as schema, image_feature_names as names_fn
        from .image import image_vector as fn
    elif ds.modality == "audio":
        from .audio import AUDIO_SCHEMA as schema, audio_feature_names as names_fn
        from .audio import audio_vector as fn
    else:
        raise ParameterError(f"unknown modality {ds.modality!r}")
    cache_dir = cache_dir or default_cache_dir()
    os.makedirs(cache_dir, exist_ok=True)
    key = hashlib.sha1(os.path.abspath(ds.root).encode("utf-8", "surrogateescape")
                       ).hexdigest()[:12]
    cache = os.path.join(cache_dir, f"{ds.kind}-{key}-{schema}.npz")

    def extract(paths):
        bar = Progress(len(paths), label=f"{ds.kind} ", enabled=progress)
        try:
            yield from map_files(fn, list(paths), n_jobs=n_jobs, progress=bar)
        finally:
            bar.close()

    return cached_features(ds.paths, extract, cache, schema, names=names_fn())


def load_training_data(modality: str, specs, *, cache_dir=None, n_jobs: int = 0,
                       progress: bool = False) -> LabelledFeatures:
    """Load data sets (``KIND:PATH`` specs), extract features, stack the readable items."""
    from .datasets import load_dataset
    from .space import quadrant

    Xs, P, labels, quads, paths, groups, sets, failures = [], [], [], [], [], [], [], []
    set_ids = []
    names = schema = None
    for spec in specs:
        ds = load_dataset(spec)
        if ds.modality != modality:
            raise ParameterError(f"{spec}: a {ds.modality} data set, not {modality}")
        table = dataset_features(ds, cache_dir=cache_dir, n_jobs=n_jobs, progress=progress)
        ok = np.asarray(table.ok, dtype=bool)
        failures += [f"{p}: {r}" for p, r in dict(table.failures).items()]
        names, schema = tuple(table.names), table.schema
        Xs.append(np.asarray(table.X)[ok])
        pts = np.asarray(ds.points, dtype=np.float64)[ok]
        P.append(pts)
        lab = list(ds.labels) if ds.labels is not None else [None] * len(ds)
        lab = [l for l, k in zip(lab, ok) if k]
        labels += lab
        if ds.taxonomy == "russell":
            quads += lab
        else:
            va = np.nan_to_num(pts)
            quads += list(quadrant(va)) if len(va) else []
        paths += [p for p, k in zip(ds.paths, ok) if k]
        art = ds.extra.get("artists") if isinstance(ds.extra, dict) else None
        groups += ([str(a) for a, k in zip(art, ok) if k] if art is not None
                   else [f"{spec}#{i}" for i in range(int(ok.sum()))])
        set_ids += [len(sets)] * int(ok.sum())
        sets.append((spec, int(ok.sum())))
    if not Xs or sum(len(x) for x in Xs) == 0:
        raise ParameterError("no readable training items")
    return LabelledFeatures(modality=modality, X=np.vstack(Xs), names=names, schema=schema,
                            points=np.vstack(P), labels=labels,
                            quadrants=np.asarray(quads), paths=paths,
                            groups=np.asarray(groups), sets=sets, failures=failures,
                            set_ids=np.asarray(set_ids, dtype=np.intp))


def standardise_per_set(points: np.ndarray, set_ids: np.ndarray) -> np.ndarray:
    """Each data set's ratings z-scored per axis, then put on the pooled spread.

    Panels use rating scales differently (one set's "neutral" is another's "slightly
    negative"; Emotion6's arousal ratings spread half as far as GAPED's). This removes
    each set's mean and spread and gives every set the pooled standard deviation of its
    axis, centred on neutral (0). NaN (unrated) entries stay NaN; an axis that a set
    rates with no spread keeps its values minus the set's mean.

    Parameters
    ----------
    points : ndarray, shape (n, 3)
    set_ids : ndarray of int, shape (n,)

    Returns
    -------
    ndarray, shape (n, 3)
    """
    pts = np.asarray(points, dtype=np.float64)
    out = np.full_like(pts, np.nan)
    pooled = np.nanstd(np.where(np.isfinite(pts), pts, np.nan), axis=0)
    for s in np.unique(set_ids):
        rows = set_ids == s
        for a in range(pts.shape[1]):
            v = pts[rows, a]
            ok = np.isfinite(v)
            if not ok.any():
                continue
            sd = v[ok].std()
            scaled = (v - v[ok].mean()) / sd * pooled[a] if sd > 0 else v - v[ok].mean()
            out[rows, a] = np.where(ok, scaled, np.nan)
    return out


def training_targets(data: LabelledFeatures, targets: str = "ratings") -> np.ndarray:
    """The training targets of `data`: its points as declared (``"ratings"``) or
    standardised per data set (``"per_set"``, :func:`standardise_per_set`)."""
    if targets == "ratings":
        return data.points
    if targets == "per_set":
        return standardise_per_set(data.points, data.set_ids)
    raise ParameterError(f"targets must be 'ratings' or 'per_set', got {targets!r}")


def cross_validated_points(data: LabelledFeatures, *, cv: int = 10, n_seeds: int = 3,
                           random_state: int = 0, n_jobs: int = -1,
                           kinds=("mlp", "ridge"), use_groups: bool = True,
                           rows=None, targets: str = "ratings") -> dict:
    """Nested k-fold CV of the MLP and the ridge baseline (out-of-fold points).

    `rows` restricts the evaluation to some items (e.g. one data set: in-domain CV);
    `targets` as :func:`training_targets` (the metrics always compare with the ratings).
    """
    from .models import cross_validate_model, regression_metrics

    rows = np.arange(len(data.X)) if rows is None else np.asarray(rows)
    Y = training_targets(data, targets)[rows]
    known = ~np.isnan(Y)
    res = cross_validate_model(
        data.X[rows], np.nan_to_num(Y), mask=known, names=data.names, cv=cv,
        n_seeds=n_seeds, groups=data.groups[rows] if use_groups else None,
        quadrants=list(data.quadrants[rows]), random_state=random_state, n_jobs=n_jobs,
        kinds=kinds)
    if targets != "ratings":
        truth = data.points[rows]
        for kind in kinds:
            res[kind]["metrics"] = regression_metrics(truth, res[kind]["predictions"],
                                                      quadrants=list(data.quadrants[rows]))
            res["summary"][kind] = res[kind]["metrics"]
    res["summary"]["targets"] = targets
    return res


def leave_one_set_out_points(data: LabelledFeatures, *, n_seeds: int = 3,
                             random_state: int = 0, n_jobs: int = -1,
                             kinds=("mlp", "ridge"), targets: str = "ratings") -> dict:
    """Leave-one-dataset-out: for each data set, train on all the others, predict it.

    The honest protocol for "does it work on photos from another source": the test
    items come from a set the model never saw (other photographers, other raters, other
    rating habits), so what a set's quirks teach the model does not help it. The
    hyper-parameters are chosen inside the training sets (inner CV), as in
    :func:`cross_validated_points`.

    Returns
    -------
    dict
        As :func:`affect_features.models.cross_validate_model`, the ``"folds"`` entry
        being the left-out set of each row; ``"per_set"``: ``{spec: {kind:
        regression_metrics}}`` on each left-out set.
    """
    from .models import cross_validate_model, regression_metrics

    if data.set_ids is None or len(data.sets) < 2:
        raise ParameterError("leave-one-dataset-out needs at least two data sets")
    ids = np.asarray(data.set_ids)
    folds = [(np.flatnonzero(ids != s), np.flatnonzero(ids == s))
             for s in range(len(data.sets))]
    Y = training_targets(data, targets)
    res = cross_validate_model(
        data.X, np.nan_to_num(Y), mask=~np.isnan(Y), names=data.names, folds=folds,
        n_seeds=n_seeds, groups=None, quadrants=list(data.quadrants),
        random_state=random_state, n_jobs=n_jobs, kinds=kinds)
    res["per_set"] = {}
    for s, (spec, _) in enumerate(data.sets):
        te = folds[s][1]
        res["per_set"][spec] = {
            kind: regression_metrics(data.points[te], res[kind]["predictions"][te],
                                     quadrants=list(data.quadrants[te]))
            for kind in kinds}
    res["summary"]["targets"] = targets
    res["summary"]["protocol"] = "leave-one-dataset-out"
    return res


def pooled_reliability(per_set: dict, sets, kind: str) -> list[float]:
    """Per-axis reliability over the left-out sets of leave-one-dataset-out.

    Each axis's correlation on each left-out set, weighted by the set's size; an axis a
    left-out set did not rate is not measured there (left out of the mean), and an axis
    the training sets did not rate was predicted neutral (r = 0 on that set).

    Parameters
    ----------
    per_set : dict
        ``{spec: {kind: regression_metrics}}`` (:func:`leave_one_set_out_points`).
    sets : sequence of (spec, n_items)
    kind : str
    """
    from .models import AXES

    out = []
    for axis in AXES:
        num = den = 0.0
        for spec, n_items in sets:
            m = per_set[spec][kind].get(axis)
            if isinstance(m, dict):
                num += n_items * m["r"]
                den += n_items
        out.append(num / den if den else 0.0)
    return out


def axis_reliability(metrics: dict) -> list[float]:
    """Per-axis reliability of predictions: Pearson r with the ratings (0 where the
    axis was not measured), from :func:`~affect_features.models.regression_metrics`."""
    from .models import AXES

    return [float(metrics[a]["r"]) if isinstance(metrics.get(a), dict) else 0.0
            for a in AXES]


def train_from_specs(modality: str, specs, *, cache_dir=None, n_jobs: int = 0,
                     cv: int = 5, n_seeds: int = 5, random_state: int = 0,
                     evaluate_folds: int = 0, progress: bool = False,
                     kind: str = "mlp", cross_set: bool = True,
                     targets: str = "ratings", feature_groups=None):
    """Train a model on declared data sets; record how far its predictions can be trusted.

    Parameters
    ----------
    kind : {"mlp", "ridge"}
    evaluate_folds : int
        If > 0, the card records nested `evaluate_folds`-fold CV metrics (in-domain).
    cross_set : bool
        With two or more data sets, also run leave-one-dataset-out
        (:func:`leave_one_set_out_points`) and record its metrics per left-out set.
    targets : {"ratings", "per_set"}
        :func:`training_targets`.
    feature_groups : sequence of str or str, optional
        Train on these feature groups only (:meth:`LabelledFeatures.select_groups`).

    The card's ``reliability`` (per-axis correlation of predictions with ratings on
    data the procedure never saw, from leave-one-dataset-out when it ran, else from
    the in-domain CV), ``prediction_std`` (the spread of those held-out predictions) and
    ``target_std`` drive :func:`affect_features.matching.matching_space`; a model
    trained with neither has no reliability, and matching warns and uses neutral
    weights.

    Returns
    -------
    model : EmotionModel
    data : LabelledFeatures
    cv_result : dict or None
        ``{"cv": cross_validated_points result or None, "cross_set": leave-one-set-out
        result or None, "summary": metrics}``; None when nothing was evaluated.
    """
    from .models import AXES, _jsonable, train_model

    data = load_training_data(modality, specs, cache_dir=cache_dir, n_jobs=n_jobs,
                              progress=progress).select_groups(feature_groups)
    cv_res = lodo = None
    metrics: dict = {}
    if evaluate_folds:
        cv_res = cross_validated_points(data, cv=evaluate_folds, random_state=random_state,
                                        kinds=(kind,), targets=targets)
        metrics["in_domain"] = cv_res["summary"]
    if cross_set and len(data.sets) >= 2:
        lodo = leave_one_set_out_points(data, random_state=random_state, kinds=(kind,),
                                        targets=targets)
        metrics["cross_set"] = {"per_set": _jsonable(lodo["per_set"]), **lodo["summary"]}
    Y = training_targets(data, targets)
    model = train_model(data.X, np.nan_to_num(Y), mask=~np.isnan(Y), kind=kind,
                        names=data.names, schema=data.schema, modality=modality,
                        n_seeds=n_seeds, cv=cv, random_state=random_state,
                        groups=data.groups, training_sets=data.sets, metrics=metrics)
    held_out = lodo if lodo is not None else cv_res
    if held_out is not None:
        pred = np.nan_to_num(held_out[kind]["predictions"])
        if lodo is not None:
            r = pooled_reliability(lodo["per_set"], data.sets, kind)
            source = "leave-one-dataset-out"
        else:
            r = [float(cv_res[kind]["metrics"].get(a, {}).get("r", 0.0)) for a in AXES]
            source = f"{evaluate_folds}-fold cross-validation (in-domain)"
        model.card["reliability"] = {
            "r": dict(zip(AXES, (float(x) for x in r))),
            "target_std": dict(zip(AXES, (float(np.nanstd(data.points[:, a]))
                                          if np.isfinite(data.points[:, a]).any() else 0.0
                                          for a in range(3)))),
            "source": source}
        # The spread of held-out predictions, for matching.alignment (label-free).
        model.card["prediction_std"] = [float(x) for x in pred.std(axis=0)]
    model.card["targets"] = targets
    if cv_res is None and lodo is None:
        return model, data, None
    return model, data, {"cv": cv_res, "cross_set": lodo, "summary": metrics}


def evaluate_matching(photo_points, photo_labels, song_points, song_labels, *,
                      k: int = 10, weights=(1.0, 1.0, 1.0)) -> dict:
    """Categorical agreement of photos with their nearest songs.

    For each photo, the songs are ranked by weighted Euclidean distance to its point; a
    song agrees when its label (e.g. quadrant) is the photo's. Returns
    :func:`~affect_features.evaluation.matching_report`: accuracy (top-1), precision
    at 1, 5 and 10, MRR, their versions balanced over the photos' classes, chance, the
    always-majority answer, per-class recall, confusion matrix, and the number of
    distinct songs ranked first.
    """
    from scipy.spatial import cKDTree

    from .evaluation import matching_report

    w = np.asarray(weights, dtype=np.float64)
    songs = np.asarray(song_points, dtype=np.float64) * w
    photos = np.asarray(photo_points, dtype=np.float64) * w
    k = min(k, len(songs))
    _, idx = cKDTree(songs).query(photos, k=k)
    idx = idx.reshape(len(photos), k)
    song_labels = np.asarray(song_labels)
    ranked = song_labels[idx]
    return matching_report(np.asarray(photo_labels), ranked, song_labels, ranked_items=idx)


#: The figures of each matching variant kept in a report (the full report is kept for
#: the variant `affect match` uses).
_BRIEF = ("precision_at_1", "balanced_precision_at_1", "precision_at_5",
          "balanced_precision_at_5", "mrr", "distinct_at_1", "distinct_at_1_share")


def match_photos(photo_points, photo_labels, song_points, song_labels, reliability, *,
                 k: int = 10, variants=None) -> dict:
    """Photo-to-song agreement as ``affect match`` computes it, beside two variants.

    ``"matched"``: the photos' points aligned to the songs' spread (label-free variance
    matching, :func:`~affect_features.matching.alignment_factors`) and each axis of
    the distance weighted by its `reliability` (the correlation of the image model's
    predictions with ratings on data it never saw,
    :func:`~affect_features.matching.reliability_weights`). ``"aligned"``: aligned
    but unweighted (the matcher of image-1). ``"raw"``: the points as predicted.
    `variants` (``{name: reliability}``) adds the brief figures of other weightings.
    """
    from .matching import alignment_factors, reliability_weights

    ipts = np.asarray(photo_points, dtype=np.float64)
    apts = np.asarray(song_points, dtype=np.float64)
    factors = alignment_factors(ipts.std(axis=0), apts)
    aligned = np.clip(ipts * factors, -1.0, 1.0)
    weights = reliability_weights(reliability)
    out = evaluate_matching(aligned, photo_labels, apts, song_labels, k=k, weights=weights)
    out["factors"] = [float(x) for x in factors]
    out["weights"] = [float(x) for x in weights]
    out["reliability"] = None if reliability is None else [float(x) for x in reliability]
    for name, pts in (("aligned", aligned), ("raw", ipts)):
        rep = evaluate_matching(pts, photo_labels, apts, song_labels, k=k)
        out[name] = {key: rep[key] for key in _BRIEF}
    for name, rel in (variants or {}).items():
        w = reliability_weights(rel)
        rep = evaluate_matching(aligned, photo_labels, apts, song_labels, k=k, weights=w)
        out[name] = {**{key: rep[key] for key in _BRIEF}, "weights": [float(x) for x in w]}
    out["labels"] = ("russell quadrants (photo: of its ratings or label; song: its label)")
    return out


def _modality_report(truth: np.ndarray, quadrants, points: np.ndarray) -> dict:
    """Per-axis errors and quadrant accuracy of predicted `points` against `truth`."""
    from .evaluation import (balanced_accuracy, binary_accuracy, majority_share, pearson_r,
                             r2_score)
    from .space import quadrant

    truth = np.asarray(truth, dtype=np.float64)
    points = np.nan_to_num(np.asarray(points, dtype=np.float64))
    axes = [a for a, name in enumerate(("valence", "arousal", "dominance"))
            if np.isfinite(truth[:, a]).sum() >= 3]
    rep: dict = {"n": int(len(truth))}
    for a in axes:
        ok = np.isfinite(truth[:, a])
        name = ("valence", "arousal", "dominance")[a]
        t, p = truth[ok, a], points[ok, a]
        rep[name] = {"pearson_r": pearson_r(t, p), "r2": r2_score(t, p),
                     "mae": float(np.mean(np.abs(t - p))),
                     "rmse": float(np.sqrt(np.mean((t - p) ** 2))),
                     "binary_accuracy": binary_accuracy(t, p), "n": int(ok.sum()),
                     "rating_std": float(t.std()), "prediction_std": float(p.std())}
    quadrants = np.asarray(quadrants)
    pred_q = quadrant(points)
    rep["quadrant_accuracy"] = float(np.mean(pred_q == quadrants))
    rep["quadrant_balanced_accuracy"] = balanced_accuracy(quadrants, pred_q)
    rep["quadrant_majority"] = majority_share(quadrants)
    rep["quadrant_chance"] = rep["quadrant_majority"]  # the always-majority answer
    rep["quadrant_balanced_chance"] = 1.0 / len(np.unique(quadrants))
    return rep


def _reliability_of(report: dict) -> list[float]:
    return [float(report[a]["pearson_r"]) if a in report else 0.0
            for a in ("valence", "arousal", "dominance")]


def joint_route_matching(photos: LabelledFeatures, photo_rows, songs: LabelledFeatures,
                         *, train_photo_rows=None, folds: int = 10, random_state: int = 0,
                         k: int = 10) -> dict:
    """Photo-to-song agreement of the joint embedding (:mod:`affect_features.joint`).

    The songs are split into `folds` folds grouped by artist (and stratified by
    quadrant). For each song fold, a joint model is trained on the other song folds and
    on the training photos, and the test photos are ranked against that fold's songs.
    In-domain (`train_photo_rows` None) the test photos, `photo_rows`, are split into
    the same number of stratified folds, paired with the song folds; leave-one-dataset-
    out, `train_photo_rows` are the other sets' photos and every test photo is ranked
    against each song fold.

    Returns
    -------
    dict
        :func:`~affect_features.evaluation.matching_report` of all the rankings, pooled.
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    from .evaluation import matching_report
    from .joint import JointEmbedding, rank_songs

    photo_rows = np.asarray(photo_rows)
    song_folds = [te for _, te in StratifiedGroupKFold(
        n_splits=folds, shuffle=True, random_state=random_state).split(
        songs.X, songs.quadrants, songs.groups)]
    if train_photo_rows is None:
        photo_folds = [photo_rows[te] for _, te in StratifiedKFold(
            n_splits=folds, shuffle=True, random_state=random_state).split(
            np.zeros(len(photo_rows)), photos.quadrants[photo_rows])]
    all_songs = np.arange(len(songs.X))
    queries, ranked = [], []
    for f, song_test in enumerate(song_folds):
        song_train = np.setdiff1d(all_songs, song_test)
        if train_photo_rows is None:
            test = photo_folds[f]
            train = np.setdiff1d(photo_rows, test)
        else:
            test, train = photo_rows, np.asarray(train_photo_rows)
        model = JointEmbedding(random_state=random_state).fit(
            photos.X[train], list(photos.quadrants[train]), songs.X[song_train],
            list(songs.quadrants[song_train]), image_names=photos.names,
            audio_names=songs.names, image_schema=photos.schema, audio_schema=songs.schema)
        index, _ = rank_songs(model.embed_image(photos.X[test]),
                              model.embed_audio(songs.X[song_test]),
                              k=min(k, len(song_test)))
        queries.append(photos.quadrants[test])
        ranked.append(song_test[np.atleast_2d(index)])
    kk = min(r.shape[1] for r in ranked)
    idx = np.vstack([r[:, :kk] for r in ranked])
    return matching_report(np.concatenate(queries), songs.quadrants[idx], songs.quadrants,
                           ranked_items=idx)


def labels_only_spec(spec: str) -> str:
    """A music spec for held-out evaluation, where only the songs' labels matter.

    The 4Q loader reads the Warriner norms for the songs' continuous targets; matching
    and quadrant accuracy need only the labels. Without an explicit ``lexicon=`` and
    without the default norms file, the spec gets ``lexicon=none`` (each song's target
    is its quadrant's point; its regression figures then measure agreement with the
    quadrant points, said in the report). Other specs are returned unchanged.
    """
    from .datasets import parse_spec

    kind, path, options = parse_spec(spec)
    if kind != "4q" or "lexicon" in options:
        return spec
    norms = os.path.join(os.path.dirname(path), "lexicon", "Ratings_Warriner_et_al.csv")
    if os.path.exists(norms):
        return spec
    return spec + ("&" if "?" in spec else "?") + "lexicon=none"


def evaluate_sets(image_specs=(), music_specs=(), *, folds: int = 10, image_model=None,
                  audio_model=None, cache_dir=None, n_jobs: int = 0, plot=None,
                  progress: bool = False, random_state: int = 0,
                  kinds=("mlp", "ridge"), targets: str = "ratings",
                  image_groups=None, methods=("vad", "joint")) -> dict:
    """Evaluate per modality and photo-to-song matching, always beside chance.

    With ``folds > 0``:

    - ``"cross_set"`` (with two or more image sets; the protocol to judge by):
      leave-one-dataset-out, each image set predicted by models trained on the other
      sets only (:func:`leave_one_set_out_points`);
    - ``"in_domain"``: nested k-fold cross-validation within each set on its own
      (:func:`cross_validated_points`); for music the folds keep each artist in one
      fold.

    Photos are then matched to the songs' out-of-fold points (:func:`match_photos`, as
    ``affect match`` does). The reliability that weights the axes is measured on data
    the photos' model did not see: for a left-out set, the in-domain CV correlations of
    the training sets; in-domain, the set's own CV correlations (optimistic by two
    numbers). With ``folds == 0`` the given (or shipped) models predict every item, so
    the sets act as held-out data (``"held_out"``), with the reliability of the card.
    ``image_groups`` restricts the image models to some feature groups
    (:meth:`LabelledFeatures.select_groups`); ``kinds`` and ``targets`` as
    :func:`cross_validated_points`. With ``"joint"`` in `methods` (and ``folds > 0``)
    the joint embedding is evaluated on the same protocols beside the VA route
    (:func:`joint_route_matching`, ``report["matching_joint"]``).

    Returns
    -------
    report : dict (JSON-able)
    """
    from .models import EmotionModel

    report: dict = {"folds": folds, "targets": targets}
    if not folds:
        given = list(music_specs)
        music_specs = [labels_only_spec(sp) for sp in given]
        if music_specs != given:
            report["note"] = ("no Warriner norms next to the 4Q set: the songs' targets "
                              "are their quadrants' points (lexicon=none); matching and "
                              "quadrant accuracy use the labels as always")
    photo: dict = {}  # protocol -> spec -> (rows, {kind: points}, reliability per kind)
    songs = None
    pts_for_plot: dict = {}
    for modality, specs, model in (("image", image_specs, image_model),
                                   ("audio", music_specs, audio_model)):
        if not specs:
            continue
        data = load_training_data(modality, specs, cache_dir=cache_dir, n_jobs=n_jobs,
                                  progress=progress)
        if modality == "image" and folds:
            data = data.select_groups(image_groups)
        entry: dict = {"sets": [{"spec": s, "n_items": n} for s, n in data.sets],
                       "n_failed": len(data.failures), "n_features": len(data.names)}
        report[modality] = entry
        if not folds:
            m = (EmotionModel.load(model) if model else EmotionModel.default(modality))
            points = m.predict(data.X, schema=data.schema, names=data.names)
            entry["held_out"] = {}
            from .matching import model_reliability

            rel = model_reliability(m)
            for spec, _ in data.sets:
                rows = data.rows_of(spec)
                entry["held_out"][spec] = {"model": _modality_report(
                    data.points[rows], data.quadrants[rows], points[rows])}
                photo.setdefault("held_out", {})[spec] = (
                    data, rows, {"model": points[rows]},
                    {"model": None if rel is None else list(rel["r"])})
            if modality == "audio":
                songs = (data, points)
            pts_for_plot[modality] = (data, points)
            continue
        if modality == "audio":
            cvres = cross_validated_points(data, cv=folds, random_state=random_state,
                                           kinds=kinds, targets=targets)
            entry["in_domain"] = {kind: _modality_report(
                data.points, data.quadrants, cvres[kind]["predictions"]) for kind in kinds}
            songs = (data, np.nan_to_num(cvres["mlp" if "mlp" in kinds else kinds[0]]
                                         ["predictions"]))
            pts_for_plot[modality] = songs
            continue
        entry["in_domain"], in_rel = {}, {}
        for spec, _ in data.sets:
            rows = data.rows_of(spec)
            cvres = cross_validated_points(data, cv=folds, random_state=random_state,
                                           kinds=kinds, rows=rows, targets=targets)
            entry["in_domain"][spec] = {kind: _modality_report(
                data.points[rows], data.quadrants[rows], cvres[kind]["predictions"])
                for kind in kinds}
            in_rel[spec] = {kind: _reliability_of(entry["in_domain"][spec][kind])
                            for kind in kinds}
            photo.setdefault("in_domain", {})[spec] = (
                data, rows, {kind: np.nan_to_num(cvres[kind]["predictions"])
                             for kind in kinds}, in_rel[spec])
        if len(data.sets) >= 2:
            lodo = leave_one_set_out_points(data, random_state=random_state, kinds=kinds,
                                            targets=targets)
            entry["cross_set"] = {}
            for spec, n_items in data.sets:
                rows = data.rows_of(spec)
                entry["cross_set"][spec] = {kind: _modality_report(
                    data.points[rows], data.quadrants[rows],
                    lodo[kind]["predictions"][rows]) for kind in kinds}
                others = [(s, n) for s, n in data.sets if s != spec]
                total = sum(n for _, n in others)
                rel = {kind: list(np.sum([np.asarray(in_rel[s][kind]) * n / total
                                          for s, n in others], axis=0))
                       for kind in kinds}
                photo.setdefault("cross_set", {})[spec] = (
                    data, rows, {kind: np.nan_to_num(lodo[kind]["predictions"][rows])
                                 for kind in kinds}, rel)
            # The weights a model trained on all these sets gets (its card's
            # reliability: the size-weighted left-out correlations, as
            # train_from_specs computes them). Measured on the sets evaluated here, so
            # reported beside the protocol's figures, not as one of them.
            pooled = {kind: pooled_reliability(lodo["per_set"], data.sets, kind)
                      for kind in kinds}
            entry["cross_set_reliability"] = pooled
        # The plane shows the points of the protocol to judge by: left-out sets' points
        # where there are several sets, else the in-domain out-of-fold points.
        plotted = np.zeros((len(data.X), 3))
        for spec, (_, rows, by_kind, _) in photo.get(
                "cross_set" if len(data.sets) >= 2 else "in_domain", {}).items():
            plotted[rows] = by_kind[kinds[0]]
        pts_for_plot[modality] = (data, plotted)
    if photo and songs is not None:
        sdata, spts = songs
        report["matching"] = {}
        for protocol, by_set in photo.items():
            report["matching"][protocol] = {}
            for spec, (idata, rows, by_kind, rel) in by_set.items():
                extra = report.get("image", {}).get("cross_set_reliability")
                report["matching"][protocol][spec] = {
                    kind: match_photos(p, idata.quadrants[rows], spts, sdata.quadrants,
                                       rel[kind],
                                       variants={"shipped_rule": extra[kind]}
                                       if protocol == "cross_set" and extra else None)
                    for kind, p in by_kind.items()}
    if folds and "joint" in methods and "image" in pts_for_plot and songs is not None:
        idata, sdata = pts_for_plot["image"][0], songs[0]
        report["matching_joint"] = {}
        for protocol in ("cross_set", "in_domain"):
            for spec, _ in idata.sets:
                if protocol == "cross_set" and len(idata.sets) < 2:
                    continue
                rows = idata.rows_of(spec)
                train = (np.setdiff1d(np.arange(len(idata.X)), rows)
                         if protocol == "cross_set" else None)
                report["matching_joint"].setdefault(protocol, {})[spec] = {
                    "joint": joint_route_matching(idata, rows, sdata,
                                                  train_photo_rows=train, folds=folds,
                                                  random_state=random_state)}
    if plot:
        plot_plane(plot, pts_for_plot, folds=folds)
    return report


def plot_plane(path, pts, *, folds: int = 10) -> None:
    """Draw the valence-arousal plane with photos and songs (PNG), coloured by label.

    Photos are crosses, songs dots; the title says what the points are: out-of-fold
    predictions (``folds > 0``) or the given models' predictions on the sets as
    held-out data (``folds == 0``). See :func:`affect_features.plotting.plot_points`.
    """
    from .plotting import plot_points

    groups = []
    for modality, name, marker in (("audio", "songs", "o"), ("image", "photos", "x")):
        if modality in pts:
            data, p = pts[modality]
            groups.append((name, np.asarray(p), np.asarray(data.quadrants), marker))
    what = (f"out-of-fold predictions ({folds}-fold cross-validation)" if folds
            else "the models' predictions on the sets as held-out data (no folds)")
    plot_points(path, groups, title=f"Predicted points: {what}")
