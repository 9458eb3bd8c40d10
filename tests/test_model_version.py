"""EmotionModel.version: the SHA-256 of the weights, the identity a library stores."""

import hashlib
import json

import numpy as np

from affect_features.models import EmotionModel, train_model

NAMES = tuple(f"g.f{i}" for i in range(4))


def _model(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 4))
    return train_model(X, np.tanh(X[:, :3] * 0.5), names=NAMES, schema="t-1",
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
