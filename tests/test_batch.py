"""The batch engine: order, failures, parallelism, folder expansion."""

import os
import time

import pytest

from affect_features.batch import Failure, Progress, expand_paths, map_files
from affect_features.errors import DecodeError


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


def test_expand_paths_recursive_sorted_filtered(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    for rel in ["b/2.jpg", "a/1.JPG", "a/notes.txt", "b/3.png"]:
        (tmp_path / rel).write_bytes(b"x")
    os.symlink(tmp_path, tmp_path / "a" / "loop")  # a symlink loop is not followed
    failures = []
    files = expand_paths([tmp_path, tmp_path / "b" / "2.jpg", tmp_path / "missing.jpg"],
                         {".jpg", ".png"}, failures=failures)
    rel = [os.path.relpath(f, tmp_path) for f in files]
    assert rel == ["a/1.JPG", "b/2.jpg", "b/3.png"]
    assert failures and "no such file" in failures[0].reason


def test_explicit_file_kept_whatever_its_extension(tmp_path):
    p = tmp_path / "song.txt"
    p.write_text("x")
    assert expand_paths([p], {".mp3"}) == [str(p)]


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


def test_expand_paths_lists_one_file_once_and_refuses_special_files(tmp_path,
                                                                   monkeypatch):
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"x")
    os.symlink(photo, tmp_path / "link.jpg")
    os.mkfifo(tmp_path / "pipe.jpg")
    monkeypatch.chdir(tmp_path)
    failures = []
    files = expand_paths(["a.jpg", str(photo), "link.jpg", "pipe.jpg"], {".jpg"},
                         failures=failures)
    assert files == [str(photo)]
    assert failures == [Failure("pipe.jpg", "is a FIFO, not a regular file")]
