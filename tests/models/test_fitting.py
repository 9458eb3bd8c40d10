"""Tests of affect_features.models._fitting: train_model learns known functions from
targets with unknown axes, deterministically; cross_validate_model is nested."""

import json

import numpy as np
import pytest

from affect_features.errors import ParameterError
from affect_features.evaluation import regression_metrics
from affect_features.models import AXES, EmotionModel, cross_validate_model, train_model

from .synthetic import GRID, NAMES, data


def test_trained_members_are_the_sklearn_fits(trained):
    # Refitting MLPRegressor with the card's parameters and the member seeds gives the
    # same weights, so the numpy forward pass equals sklearn's predict on the real model.
    from sklearn.neural_network import MLPRegressor

    X, Y, model = trained
    head = model.card["heads"][0]
    assert head["axes"] == list(AXES)
    params = dict(head["params"])
    params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    Z = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    preds = [MLPRegressor(**params, random_state=model.card["random_state"] + k).fit(Z, Y)
             .predict(Z) for k in range(2)]
    np.testing.assert_allclose(model.predict(X), np.clip(np.mean(preds, axis=0), -1, 1),
                               rtol=0, atol=1e-12)


def test_training_learns_a_known_function(trained):
    _, _, model = trained
    Xt, Yt = data(300, seed=1)
    metrics = regression_metrics(Yt, model.predict(Xt))
    for axis in AXES:
        assert metrics[axis]["r2"] > 0.85, metrics
    assert metrics["quadrant_accuracy"] > 0.85


def test_training_is_deterministic(trained):
    X, Y, model = trained
    again = train_model(X, Y, names=NAMES, schema="test-1", modality="image",
                        param_grid=GRID, n_seeds=2, cv=3, n_jobs=1)
    assert np.array_equal(again.predict(X), model.predict(X))


def test_nan_dominance_gets_its_own_head():
    X, Y = data(150)
    Y[::3, 2] = np.nan
    model = train_model(X, Y, names=NAMES, schema="s", modality="image", param_grid=GRID,
                        n_seeds=1, cv=3, n_jobs=1)
    heads = model.card["heads"]
    assert [h["axes"] for h in heads] == [["valence", "arousal"], ["dominance"]]
    assert [h["n_train"] for h in heads] == [150, 100]
    assert heads[0]["cv_score_axes"] == ["valence", "arousal"]
    assert model.learned.tolist() == [True, True, True]
    Xt, Yt = data(200, seed=2)
    assert regression_metrics(Yt, model.predict(Xt))["dominance"]["r2"] > 0.7


def test_unknown_axis_is_not_learned(tmp_path):
    X, Y = data(120)
    Y[:, 2] = np.nan
    model = train_model(X, Y[:, :2], names=NAMES, schema="s", modality="audio",
                        kind="ridge", cv=3)
    assert model.learned.tolist() == [True, True, False]
    assert np.all(model.predict(X)[:, 2] == 0.0)
    model.save(tmp_path / "r")
    assert EmotionModel.load(tmp_path / "r").learned.tolist() == [True, True, False]
    # mask= hides entries like NaN does.
    X, Y = data(120)
    mask = np.ones_like(Y, dtype=bool)
    mask[:, 2] = False
    masked = train_model(X, Y, mask=mask, names=NAMES, schema="s", modality="audio",
                         kind="ridge", cv=3)
    np.testing.assert_allclose(masked.predict(X), model.predict(X), atol=1e-12)


def test_training_input_errors():
    X, Y = data(60)
    with pytest.raises(ParameterError, match="names"):
        train_model(X, Y, names=NAMES[:3], schema="s", modality="image", kind="ridge")
    with pytest.raises(ParameterError, match="finite"):
        train_model(np.where(X > 2, np.nan, X), Y, names=NAMES, schema="s",
                    modality="image", kind="ridge")
    with pytest.raises(ParameterError, match="param_grid"):
        train_model(X, Y, names=NAMES, schema="s", modality="image",
                    param_grid={"no_such": [1]})
    Y2 = Y.copy()
    Y2[5:, 2] = np.nan
    with pytest.raises(ParameterError, match="only 5 training rows know dominance"):
        train_model(X, Y2, names=NAMES, schema="s", modality="image", kind="ridge")
    with pytest.raises(ParameterError, match="no target"):
        train_model(X, np.full_like(Y, np.nan), names=NAMES, schema="s",
                    modality="image", kind="ridge")


def test_cross_validation_is_nested():
    X, Y = data(120)
    result = cross_validate_model(X, Y, cv=3, inner_cv=3, n_seeds=1, param_grid=GRID,
                                  random_state=3, n_jobs=1)
    folds = result["folds"]
    assert sorted(np.bincount(folds)) == [40, 40, 40]
    # Fold 0's out-of-fold predictions come from a model trained, with its own
    # hyper-parameter search, on the other folds only.
    test = folds == 0
    alone = train_model(X[~test], Y[~test], names=[f"f{i}" for i in range(5)],
                        schema="cv", modality="cv", param_grid=GRID, n_seeds=1, cv=3,
                        random_state=3, n_jobs=1)
    np.testing.assert_array_equal(result["mlp"]["predictions"][test], alone.predict(X[test]))
    assert len(result["mlp"]["params"]) == 3
    mlp, ridge = result["summary"]["mlp"], result["summary"]["ridge"]
    assert mlp["mean_r2_va"] > 0.7 and ridge["mean_r2_va"] > 0.5
    assert set(mlp) >= {"valence", "arousal", "dominance", "quadrant_accuracy"}
    json.dumps(result["summary"])  # JSON-able, for the model card


def test_cross_validation_ridge_on_linear_data_and_groups():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(90, 5))
    Y = X[:, :3] * 0.2
    groups = np.repeat(np.arange(9), 10)
    result = cross_validate_model(X, Y, kinds=("ridge",), cv=3, groups=groups, n_jobs=1)
    folds = result["folds"]
    for g in range(9):  # a group never straddles folds
        assert len(set(folds[groups == g])) == 1
    for axis in AXES:
        assert result["ridge"]["metrics"][axis]["r2"] > 0.99
    assert "mlp" not in result
