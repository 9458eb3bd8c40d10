"""Tests of affect_features.evaluation against hand-computed values on tiny fixtures."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from affect_features.errors import ParameterError
from affect_features.evaluation import (
    binary_accuracy, categorical_accuracy, chance_agreement, confusion_matrix,
    matching_report, mean_reciprocal_rank, pearson_r, per_class_recall, precision_at_k,
    log_loss, quadrant_accuracy, r2_score, regression_metrics, regression_report,
)

# Four queries whose first agreeing item is at rank 1, 2, 3 and nowhere.
QUERIES = ["Q1", "Q2", "Q3", "Q4"]
RANKED = [["Q1", "Q1", "Q2"],
          ["Q1", "Q2", "Q2"],
          ["Q1", "Q2", "Q3"],
          ["Q1", "Q2", "Q3"]]
ITEMS = ["Q1", "Q1", "Q2", "Q3"]


# -------------------------------------------------------------------------- matching

def test_categorical_accuracy():
    assert categorical_accuracy(QUERIES, [r[0] for r in RANKED]) == 0.25
    assert categorical_accuracy([1, 2, 3], [1, 2, 3]) == 1.0


def test_precision_at_k_by_hand():
    assert precision_at_k(QUERIES, RANKED, 1) == pytest.approx(1 / 4)
    # hits in the top 2: 2, 1, 0, 0 -> (2/2 + 1/2) / 4
    assert precision_at_k(QUERIES, RANKED, 2) == pytest.approx(0.375)
    # hits in the top 3: 2, 2, 1, 0 -> (2/3 + 2/3 + 1/3 + 0) / 4
    assert precision_at_k(QUERIES, RANKED, 3) == pytest.approx(5 / 12)


@pytest.mark.parametrize("k", [0, 4, 1.0, True])
def test_precision_at_k_rejects_bad_k(k):
    with pytest.raises(ParameterError, match="k must be"):
        precision_at_k(QUERIES, RANKED, k)


def test_mean_reciprocal_rank_by_hand():
    assert mean_reciprocal_rank(QUERIES, RANKED) == pytest.approx((1 + 1 / 2 + 1 / 3 + 0) / 4)
    assert mean_reciprocal_rank(["a"], [["b", "b"]]) == 0.0
    assert mean_reciprocal_rank(["a"], [["a", "a"]]) == 1.0


def test_chance_agreement_by_hand():
    # query shares 0.5 / 0.5, item shares 0.25 / 0.75
    assert chance_agreement(["a", "b"], ["a", "b", "b", "b"]) == pytest.approx(0.5)
    assert chance_agreement(["a", "a"], ["a", "b", "b", "b"]) == pytest.approx(0.25)
    assert chance_agreement(["c"], ["a", "b"]) == 0.0
    # QUERIES: 1/4 each; ITEMS: Q1 1/2, Q2 1/4, Q3 1/4, Q4 0
    assert chance_agreement(QUERIES, ITEMS) == pytest.approx(0.25)


@settings(max_examples=40, deadline=None)
@given(query=st.lists(st.sampled_from("abc"), min_size=1, max_size=12),
       items=st.lists(st.sampled_from("abcd"), min_size=1, max_size=12))
def test_chance_is_the_mean_agreement_of_all_query_item_pairs(query, items):
    pairs = np.array([[q == i for i in items] for q in query], dtype=float)
    assert chance_agreement(query, items) == pytest.approx(pairs.mean())


def test_per_class_recall():
    true = ["a", "a", "a", "b", "c"]
    pred = ["a", "b", "a", "b", "a"]
    assert per_class_recall(true, pred) == pytest.approx({"a": 2 / 3, "b": 1.0, "c": 0.0})
    got = per_class_recall(true, pred, labels=["c", "z"])
    assert list(got) == ["c", "z"] and got == {"c": 0.0, "z": 0.0}


def test_confusion_matrix_rows_are_true_classes():
    true = ["a", "a", "a", "b", "c"]
    pred = ["a", "b", "a", "b", "a"]
    np.testing.assert_array_equal(confusion_matrix(true, pred),
                                  [[2, 1, 0], [0, 1, 0], [1, 0, 0]])
    m = confusion_matrix(true, pred, labels=["b", "a"])
    np.testing.assert_array_equal(m, [[1, 0], [1, 2]])  # the 'c' sample is not counted
    assert m.dtype == np.int64
    with pytest.raises(ParameterError, match="distinct"):
        confusion_matrix(true, pred, labels=["a", "a"])


def test_confusion_matrix_agrees_with_recall():
    rng = np.random.default_rng(0)
    true, pred = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
    m = confusion_matrix(true, pred, labels=range(4))
    assert m.sum() == 50
    recall = per_class_recall(true, pred, labels=range(4))
    np.testing.assert_allclose([recall[c] for c in range(4)], np.diag(m) / m.sum(axis=1))


def test_matching_report():
    report = matching_report(QUERIES, RANKED, ITEMS)
    assert report["n_queries"] == 4 and report["n_items"] == 4 and report["k"] == 3
    assert report["accuracy"] == report["precision_at_1"] == 0.25
    assert "precision_at_5" not in report and "precision_at_10" not in report
    assert report["mrr"] == pytest.approx(11 / 24)
    assert report["chance"] == pytest.approx(0.25)
    assert report["per_class_recall"] == {"Q1": 1.0, "Q2": 0.0, "Q3": 0.0, "Q4": 0.0}
    assert report["confusion"] == {"labels": ["Q1", "Q2", "Q3", "Q4"],
                                   "matrix": [[1, 0, 0, 0], [1, 0, 0, 0],
                                              [1, 0, 0, 0], [1, 0, 0, 0]]}
    json.dumps(report)  # plain Python types only


def test_matching_report_long_lists_and_integer_labels():
    query = np.array([0, 1])
    ranked = np.array([[0] * 10, [0] * 9 + [1]])
    report = matching_report(query, ranked, [0, 1])
    assert report["precision_at_5"] == pytest.approx(0.5)
    assert report["precision_at_10"] == pytest.approx((1 + 0.1) / 2)
    assert report["mrr"] == pytest.approx((1 + 0.1) / 2)
    assert report["per_class_recall"] == {0: 1.0, 1: 0.0}
    json.dumps(report)


@pytest.mark.parametrize("call", [
    lambda: categorical_accuracy(["a"], ["a", "b"]),
    lambda: categorical_accuracy([], []),
    lambda: precision_at_k(["a", "b"], [["a"]], 1),
    lambda: mean_reciprocal_rank(["a"], ["a"]),
    lambda: mean_reciprocal_rank(["a", "b"], [["a", "b"], ["a"]]),
    lambda: chance_agreement(["a"], []),
    lambda: per_class_recall(["a"], [["a"]]),
])
def test_matching_metrics_reject_bad_shapes(call):
    with pytest.raises(ParameterError):
        call()


# ------------------------------------------------------------------------ regression

def test_pearson_r_known_values():
    assert pearson_r([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson_r([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    # x = (-1, 0, 1), y = (1, -2, 1): covariance 0
    assert pearson_r([-1, 0, 1], [1, -2, 1]) == pytest.approx(0.0)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=30), rng.normal(size=30)
    assert pearson_r(x, y) == pytest.approx(np.corrcoef(x, y)[0, 1])


@pytest.mark.parametrize("x, y", [
    ([1, 1, 1], [1, 2, 3]), ([1, 2, 3], [0.1, 0.1, 0.1]), ([5], [7]), ([0.1] * 7, [0.3] * 7),
])
def test_pearson_r_constant_inputs_are_zero(x, y):
    assert pearson_r(x, y) == 0.0


def test_r2_score_known_values():
    assert r2_score([1, 2, 3], [1, 2, 3]) == 1.0
    assert r2_score([1, 2, 3], [2, 2, 2]) == 0.0  # predicting the mean
    # residuals (0, 0, -1): 1 - 1/2
    assert r2_score([1, 2, 3], [1, 2, 4]) == pytest.approx(0.5)
    assert r2_score([1, 2, 3], [3, 2, 1]) == pytest.approx(-3.0)


def test_r2_score_constant_truth_is_finite():
    assert r2_score([0.2, 0.2], [0.2, 0.2]) == 1.0
    assert r2_score([0.2, 0.2], [0.1, 0.3]) == 0.0
    assert r2_score([0.1] * 7, [0.1] * 7) == 1.0


def test_r2_score_per_column_is_each_column_alone():
    rng = np.random.default_rng(2)
    true = rng.normal(size=(37, 3))
    pred = true + rng.normal(size=(37, 3)) * [0.1, 1.0, 3.0]
    true[:, 2] = 0.4                                   # a constant column
    pred[:, 2] = 0.4                                   # ... predicted exactly: 1.0
    per = r2_score(true, pred)
    assert per.shape == (3,) and per[2] == 1.0
    # the same bits as one column at a time, whatever the memory layout
    for t, p in ((true, pred), (np.asfortranarray(true), pred), (true[:, [2, 0, 1]],
                                                                  pred[:, [2, 0, 1]])):
        cols = r2_score(t, p)
        assert cols.tolist() == [r2_score(t[:, c], p[:, c]) for c in range(3)]
    pred[0, 2] = 0.5                                   # constant truth, missed: 0.0
    assert r2_score(true, pred)[2] == 0.0
    with pytest.raises(ParameterError, match="differ in shape"):
        r2_score(true, pred[:, :2])


def test_log_loss_known_answers():
    assert log_loss([[0.5, 0.5], [0.25, 0.75]], [0, 1]) == pytest.approx(
        -(np.log(0.5) + np.log(0.75)) / 2)
    assert log_loss([[1.0, 0.0]], [0]) == 0.0
    # a certain mistake costs -log(1e-300), not infinity
    assert log_loss([[1.0, 0.0]], [1]) == pytest.approx(300 * np.log(10))
    with pytest.raises(ParameterError, match="proba must be"):
        log_loss([0.5, 0.5], [0])


def test_models_use_the_one_regression_metrics():
    from affect_features import models

    assert models.regression_metrics is regression_metrics


def test_regression_metrics_known_answers():
    Y = np.array([[0.5, 0.5, 0.1], [-0.5, 0.4, np.nan], [-0.3, -0.6, 0.2],
                  [0.6, -0.2, 0.3]])
    m = regression_metrics(Y, Y)
    assert m["valence"] == {"r": 1.0, "r2": 1.0, "n": 4}
    assert m["dominance"]["n"] == 3
    assert m["quadrant_accuracy"] == 1.0 and m["n_quadrant"] == 4
    m = regression_metrics(Y, -Y)
    assert m["quadrant_accuracy"] == 0.0
    assert m["valence"]["r"] == pytest.approx(-1.0)
    assert m["valence"]["r2"] < -1
    # Given true quadrant labels are used instead of the points' quadrants.
    m = regression_metrics(Y, Y, quadrants=["Q1", "Q1", "Q3", None])
    assert m["quadrant_accuracy"] == pytest.approx(2 / 3) and m["n_quadrant"] == 3


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)), min_size=1, max_size=20))
def test_regression_metrics_always_finite(pairs):
    x, y = np.array(pairs).T
    r = pearson_r(x, y)
    assert np.isfinite(r) and -1 <= r <= 1
    r2 = r2_score(x, y)
    assert np.isfinite(r2) and r2 <= 1
    assert 0 <= binary_accuracy(x, y) <= 1


def test_binary_accuracy_ties_count_as_positive():
    assert binary_accuracy([0.5, -0.2, 0.0], [0.1, 0.3, 0.0]) == pytest.approx(2 / 3)
    assert binary_accuracy([0.0, -0.1], [0.4, -0.4]) == 1.0
    assert binary_accuracy([0.6, 0.4], [0.55, 0.45], threshold=0.5) == 1.0
    with pytest.raises(ParameterError):
        binary_accuracy([1.0], [np.nan])


def test_quadrant_accuracy():
    true = [[0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5], [0.5, -0.5]]
    pred = [[0.1, 0.9], [0.1, 0.9], [-0.2, -0.1], [0.0, -0.2]]
    assert quadrant_accuracy(true, pred) == 0.75


def test_regression_report():
    true = np.array([[0.5, 0.5, 0.1], [-0.5, 0.5, 0.2], [-0.5, -0.5, 0.3], [0.5, -0.5, 0.4]])
    pred = true.copy()
    pred[:, 0] *= 0.5           # valence shrunk: r = 1, same signs
    pred[0, 1] = -0.5           # one arousal sign wrong
    report = regression_report(true, pred, axes=("valence", "arousal", "dominance"))
    assert report["n"] == 4
    assert report["quadrant_accuracy"] == 0.75
    v = report["valence"]
    assert v["pearson_r"] == pytest.approx(1.0)
    assert v["mae"] == pytest.approx(0.25)
    assert v["rmse"] == pytest.approx(0.25)
    assert v["r2"] == pytest.approx(0.75)  # residual 0.25 per point: 1 - 0.25 / 1
    assert v["binary_accuracy"] == 1.0
    assert report["arousal"]["binary_accuracy"] == 0.75
    assert report["arousal"]["mae"] == pytest.approx(0.25)
    assert report["dominance"]["r2"] == 1.0
    json.dumps(report)


def test_regression_report_rejects_bad_axes_and_shapes():
    points = np.zeros((3, 2))
    with pytest.raises(ParameterError, match="dominance"):
        regression_report(points, points, axes=("dominance",))
    with pytest.raises(ParameterError, match="unknown axis"):
        regression_report(points, points, axes=("pleasure",))
    with pytest.raises(ParameterError, match="shape"):
        regression_report(points, np.zeros((3, 3)))
    with pytest.raises(ParameterError, match="shape"):
        regression_report(np.zeros(3), np.zeros(3))


# ------------------------------------------------------------ balanced and diversity

def test_balanced_gives_each_class_one_vote():
    from affect_features.evaluation import balanced, balanced_accuracy, majority_share

    # 3 of class a all hit, 1 of class b missed: plain mean 0.75, balanced 0.5
    assert balanced([1, 1, 1, 0], ["a", "a", "a", "b"]) == 0.5
    # always answering the majority: its share plain, 1/n_classes balanced
    truth = ["Q2"] * 6 + ["Q4"] * 3 + ["Q1"]
    assert majority_share(truth) == 0.6
    assert balanced_accuracy(truth, ["Q2"] * 10) == pytest.approx(1 / 3)
    assert balanced_accuracy(truth, truth) == 1.0
    with pytest.raises(ParameterError):
        balanced([1.0, np.nan], ["a", "b"])


def test_distinct_at_1_counts_first_items():
    from affect_features.evaluation import distinct_at_1

    assert distinct_at_1([[3, 1], [3, 2], [0, 3]]) == 2
    assert distinct_at_1(np.arange(12).reshape(4, 3)) == 4
    with pytest.raises(ParameterError):
        distinct_at_1([1, 2, 3])


def test_matching_report_balanced_and_majority_entries():
    query = ["a", "a", "a", "b"]
    ranked = [["a", "b"], ["a", "a"], ["a", "b"], ["a", "b"]]
    items = ["a", "b", "b", "b"]
    rep = matching_report(query, ranked, items, ranked_items=[[0, 1], [0, 0], [0, 2], [0, 3]])
    assert rep["precision_at_1"] == 0.75
    assert rep["balanced_precision_at_1"] == 0.5          # class b never hit at rank 1
    assert rep["balanced_mrr"] == pytest.approx((1.0 + 0.5) / 2)
    assert rep["majority"] == 0.75 and rep["balanced_majority"] == 0.5
    assert rep["balanced_chance"] == pytest.approx((0.25 + 0.75) / 2)
    assert rep["distinct_at_1"] == 1 and rep["distinct_at_1_share"] == 0.25
