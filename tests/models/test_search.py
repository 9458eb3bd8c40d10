"""Tests of affect_features.models._search: hyper-parameters chosen by scikit-learn's
GridSearchCV over StandardScaler + MLPRegressor, scored by the mean R²."""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.model_selection import KFold
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info

from affect_features.errors import ParameterError
from affect_features.evaluation import r2_score
from affect_features.models import MLP_FIXED, train_model
from affect_features.models._search import (
    check_grid,
    cv_splitter,
    fitting_context,
    mean_r2,
    select_mlp_params,
)

GRID = {"alpha": [1e-3, 10.0], "hidden_layer_sizes": [(4,)], "learning_rate_init": [0.01],
        "max_iter": [60]}


def _data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)) * [1.0, 5.0, 0.1, 2.0] + 3.0
    Y = np.tanh(X[:, :2] @ np.array([[0.5, -0.2], [0.1, 0.3]]))
    return X, Y


def _blas_threads():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_selection_scores_are_mean_fold_r2_of_per_fold_standardised_fits():
    # What the search computes, by hand: each fold standardised on its training rows,
    # the candidate fitted from the search's seed, the mean R² of both columns; the
    # mean over the folds. Equal to the last bit.
    X, Y = _data()
    grid = check_grid(GRID)
    best, selection = select_mlp_params(X, Y, grid, cv=3, groups=None, random_state=5,
                                        columns=[0, 1], n_jobs=1)
    by_hand = []
    for alpha in grid["alpha"]:
        scores = []
        for tr, te in KFold(3, shuffle=True, random_state=5).split(X):
            sc = StandardScaler().fit(X[tr])
            est = MLPRegressor(**{**MLP_FIXED, "alpha": alpha, "hidden_layer_sizes": (4,),
                                  "learning_rate_init": 0.01, "max_iter": 60},
                               random_state=5).fit(sc.transform(X[tr]), Y[tr])
            scores.append(np.mean(r2_score(Y[te], est.predict(sc.transform(X[te])))))
        by_hand.append(np.mean(scores))
    assert [s["score"] for s in selection] == by_hand
    assert best == int(np.argmax(by_hand))
    assert [s["params"]["alpha"] for s in selection] == grid["alpha"]


def test_a_tie_goes_to_the_first_candidate_in_grid_order():
    # verbose changes nothing that is fitted: both candidates score the same, and the
    # first listed wins, as the hand-made search before GridSearchCV chose.
    X, Y = _data()
    for values in ([0, False], [False, 0]):
        grid = check_grid({**GRID, "alpha": [1.0], "verbose": values})
        best, selection = select_mlp_params(X, Y, grid, cv=3, groups=None,
                                            random_state=0, columns=[0, 1], n_jobs=1)
        assert selection[0]["score"] == selection[1]["score"]
        assert best == 0 and selection[best]["params"]["verbose"] is values[0]


def test_check_grid_normalises_and_refuses():
    assert check_grid({"hidden_layer_sizes": 8, "alpha": 0.1}) == {
        "alpha": [0.1], "hidden_layer_sizes": [(8,)]}
    assert check_grid({"hidden_layer_sizes": (8, 4)})["hidden_layer_sizes"] == [(8, 4)]
    assert check_grid({"hidden_layer_sizes": [8, (4, 2)]})["hidden_layer_sizes"] == [
        (8,), (4, 2)]
    assert list(check_grid({"tol": [1e-3], "alpha": [1.0]})) == ["alpha", "tol"]
    with pytest.raises(ParameterError, match="unknown MLPRegressor parameter"):
        check_grid({"depth": [3]})
    with pytest.raises(ParameterError, match="is empty"):
        check_grid({"alpha": []})
    with pytest.raises(ParameterError, match="activation must be one of"):
        check_grid({"activation": ["softplus"]})
    with pytest.raises(ParameterError, match="non-empty mapping"):
        check_grid({})


def test_cv_splitter_keeps_groups_together_and_counts_them():
    groups = np.repeat(np.arange(6), 5)
    for tr, te in cv_splitter(3, groups, 0).split(np.zeros(30), groups=groups):
        assert not set(groups[tr]) & set(groups[te])
    with pytest.raises(ParameterError, match="needs at least 10 groups, got 6"):
        cv_splitter(10, groups, 0)


def test_mean_r2_known_answers():
    y = np.array([[1.0, 0.0], [2.0, 1.0], [3.0, 2.0]])
    p = np.array([[1.0, 1.0], [2.0, 1.0], [4.0, 1.0]])  # R² 0.5 and 0.0
    assert mean_r2(y, p, [0, 1]) == 0.25
    assert mean_r2(y, p, [0]) == 0.5
    assert mean_r2(y[:, 0], p[:, 0], [0]) == 0.5  # one column as 1-D
    p[0, 1] = np.nan  # a diverged network scores NaN (ranked last by GridSearchCV)
    assert np.isnan(mean_r2(y, p, [0, 1]))


def test_fitting_leaves_no_process_state_changed():
    before = (_blas_threads(), sklearn.get_config(), list(warnings.filters))
    with fitting_context():
        assert all(n == 1 for n in _blas_threads())
        assert sklearn.get_config()["assume_finite"] is True
    assert (_blas_threads(), sklearn.get_config(), list(warnings.filters)) == before
    X, Y = _data()
    train_model(X, Y, names=[f"f{i}" for i in range(4)], schema="s", modality="image",
                param_grid=GRID, n_seeds=1, cv=3, n_jobs=1)
    assert (_blas_threads(), sklearn.get_config(), list(warnings.filters)) == before
