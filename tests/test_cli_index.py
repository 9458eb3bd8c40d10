"""`affect index` then `affect match --library`: a user's own music, incrementally."""

import json
import os
import time

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner
from PIL import Image

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
    photo = tmp_path / "p.png"
    Image.fromarray(np.full((64, 64, 3), (200, 60, 40), np.uint8)).save(photo)
    res = _run(["match", str(photo), "--library", str(lib_path), "-k", "2",
                "--format", "json"])
    assert res.exit_code == 0, res.output
    songs = json.loads(res.output)["songs"]
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
