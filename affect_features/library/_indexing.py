"""Incremental indexing: bring a library up to date with music folders.

Indexing a music folder is incremental and split into small steps, each tested on its own
and each usable by another driver (e.g. the batch engine of :mod:`affect_features.batch`):

1. :func:`~affect_features.library.scan` lists the audio files of folders;
2. :meth:`MusicLibrary.plan` compares them with the stored rows: which files are new or
   changed (``to_analyse``), which are not (``unchanged``), which rows lost their file
   (``vanished``);
3. :meth:`MusicLibrary.upsert_many` writes analysed rows, 500 per transaction;
4. :meth:`MusicLibrary.remove_paths` forgets vanished files;
5. :meth:`MusicLibrary.repredict` recomputes points from the stored descriptors when the
   model changes, without decoding any audio.

:meth:`MusicLibrary.index` chains them (:func:`index` here).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..errors import ModelError, ParameterError, SchemaError
from ._files import Fingerprint, _same_hash, display_tags, file_fingerprint, scan
from ._paths import _as_path_list, _normalise_path, _under, decode_path
from ._rows import _descriptor_problem, _skip_row

if TYPE_CHECKING:
    from ._library import MusicLibrary

__all__ = ["Plan", "IndexReport", "INDEX_BATCH_SIZE"]

#: Analysed tracks per write transaction of :meth:`MusicLibrary.index` (and at least one
#: commit a second): tracks arrive at tens per second, so a commit each few costs nothing
#: next to the analysis, and a run that is killed loses only the few not yet committed
#: besides those in flight.
INDEX_BATCH_SIZE = 8


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
    be opened raises (and is then not recorded). Tags are a convenience, never a reason
    to fail a file: a tag reader that fails leaves them empty.
    """
    from ..batch import _format_exception

    fp = file_fingerprint(path)
    meta = {}
    if tags is not None:
        try:
            meta = display_tags(tags(path))
        except Exception:  # noqa: BLE001 - see docstring
            pass
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


def _check_points(points, n: int) -> np.ndarray:
    """A predictor's output as an (n, 3) array of finite numbers, or ModelError."""
    try:
        arr = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise ModelError("the predictor returned something that is not numbers") from None
    if arr.shape != (n, 3):
        raise ModelError(f"the predictor returned shape {arr.shape}, expected ({n}, 3)")
    if not np.all(np.isfinite(arr)):
        raise ModelError("the predictor returned NaN or infinity")
    return arr


def plan(lib: MusicLibrary, paths, *, roots, retry_errors: bool, update: bool) -> Plan:
    """:meth:`MusicLibrary.plan`."""
    return _plan(lib, paths, roots=roots, retry_errors=retry_errors, update=update)[0]


def _plan(lib: MusicLibrary, paths, *, roots, retry_errors: bool, update: bool):
    """:func:`plan`, and the stored rows it read (path -> ``(id, size, mtime_ns,
    content_hash, error, has_descriptors)``), which :func:`index` uses again."""
    db = lib._store
    wanted = sorted({_normalise_path(p) for p in _as_path_list(paths)})
    with db.lock, db.sql("read failed"):
        # A path that is not text (a library made elsewhere) names no file of ours.
        stored = {
            decode_path(path): row for path, *row in db.db.execute(
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
    if touched and update and not db.readonly:
        with db.write() as conn:
            conn.executemany(
                "UPDATE tracks SET mtime_ns = ?, updated_at = ? WHERE id = ?", touched)
    return Plan(sorted(to_analyse), sorted(unchanged), sorted(set(vanished))), stored


def repredict(lib: MusicLibrary, predict_fn: Callable[[np.ndarray], np.ndarray],
              model_version: str, *, descriptor_schema: str | None,
              batch_size: int) -> int:
    """:meth:`MusicLibrary.repredict`."""
    db = lib._store
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
        with db.write() as conn:
            rows = conn.execute(sql, (last_id, *args, batch_size)).fetchall()
            if not rows:
                db.set_metadata_in({"model_version": model_version})
                break
            groups: dict[int, list] = {}
            for track_id, blob in rows:
                problem = _descriptor_problem(blob)
                if problem is not None:
                    _skip_row(conn, lib.skipped, track_id, problem)
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
                        _skip_row(conn, lib.skipped, track_id, f"stored descriptors "
                                  f"cannot be re-predicted ({exc})")
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
        lib.points()  # rebuild the points snapshot once, now, not at first match
    return n


def index(lib: MusicLibrary, paths_or_folders, *, analyse: Callable,
          predict: Callable | None, model_version: str | None, extensions, jobs: int,
          progress: bool | None, tags: Callable | None, retry_errors: bool,
          remove_vanished: bool, batch_size: int, flush_seconds: float,
          scheduler, timeout: float | None = None) -> IndexReport:
    """:meth:`MusicLibrary.index`."""
    from ..batch import Failure, Progress, map_files

    t0 = time.perf_counter()
    report = IndexReport()
    inputs = _as_path_list(paths_or_folders)
    files = scan(inputs, extensions=extensions)
    (todo, unchanged, vanished), stored = _plan(lib, files, roots=inputs,
                                                retry_errors=retry_errors, update=True)
    report.unchanged = len(unchanged)
    # the rows plan read: which unchanged files failed before, which files are stored
    report.failed_before = sum(stored[p][4] is not None for p in unchanged)
    if remove_vanished and vanished:
        report.removed = lib.remove_paths(vanished)
    known = {p for p in todo if p in stored}
    pending: list[tuple[str, _Analysed]] = []
    schemas: set = set()
    last_flush = time.monotonic()

    def flush() -> None:
        nonlocal last_flush
        rows = _analysed_rows(pending, predict, model_version)
        lib.upsert_many(rows, batch_size=max(batch_size, len(rows)))
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
                                      scheduler=scheduler, timeout=timeout):
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
        lib.set_metadata(**meta)
    if not report.interrupted:
        lib.points()  # rebuild the points snapshot once, now, not at first match
    report.seconds = time.perf_counter() - t0
    return report


def _analysed_rows(pending, predict, model_version) -> list[dict]:
    """The rows to store for analysed files, their points predicted (if `predict`)
    once per descriptor schema and length."""
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
