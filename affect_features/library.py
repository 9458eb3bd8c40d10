"""The music library: an SQLite catalogue of songs and their points in the emotion space.

A library is one SQLite file (stdlib :mod:`sqlite3`) holding, for every song, where it is
(path, size, modification time, a content fingerprint), what it is (title, artist, album,
a source id such as an AllMusic id, a label and its taxonomy), its audio descriptors
(float32, little-endian, with the descriptor schema version) and its predicted point
``(valence, arousal, dominance)`` with the version of the model that predicted it. A photo
is matched to the songs whose points are nearest to its own (:meth:`MusicLibrary.nearest`,
a k-d tree over all points, built once per open library).

Indexing a music folder is incremental and split into small steps, each tested on its own
and each usable by another driver (e.g. the batch engine of :mod:`affect_features.batch`):

1. :func:`scan` lists the audio files of folders (recursive, sorted, symlink loops safe);
2. :meth:`MusicLibrary.plan` compares them with the stored rows: which files are new or
   changed (``to_analyse``), which are not (``unchanged``), which rows lost their file
   (``vanished``);
3. :meth:`MusicLibrary.upsert_many` writes analysed rows, 500 per transaction;
4. :meth:`MusicLibrary.remove_paths` forgets vanished files;
5. :meth:`MusicLibrary.repredict` recomputes points from the stored descriptors when the
   model changes, without decoding any audio.

:meth:`MusicLibrary.index` chains them.

Consistency and concurrency
---------------------------
The database runs in WAL mode. Every write is one ``BEGIN IMMEDIATE ... COMMIT``
transaction, so a run that is interrupted (Ctrl-C, ``SIGKILL``, power loss) leaves the
library as it was after its last committed batch: every row is complete or absent. Writers
wait for each other (busy timeout, 60 s by default) instead of failing, and readers never
wait. A row written by another process is seen by an open library at its next query: the
cached points and k-d trees are dropped when ``PRAGMA data_version`` changes.

Loading a million points fast
-----------------------------
Reading 1M rows through :mod:`sqlite3` costs about a microsecond per row and value. So the
points are also kept as one packed snapshot row (``point_snapshot``: all ids as int64, all
points as float64), read with one query in about 0.1 s for 1M tracks. Triggers on
``tracks`` delete the snapshot whenever a point is inserted, changed or deleted (by this
module or by anyone else); the next :meth:`MusicLibrary.points` rebuilds it from a covering
index (one pass, about 1-2 s for 1M tracks), and :meth:`MusicLibrary.index` and
:meth:`MusicLibrary.repredict` do so when they finish, so that the next open is fast.

File identity
-------------
A file is unchanged when its size and ``mtime_ns`` are the stored ones. When they differ
but the size and the *content fingerprint* match, only the stored mtime is updated (a file
copied back from a backup, a ``touch``). The fingerprint (:func:`content_hash`) is BLAKE2b
of the size, the first MiB and the last MiB: a fast fingerprint that reads at most 2 MiB
per file, *not* a hash of the whole content; an edit confined to the middle of a large
file that keeps its size and mtime-independent ends would go unnoticed, and is accepted.

Paths are stored as absolute text. File names that are not valid UTF-8 (possible on
POSIX, where a name is bytes) are kept exactly: Python decodes them with
``surrogateescape``, and such a name is stored as ``fsbytes:`` followed by its
percent-encoded bytes (:func:`encode_path`, :func:`decode_path`); no absolute path starts
with ``fsbytes:``, so the two forms cannot collide.

Security: every SQL statement takes its values as parameters, paths are never given to a
shell, and a file that is not one of our libraries (not SQLite, another application's
database, a newer schema) is refused with :class:`~affect_features.errors.LibraryError`
before anything is written to it. Every library is treated as coming from anywhere
(there is no trusted mode): it must be a regular file; it is opened with
``trusted_schema = OFF``; its schema must hold exactly the objects this package creates
(:func:`schema_problem`: a planted trigger, view, table or index is refused, by name,
before any statement of ours could fire it, and checked again before each write if the
schema changed meanwhile); every read or write is bounded in time
(:data:`QUERY_TIME_LIMIT`); readers (``affect match``, ``affect library``) open it
read-only; every value read is checked (points: three numbers in [-1, 1]; text, integer
and blob columns: their types), a bad row being reported in
:attr:`MusicLibrary.skipped` by its path and left out, never fatal; and the packed
snapshot is used only if it agrees with the rows (:func:`_checked_snapshot`).
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache, partial
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ._version import __version__
from .errors import LibraryError, ModelError, ParameterError, SchemaError

__all__ = [
    "MusicLibrary",
    "Plan",
    "IndexReport",
    "Fingerprint",
    "SCHEMA_VERSION",
    "APPLICATION_ID",
    "BATCH_SIZE",
    "INDEX_BATCH_SIZE",
    "QUERY_TIME_LIMIT",
    "schema_problem",
    "default_library_path",
    "scan",
    "content_hash",
    "file_fingerprint",
    "encode_path",
    "decode_path",
    "read_tags",
    "load_catalogue",
    "default_catalogue",
    "matching_library",
    "library_description",
]

#: Version of the database layout, kept in ``PRAGMA user_version``.
SCHEMA_VERSION = 1
#: ``PRAGMA application_id`` of our libraries: the bytes ``b"AFML"`` (Affect Features
#: Music Library) read as a big-endian int, so that ``file(1)`` and we can tell our
#: databases from other SQLite files.
APPLICATION_ID = int.from_bytes(b"AFML", "big")
#: Rows per write transaction: large enough that commits cost little, small enough that
#: an interrupted run loses little and other writers wait little.
BATCH_SIZE = 500
#: Analysed tracks per write transaction of :meth:`MusicLibrary.index` (and at least one
#: commit a second): tracks arrive at tens per second, so a commit each few costs nothing
#: next to the analysis, and a run that is killed loses only the few not yet committed
#: besides those in flight.
INDEX_BATCH_SIZE = 8
#: Bytes read from each end of a file for its fingerprint.
HASH_CHUNK = 1 << 20
#: Taxonomy of the labels of catalogue rows (4Q quadrants are Russell quadrants).
CATALOGUE_TAXONOMY = "russell"

_FORMAT = "affect-features music library"
_ESCAPED_PREFIX = "fsbytes:"
# Characters left readable in an escaped non-UTF-8 path (besides letters, digits, _.-~).
_ESCAPE_SAFE = "/ !#$&'()+,;=@[]^`{}"
_MAX_CACHED_TREES = 4

# Columns a caller may give to upsert_many, in table order.
_ROW_FIELDS = (
    "path", "size", "mtime_ns", "content_hash", "title", "artist", "album", "source_id",
    "label", "taxonomy", "descriptor_schema", "valence", "arousal", "dominance",
    "model_version", "error", "descriptors",
)
# Columns returned by tracks() (descriptors only on request).
_TRACK_FIELDS = (
    "id", "path", "size", "mtime_ns", "content_hash", "title", "artist", "album",
    "source_id", "label", "taxonomy", "descriptor_schema", "valence", "arousal",
    "dominance", "model_version", "added_at", "updated_at", "error",
)

_SCHEMA_SQL = f"""
CREATE TABLE metadata (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE tracks (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused
    path              TEXT UNIQUE,         -- absolute; NULL for catalogue rows
    size              INTEGER CHECK (size IS NULL OR size >= 0),
    mtime_ns          INTEGER,
    content_hash      TEXT,                -- fast fingerprint, see content_hash()
    title             TEXT,
    artist            TEXT,
    album             TEXT,
    source_id         TEXT,                -- e.g. AllMusic id of a catalogue row
    label             TEXT,                -- e.g. a quadrant
    taxonomy          TEXT,                -- taxonomy of label
    descriptor_schema TEXT,
    valence           REAL,
    arousal           REAL,
    dominance         REAL,
    model_version     TEXT,                -- model that predicted the point
    added_at          REAL NOT NULL,       -- Unix time, seconds
    updated_at        REAL NOT NULL,
    error             TEXT,                -- why the file could not be analysed
    descriptors       BLOB,                -- float32 little-endian; last: rarely read
    CHECK (path IS NOT NULL OR source_id IS NOT NULL),
    CHECK ((valence IS NULL) = (arousal IS NULL)
           AND (valence IS NULL) = (dominance IS NULL)),
    CHECK (descriptors IS NULL OR length(descriptors) % 4 = 0)
);
CREATE UNIQUE INDEX tracks_source ON tracks(source_id) WHERE path IS NULL;
-- Covering index: all points are read without touching the (wide) table rows. Keyed by
-- id, so that new rows append to it instead of dirtying random pages.
CREATE INDEX tracks_point ON tracks(id, valence, arousal, dominance)
    WHERE valence IS NOT NULL;

CREATE TABLE point_snapshot (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    n      INTEGER NOT NULL,
    ids    BLOB NOT NULL,                  -- int64 little-endian, ascending
    points BLOB NOT NULL                   -- float64 little-endian, (n, 3) C order
);
CREATE TRIGGER tracks_insert_point AFTER INSERT ON tracks
    WHEN NEW.valence IS NOT NULL BEGIN DELETE FROM point_snapshot; END;
CREATE TRIGGER tracks_delete_point AFTER DELETE ON tracks
    WHEN OLD.valence IS NOT NULL BEGIN DELETE FROM point_snapshot; END;
CREATE TRIGGER tracks_update_point AFTER UPDATE OF valence, arousal, dominance ON tracks
    BEGIN DELETE FROM point_snapshot; END;

PRAGMA application_id = {APPLICATION_ID};
PRAGMA user_version = {SCHEMA_VERSION};
"""
_REQUIRED_TABLES = {"metadata", "tracks", "point_snapshot"}

#: Longest any one read or write of a library may run, in seconds
#: (:attr:`MusicLibrary.query_timeout`): far above what the package's own queries need
#: (rebuilding the snapshot of a million points takes about 2 s), so it only stops a
#: damaged or planted library from hanging a command.
QUERY_TIME_LIMIT = 60.0
#: Schema objects SQLite itself creates and owns (AUTOINCREMENT's counters, the
#: statistics of ``ANALYZE`` / ``PRAGMA optimize``, the indexes behind UNIQUE).
_SQLITE_OWN_TABLES = frozenset({"sqlite_sequence", "sqlite_stat1", "sqlite_stat4"})


def _normalised_sql(sql: str | None) -> str | None:
    """Schema SQL without comments and with whitespace collapsed, for comparison."""
    if sql is None:
        return None
    return " ".join(" ".join(line.split("--", 1)[0] for line in sql.splitlines()).split())


@lru_cache(maxsize=1)
def _expected_objects() -> dict[str, tuple[str, str, str | None]]:
    """``name -> (type, table, normalised SQL)`` of every schema object a library of
    :data:`SCHEMA_VERSION` holds, read from a library created in memory."""
    conn = sqlite3.connect(":memory:")
    try:
        for statement in _split_sql(_SCHEMA_SQL):
            conn.execute(statement)
        return {name: (kind, table, _normalised_sql(sql)) for kind, name, table, sql in
                conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
                if name not in _SQLITE_OWN_TABLES and not name.startswith("sqlite_auto")}
    finally:
        conn.close()


def schema_problem(conn: sqlite3.Connection) -> str | None:
    """Why the schema of an open library is not exactly the one this package creates,
    or None.

    Every object in ``sqlite_master`` must be one of ours with our definition (compared
    without comments and whitespace): a trigger, view, table or index that someone else
    planted would otherwise run or be read by our statements (a trigger on
    ``point_snapshot`` deleting tracks, a recursive query that never ends). Objects
    SQLite owns (``sqlite_sequence``, ``sqlite_stat*``, the automatic indexes of UNIQUE
    columns of our tables) are accepted.

    Returns
    -------
    reason : str or None
        One line naming the object, e.g. ``"holds a trigger 'evil' that affect-features
        did not create"``.
    """
    expected = _expected_objects()
    found = set()
    for kind, name, table, sql in conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid"):
        name, kind = str(name), str(kind)
        if name in _SQLITE_OWN_TABLES and kind == "table":
            continue
        if name.startswith("sqlite_autoindex_") and kind == "index" and sql is None \
                and table in ("tracks", "metadata"):
            continue
        want = expected.get(name)
        if want is None or want[0] != kind:
            return (f"holds a {kind} '{_printable(name)}' that affect-features did not "
                    f"create (refused: a library from elsewhere may carry code)")
        if (want[1], want[2]) != (table, _normalised_sql(sql)):
            return (f"the definition of {kind} '{_printable(name)}' differs from the "
                    f"affect-features schema (refused: damaged or altered library)")
        found.add(name)
    missing = sorted(set(expected) - found)
    if missing:
        kind = expected[missing[0]][0]
        return f"damaged library: missing {kind} {missing[0]!r}"
    return None


def _printable(text: str) -> str:
    """`text` with control characters (and lone surrogates) shown as escapes, so that a
    name or tag read from a file cannot move the cursor or recolour a terminal."""
    from .batch import printable_path

    return printable_path(str(text))


# --------------------------------------------------------------------------------------
# Pure helpers: paths, fingerprints, scanning
# --------------------------------------------------------------------------------------

def default_library_path() -> Path:
    """Where the library lives unless told otherwise.

    Returns
    -------
    path : pathlib.Path
        ``$AFFECT_LIBRARY`` if set, else ``library.sqlite`` in the per-user data folder
        of ``affect-features`` (:func:`platformdirs.user_data_dir`, e.g.
        ``~/.local/share/affect-features/library.sqlite`` on Linux).
    """
    env = os.environ.get("AFFECT_LIBRARY")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("affect-features")) / "library.sqlite"


def _normalise_path(path) -> str:
    """Absolute, normalised str form of a path (non-UTF-8 bytes kept as surrogates)."""
    return os.path.abspath(os.fsdecode(path))


def encode_path(path) -> str:
    """Text stored for a path: the path itself, or an escape of a non-UTF-8 name.

    Parameters
    ----------
    path : str, bytes or os.PathLike
        An absolute path.

    Returns
    -------
    text : str
        Valid UTF-8 text; :func:`decode_path` gives back the same path.

    Examples
    --------
    >>> encode_path("/music/café.mp3")
    '/music/café.mp3'
    >>> encode_path(b"/music/caf\\xe9.mp3")  # Latin-1 name on a UTF-8 system
    'fsbytes:/music/caf%E9.mp3'
    """
    text = os.fsdecode(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: undecodable bytes of the name
        return _ESCAPED_PREFIX + urllib.parse.quote_from_bytes(
            os.fsencode(text), safe=_ESCAPE_SAFE)
    return text


def decode_path(text: str) -> str:
    """Inverse of :func:`encode_path`: the path as Python's ``os`` functions take it."""
    if text.startswith(_ESCAPED_PREFIX):
        return os.fsdecode(urllib.parse.unquote_to_bytes(text[len(_ESCAPED_PREFIX):]))
    return text


class Fingerprint(NamedTuple):
    """What identifies a file's content cheaply: size, mtime and a fast hash."""

    size: int
    mtime_ns: int
    content_hash: str


def _hash_open_file(f, size: int) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(size.to_bytes(8, "little"))
    h.update(f.read(HASH_CHUNK))
    if size > HASH_CHUNK:
        # The last MiB, or what follows the first MiB of a file under 2 MiB.
        f.seek(max(HASH_CHUNK, size - HASH_CHUNK))
        h.update(f.read(HASH_CHUNK))
    return h.hexdigest()


def content_hash(path) -> str:
    """Fast content fingerprint of a file: BLAKE2b-128 of size, first and last MiB.

    It reads at most 2 MiB whatever the file size, so it is cheap next to decoding;
    it is not a hash of the whole content (see the module notes).

    Returns
    -------
    hex : str
        32 hexadecimal digits.
    """
    with open(path, "rb") as f:
        return _hash_open_file(f, os.fstat(f.fileno()).st_size)


def file_fingerprint(path) -> Fingerprint:
    """Size, ``mtime_ns`` and :func:`content_hash` of a file, from one open."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        return Fingerprint(st.st_size, st.st_mtime_ns, _hash_open_file(f, st.st_size))


def _as_path_list(paths) -> list:
    if isinstance(paths, (str, bytes, os.PathLike)):
        return [paths]
    return list(paths)


def scan(folders, *, extensions: Iterable[str] | None = None,
         follow_symlinks: bool = True, include_hidden: bool = False) -> list[str]:
    """List the audio files under folders, recursively.

    Parameters
    ----------
    folders : path or sequence of paths
        Folders to search, or files. A file named explicitly is kept whatever its suffix
        (a wrong suffix then gets a clear decoding error rather than silence).
    extensions : iterable of str
        Suffixes to collect from folders, case-insensitive (default: those of the
        audio decoder, :data:`affect_features.audio.decode.AUDIO_EXTENSIONS`, so that
        ``affect index`` and ``affect extract-audio`` collect the same files).
    follow_symlinks : bool
        Descend into symbolic links to folders. Each real folder is visited once
        (tracked by device and inode), so link loops end, by the first route in sorted
        walk order; a link to a file that is listed too is left out.
    include_hidden : bool
        Also collect names starting with ``.`` (by default skipped: e.g. the ``._song.mp3``
        resource forks macOS leaves on shared drives are not audio).

    Returns
    -------
    paths : list of str
        Absolute paths, sorted, without duplicates.

    Raises
    ------
    ParameterError
        If a path given does not exist.
    """
    if extensions is None:
        from .audio.decode import AUDIO_EXTENSIONS as extensions
    exts = {e.lower() if e.startswith(".") else "." + e.lower() for e in extensions}
    found: dict[str, str] = {}
    seen_dirs: set = set()

    def add(path: str) -> None:
        if not os.path.isfile(path):
            return  # a broken link, a FIFO, or a file removed while scanning
        # A linked file counts as its target, listed by the target's own path when that
        # is listed too; hard links stay separate files.
        if not os.path.islink(path):
            found[path] = path
        else:
            found.setdefault(os.path.realpath(path), path)

    for raw in _as_path_list(folders):
        root = _normalise_path(raw)
        if os.path.isdir(root):
            for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_symlinks):
                try:
                    st = os.stat(dirpath)
                except OSError:
                    dirnames[:] = []
                    continue
                # Some network and FUSE file systems report inode 0 for everything.
                key = (st.st_dev, st.st_ino) if st.st_ino else os.path.realpath(dirpath)
                if key in seen_dirs:  # a link loop or a folder reached twice
                    dirnames[:] = []
                    continue
                seen_dirs.add(key)
                dirnames[:] = sorted(d for d in dirnames
                                     if include_hidden or not d.startswith("."))
                for name in sorted(filenames):
                    if not include_hidden and name.startswith("."):
                        continue
                    if os.path.splitext(name)[1].lower() in exts:
                        add(os.path.join(dirpath, name))
        elif os.path.exists(root):
            add(root)
        else:
            raise ParameterError(f"{root}: no such file or directory")
    return sorted(found.values())


def _under(path: str, roots: Sequence[str]) -> bool:
    for root in roots:
        if path == root:
            return True
        prefix = root if root.endswith(os.sep) else root + os.sep
        if path.startswith(prefix):
            return True
    return False


def read_tags(path) -> dict[str, str]:
    """Title, artist and album tags of an audio file (those present and non-empty).

    The library's view of :func:`affect_features.audio.decode.read_tags`: only the
    three display fields, whitespace collapsed, and ``{}`` for a file whose tags cannot
    be read: tags are a convenience, never a reason to fail a file.
    """
    from .audio.decode import read_tags as decoder_tags

    try:
        tags = decoder_tags(path)
    except Exception:  # noqa: BLE001 - see docstring
        return {}
    out = {}
    for key in ("title", "artist", "album"):
        value = " ".join(str(tags.get(key) or "").split())
        if value:
            out[key] = value
    return out


# --------------------------------------------------------------------------------------
# Row encoding
# --------------------------------------------------------------------------------------

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


def _decode_descriptors(blob: bytes | None) -> np.ndarray | None:
    if blob is None:
        return None
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


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


_ROW_FIELD_SET = frozenset(_ROW_FIELDS)
# Columns fetched for a match (its point comes from the points in memory).
_MATCH_FIELDS = ("id", "path", "title", "artist", "album", "source_id", "label",
                 "taxonomy", "model_version")
_TEXT_FIELDS = ("content_hash", "title", "artist", "album", "source_id", "label",
                "taxonomy", "descriptor_schema", "model_version", "error")


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
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _check_points(points, n: int) -> np.ndarray:
    try:
        arr = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelError("the predictor returned something that is not numbers") from None
    if arr.shape != (n, 3):
        raise ModelError(f"the predictor returned shape {arr.shape}, expected ({n}, 3)")
    if not np.all(np.isfinite(arr)):
        raise ModelError("the predictor returned NaN or infinity")
    return arr


# --------------------------------------------------------------------------------------
# Indexing results
# --------------------------------------------------------------------------------------

class Plan(NamedTuple):
    """What an incremental index has to do (see :meth:`MusicLibrary.plan`)."""

    to_analyse: list[str]
    unchanged: list[str]
    vanished: list[str]


@dataclass
class IndexReport:
    """What :meth:`MusicLibrary.index` did.

    Every file of the run is counted once: ``added`` (new, analysed), ``updated``
    (changed, analysed again), ``unchanged`` (nothing to do) or ``failures`` (this
    run's analysis failed; the row keeps the reason). ``failed_before`` counts the
    unchanged files whose stored row is a failure of an earlier run, not retried
    (``retry_errors``); ``removed`` counts rows of vanished files.
    """

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failures: list = field(default_factory=list)  # batch.Failure (path, reason)
    failed_before: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    def __str__(self) -> str:
        before = (f" ({self.failed_before} of them failed before, not retried)"
                  if self.failed_before else "")
        return (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
                f"{before}, {self.removed} removed, {len(self.failures)} failed "
                f"in {self.seconds:.1f} s" + (" (interrupted)" if self.interrupted else ""))


@dataclass(frozen=True)
class _Analysed:
    """What a worker sends back for one file (picklable)."""

    fingerprint: Fingerprint
    tags: dict
    descriptors: np.ndarray | None
    schema: str | None
    error: str | None


def _analyse_file(path: str, analyse: Callable, tags: Callable | None) -> _Analysed:
    """Worker: fingerprint first (what is analysed is what is recorded), then analyse.

    An analysis failure is returned as the row's error; only a file that cannot even
    be opened raises (and is then not recorded).
    """
    from .batch import _format_exception

    fp = file_fingerprint(path)
    meta = tags(path) if tags is not None else {}
    try:
        result = analyse(path)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - one file's failure
        return _Analysed(fp, meta, None, None, _format_exception(exc))
    if isinstance(result, tuple) and len(result) == 2:
        vector, schema = result
    else:
        vector, schema = getattr(result, "vector", result), getattr(result, "schema", None)
    vec = np.asarray(vector, dtype=np.float32).ravel()
    return _Analysed(fp, meta, vec, schema, None)


# --------------------------------------------------------------------------------------
# The library
# --------------------------------------------------------------------------------------

class MusicLibrary:
    """An SQLite catalogue of songs with their points in the emotion space.

    Parameters
    ----------
    path : str or os.PathLike, optional
        The database file; ``":memory:"`` for a temporary in-memory library. Default:
        :func:`default_library_path` (its folder is created if needed).
    create : bool
        Create the library if the file does not exist (default). If false, a missing
        file is a :class:`LibraryError`.
    readonly : bool
        Open for queries only (no file is created or changed).
    timeout : float
        Seconds a write waits for another process's write to finish before failing.

    Attributes
    ----------
    skipped : dict of int to str
        Stored rows left out because their values are not what the schema declares
        (a point that is not 3 numbers in [-1, 1], text where a number belongs,
        unreadable descriptors): track id to a one-line message naming the row by its
        path. Filled as rows are read; the CLI reports them.

    Raises
    ------
    LibraryError
        If the file is not an affect-features library (not SQLite, another
        application's database, a newer schema), or cannot be opened.

    Notes
    -----
    One instance may be shared by threads (an internal lock serialises its use of the
    connection). Each process should open its own instance.

    Examples
    --------
    >>> with MusicLibrary(":memory:") as lib:
    ...     _ = lib.upsert_many([{"source_id": "a", "title": "Happy",
    ...                           "valence": 0.8, "arousal": 0.5, "dominance": 0.2}])
    ...     [t["title"] for t in lib.nearest((0.7, 0.4, 0.0), k=1)]
    ['Happy']
    """

    #: Longest any one statement may run, in seconds (see :data:`QUERY_TIME_LIMIT`).
    query_timeout: float = QUERY_TIME_LIMIT

    def __init__(self, path=None, *, create: bool = True, readonly: bool = False,
                 timeout: float = 60.0):
        if path is None:
            path = default_library_path()
            if create and not readonly:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise LibraryError(f"{path.parent}: cannot create folder "
                                       f"({exc.strerror or exc})") from None
        self._memory = os.fspath(path) == ":memory:"
        self.path = ":memory:" if self._memory else os.path.abspath(os.fspath(path))
        self.readonly = bool(readonly)
        self._timeout = float(timeout)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._generation = 0  # bumped by each of our commits
        self._cache_key = None
        self._points_cache: tuple[np.ndarray, np.ndarray] | None = None
        self._trees: dict[tuple, Any] = {}
        self._conn = self._open(create)

    # -- opening ----------------------------------------------------------------------

    def _fail(self, what: str, exc: BaseException | None = None) -> LibraryError:
        detail = f" ({' '.join(str(exc).split())})" if exc is not None else ""
        return LibraryError(f"{self.path}: {what}{detail}")

    def _open(self, create: bool) -> sqlite3.Connection:
        self.skipped: dict[int, str] = {}
        if self._memory:
            if self.readonly:
                raise LibraryError(":memory: library cannot be read-only")
            conn = sqlite3.connect(":memory:", isolation_level=None,
                                   check_same_thread=False)
            self._harden(conn)
            conn.executescript("BEGIN;" + _SCHEMA_SQL + "COMMIT;")
            self._schema_version = conn.execute("PRAGMA schema_version").fetchone()[0]
            self._conn = conn
            self._set_metadata_now({"format": _FORMAT, "created_by": __version__,
                                    "created_at": repr(time.time())})
            return conn
        p = self.path
        exists = os.path.exists(p)
        if not exists and (not create or self.readonly):
            raise self._fail("no such library")
        if exists:
            # A FIFO would block sqlite's open forever, a device is no database.
            from .files import check_regular_file
            check_regular_file(p, "library", error=LibraryError)
        try:
            if self.readonly:
                uri = Path(p).as_uri() + "?mode=ro"
                conn = sqlite3.connect(uri, uri=True, timeout=self._timeout,
                                       isolation_level=None, check_same_thread=False)
            else:
                conn = sqlite3.connect(p, timeout=self._timeout, isolation_level=None,
                                       check_same_thread=False)
        except sqlite3.Error as exc:
            raise self._fail("cannot open", exc) from None
        try:
            self._harden(conn)
            self._check_or_create(conn)
            self._configure(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _header(self, conn) -> tuple[int, int, set[str]]:
        # One read transaction, so that the three values come from one state of the
        # file: read one by one, a library that another process is creating right now
        # could show its tables but not yet its application id, and be refused.
        try:
            conn.execute("BEGIN")
            try:
                app_id = conn.execute("PRAGMA application_id").fetchone()[0]
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                tables = {r[0] for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")}
            finally:
                conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise self._fail("not an SQLite database", exc) from None
        return app_id, version, tables

    def _check_or_create(self, conn) -> None:
        app_id, version, tables = self._header(conn)
        if app_id == 0 and version == 0 and not tables:
            if self.readonly:
                raise self._fail("is an empty database, not a library")
            self._create_schema(conn)
            app_id, version, tables = self._header(conn)
        if app_id != APPLICATION_ID:
            raise self._fail("not an affect-features music library "
                             f"(application_id {app_id}, expected {APPLICATION_ID})")
        if version > SCHEMA_VERSION:
            raise self._fail(f"library schema {version} is newer than this "
                             f"affect-features ({SCHEMA_VERSION}); upgrade the package")
        if version < SCHEMA_VERSION:
            raise self._fail(f"library schema {version} is not supported "
                             f"(expected {SCHEMA_VERSION})")
        missing = _REQUIRED_TABLES - tables
        if missing:
            raise self._fail(
                f"damaged library: missing table(s) {', '.join(sorted(missing))}")
        try:
            fmt = conn.execute("SELECT value FROM metadata WHERE key = 'format'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise self._fail("damaged library", exc) from None
        if fmt is None or fmt[0] != _FORMAT:
            raise self._fail("not an affect-features music library (metadata format)")
        self._check_schema_objects(conn)

    def _harden(self, conn) -> None:
        """SQLite's defences for a file from anywhere, before its schema is read.

        ``trusted_schema = OFF`` (functions with side effects and virtual tables may not
        be used from the schema), ``cell_size_check`` (a damaged page is an error, not a
        crash), and a bound on the time of every read or write: each one notes when it
        starts (:meth:`_read`, :meth:`_write`, :meth:`_sql`) and a progress handler,
        called every 20,000 SQLite instructions, aborts it after :attr:`query_timeout`
        seconds. (A trace callback marking each statement would be finer, but costs
        sqlite3 an expanded copy of every statement: 3 to 4 times slower inserts.) The
        handler is Python code, so a signal (Ctrl-C, SIGTERM) is handled inside a long
        query too (see :meth:`_sql_error`).
        """
        clock = {"start": time.monotonic(), "expired": False}
        limit = float(self.query_timeout)

        def progress() -> int:
            if time.monotonic() - clock["start"] > limit:
                clock["expired"] = True
                return 1
            return 0

        self._clock = clock
        try:
            conn.execute("PRAGMA trusted_schema = OFF")
            conn.execute("PRAGMA cell_size_check = ON")
        except sqlite3.Error as exc:
            raise self._fail("cannot open", exc) from None
        conn.set_progress_handler(progress, 20_000)

    def _tick(self) -> None:
        """A read or write starts: its time is counted from now (see :meth:`_harden`)."""
        self._clock["start"] = time.monotonic()

    def _check_schema_objects(self, conn) -> None:
        """Refuse a schema holding objects we did not create (see :func:`schema_problem`)."""
        try:
            conn.execute("BEGIN")
            try:
                problem = schema_problem(conn)
                self._schema_version = conn.execute("PRAGMA schema_version").fetchone()[0]
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._sql_error("cannot read the schema", exc) from None
        if problem is not None:
            raise self._fail(problem)

    def _sql_error(self, what: str, exc: sqlite3.Error) -> BaseException:
        """The exception to raise for an SQLite error: :class:`LibraryError` naming the
        file, or :class:`KeyboardInterrupt` when the statement was aborted because a
        signal arrived while it ran (the progress handler then raised, and sqlite3
        reports only "interrupted")."""
        if isinstance(exc, sqlite3.OperationalError) and "interrupt" in str(exc):
            if self._clock.get("expired"):
                self._clock["expired"] = False
                return self._fail(f"a query ran longer than {self.query_timeout:g} s "
                                  f"(damaged or planted library?)")
            return KeyboardInterrupt()
        return self._fail(what, exc)

    @contextmanager
    def _sql(self, what: str):
        """Run a block of queries with SQLite errors as :meth:`_sql_error`."""
        self._tick()
        try:
            yield
        except sqlite3.Error as exc:
            raise self._sql_error(what, exc) from None

    def _create_schema(self, conn) -> None:
        try:
            # WAL first, on the still empty file: it must be set outside a transaction.
            self._set_wal(conn)
            conn.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have created it while we waited for the lock.
                if conn.execute("PRAGMA user_version").fetchone()[0] == 0 and not \
                        conn.execute("SELECT 1 FROM sqlite_master").fetchone():
                    for statement in _split_sql(_SCHEMA_SQL):
                        conn.execute(statement)
                    now = repr(time.time())
                    conn.executemany(
                        "INSERT INTO metadata (key, value) VALUES (?, ?)",
                        [("format", _FORMAT), ("created_by", __version__),
                         ("created_at", now)])
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._fail("cannot create library", exc) from None

    def _set_wal(self, conn) -> None:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode.lower() == "wal":
            return
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                conn.execute("PRAGMA journal_mode = WAL").fetchone()
                return
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _configure(self, conn) -> None:
        try:
            if not self.readonly:
                self._set_wal(conn)
            # NORMAL is safe in WAL mode: a crash may lose the last commits, never
            # consistency; a killed process loses nothing that was committed.
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: index B-trees stay hot
            # Checkpoint the WAL every ~40 MB rather than 4 MB: pages written by several
            # batches in a row are copied into the database once.
            conn.execute("PRAGMA wal_autocheckpoint = 10000")
        except sqlite3.Error as exc:
            raise self._fail("cannot configure library", exc) from None

    # -- plumbing ---------------------------------------------------------------------

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise LibraryError(f"{self.path}: library is closed")
        return self._conn

    @contextmanager
    def _write(self):
        """One write transaction: BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error)."""
        if self.readonly:
            raise LibraryError(f"{self.path}: library is open read-only")
        with self._lock:
            conn = self._db
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise self._fail(f"cannot write (waited {self._timeout:g} s)",
                                 exc) from None
            self._tick()
            try:
                self._recheck_schema(conn)
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise self._sql_error("write failed", exc) from None
                raise
            finally:
                self._generation += 1

    @contextmanager
    def _read(self):
        """A read transaction: all queries inside see one state of the database."""
        with self._lock:
            conn = self._db
            conn.execute("BEGIN")
            self._tick()
            try:
                yield conn
            except sqlite3.Error as exc:
                raise self._sql_error("read failed", exc) from None
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def _recheck_schema(self, conn) -> None:
        """Inside a write transaction: if another process changed the schema since we
        checked it (``PRAGMA schema_version``), check it again before writing, so that a
        trigger planted while the library was open never runs."""
        version = conn.execute("PRAGMA schema_version").fetchone()[0]
        if version != self._schema_version:
            problem = schema_problem(conn)
            if problem is not None:
                raise self._fail(problem)
            self._schema_version = version

    def _data_version(self) -> int:
        return self._db.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        """Close the database (idempotent). Queries afterwards raise LibraryError."""
        with self._lock:
            if self._conn is None:
                return
            try:
                if not self.readonly and not self._memory:
                    self._conn.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
            self._conn.close()
            self._conn = None
            self._drop_caches()

    def __enter__(self) -> "MusicLibrary":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else f"{len(self)} tracks"
        return f"MusicLibrary({self.path!r}, {state})"

    def __len__(self) -> int:
        with self._lock, self._sql("read failed"):
            return self._db.execute("SELECT count(*) FROM tracks").fetchone()[0]

    # -- metadata ---------------------------------------------------------------------

    @property
    def metadata(self) -> dict[str, str]:
        """The library's metadata: ``format``, ``created_by``, ``created_at``,
        ``feature_schema`` and ``model_version`` (the latter two once known)."""
        with self._lock, self._sql("read failed"):
            return dict(self._db.execute("SELECT key, value FROM metadata WHERE "
                                         "typeof(key) = 'text' AND typeof(value) = 'text'"))

    def set_metadata(self, **items) -> None:
        """Set metadata entries (values stored as text)."""
        with self._write():
            self._set_metadata_in(items)

    def _set_metadata_in(self, items: dict) -> None:
        self._db.executemany(
            "INSERT INTO metadata (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [(str(k), str(v)) for k, v in items.items() if v is not None])

    def _set_metadata_now(self, items: dict) -> None:
        with self._write():
            self._set_metadata_in(items)

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``"ok"`` or the problems found."""
        with self._lock, self._sql("integrity check failed"):
            rows = self._db.execute("PRAGMA integrity_check").fetchall()
        return "\n".join(r[0] for r in rows)

    # -- incremental indexing steps ------------------------------------------------------

    def plan(self, paths, *, roots=None, retry_errors: bool = False,
             update: bool = True) -> Plan:
        """Compare files on disk with the stored rows.

        Parameters
        ----------
        paths : sequence of path
            The files that exist now (typically :func:`scan` of the indexed folders).
        roots : sequence of path, optional
            The folders (or files) `paths` were listed from. A stored row is
            ``vanished`` if it lies under a root and is not in `paths`. Default: the
            whole library, i.e. `paths` is taken as the complete list of files.
        retry_errors : bool
            Analyse again unchanged files whose analysis failed before.
        update : bool
            Store the new mtime of files whose mtime changed but whose content
            fingerprint did not (one transaction).

        Returns
        -------
        plan : Plan
            ``to_analyse``: new files, changed files (size, or mtime and fingerprint),
            files with no stored analysis; ``unchanged``: nothing to do;
            ``vanished``: stored rows whose file is gone. Each sorted.
        """
        wanted = sorted({_normalise_path(p) for p in _as_path_list(paths)})
        with self._lock, self._sql("read failed"):
            # A path that is not text (a library made elsewhere) names no file of ours.
            stored = {
                decode_path(path): row for path, *row in self._db.execute(
                    "SELECT path, id, size, mtime_ns, content_hash, error, "
                    "descriptors IS NOT NULL FROM tracks WHERE typeof(path) = 'text'")
            }
        to_analyse, unchanged, vanished, touched = [], [], [], []
        for p in wanted:
            row = stored.get(p)
            try:
                st = os.stat(p)
            except FileNotFoundError:
                if row is not None:
                    vanished.append(p)
                continue
            except OSError:
                to_analyse.append(p)  # analysis will record why it cannot be read
                continue
            if row is None:
                to_analyse.append(p)
                continue
            track_id, size, mtime_ns, chash, error, has_descriptors = row
            if (error is not None and retry_errors) or (error is None
                                                        and not has_descriptors):
                to_analyse.append(p)  # failed before, or never analysed
            elif (st.st_size, st.st_mtime_ns) == (size, mtime_ns):
                unchanged.append(p)
            elif st.st_size == size and chash is not None and _same_hash(p, chash):
                touched.append((st.st_mtime_ns, time.time(), track_id))
                unchanged.append(p)
            else:
                to_analyse.append(p)
        if roots is None:
            root_list = None
        else:
            root_list = [_normalise_path(r) for r in _as_path_list(roots)]
        wanted_set = set(wanted)
        vanished.extend(p for p in stored if p not in wanted_set
                        and (root_list is None or _under(p, root_list)))
        if touched and update and not self.readonly:
            with self._write() as conn:
                conn.executemany(
                    "UPDATE tracks SET mtime_ns = ?, updated_at = ? WHERE id = ?", touched)
        return Plan(sorted(to_analyse), sorted(unchanged), sorted(set(vanished)))

    def upsert_many(self, rows: Iterable[dict], *, batch_size: int = BATCH_SIZE) -> int:
        """Insert or replace tracks, `batch_size` rows per transaction.

        Parameters
        ----------
        rows : iterable of dict
            Keys among ``path, size, mtime_ns, content_hash, title, artist, album,
            source_id, label, taxonomy, descriptor_schema, valence, arousal, dominance,
            model_version, error, descriptors`` (an array or a FeatureVector, stored as
            float32). A row is identified by its ``path``, or, for rows without a path
            (catalogue rows), by its ``source_id``. An existing row is replaced in full
            (a key left out becomes NULL) but keeps its ``id`` and ``added_at``. The
            three coordinates are given together or not at all. May be a generator: it
            is consumed batch by batch.
        batch_size : int
            Rows per transaction. A batch is written completely or not at all.

        Returns
        -------
        n : int
            Rows written.
        """
        if batch_size < 1:
            raise ParameterError(f"batch_size must be at least 1, got {batch_size}")
        n = 0
        for chunk in _chunks(rows, batch_size):
            now = time.time()
            by_path, by_source = [], []
            for row in chunk:
                values = _row_values(row, now)
                (by_path if values[0] is not None else by_source).append(values)
            try:
                self._write_rows(by_path, by_source)
            except UnicodeEncodeError:
                # Text with lone surrogates (e.g. a title made from a non-UTF-8 file
                # name): SQLite text must be UTF-8, so those characters become U+FFFD.
                self._write_rows([_clean_text(v) for v in by_path],
                                 [_clean_text(v) for v in by_source])
            n += len(chunk)
        return n

    def _write_rows(self, by_path: list[tuple], by_source: list[tuple]) -> None:
        with self._write() as conn:
            if by_path:
                conn.executemany(_UPSERT_BY_PATH, by_path)
            if by_source:
                conn.executemany(_UPSERT_BY_SOURCE, by_source)

    def remove_paths(self, paths, *, batch_size: int = BATCH_SIZE) -> int:
        """Delete the tracks of these files. Returns the number of rows deleted."""
        keys = [(encode_path(_normalise_path(p)),) for p in _as_path_list(paths)]
        removed = 0
        for chunk in _chunks(keys, batch_size):
            with self._write() as conn:
                # rowcount, not total_changes: the latter counts the triggers' work too.
                removed += conn.executemany("DELETE FROM tracks WHERE path = ?",
                                            chunk).rowcount
        return removed

    def repredict(self, predict_fn: Callable[[np.ndarray], np.ndarray],
                  model_version: str, *, descriptor_schema: str | None = None,
                  batch_size: int = BATCH_SIZE) -> int:
        """Recompute points from stored descriptors, where the model version differs.

        No audio is decoded. Rows are read, predicted and written `batch_size` at a
        time, each batch in one transaction (so an interruption leaves every row either
        with its old point and model version, or with the new ones).

        Parameters
        ----------
        predict_fn : callable
            ``predict_fn(X)`` with ``X`` float32 of shape ``(n, n_descriptors)`` returns
            the points, shape ``(n, 3)``. Called once per batch and descriptor length.
        model_version : str
            Stored with every new point; rows already at this version are skipped.
        descriptor_schema : str, optional
            Only rows whose descriptors have this schema (rows of another schema cannot
            be read by the model: they need analysing again).

        Returns
        -------
        n : int
            Rows whose point was recomputed.
        """
        model_version = str(model_version)
        sql = ("SELECT id, descriptors FROM tracks WHERE id > ? "
               "AND descriptors IS NOT NULL "
               "AND (model_version IS NULL OR model_version != ?)")
        args: tuple = (model_version,)
        if descriptor_schema is not None:
            sql += " AND descriptor_schema = ?"
            args += (str(descriptor_schema),)
        sql += " ORDER BY id LIMIT ?"
        last_id, n = 0, 0
        while True:
            with self._write() as conn:
                rows = conn.execute(sql, (last_id, *args, batch_size)).fetchall()
                if not rows:
                    self._set_metadata_in({"model_version": model_version})
                    break
                groups: dict[int, list] = {}
                for track_id, blob in rows:
                    problem = _descriptor_problem(blob)
                    if problem is not None:
                        self._skip_row(conn, track_id, problem)
                        continue
                    groups.setdefault(len(blob), []).append((track_id, blob))
                now = time.time()
                updates = []
                for members in groups.values():
                    X = np.frombuffer(b"".join(b for _, b in members), dtype="<f4")
                    X = X.reshape(len(members), -1).astype(np.float32)
                    try:
                        P = predict_fn(X)
                    except (SchemaError, ParameterError) as exc:
                        # Descriptors this model cannot read (another schema's length):
                        # those rows keep their point, reported; the others go on.
                        for track_id, _ in members:
                            self._skip_row(conn, track_id, f"stored descriptors cannot "
                                           f"be re-predicted ({exc})")
                        continue
                    P = _check_points(P, len(members))
                    updates.extend((*map(float, p), model_version, now, track_id)
                                   for (track_id, _), p in zip(members, P))
                conn.executemany(
                    "UPDATE tracks SET valence = ?, arousal = ?, dominance = ?, "
                    "model_version = ?, updated_at = ? WHERE id = ?", updates)
            last_id = rows[-1][0]
            n += len(rows)
        if n:
            self.points()  # rebuild the points snapshot once, now, not at first match
        return n

    def index(self, paths_or_folders, *, analyse: Callable, predict: Callable | None = None,
              model_version: str | None = None, extensions=None,
              jobs: int = 1, progress: bool | None = False,
              tags: Callable | None = read_tags,
              retry_errors: bool = False, remove_vanished: bool = True,
              batch_size: int = INDEX_BATCH_SIZE, flush_seconds: float = 1.0,
              scheduler=None) -> IndexReport:
        """Bring the library up to date with files and folders.

        :func:`scan`, :meth:`plan`, :meth:`remove_paths` of vanished files, then the
        files to analyse through :func:`affect_features.batch.map_files` (worker
        processes), their points predicted batch by batch and written with
        :meth:`upsert_many`. Written at least every `batch_size` files
        (:data:`INDEX_BATCH_SIZE`) or `flush_seconds`, so an interruption or a killed
        run loses little; a re-run resumes.

        Parameters
        ----------
        paths_or_folders : path or sequence of paths
        analyse : callable
            ``analyse(path)`` returns the descriptors: a FeatureVector, or a pair
            ``(vector, schema)``. Must be picklable when ``jobs != 1`` (a module-level
            function or a :func:`functools.partial` of one). Its exceptions become the
            row's ``error``.
        predict : callable, optional
            ``predict(X)``: points ``(n, 3)`` of descriptors ``(n, d)``. Without it,
            descriptors are stored and points are left for :meth:`repredict`.
        model_version : str, optional
            Version of `predict`, stored with each point and in the metadata.
        extensions : iterable of str
            Suffixes collected from folders.
        jobs : int
            Worker processes (1: in this process; 0 or -1: all cores).
        scheduler : str or Dask cluster, optional
            Analyse on a Dask distributed cluster (see :func:`batch.map_files`).
        progress : bool or None
            Progress bar on stderr (None: when stderr is a terminal).
        tags : callable or None
            ``tags(path)`` -> dict with title/artist/album (default :func:`read_tags`);
            the title falls back to the file name.
        retry_errors : bool
            Analyse again files that failed before, though unchanged.
        remove_vanished : bool
            Delete rows of files under the given folders that no longer exist.

        Returns
        -------
        report : IndexReport
        """
        from .batch import Failure, Progress, map_files

        t0 = time.perf_counter()
        report = IndexReport()
        inputs = _as_path_list(paths_or_folders)
        files = scan(inputs, extensions=extensions)
        todo, unchanged, vanished = self.plan(files, roots=inputs,
                                              retry_errors=retry_errors)
        report.unchanged = len(unchanged)
        report.failed_before = self._count_failed(unchanged)
        if remove_vanished and vanished:
            report.removed = self.remove_paths(vanished)
        with self._lock, self._sql("read failed"):
            known = {p for p in todo if self._db.execute(
                "SELECT 1 FROM tracks WHERE path = ?", (encode_path(p),)).fetchone()}
        pending: list[tuple[str, _Analysed]] = []
        schemas: set = set()
        last_flush = time.monotonic()

        def flush() -> None:
            nonlocal last_flush
            rows = self._analysed_rows(pending, predict, model_version)
            self.upsert_many(rows, batch_size=max(batch_size, len(rows)))
            for path, res in pending:
                if res.error is not None:
                    continue  # counted in report.failures
                if path in known:
                    report.updated += 1
                else:
                    report.added += 1
            pending.clear()
            last_flush = time.monotonic()

        bar = Progress(len(todo), label="library ", enabled=progress)
        worker = partial(_analyse_file, analyse=analyse, tags=tags)
        try:
            for path, result in map_files(worker, todo, n_jobs=jobs, progress=bar,
                                          scheduler=scheduler):
                if isinstance(result, Failure):
                    report.failures.append(result)
                    continue
                if result.error is not None:
                    report.failures.append(Failure(path, result.error))
                else:
                    schemas.add(result.schema)
                pending.append((path, result))
                if (len(pending) >= batch_size
                        or time.monotonic() - last_flush >= flush_seconds):
                    flush()
            flush()
        except KeyboardInterrupt:
            report.interrupted = True
            flush()  # keep what was analysed; a second Ctrl-C stops this too
        finally:
            bar.close()
        meta = {}
        if model_version is not None and predict is not None:
            meta["model_version"] = model_version
        if len(schemas - {None}) == 1:
            meta["feature_schema"] = next(iter(schemas - {None}))
        if meta:
            self.set_metadata(**meta)
        if not report.interrupted:
            self.points()  # rebuild the points snapshot once, now, not at first match
        report.seconds = time.perf_counter() - t0
        return report

    def _count_failed(self, paths) -> int:
        """How many of these files have a stored row whose analysis failed."""
        n = 0
        with self._lock:
            for chunk in _chunks((encode_path(p) for p in paths), BATCH_SIZE):
                n += self._db.execute(
                    f"SELECT count(*) FROM tracks WHERE error IS NOT NULL AND path IN "
                    f"({', '.join('?' * len(chunk))})", chunk).fetchone()[0]
        return n

    @staticmethod
    def _analysed_rows(pending, predict, model_version) -> list[dict]:
        rows = []
        for path, res in pending:
            fp = res.fingerprint
            rows.append({
                "path": path, "size": fp.size, "mtime_ns": fp.mtime_ns,
                "content_hash": fp.content_hash,
                "title": (res.tags.get("title")
                          or os.path.splitext(os.path.basename(path))[0]),
                "artist": res.tags.get("artist"), "album": res.tags.get("album"),
                "descriptors": res.descriptors, "descriptor_schema": res.schema,
                "error": res.error,
            })
        if predict is not None:
            groups: dict[tuple, list[dict]] = {}
            for row in rows:
                if row["descriptors"] is not None:
                    key = (row["descriptor_schema"], row["descriptors"].shape[0])
                    groups.setdefault(key, []).append(row)
            for members in groups.values():
                X = np.stack([r["descriptors"] for r in members]).astype(np.float32)
                P = _check_points(predict(X), len(members))
                for row, p in zip(members, P):
                    row["valence"], row["arousal"], row["dominance"] = map(float, p)
                    row["model_version"] = model_version
        return rows

    # -- queries ----------------------------------------------------------------------

    def _drop_caches(self) -> None:
        self._cache_key = None
        self._points_cache = None
        self._trees = {}

    def _fresh(self) -> None:
        """Drop cached points and trees if anyone wrote since they were loaded."""
        key = (self._generation, self._data_version())
        if key != self._cache_key:
            self._drop_caches()
            self._cache_key = key

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """All tracks that have a point.

        Returns
        -------
        ids : ndarray of int64, shape (n,)
            Track ids, ascending.
        points : ndarray of float64, shape (n, 3)
            Valence, arousal, dominance of each. Both arrays are read-only and cached
            until the library changes.
        """
        with self._lock:
            self._fresh()
            if self._points_cache is None:
                self._points_cache = self._load_points()
            return self._points_cache

    def _load_points(self) -> tuple[np.ndarray, np.ndarray]:
        version = self._data_version()
        generation = self._generation
        with self._read() as conn:
            stats = conn.execute(_POINT_STATS_SQL).fetchone()
            # The blobs are read only if their sizes fit the rows: a crafted snapshot of
            # a gigabyte is never loaded.
            snapshot = _checked_snapshot(conn.execute(
                "SELECT n, ids, points FROM point_snapshot WHERE n = ? "
                "AND length(ids) = 8 * n AND length(points) = 24 * n",
                (stats[0],)).fetchone(), stats)
            if snapshot is not None:
                ids, pts = snapshot
                snap = True
            else:
                # One pass over the covering index, straight into a structured array;
                # rows whose point is not 3 numbers in [-1, 1] are left out (reported
                # in `skipped`).
                cur = conn.execute("SELECT id, valence, arousal, dominance FROM tracks "
                                   f"WHERE valence IS NOT NULL AND {_POINT_OK}")
                rec = np.fromiter(cur, dtype=[("id", "<i8"), ("v", "<f8"), ("a", "<f8"),
                                              ("d", "<f8")])
                if len(rec) != stats[0]:
                    self._note_bad_points(conn)
                order = np.argsort(rec["id"], kind="stable")
                rec = rec[order]
                ids = rec["id"].astype(np.int64)
                pts = rec.view("<f8").reshape(-1, 4)[:, 1:].astype(np.float64)
                snap = False
        if not snap and not self.readonly:
            self._store_snapshot(ids, pts, version, generation)
        ids.setflags(write=False)
        pts.setflags(write=False)
        return ids, pts

    def _skip_row(self, conn, track_id: int, problem: str) -> None:
        """Record in :attr:`skipped` that a stored row was left out, by its path."""
        row = conn.execute("SELECT path, source_id FROM tracks WHERE id = ?",
                           (track_id,)).fetchone() or (None, None)
        self.skipped[int(track_id)] = f"{_row_name(row[0], row[1], track_id)}: {problem}"

    def _note_bad_points(self, conn) -> None:
        """Record in :attr:`skipped` the rows whose point cannot be used (text, inf,
        out of [-1, 1], partly NULL): reported by path and left out of matching."""
        for track_id, path, source_id, *point in conn.execute(
                "SELECT id, path, source_id, valence, arousal, dominance FROM tracks "
                f"WHERE valence IS NOT NULL AND NOT ({_POINT_OK}) ORDER BY id "
                f"LIMIT {_MAX_REPORTED}"):
            shown = ", ".join(_value_text(v) for v in point)
            self.skipped[int(track_id)] = (
                f"{_row_name(path, source_id, track_id)}: stored point ({shown}) is not "
                f"3 numbers in [-1, 1]; track skipped")

    def _store_snapshot(self, ids, pts, version, generation) -> None:
        """Keep the points just read, if nobody wrote since (else they are stale)."""
        stored = False
        try:
            with self._write() as conn:
                conn.execute("SELECT 1 FROM point_snapshot").fetchall()
                if self._data_version() == version and self._generation == generation:
                    conn.execute(
                        "INSERT OR REPLACE INTO point_snapshot (id, n, ids, points) "
                        "VALUES (1, ?, ?, ?)",
                        (len(ids), ids.astype("<i8").tobytes(),
                         pts.astype("<f8").tobytes()))
                    stored = True
        except LibraryError:
            pass  # busy or read-only file: the snapshot is only an optimisation
        if stored:
            # Nobody wrote meanwhile, and our own snapshot write does not change the
            # points: keep them cached. (Otherwise the bumped generation makes the next
            # query reload.)
            self._cache_key = (self._generation, self._data_version())

    def tracks(self, ids: Iterable[int], *, descriptors: bool = False) -> list[dict]:
        """The stored fields of tracks, in the order of `ids` (unknown ids skipped).

        Parameters
        ----------
        ids : iterable of int
        descriptors : bool
            Also return ``descriptors`` (float32 array, or None).

        Returns
        -------
        tracks : list of dict
            Keys ``id, path, size, mtime_ns, content_hash, title, artist, album,
            source_id, label, taxonomy, descriptor_schema, valence, arousal, dominance,
            model_version, added_at, updated_at, error`` (and ``descriptors``).
        """
        cols = _TRACK_FIELDS + (("descriptors",) if descriptors else ())
        out = self._fetch(ids, cols)
        if descriptors:
            for track in out:
                track["descriptors"] = _decode_descriptors(track["descriptors"])
        return out

    def _fetch(self, ids: Iterable[int], cols: tuple[str, ...]) -> list[dict]:
        """Rows of `ids` (in that order, unknown skipped) as dicts of `cols`."""
        ids = [int(i) for i in ids]
        found: dict[int, tuple] = {}
        with self._lock, self._sql("read failed"):
            for chunk in _chunks(dict.fromkeys(ids), BATCH_SIZE):
                for values in self._db.execute(_select_ids_sql(cols, len(chunk)), chunk):
                    found[values[0]] = values
        out = []
        for i in ids:
            values = found.get(i)
            if values is not None:
                track = dict(zip(cols, values))
                problem = _field_problem(track)
                if problem is not None:
                    name = _row_name(track.get("path"), track.get("source_id"), i)
                    self.skipped[i] = f"{name}: {problem}; track skipped"
                    continue
                if track["path"] is not None:
                    track["path"] = decode_path(track["path"])
                out.append(track)
        return out

    def find(self, path) -> dict | None:
        """The track of a file, or None."""
        key = encode_path(_normalise_path(path))
        with self._lock, self._sql("read failed"):
            row = self._db.execute("SELECT id FROM tracks WHERE path = ?",
                                   (key,)).fetchone()
        return None if row is None else self.tracks([row[0]])[0]

    def _tree(self, weights: tuple[float, float, float], pts: np.ndarray):
        """The k-d tree of `pts` scaled by `weights` (cached until the points change)."""
        from scipy.spatial import cKDTree

        tree = self._trees.get(weights)
        if tree is None:
            scaled = pts * np.asarray(weights) if weights != (1.0, 1.0, 1.0) else pts
            # Unbalanced, non-compact trees build several times faster and query as fast.
            tree = cKDTree(scaled, leafsize=16, balanced_tree=False, compact_nodes=False)
            if len(self._trees) >= _MAX_CACHED_TREES:
                self._trees.pop(next(iter(self._trees)))
            self._trees[weights] = tree
        return tree

    def nearest(self, point, k: int = 5, *, weights=(1.0, 1.0, 1.0)) -> list[dict]:
        """The `k` tracks nearest to a point of the emotion space.

        Parameters
        ----------
        point : array-like, shape (3,)
            Valence, arousal, dominance.
        k : int
            Number of tracks (fewer if the library has fewer points).
        weights : array-like, shape (3,)
            Per-axis weights ``w``, each >= 0, not all 0: the distance is
            ``sqrt(sum((w * (p - q)) ** 2))``, i.e. the Euclidean distance after
            scaling each axis by its weight. ``(1, 1, 0)`` ignores dominance.

        Returns
        -------
        tracks : list of dict
            Nearest first, with keys ``id, path, title, artist, album, source_id,
            label, taxonomy, model_version, valence, arousal, dominance, distance``
            (:meth:`tracks` gives all the stored fields of an id).

        Notes
        -----
        A k-d tree (:class:`scipy.spatial.cKDTree`) is built over all points at the
        first query with given weights, kept for the next ones, and rebuilt after the
        library changes.
        """
        q = _three_floats(point)
        if q is None:
            raise ParameterError(
                "point must be 3 finite numbers (valence, arousal, dominance), "
                f"got {point!r}")
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ParameterError(f"k must be a positive integer, got {k!r}")
        w = _three_floats(weights)
        if w is None or min(w) < 0 or max(w) == 0:
            raise ParameterError(
                f"weights must be 3 finite numbers >= 0, not all 0, got {weights!r}")
        with self._lock:
            ids, pts = self.points()
            if len(ids) == 0:
                return []
            k = min(int(k), len(ids))
            dist, idx = self._tree(w, pts).query(
                (q[0] * w[0], q[1] * w[1], q[2] * w[2]), k=k)
            idx = np.atleast_1d(idx)
            hit_ids = ids[idx].tolist()
            found = {t["id"]: t for t in self._fetch(hit_ids, _MATCH_FIELDS)}
        out = []
        for track_id, d, p in zip(hit_ids, np.atleast_1d(dist).tolist(), pts[idx].tolist()):
            track = found.get(track_id)
            if track is not None:  # deleted by another process meanwhile
                track["valence"], track["arousal"], track["dominance"] = p
                track["distance"] = d
                out.append(track)
        return out

    def track_ids(self, *, failed: bool | None = None) -> np.ndarray:
        """Ids of all tracks, in listing order: by path, then source id.

        Parameters
        ----------
        failed : bool, optional
            True: only tracks whose analysis failed (they have an ``error``); False:
            only the others; None: all.

        Returns
        -------
        ids : ndarray of int64
        """
        where = {None: "", True: " WHERE error IS NOT NULL",
                 False: " WHERE error IS NULL"}[failed]
        with self._read() as conn:
            cur = conn.execute(f"SELECT id FROM tracks{where} ORDER BY path, source_id")
            return np.fromiter((r[0] for r in cur), dtype=np.int64)

    def stats(self) -> dict:
        """Size and state of the library, as ``affect library stats`` prints it.

        Returns
        -------
        stats : dict (JSON-able)
            ``path``; ``tracks`` (rows), ``files`` (rows with a path; the others are
            catalogue rows), ``with_point``, ``failed`` (analysis failed, the row keeps
            the reason), ``quadrants`` (points per Russell quadrant, by
            :func:`affect_features.space.quadrant` of each point), ``model_versions``
            and ``descriptor_schemas`` (rows per value, ``null`` for none),
            ``library_schema`` (:data:`SCHEMA_VERSION` of the file), ``metadata`` and
            ``size_bytes`` (the database with its ``-wal`` and ``-shm`` files; 0 in
            memory).
        """
        from .space import QUADRANTS, quadrant

        with self._read() as conn:
            tracks, files, failed = conn.execute(
                "SELECT count(*), count(path), count(error) FROM tracks").fetchone()
            models = {k: n for k, n in conn.execute(
                "SELECT model_version, count(*) FROM tracks WHERE valence IS NOT NULL "
                "GROUP BY model_version ORDER BY count(*) DESC, model_version")}
            schemas = {k: n for k, n in conn.execute(
                "SELECT descriptor_schema, count(*) FROM tracks "
                "WHERE descriptors IS NOT NULL GROUP BY descriptor_schema "
                "ORDER BY count(*) DESC, descriptor_schema")}
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            meta = dict(conn.execute("SELECT key, value FROM metadata"))
        _, pts = self.points()
        per_quadrant = dict.fromkeys(QUADRANTS, 0)
        if len(pts):
            names, counts = np.unique(quadrant(pts), return_counts=True)
            per_quadrant.update({str(q): int(c) for q, c in zip(names, counts)})
        size = 0
        if not self._memory:
            for suffix in ("", "-wal", "-shm"):
                try:
                    size += os.path.getsize(self.path + suffix)
                except OSError:
                    pass
        return {"path": self.path, "tracks": int(tracks), "files": int(files),
                "with_point": int(len(pts)), "failed": int(failed),
                "quadrants": per_quadrant, "model_versions": models,
                "descriptor_schemas": schemas, "library_schema": int(version),
                "metadata": meta, "size_bytes": int(size)}

    def remove(self, paths) -> dict[str, int]:
        """Forget the tracks of files, or of every file under folders.

        The files themselves are not touched (a later :meth:`index` of their folder
        adds them again).

        Parameters
        ----------
        paths : path or sequence of paths
            Files or folders, as stored (absolute, or relative to the working folder);
            they need not exist any more.

        Returns
        -------
        removed : dict
            Each given path (normalised) -> number of tracks removed for it (0: none
            stored there).
        """
        roots = [_normalise_path(p) for p in _as_path_list(paths)]
        with self._lock:
            stored = [(decode_path(path), track_id) for track_id, path in self._db.execute(
                "SELECT id, path FROM tracks WHERE path IS NOT NULL")]
        out, doomed = {}, []
        for root in roots:
            hits = [i for p, i in stored if _under(p, [root])]
            out[root] = len(hits)
            doomed += hits
        for chunk in _chunks(sorted(set(doomed)), BATCH_SIZE):
            with self._write() as conn:
                conn.execute(f"DELETE FROM tracks WHERE id IN ({', '.join('?' * len(chunk))})",
                             chunk)
        return out

    # -- catalogues -------------------------------------------------------------------

    #: :func:`scan`, step 1 of indexing (needs no library), also reachable from here.
    scan = staticmethod(scan)

    @classmethod
    def from_catalogue(cls, csv_path) -> "MusicLibrary":
        """An in-memory library of a catalogue CSV (see :func:`load_catalogue`)."""
        return load_catalogue(csv_path)


#: A stored point that can be used: three numbers (not text or blobs) in [-1, 1] (inf
#: is outside; SQLite stores NaN as NULL).
_POINT_OK = " AND ".join(f"typeof({c}) IN ('real', 'integer') AND {c} BETWEEN -1 AND 1"
                         for c in ("valence", "arousal", "dominance"))
# The rows with a point, their id range and coordinate sums, in one pass over the
# covering index (about 0.2 s a million rows), against which a stored snapshot is
# checked.
_POINT_STATS_SQL = ("SELECT count(*), min(id), max(id), total(valence), total(arousal), "
                    "total(dominance) FROM tracks WHERE valence IS NOT NULL")
#: At most this many bad rows of a library are listed by :attr:`MusicLibrary.skipped`.
_MAX_REPORTED = 1000


_INT_FIELDS = frozenset({"id", "size", "mtime_ns"})
_REAL_FIELDS = frozenset({"valence", "arousal", "dominance", "added_at", "updated_at"})


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


def _checked_snapshot(row, stats) -> tuple[np.ndarray, np.ndarray] | None:
    """The ids and points of a stored snapshot row if it agrees with the tracks, else None.

    A snapshot is used only if its blobs have the declared sizes, its ids ascend
    strictly, its points are finite and in [-1, 1], and its count, first and last id
    and coordinate sums equal those of the rows with a point (`stats`, from
    :data:`_POINT_STATS_SQL`): a snapshot that is stale or damaged, or rows that hold
    something else than numbers in [-1, 1] (their sums differ), make the points be
    rebuilt from the rows instead, where bad rows are found and reported. (A crafted
    snapshot that passes can only hold valid points, no more than crafted rows can.)
    """
    if row is None:
        return None
    n, ids_blob, pts_blob = row
    if not (isinstance(n, int) and isinstance(ids_blob, bytes)
            and isinstance(pts_blob, bytes)) or n < 0 \
            or len(ids_blob) != 8 * n or len(pts_blob) != 24 * n:
        return None
    n_rows, first, last, *sums = stats
    if n != n_rows:
        return None
    ids = np.frombuffer(ids_blob, dtype="<i8").astype(np.int64)
    pts = np.frombuffer(pts_blob, dtype="<f8").reshape(-1, 3).astype(np.float64)
    if n == 0:
        return ids, pts
    if ids[0] != first or ids[-1] != last or np.any(np.diff(ids) <= 0):
        return None
    if not np.all(np.isfinite(pts)) or np.abs(pts).max() > 1.0:
        return None
    try:
        rows_sums = np.asarray(sums, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if not np.allclose(pts.sum(axis=0), rows_sums, rtol=0.0, atol=1e-9 * (n + 1)):
        return None
    return ids, pts


def _split_sql(script: str) -> list[str]:
    """Statements of our schema script (triggers contain ';' inside BEGIN ... END)."""
    out, current = [], []
    for line in script.splitlines():
        line = line.split("--", 1)[0].rstrip()
        if not line.strip():
            continue
        current.append(line)
        text = "\n".join(current)
        if text.endswith(";") and sqlite3.complete_statement(text):
            out.append(text)
            current = []
    return out


@lru_cache(maxsize=256)
def _select_ids_sql(cols: tuple[str, ...], n: int) -> str:
    return f"SELECT {', '.join(cols)} FROM tracks WHERE id IN ({', '.join('?' * n)})"


def _three_floats(x) -> tuple[float, float, float] | None:
    """`x` as 3 finite floats, or None if it is not that."""
    try:
        a, b, c = (float(v) for v in np.asarray(x, dtype=np.float64).ravel()) \
            if not isinstance(x, (tuple, list)) else (float(v) for v in x)
    except (TypeError, ValueError):
        return None
    if math.isfinite(a) and math.isfinite(b) and math.isfinite(c):
        return a, b, c
    return None


def _same_hash(path: str, stored: str) -> bool:
    try:
        return content_hash(path) == stored
    except OSError:
        return False


_CATALOGUE_COLUMNS = ("song_id", "artist", "title", "quadrant", "valence", "arousal",
                      "dominance")


def load_catalogue(csv_path) -> MusicLibrary:
    """Load a catalogue CSV into an in-memory library.

    Parameters
    ----------
    csv_path : str or os.PathLike
        UTF-8 CSV with a header and the columns ``song_id, artist, title, quadrant,
        valence, arousal, dominance`` (others are ignored, except optional ``album`` and
        ``model_version``, which are kept). ``song_id`` becomes the track's
        ``source_id``, ``quadrant`` its ``label`` (taxonomy ``"russell"``).

    Returns
    -------
    library : MusicLibrary
        In memory (``":memory:"``), with the same query API as a library file.

    Raises
    ------
    LibraryError
        If the file cannot be read, a column is missing, a point is not 3 finite
        numbers or a song id repeats; the message names the line.
    """
    name = os.fspath(csv_path)
    try:
        with open(name, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in (reader.fieldnames or [])]
            reader.fieldnames = header
            missing = [c for c in _CATALOGUE_COLUMNS if c not in header]
            if missing:
                raise LibraryError(
                    f"{name}: catalogue lacks column(s) {', '.join(missing)}")
            rows, seen, model_versions = [], set(), set()
            for rec in reader:
                line = reader.line_num
                song = (rec.get("song_id") or "").strip()
                if not song:
                    raise LibraryError(f"{name}, line {line}: empty song_id")
                if song in seen:
                    raise LibraryError(f"{name}, line {line}: song_id {song} repeats")
                seen.add(song)
                try:
                    point = [float(rec[c]) for c in ("valence", "arousal", "dominance")]
                except (TypeError, ValueError):
                    raise LibraryError(f"{name}, line {line}: valence, arousal and "
                                       "dominance must be numbers") from None
                if not all(math.isfinite(v) for v in point):
                    raise LibraryError(f"{name}, line {line}: point is not finite")
                mv = (rec.get("model_version") or "").strip() or None
                model_versions.add(mv)
                rows.append({
                    "source_id": song, "artist": (rec["artist"] or "").strip() or None,
                    "title": (rec["title"] or "").strip() or None,
                    "album": (rec.get("album") or "").strip() or None,
                    "label": (rec["quadrant"] or "").strip() or None,
                    "taxonomy": CATALOGUE_TAXONOMY,
                    "valence": point[0], "arousal": point[1], "dominance": point[2],
                    "model_version": mv,
                })
    except OSError as exc:
        raise LibraryError(
            f"{name}: cannot read catalogue ({exc.strerror or exc})") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise LibraryError(f"{name}: malformed catalogue CSV ({exc})") from None
    lib = MusicLibrary(":memory:")
    lib.upsert_many(rows, batch_size=max(1, len(rows)))
    meta = {"catalogue": os.path.basename(name)}
    if len(model_versions) == 1 and None not in model_versions:
        meta["model_version"] = next(iter(model_versions))
    lib.set_metadata(**meta)
    return lib


def default_catalogue() -> MusicLibrary:
    """The catalogue shipped with the package: the 724 songs of the 4Q data set.

    Loaded from ``affect_features/data/catalogue_4q.csv`` (see :func:`load_catalogue`).

    Raises
    ------
    LibraryError
        If the file is missing from the installation.
    """
    ref = resources.files("affect_features").joinpath("data", "catalogue_4q.csv")
    if not ref.is_file():
        raise LibraryError("the default catalogue (affect_features/data/catalogue_4q.csv) "
                           "is missing from this installation; reinstall affect-features "
                           "or give a catalogue CSV")
    with resources.as_file(ref) as path:
        return load_catalogue(path)


def matching_library(path=None, *, catalogue: bool = False) -> MusicLibrary:
    """The library that answers ``affect match``: the user's own music first.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A library file (it must exist). Default: :func:`default_library_path`
        (``$AFFECT_LIBRARY`` or the per-user file ``affect index`` writes) if that file
        exists, else the shipped catalogue.
    catalogue : bool
        The shipped catalogue (:func:`default_catalogue`) whatever libraries exist.

    Returns
    -------
    library : MusicLibrary
        Opened read-only when it is a file; :func:`library_description` says which.

    Raises
    ------
    LibraryError
        `path` does not exist or is not a library, or the library has no song with a
        point (the message says how to add some).
    """
    if catalogue:
        return default_catalogue()
    if path is None:
        path = default_library_path()
        if not os.path.exists(path):
            return default_catalogue()
    path = os.fspath(path)
    if not os.path.exists(path):
        raise LibraryError(f"{path}: no such music library (build one with "
                           f"`affect index FOLDER --library {path}`)")
    lib = MusicLibrary(path, create=False, readonly=True)
    if len(lib.points()[0]) == 0:
        n = len(lib)
        lib.close()
        why = (f"its {n} track(s) all failed to analyse (`affect library list --failed` "
               f"says why)" if n else "it is empty")
        raise LibraryError(f"{path}: no songs to match: {why}; add music with "
                           f"`affect index FOLDER --library {path}`")
    return lib


def library_description(lib: MusicLibrary) -> str:
    """One line naming a library for people: its file, or the shipped catalogue."""
    n = len(lib.points()[0])
    name = lib.metadata.get("catalogue")
    if lib.path == ":memory:" and name:
        return f"the shipped catalogue {name} ({n} songs, no audio files)"
    return f"{lib.path} ({n} songs)"
