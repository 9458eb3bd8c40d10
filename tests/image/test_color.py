"""Tests of affect_features.image.color: known answers on synthetic images."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from skimage.color import hsv2rgb

from affect_features.errors import ParameterError
from affect_features.image.analysis import ImageAnalysis
from affect_features.image.color import (
    COLOR_NAMES,
    Regions,
    adjacent_region_pairs,
    color_features,
    color_name_fractions,
    colorfulness,
    hue_distance,
    hue_statistics,
    itten_harmony,
    itten_hue_count_spread,
    itten_pair_contrasts,
    itten_warm_cold_area,
    pleasure_arousal_dominance,
    region_statistics,
    saturation_brightness,
    warmth,
)


# -- helpers ----------------------------------------------------------------------------
def solid(rgb, shape=(40, 60)) -> np.ndarray:
    return np.zeros(shape + (3,), dtype=np.float64) + np.asarray(rgb, dtype=np.float64)


def hsv_solid(h, s=1.0, v=1.0, shape=(40, 60)) -> np.ndarray:
    return hsv2rgb(solid((h, s, v), shape))


def halves(left, right, shape=(60, 80)) -> np.ndarray:
    """Left half one RGB colour, right half another."""
    img = solid(left, shape)
    img[:, shape[1] // 2:] = right
    return img


def analysis(img) -> ImageAnalysis:
    return ImageAnalysis(img, pixels=None, crop_borders=False)


def features(img) -> dict[str, float]:
    return color_features(analysis(img))


def regions(area, hue, chroma=None, saturation=None, value=None) -> Regions:
    """Hand-built region statistics (no segmentation involved)."""
    area = np.asarray(area, dtype=float)
    n = area.size
    chroma = np.ones(n) if chroma is None else np.asarray(chroma, dtype=float)
    saturation = chroma if saturation is None else np.asarray(saturation, dtype=float)
    value = np.ones(n) if value is None else np.asarray(value, dtype=float)
    return Regions(area / area.sum(), saturation, value, np.asarray(hue, float), chroma)


# -- saturation, brightness, PAD ----------------------------------------------------------
# IHLS (Hanbury & Serra 2003): S = max - min, brightness Y = 0.2126 R + 0.7152 G + 0.0722 B;
# arrays are quantised to 8 bits on the way in (0.5 -> 128/255).
@pytest.mark.parametrize("rgb, s, v", [
    ((1.0, 0.0, 0.0), 1.0, 0.2126),
    ((0.0, 0.0, 1.0), 1.0, 0.0722),
    ((0.0, 1.0, 0.0), 1.0, 0.7152),
    ((0.5, 0.5, 0.5), 0.0, 128 / 255),
    ((1.0, 1.0, 1.0), 0.0, 1.0),
    ((0.0, 0.0, 0.0), 0.0, 0.0),
    ((1.0, 0.5, 0.5), 1 - 128 / 255, 0.2126 + 0.7874 * 128 / 255),
])
def test_solid_saturation_brightness(rgb, s, v):
    f = features(solid(rgb))
    assert f["color.saturation.mean"] == pytest.approx(s, abs=2e-3)
    assert f["color.brightness.mean"] == pytest.approx(v, abs=2e-3)
    assert f["color.saturation.std"] == pytest.approx(0.0, abs=1e-6)
    assert f["color.brightness.std"] == pytest.approx(0.0, abs=1e-6)


def test_saturation_brightness_two_levels():
    hsv = np.zeros((2, 2, 3))
    hsv[0, :, 1] = 1.0
    hsv[:, 0, 2] = 1.0
    assert saturation_brightness(hsv) == pytest.approx((0.5, 0.5, 0.5, 0.5))


def test_pad_formula_known_answers():
    # Valdez & Mehrabian (1994): P = .69 B + .22 S, A = -.31 B + .60 S, D = -.76 B + .32 S
    assert pleasure_arousal_dominance(1.0, 0.0) == pytest.approx((0.69, -0.31, -0.76))
    assert pleasure_arousal_dominance(0.0, 1.0) == pytest.approx((0.22, 0.60, 0.32))
    assert pleasure_arousal_dominance(0.0, 0.0) == pytest.approx((0.0, 0.0, 0.0))


def test_pad_from_image_means():
    img = halves((1.0, 0.0, 0.0), (0.2, 0.2, 0.2))
    f = features(img)
    v, s = f["color.brightness.mean"], f["color.saturation.mean"]
    assert s == pytest.approx(0.5, abs=0.02)
    assert f["color.pad.pleasure"] == pytest.approx(0.69 * v + 0.22 * s)
    assert f["color.pad.arousal"] == pytest.approx(-0.31 * v + 0.60 * s)
    assert f["color.pad.dominance"] == pytest.approx(-0.76 * v + 0.32 * s)
    # a saturated red is more arousing than a white of the same brightness
    assert features(solid((1, 0, 0)))["color.pad.arousal"] > \
        features(solid((1, 1, 1)))["color.pad.arousal"]


def test_pad_rejects_nonfinite():
    with pytest.raises(ParameterError):
        pleasure_arousal_dominance(float("nan"), 0.5)


# -- hue statistics -------------------------------------------------------------------------
@pytest.mark.parametrize("hue", [0.0, 1 / 6, 1 / 3, 0.5, 2 / 3, 5 / 6])
def test_solid_hue_mean_direction(hue):
    f = features(hsv_solid(hue))
    assert f["color.hue.mean_cos"] == pytest.approx(np.cos(2 * np.pi * hue), abs=1e-3)
    assert f["color.hue.mean_sin"] == pytest.approx(np.sin(2 * np.pi * hue), abs=1e-3)
    assert f["color.hue.spread"] == pytest.approx(0.0, abs=1e-4)
    assert f["color.hue.spread_chromatic"] == pytest.approx(0.0, abs=1e-4)


def test_hue_wraps_around_red():
    # half hue 0.99, half 0.01: the circular mean is red (0), not cyan (0.5)
    img = hsv_solid(0.99)
    img[:, 30:] = hsv_solid(0.01)[:, 30:]
    f = features(img)
    assert f["color.hue.mean_cos"] == pytest.approx(1.0, abs=1e-4)
    assert f["color.hue.mean_sin"] == pytest.approx(0.0, abs=1e-3)
    assert f["color.hue.spread"] < 0.005
    assert f["color.hue.spread_chromatic"] < 0.005


def test_opposite_hues_cancel():
    f = features(halves((1, 0, 0), (0, 1, 1)))
    assert f["color.hue.mean_cos"] == 0.0 and f["color.hue.mean_sin"] == 0.0
    assert f["color.hue.spread"] == pytest.approx(1.0, abs=1e-6)
    assert f["color.hue.spread_chromatic"] == pytest.approx(1.0, abs=1e-6)


def test_hue_weighting_by_saturation():
    hsv = np.zeros((1, 2, 3))
    hsv[0, 0] = [0.0, 1.0, 1.0]    # saturated red
    hsv[0, 1] = [0.5, 0.1, 1.0]    # faint cyan: little weight, not chromatic
    c, s, spread, spread_c = hue_statistics(hsv)
    assert (c, s) == pytest.approx((1.0, 0.0), abs=1e-6)
    assert spread == pytest.approx(1.0 - 0.9 / 1.1, abs=1e-6)
    assert spread_c == pytest.approx(0.0, abs=1e-6)


def test_grey_image_has_no_hue():
    for level in (0.0, 0.5, 1.0):
        f = features(solid((level, level, level)))
        assert f["color.hue.mean_cos"] == 0.0 and f["color.hue.mean_sin"] == 0.0
        assert f["color.hue.spread"] == 1.0 and f["color.hue.spread_chromatic"] == 1.0


# -- colourfulness ----------------------------------------------------------------------------
def test_colorfulness_grey_is_zero():
    rng = np.random.default_rng(0)
    grey = np.repeat(rng.random((30, 30, 1)), 3, axis=2)  # textured but achromatic
    assert colorfulness(grey) == pytest.approx(0.0, abs=1e-6)
    assert features(solid((0.5, 0.5, 0.5)))["color.colorfulness"] == 0.0


def test_colorfulness_known_answer_and_ordering():
    # pure red: rg = 255, yb = 127.5, no spread: M = 0.3 * hypot(255, 127.5)
    assert colorfulness(solid((1.0, 0.0, 0.0))) == pytest.approx(0.3 * np.hypot(255, 127.5))
    assert colorfulness(np.full((2, 2, 3), 255, np.uint8)) == 0.0
    stripes = np.zeros((40, 80, 3))
    for k, c in enumerate([(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0)]):
        stripes[:, 20 * k:20 * (k + 1)] = c
    pastel = 0.25 * stripes + 0.75 * 0.8
    vivid, washed = colorfulness(stripes), colorfulness(pastel)
    assert vivid > washed > 0.0
    assert vivid > colorfulness(solid((1.0, 0.0, 0.0)))


# -- colour names -----------------------------------------------------------------------------
@pytest.mark.parametrize("rgb, name", [
    ((255, 0, 0), "red"), ((255, 255, 255), "white"), ((0, 0, 0), "black"),
    ((128, 128, 128), "gray"), ((0, 0, 255), "blue"), ((0, 255, 0), "green"),
    ((0, 128, 0), "green"), ((255, 255, 0), "yellow"), ((255, 165, 0), "orange"),
    ((255, 192, 203), "pink"), ((128, 0, 128), "purple"), ((150, 75, 0), "brown"),
    # non-prototype colours named as people would
    ((20, 20, 80), "blue"), ((120, 170, 220), "blue"), ((100, 10, 10), "red"),
    ((80, 140, 50), "green"), ((200, 200, 200), "gray"), ((10, 10, 10), "black"),
])
def test_solid_colour_names(rgb, name):
    f = color_name_fractions(np.full((5, 7, 3), rgb, dtype=np.uint8))
    assert f.shape == (len(COLOR_NAMES),)
    assert f[COLOR_NAMES.index(name)] == 1.0


def test_colour_name_float_input_and_features():
    f = features(solid((0.5, 0.5, 0.5)))
    assert f["color.names.gray"] == 1.0
    assert f["color.names.red"] == 0.0


def test_colour_names_are_area_fractions():
    img = np.zeros((10, 10, 3))
    img[:, :3] = (1, 0, 0)      # 30 % red
    img[:, 3:8] = (1, 1, 1)     # 50 % white
    img[:, 8:] = (0, 0, 1)      # 20 % blue
    f = features(img)
    assert f["color.names.red"] == pytest.approx(0.3)
    assert f["color.names.white"] == pytest.approx(0.5)
    assert f["color.names.blue"] == pytest.approx(0.2)
    assert sum(f[f"color.names.{n}"] for n in COLOR_NAMES) == pytest.approx(1.0)


# -- region statistics and adjacency ----------------------------------------------------------
def test_region_statistics_circular_hue():
    hsv = np.zeros((1, 4, 3))
    hsv[0, 0] = [0.99, 1.0, 1.0]
    hsv[0, 1] = [0.01, 1.0, 1.0]
    hsv[0, 2] = [0.5, 1.0, 0.5]
    hsv[0, 3] = [0.0, 0.0, 0.5]
    r = region_statistics(hsv, np.array([[0, 0, 1, 1]]))
    assert r.area == pytest.approx([0.5, 0.5])
    assert hue_distance(r.hue[0], 0.0) < 1e-6          # not 0.5
    assert r.hue[1] == pytest.approx(0.5, abs=1e-6)
    assert r.chroma == pytest.approx([np.cos(2 * np.pi * 0.01), 0.5], abs=1e-6)
    assert r.saturation == pytest.approx([1.0, 0.5])
    assert r.value == pytest.approx([1.0, 0.5])


def test_adjacent_region_pairs_known_answer():
    labels = np.array([[0, 0, 1],
                       [2, 2, 1],
                       [2, 2, 1]])
    i, j, border = adjacent_region_pairs(labels)
    assert list(zip(i.tolist(), j.tolist(), border.tolist())) == [
        (0, 1, 1.0), (0, 2, 2.0), (1, 2, 2.0)]
    i, j, border = adjacent_region_pairs(np.zeros((3, 3), int))
    assert i.size == j.size == border.size == 0


def test_hue_distance_and_warmth():
    assert hue_distance(0.95, 0.05) == pytest.approx(0.1)
    assert hue_distance(0.0, 0.5) == pytest.approx(0.5)
    assert hue_distance(0.25, 0.25) == 0.0
    assert warmth(1 / 12) == pytest.approx(1.0)                # red-orange: warmest
    assert warmth(7 / 12) == pytest.approx(-1.0)               # blue-green: coldest
    assert warmth(0.0) > 0.5 and warmth(1 / 6) > 0.5           # red and yellow warm
    assert warmth(0.5) < -0.5 and warmth(2 / 3) < -0.5         # cyan and blue cold


# -- Itten on hand-built regions ---------------------------------------------------------------
def test_pair_contrasts_on_regions():
    r = regions([1, 1, 1], hue=[0.0, 0.5, 1 / 12], chroma=[1.0, 1.0, 1.0],
                value=[1.0, 0.2, 1.0])
    c = itten_pair_contrasts(r, np.array([0, 0]), np.array([1, 2]), np.array([3.0, 1.0]))
    # red-cyan (border 3): hue 1, complementary 1; red-orange (border 1): hue 1/6, compl 0
    assert c["hue.max"] == pytest.approx(1.0)
    assert c["hue.mean"] == pytest.approx((3 * 1.0 + 1 * (1 / 6)) / 4)
    assert c["complementary.max"] == pytest.approx(1.0)
    assert c["complementary.mean"] == pytest.approx(0.75)
    assert c["light_dark.max"] == pytest.approx(0.8)
    assert c["light_dark.mean"] == pytest.approx(0.6)
    assert c["saturation.max"] == 0.0
    # warmth(0) = cos(30 deg), warmth(1/2) = -cos(30 deg): |.87 + .87| / 2
    assert c["warm_cold.max"] == pytest.approx(np.cos(np.pi / 6))


def test_complementary_falls_off_linearly_from_opposite():
    r = regions([1, 1, 1, 1], hue=[0.0, 0.5 - 1 / 16, 0.5 - 1 / 8, 0.5 + 1 / 16])
    c = itten_pair_contrasts(r, np.array([0, 0, 0]), np.array([1, 2, 3]), np.ones(3))
    assert c["complementary.max"] == pytest.approx(0.5)            # 22.5 deg off: half
    assert c["complementary.mean"] == pytest.approx((0.5 + 0.0 + 0.5) / 3)


def test_pair_contrasts_without_pairs_are_zero():
    r = regions([1], hue=[0.0])
    empty = np.array([], dtype=int)
    c = itten_pair_contrasts(r, empty, empty, np.array([], dtype=float))
    assert len(c) == 10 and all(v == 0.0 for v in c.values())


def test_grey_regions_have_no_hue_contrast():
    r = regions([1, 1], hue=[0.0, 0.5], chroma=[0.0, 0.0], value=[0.3, 0.9])
    c = itten_pair_contrasts(r, np.array([0]), np.array([1]), np.array([1.0]))
    assert c["hue.max"] == 0.0 and c["complementary.max"] == 0.0
    assert c["warm_cold.max"] == 0.0
    assert c["light_dark.max"] == pytest.approx(0.6)


def test_harmony_chords():
    assert itten_harmony(regions([1, 1], hue=[0.0, 0.5])) == pytest.approx((1.0, 1.0))
    assert itten_harmony(regions([1, 1, 1], hue=[0.0, 1 / 3, 2 / 3])) == \
        pytest.approx((1.0, 1.0))
    # 45 degrees from the key hue is as far from any chord as a hue can be
    mean, worst = itten_harmony(regions([2, 1], hue=[0.0, 0.125]))
    assert worst == pytest.approx(0.0, abs=1e-9)
    assert mean == pytest.approx(2 / 3)
    # fewer than two chromatic regions: nothing clashes
    assert itten_harmony(regions([1, 1], hue=[0.0, 0.125], chroma=[1.0, 0.0])) == (1.0, 1.0)


def test_hue_count_and_spread():
    assert itten_hue_count_spread(regions([1, 1, 1], hue=[0.0, 1 / 3, 2 / 3])) == \
        pytest.approx((3.0, 2 / 3))
    assert itten_hue_count_spread(regions([1], hue=[0.3])) == (1.0, 0.0)
    # adjacent hues around red: bins 11, 0, 1 span 60 degrees
    assert itten_hue_count_spread(regions([1, 1, 1], hue=[0.92, 0.0, 0.08])) == \
        pytest.approx((3.0, 2 / 12))
    # a tiny patch (under 5 % of the largest bin) does not count
    assert itten_hue_count_spread(regions([100, 1], hue=[0.0, 0.5]))[0] == 1.0
    assert itten_hue_count_spread(regions([1], hue=[0.0], chroma=[0.0])) == (0.0, 0.0)


def test_warm_cold_area_on_regions():
    r = regions([1, 2, 3, 4], hue=[0.05, 0.55, 1 / 3, 0.0], chroma=[1, 1, 1, 0.05])
    warm, cold = itten_warm_cold_area(r)
    assert warm == pytest.approx(0.1)   # the grey-ish red (chroma 0.05) is neither
    assert cold == pytest.approx(0.2)   # green (1/3) is neither warm nor cold


# -- Itten through the segmentation ------------------------------------------------------------
def test_light_dark_contrast_black_white():
    bw = features(halves((0, 0, 0), (1, 1, 1)))
    flat = features(solid((0.5, 0.5, 0.5)))
    assert bw["color.itten.light_dark.max"] > 0.9
    assert bw["color.itten.light_dark.mean"] > 0.9
    assert flat["color.itten.light_dark.max"] == 0.0
    assert flat["color.itten.light_dark.mean"] == 0.0


def test_saturation_contrast_red_grey_of_equal_luminance():
    f = features(halves((1, 0, 0), (54 / 255,) * 3))  # Y(red) = 0.2126 = 54.2 / 255
    assert f["color.itten.saturation.max"] > 0.9
    assert f["color.itten.light_dark.max"] < 0.01
    g = features(halves((1, 0, 0), (1, 1, 1)))  # white is far brighter than red
    assert g["color.itten.light_dark.max"] == pytest.approx(1 - 0.2126, abs=0.01)


def test_complementary_ordering():
    red_cyan = features(halves((1, 0, 0), (0, 1, 1)))
    red_orange = features(halves((1, 0, 0), (1, 0.5, 0)))
    assert red_cyan["color.itten.complementary.max"] > 0.9
    assert red_orange["color.itten.complementary.max"] < 0.05
    assert red_cyan["color.itten.hue.max"] > red_orange["color.itten.hue.max"] > 0.1
    assert red_cyan["color.itten.harmony.mean"] > 0.95          # complementary dyad
    assert red_orange["color.itten.hue_count"] == 2.0
    assert red_cyan["color.itten.hue_spread"] == pytest.approx(0.5)


def test_warm_image_and_warm_cold_contrast():
    orange = features(solid((1.0, 0.5, 0.0)))
    assert orange["color.itten.warm_area"] == 1.0
    assert orange["color.itten.cold_area"] == 0.0
    blue = features(hsv_solid(0.6))
    assert blue["color.itten.cold_area"] == 1.0 and blue["color.itten.warm_area"] == 0.0
    orange_cyan = features(halves((1.0, 0.5, 0.0), (0.0, 0.8, 1.0)))
    orange_red = features(halves((1.0, 0.5, 0.0), (1.0, 0.0, 0.0)))
    assert orange_cyan["color.itten.warm_cold.max"] > 0.8
    assert orange_cyan["color.itten.warm_cold.max"] > 5 * orange_red["color.itten.warm_cold.max"]
    assert orange_cyan["color.itten.warm_area"] == pytest.approx(0.5, abs=0.05)
    assert orange_cyan["color.itten.cold_area"] == pytest.approx(0.5, abs=0.05)


# -- robustness -------------------------------------------------------------------------------
FLAT_AND_TINY = {
    "black": solid((0, 0, 0)),
    "white": solid((1, 1, 1)),
    "grey": solid((0.5, 0.5, 0.5)),
    "one_pixel": solid((0.2, 0.7, 0.1), (1, 1)),
    "strip_2x200": np.random.default_rng(1).random((2, 200, 3)),
    "strip_200x2": np.random.default_rng(2).random((200, 2, 3)),
    "noise": np.random.default_rng(3).random((64, 48, 3)),
}


def test_same_names_in_same_order_and_finite():
    reference = list(features(FLAT_AND_TINY["noise"]))
    assert 35 <= len(reference) <= 60
    assert all(n.startswith("color.") for n in reference)
    for name, img in FLAT_AND_TINY.items():
        f = features(img)
        assert list(f) == reference, name
        values = np.array(list(f.values()))
        assert np.all(np.isfinite(values)), name
        assert all(type(v) is float for v in f.values()), name
        assert sum(f[f"color.names.{n}"] for n in COLOR_NAMES) == pytest.approx(1.0)


def test_decoded_file_and_array_input_give_the_same_features(tmp_path):
    # color_features takes an analysis or an array: the analysis of a lossless file of
    # an array and the array itself (uint8, or float in [0, 1]) are the same image; a
    # file name is refused (the group does no I/O). The top half
    # is pure red, the bottom blue-green noise, so a channel swap on either path
    # (BGR decoding) or a lost half would show.
    from PIL import Image

    img = (np.random.default_rng(4).random((120, 90, 3)) * 255).astype(np.uint8)
    img[..., 0] //= 4
    img[:60] = (255, 0, 0)
    path = tmp_path / "two_halves.png"
    Image.fromarray(img).save(path)
    f = color_features(ImageAnalysis(str(path)))
    assert f == color_features(img) == color_features(img / 255.0)
    assert f == color_features(ImageAnalysis(path))
    for name in (str(path), path):
        with pytest.raises(ParameterError, match="not a file name"):
            color_features(name)
    assert f["color.names.red"] >= 0.5 and f["color.names.blue"] < 0.5
    assert f["color.hue.hist.00"] >= 0.5  # half the pixels red with saturation 1


def test_deterministic():
    img = np.random.default_rng(5).random((90, 120, 3))
    assert features(img) == features(img)
    a = analysis(img)
    assert color_features(a) == color_features(a)


def test_validation():
    with pytest.raises(ParameterError):
        hue_statistics(np.full((2, 2, 3), np.nan))
    with pytest.raises(ParameterError):
        saturation_brightness(np.zeros((4, 4)))
    with pytest.raises(ParameterError):
        colorfulness(np.zeros((0, 3)))
    with pytest.raises(ParameterError):
        region_statistics(np.zeros((2, 2, 3)), np.zeros((3, 3), int))
    with pytest.raises(ParameterError):
        adjacent_region_pairs(np.zeros((2, 2), float))


# -- real photos ----------------------------------------------------------------------------
#: Unframed Emotion6 photos: a saturated orange flower (IHLS saturation 0.85, HSV 0.97;
#: Rec. 709 and BT.601 luminance 0.029 apart), figures on a stage before a dark
#: background (a third of the height), daisies on dark grass, an object on black.
UNFRAMED_PHOTOS = ["joy/57.jpg", "anger/51.jpg", "joy/1.jpg", "fear/115.jpg"]


@pytest.mark.skipif(not os.environ.get("AFFECT_DATA"), reason="AFFECT_DATA not set")
def test_real_photos_saturation_and_brightness_equal_numpy_on_the_decoded_pixels():
    # Known answers recomputed independently: IHLS saturation max - min and Rec. 709
    # luminance (Hanbury & Serra 2003) averaged with numpy over Pillow's full-resolution
    # decoding. The group works on the 40,000-pixel plane (JPEG decoded at a reduced
    # DCT scale, then area-averaged): measured on 79 Emotion6 photos, that moves the
    # means by at most 0.0024 (saturation) and 0.0010 (brightness). HSV saturation,
    # HSV value, BT.601 weights or a wrongly cropped border would be far outside.
    from PIL import Image

    root = Path(os.environ["AFFECT_DATA"]) / "emotion6" / "images"
    paths = [root / p for p in UNFRAMED_PHOTOS]
    if not all(p.is_file() for p in paths):
        pytest.skip("Emotion6 photos missing under AFFECT_DATA")
    for path in paths:
        x = np.asarray(Image.open(path).convert("RGB"), np.float64) / 255.0
        saturation = (x.max(axis=2) - x.min(axis=2)).mean()
        luminance = (x @ np.array([0.2126, 0.7152, 0.0722])).mean()
        f = color_features(ImageAnalysis(str(path)))
        assert f["color.saturation.mean"] == pytest.approx(saturation, abs=0.005), path
        assert f["color.brightness.mean"] == pytest.approx(luminance, abs=0.003), path
        assert f["color.pad.pleasure"] == pytest.approx(
            0.69 * f["color.brightness.mean"] + 0.22 * f["color.saturation.mean"])
        assert sum(f[f"color.names.{n}"] for n in COLOR_NAMES) == pytest.approx(1.0)
    flower = color_features(ImageAnalysis(str(paths[0])))
    assert flower["color.names.orange"] > 0.5 and flower["color.itten.warm_area"] > 0.5


# -- hue histogram and percentiles (added with schema image-1) -------------------------
from affect_features.image.color import brightness_saturation_percentiles, hue_histogram


def test_hue_histogram_known_answers():
    red = np.zeros((4, 4, 3)); red[..., 1:] = 1.0; red[..., 0] = 0.0
    h = hue_histogram(red)
    assert h[0] == 1.0 and h[1:].sum() == 0.0
    cyan_half_sat = np.zeros((4, 4, 3)); cyan_half_sat[..., 0] = 0.5
    cyan_half_sat[..., 1] = 0.5; cyan_half_sat[..., 2] = 1.0
    assert hue_histogram(cyan_half_sat)[6] == 0.5
    grey = np.zeros((4, 4, 3)); grey[..., 2] = 0.5
    assert hue_histogram(grey).sum() == 0.0
    # hue 0.99 wraps into the red bin
    wrap = red.copy(); wrap[..., 0] = 0.99
    assert hue_histogram(wrap)[0] == 1.0


def test_hue_histogram_sums_to_mean_saturation():
    rng = np.random.default_rng(0)
    hsv = rng.random((20, 30, 3))
    assert np.isclose(hue_histogram(hsv).sum(), hsv[..., 1].mean())


def test_percentiles_of_half_dark_image():
    hsv = np.zeros((10, 10, 3)); hsv[:, 5:, 2] = 1.0; hsv[:, 5:, 1] = 0.8
    v10, v90, s90 = brightness_saturation_percentiles(hsv)
    assert (v10, v90) == (0.0, 1.0) and np.isclose(s90, 0.8)


def test_percentiles_equal_numpy():
    from affect_features.image.color import _percentiles

    for n in (1, 2, 7, 1000, 40001):
        x = np.random.default_rng(n).random(n).astype(np.float32)
        np.testing.assert_allclose(_percentiles(x, (10.0, 90.0)),
                                   np.percentile(x, [10, 90]), rtol=0, atol=1e-7)
