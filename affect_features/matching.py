"""Predicting points in the emotion space and matching photos to songs.

The product in three calls: :func:`predict_image` puts a photo at a point
``(valence, arousal, dominance)`` with the default (or a given) image model,
:func:`predict_audio` does the same for a song, and :func:`match` returns the songs of a
music library (the shipped 4Q catalogue by default) nearest to a photo's point.
:func:`explain` says which features moved the point most.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import ParameterError

__all__ = ["Prediction", "Match", "predict_image", "predict_audio", "match", "explain",
           "open_library", "alignment", "alignment_factors"]

AXES = ("valence", "arousal", "dominance")


@dataclass
class Prediction:
    """Where one input lands in the emotion space."""

    path: str
    point: np.ndarray            # (3,) valence, arousal, dominance in [-1, 1]
    quadrant: str                # Russell quadrant Q1..Q4
    mood_word: str               # nearest mood word of the lexicon
    features: object = field(default=None, repr=False)  # the FeatureVector used
    match_point: np.ndarray | None = None  # the point on the library's scale (match)

    def as_dict(self) -> dict:
        v, a, d = (float(x) for x in self.point)
        out = {"path": self.path, "valence": v, "arousal": a, "dominance": d,
               "quadrant": self.quadrant, "mood": self.mood_word}
        if self.match_point is not None:
            out["match_point"] = [float(x) for x in self.match_point]
        return out


@dataclass
class Match:
    """A photo's prediction and the songs nearest to it."""

    photo: Prediction
    songs: list[dict]
    explanation: list[dict] | None = None

    def as_dict(self) -> dict:
        out = self.photo.as_dict()
        out["songs"] = [dict(s) for s in self.songs]
        if self.explanation is not None:
            out["explanation"] = self.explanation
        return out


def _model(model, modality):
    from .models import EmotionModel

    if model is None:
        return EmotionModel.default(modality)
    if isinstance(model, EmotionModel):
        return model
    return EmotionModel.load(model)


def _describe(path, point, features) -> Prediction:
    from .space import nearest_word, quadrant

    point = np.asarray(point, dtype=np.float64)
    return Prediction(path=str(path), point=point, quadrant=str(quadrant(point)),
                      mood_word=nearest_word(point, 1)[0], features=features)


def predict_image(source, *, model=None) -> Prediction:
    """The emotion-space point of an image (path, array or FeatureVector).

    Parameters
    ----------
    source : str, path, ndarray or ImageFeatures
    model : EmotionModel or path, optional
        Defaults to the image model shipped with the package.
    """
    from .features import FeatureVector
    from .image import extract_image_features

    m = _model(model, "image")
    feats = source if isinstance(source, FeatureVector) else extract_image_features(source)
    path = source if isinstance(source, (str,)) or hasattr(source, "__fspath__") else "<array>"
    return _describe(path, m.predict(feats), feats)


def predict_audio(source, *, sr=None, model=None, offset=None, duration=None
                  ) -> Prediction:
    """The emotion-space point of a song (path, signal array with its `sr`, or
    FeatureVector)."""
    from .audio import extract_audio_features
    from .features import FeatureVector

    m = _model(model, "audio")
    if isinstance(source, FeatureVector):
        feats = source
    else:
        feats = extract_audio_features(source, sr=sr, offset=offset, duration=duration)
    path = source if isinstance(source, (str,)) or hasattr(source, "__fspath__") else "<array>"
    return _describe(path, m.predict(feats), feats)


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
    return MusicLibrary(library)


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


def match(photo, library=None, k: int = 5, *, model=None, weights=(1.0, 1.0, 1.0),
          explain_top: int = 0, align: bool = True) -> Match:
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
        Per-axis weights of the distance; ``(1, 1, 0)`` ignores dominance.
    explain_top : int
        If > 0, also list that many features that moved the photo's point most.
    align : bool
        Put the photo's point on the scale of the library's songs before measuring
        distances (:func:`alignment`); the point used is ``Match.photo.match_point``.

    Returns
    -------
    Match
    """
    m = _model(model, "image")
    pred = predict_image(photo, model=m)
    lib = open_library(library)
    factors = alignment(m, lib.points()[1]) if align else np.ones(3)
    pred.match_point = np.clip(pred.point * factors, -1.0, 1.0)
    songs = lib.nearest(pred.match_point, k=k, weights=weights)
    expl = explain(pred.features, m, top=explain_top) if explain_top else None
    return Match(photo=pred, songs=songs, explanation=expl)
