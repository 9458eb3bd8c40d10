"""Feature tables on disk: CSV, JSON lines, NPZ and Parquet, written atomically and
resumably.

Rows are ``(path, vector)`` with the feature names as columns. A writer streams rows to
``<output>.partial`` in the output's folder and renames it over the output only when
closed (``os.replace`` is atomic on POSIX), so an output file is never half-written.
Closing after an interruption keeps the rows completed so far, and a later run with the
same output reads them back (:func:`read_table`) and skips those paths: extraction is
resumable. A ``.partial`` left behind by a killed process is read back too (only its
complete rows).

Parquet (``pyarrow``, the ``parquet`` extra) is written in row groups of
:data:`PARQUET_ROW_GROUP` rows as results arrive, so memory stays flat however many
files; a Parquet file is readable only once closed, so a *killed* run's Parquet rows are
lost (an interrupted one keeps them, as every format does). NPZ holds its rows in
memory until closed.

Outputs never destroy: an existing output is replaced only by a complete new file (a
fatal error keeps it untouched, :meth:`TableWriter.abort`; an interrupted ``--overwrite``
run leaves it as it was and its rows in ``.partial``); a second writer of the same output
fails at once (``<output>.lock``); an output that exists and is a
device, FIFO, socket or folder is refused before any work; a symbolic link is written
through to its target, which is replaced, and stays a link (:func:`affect_features.writing.output_target`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
from collections.abc import Sequence

import numpy as np

from .errors import AffectError, ParameterError
from .writing import (_clear_non_regular, _create_new, _lock_output, _unlink_quietly,
                      atomic_write_bytes, atomic_write_text, output_target)

__all__ = ["FORMATS", "format_of", "read_table", "TableWriter", "output_target",  # re-exported
           "atomic_write_bytes", "atomic_write_text"]

FORMATS = ("csv", "jsonl", "npz", "parquet")
#: Rows per Parquet row group: written as results arrive, so memory stays flat.
PARQUET_ROW_GROUP = 1024


def _pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise AffectError("Parquet output needs pyarrow: pip install "
                          "'affect-features[parquet]'") from None
    return pyarrow


def format_of(path: str | None) -> str:
    """Output format from a file name (``None`` or ``-`` is CSV on stdout; a
    ``.partial`` working file has its output's format)."""
    if path in (None, "-"):
        return "csv"
    name = os.fspath(path)
    if name.endswith(".partial"):  # a writer's working file: the format of its output
        name = name[: -len(".partial")]
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    if ext in ("csv", "jsonl", "npz", "parquet"):
        return ext
    if ext in ("json", "ndjson"):
        return "jsonl"
    raise ParameterError(f"{path}: unknown output format; use .csv, .jsonl, .npz or "
                         f".parquet")


def _finite_row(values, path: str, where: str, tolerant: bool) -> list[float] | None:
    """A row's values as floats. The writer never writes a non-finite value, so a
    row holding one (``nan``, ``inf``: a table edited by hand, a damaged file) is not a
    finished row: dropped when `tolerant` (its file is computed again on resume), else
    an error naming the row. Never replaced by a number."""
    row = [float(v) for v in values]
    if all(math.isfinite(v) for v in row):
        return row
    if tolerant:
        return None
    raise AffectError(f"{path}: {where} holds a value that is not a finite number")


def _read_csv(path: str, *, tolerant: bool):
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as fh:
        text = fh.read()
    if tolerant and text and not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]  # drop a half-written last line
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or not header or header[0] != "path":
        raise AffectError(f"{path}: not a feature table (first column must be 'path')")
    names = header[1:]
    paths, rows = [], []
    for rec in reader:
        if len(rec) != len(header):
            if tolerant:
                continue
            raise AffectError(f"{path}: row {len(rows) + 2} has {len(rec)} fields, "
                              f"expected {len(header)}")
        row = _finite_row(rec[1:], path, f"row {len(rows) + 2}", tolerant)
        if row is not None:
            paths.append(rec[0])
            rows.append(row)
    return names, paths, rows


def _read_jsonl(path: str, *, tolerant: bool):
    names = None
    paths, rows = [], []
    with open(path, encoding="utf-8", errors="surrogateescape") as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                p = obj.pop("path")
            except (ValueError, KeyError, AttributeError):
                if tolerant:
                    continue
                raise AffectError(f"{path}: line {i} is not a feature row") from None
            if names is None:
                names = list(obj)
            elif list(obj) != names:
                raise AffectError(f"{path}: line {i} has other columns than line 1")
            row = _finite_row(obj.values(), path, f"line {i}", tolerant)
            if row is not None:
                paths.append(p)
                rows.append(row)
    return names or [], paths, rows


def _finite_rows(path: str, names, paths, X: np.ndarray, tolerant: bool):
    """:func:`_finite_row` for a whole matrix (NPZ, Parquet)."""
    ok = np.all(np.isfinite(X), axis=1) if X.size else np.ones(len(X), dtype=bool)
    if not ok.all():
        if not tolerant:
            raise AffectError(f"{path}: row {int(np.argmin(ok)) + 1} holds a value that "
                              f"is not a finite number")
        paths = [p for p, k in zip(paths, ok) if k]
        X = X[ok]
    return names, paths, X


def read_table(path: str, *, tolerant: bool = False, fmt: str | None = None):
    """Read a feature table written by :class:`TableWriter`.

    With `tolerant`, rows that are incomplete (a run killed mid-write) or hold a
    value that is not a finite number are dropped instead of raising. `fmt` overrides the format implied by the file name.

    Returns
    -------
    names : list of str
    paths : list of str
    X : ndarray, shape (n_rows, n_names)
    """
    fmt = fmt or format_of(path)
    from .files import check_regular_file

    check_regular_file(path, "feature table")  # a FIFO or device would never end
    try:
        if fmt == "parquet":
            pa = _pyarrow()
            table = pa.parquet.read_table(path)
            names = [n for n in table.column_names if n != "path"]
            if table.column_names[:1] != ["path"]:
                raise AffectError(f"{path}: not a feature table (first column must be "
                                  f"'path')")
            X = (np.column_stack([table.column(n).to_numpy() for n in names])
                 if names and table.num_rows else np.zeros((table.num_rows, len(names))))
            return _finite_rows(path, names, [str(p) for p in
                                              table.column("path").to_pylist()],
                                np.asarray(X, dtype=np.float64), tolerant)
        if fmt == "npz":
            with np.load(path, allow_pickle=False) as z:
                return _finite_rows(path, [str(n) for n in z["names"]],
                                    [str(p) for p in z["paths"]],
                                    np.asarray(z["X"], dtype=np.float64), tolerant)
        reader = _read_csv if fmt == "csv" else _read_jsonl
        names, paths, rows = reader(path, tolerant=tolerant)
    except AffectError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader's failure: one line
        raise AffectError(f"{path}: cannot read feature table "
                          f"({' '.join(str(exc).split()) or type(exc).__name__})") from None
    X = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(names))
    return names, paths, X


def _fmt(v: float) -> str:
    return repr(float(v))  # shortest repr that round-trips exactly


#: Suffix of the sidecar that records how an output's rows were computed.
SETTINGS_SUFFIX = ".settings.json"


class TableWriter:
    """Stream ``(path, vector)`` rows to a CSV, JSONL or NPZ file, atomically.

    Parameters
    ----------
    path : str or None
        Output file; ``None`` or ``"-"`` writes CSV to stdout (streamed, not atomic).
    names : sequence of str
        Column names.
    resume : bool
        If the output (or a ``.partial`` of it) exists, keep its rows and report their
        paths in :attr:`done` so the caller can skip them. Its columns must equal
        `names`. If false, an existing output is replaced when the writer closes.
    meta : dict, optional
        Extra scalars stored in an NPZ (e.g. the schema version).
    settings, default_settings : dict, optional
        How the rows were computed beyond the columns (the audio analysis window), and
        its defaults. Settings other than the defaults are recorded in a small sidecar,
        ``OUT.settings.json`` (``OUT.partial.settings.json`` while the run goes on); an
        output without one was computed with the defaults. A resumed run with other
        settings than its output's is refused (its rows would mix two definitions).
    """

    def __init__(self, path: str | None, names: Sequence[str], *, resume: bool = True,
                 meta: dict | None = None, settings: dict | None = None,
                 default_settings: dict | None = None):
        self.path = None if path in (None, "-") else os.fspath(path)
        self.format = format_of(self.path)
        self.names = list(names)
        self.settings = {str(k): str(v) for k, v in sorted((settings or {}).items())}
        self.default_settings = {str(k): str(v)
                                 for k, v in sorted((default_settings or {}).items())}
        self.meta = {**dict(meta or {}), **self.settings}
        self.resume = bool(resume)
        self.done: set[str] = set()
        self.n_written = 0
        self._closed = False
        self._lock_fd: int | None = None
        self._npz_paths: list[str] = []
        self._npz_rows: list[np.ndarray] = []
        if self.path is None:
            self._fh = sys.stdout
            self._start_text()
            return
        # A symbolic link is written through: its target is replaced, the link stays.
        self._target = output_target(self.path)
        self.partial = self._target + ".partial"
        self._lock_fd = _lock_output(self._target, self.path)
        try:
            self._open_partial(resume)
        except BaseException:
            self._release()
            raise
        self.n_written = 0

    def _open_partial(self, resume: bool) -> None:
        old_paths, old_X = [], None
        self._n_recovered = 0  # rows of an earlier .partial that the output lacks
        # Our own working files: anything else by those names (a link, a device, left
        # there by someone) is removed, never read or written through.
        _clear_non_regular(self.partial, self.path)
        if resume:
            for src, tolerant in ((self._target, False), (self.partial, True)):
                if os.path.exists(src) and os.path.getsize(src) > 0:
                    self._check_settings(src)
                    try:
                        names_, paths_, X_ = read_table(src, tolerant=tolerant,
                                                         fmt=self.format)
                    except AffectError:
                        if tolerant:
                            continue
                        raise
                    if names_ != self.names:
                        raise AffectError(
                            f"{self.path if src == self._target else src}: holds other "
                            f"feature columns than this run (other groups or schema); "
                            f"choose another output or --overwrite")
                    keep = [i for i, p in enumerate(paths_) if p not in self.done]
                    old_paths += [paths_[i] for i in keep]
                    self.done.update(paths_)
                    old_X = X_[keep] if old_X is None else np.vstack([old_X, X_[keep]])
                    if src == self.partial:
                        self._n_recovered = len(keep)
        self._write_settings(self.partial)
        tmp = self.partial + ".tmp"
        self._fh = None
        try:
            if self.format == "parquet":
                pa = _pyarrow()
                self._pq_schema = pa.schema(
                    [("path", pa.string())] + [(n, pa.float64()) for n in self.names])
                self._pq = pa.parquet.ParquetWriter(self.partial, self._pq_schema)
            elif self.format != "npz":  # NPZ rows stay in memory until closed
                # Rows recovered from an old .partial are copied into a fresh temporary
                # file that then replaces it, so a failure here loses none of them.
                self._fh = io.TextIOWrapper(_create_new(tmp), encoding="utf-8",
                                            errors="surrogateescape", newline="")
                self._start_text()
            for p, x in zip(old_paths, old_X if old_X is not None else []):
                self._write(p, x)
            if self._fh is not None:
                os.replace(tmp, self.partial)
        except OSError as exc:
            if self._fh is not None:
                try:
                    self._fh.close()
                except OSError:
                    pass
                _unlink_quietly(tmp)
            raise AffectError(f"{self.path}: cannot write ({exc.strerror or exc})") from None

    def _check_settings(self, src: str) -> None:
        """Refuse to resume `src` if it was computed with other settings (its sidecar,
        or the defaults when it has none)."""
        from .files import read_text

        sidecar = src + SETTINGS_SUFFIX
        old = self.default_settings
        if os.path.isfile(sidecar):
            try:
                old = json.loads(read_text(sidecar, "settings", 1 << 20,
                                           error=AffectError))
            except (AffectError, ValueError):
                return  # unreadable: the columns check still guards the rows
        new = self.settings
        if not isinstance(old, dict) or not new or old == new:
            return
        diff = ", ".join(f"{k} {old.get(k, '-')} (now {new.get(k, '-')})"
                         for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k))
        raise AffectError(f"{self.path}: its rows were computed with other settings: "
                          f"{diff}; use the same options to resume, another output, or "
                          f"--overwrite")

    def _write_settings(self, base: str) -> None:
        sidecar = base + SETTINGS_SUFFIX
        if not self.settings or self.settings == self.default_settings:
            if os.path.isfile(sidecar) and not os.path.islink(sidecar):
                _unlink_quietly(sidecar)  # this run's rows are of the defaults
            return
        try:
            atomic_write_bytes(sidecar,
                               (json.dumps(self.settings, indent=1) + "\n").encode())
        except AffectError:
            pass  # a sidecar that cannot be written costs only the resume check

    def _start_text(self) -> None:
        if self.format == "csv":
            self._csv = csv.writer(self._fh, lineterminator="\n")
            self._csv.writerow(["path", *self.names])

    def _write(self, path: str, vector) -> None:
        vec = np.asarray(vector, dtype=np.float64).ravel()
        if vec.shape[0] != len(self.names):
            raise AffectError(f"{path}: {vec.shape[0]} values for {len(self.names)} columns")
        if self.format in ("npz", "parquet"):
            self._npz_paths.append(path)
            self._npz_rows.append(vec)
            if self.format == "parquet" and len(self._npz_rows) >= PARQUET_ROW_GROUP:
                self._flush_row_group()
        elif self.format == "csv":
            self._csv.writerow([path, *map(_fmt, vec)])
        else:
            obj = {"path": path}
            obj.update(zip(self.names, map(float, vec)))
            self._fh.write(json.dumps(obj) + "\n")
        if self._fh is not None:
            self._fh.flush()  # a killed run keeps every completed row in .partial

    def _flush_row_group(self) -> None:
        """Write the buffered rows as one Parquet row group and forget them."""
        if not self._npz_rows:
            return
        pa = _pyarrow()
        X = np.vstack(self._npz_rows)
        cols = [pa.array(self._npz_paths, type=pa.string())] + \
            [pa.array(X[:, j]) for j in range(X.shape[1])]
        self._pq.write_table(pa.Table.from_arrays(cols, schema=self._pq_schema))
        self._npz_paths, self._npz_rows = [], []

    def write(self, path: str, vector) -> None:
        """Append one row."""
        try:
            self._write(os.fspath(path) if not isinstance(path, str) else path, vector)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise AffectError(f"{self.path or '<stdout>'}: cannot write "
                              f"({exc.strerror or exc})") from None
        self.n_written += 1

    def _finish_partial(self) -> None:
        """Write what is buffered and make ``.partial`` a complete, synced file."""
        if self.format == "parquet":
            self._flush_row_group()
            self._pq.close()
        elif self.format == "npz":
            X = (np.vstack(self._npz_rows) if self._npz_rows
                 else np.zeros((0, len(self.names))))
            tmp = self.partial + ".tmp"
            try:
                with _create_new(tmp) as fh:
                    np.savez_compressed(
                        fh, X=X, names=np.array(self.names, dtype=str),
                        paths=np.array(self._npz_paths, dtype=str),
                        **{k: np.asarray(v) for k, v in self.meta.items()})
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.partial)
            except BaseException:
                _unlink_quietly(tmp)
                raise
        else:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()

    def close(self, *, complete: bool = True) -> None:
        """Finish the file and move it into place (atomic).

        Parameters
        ----------
        complete : bool
            False for a run that was interrupted. When resuming, the new file holds
            every row of the old one, so it replaces it all the same; with
            ``resume=False`` (``--overwrite``) an existing output is then kept as it was
            and the rows so far stay in ``.partial`` (:attr:`kept_partial`): an
            existing output is only ever replaced by a complete new one.
        """
        if self._closed:
            return
        self._closed = True
        self.kept_partial = False
        if self.path is None:
            self._fh.flush()
            return
        try:
            self._finish_partial()
            if complete or self.resume or not os.path.lexists(self._target):
                os.replace(self.partial, self._target)
                sidecar = self.partial + SETTINGS_SUFFIX
                if os.path.isfile(sidecar):
                    os.replace(sidecar, self._target + SETTINGS_SUFFIX)
                elif os.path.isfile(self._target + SETTINGS_SUFFIX):
                    _unlink_quietly(self._target + SETTINGS_SUFFIX)  # defaults now
            else:
                self.kept_partial = True
        except OSError as exc:
            kept = (f"; rows so far are kept in {self.partial}"
                    if os.path.exists(self.partial) and self.n_written else "")
            raise AffectError(f"{self.path}: cannot write ({exc.strerror or exc})"
                              f"{kept}") from None
        finally:
            self._release()

    def abort(self) -> None:
        """Stop after a fatal error without touching the output.

        The rows of this run (and those recovered from an earlier ``.partial``) stay in
        ``.partial`` for a later run to resume from; a ``.partial`` without any row is
        removed. Idempotent, and a no-op after :meth:`close`.
        """
        if self._closed:
            return
        self._closed = True
        self.kept_partial = False
        if self.path is None:
            return
        try:
            if self.n_written + self._n_recovered:
                # rows the output does not have: kept for a later run to resume
                self._finish_partial()
                self.kept_partial = True
            else:
                if self.format == "parquet":
                    self._pq.close()
                elif self._fh is not None:
                    self._fh.close()
                _unlink_quietly(self.partial)
        except OSError:
            pass  # the fatal error is what the caller reports
        finally:
            self._release()

    def _release(self) -> None:
        """Give up the output's lock (see :func:`_lock_output`)."""
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            _unlink_quietly(self._target + ".lock")
            os.close(fd)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is None:
            self.close()
        elif issubclass(exc_type, KeyboardInterrupt):
            self.close(complete=False)
        else:
            self.abort()
        return False
