"""Tests of affect_features.models._quadrant, the quadrant head (issue 10, item 3): the
calibrated quadrant classifier stored beside the VA regressors, its choice against the
regression's sign pattern, its storage and `affect predict`'s report of it."""

import csv
import hashlib
import io
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from affect_features.cli import cli
from affect_features.errors import ModelError, ParameterError
from affect_features.models import (
    QUADRANTS,
    EmotionModel,
    attach_quadrant_head,
    choose_quadrant_source,
    fit_quadrant_head,
    train_model,
)
from affect_features.space import quadrant

NAMES = tuple(f"group.f{i}" for i in range(4))
# Sign pattern (valence, arousal) of each quadrant, as affect_features.space.quadrant.
SIGNS = {"Q1": (1, 1), "Q2": (-1, 1), "Q3": (-1, -1), "Q4": (1, -1)}


def _separable(n_per=40, seed=0):
    """Four well separated clusters, one per quadrant, in features 0 and 1; features 2
    and 3 are noise. 20 groups (artists), each spread over the quadrants."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(QUADRANTS, n_per)
    centres = np.array([SIGNS[q] for q in labels], dtype=float) * 3.0
    X = np.column_stack([centres + 0.5 * rng.normal(size=(len(labels), 2)),
                         rng.normal(size=(len(labels), 2))])
    groups = np.arange(len(labels)) % 20
    Y = np.column_stack([np.tanh(X[:, :2] / 3.0), np.zeros(len(labels))])
    return X, labels, groups, Y


@pytest.fixture(scope="module")
def regression():
    X, labels, groups, Y = _separable()
    model = train_model(X, Y, names=NAMES, schema="test-1", modality="audio",
                        kind="ridge", cv=3, n_jobs=1)
    return X, labels, groups, model


def _with_head(model, coef, intercept, temperature=1.0, source="head"):
    return model.with_quadrant_head(coef, intercept, temperature,
                                    card={"quadrant_source": source})


# ------------------------------------------------------------------ known answers

def test_softmax_and_temperature_known_answer(regression):
    X, _, _, model = regression
    coef = np.zeros((4, len(NAMES)))
    intercept = np.array([0.0, math.log(2.0), 0.0, 0.0])
    p = _with_head(model, coef, intercept).predict_quadrant_proba(X[:3])
    np.testing.assert_allclose(p, np.tile([0.2, 0.4, 0.2, 0.2], (3, 1)), rtol=1e-12)
    # T = 2 halves the logits: weights 1, sqrt(2), 1, 1.
    p2 = _with_head(model, coef, intercept, 2.0).predict_quadrant_proba(X[0])
    s = 3.0 + math.sqrt(2.0)
    np.testing.assert_allclose(p2, [1 / s, math.sqrt(2.0) / s, 1 / s, 1 / s], rtol=1e-12)


def test_huge_logits_do_not_overflow(regression):
    X, _, _, model = regression
    coef = np.zeros((4, len(NAMES)))
    p = _with_head(model, coef, np.array([1e300, 0.0, -1e300, 0.0]))\
        .predict_quadrant_proba(X[:2])
    np.testing.assert_array_equal(p, [[1.0, 0.0, 0.0, 0.0]] * 2)


def test_fit_on_separable_data(regression):
    X, labels, groups, model = regression
    fitted = fit_quadrant_head(X, labels, groups, mean=model.feature_means,
                               scale=model.feature_scales, cv=5, inner_cv=3)
    assert fitted["coef"].shape == (4, len(NAMES)) and fitted["intercept"].shape == (4,)
    assert fitted["card"]["accuracy"] >= 0.97 and fitted["card"]["grouped"]
    assert fitted["temperature"] > 0
    assert fitted["card"]["log_loss"] <= fitted["card"]["log_loss_uncalibrated"] + 1e-9
    m = model.with_quadrant_head(fitted["coef"], fitted["intercept"],
                                 fitted["temperature"], card={"quadrant_source": "head"})
    p = m.predict_quadrant_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(p >= 0)
    assert np.mean(np.array(QUADRANTS)[p.argmax(axis=1)] == labels) >= 0.97
    # The cluster centres themselves: the right quadrant, confidently.
    centres = np.array([[*SIGNS[q], 0.0, 0.0] for q in QUADRANTS], dtype=float) * 3.0
    pc = m.predict_quadrant_proba(centres)
    assert list(np.array(QUADRANTS)[pc.argmax(axis=1)]) == list(QUADRANTS)
    assert np.all(pc.max(axis=1) > 0.9)
    assert list(m.predict_quadrant(centres)) == list(QUADRANTS)


def test_fit_refuses_bad_labels(regression):
    X, labels, groups, model = regression
    kw = {"mean": model.feature_means, "scale": model.feature_scales}
    with pytest.raises(ParameterError, match="Q1..Q4"):
        fit_quadrant_head(X, np.where(labels == "Q4", "Q1", labels), groups, **kw)
    with pytest.raises(ParameterError, match="entries"):
        fit_quadrant_head(X, labels[:-1], groups, **kw)


def test_choice_known_answers():
    truth = ["Q1", "Q2", "Q3", "Q4"] * 5
    right_points = np.array([SIGNS[q] for q in truth], dtype=float) * 0.5
    right_proba = np.eye(4)[[QUADRANTS.index(q) for q in truth]] * 0.7 + 0.075
    wrong_proba = np.roll(right_proba, 1, axis=1)
    c = choose_quadrant_source(truth, right_points, wrong_proba)
    assert c["quadrant_source"] == "regression"
    assert c["regression"]["accuracy"] == 1.0 and c["head"]["accuracy"] == 0.0
    c = choose_quadrant_source(truth, -right_points, right_proba)
    assert c["quadrant_source"] == "head" and c["head"]["balanced_accuracy"] == 1.0
    assert "1.000 (head" in c["why"]
    # A tie goes to the regression.
    assert choose_quadrant_source(truth, right_points, right_proba)["quadrant_source"] \
        == "regression"


def test_attach_records_the_choice_and_the_regression_answers_without_head(regression):
    X, labels, groups, model = regression
    fold_of = np.arange(len(X)) % 5
    bad_points = -model.predict(X)  # a regression that always has the wrong signs
    m = attach_quadrant_head(model, X, labels, groups, regression_points=bad_points,
                             fold_of=fold_of, inner_cv=3)
    assert m.has_quadrant_head and m.quadrant_source == "head"
    assert m.card["quadrant_choice"]["regression"]["accuracy"] == 0.0
    assert m.card["quadrant_head"]["cv"] == 5
    m2 = attach_quadrant_head(model, X, labels, groups, regression_points=model.predict(X),
                              fold_of=fold_of, inner_cv=3)
    # On these clean clusters the sign pattern is exact: the tie goes to the regression,
    # whose quadrant is the point's.
    assert m2.quadrant_source == "regression"
    np.testing.assert_array_equal(m2.predict_quadrant(X), quadrant(m2.predict(X)[:, :2]))


# ------------------------------------------------------------------------ storage

def test_round_trip_bit_identical(regression, tmp_path):
    X, _, _, model = regression
    rng = np.random.default_rng(3)
    m = _with_head(model, rng.normal(size=(4, len(NAMES))), rng.normal(size=4), 1.3)
    npz, card = m.save(tmp_path / "m")
    back = EmotionModel.load(npz)
    assert back.has_quadrant_head and back.quadrant_source == "head"
    np.testing.assert_array_equal(back.predict_quadrant_proba(X), m.predict_quadrant_proba(X))
    np.testing.assert_array_equal(back.predict(X), m.predict(X))
    assert back.version == m.version == json.loads(open(card).read())["npz_sha256"]
    npz2, _ = back.save(tmp_path / "again")
    assert open(npz, "rb").read() == open(npz2, "rb").read()


def test_model_without_head_still_loads(regression, tmp_path):
    X, _, _, model = regression
    npz, card = model.save(tmp_path / "old")
    c = json.loads(open(card).read())
    del c["has_quadrant_head"]  # a card written before the field existed
    open(card, "w").write(json.dumps(c))
    old = EmotionModel.load(npz)
    assert not old.has_quadrant_head and old.quadrant_source == "regression"
    np.testing.assert_array_equal(old.predict(X), model.predict(X))
    np.testing.assert_array_equal(old.predict_quadrant(X), quadrant(model.predict(X)[:, :2]))
    with pytest.raises(ModelError, match="no quadrant head"):
        old.predict_quadrant_proba(X)


def _tampered(model, tmp_path, change, card_change=None):
    """Save `model`, change its arrays (and card), re-hash so only the content is bad."""
    npz, card = model.save(tmp_path / "t")
    with np.load(npz, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    with open(npz, "wb") as fh:
        np.savez(fh, **arrays)
    c = json.loads(open(card).read())
    c["npz_sha256"] = hashlib.sha256(open(npz, "rb").read()).hexdigest()
    if card_change:
        card_change(c)
    open(card, "w").write(json.dumps(c))
    return npz


def _nan_coef(a):
    a["quadrant.coef"] = a["quadrant.coef"].copy()
    a["quadrant.coef"][1, 2] = np.nan


@pytest.mark.parametrize("change, reason", [
    (lambda a: a.update({"quadrant.coef": a["quadrant.coef"][:, :2]}), "shapes"),
    (lambda a: a.update({"quadrant.intercept": np.zeros(3)}), "shapes"),
    (_nan_coef, "non-finite"),
    (lambda a: a.update({"quadrant.temperature": np.array(-1.0)}), "temperature"),
    (lambda a: a.update({"quadrant.classes": np.array(["Q1", "Q3", "Q2", "Q4"])}),
     "classes"),
    (lambda a: a.pop("quadrant.intercept"), "malformed"),
])
def test_tampered_head_refused_one_line(regression, tmp_path, change, reason):
    _, _, _, model = regression
    m = _with_head(model, np.ones((4, len(NAMES))), np.zeros(4))
    npz = _tampered(m, tmp_path, change)
    with pytest.raises(ModelError, match=reason) as exc:
        EmotionModel.load(npz)
    assert str(npz) in str(exc.value) and "\n" not in str(exc.value)


def test_card_disagreeing_with_the_weights_refused(regression, tmp_path):
    _, _, _, model = regression
    npz, card = model.save(tmp_path / "nohead")
    c = json.loads(open(card).read())
    c["quadrant_source"] = "head"
    open(card, "w").write(json.dumps(c))
    with pytest.raises(ModelError, match="holds no quadrant head"):
        EmotionModel.load(npz)
    c["quadrant_source"] = "regression"
    c["has_quadrant_head"] = True
    open(card, "w").write(json.dumps(c))
    with pytest.raises(ModelError, match="has_quadrant_head"):
        EmotionModel.load(npz)
    c["has_quadrant_head"] = "yes"
    open(card, "w").write(json.dumps(c))
    with pytest.raises(ModelError, match="true or false"):
        EmotionModel.load(npz)


# ---------------------------------------------------------------- affect predict

SR = 22050


@pytest.fixture(scope="module")
def songs_and_models(tmp_path_factory):
    """Two synthetic songs, and a ridge audio model of the current schema with a head
    chosen (`head.npz`) and one with the regression chosen (`reg.npz`)."""
    import soundfile as sf

    from affect_features.audio import AUDIO_SCHEMA, extract_audio_features

    d = tmp_path_factory.mktemp("songs")
    rng = np.random.default_rng(5)
    paths, base = [], []
    for i, freq in enumerate((220.0, 880.0)):
        t = np.arange(int(SR * 2.0)) / SR
        gate = 1 + 0.5 * np.sign(np.sin(2 * np.pi * (i + 1) * t))
        y = 0.3 * np.sin(2 * np.pi * freq * t) * gate
        p = d / f"song{i}.wav"
        sf.write(p, y.astype(np.float32), SR)
        paths.append(str(p))
        base.append(extract_audio_features(str(p)))
    V = np.array([f.vector for f in base])
    X = V[rng.integers(0, 2, 40)] * (1 + 0.05 * rng.normal(size=(40, V.shape[1])))
    Y = np.tanh(rng.normal(size=(40, 3)) * 0.3)
    model = train_model(X, Y, names=base[0].names, schema=AUDIO_SCHEMA, modality="audio",
                        kind="ridge", cv=3, n_jobs=1)
    coef = rng.normal(size=(4, model.n_features)) * 0.1
    out = {}
    for source in ("head", "regression"):
        npz, _ = _with_head(model, coef, rng.normal(size=4), 1.0, source).save(
            d / f"{source[:3]}")
        out[source] = npz
    return paths, out


def test_predict_reports_probabilities_and_chosen_quadrant(songs_and_models):
    paths, models = songs_and_models
    res = CliRunner().invoke(cli, ["predict", *paths, "--audio-model", models["head"],
                                   "-j", "1", "--format", "json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert len(rows) == 2
    for r in rows:
        p = r["quadrant_probabilities"]
        assert list(p) == list(QUADRANTS) and abs(sum(p.values()) - 1.0) < 1e-12
        assert r["quadrant_source"] == "head"
        assert r["quadrant"] == max(p, key=p.get)
        assert "quadrant_probability.Q1" not in r


def test_predict_csv_columns_with_head_and_regression_choice(songs_and_models):
    paths, models = songs_and_models
    res = CliRunner().invoke(cli, ["predict", paths[0], "--audio-model",
                                   models["regression"], "-j", "1", "--format", "csv"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert list(rows[0]) == ["path", "valence", "arousal", "dominance", "quadrant", "mood",
                             "quadrant_source", *(f"quadrant_probability.{q}"
                                                  for q in QUADRANTS)]
    r = rows[0]
    assert r["quadrant_source"] == "regression"
    assert abs(sum(float(r[f"quadrant_probability.{q}"]) for q in QUADRANTS) - 1) < 1e-5
    # The regression chosen: the quadrant is the point's.
    assert r["quadrant"] == quadrant([float(r["valence"]), float(r["arousal"])])
