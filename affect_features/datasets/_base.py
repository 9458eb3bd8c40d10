"""The data-set record and the bounded table readers every loader shares.

:class:`Dataset` (media paths, target points, labels, extras), :class:`DatasetError`
(a one-line message naming the file), the readers of a data set's own tables (a
regular file within :data:`affect_features.files.LIMITS` ``["dataset table"]``, read
before any parsing) and :func:`_finish`, which drops the items whose media file is
missing. The layouts themselves are in :mod:`affect_features.datasets`.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import ParameterError


class DatasetError(ParameterError):
    """A dataset file is missing or malformed; the message names the file."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = " ".join(str(reason).split())
        super().__init__(f"{self.path}: {self.reason}")


@dataclass
class Dataset:
    """Media files and their target points.

    Attributes
    ----------
    kind : str
        The loader (``"emotion6"``, ``"4q"``, ...).
    root : str
        The folder or file the spec named (absolute).
    paths : list of str
        Absolute media paths, one per item.
    points : ndarray, shape (n, 3)
        ``(valence, arousal, dominance)`` in [-1, 1]; NaN where an axis is unknown.
    labels : list of str or None
        Category labels of `taxonomy` (None when the data has none).
    taxonomy : str or None
        The labels' taxonomy (:data:`affect_features.space.TAXONOMIES`).
    modality : str
        ``"image"`` or ``"audio"``.
    extra : dict
        Loader-specific data (see :mod:`affect_features.datasets`). Lists and arrays
        whose length is the number of items are per-item and follow :meth:`subset`;
        tuples and scalars are about the whole set.
    """

    kind: str
    root: str
    paths: list
    points: np.ndarray
    labels: list | None
    taxonomy: str | None
    modality: str
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.paths)

    def __repr__(self) -> str:
        return (f"Dataset(kind={self.kind!r}, root={self.root!r}, n={len(self)}, "
                f"modality={self.modality!r}, taxonomy={self.taxonomy!r})")

    def subset(self, index) -> "Dataset":
        """The items selected by a boolean mask or an index array (extras follow)."""
        n = len(self)
        idx = np.asarray(index)
        if idx.dtype == bool:
            if idx.shape != (n,):
                raise ParameterError(f"mask has shape {idx.shape} for {n} items")
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.intp, copy=False)

        def take(v):
            if isinstance(v, np.ndarray) and v.ndim >= 1 and v.shape[0] == n:
                return v[idx]
            if isinstance(v, list) and len(v) == n:
                return [v[i] for i in idx]
            return v

        return replace(self, paths=[self.paths[i] for i in idx], points=self.points[idx],
                       labels=None if self.labels is None else [self.labels[i] for i in idx],
                       extra={k: take(v) for k, v in self.extra.items()})


def _read_text(path: str, what: str) -> str:
    """A dataset's text file (UTF-8, else Latin-1): a regular file within
    :data:`affect_features.files.LIMITS` ``["dataset table"]``, checked before reading
    (a FIFO, a device or a folder is a one-line :class:`DatasetError`)."""
    from ..files import LIMITS, FileRefused, read_text

    if not os.path.lexists(path):
        raise DatasetError(path, f"{what} not found")
    if os.path.isdir(path):
        raise DatasetError(path, f"{what} expected, found a folder")
    try:
        text = read_text(path, what, LIMITS["dataset table"], fallback="latin-1")
    except FileRefused as exc:
        raise DatasetError(path, exc.reason) from None
    # As reading with newline="": universal newlines are the csv module's business.
    return text


def _read_rows(path: str, what: str) -> list[list[str]]:
    """The rows of a comma-separated table (header first); an empty file is an error."""
    rows = list(csv.reader(io.StringIO(_read_text(path, what))))
    if not rows:
        raise DatasetError(path, "empty file")
    return rows


def _data_rows(path: str, rows: Sequence[Sequence[str]], width: int):
    """``(line number, row)`` of a table's rows after its header: blank rows skipped,
    a row of fewer than `width` columns a one-line error naming the line."""
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < width:
            raise DatasetError(path, f"line {number}: {len(row)} columns, expected {width}")
        yield number, row


def _require_columns(path: str, header: Sequence[str], need: Sequence[str],
                     expected: str = "") -> dict[str, int]:
    """Positions of the `need`ed columns in `header`; a one-line error naming the
    missing ones (and, with `expected`, the layout expected)."""
    absent = [c for c in need if c not in header]
    if absent:
        raise DatasetError(path, f"bad header: no column {', '.join(absent)}"
                                 + (f" (expected {expected})" if expected else ""))
    return {c: list(header).index(c) for c in need}


def _require_dir(path: str, what: str) -> None:
    if not os.path.isdir(path):
        raise DatasetError(path, f"{what} folder not found" if not os.path.exists(path)
                           else f"{what}: expected a folder")


def _float(cell: str, path: str, line: int, column: str) -> float:
    try:
        v = float(str(cell).strip())
    except ValueError:
        raise DatasetError(path, f"line {line}: {column} {cell!r} is not a number") from None
    if not np.isfinite(v):
        raise DatasetError(path, f"line {line}: {column} is not finite")
    return v


def _keep_existing(paths: Sequence[str], source: str) -> tuple[np.ndarray, list[str]]:
    """Mask of existing files, and the missing ones; error if none exists."""
    ok = np.array([os.path.isfile(p) for p in paths], dtype=bool)
    missing = [p for p, k in zip(paths, ok) if not k]
    if len(paths) and not ok.any():
        raise DatasetError(source, f"none of the {len(paths)} listed media files exists "
                                   f"(first expected: {paths[0]})")
    return ok, missing


def _finish(kind, root, paths, points, labels, taxonomy, modality, extra, source) -> Dataset:
    """Drop items whose media file is missing; build the Dataset."""
    if not paths:
        raise DatasetError(source, "no items found")
    ok, missing = _keep_existing(paths, source)
    ds = Dataset(kind=kind, root=root, paths=list(paths),
                 points=np.asarray(points, dtype=np.float64).reshape(len(paths), 3),
                 labels=labels, taxonomy=taxonomy, modality=modality, extra=extra)
    if missing:
        ds = ds.subset(ok)
    ds.extra["missing"] = tuple(missing)
    return ds


def _check_options(kind: str, options: Mapping[str, str], allowed: Sequence[str]) -> None:
    unknown = set(options) - set(allowed)
    if unknown:
        raise ParameterError(f"{kind} datasets take no option {', '.join(sorted(unknown))}"
                             + (f" (options: {', '.join(allowed)})" if allowed else ""))
