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


# ------------------------------------------------ train_from_specs, called directly
# Two tiny photo sets declared as csv tables (tests/_synthetic_sets.py): valence is a
# known increasing function of brightness, arousal pure noise. Set "b" lists one file
# that is not an image: the batch goes on past it and the card counts what was read.

def _spearman(x, y) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


@pytest.fixture(scope="module")
def photo_sets(tmp_path_factory):
    from _synthetic_sets import photo_set

    root = tmp_path_factory.mktemp("photo-sets")
    a, truth_a = photo_set(root / "a", 30, seed=1)
    b, truth_b = photo_set(root / "b", 30, seed=2)
    broken = root / "b" / "p007.png"
    broken.write_bytes(b"not an image")
    keep = np.arange(30) != 7
    truth_b = {k: v[keep] for k, v in truth_b.items()}
    return {"a": a, "b": b, "truth": {a: truth_a, b: truth_b}, "broken": str(broken),
            "root": root, "cache": str(root / "cache")}


def _train(sets, kind="mlp", **kw):
    from affect_features.training import train_from_specs

    return train_from_specs("image", [sets["a"], sets["b"]], cache_dir=sets["cache"],
                            n_jobs=1, cv=3, n_seeds=1, random_state=0, kind=kind, **kw)


@pytest.fixture(scope="module")
def trained_mlp(photo_sets):
    return _train(photo_sets, "mlp")


def _new_photo_features(folder, brightness):
    """Features of new photos of known brightness (hues and saturation unlike the
    training sets' draws)."""
    from _synthetic_sets import photo

    from affect_features.image import image_vector

    return np.array([image_vector(photo(folder / f"new{i}.png", b, 0.55, 15 + 37 * i,
                                        accent_hue=170 - 11 * i))
                     for i, b in enumerate(brightness)])


def test_train_from_specs_records_both_sets_and_skips_the_unreadable_file(
        photo_sets, trained_mlp):
    model, data, res = trained_mlp
    a, b = photo_sets["a"], photo_sets["b"]
    # name and size of each set: 30 photos, and 29 of b's 30 (one is not an image)
    assert data.sets == [(a, 30), (b, 29)]
    assert model.card["training_sets"] == [[a, 30], [b, 29]]
    assert model.card["n_train"] == 59
    assert len(data.failures) == 1 and data.failures[0].startswith(photo_sets["broken"])
    assert "\n" not in data.failures[0]
    np.testing.assert_allclose(data.points[:30, 0], photo_sets["truth"][a]["valence"],
                               atol=1e-6)
    assert model.modality == "image" and model.kind == "mlp"
    # what `affect train` prints names both sets with their sizes and each left-out set
    from affect_features.reports import training_summary

    lines = training_summary(model.card)
    assert f"trained on 59 items: {a} (30), {b} (29)" in lines[0]
    assert [l for l in lines if l.startswith("left out:")] == [
        f"left out: {s}, predicted by a model trained on the other sets only:"
        for s in (a, b)]
    assert any(l.startswith("reliability that weights matching (leave-one-dataset-out)")
               for l in lines)


def test_train_from_specs_reliability_is_the_left_out_sets_correlation(photo_sets,
                                                                      trained_mlp):
    model, data, res = trained_mlp
    lodo = res["cross_set"]
    assert res["cv"] is None and list(lodo["folds"]) == [0] * 30 + [1] * 29
    rel = model.card["reliability"]
    assert rel["source"] == "leave-one-dataset-out"
    # each left-out set's r, recomputed by hand from its out-of-set predictions
    pred = lodo["mlp"]["predictions"]
    r_by_set = []
    for s, (spec, n) in enumerate(data.sets):
        rows = np.flatnonzero(data.set_ids == s)
        truth = photo_sets["truth"][spec]
        r_v = np.corrcoef(truth["valence"], pred[rows, 0])[0, 1]
        r_a = np.corrcoef(truth["arousal"], pred[rows, 1])[0, 1]
        assert lodo["per_set"][spec]["mlp"]["valence"]["r"] == pytest.approx(r_v)
        r_by_set.append((n, r_v, r_a))
    # the card's reliability: their mean weighted by the sets' sizes (30 and 29)
    assert rel["r"]["valence"] == pytest.approx(sum(n * v for n, v, _ in r_by_set) / 59)
    assert rel["r"]["arousal"] == pytest.approx(sum(n * x for n, _, x in r_by_set) / 59)
    assert rel["r"]["dominance"] == 0.0                      # never rated
    # brightness sets valence in both sets; arousal is noise: valence is more reliable
    assert rel["r"]["valence"] > 0.5
    assert rel["r"]["valence"] > rel["r"]["arousal"] + 0.3
    assert rel["target_std"]["valence"] == pytest.approx(np.std(data.points[:, 0]))
    assert set(model.card["metrics"]["cross_set"]["per_set"]) == {photo_sets["a"],
                                                                  photo_sets["b"]}


def test_train_from_specs_model_orders_new_photos_by_brightness(photo_sets, trained_mlp,
                                                               tmp_path):
    from affect_features.image import IMAGE_SCHEMA, image_feature_names

    model = trained_mlp[0]
    brightness = np.linspace(0.15, 0.85, 9)
    P = model.predict(_new_photo_features(tmp_path, brightness), schema=IMAGE_SCHEMA,
                      names=image_feature_names())
    # a one-network MLP on 59 photos predicts a narrow spread, but in the right order
    assert _spearman(brightness, P[:, 0]) >= 0.9
    assert P[-1, 0] - P[0, 0] > 0.02
    assert np.all(P[:, 2] == 0.0)                            # dominance: unlearned


def test_train_from_specs_same_input_same_model_version(photo_sets, trained_mlp,
                                                        tmp_path):
    from affect_features.models import EmotionModel

    model = trained_mlp[0]
    again, _, _ = _train(photo_sets, "mlp")
    assert again.version == model.version
    assert again.card["reliability"] == model.card["reliability"]
    npz, _ = again.save(str(tmp_path / "m"))
    loaded = EmotionModel.load(npz)
    assert loaded.version == model.version == loaded.card["npz_sha256"]
    assert loaded.card["training_sets"] == model.card["training_sets"]


def test_train_from_specs_ridge_gives_valence_its_sign(photo_sets, tmp_path):
    from affect_features.image import IMAGE_SCHEMA, image_feature_names

    model, data, res = _train(photo_sets, "ridge")
    assert model.kind == "ridge" and "ridge" in res["cross_set"]
    rel = model.card["reliability"]["r"]
    assert rel["valence"] > 0.8 and rel["valence"] > rel["arousal"] + 0.3
    brightness = np.array([0.15, 0.25, 0.75, 0.85])         # valence -0.56 .. +0.56
    P = model.predict(_new_photo_features(tmp_path, brightness), schema=IMAGE_SCHEMA,
                      names=image_feature_names())
    assert np.all(P[:2, 0] < -0.2) and np.all(P[2:, 0] > 0.2)


def test_train_from_specs_one_set_measures_in_domain_or_nothing(photo_sets):
    from affect_features.training import train_from_specs

    a = photo_sets["a"]
    kw = dict(cache_dir=photo_sets["cache"], n_jobs=1, cv=3, n_seeds=1, kind="ridge")
    model, data, res = train_from_specs("image", [a], **kw)
    assert res is None and "reliability" not in model.card   # nothing measured it
    assert model.card["training_sets"] == [[a, 30]]
    model, data, res = train_from_specs("image", [a], evaluate_folds=3, **kw)
    assert res["cross_set"] is None and res["cv"]["summary"]["cv"] == 3
    rel = model.card["reliability"]
    assert rel["source"] == "3-fold cross-validation (in-domain)"
    truth = photo_sets["truth"][a]["valence"]
    assert rel["r"]["valence"] == pytest.approx(
        np.corrcoef(truth, res["cv"]["ridge"]["predictions"][:, 0])[0, 1])
    assert rel["r"]["valence"] > 0.8


def test_train_from_specs_bad_specs_are_one_line_errors_naming_them(photo_sets, tmp_path):
    from affect_features.datasets import DatasetError
    from affect_features.training import train_from_specs

    kw = dict(cache_dir=str(tmp_path / "cache"), n_jobs=1, cv=3, n_seeds=1, kind="ridge")
    a = photo_sets["a"]
    with pytest.raises(ParameterError) as err:
        train_from_specs("audio", [a], **kw)
    assert str(err.value) == f"{a}: a image data set, not audio"
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(DatasetError) as err:
        train_from_specs("image", [f"csv:{missing}"], **kw)
    assert str(err.value) == f"{missing}: dataset table not found"
    with pytest.raises(ParameterError, match="^unknown dataset kind 'emotion7'"):
        train_from_specs("image", [f"emotion7:{tmp_path}"], **kw)
    with pytest.raises(ParameterError, match="^unknown feature group.*nope"):
        train_from_specs("image", [a], feature_groups="nope",
                         **{**kw, "cache_dir": photo_sets["cache"]})


def test_train_from_specs_checks_every_set_before_extracting(photo_sets, tmp_path):
    from _synthetic_sets import extracted_before_failing

    from affect_features.training import train_from_specs

    specs = [photo_sets["a"], f"csv:{tmp_path / 'nowhere.csv'}"]
    assert extracted_before_failing(
        lambda cache: train_from_specs("image", specs, cache_dir=cache, n_jobs=1, cv=3,
                                       n_seeds=1, kind="ridge"), tmp_path) == []
