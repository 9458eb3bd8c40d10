"""Matching helpers: scale alignment and explanations, with known answers."""

import numpy as np
import pytest

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
