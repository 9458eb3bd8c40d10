"""Specs ``KIND:PATH?key=value`` and the registry of loaders behind :func:`load_dataset`."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl

from ..errors import ParameterError
from ._base import Dataset
from ._music import _load_4q, _load_audioset, _load_emotify
from ._photos import _load_abstract, _load_artphoto, _load_emotion6, _load_gaped
from ._table import _load_csv

_LOADERS: dict[str, Callable[[str, Mapping[str, str]], Dataset]] = {
    "emotion6": _load_emotion6,
    "gaped": _load_gaped,
    "4q": _load_4q,
    "emotify": _load_emotify,
    "artphoto": _load_artphoto,
    "abstract": _load_abstract,
    "audioset": _load_audioset,
    "csv": _load_csv,
}
#: The dataset kinds :func:`load_dataset` knows.
KINDS = tuple(_LOADERS)


def parse_spec(spec: str) -> tuple[str, str, dict[str, str]]:
    """Split ``KIND:PATH[?key=value&...]`` into ``(kind, absolute path, options)``."""
    if not isinstance(spec, str) or ":" not in spec:
        raise ParameterError(f"dataset spec must be KIND:PATH with KIND one of "
                             f"{', '.join(KINDS)}, got {spec!r}")
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    if kind not in _LOADERS:
        raise ParameterError(f"unknown dataset kind {kind!r}; expected one of "
                             f"{', '.join(KINDS)}")
    options: dict[str, str] = {}
    if "?" in rest:
        rest, _, query = rest.rpartition("?")
        try:
            options = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=True))
        except ValueError:
            raise ParameterError(f"bad options {query!r} in dataset spec {spec!r}; "
                                 f"use ?key=value&key=value") from None
    if not rest.strip():
        raise ParameterError(f"dataset spec {spec!r} has no path")
    return kind, os.path.abspath(os.path.expanduser(rest.strip())), options


def load_dataset(spec: str, **options) -> Dataset:
    """Read a declared training set.

    Parameters
    ----------
    spec : str
        ``KIND:PATH``, optionally with options ``?key=value&...``; KIND one of
        ``emotion6``, ``gaped``, ``4q``, ``artphoto``, ``abstract``, ``audioset``, ``csv`` (see
        :mod:`affect_features.datasets` for each layout).
    **options
        Options as keyword arguments (they override those of the spec), e.g.
        ``lexicon=`` for ``4q``, ``scale=``, ``taxonomy=``, ``modality=`` for ``csv``.

    Returns
    -------
    dataset : Dataset

    Raises
    ------
    ParameterError
        Bad spec or option; :class:`DatasetError` (a ParameterError) for a missing or
        malformed file, naming it.

    Examples
    --------
    >>> ds = load_dataset("emotion6:/data/emotion6")          # doctest: +SKIP
    >>> ds = load_dataset("csv:ratings.csv?scale=sam9")        # doctest: +SKIP
    """
    kind, path, parsed = parse_spec(spec)
    parsed.update({k: str(v) for k, v in options.items() if v is not None})
    ds = _LOADERS[kind](path, parsed)
    ds.extra.setdefault("spec", spec)
    return ds
