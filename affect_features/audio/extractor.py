"""scikit-learn transformer: a list of audio files -> a matrix of audio descriptors."""

from __future__ import annotations

import os
from functools import partial

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..batch import Failure, map_files
from ..errors import DecodeError, ParameterError
from ..features import parse_groups
from . import AUDIO_SCHEMA, DEFAULT_MAX_DURATION, audio_feature_names, audio_groups, \
    audio_vector

__all__ = ["AudioFeatureExtractor"]


def _paths(X) -> list:
    if isinstance(X, (str, os.PathLike)):
        raise ParameterError("X must be a sequence of audio file paths, not one path")
    arr = np.asarray(X, dtype=object)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ParameterError(f"X must be a 1-D sequence of audio file paths, got shape "
                             f"{arr.shape}")
    bad = [p for p in arr if not isinstance(p, (str, os.PathLike))]
    if bad:
        raise ParameterError(f"X must hold file paths; got {type(bad[0]).__name__}")
    return list(arr)


class AudioFeatureExtractor(TransformerMixin, BaseEstimator):
    """Turn audio file paths into rows of :data:`~affect_features.audio.AUDIO_SCHEMA` descriptors.

    Stateless: :meth:`fit` only validates the parameters and fixes the output names.

    Parameters
    ----------
    groups : sequence of str, optional
        Descriptor groups (default all five).
    offset, duration : float, optional
        Analysis window in seconds (default: 30 s centred on each track's middle).
    max_duration : float or None, optional
        Length of the default window.
    n_jobs : int, optional
        Files decoded and analysed in parallel (joblib processes; default 1).
    schema : str, optional
        Audio schema (default :data:`~affect_features.audio.AUDIO_SCHEMA`).

    Attributes
    ----------
    feature_names_out_ : ndarray of str
    schema_ : str

    Examples
    --------
    >>> ext = AudioFeatureExtractor(groups=["dynamics"]).fit([])
    >>> list(ext.get_feature_names_out())[:2]
    ['dynamics.rms.mean', 'dynamics.rms.std']
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

    def _group_list(self):
        return parse_groups(self.groups, tuple(audio_groups(self._schema())))

    def fit(self, X=None, y=None):
        """Validate the parameters (no learning). Returns self."""
        names = audio_feature_names(self._group_list(), self._schema())
        self.feature_names_out_ = np.asarray(names, dtype=object)
        self.schema_ = self._schema()
        return self

    def transform(self, X) -> np.ndarray:
        """Descriptors of each file, shape (n_files, n_features), float64.

        Raises
        ------
        DecodeError
            On the first file that cannot be decoded.
        """
        check_is_fitted(self, "feature_names_out_")
        paths = _paths(X)
        groups = self._group_list()
        worker = partial(audio_vector, groups=groups, offset=self.offset,
                         duration=self.duration, max_duration=self.max_duration,
                         schema=self.schema_)
        rows = []
        for path, res in map_files(worker, [os.fspath(p) for p in paths],
                                   n_jobs=self.n_jobs or 1):
            if isinstance(res, Failure):
                raise DecodeError(res.path, res.reason)
            rows.append(res)
        if not rows:
            return np.zeros((0, len(self.feature_names_out_)))
        return np.vstack(rows)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The output descriptor names, in column order."""
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()
