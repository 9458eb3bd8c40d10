"""Audio affect descriptors: timbre, spectral shape, dynamics, rhythm and tonality.

One call decodes a file (or takes an array), builds the shared
:class:`~affect_features.audio.analysis.AudioAnalysis` once and computes the named
descriptors of a schema in five groups:

========== ======= ======= ==========================================================
group      audio-1 audio-2 module
========== ======= ======= ==========================================================
timbre          60      60 :mod:`affect_features.audio.timbre` (MFCC statistics)
spectral        26      26 :mod:`affect_features.audio.spectral` (centroid ... contrast)
dynamics         7       7 :mod:`affect_features.audio.dynamics` (RMS, loudness)
rhythm           7      10 :mod:`affect_features.audio.rhythm` (tempo, pulse, onsets,
                           onset-density variation)
tonal           24      42 :mod:`affect_features.audio.tonal` (chroma, key, mode, ...,
                           chroma and key-clarity statistics)
========== ======= ======= ==========================================================

The ordered names of each schema are in ``affect_features/schemas/<schema>.txt``;
every vector has exactly these names in this order, and every value is finite, for
any valid input including silence and clips shorter than one frame. ``audio-2`` holds
``audio-1``'s names (with ``rhythm.tempo`` as ``librosa.feature.tempo`` defines it,
where ``audio-1`` used a 384-frame window and interpolated between lags) and the
families that raised the artist-grouped 10-fold CV quadrant accuracy on the 4Q set
(README, "The features"). :data:`AUDIO_SCHEMA` is the one computed by default, the
schema of the shipped audio model; ``schema=`` chooses another.

The descriptors and the analysis they share are librosa's definitions (tested equal
to librosa, on 50 real clips in ``tests/audio/test_against_librosa.py``), computed
without importing librosa (``benchmarks/bench_audio.py`` measures the speed).

Example
-------
>>> import numpy as np
>>> t = np.arange(22050) / 22050
>>> f = extract_audio_features(np.sin(2 * np.pi * 440 * t), sr=22050)
>>> len(f), f.schema, f["tonal.chroma.A.mean"] > 0.99
(145, 'audio-2', True)
"""

from __future__ import annotations

import os
from functools import partial

import numpy as np

from ..errors import ParameterError, SchemaError
from ..features import FeatureVector, load_schema, parse_groups, select_groups
from .analysis import AudioAnalysis
from .decode import DEFAULT_MAX_DURATION, load_audio, read_tags
from .dynamics import dynamics_features
from .rhythm import rhythm_features
from .spectral import spectral_features
from .timbre import timbre_features
from .tonal import key_clarity_features, tonal_features

__all__ = ["AUDIO_SCHEMA", "AUDIO_SCHEMAS", "AUDIO_GROUPS", "audio_feature_names",
           "audio_groups", "AudioFeatures",
           "extract_audio_features", "audio_vector", "extract_from_analysis", "AudioFeatureExtractor",
           "AudioAnalysis", "load_audio", "read_tags", "DEFAULT_MAX_DURATION"]

#: Version of the audio feature schema computed by default (names and order, and their
#: definitions). The shipped audio model reads it.
AUDIO_SCHEMA = "audio-2"


class _Group:
    """One descriptor group: the families it computes, in schema order (picklable)."""

    def __init__(self, *families):
        self.families = families

    def __call__(self, analysis) -> dict[str, float]:
        out: dict[str, float] = {}
        for family in self.families:
            out.update(family(analysis))
        return out


#: For each schema, its descriptor groups in schema order, each a function
#: ``AudioAnalysis -> dict``. ``audio-2`` = ``audio-1`` with librosa's tempo plus the
#: families that raised the artist-grouped 4Q quadrant accuracy (README, "The
#: features"); ``audio-1`` is kept, unchanged, for the models trained on it.
_SCHEMA_GROUPS = {
    "audio-1": {
        "timbre": _Group(timbre_features),
        "spectral": _Group(spectral_features),
        "dynamics": _Group(dynamics_features),
        "rhythm": _Group(partial(rhythm_features, tempo="audio-1")),
        "tonal": _Group(tonal_features),
    },
    "audio-2": {
        "timbre": _Group(timbre_features),
        "spectral": _Group(spectral_features),
        "dynamics": _Group(dynamics_features),
        "rhythm": _Group(partial(rhythm_features, density=True)),
        "tonal": _Group(tonal_features, key_clarity_features),
    },
}
#: The audio schemas this version computes.
AUDIO_SCHEMAS = tuple(_SCHEMA_GROUPS)
#: Descriptor groups of :data:`AUDIO_SCHEMA` in schema order (the same five names in
#: every schema).
AUDIO_GROUPS = _SCHEMA_GROUPS[AUDIO_SCHEMA]


def audio_groups(schema: str = AUDIO_SCHEMA) -> dict:
    """The descriptor groups of an audio schema (name -> function), in schema order.

    Raises
    ------
    ParameterError
        For a schema this version does not compute.
    """
    try:
        return _SCHEMA_GROUPS[str(schema)]
    except KeyError:
        raise ParameterError(f"unknown audio schema {schema!r}; expected one of "
                             f"{', '.join(AUDIO_SCHEMAS)}") from None


def audio_feature_names(groups=None, schema: str = AUDIO_SCHEMA) -> tuple[str, ...]:
    """Ordered names of the audio descriptors (all, or of the given groups).

    Parameters
    ----------
    groups : sequence of str or comma-separated str, optional
        Some of ``timbre``, ``spectral``, ``dynamics``, ``rhythm``, ``tonal``.
    schema : str
        One of :data:`AUDIO_SCHEMAS` (default :data:`AUDIO_SCHEMA`).

    Returns
    -------
    names : tuple of str
        In schema order, whatever the order of `groups`.
    """
    known = tuple(audio_groups(schema))
    return select_groups(load_schema(schema), parse_groups(groups, known))


class AudioFeatures(FeatureVector):
    """Audio descriptors of one clip: a read-only mapping name -> float.

    See :class:`~affect_features.features.FeatureVector` (``.names``, ``.vector``,
    ``.schema``, ``.group(prefix)``).
    """

    __slots__ = ()


def _group_list(groups, schema: str = AUDIO_SCHEMA) -> list[str]:
    known = audio_groups(schema)
    return list(parse_groups(groups, tuple(known)) or known)


def extract_from_analysis(analysis: AudioAnalysis, *, groups=None,
                          schema: str = AUDIO_SCHEMA) -> AudioFeatures:
    """Compute the descriptors of an existing :class:`AudioAnalysis`.

    `schema` is one of :data:`AUDIO_SCHEMAS` (default :data:`AUDIO_SCHEMA`).

    Changes no state of the process, and gives the same bits whatever the caller's
    BLAS threads: the products over a spectrogram that a threaded BLAS would round
    differently run in serial blocks
    (:func:`~affect_features.audio.analysis.serial_matmul`). The batch engine's worker
    processes start with one BLAS thread (files run in parallel instead).

    Raises
    ------
    SchemaError
        If the computed names differ from the schema file (a code or schema-file
        inconsistency, never a property of the input).
    """
    chosen = _group_list(groups, schema)
    table = audio_groups(schema)
    values: dict[str, float] = {}
    for g in chosen:
        values.update(table[g](analysis))
    names = audio_feature_names(chosen, schema)
    if tuple(values) != names:
        missing = [n for n in names if n not in values]
        extra = [n for n in values if n not in set(names)]
        raise SchemaError(
            f"audio descriptors do not match schema {schema}: "
            f"missing {missing[:5]}, unexpected {extra[:5]}"
            + ("" if missing or extra else " (order differs)"))
    return AudioFeatures(names, np.fromiter(values.values(), np.float64, len(names)),
                         schema)


def extract_audio_features(source, *, sr: float | None = None, offset: float | None = None,
                           duration: float | None = None, groups=None,
                           max_duration: float | None = DEFAULT_MAX_DURATION,
                           schema: str = AUDIO_SCHEMA) -> AudioFeatures:
    """Audio affect descriptors of a file or signal.

    Parameters
    ----------
    source : str, os.PathLike or ndarray
        An audio file (any format FFmpeg decodes), or a signal ``(n,)`` or
        ``(channels, n)``.
    sr : float, optional
        Sampling rate of an array `source` (required for arrays; not allowed for
        files, which carry their own rate). Everything is analysed at 22,050 Hz.
    offset, duration : float, optional
        Analysis window in seconds; by default `max_duration` (30 s) centred on the
        middle of the track (see :func:`~affect_features.audio.decode.load_audio`).
    groups : sequence of str, optional
        Compute only these groups (default all).
    max_duration : float or None, optional
        Length of the default window; None analyses the whole track.
    schema : str, optional
        One of :data:`AUDIO_SCHEMAS` (default :data:`AUDIO_SCHEMA`): ``audio-1`` (124
        values) or ``audio-2`` (see ``schemas/audio-2.txt``); a model says which it
        reads (its card's ``schema``).

    Returns
    -------
    features : AudioFeatures
        The schema's values (fewer with `groups`), names in schema order.

    Raises
    ------
    DecodeError
        The file cannot be decoded (message names the file and the reason).
    ParameterError
        Invalid arguments or array.
    """
    if isinstance(source, (str, os.PathLike)):
        if sr is not None:
            raise ParameterError("sr is the sampling rate of an array input; a file "
                                 "carries its own rate (leave sr=None)")
    elif sr is None:
        raise ParameterError("an audio array needs its sampling rate: pass sr=")
    chosen = _group_list(groups, schema)
    analysis = AudioAnalysis(source, sr=sr, offset=offset, duration=duration,
                             max_duration=max_duration)
    return extract_from_analysis(analysis, groups=chosen, schema=schema)


def audio_vector(source, groups=None, offset: float | None = None,
                 duration: float | None = None,
                 max_duration: float | None = DEFAULT_MAX_DURATION,
                 schema: str = AUDIO_SCHEMA, *, sr: float | None = None) -> np.ndarray:
    """The descriptor vector of an audio file (or of a signal of rate `sr`) as a
    float64 array (schema order).

    The picklable one-file function the batch engine sends to worker processes
    (the audio counterpart of :func:`affect_features.image.image_vector`).
    """
    return extract_audio_features(source, sr=sr, groups=groups, offset=offset,
                                  duration=duration, max_duration=max_duration,
                                  schema=schema).vector


def __getattr__(name):
    # scikit-learn is imported only when the transformer is used (about 1 s of imports)
    if name == "AudioFeatureExtractor":
        from .extractor import AudioFeatureExtractor
        return AudioFeatureExtractor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
