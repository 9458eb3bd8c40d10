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

from .errors import SchemaError

__all__ = [
    "FeatureVector",
    "load_schema",
    "finite_or_zero",
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


def finite_or_zero(x) -> np.ndarray:
    """Return `x` as float64 with NaN and +-inf replaced by 0.

    Feature definitions are written to be finite on every valid input (and tests check
    them without this guard); this is the last line of defence so that no NaN or inf
    ever leaves the package.
    """
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        arr = np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)
    return arr


class FeatureVector(Mapping):
    """Read-only mapping of feature name to float.

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
        vec = finite_or_zero(values).ravel().copy()
        names = tuple(names)
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
