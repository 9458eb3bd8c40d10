"""Training emotion models on declared data sets.

The glue between data sets (:mod:`.datasets`), the feature extractors (through the batch
engine and a feature cache, so retraining never re-extracts), the models
(:mod:`.models`) and the metrics (:mod:`.evaluation`): labelled features
(:func:`load_training_data`), their cross-validated and leave-one-dataset-out points,
the reliability recorded on a model's card, and :func:`train_from_specs` (``affect
train``). The evaluation protocol (``affect evaluate``: :func:`evaluate_sets`, photo-
to-song matching) is :mod:`affect_features.protocol`, its names re-exported here;
``scripts/train_default_models.py`` rebuilds the shipped models.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import numpy as np

from .errors import ParameterError
# The evaluation protocol, where it was before it had its own module.
from .protocol import (  # noqa: F401
    _BRIEF,
    _modality_report,
    _reliability_of,
    as_predicted,
    evaluate_matching,
    evaluate_sets,
    joint_route_matching,
    labels_only_spec,
    match_photos,
    plot_plane,
)

__all__ = ["LabelledFeatures", "dataset_features", "check_specs", "load_training_data",
           "train_from_specs", "evaluate_matching", "cross_validated_points",
           "default_cache_dir", "leave_one_set_out_points", "evaluate_sets",
           "match_photos"]


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
    from .cache import cached_features

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


def check_specs(specs, modality: str) -> list:
    """Read the listing of every data set before any is extracted.

    A missing file, a malformed table or a set of the other modality is found at once,
    not after minutes of extracting the sets before it.

    Parameters
    ----------
    specs : sequence of str
        ``KIND:PATH`` specs (:func:`affect_features.datasets.load_dataset`).
    modality : {"image", "audio"}

    Returns
    -------
    datasets : list of Dataset
        In the order of `specs`.

    Raises
    ------
    ParameterError
        (a ``DatasetError`` among them) naming the spec and what is wrong.
    """
    from .datasets import load_dataset

    out = []
    for spec in specs:
        ds = load_dataset(spec)
        if ds.modality != modality:
            raise ParameterError(f"{spec}: a {ds.modality} data set, not {modality}")
        out.append(ds)
    return out


def load_training_data(modality: str, specs, *, cache_dir=None, n_jobs: int = 0,
                       progress: bool = False) -> LabelledFeatures:
    """Load data sets (``KIND:PATH`` specs), extract features, stack the readable items.

    Every set's listing is read first (:func:`check_specs`), then the features are
    extracted set by set."""
    from .space import quadrant

    Xs, P, labels, quads, paths, groups, sets, failures = [], [], [], [], [], [], [], []
    set_ids = []
    names = schema = None
    for spec, ds in zip(specs, check_specs(specs, modality)):
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
            # The quadrant of each rated point; undefined ("", left out by the metrics)
            # for an item whose valence or arousal is unknown.
            rated = np.all(np.isfinite(pts[:, :2]), axis=1)
            q = np.full(len(pts), "", dtype=object)
            if rated.any():
                q[rated] = quadrant(pts[rated, :2])
            quads += [str(x) for x in q]
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
    res = cross_validate_model(  # NaN: unrated, left out of fitting and metrics
        data.X[rows], Y, names=data.names, cv=cv,
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
    res = cross_validate_model(  # NaN: unrated, left out of fitting and metrics
        data.X, Y, names=data.names, folds=folds,
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
    from .models import AXES, train_model
    from .models._format import _jsonable

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
    model = train_model(data.X, Y, kind=kind,  # NaN: unrated, left out of fitting
                        names=data.names, schema=data.schema, modality=modality,
                        n_seeds=n_seeds, cv=cv, random_state=random_state,
                        groups=data.groups, training_sets=data.sets, metrics=metrics)
    held_out = lodo if lodo is not None else cv_res
    if held_out is not None:
        # Unlearned axes are NaN out of fold and 0 in the model's own predictions.
        pred = as_predicted(held_out[kind]["predictions"])
        if lodo is not None:
            r = pooled_reliability(lodo["per_set"], data.sets, kind)
            source = "leave-one-dataset-out"
        else:
            r = axis_reliability(cv_res[kind]["metrics"])
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
