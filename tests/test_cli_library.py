"""`affect library list/stats/export/remove`: looking at the library from the shell."""

import csv
import io
import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

from affect_features.cli import cli
from affect_features.library import MusicLibrary
from affect_features.space import quadrant


def _run(args, env=None):
    return CliRunner().invoke(cli, args, catch_exceptions=False, env=env)


SONGS = [  # file, artist, title, point
    ("rock/happy.mp3", "A", "Sunny", (0.6, 0.5, 0.2)),
    ("rock/angry.mp3", "B", "Storm", (-0.6, 0.6, 0.3)),
    ("jazz/sad.mp3", "C", "Rain", (-0.5, -0.5, -0.2)),
    ("jazz/calm.mp3", "D", "Lake", (0.5, -0.6, -0.1)),
    ("jazz/calm2.mp3", None, "Pond", (0.45, -0.5, 0.0)),
]


@pytest.fixture()
def lib_path(tmp_path):
    path = tmp_path / "lib.sqlite"
    with MusicLibrary(path) as lib:
        lib.upsert_many([{"path": str(tmp_path / f), "artist": a, "title": t,
                          "valence": v, "arousal": ar, "dominance": d,
                          "descriptors": np.zeros(4, np.float32),
                          "descriptor_schema": "audio-x", "model_version": "m" * 64}
                         for f, a, t, (v, ar, d) in SONGS])
        lib.upsert_many([{"path": str(tmp_path / "jazz" / "broken.mp3"),
                          "title": "broken", "error": "DecodeError: no audio stream"}])
    return path


def _list(lib_path, *args):
    res = _run(["library", "list", "--library", str(lib_path), "--format", "jsonl", *args])
    assert res.exit_code == 0, res.output
    return [json.loads(line) for line in res.stdout.splitlines()]


def test_list_all_by_path(lib_path, tmp_path):
    rows = _list(lib_path)
    assert [r["path"] for r in rows] == sorted(
        [str(tmp_path / f) for f, *_ in SONGS] + [str(tmp_path / "jazz" / "broken.mp3")])
    for r in rows:
        if r["valence"] is not None:
            assert r["quadrant"] == quadrant([r["valence"], r["arousal"]])
            assert r["mood"]


def test_list_by_quadrant_mood_and_point(lib_path):
    assert {r["title"] for r in _list(lib_path, "--quadrant", "q4")} == {"Lake", "Pond"}
    rows = _list(lib_path, "--near", "-0.5,-0.5", "-k", "2")
    assert [r["title"] for r in rows] == ["Rain", "Pond"]
    assert rows[0]["distance"] == pytest.approx(0.0)
    assert rows[1]["distance"] == pytest.approx(0.95)  # V,A only: Pond's D is ignored
    # both calm songs are nearest to "carefree" of the mood words; nearest to it first
    carefree = _list(lib_path, "--mood", "carefree")
    assert [r["title"] for r in carefree] == ["Lake", "Pond"]
    assert all(r["mood"] == "carefree" for r in carefree)
    d = [r["distance"] for r in carefree]
    assert d == sorted(d)
    assert _list(lib_path, "--mood", "calm") == []


def test_list_failed(lib_path):
    rows = _list(lib_path, "--failed")
    assert [r["title"] for r in rows] == ["broken"]
    assert rows[0]["error"] == "DecodeError: no audio stream"
    table = _run(["library", "list", "--library", str(lib_path), "--failed"]).stdout
    assert "failed: DecodeError: no audio stream" in table


def test_list_formats(lib_path):
    out = _run(["library", "list", "--library", str(lib_path), "--format", "csv",
                "--quadrant", "Q1"]).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["title"] for r in rows] == ["Sunny"] and rows[0]["quadrant"] == "Q1"
    arr = json.loads(_run(["library", "list", "--library", str(lib_path), "--format",
                           "json", "--quadrant", "Q3"]).stdout)
    assert [r["title"] for r in arr] == ["Rain"]
    assert json.loads(_run(["library", "list", "--library", str(lib_path), "--format",
                            "json", "--mood", "furious"]).stdout) == []
    table = _run(["library", "list", "--library", str(lib_path)]).stdout
    assert "A - Sunny" in table and "Q1 happy/excited" in table


@pytest.mark.parametrize("args, option", [
    (["--near", "1,2,3,4"], "--near"),
    (["--near", "x"], "--near"),
    (["--mood", "flibbertigibbet"], "--mood"),
    (["-k", "0"], "--top-k"),
    (["--quadrant", "Q5"], "--quadrant"),
    (["--failed", "--quadrant", "Q1"], "--failed"),
])
def test_list_usage_errors(lib_path, args, option):
    res = _run(["library", "list", "--library", str(lib_path), *args])
    assert res.exit_code == 2 and option in res.output and "Traceback" not in res.output


def test_no_library_says_how_to_build_one(tmp_path):
    res = _run(["library", "list", "--library", str(tmp_path / "none.sqlite")])
    assert res.exit_code == 2 and "affect index FOLDER" in res.output
    res = _run(["library", "stats"], env={"AFFECT_LIBRARY": str(tmp_path / "n.sqlite")})
    assert res.exit_code == 2 and "no music library yet" in res.output


def test_stats(lib_path):
    st = json.loads(_run(["library", "stats", "--library", str(lib_path), "--format",
                          "json"]).stdout)
    assert st["tracks"] == 6 and st["files"] == 6 and st["with_point"] == 5
    assert st["failed"] == 1
    assert st["quadrants"] == {"Q1": 1, "Q2": 1, "Q3": 1, "Q4": 2}
    assert st["model_versions"] == {"m" * 64: 5}
    assert st["descriptor_schemas"] == {"audio-x": 5}
    assert st["library_schema"] == 1
    assert st["size_bytes"] >= os.path.getsize(lib_path) > 0
    table = _run(["library", "stats", "--library", str(lib_path)]).stdout
    assert "Q4 calm/relaxed" in table and "2 (40%)" in table
    assert "failed" in table and "affect library list --failed" in table


def test_stats_of_the_catalogue():
    st = json.loads(_run(["library", "stats", "--catalogue", "--format", "json"]).stdout)
    assert st["tracks"] == st["with_point"] == 724 and sum(st["quadrants"].values()) == 724


def test_export_m3u(lib_path, tmp_path):
    m3u = tmp_path / "calm.m3u"
    res = _run(["library", "export", "--library", str(lib_path), "--m3u", str(m3u),
                "--quadrant", "Q4"])
    assert res.exit_code == 0, res.output
    assert m3u.read_text().splitlines() == [
        "#EXTM3U",
        "#EXTINF:-1,D - Lake", str(tmp_path / "jazz" / "calm.mp3"),
        "#EXTINF:-1,Pond", str(tmp_path / "jazz" / "calm2.mp3")]
    assert "wrote" in res.stderr and "2 track(s)" in res.stderr
    # catalogue songs have no file: left out, and said so
    res = _run(["library", "export", "--catalogue", "--m3u", str(m3u), "-k", "3"])
    assert res.exit_code == 0 and m3u.read_text() == "#EXTM3U\n"
    assert "0 track(s); 3 left out: catalogue songs have no file" in res.stderr


def test_remove_files_and_folders(lib_path, tmp_path):
    res = _run(["library", "remove", "--library", str(lib_path),
                str(tmp_path / "rock" / "happy.mp3"), str(tmp_path / "jazz")])
    assert res.exit_code == 0, res.output
    assert "removed 1 track(s)" in res.stderr and "removed 4 track(s)" in res.stderr
    assert [r["title"] for r in _list(lib_path)] == ["Storm"]
    res = _run(["library", "remove", "--library", str(lib_path), str(tmp_path / "nope")])
    assert res.exit_code == 1 and "no track of the library is there" in res.stderr


def test_broken_pipe_exits_quietly(tmp_path):
    import subprocess
    import sys

    # 724 catalogue lines are more than a pipe holds: the writer meets the closed pipe
    proc = subprocess.Popen([sys.executable, "-m", "affect_features.cli", "library",
                             "list", "--catalogue"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert err == ""
