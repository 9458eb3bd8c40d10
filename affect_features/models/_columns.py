"""A model's feature columns: which columns of a table or FeatureVector a model reads.

Shared by the emotion model and the joint embedding: :func:`feature_columns` finds a
model's features among named columns (checking the schema version), and
:func:`feature_matrix` turns any accepted input (an array, one FeatureVector or a list
of them) into the model's finite ``(n, n_features)`` matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ParameterError, SchemaError
from ..features import FeatureVector


def feature_columns(own_names: Sequence[str], own_schema: str, schema, names, *,
                    what: str) -> np.ndarray:
    """Positions in `names` of a model's features `own_names`, in the model's order.

    Raises SchemaError when `schema` (None: not checked) is not `own_schema`, or when
    some of the model's features are missing from `names` (extra ones are ignored);
    ``arange`` of the model's features when `names` is None.
    """
    if schema is not None and str(schema) != own_schema:
        raise SchemaError(f"{what} expects features of schema {own_schema}, got {schema}")
    if names is None:
        return np.arange(len(own_names))
    position = {str(n): i for i, n in enumerate(names)}
    missing = [n for n in own_names if n not in position]
    if missing:
        shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        raise SchemaError(f"{len(missing)} feature(s) {what} needs are missing: {shown}")
    return np.array([position[n] for n in own_names], dtype=np.intp)


def feature_matrix(X, *, check_schema, n_features: int, what: str, schema=None,
                   names=None) -> tuple[np.ndarray, bool]:
    """A model's feature columns from an array, a FeatureVector or a list of them.

    Parameters
    ----------
    X : ndarray (n, n_cols) or (n_cols,), FeatureVector, or list of FeatureVectors
    check_schema : callable
        ``check_schema(schema, names)`` -> positions of the model's features among
        `names` (all in order when `names` is None); raises SchemaError.
    n_features : int
        The model's number of features (a bare array without names must have them all).
    what : str
        The model, for messages ("the image model").
    schema, names : optional
        Schema and column names of a bare array.

    Returns
    -------
    X : ndarray (n, n_features), float64, finite
    single : bool
        True when `X` was one vector (one FeatureVector or a 1-d array).
    """
    if isinstance(X, FeatureVector):
        return X.vector[check_schema(X.schema, X.names)][None, :], True
    if isinstance(X, (list, tuple)) and X and all(isinstance(v, FeatureVector) for v in X):
        return np.stack([v.vector[check_schema(v.schema, v.names)] for v in X]), False
    if isinstance(X, (list, tuple)) and not X:
        return np.zeros((0, n_features)), False
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError("X must be a feature matrix, a FeatureVector or a list "
                             "of FeatureVectors") from None
    single = arr.ndim == 1
    if single:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ParameterError(f"X must have shape (n, n_features), got {arr.shape}")
    if names is not None:
        if len(names) != arr.shape[1]:
            raise ParameterError(f"{len(names)} names for {arr.shape[1]} columns")
        arr = arr[:, check_schema(schema, names)]
    else:
        check_schema(schema, None)
        if arr.shape[1] != n_features:
            raise SchemaError(f"{what} expects {n_features} features, got {arr.shape[1]}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError("features must be finite (got NaN or inf)")
    return arr, single
