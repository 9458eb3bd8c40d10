"""Incremental indexing: plans, re-prediction, whole runs
(:mod:`affect_features.library._indexing`)."""

import os

import numpy as np
import pytest

from affect_features.errors import DecodeError, ModelError
from affect_features.features import FeatureVector
from affect_features.library import file_fingerprint, scan

from .helpers import analysed_row, point_rows, write


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


def test_index_reads_tags_and_never_fails_a_file_for_them(tmp_path, lib):
    """The default reader (the audio decoder's): a FLAC's Vorbis comments become the
    title, artist and album, whitespace collapsed; a file whose tags cannot be read
    (not audio: the decoder raises) is still analysed, titled by its name."""
    sf = pytest.importorskip("soundfile")
    music = tmp_path / "music"
    music.mkdir()
    with sf.SoundFile(music / "tagged.flac", "w", 22050, 1, format="FLAC") as f:
        f.title, f.artist, f.album = "  Blue \t Song ", "The Band", "First"
        f.write(np.zeros(2205, np.float32))
    write(music / "garbage.mp3", b"not audio at all")
    report = lib.index(music, analyse=fake_analyse)
    assert (report.added, report.failures) == (2, [])
    tagged = lib.find(music / "tagged.flac")
    assert (tagged["title"], tagged["artist"], tagged["album"]) == (
        "Blue Song", "The Band", "First")
    garbage = lib.find(music / "garbage.mp3")
    assert (garbage["title"], garbage["artist"], garbage["error"]) == (
        "garbage", None, None)

    def broken_reader(path):
        raise RuntimeError("tag reader crashed")

    write(music / "new.mp3", b"a new song")
    report = lib.index(music, analyse=fake_analyse, tags=broken_reader)
    assert (report.added, report.unchanged, report.failures) == (1, 2, [])
    assert lib.find(music / "new.mp3")["title"] == "new"
