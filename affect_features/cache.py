"""The feature cache of training: features of many files, extracted once.

:func:`cached_features` returns the features of a list of files as a
:class:`FeatureTable`, extracting only the files not already in an ``.npz`` cache (no
pickle) or changed since (size or modification time): training on a data set a second
time reads its features instead of decoding every photo and song again. The cache is
rewritten atomically after every chunk of files
(:func:`affect_features.output.atomic_write_bytes`), so an interrupted run keeps what
it did.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import AffectError, ParameterError, SchemaError
from .writing import atomic_write_bytes

__all__ = ["FeatureTable", "cached_features"]


@dataclass
class FeatureTable:
    """Features of a list of files, from :func:`cached_features`.

    Attributes
    ----------
    paths : list of str
        The paths asked for, in order.
    X : ndarray, shape (n, n_features)
        Their features; rows of failed files are NaN.
    ok : ndarray of bool, shape (n,)
        Which rows hold features.
    names : tuple of str
    schema : str
    failures : dict of str to str
        Failed path -> one-line reason.
    n_extracted : int
        How many files were extracted now (the rest came from the cache).
    """

    paths: list
    X: np.ndarray
    ok: np.ndarray
    names: tuple
    schema: str
    failures: dict
    n_extracted: int


_CACHE_KEYS = ("schema", "names", "keys", "sizes", "mtimes", "X")


def _read_cache(cache_path: str, schema: str, names):
    """Entries of a cache file: ``(names, {key: (size, mtime_ns, row)})``; empty if unusable."""
    try:
        with np.load(cache_path, allow_pickle=False) as z:
            if any(k not in z.files for k in _CACHE_KEYS):
                return None, {}
            if str(z["schema"]) != schema:
                return None, {}
            cached_names = tuple(str(n) for n in z["names"])
            keys, sizes, mtimes, X = z["keys"], z["sizes"], z["mtimes"], z["X"]
    except FileNotFoundError:
        return None, {}
    except Exception:  # noqa: BLE001 - a damaged cache is rebuilt, never trusted
        return None, {}
    if names is not None and tuple(names) != cached_names:
        return None, {}
    if X.ndim != 2 or X.shape != (len(keys), len(cached_names)) \
            or len(sizes) != len(keys) or len(mtimes) != len(keys):
        return None, {}
    return cached_names, {str(k): (int(s), int(m), X[i])
                          for i, (k, s, m) in enumerate(zip(keys, sizes, mtimes))}


def _write_cache(cache_path: str, schema: str, names, entries) -> None:
    keys = sorted(entries)
    X = (np.stack([entries[k][2] for k in keys]) if keys
         else np.zeros((0, len(names))))
    buf = io.BytesIO()
    np.savez(buf, schema=np.array(schema), names=np.array(list(names), dtype=str),
             keys=np.array(keys, dtype=str), sizes=np.array([entries[k][0] for k in keys],
                                                             dtype=np.int64),
             mtimes=np.array([entries[k][1] for k in keys], dtype=np.int64),
             X=np.asarray(X, dtype=np.float64))
    try:
        atomic_write_bytes(cache_path, buf.getvalue())
    except AffectError as exc:
        raise ParameterError(f"feature cache: {exc}") from None


def _result_vector(result, schema: str):
    """``(vector, names, failure_reason)`` of one extractor result."""
    from .features import FeatureVector

    if isinstance(result, FeatureVector):
        if result.schema != schema:
            raise SchemaError(f"extractor returned features of schema {result.schema}, "
                              f"expected {schema}")
        return np.asarray(result.vector, dtype=np.float64), tuple(result.names), None
    if result is None:
        return None, None, "no features"
    if isinstance(result, BaseException):
        return None, None, " ".join(str(result).split()) or type(result).__name__
    if hasattr(result, "reason") and not isinstance(result, np.ndarray):
        return None, None, str(result.reason)
    vec = np.asarray(result, dtype=np.float64)
    if vec.ndim != 1:
        return None, None, f"extractor returned an array of shape {vec.shape}"
    return vec, None, None


def cached_features(paths: Sequence[str], extract_fn: Callable, cache_path: str,
                    schema: str, *, names: Sequence[str] | None = None,
                    chunk_size: int | None = 256) -> FeatureTable:
    """Features of many files, extracting only those not already in a cache file.

    Parameters
    ----------
    paths : sequence of str
        Media files.
    extract_fn : callable
        ``extract_fn(list_of_paths)`` -> an iterable with, for each path in order,
        a FeatureVector, a 1-D array, or a failure (None, an exception, an object with
        a ``reason`` such as :class:`affect_features.batch.Failure`); or an iterable of
        ``(path, result)`` pairs (as :func:`affect_features.batch.map_files` yields).
        Only called with the paths that need extracting (never with an empty list).
    cache_path : str
        The ``.npz`` cache (created if absent; no pickle). An entry is keyed by the
        file's absolute path and is valid while the file's size and modification time
        (ns) are unchanged. The whole cache holds one schema: a cache of another schema
        (or other feature names) is ignored and replaced.
    schema : str
        Feature schema version of `extract_fn`'s output.
    names : sequence of str, optional
        Feature names, if `extract_fn` returns bare arrays (FeatureVectors carry theirs).
        Default: the names in the cache, else ``load_schema(schema)``.
    chunk_size : int or None, default 256
        Paths per `extract_fn` call; the cache is saved after every chunk, so an
        interrupted run keeps what it did. None: one call.

    Returns
    -------
    table : FeatureTable
        Failed files (not cached, retried next time) have ``ok`` False.

    Notes
    -----
    The cache is rewritten atomically (a temporary file then ``os.replace``), so a
    crash never leaves a half-written cache; entries of files not asked for this time
    are kept.
    """
    paths = [os.fspath(p) for p in paths]
    schema = str(schema)
    cache_path = os.fspath(cache_path)
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ParameterError(f"chunk_size must be a positive integer or None, got {chunk_size!r}")
    cached_names, entries = _read_cache(cache_path, schema,
                                        None if names is None else tuple(names))
    known_names = tuple(names) if names is not None else cached_names
    keys = [os.path.abspath(p) for p in paths]
    failed: dict[str, str] = {}  # absolute path -> reason
    stats: dict[str, tuple[int, int]] = {}
    for k in keys:
        try:
            st = os.stat(k)
            stats[k] = (int(st.st_size), int(st.st_mtime_ns))
        except OSError as exc:
            failed[k] = f"cannot read ({exc.strerror or exc})"
    todo, seen = [], set()
    for p, k in zip(paths, keys):
        if k in stats and k not in seen:
            seen.add(k)
            e = entries.get(k)
            if e is None or (e[0], e[1]) != stats[k]:
                todo.append(k)
    n_extracted = 0
    dirty = cached_names is None and os.path.exists(cache_path)
    step = len(todo) if chunk_size is None else chunk_size
    for begin in range(0, len(todo), max(step, 1)):
        chunk = todo[begin:begin + step]
        results = list(extract_fn(list(chunk)))
        if results and all(isinstance(r, tuple) and len(r) == 2 and isinstance(r[0], str)
                           for r in results):
            by_path = {os.path.abspath(p): r for p, r in results}
            results = [by_path.get(k) for k in chunk]
        if len(results) != len(chunk):
            raise ParameterError(f"extract_fn returned {len(results)} results for "
                                 f"{len(chunk)} paths")
        for k, result in zip(chunk, results):
            vec, vec_names, reason = _result_vector(result, schema)
            if reason is not None:
                failed[k] = reason
                continue
            if vec_names is not None:
                if known_names is not None and vec_names != known_names:
                    raise SchemaError(f"{k}: extractor returned other feature names than "
                                      f"the cache/declared ones for schema {schema}")
                known_names = vec_names
            if known_names is None:
                from .features import load_schema
                known_names = load_schema(schema)
            if vec.shape[0] != len(known_names):
                raise SchemaError(f"{k}: {vec.shape[0]} features, expected "
                                  f"{len(known_names)} for schema {schema}")
            entries[k] = (*stats[k], vec.copy())
            n_extracted += 1
        if n_extracted or dirty:
            _write_cache(cache_path, schema, known_names, entries)
            dirty = False
    if known_names is None:
        from .features import load_schema
        try:
            known_names = load_schema(schema)
        except SchemaError:
            known_names = ()
    X = np.full((len(paths), len(known_names)), np.nan)
    ok = np.zeros(len(paths), dtype=bool)
    failures: dict[str, str] = {}
    for i, (p, k) in enumerate(zip(paths, keys)):
        e = entries.get(k)
        if k in failed:
            failures[p] = failed[k]
        elif e is not None and (e[0], e[1]) == stats[k]:
            X[i] = e[2]
            ok[i] = True
    return FeatureTable(paths=paths, X=X, ok=ok, names=tuple(known_names), schema=schema,
                        failures=failures, n_extracted=n_extracted)
