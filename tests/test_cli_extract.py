"""`affect extract-image` / `extract-audio`: formats, errors, exit codes, resumption."""

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from affect_features.cli import cli
from affect_features.image import image_feature_names
from affect_features.output import read_table


def _run(args):
    runner = CliRunner()
    return runner.invoke(cli, args, catch_exceptions=False)


@pytest.fixture()
def photos(tmp_path):
    rng = np.random.default_rng(0)
    d = tmp_path / "photos"
    (d / "sub").mkdir(parents=True)
    for i, rel in enumerate(["a.png", "sub/b.jpg", "sub/c.png"]):
        img = (rng.random((60 + 10 * i, 80, 3)) * 255).astype(np.uint8)
        img[:30] = [200, 30 * i, 40]
        Image.fromarray(img).save(d / rel)
    (d / "notes.txt").write_text("ignored: not an image extension")
    return d


@pytest.mark.parametrize("ext", ["csv", "jsonl", "npz", "parquet"])
def test_extract_image_round_trip(photos, tmp_path, ext):
    if ext == "parquet":
        pytest.importorskip("pyarrow")
    out = tmp_path / f"f.{ext}"
    res = _run(["extract-image", str(photos), "-o", str(out), "--jobs", "1",
                "--groups", "color,composition"])
    assert res.exit_code == 0, res.output
    names, paths, X = read_table(str(out))
    assert tuple(names) == image_feature_names(("color", "composition"))
    assert [os.path.relpath(p, photos) for p in paths] == ["a.png", "sub/b.jpg", "sub/c.png"]
    from affect_features.image import extract_image_features
    ref = extract_image_features(paths[1], groups="color,composition").vector
    np.testing.assert_array_equal(X[1], ref)  # same numbers, bit for bit
    assert np.all(np.isfinite(X))


def test_csv_to_stdout(photos):
    res = _run(["extract-image", str(photos / "a.png"), "--groups", "color"])
    assert res.exit_code == 0
    rows = list(csv.reader(res.output.splitlines()))
    assert rows[0][0] == "path" and rows[0][1:] == list(image_feature_names(("color",)))
    assert len(rows) == 2


def test_bad_file_reported_batch_goes_on(photos, tmp_path):
    bad = photos / "broken.jpg"
    bad.write_bytes(b"<html>not a photo</html>")
    out = tmp_path / "f.jsonl"
    res = _run(["extract-image", str(photos), "-o", str(out), "--groups", "color"])
    assert res.exit_code == 1
    err_lines = [l for l in res.output.splitlines() if "broken.jpg" in l]
    assert err_lines and "not a recognised image format" in err_lines[0]
    assert "Traceback" not in res.output
    rows = [json.loads(l) for l in out.read_text().splitlines()]
    assert len(rows) == 3 and all("broken" not in r["path"] for r in rows)


def test_resume_skips_done_files(photos, tmp_path):
    out = tmp_path / "f.csv"
    _run(["extract-image", str(photos / "a.png"), "-o", str(out), "--groups", "color"])
    res = _run(["extract-image", str(photos), "-o", str(out), "--groups", "color"])
    assert res.exit_code == 0 and "resuming: 1 file(s)" in res.output
    names, paths, X = read_table(str(out))
    assert len(paths) == 3 and len(set(paths)) == 3


def test_unknown_group_is_a_usage_error(photos):
    proc = subprocess.run([sys.executable, "-m", "affect_features.cli", "extract-image",
                           str(photos), "--groups", "colour"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "unknown feature group" in proc.stderr and "Traceback" not in proc.stderr


def test_audio_resume_refuses_another_analysis_window(tmp_path):
    sf = pytest.importorskip("soundfile")
    d = tmp_path / "songs"
    d.mkdir()
    sr = 22050
    t = np.arange(4 * sr) / sr
    for i, f in enumerate((220.0, 440.0)):
        sf.write(d / f"{i}.wav", 0.3 * np.sin(2 * np.pi * f * t), sr)
    out = tmp_path / "a.csv"
    res = _run(["extract-audio", str(d / "0.wav"), "-o", str(out), "--jobs", "1",
                "--duration", "2", "--groups", "dynamics"])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "a.csv.settings.json").read_text()) == {
        "duration": "2.0", "offset": "centred"}
    before = out.read_bytes()
    # resuming with the default window would mix two definitions in one table
    res = CliRunner().invoke(cli, ["extract-audio", str(d), "-o", str(out), "--jobs", "1",
                                   "--groups", "dynamics"])
    assert res.exit_code == 2
    assert "other settings: duration 2.0 (now default)" in res.output
    assert out.read_bytes() == before                       # nothing touched
    # the same window resumes: the first file is kept, the second added
    res = _run(["extract-audio", str(d), "-o", str(out), "--jobs", "1",
                "--duration", "2", "--groups", "dynamics"])
    assert res.exit_code == 0, res.output
    _, paths, _ = read_table(str(out))
    assert [os.path.basename(p) for p in paths] == ["0.wav", "1.wav"]
    # --overwrite with the defaults: a table of the defaults, and no sidecar
    res = _run(["extract-audio", str(d), "-o", str(out), "--jobs", "1", "--overwrite",
                "--groups", "dynamics"])
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "a.csv.settings.json").exists()
    assert sorted(os.listdir(tmp_path)) == ["a.csv", "songs"]
