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


def _gaped_csv(tmp_path, n=48):
    root = os.path.join(DATA, "gaped")
    rows = list(csv.DictReader(open(os.path.join(root, "ratings.csv"))))
    rows = rows[:: len(rows) // n][:n]
    p = tmp_path / "gaped.csv"
    with open(p, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "valence", "arousal", "scale"])
        for r in rows:
            # GAPED's 0-100 ratings, 50 neutral, as points of the space
            w.writerow([os.path.join(root, "images", r["file"]),
                        (float(r["valence"]) - 50) / 50, (float(r["arousal"]) - 50) / 50,
                        "space"])
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
    photos, others, songs = _image_csv(tmp_path), _gaped_csv(tmp_path), _music_csv(tmp_path)
    cache = str(tmp_path / "cache")
    runner = CliRunner()
    out = str(tmp_path / "img_model")
    res = runner.invoke(cli, ["train", "image", "--dataset", f"csv:{photos}", "--dataset",
                              f"csv:{others}", "-o", out, "--seeds", "2", "--cv", "3",
                              "--jobs", "1", "--cache", cache, "--kind", "ridge"],
                        catch_exceptions=False)
    assert res.exit_code == 0, res.output
    model = EmotionModel.load(out)
    assert [s["n_items"] if isinstance(s, dict) else s[1]
            for s in model.card["training_sets"]] == [60, 48]
    # two sets: the card holds each left-out set's figures and the reliability
    per_set = model.card["metrics"]["cross_set"]["per_set"]
    assert sorted(per_set) == sorted([f"csv:{photos}", f"csv:{others}"])
    rel = model.card["reliability"]
    assert rel["source"] == "leave-one-dataset-out"
    assert rel["r"]["dominance"] == 0.0        # neither CSV rates dominance
    from affect_features.training import load_training_data
    data = load_training_data("image", [f"csv:{photos}", f"csv:{others}"], cache_dir=cache)
    assert rel["target_std"]["valence"] == pytest.approx(float(np.std(data.points[:, 0])))
    # the reliability is the size-weighted mean of the left-out sets' correlations
    want = (60 * per_set[f"csv:{photos}"]["ridge"]["valence"]["r"]
            + 48 * per_set[f"csv:{others}"]["ridge"]["valence"]["r"]) / 108
    assert rel["r"]["valence"] == pytest.approx(want)

    report_path = tmp_path / "report.json"
    res = runner.invoke(cli, ["evaluate", "--images", f"csv:{photos}", "--images",
                              f"csv:{others}", "--music", f"csv:{songs}", "--cv", "3",
                              "-o", str(report_path), "--jobs", "1", "--cache", cache,
                              "--kinds", "ridge"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    report = json.loads(report_path.read_text())
    assert [s["n_items"] for s in report["image"]["sets"]] == [60, 48]
    assert report["audio"]["sets"][0]["n_items"] == 40
    for protocol in ("cross_set", "in_domain"):
        for spec, n in ((f"csv:{photos}", 60), (f"csv:{others}", 48)):
            m = report["matching"][protocol][spec]["ridge"]
            assert m["n_queries"] == n and m["n_items"] == 40
            # random songs: sum over classes of photo share x song share (1/4 each)
            assert m["chance"] == pytest.approx(0.25)
            assert m["balanced_chance"] == pytest.approx(0.25)
            assert 1 <= m["distinct_at_1"] <= 40
            r = report["image"][protocol][spec]["ridge"]
            quads = data.quadrants[data.rows_of(spec)]
            assert r["n"] == n
            assert r["quadrant_balanced_chance"] == pytest.approx(1 / len(set(quads)))
            assert r["quadrant_majority"] == pytest.approx(
                max(np.mean(quads == q) for q in set(quads)))
    # the left-out figures come from models that never saw the set: they differ from
    # the in-domain ones
    assert report["image"]["cross_set"][f"csv:{others}"]["ridge"]["valence"] != \
        report["image"]["in_domain"][f"csv:{others}"]["ridge"]["valence"]
    music = report["audio"]["in_domain"]["ridge"]
    assert music["quadrant_majority"] == pytest.approx(0.25)
