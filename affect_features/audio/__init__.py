"""Audio affect descriptors: timbre, spectral shape, dynamics, rhythm and tonality.

One call decodes a file (or takes an array), builds the shared
:class:`~affect_features.audio.analysis.AudioAnalysis` once and computes 124 named
descriptors in five groups:

========== ===== ============================================================
group      count module
========== ===== ============================================================
timbre        60 :mod:`affect_features.audio.timbre` (MFCC statistics)
spectral      26 :mod:`affect_features.audio.spectral` (centroid ... contrast)
dynamics       7 :mod:`affect_features.audio.dynamics` (RMS, loudness)
rhythm         7 :mod:`affect_features.audio.rhythm` (tempo, pulse, onsets)
tonal         24 :mod:`affect_features.audio.tonal` (chroma, key, mode, ...)
========== ===== ============================================================

The ordered names are the ``audio-1`` schema (``affect_features/schemas/audio-1.txt``);
every vector has exactly these names in this order, and every value is finite, for
any valid input including silence and clips shorter than one frame.

The descriptors and the analysis they share are librosa's definitions (tested equal
to librosa), computed without importing librosa: a 30-s clip takes 80 to 100 ms on one
core, decoding included, 300 to 370 times faster than real time on a shared 2-core
machine (``benchmarks/bench_audio.py``).

Example
-------
>>> import numpy as np
>>> t = np.arange(22050) / 22050
>>> f = extract_audio_features(np.sin(2 * np.pi * 440 * t), sr=22050)
>>> len(f), f.schema, f["tonal.chroma.A.mean"] > 0.99
(124, 'audio-1', True)
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import ParameterError, SchemaError
from ..features import FeatureVector, load_schema, parse_groups, select_groups
from .analysis import AudioAnalysis, single_threaded_blas
from .decode import DEFAULT_MAX_DURATION, load_audio, read_tags
from .dynamics import dynamics_features
from .rhythm import rhythm_features
from .spectral import spectral_features
from .timbre import timbre_features
from .tonal import tonal_features

__all__ = ["AUDIO_SCHEMA", "AUDIO_GROUPS", "audio_feature_names", "AudioFeatures",
           "extract_audio_features", "audio_vector", "extract_from_analysis", "AudioFeatureExtractor",
           "AudioAnalysis", "load_audio", "read_tags", "DEFAULT_MAX_DURATION"]

#: Version of the audio feature schema (names and order, and their definitions).
AUDIO_SCHEMA = "audio-1"

#: Descriptor groups in schema order, each a function ``AudioAnalysis -> dict``.
AUDIO_GROUPS = {
    "timbre": timbre_features,
    "spectral": spectral_features,
    "dynamics": dynamics_features,
    "rhythm": rhythm_features,
    "tonal": tonal_features,
}


def audio_feature_names(groups=None) -> tuple[str, ...]:
    """Ordered names of the audio descriptors (all, or of the given groups).

    Parameters
    ----------
    groups : sequence of str or comma-separated str, optional
        Some of ``timbre``, ``spectral``, ``dynamics``, ``rhythm``, ``tonal``.

    Returns
    -------
    names : tuple of str
        In schema order (:data:`AUDIO_SCHEMA`), whatever the order of `groups`.
    """
    return select_groups(load_schema(AUDIO_SCHEMA), parse_groups(groups, tuple(AUDIO_GROUPS)))


class AudioFeatures(FeatureVector):
    """Audio descriptors of one clip: a read-only mapping name -> float.

    See :class:`~affect_features.features.FeatureVector` (``.names``, ``.vector``,
    ``.schema``, ``.group(prefix)``).
    """

    __slots__ = ()


def _group_list(groups) -> list[str]:
    return list(parse_groups(groups, tuple(AUDIO_GROUPS)) or AUDIO_GROUPS)


def extract_from_analysis(analysis: AudioAnalysis, *, groups=None) -> AudioFeatures:
    """Compute the descriptors of an existing :class:`AudioAnalysis`.

    The BLAS library runs on one thread meanwhile
    (:func:`~affect_features.audio.analysis.single_threaded_blas`).

    Raises
    ------
    SchemaError
        If the computed names differ from the :data:`AUDIO_SCHEMA` file (a code or
        schema-file inconsistency, never a property of the input).
    """
    chosen = _group_list(groups)
    values: dict[str, float] = {}
    with single_threaded_blas():
        for g in chosen:
            values.update(AUDIO_GROUPS[g](analysis))
    names = audio_feature_names(chosen)
    if tuple(values) != names:
        missing = [n for n in names if n not in values]
        extra = [n for n in values if n not in set(names)]
        raise SchemaError(
            f"audio descriptors do not match schema {AUDIO_SCHEMA}: "
            f"missing {missing[:5]}, unexpected {extra[:5]}"
            + ("" if missing or extra else " (order differs)"))
    return AudioFeatures(names, np.fromiter(values.values(), np.float64, len(names)),
                         AUDIO_SCHEMA)


def extract_audio_features(source, *, sr: float | None = None, offset: float | None = None,
                           duration: float | None = None, groups=None,
                           max_duration: float | None = DEFAULT_MAX_DURATION) -> AudioFeatures:
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

    Returns
    -------
    features : AudioFeatures
        124 values (fewer with `groups`), names in schema order.

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
    chosen = _group_list(groups)
    analysis = AudioAnalysis(source, sr=sr, offset=offset, duration=duration,
                             max_duration=max_duration)
    return extract_from_analysis(analysis, groups=chosen)


def audio_vector(source, groups=None, offset: float | None = None,
                 duration: float | None = None,
                 max_duration: float | None = DEFAULT_MAX_DURATION) -> np.ndarray:
    """The descriptor vector of an audio file as a float64 array (schema order).

    The picklable one-file function the batch engine sends to worker processes
    (the audio counterpart of :func:`affect_features.image.image_vector`).
    """
    return extract_audio_features(source, groups=groups, offset=offset, duration=duration,
                                  max_duration=max_duration).vector


def __getattr__(name):
    # scikit-learn is imported only when the transformer is used (about 1 s of imports)
    if name == "AudioFeatureExtractor":
        from .extractor import AudioFeatureExtractor
        return AudioFeatureExtractor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
