"""Named feature vectors and versioned feature schemas.

A feature vector is a read-only mapping from a dotted, stable name
(``color.saturation.mean``, ``timbre.mfcc.03.mean``) to a float. The ordered list of
names of one modality is *data*: it lives in ``affect_features/schemas/<version>.txt``
and is versioned, so that a model trained on one schema refuses vectors of another.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from importlib import resources

import numpy as np

from .errors import ParameterError, SchemaError

__all__ = [
    "FeatureVector",
    "load_schema",
    "check_finite",
    "parse_groups",
    "select_groups",
]


@lru_cache(maxsize=None)
def load_schema(version: str) -> tuple[str, ...]:
    """Return the ordered feature names of a schema version.

    Parameters
    ----------
    version : str
        Schema version string, e.g. ``"image-1"``.

    Returns
    -------
    names : tuple of str
    """
    try:
        text = resources.files("affect_features").joinpath(
            "schemas", f"{version}.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaError(f"unknown feature schema {version!r}") from None
    return tuple(line.strip() for line in text.splitlines()
                 if line.strip() and not line.startswith("#"))


def parse_groups(groups, known: Sequence[str]) -> tuple[str, ...] | None:
    """Normalise a choice of feature groups.

    Parameters
    ----------
    groups : None, str or sequence of str
        ``None`` (all groups), a comma-separated string (``"color,texture"``, as the
        CLI's ``--groups``) or a sequence of group names. An empty choice means all.
    known : sequence of str
        The modality's groups, in schema order.

    Returns
    -------
    chosen : tuple of str or None
        The chosen groups in schema order (whatever order they were given in), or None
        for all.

    Raises
    ------
    ParameterError
        Naming the unknown groups and the known ones.
    """
    if groups is None:
        return None
    if isinstance(groups, str):
        groups = groups.split(",")
    chosen = {str(g).strip() for g in groups} - {""}
    if not chosen:
        return None
    unknown = chosen - set(known)
    if unknown:
        from .errors import ParameterError
        raise ParameterError(
            f"unknown feature group(s) {', '.join(sorted(unknown))}; "
            f"expected some of {', '.join(known)}")
    return tuple(g for g in known if g in chosen)


def select_groups(names: Sequence[str], groups: Sequence[str] | None) -> tuple[str, ...]:
    """Names whose first dotted component is one of `groups` (all if None)."""
    if groups is None:
        return tuple(names)
    wanted = set(groups)
    known = {n.split(".", 1)[0] for n in names}
    unknown = wanted - known
    if unknown:
        from .errors import ParameterError
        raise ParameterError(
            f"unknown feature group(s) {', '.join(sorted(unknown))}; "
            f"expected some of {', '.join(sorted(known))}")
    return tuple(n for n in names if n.split(".", 1)[0] in wanted)


def check_finite(names: Sequence[str], values) -> np.ndarray:
    """`values` as float64, refused if any is NaN or infinite.

    Every feature is defined, and finite, on every valid input: where a quantity is
    undefined (a flat image has no hue, a silent clip no tempo) the function computing
    it documents the value it returns, and a known-answer test shows the case. So a
    non-finite value here is a defect of a definition, never a property of the input:
    this is the package's last check that no NaN or inf leaves it, and it raises
    rather than replacing the value.

    Raises
    ------
    ParameterError
        Naming the first non-finite features (one line; in a batch, that file's
        failure).
    """
    arr = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        flat = bad.ravel()
        named = [f"{n}={v}" for n, v, b in zip(names, arr.ravel(), flat) if b][:3]
        raise ParameterError(
            f"feature values must be finite; got {', '.join(named) or 'non-finite values'}"
            f"{' ...' if flat.sum() > len(named) else ''}")
    return arr


class FeatureVector(Mapping):
    """Read-only mapping of feature name to float, every value finite.

    Raises :class:`~affect_features.errors.ParameterError` when given a NaN or an
    infinity (:func:`check_finite`).

    Attributes
    ----------
    names : tuple of str
        Feature names, in schema order.
    vector : ndarray of float64, shape (n_features,)
        The values in the same order (a read-only view).
    schema : str
        The schema version these names come from.
    """

    __slots__ = ("_names", "_vector", "_index", "schema")

    def __init__(self, names: Sequence[str], values, schema: str):
        names = tuple(names)
        vec = check_finite(names, values).ravel().copy()
        if vec.shape[0] != len(names):
            raise SchemaError(
                f"{len(names)} names but {vec.shape[0]} values for schema {schema}")
        vec.setflags(write=False)
        self._names = names
        self._vector = vec
        self._index = None
        self.schema = schema

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    @property
    def vector(self) -> np.ndarray:
        return self._vector

    def __getitem__(self, name: str) -> float:
        if self._index is None:
            self._index = {n: i for i, n in enumerate(self._names)}
        return float(self._vector[self._index[name]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(schema={self.schema!r}, n_features={len(self)})"

    def group(self, prefix: str) -> dict[str, float]:
        """The features whose name starts with ``prefix + '.'`` (or equals it)."""
        return {n: float(v) for n, v in zip(self._names, self._vector)
                if n == prefix or n.startswith(prefix + ".")}
