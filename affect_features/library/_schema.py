"""The layout of a library file, and the check that a file holds exactly that layout.

A library is one SQLite file: a ``metadata`` table, a ``tracks`` table (one row a song:
where it is, what it is, its descriptors and its point in the emotion space), a packed
``point_snapshot`` of all points and the triggers that drop the snapshot whenever a point
changes (see :mod:`affect_features.library._queries`). :func:`schema_problem` refuses a
file whose schema holds anything else: a library is treated as coming from anywhere.
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache

from ._paths import _printable

__all__ = ["SCHEMA_VERSION", "APPLICATION_ID", "schema_problem"]

#: Version of the database layout, kept in ``PRAGMA user_version``.
SCHEMA_VERSION = 1
#: ``PRAGMA application_id`` of our libraries: the bytes ``b"AFML"`` (Affect Features
#: Music Library) read as a big-endian int, so that ``file(1)`` and we can tell our
#: databases from other SQLite files.
APPLICATION_ID = int.from_bytes(b"AFML", "big")

# ``metadata.format`` of our libraries.
_FORMAT = "affect-features music library"

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

#: Schema objects SQLite itself creates and owns (AUTOINCREMENT's counters, the
#: statistics of ``ANALYZE`` / ``PRAGMA optimize``, the indexes behind UNIQUE).
_SQLITE_OWN_TABLES = frozenset({"sqlite_sequence", "sqlite_stat1", "sqlite_stat4"})


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
