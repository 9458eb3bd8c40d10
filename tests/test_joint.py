"""Tests of affect_features.joint: the three-branch joint emotion embedding."""

import json

import numpy as np
import pytest

from affect_features.errors import ModelError, ParameterError, SchemaError
from affect_features.features import FeatureVector
from affect_features.joint import (JointEmbedding, default_label_point, mine_negatives,
                                   rank_songs, triplet_loss)
from affect_features.joint._fitting import epoch_order, objective
from affect_features.joint._network import init_layers, normalise

QUADS = np.array(["Q1", "Q2", "Q3", "Q4"])
NAMES_I = tuple(f"image.f{i}" for i in range(12))
NAMES_A = tuple(f"audio.f{i}" for i in range(9))


def _blobs(n, names, centre_seed, seed, spread=1.0, sep=3.0):
    """Items of four classes around fixed class centres (the centres depend only on
    `centre_seed`, so training and test sets of a modality share them)."""
    centres = np.random.default_rng(centre_seed).normal(size=(4, len(names))) * sep
    rng = np.random.default_rng(seed)
    y = rng.integers(4, size=n)
    X = centres[y] + spread * rng.normal(size=(n, len(names)))
    return X, QUADS[y]


def _fit(seed=0, n_i=240, n_a=120, **kw):
    Xi, yi = _blobs(n_i, NAMES_I, 10, seed + 1)
    Xa, ya = _blobs(n_a, NAMES_A, 20, seed + 2)
    kw.setdefault("n_epochs", 15)
    model = JointEmbedding(random_state=seed, **kw).fit(
        Xi, yi, Xa, ya, image_names=NAMES_I, audio_names=NAMES_A,
        image_schema="image-t", audio_schema="audio-t")
    return model, (Xi, yi, Xa, ya)


@pytest.fixture(scope="module")
def fitted():
    return _fit()


# ------------------------------------------------------------------- retrieval

def test_separable_classes_rank_same_class_songs_first(fitted):
    model, _ = fitted
    Xt, yt = _blobs(200, NAMES_I, 10, 99)       # unseen photos, same class centres
    Xs, ys = _blobs(100, NAMES_A, 20, 98)       # unseen songs
    index, sim = rank_songs(model.embed_image(Xt), model.embed_audio(Xs), k=5)
    p_at_1 = np.mean(ys[index[:, 0]] == yt)
    p_at_5 = np.mean(ys[index] == yt[:, None])
    chance = sum(np.mean(yt == q) * np.mean(ys == q) for q in QUADS)
    assert p_at_1 >= 0.95 and p_at_5 >= 0.95
    assert chance < 0.3
    assert np.all(np.diff(sim, axis=1) <= 0)     # best first
    # Three members side by side / sqrt(3): still unit vectors.
    np.testing.assert_allclose(np.linalg.norm(model.embed_image(Xt), axis=1), 1.0)
    # The label branch lands with its items: a photo's nearest label is its class.
    assert np.mean(model.nearest_label(model.embed_image(Xt)) == yt) >= 0.95


def test_words_and_quadrants_match_through_the_quadrant_of_their_points():
    # Photos labelled with words, songs with quadrants: "happy" is Q1, "angry" Q2, ...
    words = {"Q1": "happy", "Q2": "angry", "Q3": "sad", "Q4": "calm"}
    Xi, yi = _blobs(240, NAMES_I, 10, 1)
    Xa, ya = _blobs(120, NAMES_A, 20, 2)
    model = JointEmbedding(n_epochs=15).fit(
        Xi, [words[q] for q in yi], Xa, ya, image_names=NAMES_I, audio_names=NAMES_A,
        image_schema="image-t", audio_schema="audio-t",
        label_points={"calm": (0.75, -0.8, -0.4)})
    assert model.labels == ("Q1", "Q2", "Q3", "Q4", "angry", "calm", "happy", "sad")
    Xt, yt = _blobs(100, NAMES_I, 10, 7)
    index, _ = rank_songs(model.embed_image(Xt), model.embed_audio(Xa), k=1)
    assert np.mean(ya[index[:, 0]] == yt) >= 0.95
    # With agreement="label" the same vocabularies share no emotion: refused.
    with pytest.raises(ParameterError, match="share no emotion"):
        JointEmbedding(n_epochs=1, agreement="label").fit(
            Xi, [words[q] for q in yi], Xa, ya, image_names=NAMES_I, audio_names=NAMES_A,
            image_schema="image-t", audio_schema="audio-t",
            label_points={"calm": (0.75, -0.8, -0.4)})


def test_label_vectors_start_from_their_points():
    model = JointEmbedding(n_epochs=1, learning_rate=1e-9)
    Xi, yi = _blobs(40, NAMES_I, 10, 1)
    Xa, ya = _blobs(40, NAMES_A, 20, 2)
    model.fit(Xi, yi, Xa, ya, image_names=NAMES_I, audio_names=NAMES_A,
              image_schema="image-t", audio_schema="audio-t")
    e = model.embed_label(["Q1", "Q3"])
    # Q1 = (0.5, 0.5, 0) and Q3 = (-0.5, -0.5, 0) plus small noise: nearly opposite.
    assert e[0] @ e[1] < -0.95
    assert np.allclose(np.linalg.norm(e, axis=1), 1.0)
    np.testing.assert_allclose(default_label_point("Q2"), [-0.5, 0.5, 0.0])
    assert default_label_point("fear")[0] < 0 < default_label_point("fear")[1]
    with pytest.raises(ParameterError, match="no NRC-VAD point"):
        default_label_point("zzzz-not-a-word")
    with pytest.raises(ParameterError, match="unknown label 'Q9'"):
        model.embed_label("Q9")


# --------------------------------------------------------- storage and schemas

def test_save_load_round_trip_gives_identical_embeddings(fitted, tmp_path):
    model, (Xi, yi, Xa, ya) = fitted
    npz, card = model.save(tmp_path / "joint")
    loaded = JointEmbedding.load(tmp_path / "joint.json")
    assert np.array_equal(loaded.embed_image(Xi), model.embed_image(Xi))
    assert np.array_equal(loaded.embed_audio(Xa), model.embed_audio(Xa))
    assert np.array_equal(loaded.embed_label(list(model.labels)),
                          model.embed_label(list(model.labels)))
    assert loaded.labels == model.labels
    assert (loaded.image_schema, loaded.audio_schema) == ("image-t", "audio-t")
    assert loaded.image_names == NAMES_I and loaded.audio_names == NAMES_A
    meta = json.loads(open(card, encoding="utf-8").read())
    assert meta["image"]["feature_names"] == list(NAMES_I)
    assert meta["audio"]["schema"] == "audio-t"
    assert meta["training"]["n_image"] == len(Xi)
    assert meta["hyper_parameters"] == model.get_params() == loaded.get_params()
    assert meta["hyper_parameters"]["n_epochs"] == 15
    # The same model gives the same bytes; the weights are not a pickle.
    first = open(npz, "rb").read()
    loaded.save(tmp_path / "again")
    assert open(tmp_path / "again.npz", "rb").read() == first
    with np.load(npz, allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files)


def test_tampered_or_incomplete_files_are_refused(fitted, tmp_path):
    model, _ = fitted
    npz, card = model.save(tmp_path / "m")
    data = bytearray(open(npz, "rb").read())
    data[-40] ^= 0xFF
    (tmp_path / "m.npz").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256 does not match"):
        JointEmbedding.load(tmp_path / "m")
    model.save(tmp_path / "n")
    meta = json.loads((tmp_path / "n.json").read_text())
    meta["audio"]["schema"] = "audio-9"
    (tmp_path / "n.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="audio schema or feature names disagree"):
        JointEmbedding.load(tmp_path / "n")
    (tmp_path / "m.json").unlink()
    with pytest.raises(ModelError, match="model card missing"):
        JointEmbedding.load(tmp_path / "m.npz")
    # An emotion-model card is not a joint-embedding card.
    (tmp_path / "e.npz").write_bytes(b"x")
    (tmp_path / "e.json").write_text(json.dumps({"format": "affect_features.emotion_model"}))
    with pytest.raises(ModelError, match="not an affect_features joint-embedding card"):
        JointEmbedding.load(tmp_path / "e")


def test_features_of_another_schema_are_refused(fitted):
    model, (Xi, _, Xa, _) = fitted
    with pytest.raises(SchemaError, match="image branch expects features of schema "
                                          "image-t, got image-2"):
        model.embed_image(Xi, schema="image-2", names=NAMES_I)
    with pytest.raises(SchemaError, match="schema audio-t, got audio-2"):
        model.embed_audio(FeatureVector(NAMES_A, Xa[0], "audio-2"))
    with pytest.raises(SchemaError, match="expects 12 features, got 11"):
        model.embed_image(Xi[:, :11])
    with pytest.raises(SchemaError, match="1 feature\\(s\\) .* missing: image.f3"):
        model.embed_image(np.delete(Xi, 3, axis=1), names=NAMES_I[:3] + NAMES_I[4:])
    # Named columns in another order are picked by name; a FeatureVector likewise.
    order = np.arange(len(NAMES_I))[::-1]
    assert np.array_equal(model.embed_image(Xi[:5, order], names=[NAMES_I[i] for i in order],
                                            schema="image-t"), model.embed_image(Xi[:5]))
    one = model.embed_image(FeatureVector(NAMES_I, Xi[0], "image-t"))
    assert one.shape == (model.embedding_dim,) == (3 * model.dim,)
    assert np.array_equal(one, model.embed_image(Xi[0]))
    with pytest.raises(ParameterError, match="finite"):
        model.embed_image(np.full((1, 12), np.nan))
    with pytest.raises(ModelError, match="not fitted"):
        JointEmbedding().embed_image(Xi)


# ----------------------------------------------------------- training details

def test_training_is_deterministic_and_seeded():
    a, data = _fit(seed=3, n_epochs=4)
    b, _ = _fit(seed=3, n_epochs=4)
    c, _ = _fit(seed=4, n_epochs=4)
    Xi = data[0]
    assert np.array_equal(a.embed_image(Xi), b.embed_image(Xi))
    assert a.loss_curve_ == b.loss_curve_
    assert not np.array_equal(a.embed_image(Xi), c.embed_image(Xi))


@pytest.mark.parametrize("hidden,activation", [(5, "tanh"), (5, "relu"), (0, "tanh")])
def test_gradients_match_finite_differences(hidden, activation):
    rng = np.random.default_rng(0)
    zi, za = rng.normal(size=(6, 4)), rng.normal(size=(5, 3))
    params = {"image": init_layers(rng, 4, hidden, 3),
              "audio": init_layers(rng, 3, hidden, 3),
              "label": rng.normal(size=(4, 3))}
    for layers in (params["image"], params["audio"]):       # non-zero biases too
        for _, b in layers:
            b += rng.normal(scale=0.3, size=b.shape)
    terms = [(0.4, "image", np.array([0, 1, 2, 3]), "audio", np.array([0, 1, 2, 3]),
              np.array([4, 2, 1, 0])),
             (0.3, "label", np.array([0, 1, 1, 3]), "image", np.array([0, 2, 4, 5]),
              np.array([1, 3, 0, 2])),
             (0.3, "label", np.array([2, 0]), "audio", np.array([1, 4]), np.array([3, 3]))]
    margin = 1.5        # large: every triplet active, the loss smooth around the point
    loss, grads = objective(params, zi, za, terms, margin, activation)
    assert loss > 0

    def flat(tree):
        return [a for k in ("image", "audio") for layer in tree[k] for a in layer] + \
            [tree["label"]]

    eps = 1e-6
    for array, grad in zip(flat(params), flat(grads)):
        numeric = np.zeros_like(array)
        for idx in np.ndindex(array.shape):
            old = array[idx]
            array[idx] = old + eps
            up, _ = objective(params, zi, za, terms, margin, activation)
            array[idx] = old - eps
            down, _ = objective(params, zi, za, terms, margin, activation)
            array[idx] = old
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_triplet_loss_known_answer():
    a = np.array([[1.0, 0.0], [1.0, 0.0]])
    p = np.array([[0.0, 1.0], [1.0, 0.0]])
    n = np.array([[1.0, 0.0], [0.0, 1.0]])
    loss, ga, gp, gn = triplet_loss(a, p, n, 0.2)
    # First triplet: 0.2 - 0 + 1 = 1.2 (active); second: 0.2 - 1 + 0 < 0 (inactive).
    assert loss == pytest.approx(0.6)
    np.testing.assert_allclose(ga, [[0.5, -0.5], [0, 0]])
    np.testing.assert_allclose(gp, [[-0.5, 0], [0, 0]])
    np.testing.assert_allclose(gn, [[0.5, 0], [0, 0]])
    assert triplet_loss(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros((0, 2)), 0.2)[0] == 0


def test_mining_draws_only_other_emotions_and_weights_by_similarity():
    rng = np.random.default_rng(0)
    sim = np.tile(np.array([0.9, 0.6, -0.2, 0.0, 1.0]), (20000, 1))
    other = np.tile(np.array([True, True, True, False, False]), (20000, 1))
    pick = mine_negatives(rng, sim, other, "weighted")
    share = np.bincount(pick, minlength=5) / len(pick)
    w = np.array([1.9, 1.6, 0.8]) / 2
    np.testing.assert_allclose(share[:3], w / w.sum(), atol=0.01)
    assert share[3] == share[4] == 0
    semi = mine_negatives(rng, sim[:3], other[:3], "semihard",
                          sim_pos=np.array([0.7, 0.95, -0.5]))
    # Most similar negative below the positive: 0.6, 0.9; none below -0.5: least similar.
    assert semi.tolist() == [1, 0, 2]
    none = mine_negatives(rng, sim[:2], np.zeros((2, 5), bool), "random")
    assert none.tolist() == [-1, -1]


def test_fit_rejects_bad_input():
    Xi, yi = _blobs(30, NAMES_I, 10, 1)
    Xa, ya = _blobs(30, NAMES_A, 20, 2)
    kw = dict(image_names=NAMES_I, audio_names=NAMES_A, image_schema="i", audio_schema="a")
    bad = Xi.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ParameterError, match="image: features must be finite"):
        JointEmbedding().fit(bad, yi, Xa, ya, **kw)
    with pytest.raises(ParameterError, match="audio: 29 labels for 30 items"):
        JointEmbedding().fit(Xi, yi, Xa, ya[:-1], **kw)
    with pytest.raises(ParameterError, match="dim must be an integer >= 3"):
        JointEmbedding(dim=2).fit(Xi, yi, Xa, ya, **kw)
    with pytest.raises(ParameterError, match="mining must be one of"):
        JointEmbedding(mining="hardest").fit(Xi, yi, Xa, ya, **kw)
    # A constant feature standardises to 0 and never makes NaN.
    const = Xi.copy()
    const[:, 2] = 7.0
    m = JointEmbedding(n_epochs=2).fit(const, yi, Xa, ya, **kw)
    assert np.all(np.isfinite(m.embed_image(const)))


def test_rank_songs_orders_by_cosine_with_stable_ties():
    songs = normalise(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0],
                                [-1.0, 0.0]]))[0]
    index, sim = rank_songs(np.array([2.0, 0.0]), songs, k=3)
    assert index.tolist() == [0, 3, 2]              # the tie 0 / 3 keeps row order
    np.testing.assert_allclose(sim, [1.0, 1.0, np.sqrt(0.5)])
    index, _ = rank_songs(np.array([[0.0, 1.0], [-1.0, 0.0]]), songs, k=10)
    assert index.shape == (2, 5)                    # k clipped to the number of songs
    assert index[0, :2].tolist() == [1, 2] and index[1, 0] == 4
    many = np.random.default_rng(0).normal(size=(500, 4))
    q = np.random.default_rng(1).normal(size=(3, 4))
    fast, _ = rank_songs(q, many, k=7)
    full = np.argsort(-(normalise(q)[0] @ normalise(many)[0].T), axis=1, kind="stable")
    assert np.array_equal(fast, full[:, :7])
    with pytest.raises(ParameterError, match="k must be"):
        rank_songs(q, many, k=0)
    with pytest.raises(ParameterError, match="same dim"):
        rank_songs(q, many[:, :3], k=1)


def test_fit_labelled_takes_quadrants_and_records_the_sets():
    from affect_features.training import LabelledFeatures

    def labelled(modality, X, y, names, schema, spec):
        return LabelledFeatures(modality=modality, X=X, names=names, schema=schema,
                                points=np.full((len(X), 3), np.nan), labels=list(y),
                                quadrants=np.asarray(y), paths=[""] * len(X), groups=None,
                                sets=[(spec, len(X))], failures=[])

    Xi, yi = _blobs(120, NAMES_I, 10, 1)
    Xa, ya = _blobs(80, NAMES_A, 20, 2)
    model = JointEmbedding(n_epochs=10).fit_labelled(
        labelled("image", Xi, yi, NAMES_I, "image-t", "emotion6:/x"),
        labelled("audio", Xa, ya, NAMES_A, "audio-t", "4q:/y"))
    assert model.card["training"]["sets"] == {
        "image": [{"spec": "emotion6:/x", "n_items": 120}],
        "audio": [{"spec": "4q:/y", "n_items": 80}]}
    assert model.image_schema == "image-t" and model.labels == tuple(QUADS)
    index, _ = rank_songs(model.embed_image(Xi), model.embed_audio(Xa), k=1)
    assert np.mean(ya[index[:, 0]] == yi) >= 0.95


def test_balanced_epochs_draw_every_emotion_equally_often():
    classes = np.array([0] * 900 + [1] * 100)
    rng = np.random.default_rng(0)
    order = epoch_order(rng, classes, balance=True)
    assert len(order) == 1000
    assert abs(np.mean(classes[order] == 1) - 0.5) < 0.05
    plain = epoch_order(rng, classes, balance=False)
    assert sorted(plain.tolist()) == list(range(1000))      # one pass, each item once
