"""Training protocols on synthetic data: in-domain CV, leave-one-dataset-out, per-set
targets, and the reliability a model's card records for matching."""

import numpy as np
import pytest

from affect_features.errors import ParameterError
from affect_features.space import quadrant
from affect_features.training import (LabelledFeatures, axis_reliability,
                                      cross_validated_points, leave_one_set_out_points,
                                      standardise_per_set)


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


def test_pooled_reliability_weights_sets_by_size_and_skips_unrated_axes():
    from affect_features.training import pooled_reliability

    per_set = {"a": {"k": {"valence": {"r": 0.5}, "arousal": {"r": -0.2},
                           "dominance": {"r": 0.0}}},
               "b": {"k": {"valence": {"r": 0.2}, "arousal": {"r": 0.4}}}}  # b: no D
    r = pooled_reliability(per_set, [("a", 300), ("b", 100)], "k")
    assert r == pytest.approx([(300 * 0.5 + 100 * 0.2) / 400,
                               (300 * -0.2 + 100 * 0.4) / 400, 0.0])


def test_the_evaluation_protocol_is_still_reachable_from_training():
    # cli.py, the benchmarks and the scripts import these from training.
    from affect_features import protocol, training

    for name in ("evaluate_sets", "evaluate_matching", "match_photos",
                 "joint_route_matching", "labels_only_spec", "plot_plane"):
        assert getattr(training, name) is getattr(protocol, name)


def test_an_item_without_valence_or_arousal_has_no_quadrant(monkeypatch):
    # Its quadrant is undefined (""): not the quadrant of a neutral point put in its
    # place, which would be Q1. regression_metrics leaves such entries out.
    import affect_features.datasets as datasets
    from affect_features import training

    class _Set:
        modality, taxonomy, labels, extra, root, kind = "image", None, None, {}, "/x", "csv"
        points = np.array([[0.5, 0.5, np.nan], [np.nan, np.nan, np.nan],
                           [-0.5, -0.2, np.nan]])
        paths = ["/x/a.jpg", "/x/b.jpg", "/x/c.jpg"]

        def __len__(self):
            return 3

    class _Table:
        ok, failures, names, schema, X = [True] * 3, {}, ("f.a", "f.b"), "test-1", np.eye(3, 2)

    monkeypatch.setattr(datasets, "load_dataset", lambda spec: _Set())
    monkeypatch.setattr(training, "dataset_features", lambda ds, **kw: _Table())
    data = training.load_training_data("image", ["csv:/x/t.csv"])
    assert data.quadrants.tolist() == ["Q1", "", "Q3"]
