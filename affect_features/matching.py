"""Matching photos to songs by the emotion both evoke.

:func:`match` returns the songs of a music library (the shipped 4Q catalogue by
default) nearest to a photo's point (:func:`affect_features.prediction.predict_image`),
and :func:`match_photos` does it for many photos with the models loaded once (``affect
match PHOTO...``); :func:`match_query` gives the songs of a mood word or of a point
(``affect match --mood/--point``). :func:`match_rows` turns either result into the rows
of a table; :func:`explain` says which features moved a photo's point most.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from .errors import AffectError, ParameterError
from .prediction import AXES, Prediction, load_model, predict_audio, predict_image

__all__ = ["Prediction", "Match", "QueryMatch", "predict_image", "predict_audio", "match",
           "match_photos", "match_query", "match_rows", "library_id", "MATCH_FIELDS",
           "explain", "open_library", "alignment", "alignment_factors", "matching_space",
           "model_reliability", "reliability_weights", "point_confidence",
           "describe_confidence", "METHODS", "default_joint_model", "load_joint_model",
           "song_embeddings"]

#: Matching routes: ``"vad"`` (nearest songs in the valence-arousal-dominance space, the
#: default: the cross-set evaluation favours it) and ``"joint"`` (most similar songs in
#: the three-branch joint embedding, :mod:`affect_features.joint`).
METHODS = ("vad", "joint")


@dataclass
class Match:
    """A photo's prediction and the songs nearest to it."""

    photo: Prediction
    songs: list[dict]
    explanation: list[dict] | None = None
    weights: np.ndarray | None = None  # per-axis distance weights used
    warning: str | None = None
    method: str = "vad"
    library: str | None = None  # :func:`library_id` of the library searched

    def as_dict(self) -> dict:
        out = self.photo.as_dict()
        out["method"] = self.method
        if getattr(self.photo, "joint_label", None):
            out["joint_label"] = self.photo.joint_label
        if self.weights is not None:
            out["weights"] = {ax: float(w) for ax, w in zip(AXES, self.weights)}
        if self.warning:
            out["warning"] = self.warning
        out["songs"] = [dict(s) for s in self.songs]
        if self.explanation is not None:
            out["explanation"] = self.explanation
        if self.library is not None:
            out["library"] = self.library
        return out


@dataclass
class QueryMatch:
    """The songs of a mood word or of a point (:func:`match_query`)."""

    query: str               # "mood:calm" or "point:0.5,-0.3", as the query was given
    name: str                # for people: "mood 'calm'", "point 0.5,-0.3"
    point: np.ndarray        # (3,) the point searched from
    quadrant: str
    mood_word: str           # the mood word nearest to the point
    songs: list[dict]
    library: str | None = None

    def as_dict(self) -> dict:
        v, a, d = (float(x) for x in self.point)
        return {"query": self.query, "valence": v, "arousal": a, "dominance": d,
                "quadrant": self.quadrant, "mood": self.mood_word, "library": self.library,
                "songs": self.songs}


def open_library(library=None):
    """A :class:`~affect_features.library.MusicLibrary`: the shipped catalogue
    (``None``), a library object, or the path of a library database."""
    from .library import MusicLibrary, default_catalogue

    if library is None:
        return default_catalogue()
    if isinstance(library, MusicLibrary):
        return library
    import os

    if not os.path.exists(library):
        from .errors import LibraryError
        raise LibraryError(f"{library}: no such music library (build one with "
                           f"`affect index FOLDER --library {library}`)")
    # Matching only reads: a read-only connection can never change the file, and a
    # file that is not a library yet (an empty file) is refused, not made into one.
    return MusicLibrary(library, create=False, readonly=True)


def explain(features, model, *, top: int = 5) -> list[dict]:
    """The features that moved a point most from the model's average input.

    Occlusion: each feature in turn is set to its training mean (all others kept) and
    the shift of the predicted point is measured; the features whose removal moves the
    point furthest (Euclidean, over the learned axes) explain it most. One batched
    forward pass of ``n_features`` rows, exact for any model.

    Returns
    -------
    list of dict
        ``{"feature", "value", "mean", "delta_valence", "delta_arousal",
        "delta_dominance", "shift"}``, largest shift first; the deltas are how much
        the feature's actual value *adds* to each axis.
    """
    if top < 1:
        raise ParameterError(f"top must be >= 1, got {top}")
    cols = model.check_schema(features.schema, features.names)
    x = np.asarray(features.vector, dtype=np.float64)[cols]
    base = model.predict(x[None, :], schema=model.card.get("schema"),
                         names=model.names)[0]
    mean = model.feature_means
    X = np.repeat(x[None, :], x.size, axis=0)
    X[np.arange(x.size), np.arange(x.size)] = mean
    moved = model.predict(X, schema=model.card.get("schema"), names=model.names)
    delta = base[None, :] - moved  # contribution of the actual value
    learned = np.asarray(model.learned, dtype=bool)
    shift = np.sqrt((delta[:, learned] ** 2).sum(axis=1))
    order = np.argsort(-shift, kind="stable")[:top]
    return [{"feature": model.names[i], "value": float(x[i]), "mean": float(mean[i]),
             "delta_valence": float(delta[i, 0]), "delta_arousal": float(delta[i, 1]),
             "delta_dominance": float(delta[i, 2]), "shift": float(shift[i])}
            for i in order]


#: A library needs at least this many songs for its spread to be trusted in
#: :func:`alignment`.
MIN_ALIGN_SONGS = 10


def alignment_factors(photo_std, song_points) -> np.ndarray:
    """Per-axis factors that put photo points on the scale of a set of song points.

    Each regressor shrinks its predictions towards the mean by how unsure it is, and the
    two modalities shrink differently: out of fold, the default image model's arousal
    predictions spread 0.03 while the songs' spread 0.15, so without correction a
    photo's arousal hardly counts in the distance. Multiplying a photo's point by
    ``std(song points) / photo_std`` per axis matches the two spreads (variance
    matching; the origin, neutral, stays fixed). Both spreads are label-free.

    Parameters
    ----------
    photo_std : array_like, shape (3,)
        Spread of the image model's predictions per axis (out-of-fold, from training).
    song_points : array_like, shape (n, 3)

    Returns
    -------
    factors : ndarray, shape (3,)
        Ones (no change) on an axis where either spread is 0, and everywhere when
        there are fewer than :data:`MIN_ALIGN_SONGS` songs.
    """
    pts = np.asarray(song_points, dtype=np.float64).reshape(-1, 3)
    photo_std = np.asarray(photo_std, dtype=np.float64)
    out = np.ones(3)
    if len(pts) < MIN_ALIGN_SONGS or photo_std.shape != (3,):
        return out
    song_std = pts.std(axis=0)
    ok = (photo_std > 1e-6) & (song_std > 1e-6)
    out[ok] = song_std[ok] / photo_std[ok]
    return out


def alignment(model, song_points) -> np.ndarray:
    """:func:`alignment_factors` for an image model, whose card stores the spread of its
    out-of-fold predictions (``prediction_std``); ones if the card has none."""
    return alignment_factors(model.card.get("prediction_std") or [0.0, 0.0, 0.0],
                             song_points)


#: An axis whose measured reliability (correlation of predictions with ratings on data
#: the model never saw) is below this does not decide a match and is reported uncertain.
MIN_RELIABILITY = 0.1
#: A photo's side of neutral on an axis is reported uncertain below this confidence.
MIN_CONFIDENCE = 0.65


def model_reliability(model) -> dict | None:
    """The per-axis reliability recorded in a model's card, or None.

    Returns
    -------
    dict or None
        ``{"r": (3,) correlations, "target_std": (3,), "prediction_std": (3,),
        "source": str}``; None when the card has no valid record (a model trained
        without cross-validation).
    """
    card = getattr(model, "card", None) or {}
    rel = card.get("reliability")
    pstd = card.get("prediction_std")
    try:
        r = np.array([float(rel["r"][a]) for a in AXES])
        tstd = np.array([float(rel["target_std"][a]) for a in AXES])
        pstd = np.array([float(x) for x in pstd], dtype=np.float64)
    except (TypeError, KeyError, ValueError, IndexError):
        return None
    if pstd.shape != (3,) or not (np.all(np.isfinite(r)) and np.all(np.isfinite(tstd))
                                  and np.all(np.isfinite(pstd))):
        return None
    return {"r": np.clip(r, -1.0, 1.0), "target_std": np.maximum(tstd, 0.0),
            "prediction_std": np.maximum(pstd, 0.0), "source": str(rel.get("source", ""))}


def reliability_weights(r) -> np.ndarray:
    """Per-axis distance weights from reliabilities: ``r / max(r)`` where ``r >=``
    :data:`MIN_RELIABILITY`, else 0 (an axis the model cannot predict does not decide).

    The most reliable axis gets weight 1, so distances stay in its units. With no axis
    reliable (or `r` None: a model without a measured reliability) the weights are
    neutral, ones: the match then rests on the points as predicted.
    """
    if r is None:
        return np.ones(3)
    r = np.asarray(r, dtype=np.float64)
    w = np.where(r >= MIN_RELIABILITY, r, 0.0)
    return w / w.max() if w.any() else np.ones(3)


def point_confidence(point, rel) -> tuple[np.ndarray, np.ndarray]:
    """How sure a predicted point is, per axis.

    With a prediction ``p`` whose correlation with the ratings is ``r`` on data the model
    never saw, the ratings' spread ``s_t`` and the predictions' spread ``s_p``, the
    linear estimate of the rating is ``t_hat = r (s_t / s_p) p`` and its standard error
    ``s_e = s_t sqrt(1 - r^2)`` (bivariate normal, ratings and predictions centred on
    neutral). The confidence that the rating lies on the predicted side of neutral is
    ``Phi(|t_hat| / s_e)``: 0.5 (a coin toss) where ``r <= 0`` or ``p = 0``.

    Returns
    -------
    confidence : ndarray, shape (3,), in [0.5, 1]
    uncertainty : ndarray, shape (3,)
        ``s_e`` per axis (space units); 1 where the spreads are unknown.
    """
    from math import erf, sqrt

    p = np.asarray(point, dtype=np.float64)
    r = np.clip(rel["r"], 0.0, 0.999)
    st, sp = rel["target_std"], rel["prediction_std"]
    ok = (st > 0) & (sp > 0)
    t_hat = np.where(ok, r * np.divide(st, sp, out=np.zeros(3), where=ok) * p, 0.0)
    se = np.where(ok, st * np.sqrt(1.0 - r ** 2), 1.0)
    z = np.abs(t_hat) / np.maximum(se, 1e-12)
    conf = np.array([0.5 * (1.0 + erf(x / sqrt(2.0))) for x in z])
    return np.clip(conf, 0.5, 1.0), se


def describe_confidence(pred: Prediction, model) -> Prediction:
    """Fill a prediction's confidence, uncertainty and uncertain axes from its model's
    card (:func:`point_confidence`); every axis uncertain for a model with no measured
    reliability."""
    rel = model_reliability(model)
    if rel is None:
        pred.confidence = np.full(3, 0.5)
        pred.uncertainty = np.ones(3)
        pred.uncertain = AXES
        return pred
    pred.confidence, pred.uncertainty = point_confidence(pred.point, rel)
    pred.uncertain = tuple(a for a, c, r in zip(AXES, pred.confidence, rel["r"])
                           if c < MIN_CONFIDENCE or r < MIN_RELIABILITY)
    return pred


def matching_space(model, song_points, *, align: bool = True):
    """Factors and weights that put a photo's point in the library's matching space.

    ``factors`` (:func:`alignment`) bring the photo's predictions to the songs' spread;
    ``weights`` (:func:`reliability_weights`) scale each axis of the distance by how
    far the image model's predictions can be trusted on photos of other sources. One
    function for :func:`match` and for the evaluation, so that both measure the same.

    Returns
    -------
    factors, weights : ndarray, shape (3,)
    warning : str or None
        Set when the model's card holds no measured reliability (weights neutral).
    """
    factors = alignment(model, song_points) if align else np.ones(3)
    rel = model_reliability(model)
    warning = None
    if rel is None:
        warning = ("the image model's card has no measured reliability (trained without "
                   "cross-validation): matching with neutral weights, every axis uncertain")
    return factors, reliability_weights(None if rel is None else rel["r"]), warning


def default_joint_model():
    """The joint embedding shipped with the package (``data/models/joint``)."""
    from importlib import resources

    from .joint import JointEmbedding

    ref = resources.files("affect_features").joinpath("data", "models", "joint.npz")
    with resources.as_file(ref) as path:
        return JointEmbedding.load(path)


def load_joint_model(joint_model=None):
    """A :class:`~affect_features.joint.JointEmbedding`: the one given, the one at a
    path, or the shipped one (None, :func:`default_joint_model`)."""
    from .joint import JointEmbedding

    if joint_model is None:
        return default_joint_model()
    if isinstance(joint_model, JointEmbedding):
        return joint_model
    return JointEmbedding.load(joint_model)


def song_embeddings(library, joint) -> tuple[list[int], np.ndarray]:
    """Joint embeddings of a library's songs: ``(track ids, (n, dim) embeddings)``.

    The shipped catalogue has no audio: its songs' embeddings ship beside the joint
    model (``data/models/joint-catalogue.npz``, by AllMusic id). A library built by
    ``affect index`` holds each song's descriptors, which the audio branch embeds; songs
    whose descriptors are of another schema than the model's are left out.
    """
    from .errors import ModelError

    if library.path == ":memory:" and library.metadata.get("catalogue"):
        from importlib import resources

        from .files import LIMITS, read_bytes
        from .models._format import _read_npz_members

        ref = resources.files("affect_features").joinpath("data", "models",
                                                          "joint-catalogue.npz")
        with resources.as_file(ref) as path:
            a = _read_npz_members(read_bytes(path, "catalogue embeddings",
                                             LIMITS["model weights"], error=ModelError),
                                  str(path))
        if str(a.get("model_sha256", "")) != str(joint.card.get("npz_sha256")):
            raise ModelError("the catalogue's joint embeddings were made by another joint "
                             "model than the one given; match the catalogue with the "
                             "shipped joint model, or index your music")
        by_source = {str(sid): i for i, sid in enumerate(a["source_id"])}
        ids, rows = [], []
        for track in library.tracks(library.track_ids()):
            i = by_source.get(str(track.get("source_id")))
            if i is not None:
                ids.append(int(track["id"]))
                rows.append(a["embedding"][i])
        return ids, np.asarray(rows, dtype=np.float64).reshape(len(rows), -1)
    schema = joint.card.get("audio", {}).get("schema")
    ids, X = [], []
    for track in library.tracks(library.track_ids(), descriptors=True):
        if track.get("descriptor_schema") == schema and track.get("descriptors") is not None:
            ids.append(int(track["id"]))
            X.append(np.asarray(track["descriptors"], dtype=np.float64))
    if not ids:
        return [], np.zeros((0, 1))
    return ids, joint.embed_audio(np.vstack(X))


def _match_joint(pred, features, lib, k, joint, space):
    """The `k` songs most similar to a photo in the joint embedding; `space` is the
    library's ``(ids, embeddings)`` (:func:`song_embeddings`)."""
    from .joint import rank_songs

    ids, songs = space
    if not ids:
        from .errors import LibraryError
        raise LibraryError(f"{lib.path}: no song of this library has descriptors of the "
                           f"joint model's schema ({joint.card.get('audio', {}).get('schema')})"
                           f"; re-index it with this version")
    emb = joint.embed_image(features)
    index, sim = rank_songs(emb.reshape(-1), songs, k=min(k, len(ids)))
    chosen = [ids[i] for i in np.atleast_1d(index)]
    found = {t["id"]: t for t in lib.tracks(chosen)}
    out = []
    for track_id, s_ in zip(chosen, np.atleast_1d(sim)):
        t = found.get(track_id)
        if t is None:
            continue
        song = {key: t.get(key) for key in ("id", "path", "title", "artist", "album",
                                            "source_id", "label", "taxonomy",
                                            "model_version", "valence", "arousal",
                                            "dominance")}
        song["similarity"] = float(s_)
        song["distance"] = float(1.0 - s_)  # cosine distance, for the common columns
        out.append(song)
    pred.joint_label = str(joint.nearest_label(emb.reshape(-1)))
    return out


def match(photo, library=None, k: int = 5, *, model=None, weights=(1.0, 1.0, 1.0),
          explain_top: int = 0, align: bool = True, method: str = "vad",
          joint_model=None) -> Match:
    """The `k` songs whose points are nearest to a photo's.

    Parameters
    ----------
    photo : str, path, ndarray or ImageFeatures
    library : MusicLibrary or path, optional
        Defaults to the catalogue shipped with the package (the 724 songs of the 4Q
        set, as artist, title and predicted point; no audio).
    k : int
        Number of songs.
    model : EmotionModel or path, optional
        Image model (default: the shipped one).
    weights : 3 floats
        Per-axis weights of the distance, multiplied with the model's reliability
        weights (:func:`matching_space`); ``(1, 1, 0)`` ignores dominance.
    explain_top : int
        If > 0, also list that many features that moved the photo's point most.
    method : {"vad", "joint"}
        ``"vad"``: nearest songs in the emotion space (the default, favoured by the
        cross-set evaluation); ``"joint"``: most similar songs in the joint embedding
        (`joint_model`, default the shipped one; ``distance`` is then ``1 - cosine``).
    align : bool
        Put the photo's point on the scale of the library's songs before measuring
        distances (:func:`alignment`); the point used is ``Match.photo.match_point``.

    Returns
    -------
    Match
        ``Match.photo`` carries the confidence per axis and the uncertain axes
        (:func:`describe_confidence`); ``Match.weights`` the distance weights used and
        ``Match.warning`` a note when the model has no measured reliability.
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    m = load_model(model, "image")
    pred = describe_confidence(predict_image(photo, model=m), m)
    lib = open_library(library)
    joint = load_joint_model(joint_model) if method == "joint" else None
    return _match_one(pred, lib, m, joint, _library_space(lib, m, joint, align), k=k,
                      weights=weights, explain_top=explain_top)


def _library_space(lib, m, joint, align):
    """What matching needs of the library, the same for every photo: the songs' joint
    embeddings (``(ids, embeddings)``), or the alignment factors, the reliability
    weights and the warning of :func:`matching_space`."""
    if joint is not None:
        return song_embeddings(lib, joint)
    return matching_space(m, lib.points()[1], align=align)


def _match_one(pred, lib, m, joint, space, *, k, weights, explain_top) -> Match:
    """:func:`match` of one predicted photo, given the library's space."""
    if joint is not None:
        songs = _match_joint(pred, pred.features, lib, k, joint, space)
        expl = explain(pred.features, m, top=explain_top) if explain_top else None
        return Match(photo=pred, songs=songs, explanation=expl, method="joint")
    factors, rel_w, warning = space
    w = np.asarray(weights, dtype=np.float64) * rel_w
    if not np.any(w > 0):
        w = np.asarray(weights, dtype=np.float64)
    pred.match_point = np.clip(pred.point * factors, -1.0, 1.0)
    songs = lib.nearest(pred.match_point, k=k, weights=tuple(float(x) for x in w))
    expl = explain(pred.features, m, top=explain_top) if explain_top else None
    return Match(photo=pred, songs=songs, explanation=expl, weights=w, warning=warning,
                 method="vad")


def library_id(library) -> str:
    """How results name the library they come from: its file, or
    ``catalogue:NAME`` for a shipped catalogue (which has no file)."""
    if library.path != ":memory:":
        return str(library.path)
    return f"catalogue:{library.metadata.get('catalogue', '')}"


def match_photos(photos: Iterable, library=None, *, k: int = 5, model=None,
                 weights=(1.0, 1.0, 1.0), explain_top: int = 0, align: bool = True,
                 method: str = "vad", joint_model=None
                 ) -> Iterator[tuple[object, Match | AffectError]]:
    """:func:`match` for many photos, the library and models opened once.

    The library and the models are opened here, at the call, so that a missing library
    or a wrong model is an error before any photo is read; the photos are then matched
    one by one as the result is iterated.

    Parameters
    ----------
    photos : iterable of paths, arrays or ImageFeatures
        Files, not folders (:func:`affect_features.media.walk` lists a folder's).
    library : MusicLibrary or path, optional
        Default: the shipped catalogue (:func:`open_library`);
        :func:`affect_features.library.matching_library` chooses the user's own first.
    k, weights, explain_top, align, method, joint_model
        As :func:`match`.
    model : EmotionModel or path, optional
        Image model (:func:`~affect_features.prediction.load_model`).

    Yields
    ------
    photo, result : object, Match or AffectError
        Each photo with its :class:`Match` (its songs carrying their ``quadrant`` and
        ``mood``, :func:`querying.describe_tracks`, and ``Match.library`` set), or the
        error that stopped it (a photo that cannot be read): the others go on.
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    lib = open_library(library)
    m = load_model(model, "image")
    joint = load_joint_model(joint_model) if method == "joint" else None
    return _matched(photos, lib, m, joint, dict(k=k, weights=weights,
                                                 explain_top=explain_top, align=align,
                                                 method=method))


def _matched(photos, lib, m, joint, options):
    from .querying import describe_tracks

    name = library_id(lib)
    space = None  # the library's, computed at the first photo read, then shared
    for photo in photos:
        try:
            pred = describe_confidence(predict_image(photo, model=m), m)
            if space is None:
                space = _library_space(lib, m, joint, options["align"])
            res = _match_one(pred, lib, m, joint, space, k=options["k"],
                             weights=options["weights"],
                             explain_top=options["explain_top"])
        except AffectError as exc:
            yield photo, exc
            continue
        describe_tracks(res.songs)
        res.library = name
        yield photo, res


def match_query(library=None, *, mood: str | None = None, point=None, k: int = 5,
                weights=(1.0, 1.0, 1.0)) -> QueryMatch:
    """The `k` songs of a mood word or of a point, without a photo.

    Parameters
    ----------
    library : MusicLibrary or path, optional
        Default: the shipped catalogue (:func:`open_library`).
    mood : str, optional
        A mood word (``affect labels --moods``): the songs nearest to its point in
        valence and arousal (:func:`querying.query_point`).
    point : str or sequence of 2 or 3 floats, optional
        ``(valence, arousal[, dominance])``, or the text ``"V,A[,D]"``
        (:func:`querying.parse_point`); without dominance it does not count.
    k : int
    weights : 3 floats
        Per-axis weights of the distance, multiplied with the query's own (0 for
        dominance when the query has none).

    Exactly one of `mood` and `point`.

    Returns
    -------
    QueryMatch
        Its songs nearest first, each with ``distance``, ``quadrant`` and ``mood``.

    Raises
    ------
    ParameterError
        An unknown mood word or a bad point.

    Examples
    --------
    >>> res = match_query(mood="calm", k=3)  # doctest: +SKIP
    >>> res.quadrant, [s["title"] for s in res.songs]  # doctest: +SKIP
    """
    from .querying import parse_point, query_point, songs_near
    from .space import nearest_word, quadrant

    if mood is not None and point is None:
        word = mood.strip().lower()
        target, qw = query_point(mood=mood)
        query, name = f"mood:{word}", f"mood '{word}'"
    elif isinstance(point, str) and mood is None:
        target, qw = parse_point(point)
        query, name = f"point:{point}", f"point {point}"
    else:
        target, qw = query_point(mood=mood, point=point)
        text = ",".join(f"{float(x):g}" for x in np.ravel(point))
        query, name = f"point:{text}", f"point {text}"
    lib = open_library(library)
    songs = songs_near(lib, target, k=k, weights=tuple(a * b for a, b in zip(weights, qw)))
    return QueryMatch(query=query, name=name, point=target, quadrant=str(quadrant(target)),
                      mood_word=nearest_word(target, 1)[0], songs=songs,
                      library=library_id(lib))


#: Columns of :func:`match_rows` (``affect match --format csv``): the photo or query,
#: then one song.
MATCH_FIELDS = ("photo", "photo_valence", "photo_arousal", "photo_dominance",
                "photo_quadrant", "rank", "artist", "title", "path", "song_id",
                "song_label", "distance", "song_valence", "song_arousal",
                "song_dominance", "song_quadrant", "song_mood")


def match_rows(result: Match | QueryMatch) -> list[dict]:
    """One row of :data:`MATCH_FIELDS` per song of a result, nearest first.

    ``photo`` is the photo's path (or the query, ``mood:calm``) and ``photo_*`` its
    point as predicted (not on the songs' scale); ``rank`` counts from 1.
    """
    if isinstance(result, QueryMatch):
        who, point, quad = result.query, result.point, result.quadrant
    else:
        who, point, quad = result.photo.path, result.photo.point, result.photo.quadrant
    v, a, d = (float(x) for x in point)
    return [{"photo": who, "photo_valence": v, "photo_arousal": a, "photo_dominance": d,
             "photo_quadrant": quad, "rank": rank, "artist": s.get("artist"),
             "title": s.get("title"), "path": s.get("path"), "song_id": s.get("source_id"),
             "song_label": s.get("label"), "distance": float(s["distance"]),
             "song_valence": float(s["valence"]), "song_arousal": float(s["arousal"]),
             "song_dominance": float(s["dominance"]), "song_quadrant": s.get("quadrant"),
             "song_mood": s.get("mood")}
            for rank, s in enumerate(result.songs, 1)]
