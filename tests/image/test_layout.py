"""Tests of affect_features.image.layout (colour layout on a spatial pyramid)."""

import numpy as np
import pytest

from affect_features.errors import ParameterError
from affect_features.image.analysis import ImageAnalysis
from affect_features.image.layout import LAYOUT_NAMES, grid_means, layout_features


def _features(img):
    return layout_features(ImageAnalysis(np.asarray(img, np.float32), crop_borders=False))


def test_names_and_order():
    assert len(LAYOUT_NAMES) == 42
    assert LAYOUT_NAMES[:3] == ("layout.g1.cell_0_0.lightness.mean", "layout.g1.cell_0_0.a.mean",
                                "layout.g1.cell_0_0.b.mean")
    assert LAYOUT_NAMES[-1] == "layout.g3.cell_2_2.b.mean"
    assert tuple(_features(np.zeros((30, 30, 3)))) == LAYOUT_NAMES


@pytest.mark.parametrize("rgb, lab", [
    ((1.0, 0.0, 0.0), (53.24, 80.09, 67.20)),   # sRGB red, D65 (CIE 15)
    ((1.0, 1.0, 1.0), (100.0, 0.0, 0.0)),
    ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
    ((0.0, 0.0, 1.0), (32.30, 79.19, -107.86)),
])
def test_solid_colours_in_every_cell(rgb, lab):
    f = _features(np.zeros((60, 90, 3)) + rgb)
    for n in LAYOUT_NAMES:
        k = ("lightness", "a", "b").index(n.split(".")[3])
        # 8-bit CIELAB: L* in steps of 100/255, a* and b* rounded to integers
        assert f[n] == pytest.approx(lab[k], abs=(0.2, 0.5, 0.5)[k]), n


def test_bright_top_dark_bottom():
    img = np.zeros((60, 90, 3))
    img[:30] = 1.0
    f = _features(img)
    assert f["layout.g1.cell_0_0.lightness.mean"] == pytest.approx(50.0, abs=0.01)
    assert f["layout.g2.cell_0_1.lightness.mean"] == pytest.approx(100.0, abs=0.01)
    assert f["layout.g2.cell_1_0.lightness.mean"] == pytest.approx(0.0, abs=0.01)
    # the 3 x 3 middle row holds rows 20-39: half white
    assert f["layout.g3.cell_1_2.lightness.mean"] == pytest.approx(50.0, abs=0.01)


def test_grid_means_tile_unequal_sizes_and_tiny_images():
    x = np.arange(7 * 5, dtype=float).reshape(7, 5, 1)
    m = grid_means(x, 3)  # rows 0-1, 2-3, 4-6; columns 0, 1-2, 3-4
    assert m[0, 0, 0] == pytest.approx(x[0:2, 0:1].mean())
    assert m[2, 2, 0] == pytest.approx(x[4:7, 3:5].mean())
    tiny = grid_means(np.ones((1, 2, 3)), 3)
    assert tiny.shape == (3, 3, 3) and np.all(tiny == 1.0)
    with pytest.raises(ParameterError):
        grid_means(np.ones((4, 4)), 2)
    with pytest.raises(ParameterError):
        grid_means(np.ones((4, 4, 3)), 0)
