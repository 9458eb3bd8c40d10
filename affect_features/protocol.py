"""The evaluation protocol: how well predicted points match photos to songs.

:func:`evaluate_sets` (``affect evaluate``) runs the models' procedure on declared data
sets under the protocols that judge it (leave-one-dataset-out for photos, in-domain
k-fold, or the given models on held-out sets), then matches photos to songs as ``affect
match`` does (:func:`match_photos`, :func:`evaluate_matching`) and the joint embedding
beside it (:func:`joint_route_matching`), always reported beside chance. The data and
the fitting come from :mod:`affect_features.training`, the metrics from
:mod:`affect_features.evaluation`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from .errors import ParameterError

if TYPE_CHECKING:
    from .training import LabelledFeatures

__all__ = ["evaluate_sets", "evaluate_matching", "match_photos", "joint_route_matching",
           "labels_only_spec", "plot_plane", "as_predicted"]


def as_predicted(points) -> np.ndarray:
    """Out-of-fold points as the trained model gives them: 0 where they are NaN.

    :func:`~affect_features.models.cross_validate_model` leaves NaN on an axis the
    procedure did not learn (no training row knows it) and on rows in no test fold;
    an :class:`~affect_features.models.EmotionModel` predicts such an axis as 0
    (neutral), so matching and reports see what the shipped model would answer. The
    protocols here test every row (k-fold and leave-one-dataset-out partition the
    rows), so only unlearned axes are concerned.
    """
    pts = np.asarray(points, dtype=np.float64)
    return np.where(np.isnan(pts), 0.0, pts)


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
    points = as_predicted(points)
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
    from .training import (check_specs, cross_validated_points, leave_one_set_out_points,
                           load_training_data, pooled_reliability)

    if not image_specs and not music_specs:
        raise ParameterError("nothing to evaluate: give image and/or music data sets")
    if folds == 1 or folds < 0:
        raise ParameterError(f"folds must be 0 (the given models on held-out data) or "
                             f"at least 2, got {folds}")
    for what, given, known in (("kinds", kinds, ("mlp", "ridge")),
                               ("methods", methods, ("vad", "joint"))):
        if not given or any(x not in known for x in given):
            raise ParameterError(f"{what} must be among {', '.join(known)}, "
                                 f"got {list(given)!r}")
    report: dict = {"folds": folds, "targets": targets}
    if not folds:
        given = list(music_specs)
        music_specs = [labels_only_spec(sp) for sp in given]
        if music_specs != given:
            report["note"] = ("no Warriner norms next to the 4Q set: the songs' targets "
                              "are their quadrants' points (lexicon=none); matching and "
                              "quadrant accuracy use the labels as always")
    # Every set's listing before any extraction or fit: a bad music table is found
    # before the photos are extracted.
    check_specs(image_specs, "image")
    check_specs(music_specs, "audio")
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
            songs = (data, as_predicted(cvres["mlp" if "mlp" in kinds else kinds[0]]
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
                data, rows, {kind: as_predicted(cvres[kind]["predictions"])
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
                    data, rows, {kind: as_predicted(lodo[kind]["predictions"][rows])
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
