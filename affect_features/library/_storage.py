"""An open library file: one hardened SQLite connection, its transactions and its rows.

:class:`Database` opens a file (creating our schema in an empty one), refuses a file that
is not one of our libraries, and gives bounded read and write transactions; it also
writes and deletes rows of ``tracks``. :class:`~affect_features.library.MusicLibrary`
owns one.

Consistency and concurrency
---------------------------
The database runs in WAL mode. Every write is one ``BEGIN IMMEDIATE ... COMMIT``
transaction, so a run that is interrupted (Ctrl-C, ``SIGKILL``, power loss) leaves the
library as it was after its last committed batch: every row is complete or absent. Writers
wait for each other (busy timeout, 60 s by default) instead of failing, and readers never
wait. A row written by another process is seen by an open library at its next query: the
cached points and k-d trees are dropped when ``PRAGMA data_version`` changes.

Security
--------
Every SQL statement takes its values as parameters, paths are never given to a shell,
and a file that is not one of our libraries (not SQLite, another application's database,
a newer schema) is refused with :class:`~affect_features.errors.LibraryError` before
anything is written to it. Every library is treated as coming from anywhere (there is no
trusted mode): it must be a regular file; it is opened with ``trusted_schema = OFF``; its
schema must hold exactly the objects this package creates
(:func:`~affect_features.library.schema_problem`: a planted trigger, view, table or index
is refused, by name, before any statement of ours could fire it, and checked again before
each write if the schema changed meanwhile); every read or write is bounded in time
(:data:`QUERY_TIME_LIMIT`); readers (``affect match``, ``affect library``) open it
read-only; every value read is checked (:mod:`affect_features.library._rows`), a bad row
being reported in :attr:`MusicLibrary.skipped` by its path and left out, never fatal; and
the packed snapshot of the points is used only if it agrees with the rows
(:func:`affect_features.library._queries._checked_snapshot`).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from .._version import __version__
from ..errors import LibraryError, ParameterError
from ._paths import _as_path_list, _normalise_path, _under, decode_path, encode_path
from ._rows import (_UPSERT_BY_PATH, _UPSERT_BY_SOURCE, _chunks, _clean_text,
                    _row_values)
from ._schema import (_FORMAT, _REQUIRED_TABLES, _SCHEMA_SQL, APPLICATION_ID,
                      SCHEMA_VERSION, _split_sql, schema_problem)

__all__ = ["Database", "BATCH_SIZE", "QUERY_TIME_LIMIT"]

#: Rows per write transaction: large enough that commits cost little, small enough that
#: an interrupted run loses little and other writers wait little.
BATCH_SIZE = 500
#: Longest any one read or write of a library may run, in seconds
#: (:attr:`MusicLibrary.query_timeout`): far above what the package's own queries need
#: (rebuilding the snapshot of a million points takes about 2 s), so it only stops a
#: damaged or planted library from hanging a command.
QUERY_TIME_LIMIT = 60.0


class Database:
    """The connection to one library file (or an in-memory library).

    Parameters
    ----------
    path : str
        ``":memory:"`` or an absolute path.
    create, readonly, timeout
        As :class:`~affect_features.library.MusicLibrary` takes them.
    query_timeout : float
        Longest any one read or write may run, in seconds.

    Attributes
    ----------
    lock : threading.RLock
        Serialises the use of the connection by threads.
    generation : int
        Bumped by each of our write transactions (with ``PRAGMA data_version``, which
        counts the others' commits, it says whether cached reads are stale).
    """

    def __init__(self, path: str, *, create: bool, readonly: bool, timeout: float,
                 query_timeout: float):
        self.path = path
        self.memory = path == ":memory:"
        self.readonly = readonly
        self.timeout = timeout
        self.query_timeout = query_timeout
        self.lock = threading.RLock()
        self.generation = 0
        self._conn: sqlite3.Connection | None = None
        self._conn = self._open(create)

    # -- opening ----------------------------------------------------------------------

    def fail(self, what: str, exc: BaseException | None = None) -> LibraryError:
        """A one-line :class:`LibraryError` naming the file (and `exc`'s text)."""
        detail = f" ({' '.join(str(exc).split())})" if exc is not None else ""
        return LibraryError(f"{self.path}: {what}{detail}")

    def _open(self, create: bool) -> sqlite3.Connection:
        if self.memory:
            if self.readonly:
                raise LibraryError(":memory: library cannot be read-only")
            conn = sqlite3.connect(":memory:", isolation_level=None,
                                   check_same_thread=False)
            self._harden(conn)
            conn.executescript("BEGIN;" + _SCHEMA_SQL + "COMMIT;")
            self._schema_version = conn.execute("PRAGMA schema_version").fetchone()[0]
            self._conn = conn
            with self.write():
                self.set_metadata_in({"format": _FORMAT, "created_by": __version__,
                                      "created_at": repr(time.time())})
            return conn
        p = self.path
        exists = os.path.exists(p)
        if not exists and (not create or self.readonly):
            raise self.fail("no such library")
        if exists:
            # A FIFO would block sqlite's open forever, a device is no database.
            from ..files import check_regular_file
            check_regular_file(p, "library", error=LibraryError)
        try:
            if self.readonly:
                uri = Path(p).as_uri() + "?mode=ro"
                conn = sqlite3.connect(uri, uri=True, timeout=self.timeout,
                                       isolation_level=None, check_same_thread=False)
            else:
                conn = sqlite3.connect(p, timeout=self.timeout, isolation_level=None,
                                       check_same_thread=False)
        except sqlite3.Error as exc:
            raise self.fail("cannot open", exc) from None
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
            raise self.fail("not an SQLite database", exc) from None
        return app_id, version, tables

    def _check_or_create(self, conn) -> None:
        app_id, version, tables = self._header(conn)
        if app_id == 0 and version == 0 and not tables:
            if self.readonly:
                raise self.fail("is an empty database, not a library")
            self._create_schema(conn)
            app_id, version, tables = self._header(conn)
        if app_id != APPLICATION_ID:
            raise self.fail("not an affect-features music library "
                            f"(application_id {app_id}, expected {APPLICATION_ID})")
        if version > SCHEMA_VERSION:
            raise self.fail(f"library schema {version} is newer than this "
                            f"affect-features ({SCHEMA_VERSION}); upgrade the package")
        if version < SCHEMA_VERSION:
            raise self.fail(f"library schema {version} is not supported "
                            f"(expected {SCHEMA_VERSION})")
        missing = _REQUIRED_TABLES - tables
        if missing:
            raise self.fail(
                f"damaged library: missing table(s) {', '.join(sorted(missing))}")
        try:
            fmt = conn.execute("SELECT value FROM metadata WHERE key = 'format'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise self.fail("damaged library", exc) from None
        if fmt is None or fmt[0] != _FORMAT:
            raise self.fail("not an affect-features music library (metadata format)")
        self._check_schema_objects(conn)

    def _harden(self, conn) -> None:
        """SQLite's defences for a file from anywhere, before its schema is read.

        ``trusted_schema = OFF`` (functions with side effects and virtual tables may not
        be used from the schema), ``cell_size_check`` (a damaged page is an error, not a
        crash), and a bound on the time of every read or write: each one notes when it
        starts (:meth:`read`, :meth:`write`, :meth:`sql`) and a progress handler,
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
            raise self.fail("cannot open", exc) from None
        conn.set_progress_handler(progress, 20_000)

    def _tick(self) -> None:
        """A read or write starts: its time is counted from now (see :meth:`_harden`)."""
        self._clock["start"] = time.monotonic()

    def _check_schema_objects(self, conn) -> None:
        """Refuse a schema holding objects we did not create (:func:`schema_problem`)."""
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
            raise self.fail(problem)

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
            raise self.fail("cannot create library", exc) from None

    def _set_wal(self, conn) -> None:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode.lower() == "wal":
            return
        deadline = time.monotonic() + self.timeout
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
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: index B-trees stay hot
            # Checkpoint the WAL every ~40 MB rather than 4 MB: pages written by several
            # batches in a row are copied into the database once.
            conn.execute("PRAGMA wal_autocheckpoint = 10000")
        except sqlite3.Error as exc:
            raise self.fail("cannot configure library", exc) from None

    # -- transactions -----------------------------------------------------------------

    @property
    def db(self) -> sqlite3.Connection:
        """The open connection (:class:`LibraryError` once closed)."""
        if self._conn is None:
            raise LibraryError(f"{self.path}: library is closed")
        return self._conn

    @property
    def closed(self) -> bool:
        return self._conn is None

    def _sql_error(self, what: str, exc: sqlite3.Error) -> BaseException:
        """The exception to raise for an SQLite error: :class:`LibraryError` naming the
        file, or :class:`KeyboardInterrupt` when the statement was aborted because a
        signal arrived while it ran (the progress handler then raised, and sqlite3
        reports only "interrupted")."""
        if isinstance(exc, sqlite3.OperationalError) and "interrupt" in str(exc):
            if self._clock.get("expired"):
                self._clock["expired"] = False
                return self.fail(f"a query ran longer than {self.query_timeout:g} s "
                                 f"(damaged or planted library?)")
            return KeyboardInterrupt()
        return self.fail(what, exc)

    @contextmanager
    def sql(self, what: str):
        """Run a block of queries with SQLite errors as :meth:`_sql_error`."""
        self._tick()
        try:
            yield
        except sqlite3.Error as exc:
            raise self._sql_error(what, exc) from None

    @contextmanager
    def write(self):
        """One write transaction: BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error)."""
        if self.readonly:
            raise LibraryError(f"{self.path}: library is open read-only")
        with self.lock:
            conn = self.db
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise self.fail(f"cannot write (waited {self.timeout:g} s)",
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
                self.generation += 1

    @contextmanager
    def read(self):
        """A read transaction: all queries inside see one state of the database."""
        with self.lock:
            conn = self.db
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
                raise self.fail(problem)
            self._schema_version = version

    def data_version(self) -> int:
        """``PRAGMA data_version``: changes when another connection commits."""
        return self.db.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self.lock:
            if self._conn is None:
                return
            try:
                if not self.readonly and not self.memory:
                    self._conn.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
            self._conn.close()
            self._conn = None

    # -- metadata and rows ------------------------------------------------------------

    def set_metadata_in(self, items: dict) -> None:
        """Inside a write transaction: set metadata entries (values stored as text)."""
        self.db.executemany(
            "INSERT INTO metadata (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [(str(k), str(v)) for k, v in items.items() if v is not None])

    def upsert_many(self, rows: Iterable[dict], batch_size: int) -> int:
        """:meth:`MusicLibrary.upsert_many`."""
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
        with self.write() as conn:
            if by_path:
                conn.executemany(_UPSERT_BY_PATH, by_path)
            if by_source:
                conn.executemany(_UPSERT_BY_SOURCE, by_source)

    def remove_paths(self, paths, batch_size: int) -> int:
        """:meth:`MusicLibrary.remove_paths`."""
        keys = [(encode_path(_normalise_path(p)),) for p in _as_path_list(paths)]
        removed = 0
        for chunk in _chunks(keys, batch_size):
            with self.write() as conn:
                # rowcount, not total_changes: the latter counts the triggers' work too.
                removed += conn.executemany("DELETE FROM tracks WHERE path = ?",
                                            chunk).rowcount
        return removed

    def remove(self, paths) -> dict[str, int]:
        """:meth:`MusicLibrary.remove`."""
        roots = [_normalise_path(p) for p in _as_path_list(paths)]
        with self.lock:
            stored = [(decode_path(path), track_id) for track_id, path in self.db.execute(
                "SELECT id, path FROM tracks WHERE path IS NOT NULL")]
        out, doomed = {}, []
        for root in roots:
            hits = [i for p, i in stored if _under(p, [root])]
            out[root] = len(hits)
            doomed += hits
        for chunk in _chunks(sorted(set(doomed)), BATCH_SIZE):
            with self.write() as conn:
                conn.execute("DELETE FROM tracks WHERE id IN "
                             f"({', '.join('?' * len(chunk))})", chunk)
        return out
