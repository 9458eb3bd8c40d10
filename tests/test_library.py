"""The music library: incremental indexing, storage, matching, concurrency, catalogues."""

import multiprocessing
import os
import signal
import sqlite3
import sys
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from affect_features.errors import DecodeError, LibraryError, ModelError, ParameterError
from affect_features.features import FeatureVector
from affect_features.library import (
    BATCH_SIZE,
    MusicLibrary,
    content_hash,
    decode_path,
    default_catalogue,
    default_library_path,
    encode_path,
    file_fingerprint,
    load_catalogue,
    scan,
)

needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork()")


def write(path, data=b"audio"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def analysed_row(path, *, point=(0.1, 0.2, 0.3), model="m1", dims=4):
    """The row an indexer would store for an existing file."""
    fp = file_fingerprint(path)
    return {"path": path, "size": fp.size, "mtime_ns": fp.mtime_ns,
            "content_hash": fp.content_hash, "title": os.path.basename(path),
            "descriptors": np.arange(dims, dtype=np.float32), "descriptor_schema": "s1",
            "valence": point[0], "arousal": point[1], "dominance": point[2],
            "model_version": model}


def point_rows(points, *, model="m1", dims=4, prefix="/virtual/song"):
    return [{"path": f"{prefix}{i:06d}.mp3", "title": f"song {i}",
             "descriptors": np.full(dims, i, dtype=np.float32),
             "descriptor_schema": "s1", "valence": float(p[0]), "arousal": float(p[1]),
             "dominance": float(p[2]), "model_version": model}
            for i, p in enumerate(points)]


@pytest.fixture
def lib(tmp_path):
    with MusicLibrary(tmp_path / "lib.sqlite") as library:
        yield library


# -- scanning ----------------------------------------------------------------------------

def test_scan_recursive_sorted_filtered(tmp_path):
    for rel in ["b/2.mp3", "a/1.FLAC", "a/notes.txt", "a/deep/er/3.ogg", ".hidden/4.mp3",
                "a/._5.mp3"]:
        write(tmp_path / rel)
    found = [os.path.relpath(p, tmp_path) for p in scan(tmp_path)]
    assert found == ["a/1.FLAC", "a/deep/er/3.ogg", "b/2.mp3"]
    # A file named explicitly is kept whatever its suffix; duplicates collapse.
    explicit = scan([tmp_path / "a" / "notes.txt", tmp_path / "b",
                     tmp_path / "b" / "2.mp3"])
    assert [os.path.relpath(p, tmp_path) for p in explicit] == ["a/notes.txt", "b/2.mp3"]
    assert len(scan(tmp_path, include_hidden=True)) == 5
    with pytest.raises(ParameterError, match="no such file"):
        scan(tmp_path / "missing")


def test_scan_survives_symlink_loops(tmp_path):
    write(tmp_path / "music" / "a" / "1.mp3")
    write(tmp_path / "elsewhere" / "2.mp3")
    try:
        os.symlink(tmp_path / "music", tmp_path / "music" / "a" / "loop")
        os.symlink(tmp_path / "elsewhere", tmp_path / "music" / "linked")
        os.symlink(tmp_path / "music" / "a" / "1.mp3", tmp_path / "music" / "alias.mp3")
    except (OSError, NotImplementedError):
        pytest.skip("symbolic links not supported here")
    found = [os.path.relpath(p, tmp_path) for p in scan(tmp_path / "music")]
    # The loop ends, the linked folder is followed, the linked file is listed once.
    assert found == ["music/a/1.mp3", "music/linked/2.mp3"]
    found = [os.path.relpath(p, tmp_path) for p in scan(tmp_path / "music",
                                                         follow_symlinks=False)]
    assert found == ["music/a/1.mp3"]


# -- paths and fingerprints -------------------------------------------------------------

@pytest.mark.skipif(sys.platform == "win32", reason="POSIX byte file names")
@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=40).filter(lambda b: b"\0" not in b))
def test_path_encoding_round_trips_any_bytes(name):
    path = os.fsdecode(b"/music/" + name.replace(b"/", b"_"))
    text = encode_path(path)
    text.encode("utf-8")  # always storable as SQLite text
    assert decode_path(text) == path


def test_fingerprint_reads_both_ends(tmp_path):
    big = bytearray(os.urandom(3 * 2**20))
    p = write(tmp_path / "big.mp3", bytes(big))
    h = content_hash(p)
    big[10] ^= 1  # first MiB
    assert content_hash(write(tmp_path / "big.mp3", bytes(big))) != h
    big[10] ^= 1
    big[-10] ^= 1  # last MiB
    assert content_hash(write(tmp_path / "big.mp3", bytes(big))) != h
    big[-10] ^= 1
    assert content_hash(write(tmp_path / "big.mp3", bytes(big))) == h
    # Documented blind spot: the middle of a file over 2 MiB is not read.
    big[len(big) // 2] ^= 1
    assert content_hash(write(tmp_path / "big.mp3", bytes(big))) == h
    assert content_hash(write(tmp_path / "s.mp3", b"ab")) != content_hash(
        write(tmp_path / "t.mp3", b"ab\0"))


# -- incremental planning ---------------------------------------------------------------

def test_plan_incremental(tmp_path, lib):
    music = tmp_path / "music"
    paths = [write(music / f"{i}.mp3", f"song {i}".encode()) for i in range(4)]
    assert lib.plan(scan(music)) == (paths, [], [])
    lib.upsert_many(analysed_row(p) for p in paths)
    assert lib.plan(scan(music)) == ([], paths, [])

    # Edited: new content (and size) -> analysed again; the others are skipped.
    write(music / "1.mp3", b"song 1, remastered")
    # Touched: new mtime, same content -> unchanged, and the stored mtime follows.
    st0 = os.stat(paths[2])
    os.utime(paths[2], ns=(st0.st_atime_ns, st0.st_mtime_ns + 5_000_000_000))
    # Deleted -> vanished. New -> to analyse.
    os.remove(paths[3])
    new = write(music / "sub" / "4.mp3")
    plan = lib.plan(scan(music))
    assert plan.to_analyse == [paths[1], new]
    assert plan.unchanged == [paths[0], paths[2]]
    assert plan.vanished == [paths[3]]
    assert lib.find(paths[2])["mtime_ns"] == st0.st_mtime_ns + 5_000_000_000

    # Same size, same mtime-independent fingerprint? No: same size, new bytes.
    write(music / "0.mp3", b"song X")
    os.utime(paths[0], ns=(st0.st_atime_ns, st0.st_mtime_ns + 9_000_000_000))
    assert paths[0] in lib.plan(scan(music)).to_analyse

    assert lib.remove_paths(lib.plan(scan(music)).vanished) == 1
    assert lib.find(paths[3]) is None and len(lib) == 3


def test_plan_vanished_only_under_roots(tmp_path, lib):
    a = [write(tmp_path / "a" / f"{i}.mp3") for i in range(2)]
    b = [write(tmp_path / "b" / f"{i}.mp3") for i in range(2)]
    lib.upsert_many(analysed_row(p) for p in a + b)
    os.remove(a[0])
    os.remove(b[0])
    plan = lib.plan(scan(tmp_path / "a"), roots=[tmp_path / "a"])
    assert plan.vanished == [a[0]]  # b is not under the root: not judged
    assert lib.plan(scan(tmp_path / "a")).vanished == sorted([a[0], b[0], b[1]])


def test_plan_failed_and_unanalysed_rows(tmp_path, lib):
    bad, bare = write(tmp_path / "bad.mp3"), write(tmp_path / "bare.mp3")
    fp = file_fingerprint(bad)
    lib.upsert_many([
        {"path": bad, "size": fp.size, "mtime_ns": fp.mtime_ns,
         "content_hash": fp.content_hash, "error": "cannot decode"},
        {"path": bare, "title": "metadata only"},  # never analysed
    ])
    plan = lib.plan([bad, bare])
    assert plan.to_analyse == [bare] and plan.unchanged == [bad]
    assert lib.plan([bad, bare], retry_errors=True).to_analyse == sorted([bad, bare])
    assert lib.points()[0].size == 0  # rows without a point are not matched


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


def test_non_utf8_file_name(tmp_path, lib):
    if sys.platform == "win32":
        pytest.skip("POSIX byte file names")
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9 \xff.mp3")
    try:
        with open(raw, "wb") as f:
            f.write(b"latin-1 name")
    except (OSError, UnicodeError):
        pytest.skip("the file system refuses non-UTF-8 names")
    path = os.fsdecode(raw)
    assert scan(tmp_path) == [path]
    lib.upsert_many([analysed_row(path)])
    stored = lib._db.execute("SELECT path FROM tracks").fetchone()[0]
    assert stored.startswith("fsbytes:") and "caf%E9" in stored
    assert lib.find(path)["path"] == path
    assert lib.find(path)["title"] == "caf\ufffd \ufffd.mp3"  # shown, not kept exactly
    assert os.fsencode(lib.nearest((0, 0, 0), k=1)[0]["path"]) == raw
    assert lib.plan([path]) == ([], [path], [])
    assert lib.remove_paths([path]) == 1


def test_very_long_file_name(tmp_path, lib):
    folder = tmp_path
    try:
        for i in range(14):  # a path of over 1,000 characters
            folder = folder / (f"{i:02d}" + "ø" * 60)
        folder.mkdir(parents=True)
        path = write(folder / ("é" * 125 + ".mp3"))  # 254 bytes, near NAME_MAX
    except OSError:
        pytest.skip("the file system refuses such long names")
    assert len(path) > 1000
    lib.upsert_many([analysed_row(path)])
    assert lib.plan(scan(tmp_path)) == ([], [path], [])
    assert lib.find(path)["path"] == path


# -- matching ---------------------------------------------------------------------------

@pytest.mark.parametrize("weights", [(1, 1, 1), (2.0, 0.5, 0.0), (0, 0, 1)])
def test_nearest_equals_brute_force(lib, weights):
    rng = np.random.default_rng(1)
    pts = rng.uniform(-1, 1, (1500, 3))
    lib.upsert_many(point_rows(pts))
    ids, stored = lib.points()
    np.testing.assert_array_equal(stored, pts)
    w = np.asarray(weights, float)
    for q in rng.uniform(-1.2, 1.2, (25, 3)):
        dist = np.sqrt((((pts - q) * w) ** 2).sum(axis=1))
        for k in (1, 5, 17):
            want = np.argsort(dist, kind="stable")[:k]
            got = lib.nearest(q, k=k, weights=weights)
            assert [t["id"] for t in got] == ids[want].tolist()
            np.testing.assert_allclose([t["distance"] for t in got], dist[want], atol=1e-12)
            assert [t["title"] for t in got] == [f"song {i}" for i in want]
            assert got[0]["valence"] == pts[want[0], 0]


def test_nearest_edge_cases(lib):
    assert lib.nearest((0, 0, 0)) == []
    lib.upsert_many(point_rows([(0.5, 0.5, 0.5), (-0.5, 0, 0)]))
    assert [t["title"] for t in lib.nearest((1, 1, 1), k=10)] == ["song 0", "song 1"]
    assert len(lib.nearest(np.array([0.0, 0.0, 0.0]), k=1)) == 1
    for bad in [dict(point=(0, 0)), dict(point=(0, 0, np.nan)), dict(point="abc"),
                dict(point=(0, 0, 0), k=0), dict(point=(0, 0, 0), k=2.5),
                dict(point=(0, 0, 0), weights=(0, 0, 0)),
                dict(point=(0, 0, 0), weights=(1, -1, 1))]:
        with pytest.raises(ParameterError):
            lib.nearest(**bad)


def test_matches_follow_writes_by_anyone(tmp_path, lib):
    lib.upsert_many(point_rows([(0.9, 0.9, 0.9)]))
    assert lib.nearest((0, 0, 0), k=1)[0]["title"] == "song 0"
    # Our own write: the cached tree is dropped.
    lib.upsert_many([{"path": "/v/origin.mp3", "title": "origin", "valence": 0,
                      "arousal": 0, "dominance": 0}])
    assert lib.nearest((0, 0, 0), k=1)[0]["title"] == "origin"
    # Another connection's write (another process, say) is seen at the next query.
    with MusicLibrary(lib.path) as other:
        other.upsert_many([{"path": "/v/near.mp3", "title": "near", "valence": 0.01,
                            "arousal": 0, "dominance": 0}])
        other.remove_paths(["/v/origin.mp3"])
    assert lib.nearest((0, 0, 0), k=1)[0]["title"] == "near"


def test_points_snapshot_is_kept_and_invalidated(lib):
    lib.upsert_many(point_rows(np.eye(3)))
    snapshot = "SELECT n FROM point_snapshot"
    assert lib._db.execute(snapshot).fetchone() is None
    lib.points()
    assert lib._db.execute(snapshot).fetchone() == (3,)
    lib.upsert_many([{"path": "/v/x.mp3", "title": "no point"}])  # no point: kept
    assert lib._db.execute(snapshot).fetchone() == (3,)
    # Any change of a point, even behind our back, drops it (triggers).
    lib._db.execute("UPDATE tracks SET valence = -1 WHERE title = 'song 0'")
    assert lib._db.execute(snapshot).fetchone() is None
    with MusicLibrary(lib.path, readonly=True) as ro:
        ids, pts = ro.points()  # read-only: computed, not stored
        assert pts[0, 0] == -1 and len(ids) == 3
        assert ro.nearest((-1, 0, 0), k=1)[0]["title"] == "song 0"
        with pytest.raises(LibraryError, match="read-only"):
            ro.upsert_many(point_rows([(0, 0, 0)]))


# -- re-prediction ----------------------------------------------------------------------

def test_repredict_touches_only_stale_rows(lib):
    rows = point_rows(np.zeros((10, 3)), model="m2") + point_rows(
        np.zeros((7, 3)), model="m1", prefix="/old/") + [
        {"path": "/nodesc.mp3", "valence": 0, "arousal": 0, "dominance": 0,
         "model_version": "m0"}]
    lib.upsert_many(rows)
    seen = []

    def predict(X):
        assert X.dtype == np.float32 and X.shape[1] == 4
        seen.append(X.shape[0])
        return np.column_stack([X[:, 0] / 10, -X[:, 0] / 10, np.full(len(X), 0.5)])

    assert lib.repredict(predict, "m2", batch_size=3) == 7
    assert sum(seen) == 7 and max(seen) <= 3
    by_model = dict(lib._db.execute(
        "SELECT model_version, count(*) FROM tracks GROUP BY model_version"))
    assert by_model == {"m2": 17, "m0": 1}
    old = [t for t in lib.tracks(lib.points()[0]) if t["path"].startswith("/old/")]
    assert [t["valence"] for t in old] == pytest.approx([i / 10 for i in range(7)])
    assert lib.metadata["model_version"] == "m2"
    seen.clear()
    assert lib.repredict(predict, "m2") == 0 and seen == []
    assert lib.repredict(predict, "m3", descriptor_schema="other") == 0


def test_repredict_with_a_broken_model_changes_nothing(lib):
    lib.upsert_many(point_rows(np.zeros((5, 3))))
    with pytest.raises(ModelError, match="shape"):
        lib.repredict(lambda X: np.zeros((len(X), 2)), "m9")
    with pytest.raises(ModelError, match="NaN"):
        lib.repredict(lambda X: np.full((len(X), 3), np.nan), "m9")
    assert {t["model_version"] for t in lib.tracks(lib.points()[0])} == {"m1"}


# -- end-to-end indexing ----------------------------------------------------------------

ANALYSED = []


def fake_analyse(path):
    """Stand-in for audio analysis: descriptors from the file's bytes."""
    ANALYSED.append(path)
    data = open(path, "rb").read()
    if data.startswith(b"BROKEN"):
        raise DecodeError(path, "no audio stream")
    values = [len(data), data[0], data[-1], sum(data) % 97]
    return FeatureVector(("a.len", "a.first", "a.last", "a.sum"), values, "fake-1")


def fake_predict(X):
    return np.tanh(X[:, 1:4] / 100.0)


@pytest.mark.parametrize("jobs", [1, 2])
def test_index_end_to_end(tmp_path, lib, jobs):
    music = tmp_path / "music"
    for i in range(6):
        write(music / f"album{i % 2}" / f"{i}.mp3", f"song number {i}".encode())
    write(music / "broken.mp3", b"BROKEN file")
    write(music / "cover.jpg", b"not audio")
    kw = dict(analyse=fake_analyse, predict=fake_predict, model_version="fake-model-1",
              jobs=jobs, tags=None)
    report = lib.index(music, **kw)
    # each file counted once: the broken one is a failure, not also "added"
    assert (report.added, report.updated, report.unchanged, report.removed) == (6, 0, 0, 0)
    assert [f.reason for f in report.failures] == ["no audio stream"]
    assert report.failed_before == 0 and "6 added" in str(report)
    assert len(lib) == 7 and len(lib.points()[0]) == 6
    assert lib.find(music / "broken.mp3")["error"] == "no audio stream"
    t = lib.find(music / "album1" / "3.mp3")
    assert t["title"] == "3" and t["descriptor_schema"] == "fake-1"
    assert t["model_version"] == "fake-model-1"
    np.testing.assert_allclose(
        [t["valence"], t["arousal"], t["dominance"]],
        fake_predict(np.float32([[15, ord("s"), ord("3"), sum(b"song number 3") % 97]]))[0])
    assert lib.metadata["feature_schema"] == "fake-1"
    assert lib.metadata["model_version"] == "fake-model-1"

    ANALYSED.clear()
    write(music / "album0" / "2.mp3", b"song number 2, new mix")
    os.remove(music / "album1" / "5.mp3")
    report = lib.index(music, **kw)
    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 1, 5, 1)
    # the broken file is unchanged, its old failure still stored: said, not "0 failed" alone
    assert report.failures == [] and report.failed_before == 1
    assert "5 unchanged (1 of them failed before, not retried)" in str(report)
    if jobs == 1:
        assert ANALYSED == [str(music / "album0" / "2.mp3")]
    assert lib.index(music, **kw).unchanged == 6
    again = lib.index(music, retry_errors=True, **kw)
    assert again.failed_before == 0 and len(again.failures) == 1 and again.unchanged == 5


def test_index_without_a_model_then_repredict(tmp_path, lib):
    for i in range(3):
        write(tmp_path / f"{i}.mp3", f"x{i}".encode())
    lib.index(tmp_path, analyse=fake_analyse, tags=None)
    assert len(lib) == 3 and len(lib.points()[0]) == 0
    assert lib.repredict(fake_predict, "later") == 3
    assert len(lib.nearest((0, 0, 0), k=3)) == 3


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


# -- catalogues -------------------------------------------------------------------------

CATALOGUE = """song_id,artist,title,quadrant,valence,arousal,dominance,extra
MT01,The Beach Boys,Little Saint Nick,Q1,0.7,0.6,0.3,x
MT02,Curse of the Golden Vampire,Ultrasonic Meltdown,Q2,-0.6,0.8,0.4,x
MT03,Little Walter,Last Night,Q3,-0.5,-0.4,-0.2,x
MT04,"Quiet, Band",Lullaby,Q4,0.5,-0.7,-0.3,x
"""


def test_load_catalogue(tmp_path):
    csv_path = tmp_path / "cat.csv"
    csv_path.write_text(CATALOGUE, encoding="utf-8")
    with load_catalogue(csv_path) as cat:
        assert len(cat) == 4 and cat.path == ":memory:"
        best = cat.nearest((0.6, -0.6, 0.0), k=2)
        assert [t["title"] for t in best] == ["Lullaby", "Last Night"]
        assert best[0]["artist"] == "Quiet, Band" and best[0]["source_id"] == "MT04"
        assert best[0]["label"] == "Q4" and best[0]["taxonomy"] == "russell"
        assert best[0]["path"] is None
        assert cat.metadata["catalogue"] == "cat.csv"
    with MusicLibrary.from_catalogue(csv_path) as cat:
        assert len(cat) == 4


@pytest.mark.parametrize("text, message", [
    ("song_id,artist,title,valence,arousal,dominance\n", "lacks column"),
    (CATALOGUE.replace("0.7,0.6", "0.7,high"), "line 2"),
    (CATALOGUE.replace("MT03", "MT01"), "repeats"),
    (CATALOGUE.replace("-0.6,0.8", "-0.6,inf"), "not finite"),
])
def test_bad_catalogue_is_refused(tmp_path, text, message):
    csv_path = tmp_path / "cat.csv"
    csv_path.write_text(text, encoding="utf-8")
    with pytest.raises(LibraryError, match=message):
        load_catalogue(csv_path)
    with pytest.raises(LibraryError, match="cannot read"):
        load_catalogue(tmp_path / "missing.csv")


def test_default_catalogue():
    from importlib import resources

    shipped = resources.files("affect_features").joinpath("data", "catalogue_4q.csv")
    if not shipped.is_file():
        with pytest.raises(LibraryError, match="default catalogue"):
            default_catalogue()
        return
    with default_catalogue() as cat:
        assert len(cat) > 0
        labels = {t["label"] for t in cat.nearest((0, 0, 0), k=50)}
        assert labels <= {"Q1", "Q2", "Q3", "Q4"}


def test_batch_size_constant():
    assert BATCH_SIZE == 500


# -- queries of the command line: stats, removal, the library that answers a match ------

def test_stats_track_ids_and_remove(tmp_path):
    from affect_features.library import SCHEMA_VERSION

    path = tmp_path / "lib.sqlite"
    with MusicLibrary(path) as lib:
        lib.upsert_many(
            [{"path": f"/music/{d}/{i}.mp3", "valence": v, "arousal": a,
              "dominance": 0.0, "model_version": "m1" if i else "m0",
              "descriptors": np.zeros(3, np.float32), "descriptor_schema": "s"}
             for i, (d, v, a) in enumerate([("x", 0.5, 0.5), ("x", -0.5, 0.5),
                                             ("y", -0.5, -0.5), ("y", 0.5, -0.5),
                                             ("y/z", 0.1, -0.2)])]
            + [{"path": "/music/y/bad.mp3", "error": "broken"},
               {"source_id": "cat1", "valence": 0.0, "arousal": 0.0, "dominance": 0.0}])
        st = lib.stats()
        assert (st["tracks"], st["files"], st["with_point"], st["failed"]) == (7, 6, 6, 1)
        # the origin counts in Q1, by quadrant()'s rule
        assert st["quadrants"] == {"Q1": 2, "Q2": 1, "Q3": 1, "Q4": 2}
        assert st["model_versions"] == {"m1": 4, "m0": 1, None: 1}
        assert st["descriptor_schemas"] == {"s": 5}
        assert st["library_schema"] == SCHEMA_VERSION and st["size_bytes"] > 0
        ids = lib.track_ids()
        assert [t["path"] for t in lib.tracks(ids)][:3] == [None, "/music/x/0.mp3",
                                                            "/music/x/1.mp3"]
        assert [t["path"] for t in lib.tracks(lib.track_ids(failed=True))] == \
            ["/music/y/bad.mp3"]
        removed = lib.remove(["/music/y", "/music/x/0.mp3", "/music/nothing"])
        assert removed == {"/music/y": 4, "/music/x/0.mp3": 1, "/music/nothing": 0}
        assert [t["path"] for t in lib.tracks(lib.track_ids())] == [None,
                                                                    "/music/x/1.mp3"]
        # a folder is a whole path component: /music/x does not remove /music/xy
        lib.upsert_many([{"path": "/music/xy/1.mp3", "title": "t"}])
        assert lib.remove("/music/x") == {"/music/x": 1}
        assert [t["path"] for t in lib.tracks(lib.track_ids())] == [None,
                                                                    "/music/xy/1.mp3"]
    assert MusicLibrary(":memory:").stats()["size_bytes"] == 0


def test_matching_library_prefers_the_users_library(tmp_path, monkeypatch):
    from affect_features.library import library_description, matching_library

    monkeypatch.setenv("AFFECT_LIBRARY", str(tmp_path / "absent.sqlite"))
    lib = matching_library()
    assert lib.path == ":memory:" and len(lib.points()[0]) == 724
    assert library_description(lib).startswith("the shipped catalogue catalogue_4q.csv")
    mine = tmp_path / "mine.sqlite"
    with MusicLibrary(mine) as m:
        m.upsert_many([{"path": "/m/a.mp3", "valence": 0.1, "arousal": 0.1,
                        "dominance": 0.1}])
    monkeypatch.setenv("AFFECT_LIBRARY", str(mine))
    with matching_library() as lib:
        assert lib.path == str(mine) and lib.readonly
        assert library_description(lib) == f"{mine} (1 songs)"
    with matching_library(catalogue=True) as lib:
        assert lib.path == ":memory:"
    with pytest.raises(LibraryError, match="no such music library"):
        matching_library(tmp_path / "absent.sqlite")  # named explicitly: must exist
    failed = tmp_path / "failed.sqlite"
    with MusicLibrary(failed) as m:
        m.upsert_many([{"path": "/m/a.mp3", "error": "broken"}])
    with pytest.raises(LibraryError, match="all failed to analyse"):
        matching_library(failed)
