"""scikit-learn transformer: audio (files or signals) -> audio descriptors."""

from __future__ import annotations

from functools import partial

import numpy as np

from .._transformer import FeatureExtractor
from ..errors import ParameterError
from ..features import parse_groups
from . import (
    AUDIO_SCHEMA,
    DEFAULT_MAX_DURATION,
    AudioAnalysis,
    audio_feature_names,
    audio_groups,
    audio_vector,
    extract_from_analysis,
)
from .decode import check_window

__all__ = ["AudioFeatureExtractor"]


class AudioFeatureExtractor(FeatureExtractor):
    """Turn audio into rows of :data:`~affect_features.audio.AUDIO_SCHEMA` descriptors.

    Stateless (see :mod:`affect_features._transformer`): :meth:`fit` only validates
    the parameters and records the output names, and is optional.

    Parameters
    ----------
    groups : sequence of str, optional
        Descriptor groups (default all five).
    offset, duration : float, optional
        Analysis window in seconds (default: 30 s centred on each track's middle).
    max_duration : float or None, optional
        Length of the default window.
    n_jobs : int, optional
        Worker processes for the files among the items (default 1: this process;
        -1 or 0: all cores). Signals are analysed in this process.
    schema : str, optional
        Audio schema (default :data:`~affect_features.audio.AUDIO_SCHEMA`).

    Attributes
    ----------
    feature_names_out_ : ndarray of str
    schema_ : str
        Set by :meth:`fit`; :meth:`get_feature_names_out` works without them.

    Notes
    -----
    Items of ``X`` are audio files (``str`` or ``os.PathLike``), ``(signal, rate)``
    pairs (a signal ``(n,)`` or ``(channels, n)`` and its sampling rate in Hz: a bare
    array has no rate, so it is refused) or
    :class:`~affect_features.audio.AudioAnalysis` objects, in any mix. The analysis
    window applies to files and signals alike (an analysis has its own).

    Examples
    --------
    >>> import numpy as np
    >>> ext = AudioFeatureExtractor(groups=["dynamics"])
    >>> list(ext.get_feature_names_out())[:2]
    ['dynamics.rms.mean', 'dynamics.rms.std']
    >>> t = np.arange(22050) / 22050
    >>> ext.transform([(0.5 * np.sin(2 * np.pi * 440 * t), 22050)]).shape
    (1, 7)
    """

    def __init__(self, *, groups=None, offset=None, duration=None,
                 max_duration=DEFAULT_MAX_DURATION, n_jobs=1, schema=None):
        self.groups = groups
        self.offset = offset
        self.duration = duration
        self.max_duration = max_duration
        self.n_jobs = n_jobs
        self.schema = schema

    def _schema(self) -> str:
        return self.schema or AUDIO_SCHEMA

    def _groups(self):
        return parse_groups(self.groups, tuple(audio_groups(self._schema())))

    def _feature_names(self) -> tuple[str, ...]:
        check_window(self.offset, self.duration, self.max_duration)
        return audio_feature_names(self._groups(), self._schema())

    def fit(self, X=None, y=None):
        """Validate the parameters and record the output names (nothing is learnt).

        Returns
        -------
        self
        """
        super().fit(X, y)
        self.schema_ = self._schema()
        return self

    def _file_function(self):
        return partial(audio_vector, groups=self._groups(), offset=self.offset,
                       duration=self.duration, max_duration=self.max_duration,
                       schema=self._schema())

    def _item_vector(self, item) -> np.ndarray:
        if isinstance(item, AudioAnalysis):
            return extract_from_analysis(item, groups=self._groups(),
                                         schema=self._schema()).vector
        if isinstance(item, tuple) and len(item) == 2:
            signal, sr = item
            return audio_vector(np.asarray(signal), sr=sr, groups=self._groups(),
                                offset=self.offset, duration=self.duration,
                                max_duration=self.max_duration, schema=self._schema())
        raise ParameterError(f"an audio item must be a file path, a (signal, rate) pair "
                             f"or an AudioAnalysis, got {type(item).__name__}"
                             + (" (an array needs its rate: pass (signal, rate))"
                                if isinstance(item, np.ndarray) else ""))
