"""Training protocols on synthetic data: in-domain CV, leave-one-dataset-out, per-set
targets, and the reliability a model's card records for matching."""

import numpy as np
import pytest

from affect_features.errors import ParameterError
from affect_features.space import quadrant
from affect_features.training import (LabelledFeatures, axis_reliability,
                                      cross_validated_points, leave_one_set_out_points,
                                      match_photos, standardise_per_set)


def _data(n=120, seed=0, flip_arousal=True):
    """Two sets sharing how feature 0 sets valence; feature 1 sets arousal with the
    opposite sign in the second set (a relation that does not carry across sets)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2 * n, 5))
    ids = np.repeat([0, 1], n)
    sign = np.where((ids == 1) & flip_arousal, -1.0, 1.0)
    V = 0.4 * np.tanh(X[:, 0]) + 0.05 * rng.normal(size=2 * n)
    A = 0.4 * sign * np.tanh(X[:, 1]) + 0.05 * rng.normal(size=2 * n)
    P = np.column_stack([V, A, np.full(2 * n, np.nan)])
    return LabelledFeatures(
        modality="image", X=X, names=tuple(f"f.{i}" for i in range(5)), schema="test-1",
        points=P, labels=[None] * (2 * n), quadrants=np.asarray(quadrant(P[:, :2])),
        paths=[f"p{i}" for i in range(2 * n)], groups=np.arange(2 * n).astype(str),
        sets=[("a:one", n), ("b:two", n)], failures=[], set_ids=ids)


def test_leave_one_set_out_predicts_each_set_from_the_other_only():
    data = _data()
    res = leave_one_set_out_points(data, kinds=("ridge",), n_jobs=1)
    assert list(res["folds"]) == [0] * 120 + [1] * 120
    per = res["per_set"]
    # valence carries (same relation in both sets) ...
    assert per["a:one"]["ridge"]["valence"]["r"] > 0.8
    assert per["b:two"]["ridge"]["valence"]["r"] > 0.8
    # ... arousal does not: each set's model predicts the other's arousal inverted
    assert per["a:one"]["ridge"]["arousal"]["r"] < -0.8
    assert per["b:two"]["ridge"]["arousal"]["r"] < -0.8
    # in-domain CV on one set hides it
    cv = cross_validated_points(data, cv=4, kinds=("ridge",), rows=data.rows_of("a:one"),
                                n_jobs=1)
    assert cv["ridge"]["metrics"]["arousal"]["r"] > 0.8
    assert axis_reliability(per["a:one"]["ridge"])[2] == 0.0  # dominance never rated


def test_leave_one_set_out_needs_two_sets():
    data = _data()
    one = LabelledFeatures(**{**data.__dict__, "sets": [("a:one", 240)],
                              "set_ids": np.zeros(240, dtype=np.intp)})
    with pytest.raises(ParameterError, match="two data sets"):
        leave_one_set_out_points(one, kinds=("ridge",), n_jobs=1)


def test_standardise_per_set_known_answer():
    P = np.array([[0.0, 0.1, np.nan], [0.4, 0.3, np.nan],   # set 0
                  [-0.5, 0.0, 0.2], [0.5, 0.0, 0.4]])        # set 1: no arousal spread
    out = standardise_per_set(P, np.array([0, 0, 1, 1]))
    pooled_v = np.std(P[:, 0])
    np.testing.assert_allclose(out[:, 0], [-pooled_v, pooled_v, -pooled_v, pooled_v])
    np.testing.assert_allclose(out[2:, 1], [0.0, 0.0])       # centred, not divided by 0
    assert np.isnan(out[:2, 2]).all()                         # unrated stays unrated
    assert np.all(np.isfinite(out[2:, 2]))


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


def test_pooled_reliability_weights_sets_by_size_and_skips_unrated_axes():
    from affect_features.training import pooled_reliability

    per_set = {"a": {"k": {"valence": {"r": 0.5}, "arousal": {"r": -0.2},
                           "dominance": {"r": 0.0}}},
               "b": {"k": {"valence": {"r": 0.2}, "arousal": {"r": 0.4}}}}  # b: no D
    r = pooled_reliability(per_set, [("a", 300), ("b", 100)], "k")
    assert r == pytest.approx([(300 * 0.5 + 100 * 0.2) / 400,
                               (300 * -0.2 + 100 * 0.4) / 400, 0.0])


def test_labels_only_spec_drops_missing_norms_only(tmp_path):
    from affect_features.training import labels_only_spec

    root = tmp_path / "4q"
    root.mkdir()
    assert labels_only_spec(f"4q:{root}") == f"4q:{root}?lexicon=none"
    assert labels_only_spec(f"4q:{root}?lexicon=/x.csv") == f"4q:{root}?lexicon=/x.csv"
    assert labels_only_spec(f"emotion6:{root}") == f"emotion6:{root}"
    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "Ratings_Warriner_et_al.csv").write_text("Word\n")
    assert labels_only_spec(f"4q:{root}") == f"4q:{root}"      # norms there: kept


def test_joint_route_matching_on_separable_data():
    from affect_features.training import joint_route_matching

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
