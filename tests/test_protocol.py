"""Tests of affect_features.protocol: matching photos to songs as the evaluation
protocol does it, on synthetic data."""

import numpy as np
import pytest

from affect_features.errors import ParameterError
from affect_features.protocol import (as_predicted, joint_route_matching, labels_only_spec,
                                      match_photos)
from affect_features.space import quadrant
from affect_features.training import LabelledFeatures


def test_as_predicted_puts_the_models_neutral_answer_in_unlearned_axes():
    pts = np.array([[0.5, -0.2, np.nan], [0.1, 0.3, np.nan]])
    out = as_predicted(pts)
    assert out.tolist() == [[0.5, -0.2, 0.0], [0.1, 0.3, 0.0]]
    assert np.isnan(pts).sum() == 2  # the input is not changed


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


def test_labels_only_spec_drops_missing_norms_only(tmp_path):
    root = tmp_path / "4q"
    root.mkdir()
    assert labels_only_spec(f"4q:{root}") == f"4q:{root}?lexicon=none"
    assert labels_only_spec(f"4q:{root}?lexicon=/x.csv") == f"4q:{root}?lexicon=/x.csv"
    assert labels_only_spec(f"emotion6:{root}") == f"emotion6:{root}"
    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "Ratings_Warriner_et_al.csv").write_text("Word\n")
    assert labels_only_spec(f"4q:{root}") == f"4q:{root}"      # norms there: kept


def test_joint_route_matching_on_separable_data():
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


# --------------------------------------------------- evaluate_sets, called directly
# Tiny declared sets (tests/_synthetic_sets.py): photos whose valence follows their
# brightness and whose arousal is noise, songs (2 s sine or noise clips) labelled by
# quadrant. The chance levels and the always-majority answer are computed here from
# the labels as written, by hand.

def _hand_quadrants(valence, arousal):
    """Russell quadrants by the signs (none of the synthetic ratings is 0)."""
    return np.where(valence > 0, np.where(arousal > 0, "Q1", "Q4"),
                    np.where(arousal > 0, "Q2", "Q3"))


def _all_finite(node) -> bool:
    if isinstance(node, dict):
        return all(_all_finite(v) for v in node.values())
    if isinstance(node, (list, tuple)):
        return all(_all_finite(v) for v in node)
    if isinstance(node, float):
        return bool(np.isfinite(node))
    return True


SONG_QUADRANTS = ["Q1", "Q2", "Q3", "Q4"] * 8   # 32 songs, 8 per quadrant


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    from _synthetic_sets import music_set, photo_set

    from affect_features.protocol import evaluate_sets

    root = tmp_path_factory.mktemp("evaluate")
    a, truth_a = photo_set(root / "a", 30, seed=1)
    b, truth_b = photo_set(root / "b", 30, seed=2)
    songs = music_set(root / "songs", SONG_QUADRANTS)
    cache = str(root / "cache")
    report = evaluate_sets([a, b], [songs], folds=3, cache_dir=cache, n_jobs=1,
                           kinds=("ridge",), methods=("vad", "joint"))
    return {"report": report, "a": a, "b": b, "songs": songs, "root": root,
            "cache": cache, "truth": {a: truth_a, b: truth_b}}


def test_evaluate_sets_chance_and_majority_are_those_of_the_labels(evaluated):
    rep = evaluated["report"]
    assert [s["spec"] for s in rep["image"]["sets"]] == [evaluated["a"], evaluated["b"]]
    assert [s["n_items"] for s in rep["image"]["sets"]] == [30, 30]
    assert rep["audio"]["sets"] == [{"spec": evaluated["songs"], "n_items": 32}]
    assert _all_finite(rep)
    for spec in (evaluated["a"], evaluated["b"]):
        truth = evaluated["truth"][spec]
        q = _hand_quadrants(truth["valence"], truth["arousal"])
        share = {c: np.mean(q == c) for c in np.unique(q)}
        majority = max(share.values())
        for protocol in ("cross_set", "in_domain"):
            photos = rep["image"][protocol][spec]["ridge"]
            assert photos["n"] == 30
            assert photos["quadrant_majority"] == pytest.approx(majority)
            assert photos["quadrant_balanced_chance"] == pytest.approx(1 / len(share))
            for route, kind in (("matching", "ridge"), ("matching_joint", "joint")):
                m = rep[route][protocol][spec][kind]
                # songs are balanced: a random song agrees with a photo 1/4 of the time
                assert m["chance"] == pytest.approx(0.25)
                assert m["balanced_chance"] == pytest.approx(0.25)
                assert m["majority"] == pytest.approx(majority)
                assert m["balanced_majority"] == pytest.approx(1 / len(share))
                assert m["n_items"] == 32
                assert 1 <= m["distinct_at_1"] <= 32
                assert m["distinct_at_1_share"] == pytest.approx(m["distinct_at_1"] / 32)
            vad = rep["matching"][protocol][spec]["ridge"]
            assert vad["n_queries"] == 30
            for k in (1, 5, 10):
                assert 0.0 <= vad[f"precision_at_{k}"] <= 1.0
        # leave-one-dataset-out of the joint route: each photo against each song fold
        assert rep["matching_joint"]["cross_set"][spec]["joint"]["n_queries"] == 3 * 30


def test_evaluate_sets_learns_what_the_synthetic_sets_teach(evaluated):
    rep = evaluated["report"]
    for spec in (evaluated["a"], evaluated["b"]):
        # brightness sets valence in both sets: it carries to the left-out set
        assert rep["image"]["cross_set"][spec]["ridge"]["valence"]["pearson_r"] > 0.8
        assert rep["image"]["cross_set"][spec]["ridge"]["valence"]["binary_accuracy"] > 0.8
    songs = rep["audio"]["in_domain"]["ridge"]
    # sines vs noise (valence) and loud pulses vs quiet (arousal) separate the quadrants
    assert songs["quadrant_majority"] == pytest.approx(0.25)
    assert songs["quadrant_accuracy"] >= 0.75
    assert songs["valence"]["pearson_r"] > 0.8 and songs["arousal"]["pearson_r"] > 0.8
    # the weights a model trained on both sets would get: the left-out correlations
    pooled = rep["image"]["cross_set_reliability"]["ridge"]
    assert pooled[0] == pytest.approx(np.mean(
        [rep["image"]["cross_set"][s]["ridge"]["valence"]["pearson_r"]
         for s in (evaluated["a"], evaluated["b"])]))


def test_evaluation_summary_puts_the_left_out_sets_first(evaluated):
    from affect_features.reports import evaluation_summary

    a, b = evaluated["a"], evaluated["b"]
    lines = evaluation_summary(evaluated["report"])
    assert lines[0] == "evaluation: 3-fold cross-validation, out-of-fold points"
    assert lines[1] == f"photos: {a} (30 items), {b} (30 items)"
    assert lines[2] == f"songs: {evaluated['songs']} (32 items)"
    titles = [l for l in lines if " / " in l and not l.startswith(("photos:", "songs:"))]
    left_out = [i for i, t in enumerate(titles) if "left out" in t]
    in_domain = [i for i, t in enumerate(titles) if "in-domain" in t]
    assert left_out and in_domain and max(left_out) < min(in_domain)
    assert titles[0] == f"photos / left out: predicted by models trained on the other " \
                        f"sets only / {a}"
    p_at_1 = [l for l in lines if l.startswith("P@1 ")]
    assert p_at_1 and all(l.split()[-2] == "0.250" for l in p_at_1)   # chance column
    assert sum(l.startswith("distinct songs at rank 1") for l in lines) == len(p_at_1)


@pytest.fixture(scope="module")
def one_quadrant(tmp_path_factory):
    """One photo set whose photos are all Q1 (bright, arousal 0.5) and songs all Q1."""
    from _synthetic_sets import music_set, photo_set

    root = tmp_path_factory.mktemp("one-quadrant")
    photos, _ = photo_set(root / "photos", 30, seed=3, arousal="constant",
                          brightness=np.linspace(0.6, 0.9, 30))
    songs = music_set(root / "songs", ["Q1"] * 30)
    return photos, songs, str(root / "cache")


def test_evaluate_sets_one_quadrant_everywhere_agrees_always(one_quadrant):
    from affect_features.protocol import evaluate_sets

    photos, songs, cache = one_quadrant
    rep = evaluate_sets([photos], [songs], folds=3, cache_dir=cache, n_jobs=1,
                        kinds=("ridge",), methods=("vad",))
    assert _all_finite(rep)
    # one photo set: no left-out protocol; vad only: no joint route
    assert "cross_set" not in rep["image"] and list(rep["matching"]) == ["in_domain"]
    assert "matching_joint" not in rep
    m = rep["matching"]["in_domain"][photos]["ridge"]
    for key in ("precision_at_1", "precision_at_5", "precision_at_10", "mrr", "chance",
                "majority", "balanced_precision_at_1", "balanced_chance"):
        assert m[key] == pytest.approx(1.0), key
        assert m["aligned"].get(key, 1.0) == pytest.approx(1.0), key
    assert 1 <= m["distinct_at_1"] <= 30


def test_evaluate_sets_held_out_with_the_shipped_models(one_quadrant, evaluated):
    from affect_features.protocol import evaluate_sets
    from affect_features.reports import evaluation_summary

    photos, songs, cache = one_quadrant
    rep = evaluate_sets([photos], [songs], folds=0, cache_dir=cache, n_jobs=1)
    assert list(rep["matching"]) == ["held_out"] and "note" not in rep
    m = rep["matching"]["held_out"][photos]["model"]
    assert m["precision_at_1"] == m["chance"] == m["majority"] == pytest.approx(1.0)
    # balanced songs: chance is Q1's share of them, whatever the model predicts
    rep = evaluate_sets([evaluated["a"]], [evaluated["songs"]], folds=0,
                        cache_dir=evaluated["cache"], n_jobs=1)
    m = rep["matching"]["held_out"][evaluated["a"]]["model"]
    truth = evaluated["truth"][evaluated["a"]]
    q = _hand_quadrants(truth["valence"], truth["arousal"])
    assert m["chance"] == pytest.approx(0.25)
    assert m["majority"] == pytest.approx(max(np.mean(q == c) for c in set(q)))
    assert 1 <= m["distinct_at_1"] <= 32
    lines = evaluation_summary(rep)
    assert lines[0] == "evaluation: the given or shipped models on these sets as " \
                       "held-out data"


def test_evaluate_sets_bad_specs_are_one_line_errors_naming_them(evaluated, tmp_path):
    from affect_features.datasets import DatasetError
    from affect_features.protocol import evaluate_sets

    kw = dict(folds=0, cache_dir=evaluated["cache"], n_jobs=1)
    with pytest.raises(ParameterError) as err:
        evaluate_sets([evaluated["songs"]], [], **kw)
    assert str(err.value) == f"{evaluated['songs']}: a audio data set, not image"
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(DatasetError) as err:
        evaluate_sets([], [f"csv:{missing}"], **kw)
    assert str(err.value) == f"{missing}: dataset table not found"


def test_evaluate_sets_checks_every_set_before_extracting(evaluated, tmp_path):
    from _synthetic_sets import extracted_before_failing

    from affect_features.protocol import evaluate_sets

    missing = f"csv:{tmp_path / 'nowhere.csv'}"
    assert extracted_before_failing(
        lambda cache: evaluate_sets([evaluated["a"]], [missing], folds=0,
                                    cache_dir=cache, n_jobs=1), tmp_path) == []


def test_evaluate_sets_left_out_set_is_predicted_from_the_other_set_only(tmp_path):
    # Set b's raters found dark photos pleasant: within each set brightness predicts
    # valence (in-domain r > 0), but a model of the other set predicts it inverted.
    from _synthetic_sets import photo_set

    from affect_features.protocol import evaluate_sets

    a, _ = photo_set(tmp_path / "a", 30, seed=1)
    b, _ = photo_set(tmp_path / "b", 30, seed=2, valence_sign=-1.0)
    rep = evaluate_sets([a, b], [], folds=3, cache_dir=str(tmp_path / "cache"),
                        n_jobs=1, kinds=("ridge",))
    for spec in (a, b):
        assert rep["image"]["in_domain"][spec]["ridge"]["valence"]["pearson_r"] > 0.8
        assert rep["image"]["cross_set"][spec]["ridge"]["valence"]["pearson_r"] < -0.8
    assert rep["image"]["cross_set_reliability"]["ridge"][0] < -0.8
    assert "matching" not in rep and "audio" not in rep       # no songs, no matching


def test_evaluate_sets_refuses_what_it_cannot_evaluate():
    """The API says what the command says: no sets, one fold, unknown kinds or routes
    are one-line ParameterErrors before any data set is read."""
    from affect_features.errors import ParameterError
    from affect_features.protocol import evaluate_sets

    with pytest.raises(ParameterError, match="^nothing to evaluate"):
        evaluate_sets([], [])
    for kw, word in [({"folds": 1}, "folds"), ({"folds": -2}, "folds"),
                     ({"kinds": ("mlp", "svm")}, "kinds"), ({"kinds": ()}, "kinds"),
                     ({"methods": ("vad", "knn")}, "methods")]:
        with pytest.raises(ParameterError, match=f"^{word} must be"):
            evaluate_sets(["csv:/never/read.csv"], [], **kw)
