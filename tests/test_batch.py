"""The batch engine: order, failures, parallelism, folder expansion."""

import os
import time

import pytest

from affect_features.batch import Failure, Progress, map_files
from affect_features.media import walk
from affect_features.errors import DecodeError, ParameterError


def _square_or_fail(path):
    name = os.path.basename(path)
    if name.startswith("bad"):
        raise DecodeError(path, "synthetic failure")
    if name.startswith("boom"):
        raise ValueError("unexpected\nmultiline")
    return int(name.split(".")[0]) ** 2


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_order_and_failures(n_jobs):
    paths = [f"/x/{i}.jpg" for i in range(7)] + ["/x/bad.jpg", "/x/boom.jpg", "/x/9.jpg"]
    out = list(map_files(_square_or_fail, paths, n_jobs=n_jobs))
    assert [p for p, _ in out] == paths
    assert [r for _, r in out[:7]] == [i * i for i in range(7)]
    assert out[7][1] == Failure("/x/bad.jpg", "synthetic failure")
    assert isinstance(out[8][1], Failure) and "\n" not in out[8][1].reason
    assert out[9][1] == 81


def test_walk_recursive_sorted_filtered(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    for rel in ["b/2.jpg", "a/1.JPG", "a/notes.txt", "b/3.png"]:
        (tmp_path / rel).write_bytes(b"x")
    os.symlink(tmp_path, tmp_path / "a" / "loop")  # a symlink loop is not followed
    failures = []
    files = walk([tmp_path, tmp_path / "b" / "2.jpg", tmp_path / "missing.jpg"],
                         {".jpg", ".png"}, failures=failures)
    rel = [os.path.relpath(f, tmp_path) for f in files]
    assert rel == ["a/1.JPG", "b/2.jpg", "b/3.png"]
    assert failures and "no such file" in failures[0].reason


def test_explicit_file_kept_whatever_its_extension(tmp_path):
    p = tmp_path / "song.txt"
    p.write_text("x")
    assert walk([p], {".mp3"}) == [str(p)]


def test_progress_draws_rate_and_eta():
    import io
    s = io.StringIO()
    bar = Progress(4, enabled=True, stream=s)
    for _ in range(4):
        bar.update()
    bar.close()
    text = s.getvalue()
    assert "4/4" in text and "/s" in text and "ETA" in text


def test_a_worker_stuck_past_the_time_limit_is_stopped(monkeypatch):
    """A call the alarm cannot interrupt: its worker process is stopped by the parent
    after the limit plus a grace period; the file fails, the others go on."""
    from _worker_helpers import stuck

    from affect_features import batch

    monkeypatch.setattr(batch, "_HARD_LIMIT_GRACE", 1.0)
    t0 = time.monotonic()
    out = dict(batch.map_files(stuck, ["/x/quick", "/x/stuck", "quick"], n_jobs=2,
                               timeout=0.5))
    assert time.monotonic() - t0 < 30
    assert out["/x/quick"] == "/x/quick" and out["quick"] == "quick"
    assert isinstance(out["/x/stuck"], batch.Failure)
    assert "worker process was stopped" in out["/x/stuck"].reason


def test_walk_lists_one_file_once_and_refuses_special_files(tmp_path,
                                                                   monkeypatch):
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"x")
    os.symlink(photo, tmp_path / "link.jpg")
    os.mkfifo(tmp_path / "pipe.jpg")
    monkeypatch.chdir(tmp_path)
    failures = []
    files = walk(["a.jpg", str(photo), "link.jpg", "pipe.jpg"], {".jpg"},
                         failures=failures)
    assert files == [str(photo)]
    assert failures == [Failure("pipe.jpg", "is a FIFO, not a regular file")]


# -- what a call of the engine may change in its caller's process --------------------

def _alarm_state(path):
    """The real-time timer and SIGALRM handler while a call runs (in this process)."""
    import signal

    if "hang" in path:
        time.sleep(30)
    return signal.getitimer(signal.ITIMER_REAL)[0] > 0, signal.getsignal(signal.SIGALRM)


def test_in_process_calls_arm_no_alarm_unless_a_timeout_is_given(monkeypatch):
    """A library call of the engine in this process (a transformer, a batch extraction:
    ``n_jobs=1``, no `timeout`) arms no SIGALRM and reads no AFFECT_FILE_TIMEOUT, even
    a malformed one; an explicit `timeout` is enforced here too."""
    import signal

    before = signal.getsignal(signal.SIGALRM)
    monkeypatch.setenv("AFFECT_FILE_TIMEOUT", "soon")  # malformed: never read here
    [(_, (armed, handler))] = list(map_files(_alarm_state, ["/x/a.jpg"]))
    assert not armed and handler is before
    monkeypatch.setenv("AFFECT_FILE_TIMEOUT", "0.2")
    t0 = time.monotonic()
    out = list(map_files(_alarm_state, ["/x/a.jpg"], timeout=5))
    assert out[0][1][0] and out[0][1][1] is not before  # asked for: armed
    out = list(map_files(_alarm_state, ["/x/hang.jpg"], timeout=0.2))
    assert out == [("/x/hang.jpg", Failure("/x/hang.jpg", "timed out after 0.2 s"))]
    assert time.monotonic() - t0 < 10
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


# Worker processes get Python expressions as "paths" and the builtin `eval` as the
# function (pickled by reference: the workers import nothing of the tests).
_HANG = "__import__('time').sleep(60)"
_BLAS_THREADS = ("sorted({i['num_threads'] for i in (__import__('numpy'), "
                 "__import__('threadpoolctl').threadpool_info())[1] "
                 "if i['user_api'] == 'blas'})")


def test_worker_processes_get_the_default_time_limit_from_the_environment(monkeypatch):
    monkeypatch.setenv("AFFECT_FILE_TIMEOUT", "0.3")
    t0 = time.monotonic()
    out = [r for _, r in map_files(eval, ["1 + 1", _HANG], n_jobs=2)]
    assert out == [2, Failure(_HANG, "timed out after 0.3 s")]
    assert time.monotonic() - t0 < 30  # worker start-up included; not 60 s
    monkeypatch.setenv("AFFECT_FILE_TIMEOUT", "soon")  # read where it applies
    with pytest.raises(ParameterError, match="AFFECT_FILE_TIMEOUT"):
        map_files(eval, ["1", "2"], n_jobs=2)


def test_blas_runs_one_thread_in_workers_and_is_left_alone_here():
    """The engine's worker processes start with one BLAS thread; the caller's own BLAS
    threads are not changed by a call in this process."""
    from threadpoolctl import threadpool_info

    mine = sorted({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
    assert [r for _, r in map_files(eval, [_BLAS_THREADS] * 2, n_jobs=2)] == [[1], [1]]
    assert [r for _, r in map_files(eval, [_BLAS_THREADS])] == [mine]
