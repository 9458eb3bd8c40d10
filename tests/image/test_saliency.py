"""Tests of affect_features.image.saliency (spectral residual, Hou & Zhang 2007)."""

import numpy as np
import pytest

from affect_features.errors import ParameterError
from affect_features.image.analysis import ImageAnalysis
from affect_features.image.saliency import (SALIENCY_NAMES, saliency_features,
                                            saliency_statistics, spectral_residual_saliency)


def _features(img):
    return saliency_features(ImageAnalysis(np.asarray(img, np.float32), crop_borders=False))


def _object(y, x, shape=(240, 320), colour=(0.9, 0.1, 0.1), seed=0):
    rng = np.random.default_rng(seed)
    img = 0.5 + rng.normal(0, 0.02, shape + (3,))
    img[y - 15:y + 15, x - 15:x + 15] = colour
    return np.clip(img, 0, 1)


def test_names_and_order():
    assert len(SALIENCY_NAMES) == 14
    assert tuple(_features(np.random.default_rng(0).random((48, 64, 3)))) == SALIENCY_NAMES


def test_statistics_known_answers():
    point = np.zeros((9, 9)); point[4, 4] = 1.0
    st = saliency_statistics(point)
    assert (st["mass.centre"], st["mass.border"], st["entropy"]) == (1.0, 0.0, 0.0)
    assert (st["centroid.x"], st["centroid.y"], st["spread"]) == (0.0, 0.0, 0.0)
    assert st["peak"] == pytest.approx(1 / 81)
    uniform = np.ones((12, 12))
    st = saliency_statistics(uniform)
    assert st["entropy"] == pytest.approx(1.0) and st["peak"] == pytest.approx(0.5)
    assert st["mass.centre"] == pytest.approx(16 / 144)   # rows, columns 4-7
    assert st["mass.border"] == pytest.approx(1 - 100 / 144)  # rows, columns 0 and 11
    # a point at the top-left corner cell: centroid (-0.5 + 1/24) in each axis
    corner = np.zeros((12, 12)); corner[0, 0] = 2.0
    st = saliency_statistics(corner)
    assert st["centroid.x"] == pytest.approx(-0.5 + 1 / 24)
    assert st["centroid.distance"] == pytest.approx(1 - 1 / 12)
    # on a thirds intersection (1/3, 1/3): all of the mass is near a power point
    thirds = np.zeros((12, 12)); thirds[3:5, 3:5] = 1.0
    assert saliency_statistics(thirds)["mass.thirds"] == pytest.approx(1.0)


def test_map_is_a_distribution_and_flat_is_uniform():
    s = spectral_residual_saliency(np.random.default_rng(2).random((48, 64)))
    assert s.shape == (48, 64) and s.min() >= 0 and s.sum() == pytest.approx(1.0)
    flat = spectral_residual_saliency(np.full((48, 64), 0.7))
    np.testing.assert_allclose(flat, 1 / (48 * 64))


def test_the_odd_object_out_is_salient_and_located():
    f = _features(_object(60, 240))  # top right
    assert f["saliency.centroid.x"] > 0.1 and f["saliency.centroid.y"] < -0.1
    assert f["saliency.peak"] < 0.15 and f["saliency.entropy"] < 0.95
    g = _features(_object(120, 160))  # centre
    assert g["saliency.mass.centre"] > 0.5 > f["saliency.mass.centre"]
    assert abs(g["saliency.centroid.x"]) < 0.05 and abs(g["saliency.centroid.y"]) < 0.05
    # the salient thing is red and saturated on a grey background
    grey = _features(_object(120, 160, colour=(0.2, 0.2, 0.2)))
    assert g["saliency.saturation.contrast"] > 0.05 > abs(grey["saliency.saturation.contrast"])
    assert grey["saliency.brightness.contrast"] < -0.05  # a dark thing on mid grey
    assert g["saliency.hue.salient_warmth"] > 0.5  # red: cos(30 degrees) = 0.87 at most
    blue = _features(_object(120, 160, colour=(0.1, 0.3, 0.9)))
    assert blue["saliency.hue.salient_warmth"] < -0.5


def test_flat_image_defined_values():
    f = _features(np.full((48, 64, 3), 0.5))
    assert f["saliency.entropy"] == pytest.approx(1.0)
    assert f["saliency.centroid.x"] == pytest.approx(0.0, abs=1e-12)
    assert f["saliency.centroid.distance"] == pytest.approx(0.0, abs=1e-12)
    assert f["saliency.brightness.contrast"] == 0.0 and f["saliency.saturation.salient"] == 0.0
    assert f["saliency.hue.salient_warmth"] == 0.0
    for shape in ((1, 1, 3), (2, 200, 3), (200, 2, 3)):
        assert all(np.isfinite(list(_features(np.random.default_rng(1).random(shape)).values())))


def test_bad_input_is_refused():
    with pytest.raises(ParameterError):
        spectral_residual_saliency(np.zeros((4, 4, 3)))
    with pytest.raises(ParameterError):
        saliency_statistics(-np.ones((4, 4)))
