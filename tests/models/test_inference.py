"""Tests of affect_features.models._inference and ._columns: the numpy forward pass
equals scikit-learn's predict; a model reads only features of its schema."""

import numpy as np
import pytest

from affect_features.errors import ModelError, ParameterError, SchemaError
from affect_features.features import FeatureVector
from affect_features.models import EmotionModel

from .synthetic import NAMES, data, fit_sklearn


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("activation", ["relu", "tanh", "identity", "logistic"])
def test_predict_equals_sklearn(activation):
    X, scaler, ests = fit_sklearn(activation)
    model = EmotionModel.from_estimators(names=NAMES, schema="test-1", modality="image",
                                         mean=scaler.mean_, scale=scaler.scale_,
                                         heads=[((0, 1, 2), ests)])
    expected = np.clip(np.mean([e.predict(scaler.transform(X)) for e in ests], axis=0),
                       -1, 1)
    np.testing.assert_allclose(model.predict(X), expected, rtol=0, atol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_predict_equals_sklearn_split_heads_and_ridge():
    from sklearn.linear_model import Ridge
    from sklearn.neural_network import MLPRegressor

    X, Y = data(80)
    mean, scale = X.mean(0), np.where(X.std(0) > 0, X.std(0), 1.0)
    Z = (X - mean) / scale
    va = MLPRegressor(hidden_layer_sizes=(6,), max_iter=40, random_state=0).fit(Z, Y[:, :2])
    d = MLPRegressor(hidden_layer_sizes=(6,), max_iter=40, random_state=0).fit(Z, Y[:, 2])
    model = EmotionModel.from_estimators(names=NAMES, schema="s", modality="audio",
                                         mean=mean, scale=scale,
                                         heads=[((0, 1), [va]), ((2,), [d])])
    expected = np.clip(np.column_stack([va.predict(Z), d.predict(Z)]), -1, 1)
    np.testing.assert_allclose(model.predict(X), expected, rtol=0, atol=1e-12)

    ridge = Ridge(alpha=1.0).fit(Z, Y)
    lin = EmotionModel.from_estimators(names=NAMES, schema="s", modality="audio", mean=mean,
                                       scale=scale, heads=[((0, 1, 2), [ridge])], kind="ridge")
    np.testing.assert_allclose(lin.predict(X), np.clip(ridge.predict(Z), -1, 1),
                               rtol=0, atol=1e-12)


def test_output_is_clipped():
    from sklearn.linear_model import LinearRegression

    X, Y = data(40)
    lin = LinearRegression().fit(X, 5 * Y)  # targets far outside [-1, 1]
    model = EmotionModel.from_estimators(names=NAMES, schema="s", modality="image",
                                         mean=np.zeros(5), scale=np.ones(5),
                                         heads=[((0, 1, 2), [lin])], kind="ridge")
    P = model.predict(X)
    assert P.min() == -1.0 and P.max() == 1.0
    raw = lin.predict(X)
    inside = np.abs(raw) < 1
    np.testing.assert_allclose(P[inside], raw[inside], atol=1e-12)


def test_schema_checks(trained):
    X, _, model = trained
    fv = FeatureVector(NAMES, X[0], "test-1")
    np.testing.assert_array_equal(model.predict(fv), model.predict(X[:1])[0])
    assert model.predict(fv).shape == (3,)
    assert model.predict([fv, fv]).shape == (2, 3)
    with pytest.raises(SchemaError, match="schema test-1"):
        model.predict(FeatureVector(NAMES, X[0], "test-2"))
    with pytest.raises(SchemaError, match="missing"):
        model.predict(FeatureVector(NAMES[:4], X[0, :4], "test-1"))
    with pytest.raises(SchemaError, match="expects 5 features"):
        model.predict(X[:, :4])
    with pytest.raises(SchemaError):
        model.check_schema("audio-1", NAMES)
    # Extra and reordered features are picked by name.
    names = ("extra.a",) + NAMES[::-1]
    vec = np.concatenate([[42.0], X[0][::-1]])
    np.testing.assert_array_equal(model.predict(FeatureVector(names, vec, "test-1")),
                                  model.predict(X[0]))
    np.testing.assert_array_equal(model.predict(vec[None, :], names=names),
                                  model.predict(X[:1]))
    with pytest.raises(ParameterError, match="finite"):
        model.predict(np.full((1, 5), np.nan))


def test_default_model():
    with pytest.raises(ParameterError):
        EmotionModel.default("video")
    try:
        model = EmotionModel.default("image")
    except ModelError as exc:
        assert "no default image model" in str(exc)
    else:
        assert model.modality == "image" and model.schema.startswith("image-")
