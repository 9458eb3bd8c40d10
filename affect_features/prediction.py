"""Putting one input at a point of the emotion space.

:func:`predict_image` places a photo at ``(valence, arousal, dominance)`` with the
default (or a given) image model, :func:`predict_audio` a song with the audio model,
and :func:`predict_file` either, chosen by the file's type
(:func:`affect_features.media.media_kind`); :func:`predict_files` runs it over files
and folders through the batch engine (``affect predict``). :func:`load_model` is the
one rule for "the given model, else the shipped one, of the right modality".
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .errors import ParameterError
from .space import AXES

__all__ = ["Prediction", "load_model", "predict_image", "predict_audio", "predict_file",
           "predict_files", "PredictionBatch", "AXES"]

#: What needs a model of each modality, for the message when the other one is given.
_NEEDS = {"image": "photos need an image model", "audio": "songs need an audio model"}


@dataclass
class Prediction:
    """Where one input lands in the emotion space."""

    path: str
    point: np.ndarray            # (3,) valence, arousal, dominance in [-1, 1]
    quadrant: str                # Russell quadrant Q1..Q4
    mood_word: str               # nearest mood word of the lexicon
    features: object = field(default=None, repr=False)  # the FeatureVector used
    match_point: np.ndarray | None = None  # the point on the library's scale (match)
    confidence: np.ndarray | None = None   # (3,) P(the side of neutral is right) per axis
    uncertainty: np.ndarray | None = None  # (3,) standard error per axis, space units
    uncertain: tuple = ()                  # the axes the model cannot tell for this input
    joint_label: str | None = None         # nearest label in the joint embedding (joint)
    #: An audio model with a quadrant head: its probability per quadrant (Q1..Q4) and
    #: which of the two, head or regression, gives :attr:`quadrant` (the card's choice).
    quadrant_probabilities: dict | None = None
    quadrant_source: str | None = None

    def as_dict(self) -> dict:
        v, a, d = (float(x) for x in self.point)
        out = {"path": self.path, "valence": v, "arousal": a, "dominance": d,
               "quadrant": self.quadrant, "mood": self.mood_word}
        if self.match_point is not None:
            out["match_point"] = [float(x) for x in self.match_point]
        if self.confidence is not None:
            out["confidence"] = {ax: float(c) for ax, c in zip(AXES, self.confidence)}
            out["uncertainty"] = {ax: float(u) for ax, u in zip(AXES, self.uncertainty)}
            out["uncertain"] = list(self.uncertain)
        if self.quadrant_probabilities is not None:
            out["quadrant_probabilities"] = dict(self.quadrant_probabilities)
            out["quadrant_source"] = self.quadrant_source
        return out


def load_model(model=None, modality: str = "image"):
    """The emotion model to use for one modality.

    Parameters
    ----------
    model : EmotionModel, str or os.PathLike, optional
        A model, or the path of one (``.npz`` with its ``.json`` card); None: the model
        shipped with the package for `modality`.
    modality : {"image", "audio"}

    Returns
    -------
    EmotionModel

    Raises
    ------
    ParameterError
        The model is of the other modality (``"m.npz: a audio model; photos need an
        image model"``).
    ModelError
        The file is missing, malformed or tampered with.
    """
    from .models import EmotionModel

    if modality not in _NEEDS:
        raise ParameterError(f"modality must be 'image' or 'audio', got {modality!r}")
    if model is None:
        return EmotionModel.default(modality)
    m = model if isinstance(model, EmotionModel) else EmotionModel.load(model)
    if m.modality != modality:
        raise ParameterError(f"{model}: a {m.modality} model; {_NEEDS[modality]}")
    return m


def _describe(path, point, features) -> Prediction:
    from .space import nearest_word, quadrant

    point = np.asarray(point, dtype=np.float64)
    return Prediction(path=str(path), point=point, quadrant=str(quadrant(point)),
                      mood_word=nearest_word(point, 1)[0], features=features)


def _name_of(source) -> str:
    return source if isinstance(source, str) or hasattr(source, "__fspath__") else "<array>"


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

    m = load_model(model, "image")
    feats = source if isinstance(source, FeatureVector) else extract_image_features(source)
    return _describe(_name_of(source), m.predict(feats), feats)


def predict_audio(source, *, sr=None, model=None, offset=None, duration=None
                  ) -> Prediction:
    """The emotion-space point of a song (path, signal array with its `sr`, or
    FeatureVector).

    With a model that has a quadrant head, the prediction also carries the head's
    probability per quadrant (:attr:`Prediction.quadrant_probabilities`), and its
    quadrant is the head's most probable one where the model's card chose the head
    (:attr:`EmotionModel.quadrant_source`), else that of the point.
    """
    from .audio import extract_audio_features
    from .features import FeatureVector

    m = load_model(model, "audio")
    if isinstance(source, FeatureVector):
        feats = source
    else:
        # the model's own schema: a model trained on an older descriptor schema keeps
        # working after the default moves on
        feats = extract_audio_features(source, sr=sr, offset=offset, duration=duration,
                                       schema=m.schema)
    pred = _describe(_name_of(source), m.predict(feats), feats)
    if m.has_quadrant_head:
        from .models import QUADRANTS

        proba = m.predict_quadrant_proba(feats)
        pred.quadrant_probabilities = {q: float(p) for q, p in zip(QUADRANTS, proba)}
        pred.quadrant_source = m.quadrant_source
        if m.quadrant_source == "head":
            pred.quadrant = QUADRANTS[int(np.argmax(proba))]
    return pred


def predict_file(path, *, image_model=None, audio_model=None) -> Prediction:
    """The emotion-space point of an image or audio file, chosen by its type.

    Parameters
    ----------
    path : str or os.PathLike
        Its suffix says image or audio (:func:`affect_features.media.media_kind`).
    image_model, audio_model : EmotionModel or path, optional
        Default: the shipped models.

    Raises
    ------
    ParameterError
        The suffix is neither an image's nor an audio file's.
    DecodeError
        The file cannot be read as what its suffix says.
    """
    from .media import media_kind

    kind = media_kind(path)
    if kind == "image":
        return predict_image(path, model=image_model)
    if kind == "audio":
        return predict_audio(path, model=audio_model)
    raise ParameterError(f"unknown file type {os.path.splitext(os.fspath(path))[1] or '(none)'}"
                         f"; expected an image or audio extension")


class PredictionBatch:
    """The files of :func:`predict_files`, their models loaded, ready to run.

    Attributes
    ----------
    files : list of str
        The image and audio files found, in order.
    failures : list of Failure
        Paths that could not be listed (missing, not regular files).
    image_model, audio_model : EmotionModel or None
        Loaded once, for the kinds of file present (None for a kind absent).
    """

    def __init__(self, files, failures, image_model, audio_model, jobs, timeout):
        self.files, self.failures = files, failures
        self.image_model, self.audio_model = image_model, audio_model
        self.jobs, self.timeout = jobs, timeout

    @property
    def has_quadrant_head(self) -> bool:
        """Whether the audio predictions carry quadrant probabilities."""
        return self.audio_model is not None and self.audio_model.has_quadrant_head

    def run(self, *, progress=None):
        """``(path, Prediction or Failure)`` for every file, in order, through the batch
        engine (:func:`affect_features.batch.map_files`: worker processes, a failure per
        bad file and the batch goes on); `progress` a :class:`~affect_features.batch.
        Progress` advanced per file."""
        from functools import partial

        from .batch import map_files

        worker = partial(predict_file, image_model=self.image_model,
                         audio_model=self.audio_model)
        return map_files(worker, self.files, n_jobs=self.jobs, progress=progress,
                         timeout=self.timeout)

    def __iter__(self):
        return iter(self.run())


def predict_files(paths, *, image_model=None, audio_model=None, jobs: int = 0,
                  timeout: float | None = None) -> PredictionBatch:
    """The emotion-space points of image and audio files and folders (``affect predict``).

    Folders are searched recursively for image and audio files
    (:func:`affect_features.media.walk`); each file is predicted by its type
    (:func:`predict_file`). The models are loaded here, once, for the kinds of file
    found, so that a bad model fails before any file is read.

    Parameters
    ----------
    paths : iterable of str or os.PathLike
    image_model, audio_model : EmotionModel or path, optional
        Default: the shipped models.
    jobs : int
        Worker processes (0: all cores, 1: this process).
    timeout : float, optional
        Time limit per file in seconds (:func:`affect_features.batch.map_files`: by
        default, ``$AFFECT_FILE_TIMEOUT`` or 120 s in worker processes, none in this
        process).

    Returns
    -------
    PredictionBatch
        Iterate it (or call :meth:`PredictionBatch.run`) for ``(path, Prediction or
        Failure)`` in order.

    Examples
    --------
    >>> batch = predict_files(["photos/", "song.mp3"], jobs=1)  # doctest: +SKIP
    >>> points = {path: p.point for path, p in batch
    ...           if isinstance(p, Prediction)}  # doctest: +SKIP
    """
    from .media import AUDIO_EXTENSIONS, IMAGE_EXTENSIONS, media_kind, walk

    if isinstance(jobs, bool) or int(jobs) != jobs or jobs < 0:
        raise ParameterError(f"jobs must be 0 (all cores) or a positive number, got {jobs!r}")
    failures: list = []
    files = walk(paths, IMAGE_EXTENSIONS | AUDIO_EXTENSIONS, failures=failures)
    kinds = {media_kind(p) for p in files}
    return PredictionBatch(
        files, failures,
        load_model(image_model, "image") if "image" in kinds else None,
        load_model(audio_model, "audio") if "audio" in kinds else None,
        int(jobs), timeout)
