"""Matching helpers: scale alignment and explanations, with known answers."""

import numpy as np
import pytest

from affect_features.errors import ParameterError
from affect_features.features import FeatureVector
from affect_features.matching import alignment, explain


class _Card:
    def __init__(self, std):
        self.card = {"prediction_std": std} if std is not None else {}


def test_alignment_matches_spreads():
    rng = np.random.default_rng(0)
    songs = rng.normal(size=(1000, 3)) * [0.2, 0.2, 0.1]
    f = alignment(_Card([0.1, 0.05, 0.1]), songs)
    np.testing.assert_allclose(f, [2.0, 4.0, 1.0], rtol=0.08)


def test_alignment_is_identity_without_information():
    songs = np.random.default_rng(1).normal(size=(5, 3))
    assert np.all(alignment(_Card([0.1, 0.1, 0.1]), songs) == 1)  # too few songs
    many = np.random.default_rng(1).normal(size=(50, 3))
    assert np.all(alignment(_Card(None), many) == 1)               # no spread in card
    assert alignment(_Card([0.1, 0.0, 0.1]), many)[1] == 1          # flat axis


def test_explain_ranks_linear_contributions():
    from affect_features.models import train_model

    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 4))
    Y = np.stack([0.5 * X[:, 0] - 0.1 * X[:, 1], 0.3 * X[:, 2], np.zeros(200)], axis=1) / 4
    names = ["f.a", "f.b", "f.c", "f.d"]
    model = train_model(X, Y, names=names, schema="test-1", modality="image", kind="ridge",
                        n_jobs=1)
    x = np.array([3.0, 3.0, 1.0, 3.0])
    out = explain(FeatureVector(names, x, "test-1"), model, top=4)
    assert [e["feature"] for e in out][:3] == ["f.a", "f.b", "f.c"]
    assert out[0]["delta_valence"] > 0 and out[1]["delta_valence"] < 0
    assert abs(out[2]["delta_arousal"]) > abs(out[2]["delta_valence"])
    shifts = [e["shift"] for e in out]
    assert shifts == sorted(shifts, reverse=True)
    with pytest.raises(ValueError):
        explain(FeatureVector(names, x, "test-1"), model, top=0)


# ---------------------------------------------------- reliability and confidence

class _RelCard:
    def __init__(self, r, tstd=(0.5, 0.4, 0.3), pstd=(0.2, 0.05, 0.1)):
        self.card = {"reliability": {"r": dict(zip(("valence", "arousal", "dominance"), r)),
                                     "target_std": dict(zip(("valence", "arousal",
                                                             "dominance"), tstd)),
                                     "source": "leave-one-dataset-out"},
                     "prediction_std": list(pstd)}


def test_reliability_weights_drop_axes_that_cannot_be_predicted():
    from affect_features.matching import MIN_RELIABILITY, reliability_weights

    np.testing.assert_array_equal(reliability_weights([0.4, -0.1, 0.05]), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(reliability_weights([MIN_RELIABILITY, 0.25, 0.5]),
                               [2 * MIN_RELIABILITY, 0.5, 1.0])
    # nothing reliable, or nothing measured: neutral weights, not an all-zero distance
    np.testing.assert_array_equal(reliability_weights([0.0, -0.2, 0.0]), [1, 1, 1])
    np.testing.assert_array_equal(reliability_weights(None), [1, 1, 1])


def test_point_confidence_known_answers():
    from affect_features.matching import model_reliability, point_confidence

    rel = model_reliability(_RelCard([0.6, 0.0, 0.3]))
    conf, se = point_confidence([0.2, 0.05, 0.0], rel)
    # valence: t_hat = 0.6 * (0.5 / 0.2) * 0.2 = 0.3, s_e = 0.5 * 0.8 = 0.4, Phi(0.75)
    assert conf[0] == pytest.approx(0.7734, abs=1e-4)
    assert se[0] == pytest.approx(0.4)
    assert conf[1] == 0.5            # r = 0: a coin toss whatever the prediction
    assert conf[2] == 0.5            # predicted exactly neutral
    assert se[1] == pytest.approx(0.4)  # s_t sqrt(1 - 0)
    conf_far, _ = point_confidence([0.8, 0.0, 0.0], rel)
    assert conf_far[0] > conf[0]     # further from neutral: surer


def test_describe_confidence_flags_uncertain_axes():
    from affect_features.matching import Prediction, describe_confidence

    pred = Prediction(path="x", point=np.array([0.3, 0.2, 0.0]), quadrant="Q1",
                      mood_word="happy")
    out = describe_confidence(pred, _RelCard([0.6, 0.05, 0.3]))
    assert out.uncertain == ("arousal", "dominance")
    d = out.as_dict()
    assert set(d["confidence"]) == {"valence", "arousal", "dominance"}
    assert d["uncertain"] == ["arousal", "dominance"]
    # a model without a measured reliability: every axis uncertain
    bare = describe_confidence(Prediction(path="x", point=np.zeros(3), quadrant="Q1",
                                          mood_word="happy"), _Card([0.1, 0.1, 0.1]))
    assert bare.uncertain == ("valence", "arousal", "dominance")


@pytest.mark.parametrize("card", [{"reliability": "high"}, {"reliability": {"r": [1, 2]}},
                                  {"reliability": {"r": {"valence": "x"}}},
                                  {"reliability": {"r": {"valence": float("nan"),
                                                         "arousal": 0, "dominance": 0},
                                                   "target_std": {"valence": 1,
                                                                  "arousal": 1,
                                                                  "dominance": 1}},
                                   "prediction_std": [1, 1, 1]}])
def test_bad_reliability_records_are_ignored(card):
    from affect_features.matching import matching_space, model_reliability

    class M:
        pass

    m = M()
    m.card = card
    assert model_reliability(m) is None
    songs = np.random.default_rng(0).normal(size=(40, 3))
    _, w, warning = matching_space(m, songs)
    np.testing.assert_array_equal(w, [1, 1, 1])
    assert "no measured reliability" in warning


def test_matching_space_uses_the_card():
    from affect_features.matching import matching_space

    songs = np.random.default_rng(0).normal(size=(400, 3)) * [0.2, 0.2, 0.1]
    factors, w, warning = matching_space(_RelCard([0.4, -0.1, 0.3]), songs)
    np.testing.assert_allclose(factors, [1.0, 4.0, 1.0], rtol=0.1)
    np.testing.assert_allclose(w, [1.0, 0.0, 0.75])
    assert warning is None


# ------------------------------------------------------------ the joint route

def test_match_joint_with_the_shipped_models_ranks_by_cosine():
    from affect_features.matching import match

    img = np.zeros((120, 160, 3))
    img[:60] = [0.2, 0.5, 0.9]          # a blue sky over green
    img[60:] = [0.2, 0.6, 0.2]
    m = match(img, k=7, method="joint")
    assert m.method == "joint" and len(m.songs) == 7
    sims = [s["similarity"] for s in m.songs]
    assert sims == sorted(sims, reverse=True)
    assert all(s["distance"] == pytest.approx(1 - s["similarity"]) for s in m.songs)
    assert m.photo.joint_label in ("Q1", "Q2", "Q3", "Q4")
    d = m.as_dict()
    assert d["method"] == "joint" and d["joint_label"] == m.photo.joint_label
    # the same photo by the other route: a valence-arousal match
    assert match(img, k=3).method == "vad"
    with pytest.raises(ValueError, match="method"):
        match(img, method="nearest")


def test_catalogue_embeddings_refuse_another_joint_model(tmp_path):
    from affect_features.errors import ModelError
    from affect_features.joint import JointEmbedding
    from affect_features.library import default_catalogue
    from affect_features.matching import default_joint_model, song_embeddings

    shipped = default_joint_model()
    ids, emb = song_embeddings(default_catalogue(), shipped)
    assert len(ids) == 724 and emb.shape[0] == 724
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    rng = np.random.default_rng(0)
    names_i = shipped.card["image"]["feature_names"]
    names_a = shipped.card["audio"]["feature_names"]
    other = JointEmbedding(random_state=1, n_epochs=2, n_members=1).fit(
        rng.normal(size=(40, len(names_i))), ["Q1", "Q2", "Q3", "Q4"] * 10,
        rng.normal(size=(40, len(names_a))), ["Q1", "Q2", "Q3", "Q4"] * 10,
        image_names=names_i, audio_names=names_a,
        image_schema=shipped.card["image"]["schema"],
        audio_schema=shipped.card["audio"]["schema"])
    other.save(tmp_path / "other")
    with pytest.raises(ModelError, match="another joint model"):
        song_embeddings(default_catalogue(), JointEmbedding.load(tmp_path / "other"))


# ---------------------------------------------------------- what `affect match` does

def _three_songs(path):
    """A library of three songs at known points (valence, arousal, dominance)."""
    from affect_features.library import MusicLibrary

    rows = [("calm.mp3", "D", "Lake", (0.6, -0.4, 0.0)),
            ("angry.mp3", "B", "Storm", (-0.5, 0.5, 0.3)),
            ("plain.mp3", "E", "Grey", (0.1, 0.1, -0.5))]
    with MusicLibrary(path) as lib:
        lib.upsert_many([{"path": str(path.parent / f), "artist": a, "title": t,
                          "valence": v, "arousal": ar, "dominance": d,
                          "model_version": "m"} for f, a, t, (v, ar, d) in rows])
    return path


def test_match_query_of_a_point_known_answer(tmp_path):
    from affect_features.matching import match_query, match_rows

    lib = _three_songs(tmp_path / "lib.sqlite")
    res = match_query(lib, point="0.5,-0.5", k=3)
    # two values: dominance does not count; distances in the valence-arousal plane
    assert [s["title"] for s in res.songs] == ["Lake", "Grey", "Storm"]
    np.testing.assert_allclose([s["distance"] for s in res.songs],
                               [np.hypot(0.1, 0.1), np.hypot(0.4, 0.6), np.hypot(1.0, 1.0)])
    assert res.query == "point:0.5,-0.5" and res.name == "point 0.5,-0.5"
    assert res.quadrant == "Q4" and res.songs[0]["quadrant"] == "Q4"
    record = res.as_dict()
    assert list(record) == ["query", "valence", "arousal", "dominance", "quadrant",
                            "mood", "library", "songs"]
    assert record["library"] == str(tmp_path / "lib.sqlite")
    rows = match_rows(res)
    assert [r["rank"] for r in rows] == [1, 2, 3] and rows[0]["photo"] == "point:0.5,-0.5"
    assert rows[0]["song_valence"] == 0.6 and rows[0]["photo_arousal"] == -0.5
    # the same point as numbers, three of them: dominance counts now
    res3 = match_query(lib, point=(0.5, -0.5, 0.0), k=1)
    assert res3.query == "point:0.5,-0.5,0"
    assert res3.songs[0]["distance"] == pytest.approx(np.hypot(0.1, 0.1))


def test_match_query_of_a_mood_word(tmp_path):
    from affect_features.matching import match_query
    from affect_features.space import word_point

    lib = _three_songs(tmp_path / "lib.sqlite")
    res = match_query(lib, mood=" Calm", k=1, weights=(1.0, 1.0, 1.0))
    v, a, _ = word_point("calm")
    assert res.query == "mood:calm" and res.songs[0]["title"] == "Lake"
    # a mood is searched in the valence-arousal plane (its dominance does not count)
    assert res.songs[0]["distance"] == pytest.approx(np.hypot(0.6 - v, -0.4 - a))
    with pytest.raises(ParameterError):
        match_query(lib, mood="flibbertigibbet")
    with pytest.raises(ParameterError):
        match_query(lib, mood="calm", point="0,0")


def test_match_photos_ranks_by_the_weighted_distance_and_goes_on(tmp_path):
    from PIL import Image

    from affect_features.errors import AffectError
    from affect_features.matching import Match, match_photos, match_rows

    lib = _three_songs(tmp_path / "lib.sqlite")
    rng = np.random.default_rng(5)
    photo = tmp_path / "p.png"
    Image.fromarray((rng.random((60, 80, 3)) * 255).astype(np.uint8)).save(photo)
    bad = tmp_path / "bad.jpg"
    bad.write_text("hello")
    results = list(match_photos([bad, photo], lib, k=3))
    assert [p for p, _ in results] == [bad, photo]
    assert isinstance(results[0][1], AffectError)
    res = results[1][1]
    assert isinstance(res, Match) and res.library == str(tmp_path / "lib.sqlite")
    # the order is that of the weighted Euclidean distance to the photo's match point
    songs = np.array([[0.6, -0.4, 0.0], [-0.5, 0.5, 0.3], [0.1, 0.1, -0.5]])
    d = np.sqrt((((songs - res.photo.match_point) * res.weights) ** 2).sum(axis=1))
    titles = np.array(["Lake", "Storm", "Grey"])[np.argsort(d, kind="stable")]
    assert [s["title"] for s in res.songs] == list(titles)
    np.testing.assert_allclose([s["distance"] for s in res.songs], np.sort(d), atol=1e-9)
    assert all(s["quadrant"] and s["mood"] for s in res.songs)
    assert res.as_dict()["library"] == res.library
    rows = match_rows(res)
    assert rows[0]["photo"] == str(photo)
    assert rows[0]["photo_valence"] == pytest.approx(res.photo.point[0])


def test_match_photos_refuses_an_audio_model_at_the_call(tmp_path):
    from affect_features.matching import match_photos
    from affect_features.models import EmotionModel

    with pytest.raises(ParameterError, match="photos need an image model"):
        match_photos([tmp_path / "x.png"], model=EmotionModel.default("audio"))


def test_library_id_names_the_file_or_the_catalogue(tmp_path):
    from affect_features.library import MusicLibrary, default_catalogue
    from affect_features.matching import library_id

    assert library_id(default_catalogue()) == "catalogue:catalogue_4q.csv"
    with MusicLibrary(tmp_path / "l.sqlite") as lib:
        assert library_id(lib) == str(tmp_path / "l.sqlite")
