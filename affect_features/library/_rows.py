"""Rows of the ``tracks`` table: what a caller gives is checked and encoded, what is
read back is checked before use.

Writing: :func:`_row_values` turns a row dict into the parameters of one upsert (a path
in its stored form, text as text, a point of three finite numbers in [-1, 1] or none,
descriptors as little-endian float32), refusing anything else with
:class:`~affect_features.errors.ParameterError`.

Reading: SQLite's column types are only affinities, and a library may come from
anywhere, so every value read is checked (:func:`_field_problem`,
:func:`_descriptor_problem`); a bad row is named by its path (:func:`_row_name`) in
:attr:`MusicLibrary.skipped` and left out, never fatal.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import numpy as np

from ..errors import ParameterError
from ._paths import _normalise_path, _printable, decode_path, encode_path

# Columns a caller may give to upsert_many, in table order.
_ROW_FIELDS = (
    "path", "size", "mtime_ns", "content_hash", "title", "artist", "album", "source_id",
    "label", "taxonomy", "descriptor_schema", "valence", "arousal", "dominance",
    "model_version", "error", "descriptors",
)
_ROW_FIELD_SET = frozenset(_ROW_FIELDS)
# Columns returned by tracks() (descriptors only on request).
_TRACK_FIELDS = (
    "id", "path", "size", "mtime_ns", "content_hash", "title", "artist", "album",
    "source_id", "label", "taxonomy", "descriptor_schema", "valence", "arousal",
    "dominance", "model_version", "added_at", "updated_at", "error",
)
# Columns fetched for a match (its point comes from the points in memory).
_MATCH_FIELDS = ("id", "path", "title", "artist", "album", "source_id", "label",
                 "taxonomy", "model_version")
_TEXT_FIELDS = ("content_hash", "title", "artist", "album", "source_id", "label",
                "taxonomy", "descriptor_schema", "model_version", "error")
_INT_FIELDS = frozenset({"id", "size", "mtime_ns"})
_REAL_FIELDS = frozenset({"valence", "arousal", "dominance", "added_at", "updated_at"})


# -- writing ---------------------------------------------------------------------------

def _encode_descriptors(value) -> bytes | None:
    if value is None:
        return None
    vec = getattr(value, "vector", value)  # a FeatureVector or an array
    arr = np.asarray(vec, dtype="<f4")
    if arr.ndim != 1:
        raise ParameterError(f"descriptors must be one-dimensional, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError("descriptors contain NaN or infinity")
    return arr.tobytes()


def _point_values(v, a, d) -> tuple:
    if v is None and a is None and d is None:
        return None, None, None
    if v is None or a is None or d is None:
        raise ParameterError("valence, arousal and dominance must be given together")
    try:
        v, a, d = float(v), float(a), float(d)
    except (TypeError, ValueError):
        raise ParameterError(
            f"valence, arousal and dominance must be numbers, got {(v, a, d)!r}") from None
    if not (math.isfinite(v) and math.isfinite(a) and math.isfinite(d)):
        raise ParameterError(f"the point must be finite, got {(v, a, d)!r}")
    if max(abs(v), abs(a), abs(d)) > 1.0:
        raise ParameterError(f"the point must lie in [-1, 1], got {(v, a, d)!r}")
    return v, a, d


def _row_values(row: dict, now: float) -> tuple:
    """One upsert parameter tuple (in :data:`_ROW_FIELDS` order) from a row dict."""
    if not row.keys() <= _ROW_FIELD_SET:
        unknown = sorted(set(row) - _ROW_FIELD_SET)
        raise ParameterError(
            f"unknown track field(s) {', '.join(unknown)}; "
            f"expected some of {', '.join(_ROW_FIELDS)}")
    get = row.get
    path = get("path")
    if path is not None:
        path = encode_path(_normalise_path(path))
    (content_hash_, title, artist, album, source_id, label, taxonomy, schema,
     model_version, error) = [None if (x := get(k)) is None else str(x)
                              for k in _TEXT_FIELDS]
    if path is None and source_id is None:
        raise ParameterError("a track needs a path or a source_id")
    size, mtime = get("size"), get("mtime_ns")
    return (
        path,
        None if size is None else int(size),
        None if mtime is None else int(mtime),
        content_hash_, title, artist, album, source_id, label, taxonomy, schema,
        *_point_values(get("valence"), get("arousal"), get("dominance")),
        model_version, error,
        _encode_descriptors(get("descriptors")),
        now,
        now,
    )


def _upsert_sql(conflict: str) -> str:
    cols = _ROW_FIELDS + ("added_at", "updated_at")
    updates = ", ".join(f"{c} = excluded.{c}" for c in _ROW_FIELDS + ("updated_at",))
    return (f"INSERT INTO tracks ({', '.join(cols)}) "
            f"VALUES ({', '.join('?' * len(cols))}) "
            f"ON CONFLICT{conflict} DO UPDATE SET {updates}")


_UPSERT_BY_PATH = _upsert_sql("(path)")
_UPSERT_BY_SOURCE = _upsert_sql("(source_id) WHERE path IS NULL")


def _clean_text(values: tuple) -> tuple:
    """`values` with every str made encodable as UTF-8 (lone surrogates -> U+FFFD)."""
    return tuple(
        v.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        if isinstance(v, str) else v for v in values)


def _chunks(iterable: Iterable, n: int) -> Iterator[list]:
    """Consecutive lists of `n` items of `iterable` (the last one shorter)."""
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# -- reading ---------------------------------------------------------------------------

def _decode_descriptors(blob: bytes | None) -> np.ndarray | None:
    if blob is None:
        return None
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


def _field_problem(track: dict) -> str | None:
    """Why a stored row's values are not of the types our schema declares, or None.

    SQLite's column types are only affinities: a library made elsewhere can hold text in
    a number column or a blob in a text column. Text columns must hold text (or NULL),
    integer columns integers, real columns finite numbers, ``descriptors`` a blob of
    float32 values.
    """
    for key, value in track.items():
        if value is None:
            continue
        if key in _INT_FIELDS:
            ok = isinstance(value, int)
        elif key in _REAL_FIELDS:
            ok = isinstance(value, (int, float)) and math.isfinite(value)
        elif key == "descriptors":
            ok = isinstance(value, bytes) and len(value) % 4 == 0
        else:
            ok = isinstance(value, str)
        if not ok:
            return f"stored {key} is not of its declared type"
    return None


def _value_text(value) -> str:
    """A stored value, short and printable, for a message."""
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return f"{value:.6g}"
    if isinstance(value, bytes):
        return f"a {len(value)}-byte blob"
    return repr(_printable(value[:20]))


def _descriptor_problem(blob) -> str | None:
    """Why stored descriptors cannot be read as finite float32 values, or None."""
    if not isinstance(blob, bytes) or not blob or len(blob) % 4:
        return "stored descriptors are not float32 values; track skipped"
    if not np.all(np.isfinite(np.frombuffer(blob, dtype="<f4"))):
        return "stored descriptors hold NaN or infinity; track skipped"
    return None


def _row_name(path, source_id, track_id) -> str:
    """How a stored row is named in a message: its path, else its source id, else id."""
    if isinstance(path, str):
        return _printable(decode_path(path))
    if isinstance(source_id, str):
        return f"song {_printable(source_id)}"
    return f"track {track_id}"


def _skip_row(conn, skipped: dict, track_id: int, problem: str) -> None:
    """Record in `skipped` (:attr:`MusicLibrary.skipped`) that a stored row was left
    out, by its path."""
    row = conn.execute("SELECT path, source_id FROM tracks WHERE id = ?",
                       (track_id,)).fetchone() or (None, None)
    skipped[int(track_id)] = f"{_row_name(row[0], row[1], track_id)}: {problem}"
