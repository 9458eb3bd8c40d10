"""Reading a library: all points at once, the tracks nearest to a point, stored rows.

Loading a million points fast
-----------------------------
Reading 1M rows through :mod:`sqlite3` costs about a microsecond per row and value. So the
points are also kept as one packed snapshot row (``point_snapshot``: all ids as int64, all
points as float64), read with one query in about 0.1 s for 1M tracks. Triggers on
``tracks`` delete the snapshot whenever a point is inserted, changed or deleted (by this
package or by anyone else); the next :meth:`MusicLibrary.points` rebuilds it from a
covering index (one pass, about 1-2 s for 1M tracks), and :meth:`MusicLibrary.index` and
:meth:`MusicLibrary.repredict` do so when they finish, so that the next open is fast.
The snapshot is used only if it agrees with the rows (:func:`_checked_snapshot`).

Nearest tracks
--------------
:class:`PointIndex` keeps the points in memory with a k-d tree
(:class:`scipy.spatial.cKDTree`) per set of axis weights, all dropped when anyone writes
(our own commits, or another connection's: ``PRAGMA data_version``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np

from ..errors import LibraryError, ParameterError
from ._paths import _normalise_path, decode_path, encode_path
from ._rows import _MATCH_FIELDS, _chunks, _field_problem, _row_name, _value_text
from ._storage import BATCH_SIZE, Database

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
# k-d trees kept at once (one per set of weights).
_MAX_CACHED_TREES = 4


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


def _note_bad_points(conn, skipped: dict) -> None:
    """Record in `skipped` the rows whose point cannot be used (text, inf, out of
    [-1, 1], partly NULL): reported by path and left out of matching."""
    for track_id, path, source_id, *point in conn.execute(
            "SELECT id, path, source_id, valence, arousal, dominance FROM tracks "
            f"WHERE valence IS NOT NULL AND NOT ({_POINT_OK}) ORDER BY id "
            f"LIMIT {_MAX_REPORTED}"):
        shown = ", ".join(_value_text(v) for v in point)
        skipped[int(track_id)] = (
            f"{_row_name(path, source_id, track_id)}: stored point ({shown}) is not "
            f"3 numbers in [-1, 1]; track skipped")


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


@lru_cache(maxsize=256)
def _select_ids_sql(cols: tuple[str, ...], n: int) -> str:
    return f"SELECT {', '.join(cols)} FROM tracks WHERE id IN ({', '.join('?' * n)})"


def fetch(db: Database, skipped: dict, ids: Iterable[int],
          cols: tuple[str, ...]) -> list[dict]:
    """Rows of `ids` (in that order, unknown skipped) as dicts of `cols`; a row whose
    values are not of their declared types is left out and noted in `skipped`."""
    ids = [int(i) for i in ids]
    found: dict[int, tuple] = {}
    with db.lock, db.sql("read failed"):
        for chunk in _chunks(dict.fromkeys(ids), BATCH_SIZE):
            for values in db.db.execute(_select_ids_sql(cols, len(chunk)), chunk):
                found[values[0]] = values
    out = []
    for i in ids:
        values = found.get(i)
        if values is not None:
            track = dict(zip(cols, values))
            problem = _field_problem(track)
            if problem is not None:
                name = _row_name(track.get("path"), track.get("source_id"), i)
                skipped[i] = f"{name}: {problem}; track skipped"
                continue
            if track["path"] is not None:
                track["path"] = decode_path(track["path"])
            out.append(track)
    return out


def find_id(db: Database, path) -> int | None:
    """The id of the track of a file, or None."""
    key = encode_path(_normalise_path(path))
    with db.lock, db.sql("read failed"):
        row = db.db.execute("SELECT id FROM tracks WHERE path = ?", (key,)).fetchone()
    return None if row is None else row[0]


def track_ids(db: Database, failed: bool | None) -> np.ndarray:
    """:meth:`MusicLibrary.track_ids`."""
    where = {None: "", True: " WHERE error IS NOT NULL",
             False: " WHERE error IS NULL"}[failed]
    with db.read() as conn:
        cur = conn.execute(f"SELECT id FROM tracks{where} ORDER BY path, source_id")
        return np.fromiter((r[0] for r in cur), dtype=np.int64)


def stats(db: Database, points: np.ndarray) -> dict:
    """:meth:`MusicLibrary.stats` of a library whose usable points are `points`."""
    from ..space import QUADRANTS, quadrant

    with db.read() as conn:
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
    per_quadrant = dict.fromkeys(QUADRANTS, 0)
    if len(points):
        names, counts = np.unique(quadrant(points), return_counts=True)
        per_quadrant.update({str(q): int(c) for q, c in zip(names, counts)})
    size = 0
    if not db.memory:
        for suffix in ("", "-wal", "-shm"):
            try:
                size += os.path.getsize(db.path + suffix)
            except OSError:
                pass
    return {"path": db.path, "tracks": int(tracks), "files": int(files),
            "with_point": int(len(points)), "failed": int(failed),
            "quadrants": per_quadrant, "model_versions": models,
            "descriptor_schemas": schemas, "library_schema": int(version),
            "metadata": meta, "size_bytes": int(size)}


class PointIndex:
    """The points of a library in memory, and k-d trees over them.

    Parameters
    ----------
    db : Database
    skipped : dict
        Where stored rows left out are noted (:attr:`MusicLibrary.skipped`).
    """

    def __init__(self, db: Database, skipped: dict):
        self.db = db
        self.skipped = skipped
        self.drop()

    def drop(self) -> None:
        """Forget the cached points and trees."""
        self._key = None
        self._points: tuple[np.ndarray, np.ndarray] | None = None
        self._trees: dict[tuple, Any] = {}

    def _fresh(self) -> None:
        """Drop cached points and trees if anyone wrote since they were loaded."""
        key = (self.db.generation, self.db.data_version())
        if key != self._key:
            self.drop()
            self._key = key

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`MusicLibrary.points`."""
        with self.db.lock:
            self._fresh()
            if self._points is None:
                self._points = self._load()
            return self._points

    def _load(self) -> tuple[np.ndarray, np.ndarray]:
        db = self.db
        version = db.data_version()
        generation = db.generation
        with db.read() as conn:
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
                    _note_bad_points(conn, self.skipped)
                order = np.argsort(rec["id"], kind="stable")
                rec = rec[order]
                ids = rec["id"].astype(np.int64)
                pts = rec.view("<f8").reshape(-1, 4)[:, 1:].astype(np.float64)
                snap = False
        if not snap and not db.readonly:
            self._store_snapshot(ids, pts, version, generation)
        ids.setflags(write=False)
        pts.setflags(write=False)
        return ids, pts

    def _store_snapshot(self, ids, pts, version, generation) -> None:
        """Keep the points just read, if nobody wrote since (else they are stale)."""
        db = self.db
        stored = False
        try:
            with db.write() as conn:
                conn.execute("SELECT 1 FROM point_snapshot").fetchall()
                if db.data_version() == version and db.generation == generation:
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
            self._key = (db.generation, db.data_version())

    def tree(self, weights: tuple[float, float, float], pts: np.ndarray):
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

    def nearest(self, point, k, weights) -> list[dict]:
        """:meth:`MusicLibrary.nearest`."""
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
        with self.db.lock:
            ids, pts = self.points()
            if len(ids) == 0:
                return []
            k = min(int(k), len(ids))
            dist, idx = self.tree(w, pts).query(
                (q[0] * w[0], q[1] * w[1], q[2] * w[2]), k=k)
            idx = np.atleast_1d(idx)
            hit_ids = ids[idx].tolist()
            found = {t["id"]: t for t in fetch(self.db, self.skipped, hit_ids,
                                               _MATCH_FIELDS)}
        out = []
        for track_id, d, p in zip(hit_ids, np.atleast_1d(dist).tolist(), pts[idx].tolist()):
            track = found.get(track_id)
            if track is not None:  # deleted by another process meanwhile
                track["valence"], track["arousal"], track["dominance"] = p
                track["distance"] = d
                out.append(track)
        return out
