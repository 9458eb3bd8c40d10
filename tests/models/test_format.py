"""Tests of affect_features.models._format: a model stored without pickle, refused
when its weights or card were changed; its version (EmotionModel.version, the identity a
library stores) is the SHA-256 of the weights."""

import hashlib
import json
import os

import numpy as np
import pytest

from affect_features.errors import ModelError
from affect_features.models import EmotionModel, names_hash, train_model

from .synthetic import NAMES


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


# ------------------------------------------------ version: the weights' identity

VERSION_NAMES = tuple(f"g.f{i}" for i in range(4))


def _model(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 4))
    return train_model(X, np.tanh(X[:, :3] * 0.5), names=VERSION_NAMES, schema="t-1",
                       modality="audio", kind="ridge", cv=3, n_jobs=1)


def test_version_is_the_sha256_of_the_saved_weights(tmp_path):
    model = _model()
    before = model.version
    npz, card = model.save(tmp_path / "m")
    digest = hashlib.sha256(open(npz, "rb").read()).hexdigest()
    assert before == digest == json.load(open(card))["npz_sha256"]
    assert EmotionModel.load(npz).version == digest


def test_version_differs_between_weights_and_not_between_copies(tmp_path):
    a, b = _model(0), _model(1)
    assert a.version != b.version
    a.save(tmp_path / "one")
    a.save(tmp_path / "two")
    assert EmotionModel.load(tmp_path / "one").version == \
        EmotionModel.load(tmp_path / "two").version == a.version
    a.card["description"] = "free-form card entries are not the weights"
    assert a.version == EmotionModel.load(tmp_path / "one").version


def test_shipped_models_versions_are_their_cards_hashes():
    for modality in ("image", "audio"):
        m = EmotionModel.default(modality)
        assert m.version == m.card["npz_sha256"] and len(m.version) == 64
