"""The base of the feature transformers: media items in, one row of named features each.

:class:`~affect_features.image.ImageFeatureExtractor` and
:class:`~affect_features.audio.AudioFeatureExtractor` follow scikit-learn's conventions
for stateless transformers (as ``sklearn.preprocessing.FunctionTransformer`` and
``sklearn.feature_extraction.text.HashingVectorizer`` do):

- ``__init__`` stores its parameters, unchanged, and nothing else (so ``clone``,
  ``get_params`` and ``set_params`` work, and a grid search can vary them);
- ``fit`` learns nothing: it validates the parameters, records the output names in
  ``feature_names_out_`` and returns ``self``;
- the tags say no fit is needed (``requires_fit = False``), so ``transform`` works on a
  fresh object, and that the input is a sequence of items, not a 2-D array of numbers;
- ``get_feature_names_out`` names every column (dotted, stable names), so
  ``set_output`` and a ``Pipeline``'s feature names work.

The input is a sequence of items, files or in-memory media, mixed freely: file paths
(``str`` or ``os.PathLike``; decoded and analysed by the batch engine, in ``n_jobs``
worker processes) and whatever each modality takes in memory (an image array; an audio
``(signal, rate)`` pair). A column of paths (shape ``(n, 1)``, as a ``ColumnTransformer``
passes it) is accepted too. Like ``CountVectorizer``, whose input is documents, these
transformers have no ``n_features_in_``: their input has no columns of numbers.
"""

from __future__ import annotations

import os

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .errors import DecodeError, ParameterError

__all__ = ["FeatureExtractor", "is_path"]


def is_path(item) -> bool:
    """Whether `item` names a file (``str``, ``bytes`` or ``os.PathLike``)."""
    return isinstance(item, (str, bytes, os.PathLike))


def _items(X) -> list:
    """The items of `X` as a list (a column of paths flattened).

    Raises
    ------
    ParameterError
        For one path given instead of a sequence of them.
    """
    if is_path(X):
        raise ParameterError("X must be a sequence of items (file paths or arrays), "
                             "not one path: pass [path]")
    if isinstance(X, np.ndarray) and X.dtype.kind in "OUS":
        if X.ndim == 2 and X.shape[1] == 1:
            X = X[:, 0]
        if X.ndim != 1:
            raise ParameterError(f"X must be a 1-D sequence of file paths, got shape "
                                 f"{X.shape}")
    return list(X)


class FeatureExtractor(TransformerMixin, BaseEstimator):
    """Stateless scikit-learn transformer: a sequence of items -> a feature matrix.

    Subclasses store their parameters in ``__init__`` (keyword-only, one attribute
    each, an ``n_jobs`` among them) and define:

    - ``_feature_names()``: the output names for the current parameters, validating
      them (raise :class:`~affect_features.errors.ParameterError`);
    - ``_file_function()``: a picklable function of one path returning its feature
      vector (run by :func:`~affect_features.batch.map_files`);
    - ``_item_vector(item)``: the feature vector of one in-memory item.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False          # stateless: transform works without fit
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True      # file names
        return tags

    # -- subclass hooks ------------------------------------------------------------------
    def _feature_names(self) -> tuple[str, ...]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _file_function(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _item_vector(self, item) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- the scikit-learn API ------------------------------------------------------------
    def _check_n_jobs(self) -> int:
        n_jobs = 1 if self.n_jobs is None else self.n_jobs
        if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)):
            raise ParameterError(f"n_jobs must be an integer (-1 or 0: all cores), got "
                                 f"{self.n_jobs!r}")
        return int(n_jobs)

    def fit(self, X=None, y=None):
        """Validate the parameters and record the output names (nothing is learnt).

        Returns
        -------
        self
        """
        self._check_n_jobs()
        self.feature_names_out_ = np.asarray(self._feature_names(), dtype=object)
        return self

    def transform(self, X) -> np.ndarray:
        """The features of each item, shape ``(n_items, n_features)``, float64.

        Parameters
        ----------
        X : sequence
            File paths (decoded and analysed in ``n_jobs`` processes) and in-memory
            items (see the class), in any mix; rows follow their order.

        Raises
        ------
        DecodeError
            On the first file that cannot be decoded (naming it and the reason).
        ParameterError
            For an item of another kind, or invalid parameters.
        """
        from .batch import Failure, map_files

        n_jobs = self._check_n_jobs()
        width = len(self._feature_names())
        items = _items(X)
        rows: list = [None] * len(items)
        files = [i for i, x in enumerate(items) if is_path(x)]
        if files:
            paths = [os.fsdecode(items[i]) for i in files]
            # no time limit in this process unless asked (see map_files): a library
            # call arms no signal of its caller's
            results = map_files(self._file_function(), paths, n_jobs=n_jobs)
            for i, (path, res) in zip(files, results):
                if isinstance(res, Failure):
                    raise DecodeError(res.path, res.reason)
                rows[i] = res
        for i, x in enumerate(items):
            if rows[i] is None:
                rows[i] = self._item_vector(x)
        if not rows:
            return np.zeros((0, width))
        return np.vstack(rows)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The output feature names, in column order (dotted, stable names)."""
        return np.asarray(self._feature_names(), dtype=object)
