"""The music library: the object that owns a library's connection and cached state.

Its methods are the library's public API; the work is done in the package's modules:
:mod:`affect_features.library._storage` (the connection, transactions, writing rows),
:mod:`~affect_features.library._queries` (points, nearest tracks, stored rows),
:mod:`~affect_features.library._indexing` (incremental indexing) and
:mod:`~affect_features.library._catalogue` (catalogue CSVs).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

import numpy as np

from ..errors import LibraryError
from . import _indexing, _queries
from ._files import _decoder_tags, scan
from ._indexing import INDEX_BATCH_SIZE, IndexReport, Plan
from ._paths import default_library_path
from ._rows import _TRACK_FIELDS, _decode_descriptors
from ._storage import BATCH_SIZE, QUERY_TIME_LIMIT, Database

__all__ = ["MusicLibrary"]


class MusicLibrary:
    """An SQLite catalogue of songs with their points in the emotion space.

    A library is one SQLite file (stdlib :mod:`sqlite3`) holding, for every song, where
    it is (path, size, modification time, a content fingerprint), what it is (title,
    artist, album, a source id such as an AllMusic id, a label and its taxonomy), its
    audio descriptors (float32, little-endian, with the descriptor schema version) and
    its predicted point ``(valence, arousal, dominance)`` with the version of the model
    that predicted it. A photo is matched to the songs whose points are nearest to its
    own (:meth:`nearest`, a k-d tree over all points, built once per open library).

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
    connection). Each process should open its own instance. Consistency, concurrency
    and the defences against a library from elsewhere are described in
    :mod:`affect_features.library._storage`.

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
        self._store: Database | None = None
        if path is None:
            path = default_library_path()
            if create and not readonly:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise LibraryError(f"{path.parent}: cannot create folder "
                                       f"({exc.strerror or exc})") from None
        memory = os.fspath(path) == ":memory:"
        self.path = ":memory:" if memory else os.path.abspath(os.fspath(path))
        self.readonly = bool(readonly)
        self.skipped: dict[int, str] = {}
        self._store = Database(self.path, create=create, readonly=self.readonly,
                               timeout=float(timeout), query_timeout=self.query_timeout)
        self._index = _queries.PointIndex(self._store, self.skipped)

    # -- the connection ---------------------------------------------------------------

    @property
    def _db(self):
        """The open :class:`sqlite3.Connection` (:class:`LibraryError` once closed)."""
        return self._store.db

    def _sql(self, what: str):
        """A block of queries whose SQLite errors become one-line LibraryErrors."""
        return self._store.sql(what)

    def close(self) -> None:
        """Close the database (idempotent). Queries afterwards raise LibraryError."""
        if self._store is None:
            return
        with self._store.lock:
            self._store.close()
            self._index.drop()

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
        state = "closed" if self._store is None or self._store.closed \
            else f"{len(self)} tracks"
        return f"MusicLibrary({self.path!r}, {state})"

    def __len__(self) -> int:
        with self._store.lock, self._store.sql("read failed"):
            return self._db.execute("SELECT count(*) FROM tracks").fetchone()[0]

    # -- metadata ---------------------------------------------------------------------

    @property
    def metadata(self) -> dict[str, str]:
        """The library's metadata: ``format``, ``created_by``, ``created_at``,
        ``feature_schema`` and ``model_version`` (the latter two once known)."""
        with self._store.lock, self._store.sql("read failed"):
            return dict(self._db.execute("SELECT key, value FROM metadata WHERE "
                                         "typeof(key) = 'text' AND typeof(value) = 'text'"))

    def set_metadata(self, **items) -> None:
        """Set metadata entries (values stored as text)."""
        with self._store.write():
            self._store.set_metadata_in(items)

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``"ok"`` or the problems found."""
        with self._store.lock, self._store.sql("integrity check failed"):
            rows = self._db.execute("PRAGMA integrity_check").fetchall()
        return "\n".join(r[0] for r in rows)

    # -- incremental indexing steps ------------------------------------------------------

    #: :func:`scan`, step 1 of indexing (needs no library), also reachable from here.
    scan = staticmethod(scan)

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
        return _indexing.plan(self, paths, roots=roots, retry_errors=retry_errors,
                              update=update)

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
        return self._store.upsert_many(rows, batch_size)

    def remove_paths(self, paths, *, batch_size: int = BATCH_SIZE) -> int:
        """Delete the tracks of these files. Returns the number of rows deleted."""
        return self._store.remove_paths(paths, batch_size)

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
        return _indexing.repredict(self, predict_fn, model_version,
                                   descriptor_schema=descriptor_schema,
                                   batch_size=batch_size)

    def index(self, paths_or_folders, *, analyse: Callable, predict: Callable | None = None,
              model_version: str | None = None, extensions=None,
              jobs: int = 1, progress: bool | None = False,
              tags: Callable | None = _decoder_tags,
              retry_errors: bool = False, remove_vanished: bool = True,
              batch_size: int = INDEX_BATCH_SIZE, flush_seconds: float = 1.0,
              scheduler=None, timeout: float | None = None) -> IndexReport:
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
            ``tags(path)`` -> dict of tags (default
            :func:`affect_features.audio.decode.read_tags`), of which the title, artist
            and album are kept (:func:`display_tags`); the title falls back to the file
            name. Tags never fail a file: a reader that raises leaves them empty.
        retry_errors : bool
            Analyse again files that failed before, though unchanged.
        remove_vanished : bool
            Delete rows of files under the given folders that no longer exist.
        timeout : float, optional
            Seconds per file (:func:`affect_features.batch.map_files`: None gives the
            engine's worker processes their default and this process no limit).

        Returns
        -------
        report : IndexReport
        """
        return _indexing.index(
            self, paths_or_folders, analyse=analyse, predict=predict,
            model_version=model_version, extensions=extensions, jobs=jobs,
            progress=progress, tags=tags, retry_errors=retry_errors,
            remove_vanished=remove_vanished, batch_size=batch_size,
            flush_seconds=flush_seconds, scheduler=scheduler, timeout=timeout)

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
        return self._store.remove(paths)

    # -- queries ----------------------------------------------------------------------

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
        return self._index.points()

    def _tree(self, weights: tuple[float, float, float], pts: np.ndarray):
        """The k-d tree of `pts` scaled by `weights` (cached until the points change)."""
        return self._index.tree(weights, pts)

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
        return self._index.nearest(point, k, weights)

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
        out = _queries.fetch(self._store, self.skipped, ids, cols)
        if descriptors:
            for track in out:
                track["descriptors"] = _decode_descriptors(track["descriptors"])
        return out

    def find(self, path) -> dict | None:
        """The track of a file, or None."""
        track_id = _queries.find_id(self._store, path)
        return None if track_id is None else self.tracks([track_id])[0]

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
        return _queries.track_ids(self._store, failed)

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
        return _queries.stats(self._store, self.points()[1])

    # -- catalogues -------------------------------------------------------------------

    @classmethod
    def from_catalogue(cls, csv_path) -> "MusicLibrary":
        """An in-memory library of a catalogue CSV (see :func:`load_catalogue`)."""
        from ._catalogue import load_catalogue

        return load_catalogue(csv_path)
