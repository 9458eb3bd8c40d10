"""`affect index` then `affect match --library`: a user's own music, incrementally."""

import json
import os
import time

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from affect_features.cli import cli
from affect_features.library import MusicLibrary

SR = 22050


def _tone(path, freq, seconds=2.0, amp=0.3):
    t = np.arange(int(SR * seconds)) / SR
    y = amp * np.sin(2 * np.pi * freq * t) * (1 + 0.5 * np.sign(np.sin(2 * np.pi * 2 * t)))
    sf.write(path, y.astype(np.float32), SR)


def _run(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


@pytest.fixture()
def music(tmp_path):
    d = tmp_path / "Music"
    (d / "album").mkdir(parents=True)
    for i, f in enumerate((220, 330, 440)):
        _tone(d / "album" / f"track{i}.wav", f)
    (d / "album" / "cover.txt").write_text("not audio, not indexed")
    (d / "broken.mp3").write_bytes(b"ID3 this is not really an mp3")
    return d


def test_index_then_match_own_library(music, tmp_path):
    lib_path = tmp_path / "lib.sqlite"
    res = _run(["index", str(music), "--library", str(lib_path), "--jobs", "1"])
    assert res.exit_code == 1  # the broken file is reported ...
    assert "broken.mp3" in res.output and "Traceback" not in res.output
    with MusicLibrary(str(lib_path)) as lib:  # ... and the three tracks are in
        ids, pts = lib.points()
        assert len(ids) == 3 and np.all(np.abs(pts) <= 1)
        assert lib.integrity_check() == "ok"
    res = _run(["match", "--mood", "happy", "--library", str(lib_path), "-k", "2",
                "--format", "json"])
    assert res.exit_code == 0, res.output
    songs = json.loads(res.stdout)[0]["songs"]
    assert len(songs) == 2
    assert all(s["path"].startswith(str(music)) for s in songs)


def test_reindex_is_incremental(music, tmp_path):
    lib_path = str(tmp_path / "lib.sqlite")
    _run(["index", str(music / "album"), "--library", lib_path, "--jobs", "1"])
    with MusicLibrary(lib_path) as lib:
        before = {t["path"]: t for t in lib.tracks(lib.points()[0])}
    # change one file's content, delete another, leave the third alone
    time.sleep(0.01)
    _tone(music / "album" / "track0.wav", 660, seconds=3.0)
    os.remove(music / "album" / "track2.wav")
    res = _run(["index", str(music / "album"), "--library", lib_path, "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert "0 added, 1 updated, 1 unchanged, 1 removed" in res.output
    with MusicLibrary(lib_path) as lib:
        after = {t["path"]: t for t in lib.tracks(lib.points()[0])}
    p0, p1 = (str(music / "album" / f"track{i}.wav") for i in (0, 1))
    assert set(after) == {p0, p1}
    assert after[p1]["updated_at"] == before[p1]["updated_at"]  # untouched
    assert after[p0]["updated_at"] != before[p0]["updated_at"]  # re-analysed


def test_counts_are_not_misleading(music, tmp_path):
    lib_path = str(tmp_path / "lib.sqlite")
    res = _run(["index", str(music), "--library", lib_path, "--jobs", "1"])
    # 4 files: 3 analysed, 1 broken; the broken one is not also counted as added
    assert "3 added, 0 updated, 0 unchanged, 0 removed, 1 failed" in res.stderr
    res = _run(["index", str(music), "--library", lib_path, "--jobs", "1"])
    assert res.exit_code == 0
    assert "4 unchanged (1 of them failed before, not retried)" in res.stderr
    assert "--retry-errors" in res.stderr and "affect library list --failed" in res.stderr
    res = _run(["index", str(music), "--library", lib_path, "--jobs", "1",
                "--retry-errors"])
    assert res.exit_code == 1 and "3 unchanged" in res.stderr and "1 failed" in res.stderr


def test_index_with_another_model_repredicts_from_descriptors(music, tmp_path):
    from affect_features.models import EmotionModel

    lib_path = str(tmp_path / "lib.sqlite")
    _run(["index", str(music / "album"), "--library", lib_path, "--jobs", "1"])
    shipped = EmotionModel.default("audio")
    with MusicLibrary(lib_path) as lib:
        first = lib.tracks(lib.points()[0])
    assert {t["model_version"] for t in first} == {shipped.version}
    assert len(shipped.version) == 64
    # a user's model: the same weights with the output layer's biases moved
    heads = shipped._heads
    for head in heads:
        for ws, bs in head.members:
            bs[-1] = bs[-1] + 0.5
    mine = EmotionModel(names=shipped.names, schema=shipped.schema, modality="audio",
                        mean=shipped.feature_means, scale=shipped._scale, heads=heads,
                        kind=shipped.kind, card={})
    npz, card = mine.save(tmp_path / "mine")
    assert json.load(open(card))["npz_sha256"] == mine.version != shipped.version
    res = _run(["index", str(music / "album"), "--library", lib_path, "--jobs", "1",
                "--model", npz])
    assert res.exit_code == 0, res.output
    assert "re-predicted 3 point(s)" in res.stderr and "3 unchanged" in res.stderr
    with MusicLibrary(lib_path) as lib:
        after = {t["path"]: t for t in lib.tracks(lib.points()[0], descriptors=True)}
        assert lib.metadata["model_version"] == mine.version
    for t in after.values():
        assert t["model_version"] == mine.version
        expected = mine.predict(t["descriptors"][None, :].astype(np.float64),
                                schema=mine.schema, names=mine.names)[0]
        np.testing.assert_allclose([t["valence"], t["arousal"], t["dominance"]],
                                   expected, atol=1e-6)
    assert {t["path"]: t["valence"] for t in first} != \
        {p: t["valence"] for p, t in after.items()}
