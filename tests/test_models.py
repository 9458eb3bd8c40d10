"""Tests of affect_features.models: storage without pickle, numpy forward pass, training."""

import json
import os

import numpy as np
import pytest

from affect_features.errors import ModelError, ParameterError, SchemaError
from affect_features.features import FeatureVector
from affect_features.models import (
    AXES,
    EmotionModel,
    cross_validate_model,
    names_hash,
    regression_metrics,
    train_model,
)

NAMES = tuple(f"group.f{i}" for i in range(5))
# Tiny, fast settings: a net of 8 units, two penalties to choose from.
GRID = {"hidden_layer_sizes": [(8,)], "alpha": [1e-3, 1e-1], "learning_rate_init": [0.01]}


def _data(n=150, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(NAMES)))
    X[:, 4] = 3.0  # a constant feature: standardised with scale 1, must not break anything
    W = np.array([[0.8, 0.0, 0.3], [0.0, 0.9, 0.0], [0.5, -0.4, 0.0],
                  [0.0, 0.3, 0.8], [0.0, 0.0, 0.0]])
    Y = np.tanh(X @ W)
    return X, Y


def _fit_sklearn(activation, seeds=(1, 2), hidden=(7, 4)):
    from sklearn.neural_network import MLPRegressor
    from sklearn.preprocessing import StandardScaler

    X, Y = _data(80)
    scaler = StandardScaler().fit(X)
    ests = [MLPRegressor(hidden_layer_sizes=hidden, activation=activation, max_iter=50,
                         random_state=s).fit(scaler.transform(X), Y) for s in seeds]
    return X, scaler, ests


@pytest.fixture(scope="module")
def trained():
    X, Y = _data()
    model = train_model(X, Y, names=NAMES, schema="test-1", modality="image",
                        param_grid=GRID, n_seeds=2, cv=3, n_jobs=1,
                        training_sets=[{"spec": "synthetic", "n": len(X)}])
    return X, Y, model


# ------------------------------------------------------------------ forward pass

@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("activation", ["relu", "tanh", "identity", "logistic"])
def test_predict_equals_sklearn(activation):
    X, scaler, ests = _fit_sklearn(activation)
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

    X, Y = _data(80)
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


def test_output_is_clipped():
    from sklearn.linear_model import LinearRegression

    X, Y = _data(40)
    lin = LinearRegression().fit(X, 5 * Y)  # targets far outside [-1, 1]
    model = EmotionModel.from_estimators(names=NAMES, schema="s", modality="image",
                                         mean=np.zeros(5), scale=np.ones(5),
                                         heads=[((0, 1, 2), [lin])], kind="ridge")
    P = model.predict(X)
    assert P.min() == -1.0 and P.max() == 1.0
    raw = lin.predict(X)
    inside = np.abs(raw) < 1
    np.testing.assert_allclose(P[inside], raw[inside], atol=1e-12)


# ----------------------------------------------------------------------- storage

def test_save_load_round_trip(trained, tmp_path):
    X, _, model = trained
    npz, card = model.save(tmp_path / "m")
    assert npz.endswith("m.npz") and card.endswith("m.json")
    for spelled in (tmp_path / "m", str(tmp_path / "m.npz"), str(tmp_path / "m.json")):
        loaded = EmotionModel.load(spelled)
        assert np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.names == NAMES and loaded.schema == "test-1"
    assert loaded.modality == "image" and loaded.kind == "mlp"
    c = json.loads(open(card).read())
    assert c["feature_names"] == list(NAMES)
    assert c["feature_names_sha256"] == names_hash(NAMES)
    assert c["training_sets"] == [{"spec": "synthetic", "n": 150}]
    assert c["n_train"] == 150 and c["random_state"] == 0
    assert "scikit-learn" in c["versions"] and "numpy" in c["versions"]
    assert c["heads"][0]["cv_score"] == max(s["score"] for s in c["heads"][0]["selection"])
    # No pickled object anywhere: every member is a plain .npy of a plain dtype.
    with np.load(npz, allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files)


def test_save_is_reproducible_and_atomic(trained, tmp_path):
    _, _, model = trained
    model.save(tmp_path / "a.npz")
    model.save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["a.json", "a.npz", "b.json", "b.npz"]


def test_flipped_byte_is_refused(trained, tmp_path):
    _, _, model = trained
    npz, _ = model.save(tmp_path / "m")
    data = bytearray(open(npz, "rb").read())
    data[len(data) // 2] ^= 0x01
    open(npz, "wb").write(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        EmotionModel.load(npz)


def test_changed_array_is_refused(trained, tmp_path):
    _, _, model = trained
    npz, _ = model.save(tmp_path / "m")
    with np.load(npz, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["head0.member0.W0"] = arrays["head0.member0.W0"] * 1.01
    with open(npz, "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.raises(ModelError, match="refusing"):
        EmotionModel.load(npz)


def test_missing_card_or_weights_and_malformed(trained, tmp_path):
    _, _, model = trained
    with pytest.raises(ModelError, match="cannot read"):
        EmotionModel.load(tmp_path / "nothing")
    npz, card = model.save(tmp_path / "m")
    os.remove(card)
    with pytest.raises(ModelError, match="card missing"):
        EmotionModel.load(npz)
    # A consistent hash over inconsistent content is still refused.
    npz, card = model.save(tmp_path / "m")
    with np.load(npz, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["head0.member0.W0"] = arrays["head0.member0.W0"][:, :3]
    with open(npz, "wb") as fh:
        np.savez(fh, **arrays)
    c = json.loads(open(card).read())
    import hashlib
    c["npz_sha256"] = hashlib.sha256(open(npz, "rb").read()).hexdigest()
    open(card, "w").write(json.dumps(c))
    with pytest.raises(ModelError, match="malformed|chain"):
        EmotionModel.load(npz)


def test_default_model():
    with pytest.raises(ParameterError):
        EmotionModel.default("video")
    try:
        model = EmotionModel.default("image")
    except ModelError as exc:
        assert "no default image model" in str(exc)
    else:
        assert model.modality == "image" and model.schema.startswith("image-")


# -------------------------------------------------------------------- schemas

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


# -------------------------------------------------------------------- training

def test_training_learns_a_known_function(trained):
    _, _, model = trained
    Xt, Yt = _data(300, seed=1)
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
    X, Y = _data(150)
    Y[::3, 2] = np.nan
    model = train_model(X, Y, names=NAMES, schema="s", modality="image", param_grid=GRID,
                        n_seeds=1, cv=3, n_jobs=1)
    heads = model.card["heads"]
    assert [h["axes"] for h in heads] == [["valence", "arousal"], ["dominance"]]
    assert [h["n_train"] for h in heads] == [150, 100]
    assert heads[0]["cv_score_axes"] == ["valence", "arousal"]
    assert model.learned.tolist() == [True, True, True]
    Xt, Yt = _data(200, seed=2)
    assert regression_metrics(Yt, model.predict(Xt))["dominance"]["r2"] > 0.7


def test_unknown_axis_is_not_learned(tmp_path):
    X, Y = _data(120)
    Y[:, 2] = np.nan
    model = train_model(X, Y[:, :2], names=NAMES, schema="s", modality="audio",
                        kind="ridge", cv=3)
    assert model.learned.tolist() == [True, True, False]
    assert np.all(model.predict(X)[:, 2] == 0.0)
    model.save(tmp_path / "r")
    assert EmotionModel.load(tmp_path / "r").learned.tolist() == [True, True, False]
    # mask= hides entries like NaN does.
    X, Y = _data(120)
    mask = np.ones_like(Y, dtype=bool)
    mask[:, 2] = False
    masked = train_model(X, Y, mask=mask, names=NAMES, schema="s", modality="audio",
                         kind="ridge", cv=3)
    np.testing.assert_allclose(masked.predict(X), model.predict(X), atol=1e-12)


def test_training_input_errors():
    X, Y = _data(60)
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


# -------------------------------------------------------------------- evaluation

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


def test_cross_validation_is_nested():
    X, Y = _data(120)
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
