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
        sets.append((spec, int(ok.sum())))
    if not Xs or sum(len(x) for x in Xs) == 0:
        raise ParameterError("no readable training items")
    return LabelledFeatures(modality=modality, X=np.vstack(Xs), names=names, schema=schema,
                            points=np.vstack(P), labels=labels,
                            quadrants=np.asarray(quads), paths=paths,
                            groups=np.asarray(groups), sets=sets, failures=failures)


def cross_validated_points(data: LabelledFeatures, *, cv: int = 10, n_seeds: int = 3,
                           random_state: int = 0, n_jobs: int = -1,
                           kinds=("mlp", "ridge"), use_groups: bool = True) -> dict:
    """Nested k-fold CV of the MLP and the ridge baseline (out-of-fold points)."""
    from .models import cross_validate_model

    known = ~np.isnan(data.points)
    return cross_validate_model(
        data.X, np.nan_to_num(data.points), mask=known, names=data.names, cv=cv,
        n_seeds=n_seeds, groups=data.groups if use_groups else None,
        quadrants=list(data.quadrants), random_state=random_state, n_jobs=n_jobs,
        kinds=kinds)


def train_from_specs(modality: str, specs, *, cache_dir=None, n_jobs: int = 0,
                     cv: int = 5, n_seeds: int = 5, random_state: int = 0,
                     evaluate_folds: int = 0, progress: bool = False):
    """Train a model on declared data sets; optionally record its CV metrics.

    Returns
    -------
    model : EmotionModel
    data : LabelledFeatures
    cv_result : dict or None
    """
    from .models import train_model

    data = load_training_data(modality, specs, cache_dir=cache_dir, n_jobs=n_jobs,
                              progress=progress)
    cv_result = None
    metrics = None
    if evaluate_folds:
        cv_result = cross_validated_points(data, cv=evaluate_folds,
                                           random_state=random_state)
        metrics = cv_result["summary"]
    known = ~np.isnan(data.points)
    model = train_model(data.X, np.nan_to_num(data.points), mask=known,
                        names=data.names, schema=data.schema, modality=modality,
                        n_seeds=n_seeds, cv=cv, random_state=random_state,
                        groups=data.groups, training_sets=data.sets, metrics=metrics)
    if cv_result is not None:
        # The spread of out-of-fold predictions, for matching.alignment (label-free).
        model.card["prediction_std"] = [
            float(x) for x in np.nan_to_num(cv_result["mlp"]["predictions"]).std(axis=0)]
    return model, data, cv_result


def evaluate_matching(photo_points, photo_labels, song_points, song_labels, *,
                      k: int = 10, weights=(1.0, 1.0, 1.0)) -> dict:
    """Categorical agreement of photos with their nearest songs.

    For each photo, the songs are ranked by distance to its point; a song agrees when
    its label (e.g. quadrant) is the photo's. Returns accuracy (top-1), precision at
    1, 5 and 10, MRR, per-class recall, confusion matrix and the chance level
    (sum over classes of photo share times song share).
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
    return matching_report(np.asarray(photo_labels), ranked, song_labels)


def _modality_report(data: LabelledFeatures, points: np.ndarray) -> dict:
    from .evaluation import regression_report
    from .space import quadrant

    rep = regression_report(np.nan_to_num(data.points[:, :2]), points[:, :2],
                            axes=("valence", "arousal"))
    pred_q = quadrant(points)
    rep["quadrant_accuracy"] = float(np.mean(pred_q == data.quadrants))
    rep["quadrant_chance"] = float(max(np.mean(data.quadrants == q)
                                       for q in np.unique(data.quadrants)))
    return rep


def evaluate_sets(image_specs=(), music_specs=(), *, folds: int = 10, image_model=None,
                  audio_model=None, cache_dir=None, n_jobs: int = 0, plot=None,
                  progress: bool = False, random_state: int = 0) -> dict:
    """Evaluate per modality and photo-to-song matching, always beside chance.

    With ``folds > 0`` each modality is evaluated by nested k-fold cross-validation on
    its sets (out-of-fold points from models that never saw the item; the MLP and the
    ridge baseline); photos are then matched to the songs' out-of-fold points. With
    ``folds == 0`` the given (or shipped) models predict every item, so the sets act as
    held-out data.

    Returns
    -------
    report : dict (JSON-able)
    """
    from .models import EmotionModel

    report: dict = {"folds": folds}
    pts: dict = {}
    for modality, specs, model in (("image", image_specs, image_model),
                                   ("audio", music_specs, audio_model)):
        if not specs:
            continue
        data = load_training_data(modality, specs, cache_dir=cache_dir, n_jobs=n_jobs,
                                  progress=progress)
        entry: dict = {"sets": [{"spec": s, "n_items": n} for s, n in data.sets],
                       "n_failed": len(data.failures)}
        if folds:
            cvres = cross_validated_points(data, cv=folds, random_state=random_state)
            # An axis a set does not rate (NaN out of fold) is predicted neutral, as
            # EmotionModel.predict does for an axis it did not learn.
            for kind in ("mlp", "ridge"):
                entry[kind] = _modality_report(
                    data, np.nan_to_num(cvres[kind]["predictions"]))
            points = np.nan_to_num(cvres["mlp"]["predictions"])
        else:
            m = (EmotionModel.load(model) if model else EmotionModel.default(modality))
            points = m.predict(data.X, schema=data.schema, names=data.names)
            entry["model"] = _modality_report(data, points)
        report[modality] = entry
        pts[modality] = (data, np.asarray(points))
    if "image" in pts and "audio" in pts:
        idata, ipts = pts["image"]
        adata, apts = pts["audio"]
        report["matching"] = evaluate_matching(ipts, idata.quadrants, apts,
                                               adata.quadrants, k=10)
        # As `affect match` does: the photos' points on the songs' scale (variance
        # matching of the two sets of predictions; label-free, see matching.alignment).
        from .matching import alignment_factors

        factors = alignment_factors(ipts.std(axis=0), apts)
        report["matching_aligned"] = evaluate_matching(
            np.clip(ipts * factors, -1, 1), idata.quadrants, apts, adata.quadrants, k=10)
        report["matching_aligned"]["factors"] = [float(x) for x in factors]
        for key in ("matching", "matching_aligned"):
            report[key]["labels"] = ("russell quadrants (photo: of its ratings or label; "
                                     "song: its label)")
    if plot:
        plot_plane(plot, pts)
    return report


def plot_plane(path, pts) -> None:
    """Draw the valence-arousal plane with songs and photos (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"Q1": "tab:orange", "Q2": "tab:red", "Q3": "tab:blue", "Q4": "tab:green"}
    fig, ax = plt.subplots(figsize=(6.5, 6.5))
    for modality, marker, size in (("audio", "o", 14), ("image", "x", 10)):
        if modality not in pts:
            continue
        data, p = pts[modality]
        for q, c in colours.items():
            sel = data.quadrants == q
            ax.scatter(p[sel, 0], p[sel, 1], s=size, marker=marker, c=c, alpha=0.55,
                       label=f"{'songs' if modality == 'audio' else 'photos'} labelled {q}")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set(xlim=(-1, 1), ylim=(-1, 1), xlabel="valence", ylabel="arousal",
           title="Predicted points (out-of-fold)")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    tmp = str(path) + ".partial.png"
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)
