"""One batch engine for every extractor: files in, named rows out.

``extract-image``, ``extract-audio`` and library indexing all run through
:func:`map_files`: parallel over files with worker processes, results yielded in
input order as they complete (so memory stays bounded: nothing holds all vectors of a
huge folder), per-file failures recorded with their reason instead of stopping the
batch, a time limit per file (so one pathological file cannot hang a batch; see
:func:`map_files`), and a progress bar with rate and ETA on stderr.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .errors import AffectError, ParameterError

__all__ = ["Failure", "printable_path", "BatchSummary", "map_files",
           "Progress", "default_jobs", "default_timeout", "FileTimeout", "time_limit",
           "DEFAULT_TIMEOUT", "TIMEOUT_ENV"]

#: Time limit per file in seconds, unless :data:`TIMEOUT_ENV` says otherwise. Far above
#: what any file needs (about 0.1 s for a photo, 0.5 s for a track's 30-s window), so
#: it only ever stops a hang.
DEFAULT_TIMEOUT = 120.0
#: Environment variable with the per-file time limit in seconds (``0``, ``none`` or
#: ``off``: no limit).
TIMEOUT_ENV = "AFFECT_FILE_TIMEOUT"


def printable_path(path: str) -> str:
    """`path` for a one-line message: characters that are not printable (a newline or
    tab in a file name, the surrogate escapes that stand for bytes of a name that is
    not UTF-8) are shown as Python escapes, e.g. ``new\\nline.jpg``, ``caf\\udce9.jpg``.
    Printable names, including non-ASCII ones, are unchanged."""
    if path.isprintable():
        return path
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in path)


@dataclass(frozen=True)
class Failure:
    """A file that could not be processed, and why (one line, no traceback).

    ``str(failure)`` is ``"path: reason"`` on one line, whatever characters the file
    name holds (see :func:`printable_path`).
    """

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{printable_path(self.path)}: {self.reason}"


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


def default_timeout() -> float | None:
    """The per-file time limit in seconds from :data:`TIMEOUT_ENV`, else 120 s.

    Returns None (no limit) for ``0``, a negative number, ``inf``, ``none`` or ``off``.

    Raises
    ------
    ParameterError
        If the variable is set to something else than a number or those words.
    """
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    if raw.lower() in ("none", "off", "no"):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ParameterError(f"{TIMEOUT_ENV} must be a number of seconds (0 or 'none' "
                             f"for no limit), got {raw!r}") from None
    return _check_timeout(value)


def _check_timeout(timeout) -> float | None:
    """Validate a time limit: a positive finite number, or None for no limit."""
    if timeout is None:
        return None
    try:
        value = float(timeout)
    except (TypeError, ValueError):
        raise ParameterError(f"timeout must be a number of seconds, got {timeout!r}") from None
    if math.isnan(value):
        raise ParameterError("timeout must be a number of seconds, got nan")
    if value <= 0 or math.isinf(value):
        return None
    return value


class FileTimeout(BaseException):
    """Raised inside a call that exceeded its :func:`time_limit`.

    A :class:`BaseException` (like :class:`KeyboardInterrupt`), so that the
    ``except Exception`` clauses of the code being interrupted do not swallow it.
    """

    def __init__(self, seconds: float):
        self.seconds = float(seconds)
        super().__init__(f"timed out after {self.seconds:g} s")

    def __str__(self) -> str:
        return f"timed out after {self.seconds:g} s"


def _signals_usable() -> bool:
    return (hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread())


class time_limit:
    """Context manager: raise :class:`FileTimeout` in its body after `seconds`.

    Implemented with ``setitimer(ITIMER_REAL)`` and ``SIGALRM``, so it works in the
    main thread of a process: the CLI, a script, and the batch engine's worker
    processes (which run their tasks in their main thread). Elsewhere (another
    thread, a platform without ``SIGALRM`` such as Windows) and when the caller has
    armed a real-time timer of its own (an enclosing limit, ``signal.alarm``), the body
    runs without this limit.
    ``seconds=None`` means no limit.

    The exception is raised when the interpreter next runs Python code: a single C
    call that never returns (a blocking read of a pipe, say) is not interrupted. After
    the first signal the timer repeats every second, so that code which catches the
    exception and goes on is interrupted again.

    Examples
    --------
    >>> import time
    >>> try:
    ...     with time_limit(0.05):
    ...         time.sleep(1)
    ... except FileTimeout as exc:
    ...     print(exc)
    timed out after 0.05 s
    """

    def __init__(self, seconds: float | None):
        self.seconds = _check_timeout(seconds)
        self._armed = False
        self._previous = None

    def _on_alarm(self, signum, frame):
        if self._armed:
            raise FileTimeout(self.seconds)

    def __enter__(self):
        if self.seconds is None or not _signals_usable():
            return self
        if signal.getitimer(signal.ITIMER_REAL)[0] > 0:
            return self  # the caller's timer: leave it alone
        self._previous = signal.signal(signal.SIGALRM, self._on_alarm)
        self._armed = True
        signal.setitimer(signal.ITIMER_REAL, self.seconds, 1.0)
        return self

    def __exit__(self, *exc):
        if self._armed:
            self._armed = False  # a signal arriving from here on is ignored
            signal.setitimer(signal.ITIMER_REAL, 0)
            if self._previous is not None:
                signal.signal(signal.SIGALRM, self._previous)
        return False


def _format_exception(exc: BaseException) -> str:
    if isinstance(exc, FileTimeout):
        reason = str(exc)
    elif isinstance(exc, AffectError):
        reason = getattr(exc, "reason", None) or str(exc)
    elif isinstance(exc, MemoryError):
        reason = "out of memory"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return " ".join(str(reason).split())  # one line


def _call(func: Callable, path: str, timeout: float | None = None):
    """Run `func(path)` in a worker within `timeout` seconds; never raise (but for
    interrupts)."""
    try:
        with time_limit(timeout):
            value = func(path)
        return True, value
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - any failure is one file's failure
        return False, _format_exception(exc)


def map_files(func: Callable, paths: Sequence[str], *, n_jobs: int = 1,
              progress: "Progress | None" = None, timeout: float | None = None,
              scheduler=None) -> Iterator[tuple[str, object]]:
    """Apply ``func(path)`` to every path; yield ``(path, result_or_Failure)`` in order.

    Parameters
    ----------
    func : callable
        A picklable function of one path. An exception in it becomes a
        :class:`Failure` with a one-line reason; the batch goes on.
    paths : sequence of str
    n_jobs : int
        Worker processes (see :func:`_process_results`: a worker that dies fails only
        the file it held, and the batch goes on). 1 runs in this process; -1 or 0
        means all cores.
    progress : Progress, optional
        Advanced once per file.
    timeout : float, optional
        Time limit per file in seconds: a file that takes longer becomes
        ``Failure(path, "timed out after N s")`` and the batch goes on; 0 or ``inf``
        means no limit. Enforced with ``SIGALRM`` in the process running the call (see
        :class:`time_limit` for where that is not possible and what it cannot
        interrupt). A number given here applies wherever the calls run, this process
        included. None (default): the engine's own worker processes (``n_jobs`` > 1)
        and Dask calls get :func:`default_timeout` (``AFFECT_FILE_TIMEOUT``, else
        120 s), and calls in this process (``n_jobs=1``) get no limit, so that a
        library call (a transformer, a batch extraction) arms no signal in its
        caller's process and reads no environment variable there; an application
        that wants the limit in its own process too (the ``affect`` command) passes
        ``timeout=default_timeout()``.
    scheduler : str or dask.distributed cluster, optional
        Run the calls on a Dask distributed cluster instead of local processes
        (``"tcp://host:8786"``, or a cluster object). Same results, same order, same
        failure records: the calls are submitted in a bounded window (four per worker
        thread) and collected in input order, so memory stays bounded too; a call lost
        with a worker that dies is recomputed by Dask on another. An unreachable
        scheduler is an error after ``AFFECT_DASK_CONNECT_TIMEOUT`` seconds (default
        20). Needs the ``dask``
        extra. The per-file time limit applies where the worker runs tasks in its main
        thread (Dask workers use threads, so there it is not enforced).

    Yields
    ------
    path, result : str, object or Failure

    Raises
    ------
    ParameterError
        At the call (not at the first item) if `timeout`, or ``AFFECT_FILE_TIMEOUT``
        where it applies, is not a number of seconds.
    """
    if n_jobs is None or n_jobs <= 0:
        n_jobs = default_jobs()
    n_jobs = min(n_jobs, max(1, len(paths)))
    if timeout is not None:
        timeout = _check_timeout(timeout)
    elif n_jobs > 1 or scheduler is not None:
        timeout = default_timeout()  # the engine's own processes, or the cluster's
    return _map_files(func, paths, n_jobs, progress, timeout, scheduler)


def _dask_results(func, paths, timeout, scheduler) -> Iterator[tuple[bool, object]]:
    """``_call(func, path, timeout)`` for every path on a Dask cluster, in order."""
    import collections
    import itertools

    try:
        from distributed import Client
    except ImportError:
        raise AffectError("a Dask scheduler needs Dask: pip install "
                          "'affect-features[dask]'") from None
    try:
        wait = float(os.environ.get("AFFECT_DASK_CONNECT_TIMEOUT", "20"))
        client = Client(scheduler, timeout=f"{wait}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise AffectError(f"cannot reach the Dask scheduler {scheduler} "
                          f"({_format_exception(exc)})") from None
    try:
        window = 4 * max(1, sum(client.nthreads().values()))
        todo = iter(paths)
        pending = collections.deque(
            client.submit(_call, func, p, timeout, pure=False)
            for p in itertools.islice(todo, window))
        while pending:
            future = pending.popleft()
            try:
                result = future.result()
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - e.g. KilledWorker
                result = (False, f"cluster: {_format_exception(exc)}")
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(client.submit(_call, func, nxt, timeout, pure=False))
            yield result
    finally:
        client.close()


def _worker_main(fd: int) -> None:
    """A worker process of :func:`_process_results`, on the socket `fd`: its parent's
    ``sys.path`` and the function come first, then ``(index, path)`` tasks in and
    ``(index, ok, value)`` out, until told to stop (``None``) or the socket closes
    (the parent is gone)."""
    import pickle
    from multiprocessing.connection import Connection

    conn = Connection(fd)
    try:
        sys.path[:] = conn.recv()
        func, timeout = pickle.loads(conn.recv_bytes())
    except (EOFError, OSError):
        return
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        index, path = task
        ok, value = _call(func, path, timeout)
        try:
            conn.send((index, ok, value))
        except (BrokenPipeError, EOFError, OSError):
            return
        except Exception as exc:  # noqa: BLE001 - a result that cannot be pickled
            conn.send((index, False,
                       f"result cannot be sent back ({_format_exception(exc)})"))


#: The BLAS libraries of a worker process run one thread, from the process's start
#: (read when a library loads, so nothing is changed at run time, and the parent's
#: own threads are left as they are): there is one worker per core, and the analyses
#: multiply small matrices (filter banks, 1025-bin spectra), where more BLAS threads
#: only fight for the cores (on a busy machine their synchronisation made the mel
#: product 40 times slower, 52 ms instead of 1.3 ms, measured).
_WORKER_BLAS_ENV = {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                    "BLIS_NUM_THREADS": "1"}


class _Worker:
    """One worker process, its socket and the task it holds (index, start time).

    A fresh interpreter (not a fork, not ``multiprocessing``'s spawn, which runs the
    caller's main module again) that imports only what the function needs, in a process
    group of its own: a Ctrl-C at the terminal reaches the parent alone, which stops its
    workers itself, so no worker dies half-way printing a traceback.
    """

    __slots__ = ("proc", "conn", "task", "started")

    def __init__(self, payload: bytes):
        import socket
        import subprocess
        from multiprocessing.connection import Connection

        ours, theirs = socket.socketpair()
        # The package is importable in the worker wherever it is imported from here
        # (an uninstalled checkout too); the rest of sys.path follows on the socket.
        package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [package_root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        env.update(_WORKER_BLAS_ENV)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "from affect_features.batch import "
                 f"_worker_main; _worker_main({theirs.fileno()})"],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env,
                process_group=0, close_fds=True)
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())
        self.conn.send(list(sys.path))
        self.conn.send_bytes(payload)
        self.task: int | None = None
        self.started = 0.0

    def exitcode(self):
        """The process's exit status once it ended (negative: killed by that signal)."""
        try:
            return self.proc.wait(1.0)
        except Exception:  # noqa: BLE001 - still running
            return None

    def stop(self) -> None:
        """End the process (SIGTERM, then SIGKILL after a second) and close the socket."""
        try:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(1.0)
                except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired
                    self.proc.kill()
                    self.proc.wait(1.0)
        finally:
            self.conn.close()


def _death_reason(exitcode) -> str:
    """Why a worker process ended without answering, for the file it held."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (out of memory, or killed)" if name == "SIGKILL" else ""
        return f"the worker process died with {name}{hint} while analysing this file"
    return f"the worker process exited (status {exitcode}) while analysing this file"


#: Extra time a worker is given beyond the per-file limit before its parent stops it:
#: the limit is enforced inside the worker (:class:`time_limit`), which cannot interrupt
#: a C call that never returns; the parent's deadline can.
_HARD_LIMIT_GRACE = 10.0


def _process_results(func, paths, n_jobs, timeout) -> Iterator[tuple[bool, object]]:
    """``_call(func, path, timeout)`` for every path in `n_jobs` worker processes, in
    input order.

    The parent hands one file at a time to each worker and keeps at most ``4 * n_jobs``
    results ahead of the consumer, so memory stays bounded. It knows which file each
    worker holds, so a worker that dies (SIGKILL, the kernel's out-of-memory killer, a
    crash in C) fails only that file, reported once
    (:func:`_death_reason`), and is replaced; a worker stuck past the time limit plus
    :data:`_HARD_LIMIT_GRACE` in code the alarm cannot interrupt is stopped the same way.
    On an interrupt or when the consumer stops, every worker is stopped and reaped: no
    traceback from a worker, no process left behind (:class:`_Worker`). Functions are
    sent with cloudpickle (as joblib does), so any function joblib accepts works here,
    and a script calling this needs no ``if __name__ == "__main__"`` guard.
    """
    from multiprocessing.connection import wait

    try:  # joblib's own dependency (bundled in joblib before 1.5)
        import cloudpickle
    except ImportError:  # pragma: no cover
        from joblib.externals import cloudpickle

    payload = cloudpickle.dumps((func, timeout))
    hard = None if timeout is None else timeout + max(_HARD_LIMIT_GRACE, timeout)
    n, window = len(paths), 4 * n_jobs
    results: dict[int, tuple[bool, object]] = {}
    workers: list[_Worker] = []
    next_task = next_out = 0
    try:
        workers = [_Worker(payload) for _ in range(min(n_jobs, n))]
        while next_out < n:
            for i, w in enumerate(workers):
                while w.task is None and next_task < n and next_task - next_out < window:
                    try:
                        w.conn.send((next_task, paths[next_task]))
                    except OSError:  # died while idle: replace it, hand the file on
                        w.stop()
                        w = workers[i] = _Worker(payload)
                        continue
                    w.task, w.started = next_task, time.monotonic()
                    next_task += 1
            busy = [w for w in workers if w.task is not None]
            if not busy:  # pragma: no cover - cannot happen while results are due
                break
            wait_for = None
            if hard is not None:
                wait_for = max(0.0, min(w.started for w in busy) + hard - time.monotonic())
            ready = set(wait([w.conn for w in busy], timeout=wait_for))
            for w in busy:
                i = workers.index(w)
                if w.conn in ready:
                    try:
                        index, ok, value = w.conn.recv()
                        results[index] = (ok, value)
                        w.task = None
                        continue
                    except (EOFError, OSError):  # its end closed: the worker died
                        pass
                    results[w.task] = (False, _death_reason(w.exitcode()))
                elif hard is not None and time.monotonic() - w.started > hard:
                    results[w.task] = (False, f"timed out after {timeout:g} s (stuck in "
                                              f"code the time limit cannot interrupt; "
                                              f"the worker process was stopped)")
                else:
                    continue
                w.task = None
                w.stop()
                workers[i] = _Worker(payload)
            while next_out in results:
                yield results.pop(next_out)
                next_out += 1
    finally:
        for w in workers:
            try:
                w.stop()
            except KeyboardInterrupt:  # a second Ctrl-C: finish stopping the others
                w.proc.kill()
                w.conn.close()
            except OSError:
                pass


def _map_files(func, paths, n_jobs, progress, timeout, scheduler=None):
    if scheduler is not None and len(paths):
        results: Iterable = _dask_results(func, paths, timeout, scheduler)
    elif n_jobs == 1:
        results = (_call(func, p, timeout) for p in paths)
    else:
        results = _process_results(func, paths, n_jobs, timeout)
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
