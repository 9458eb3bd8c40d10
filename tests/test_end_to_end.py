"""A small end-to-end train and evaluate on real data (skipped without AFFECT_DATA).

A subset of Emotion6 (photos with their SAM ratings) and of 4Q (songs with their
quadrant labels), declared as generic CSV data sets, goes through `affect train` and
`affect evaluate`: the trained model loads, predicts finite points, and the report has
every metric beside its chance level.
"""

import csv
import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

from affect_features.cli import cli
from affect_features.models import EmotionModel

DATA = os.environ.get("AFFECT_DATA")
DATA = os.path.abspath(DATA) if DATA else None
pytestmark = pytest.mark.skipif(not DATA or not os.path.isdir(os.path.join(DATA or "", "emotion6")),
                                reason="AFFECT_DATA not set")


def _image_csv(tmp_path, n=60):
    root = os.path.join(DATA, "emotion6")
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(root, "ground_truth.txt"))][1:]
    rows = rows[:: len(rows) // n][:n]
    p = tmp_path / "photos.csv"
    with open(p, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "valence", "arousal", "scale"])
        for r in rows:
            w.writerow([os.path.join(root, "images", r[0]), r[1], r[2], "sam9"])
    return p


def _music_csv(tmp_path, per_quadrant=10):
    root = os.path.join(DATA, "4q", "audio")
    p = tmp_path / "songs.csv"
    with open(p, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "label", "taxonomy"])
        for q in ("Q1", "Q2", "Q3", "Q4"):
            for name in sorted(os.listdir(os.path.join(root, q)))[:per_quadrant]:
                w.writerow([os.path.join(root, q, name), q, "russell"])
    return p


def test_train_then_evaluate(tmp_path):
    photos, songs = _image_csv(tmp_path), _music_csv(tmp_path)
    cache = str(tmp_path / "cache")
    runner = CliRunner()
    out = str(tmp_path / "img_model")
    res = runner.invoke(cli, ["train", "image", "--dataset", f"csv:{photos}", "-o", out,
                              "--seeds", "2", "--cv", "3", "--jobs", "1", "--cache", cache],
                        catch_exceptions=False)
    assert res.exit_code == 0, res.output
    model = EmotionModel.load(out)
    assert model.card["training_sets"][0][1] == 60
    from affect_features.image import extract_image_features
    path = next(csv.DictReader(open(photos)))["path"]
    point = model.predict(extract_image_features(path))
    assert point.shape == (3,) and np.all(np.abs(point) <= 1)

    report_path = tmp_path / "report.json"
    res = runner.invoke(cli, ["evaluate", "--images", f"csv:{photos}", "--music",
                              f"csv:{songs}", "--cv", "3", "-o", str(report_path),
                              "--jobs", "1", "--cache", cache], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    report = json.loads(report_path.read_text())
    assert report["image"]["sets"][0]["n_items"] == 60
    assert report["audio"]["sets"][0]["n_items"] == 40
    for key in ("matching", "matching_aligned"):
        m = report[key]
        assert m["n_queries"] == 60 and m["n_items"] == 40
        assert 0 <= m["precision_at_1"] <= 1 and 0 <= m["mrr"] <= 1
        # chance = sum over classes of photo share x song share (song shares 1/4)
        assert m["chance"] == pytest.approx(0.25)
    for modality in ("image", "audio"):
        for kind in ("mlp", "ridge"):
            r = report[modality][kind]
            assert -1 <= r["valence"]["pearson_r"] <= 1
            assert 0 <= r["quadrant_accuracy"] <= 1 and 0 < r["quadrant_chance"] <= 1
