"""One batch engine for every extractor: files in, named rows out.

``extract-image``, ``extract-audio`` and library indexing all run through
:func:`map_files`: parallel over files with joblib worker processes, results yielded in
input order as they complete (so memory stays bounded: nothing holds all vectors of a
huge folder), per-file failures recorded with their reason instead of stopping the
batch, and a progress bar with rate and ETA on stderr.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .errors import AffectError

__all__ = ["Failure", "BatchSummary", "expand_paths", "map_files", "Progress",
           "default_jobs"]


@dataclass(frozen=True)
class Failure:
    """A file that could not be processed, and why (one line, no traceback)."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class BatchSummary:
    """What a batch did: counts and the failures, for the final report."""

    n_total: int = 0
    n_done: int = 0
    n_skipped: int = 0
    failures: list[Failure] = field(default_factory=list)
    interrupted: bool = False


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def expand_paths(paths: Iterable, extensions: Iterable[str] | None = None,
                 *, failures: list[Failure] | None = None) -> list[str]:
    """Expand files and folders (recursively) into a sorted, de-duplicated file list.

    Folders contribute the files whose suffix (lower-cased) is in `extensions`; files
    named explicitly are always kept, whatever their suffix, so that a wrong extension
    gets a clear decoding error rather than silence. Symbolic links to folders are not
    followed (no loops). Paths that do not exist are recorded in `failures` (if given)
    or raise :class:`AffectError`.
    """
    exts = None if extensions is None else {e.lower() for e in extensions}
    out: list[str] = []
    seen: set[str] = set()

    def add(p: str) -> None:
        if p not in seen:
            seen.add(p)
            out.append(p)

    for raw in paths:
        p = os.fspath(raw)
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p, followlinks=False):
                dirs.sort()
                for name in files:
                    if exts is None or os.path.splitext(name)[1].lower() in exts:
                        found.append(os.path.join(root, name))
            for f in sorted(found):
                add(f)
        elif os.path.lexists(p):
            add(p)
        else:
            fail = Failure(p, "no such file or directory")
            if failures is None:
                raise AffectError(str(fail))
            failures.append(fail)
    return out


def _format_exception(exc: BaseException) -> str:
    if isinstance(exc, AffectError):
        reason = getattr(exc, "reason", None) or str(exc)
    elif isinstance(exc, MemoryError):
        reason = "out of memory"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return " ".join(str(reason).split())  # one line


def _call(func: Callable, path: str):
    """Run `func(path)` in a worker; never raise (but for interrupts)."""
    try:
        return True, func(path)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - any failure is one file's failure
        return False, _format_exception(exc)


def map_files(func: Callable, paths: Sequence[str], *, n_jobs: int = 1,
              progress: "Progress | None" = None) -> Iterator[tuple[str, object]]:
    """Apply ``func(path)`` to every path; yield ``(path, result_or_Failure)`` in order.

    Parameters
    ----------
    func : callable
        A picklable function of one path. An exception in it becomes a
        :class:`Failure` with a one-line reason; the batch goes on.
    paths : sequence of str
    n_jobs : int
        Worker processes (joblib's loky backend). 1 runs in this process;
        -1 or 0 means all cores.
    progress : Progress, optional
        Advanced once per file.

    Yields
    ------
    path, result : str, object or Failure
    """
    if n_jobs is None or n_jobs <= 0:
        n_jobs = default_jobs()
    n_jobs = min(n_jobs, max(1, len(paths)))
    if n_jobs == 1:
        results: Iterable = (_call(func, p) for p in paths)
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=n_jobs, return_as="generator",
                           pre_dispatch=f"{4 * n_jobs}", batch_size=1)(
            delayed(_call)(func, p) for p in paths)
    for path, (ok, value) in zip(paths, results):
        if progress is not None:
            progress.update(1, failed=not ok)
        yield path, (value if ok else Failure(path, value))


def _fmt_seconds(s: float) -> str:
    s = int(round(s))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


class Progress:
    """A one-line progress bar on stderr with count, rate and ETA.

    Drawn at most ten times a second; silent when `enabled` is false (the default is
    to draw only when stderr is a terminal).
    """

    def __init__(self, total: int, *, label: str = "", enabled: bool | None = None,
                 stream=None):
        self.total = int(total)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = (self.stream.isatty() if enabled is None else enabled) and total > 0
        self.done = 0
        self.failed = 0
        self._t0 = time.monotonic()
        self._last = 0.0

    def update(self, n: int = 1, *, failed: bool = False) -> None:
        self.done += n
        self.failed += int(failed)
        now = time.monotonic()
        if self.enabled and (now - self._last >= 0.1 or self.done >= self.total):
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self._t0, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 24
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "." * (width - filled)
        fail = f" {self.failed} failed" if self.failed else ""
        self.stream.write(
            f"\r{self.label}[{bar}] {self.done}/{self.total} {rate:.1f}/s "
            f"ETA {_fmt_seconds(left)}{fail} ")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
