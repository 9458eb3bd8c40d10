"""Tests of affect_features.protocol: matching photos to songs as the evaluation
protocol does it, on synthetic data."""

import numpy as np
import pytest

from affect_features.protocol import (as_predicted, joint_route_matching, labels_only_spec,
                                      match_photos)
from affect_features.space import quadrant
from affect_features.training import LabelledFeatures


def test_as_predicted_puts_the_models_neutral_answer_in_unlearned_axes():
    pts = np.array([[0.5, -0.2, np.nan], [0.1, 0.3, np.nan]])
    out = as_predicted(pts)
    assert out.tolist() == [[0.5, -0.2, 0.0], [0.1, 0.3, 0.0]]
    assert np.isnan(pts).sum() == 2  # the input is not changed


def test_match_photos_weights_follow_reliability():
    rng = np.random.default_rng(3)
    songs = rng.uniform(-0.5, 0.5, size=(200, 3))
    song_q = quadrant(songs[:, :2])
    photos = songs[:50] + rng.normal(scale=0.01, size=(50, 3))
    photo_q = quadrant(photos[:, :2])
    good = match_photos(photos, photo_q, songs, song_q, [0.9, 0.9, 0.9])
    assert good["precision_at_1"] > 0.9 and good["weights"] == [1.0, 1.0, 1.0]
    assert good["distinct_at_1"] >= 45
    # arousal declared unreliable: it no longer decides, so agreement falls
    blind = match_photos(photos, photo_q, songs, song_q, [0.9, 0.0, 0.0])
    assert blind["weights"] == [1.0, 0.0, 0.0]
    assert blind["precision_at_1"] < good["precision_at_1"] - 0.2
    assert blind["aligned"]["precision_at_1"] == good["aligned"]["precision_at_1"]


def test_labels_only_spec_drops_missing_norms_only(tmp_path):
    root = tmp_path / "4q"
    root.mkdir()
    assert labels_only_spec(f"4q:{root}") == f"4q:{root}?lexicon=none"
    assert labels_only_spec(f"4q:{root}?lexicon=/x.csv") == f"4q:{root}?lexicon=/x.csv"
    assert labels_only_spec(f"emotion6:{root}") == f"emotion6:{root}"
    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "Ratings_Warriner_et_al.csv").write_text("Word\n")
    assert labels_only_spec(f"4q:{root}") == f"4q:{root}"      # norms there: kept


def test_joint_route_matching_on_separable_data():
    rng = np.random.default_rng(4)
    q = np.array(["Q1", "Q2", "Q3", "Q4"])
    centres = rng.normal(size=(4, 6)) * 3
    photo_q = np.repeat(q, 30)
    song_q = np.repeat(q, 20)
    photos = LabelledFeatures(
        modality="image", X=centres[np.repeat(np.arange(4), 30)] + rng.normal(size=(120, 6)),
        names=tuple(f"f.{i}" for i in range(6)), schema="test-1",
        points=np.zeros((120, 3)), labels=[None] * 120, quadrants=photo_q,
        paths=[str(i) for i in range(120)], groups=np.arange(120).astype(str),
        sets=[("a:x", 60), ("b:y", 60)], failures=[],
        set_ids=np.tile(np.repeat([0, 1], 15), 4))
    songs = LabelledFeatures(
        modality="audio", X=centres[np.repeat(np.arange(4), 20)] + rng.normal(size=(80, 6)),
        names=tuple(f"g.{i}" for i in range(6)), schema="test-a",
        points=np.zeros((80, 3)), labels=list(song_q), quadrants=song_q,
        paths=[str(i) for i in range(80)], groups=np.array([f"artist{i // 2}" for i in range(80)]),
        sets=[("s:z", 80)], failures=[], set_ids=np.zeros(80, dtype=np.intp))
    rows = photos.rows_of("b:y")
    left_out = joint_route_matching(photos, rows, songs, folds=4,
                                    train_photo_rows=photos.rows_of("a:x"))
    assert left_out["n_queries"] == 4 * len(rows)   # every test photo against each fold
    assert left_out["precision_at_1"] > 0.8 and left_out["chance"] == pytest.approx(0.25)
    in_domain = joint_route_matching(photos, rows, songs, folds=4)
    assert in_domain["n_queries"] == len(rows) and in_domain["precision_at_1"] > 0.8
