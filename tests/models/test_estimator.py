"""Tests of affect_features.models._estimator: the training procedure as a scikit-learn
estimator (EmotionRegressor), usable by scikit-learn's own tools without glue."""

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import KFold, cross_val_predict, cross_validate
from sklearn.utils.estimator_checks import check_estimator

from affect_features.errors import ParameterError
from affect_features.evaluation import r2_score
from affect_features.models import EmotionRegressor, cross_validate_model, train_model

NAMES = tuple(f"group.f{i}" for i in range(5))
GRID = {"hidden_layer_sizes": [(8,)], "alpha": [1e-3, 1e-1], "learning_rate_init": [0.01]}


def _data(n=90, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(NAMES)))
    W = np.array([[0.8, 0.0, 0.3], [0.0, 0.9, 0.0], [0.5, -0.4, 0.0],
                  [0.0, 0.3, 0.8], [0.1, 0.0, 0.0]])
    Y = np.tanh(X @ W)
    Y[: n // 3, 2] = np.nan  # dominance unknown on a third of the rows
    return X, Y


def test_cross_validate_takes_the_estimator_as_it_is():
    # scikit-learn's cross_validate fits a clone per fold (with the fold's groups for
    # the inner search) and scores it; the out-of-fold points are those of
    # cross_validate_model on the same folds, bit for bit.
    X, Y = _data()
    folds = list(KFold(3, shuffle=True, random_state=1).split(X))
    est = EmotionRegressor(kind="mlp", n_seeds=1, param_grid=GRID, cv=3, n_jobs=1)
    res = cross_validate(est, X, Y, cv=folds, return_estimator=True)
    ours = cross_validate_model(X, Y, folds=folds, kinds=("mlp",), n_seeds=1,
                                param_grid=GRID, inner_cv=3, n_jobs=1)
    for fitted, (_, te), score in zip(res["estimator"], folds, res["test_score"]):
        assert np.array_equal(fitted.predict(X[te]), ours["mlp"]["predictions"][te])
        expected = np.mean([r2_score(Y[te, a], fitted.predict(X[te])[:, a])
                            for a in (0, 1)])
        assert score == expected
    assert ours["mlp"]["params"] == [[h["params"] for h in e.heads_]
                                     for e in res["estimator"]]


def test_cross_val_predict_with_groups_routes_them_to_fit():
    X, Y = _data()
    groups = np.repeat(np.arange(30), 3)
    est = EmotionRegressor(kind="ridge")
    pred = cross_val_predict(est, X, Y, cv=KFold(3), params={"groups": groups})
    for tr, te in KFold(3).split(X):
        model = train_model(X[tr], Y[tr], names=[f"f{i}" for i in range(5)], schema="s",
                            modality="image", kind="ridge", groups=groups[tr])
        assert np.array_equal(pred[te], model.predict(X[te]))


def test_fit_builds_what_train_model_builds():
    X, Y = _data()
    est = EmotionRegressor(n_seeds=2, param_grid=GRID, cv=3, n_jobs=1, names=NAMES,
                           schema="test-1", modality="image", random_state=4)
    assert est.fit(X, Y) is est
    model = train_model(X, Y, names=NAMES, schema="test-1", modality="image",
                        n_seeds=2, param_grid=GRID, cv=3, n_jobs=1, random_state=4)
    assert np.array_equal(est.predict(X), model.predict(X))
    assert est.model_.card["heads"] == model.card["heads"] == est.heads_
    assert est.n_features_in_ == 5
    # Two heads: valence/arousal on every row, dominance on its own rows.
    assert [h["axes"] for h in est.heads_] == [["valence", "arousal"], ["dominance"]]
    assert est.heads_[1]["n_train"] == 60


def test_parameters_follow_scikit_learn_conventions():
    est = EmotionRegressor(kind="ridge", cv=4, random_state=7)
    params = est.get_params()
    assert params["kind"] == "ridge" and params["cv"] == 4 and params["random_state"] == 7
    assert set(params) == {"kind", "n_seeds", "param_grid", "ridge_alphas", "cv",
                           "random_state", "n_jobs", "names", "schema", "modality"}
    with pytest.raises(NotFittedError):
        est.predict(np.zeros((2, 5)))
    X, Y = _data()
    est.fit(X, Y)
    copy = clone(est)
    assert copy.get_params() == params and not hasattr(copy, "model_")
    assert copy.set_params(kind="mlp").kind == "mlp"


def test_bad_settings_are_refused_at_fit():
    X, Y = _data()
    est = EmotionRegressor(kind="forest")  # __init__ only stores
    with pytest.raises(ParameterError, match="kind must be one of"):
        est.fit(X, Y)
    with pytest.raises(ParameterError, match="cv must be"):
        EmotionRegressor(cv=1).fit(X, Y)


def test_score_uses_known_valence_and_arousal_only():
    X, Y = _data()
    est = EmotionRegressor(kind="ridge").fit(X, Y)
    Yt = Y.copy()
    Yt[:10, 0] = np.nan  # valence unknown on some rows: those are left out for it
    P = est.predict(X)
    expected = np.mean([r2_score(Yt[10:, 0], P[10:, 0]), r2_score(Yt[:, 1], P[:, 1])])
    assert est.score(X, Yt) == expected
    assert np.isnan(est.score(X, np.full_like(Y, np.nan)))


def test_an_axis_known_nowhere_is_not_learned():
    X, Y = _data()
    Y[:, 2] = np.nan
    est = EmotionRegressor(kind="ridge").fit(X, Y)
    assert est.model_.learned.tolist() == [True, True, False]
    assert np.all(est.predict(X)[:, 2] == 0)


# The checks of scikit-learn's estimator conventions that cannot apply: what the model
# is (2 or 3 emotion axes, at least 20 rows per head, dense finite features, one vector
# predicted as one point) and the messages it words for this package.
NOT_APPLICABLE = {
    "check_regressors_train": "1-D or 5-column targets; the axes are V, A[, D]",
    "check_regressor_multioutput": "5 targets; the axes are V, A[, D]",
    "check_regressors_no_decision_function": "trains on at least 20 rows per head",
    "check_n_features_in_after_fitting": "trains on at least 20 rows per head",
    "check_estimators_nan_inf": "trains on at least 20 rows per head",
    "check_fit2d_1sample": "trains on at least 20 rows per head (its own message)",
    "check_fit2d_1feature": "a message of its own wording",
    "check_estimators_empty_data_messages": "a message of its own wording",
    "check_fit2d_predict1d": "a 1-D vector is one sample, predicted as one point",
    "check_estimator_sparse_array": "dense features only",
    "check_estimator_sparse_matrix": "dense features only",
    "check_estimator_sparse_tag": "dense features only",
}


@pytest.mark.skipif(tuple(int(x) for x in sklearn.__version__.split(".")[:2]) < (1, 6),
                    reason="expected_failed_checks needs scikit-learn 1.6")
def test_scikit_learn_estimator_checks_where_they_apply():
    # Cloning, get/set_params, no state set in __init__, fit returns self, not-fitted
    # errors, pickling, idempotent fits, sample-order invariance, y=None refused, ...
    check_estimator(EmotionRegressor(kind="ridge"), expected_failed_checks=NOT_APPLICABLE)
