"""Writing rows, transactions, concurrent and killed writers, files that are not
libraries (:mod:`affect_features.library._storage`)."""

import multiprocessing
import os
import signal
import sqlite3
import time

import numpy as np
import pytest

from affect_features.errors import LibraryError, ParameterError
from affect_features.library import BATCH_SIZE, MusicLibrary, default_library_path

from .helpers import point_rows

needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork()")


# -- storage ----------------------------------------------------------------------------

def test_upsert_round_trip_and_replace(lib):
    rng = np.random.default_rng(0)
    d = rng.standard_normal(300).astype(np.float32)
    d[:4] = [np.finfo(np.float32).max, np.finfo(np.float32).tiny, 1e-45, -0.0]
    row = {"path": "/m/a.mp3", "size": 10, "mtime_ns": 2**62, "content_hash": "ab",
           "title": "A", "artist": "Ä Ärtist", "album": "Ω", "source_id": "MT1",
           "label": "Q1", "taxonomy": "russell", "descriptors": d,
           "descriptor_schema": "audio-1", "valence": 0.5, "arousal": -0.25,
           "dominance": 1.0, "model_version": "m1"}
    assert lib.upsert_many([row]) == 1
    (t,) = lib.tracks(lib.points()[0], descriptors=True)
    assert t["descriptors"].dtype == np.float32
    assert t["descriptors"].tobytes() == d.tobytes()  # bit-exact, incl. -0 and subnormal
    for key in row:
        if key != "descriptors":
            assert t[key] == row[key], key
    assert t["error"] is None and t["added_at"] == t["updated_at"]

    # Replaced in full, keeping id and added_at; float64 descriptors become float32.
    time.sleep(0.01)
    lib.upsert_many([{"path": "/m/a.mp3", "descriptors": np.array([0.1, 0.2])}])
    (t2,) = lib.tracks([t["id"]], descriptors=True)
    assert t2["added_at"] == t["added_at"] and t2["updated_at"] > t["updated_at"]
    assert t2["title"] is None and t2["valence"] is None
    np.testing.assert_array_equal(t2["descriptors"], np.float32([0.1, 0.2]))
    assert len(lib) == 1
    assert lib.tracks([12345, t["id"], t["id"]])[0]["id"] == t["id"]


@pytest.mark.parametrize("bad, message", [
    ({"path": "/x", "colour": "red"}, "unknown track field"),
    ({"title": "no identity"}, "path or a source_id"),
    ({"path": "/x", "valence": 0.1, "arousal": 0.2}, "together"),
    ({"path": "/x", "valence": float("nan"), "arousal": 0, "dominance": 0}, "finite"),
    ({"path": "/x", "descriptors": [1.0, float("inf")]}, "NaN or infinity"),
    ({"path": "/x", "descriptors": np.zeros((2, 2))}, "one-dimensional"),
])
def test_upsert_refuses_bad_rows(lib, bad, message):
    with pytest.raises(ParameterError, match=message):
        lib.upsert_many([bad])
    assert len(lib) == 0


def test_upsert_batches_are_atomic(lib):
    def rows():
        yield from point_rows(np.zeros((7, 3)))
        yield {"path": "/bad", "valence": 1.0}  # in the second batch of 5
    with pytest.raises(ParameterError):
        lib.upsert_many(rows(), batch_size=5)
    assert len(lib) == 5  # the first batch only, completely


def test_catalogue_rows_upsert_by_source_id(lib):
    lib.upsert_many([{"source_id": "MT1", "title": "old", "valence": 0, "arousal": 0,
                      "dominance": 0}])
    lib.upsert_many([{"source_id": "MT1", "title": "new", "valence": 1, "arousal": 0,
                      "dominance": 0}])
    (t,) = lib.tracks(lib.points()[0])
    assert len(lib) == 1 and t["title"] == "new" and t["path"] is None


# -- robustness -------------------------------------------------------------------------

def _writer(path, first, n_batches, batch, barrier=None, dims=16):
    lib = MusicLibrary(path)
    if barrier is not None:
        barrier.wait(timeout=30)  # a sibling that died fails the test, not hangs it
    for b in range(n_batches):
        start = first + b * batch
        lib.upsert_many(
            [{"path": f"/virtual/{i:08d}.mp3", "size": i, "mtime_ns": i,
              "content_hash": f"{i:032x}", "title": f"song {i}",
              "descriptors": np.full(dims, i, np.float32), "descriptor_schema": "s",
              "valence": (i % 7) / 7, "arousal": (i % 5) / 5, "dominance": (i % 3) / 3,
              "model_version": "m"} for i in range(start, start + batch)],
            batch_size=batch)
    lib.close()


@needs_fork
def test_two_processes_write_at_once(tmp_path):
    path = str(tmp_path / "shared.sqlite")  # both also race to create it
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(path, 0, 12, 40, barrier)),
             ctx.Process(target=_writer, args=(path, 400, 12, 40, barrier))]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    with MusicLibrary(path) as lib:
        assert lib.integrity_check() == "ok"
        assert len(lib) == 880  # 0..479 and 400..879: they overlap on 400..479
        assert len(lib.points()[0]) == 880


@needs_fork
def test_killed_writer_leaves_a_consistent_library(tmp_path):
    path = str(tmp_path / "killed.sqlite")
    ctx = multiprocessing.get_context("fork")
    batch, dims = 50, 2048  # 400 KiB per transaction: a kill often lands inside one
    with MusicLibrary(path):
        pass
    for round_, wait_rows in enumerate([100, 300, 600]):
        proc = ctx.Process(target=_writer,
                           args=(path, 10_000 * (round_ + 1), 10**6, batch, None, dims))
        proc.start()
        deadline = time.monotonic() + 60
        with MusicLibrary(path, readonly=True) as watcher:
            while len(watcher) < wait_rows and time.monotonic() < deadline:
                time.sleep(0.005)
        time.sleep(0.003 * round_)
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
        assert proc.exitcode == -signal.SIGKILL
        with MusicLibrary(path) as lib:
            assert lib.integrity_check() == "ok"
            n = len(lib)
            assert n >= wait_rows and n % batch == 0  # whole batches only
            incomplete = lib._db.execute(
                "SELECT count(*) FROM tracks WHERE descriptors IS NULL OR valence IS NULL "
                "OR length(descriptors) != ? OR model_version IS NULL", (4 * dims,)
            ).fetchone()[0]
            assert incomplete == 0
            assert len(lib.points()[0]) == n
            lib.upsert_many([{"path": "/after/kill.mp3", "title": "still writable"}])
            lib.remove_paths(["/after/kill.mp3"])


def test_not_a_library_is_refused(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_bytes(b"just some text, not a database\n" * 100)
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    con.commit()
    con.close()
    newer = tmp_path / "newer.sqlite"
    MusicLibrary(newer).close()
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    before = {p: p.read_bytes() for p in (text, other)}
    cases = [(text, "not an SQLite database"), (other, "not an affect-features"),
             (newer, "newer"), (tmp_path, "folder"), (tmp_path / "missing", "no such")]
    for path, message in cases:
        with pytest.raises(LibraryError, match=message) as info:
            MusicLibrary(path, create=path != tmp_path / "missing")
        assert "\n" not in str(info.value)
    for p, data in before.items():
        assert p.read_bytes() == data  # nothing was written to a file not ours


def test_closed_library_and_default_path(tmp_path, monkeypatch):
    lib = MusicLibrary(tmp_path / "x.sqlite")
    lib.close()
    lib.close()
    with pytest.raises(LibraryError, match="closed"):
        len(lib)
    monkeypatch.setenv("AFFECT_LIBRARY", str(tmp_path / "env.sqlite"))
    assert default_library_path() == tmp_path / "env.sqlite"
    with MusicLibrary() as lib:
        assert lib.path == str(tmp_path / "env.sqlite")
        assert lib.metadata["format"] == "affect-features music library"
    monkeypatch.delenv("AFFECT_LIBRARY")
    assert default_library_path().name == "library.sqlite"
    assert "affect-features" in str(default_library_path())


def test_batch_size_constant():
    assert BATCH_SIZE == 500
