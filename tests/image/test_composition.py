"""Tests of affect_features.image.composition (Machajdik & Hanbury 2010, Sec. 3.3)."""


import cv2
import numpy as np
import pytest
from _real_data import emotion6_jpegs

from affect_features.errors import ParameterError
from affect_features.image.analysis import ImageAnalysis
from affect_features.image.composition import (
    COMPOSITION_NAMES,
    DOF_LEVEL,
    DOF_PIXELS,
    composition_features,
    level_of_detail,
    line_dynamics,
    low_depth_of_field,
    rule_of_thirds,
)


def _analysis(rgb):
    return ImageAnalysis(np.asarray(rgb, dtype=np.float32), pixels=None, crop_borders=False)


# -- level of detail --------------------------------------------------------------------
def test_level_of_detail_known_answer():
    labels = np.array([[0, 0, 5], [0, 0, 7]])  # labels need not be contiguous
    n, largest = level_of_detail(labels)
    assert n == 3.0
    assert largest == pytest.approx(4 / 6)


def test_level_of_detail_rejects_bad_labels():
    with pytest.raises(ParameterError):
        level_of_detail(np.array([[0, -1]]))
    with pytest.raises(ParameterError):
        level_of_detail(np.zeros((2, 2), np.float32))


def _blobs(n_per_side):
    """Grey background with n_per_side**2 squares of distinct saturated colours."""
    img = np.full((200, 200, 3), 0.5, np.float32)
    rng = np.random.default_rng(n_per_side)
    step = 200 // n_per_side
    for i in range(n_per_side):
        for j in range(n_per_side):
            hue = (i * n_per_side + j) / (n_per_side ** 2)
            colour = cv2.cvtColor(np.array([[[hue * 360, 1.0, 1.0]]], np.float32),
                                  cv2.COLOR_HSV2RGB)[0, 0]
            y, x = i * step + step // 4, j * step + step // 4
            img[y:y + step // 2, x:x + step // 2] = colour
    return img + rng.normal(0, 0.01, img.shape).astype(np.float32)  # a little noise


def test_level_of_detail_grows_with_number_of_blobs():
    counts = [composition_features(_analysis(_blobs(k)))["composition.level_of_detail"]
              for k in (1, 2, 3)]  # 1, 4, 9 blobs
    assert counts[0] < counts[1] < counts[2]
    assert counts[0] >= 2  # background + blob
    shares = [composition_features(_analysis(_blobs(k)))["composition.largest_segment.share"]
              for k in (1, 3)]
    assert shares[0] > 0.5  # the background dominates


# -- low depth of field -----------------------------------------------------------------
def _dof_image(sharp_centre: bool, seed=0):
    # Red fixed below green and blue: every mixture of these colours keeps red as its
    # minimum, so blurring gives smooth hue (between green and blue, no wrap-around)
    # and smooth saturation, as in a defocused photo.
    rng = np.random.default_rng(seed)
    sharp = np.empty((256, 256, 3), np.float32)
    sharp[..., 0] = 0.2
    sharp[..., 1:] = rng.uniform(0.3, 1.0, (256, 256, 2))
    blurred = cv2.GaussianBlur(sharp, (0, 0), 6.0)
    centre = np.zeros((256, 256), bool)
    centre[64:192, 64:192] = True
    inside, outside = (sharp, blurred) if sharp_centre else (blurred, sharp)
    return np.where(centre[..., None], inside, outside)


def test_low_dof_sharp_centre_beats_sharp_background():
    fg = composition_features(_analysis(_dof_image(True)))
    bg = composition_features(_analysis(_dof_image(False)))
    for channel in ("hue", "saturation", "brightness"):
        name = f"composition.low_dof.{channel}"
        assert fg[name] > 0.6, name
        assert bg[name] < 0.15, name


def test_low_dof_uniform_texture_is_area_share():
    noise = np.random.default_rng(1).random((256, 256))
    assert low_depth_of_field(noise) == pytest.approx(0.25, abs=0.03)


@pytest.mark.parametrize("shape", [(64, 64), (5, 5), (1, 1), (2, 200)])
def test_low_dof_flat_is_quarter(shape):
    assert low_depth_of_field(np.full(shape, 0.3)) == 0.25


def test_low_dof_float_rounding_counts_as_flat():
    plane = np.full((64, 64), 0.2, np.float32)
    plane[::3, ::5] = np.float32(0.2) - np.float32(3e-8)
    assert low_depth_of_field(plane) == 0.25


def test_low_dof_flat_uneven_grid_is_centre_share():
    # 60 x 80 pixels give 7 x 10 level-3 coefficients; the central cells hold 4 x 5
    assert low_depth_of_field(np.zeros((60, 80))) == pytest.approx(20 / 70)


def test_low_dof_fast_haar_matches_pywt():
    pywt = pytest.importorskip("pywt")
    plane = np.random.default_rng(2).random((77, 101)).astype(np.float32)
    plane[20:50, 30:70] += 1.0
    fast = low_depth_of_field(plane)
    coeffs = pywt.wavedec2(plane[:72, :96].astype(np.float64), "db1", level=3)
    mag = sum(np.abs(c) for c in coeffs[1])  # (9, 12) coefficients
    rows, cols = (np.arange(5) * 9) // 4, (np.arange(5) * 12) // 4
    ref = mag[rows[1]:rows[3], cols[1]:cols[3]].sum() / mag.sum()
    assert fast == pytest.approx(ref, rel=1e-5)


@pytest.mark.parametrize("level", [1, 2, 4])
def test_low_dof_fast_haar_matches_pywt_at_other_levels(level):
    pywt = pytest.importorskip("pywt")
    plane = np.random.default_rng(level).random((77, 101)).astype(np.float32)
    plane[20:50, 30:70] += 1.0
    m = 2 ** level
    coeffs = pywt.wavedec2(plane[:77 // m * m, :101 // m * m].astype(np.float64), "db1",
                           level=level)
    mag = sum(np.abs(c) for c in coeffs[1])
    rows, cols = (np.arange(5) * mag.shape[0]) // 4, (np.arange(5) * mag.shape[1]) // 4
    ref = mag[rows[1]:rows[3], cols[1]:cols[3]].sum() / mag.sum()
    assert low_depth_of_field(plane, level=level) == pytest.approx(ref, rel=1e-5)


def test_low_dof_group_uses_the_same_definition():
    rgb = _dof_image(True, seed=4)
    a = _analysis(rgb)
    f = composition_features(a)
    plane = a.at(DOF_PIXELS).ihls
    for k, channel in enumerate(("hue", "saturation", "brightness")):
        assert f[f"composition.low_dof.{channel}"] == pytest.approx(
            low_depth_of_field(plane[..., k], level=DOF_LEVEL), rel=1e-6)


def test_low_dof_other_daubechies_wavelet_orders_the_same():
    a, b = _dof_image(True)[..., 1], _dof_image(False)[..., 1]
    assert low_depth_of_field(a, wavelet="db2") > low_depth_of_field(b, wavelet="db2")
    with pytest.raises(ParameterError):
        low_depth_of_field(a, wavelet="no-such-wavelet")


# -- dynamics ---------------------------------------------------------------------------
def _lines_image(angles_deg, size=300):
    img = np.zeros((size, size), np.uint8)
    c = size / 2
    for k, a in enumerate(angles_deg):
        off = (k - (len(angles_deg) - 1) / 2) * 40  # parallel offsets
        t = np.radians(a)
        dx, dy = np.cos(t) * size * 0.4, np.sin(t) * size * 0.4
        nx, ny = -np.sin(t) * off, np.cos(t) * off
        p0 = (int(c - dx + nx), int(c - dy + ny))
        p1 = (int(c + dx + nx), int(c + dy + ny))
        cv2.line(img, p0, p1, 255, 2)
    return img


def test_horizontal_and_vertical_lines_are_static():
    img = _lines_image([0, 0, 90, 90, 3])
    count, static, slanted, s_len, d_len = line_dynamics(img)
    assert count >= 5
    assert static >= 0.9 and slanted <= 0.1
    assert s_len > 0.25  # the lines span 0.57 of the diagonal (Hough may split them)


def test_diagonal_lines_are_slanted():
    img = _lines_image([45, 45, 30, 60, 135])
    count, static, slanted, s_len, d_len = line_dynamics(img)
    assert count >= 5
    assert slanted >= 0.9 and static <= 0.1
    assert d_len > 0.25


def test_no_lines_gives_zeros():
    assert line_dynamics(np.full((100, 100), 128, np.uint8)) == (0.0,) * 5
    assert line_dynamics(np.zeros((2, 200), np.uint8)) == (0.0,) * 5


def test_dynamics_in_composition_features():
    rgb = np.repeat(_lines_image([30, 45, 60, 120, 150])[..., None], 3, axis=2) / 255.0
    f = composition_features(_analysis(rgb))
    assert f["composition.dynamics.slanted.share"] > f["composition.dynamics.static.share"]


# -- rule of thirds ---------------------------------------------------------------------
def test_rule_of_thirds_red_centre_on_blue():
    img = np.zeros((90, 120, 3), np.float32)
    img[...] = [0, 0, 1.0]
    img[30:60, 40:80] = [1.0, 0, 0]
    f = composition_features(_analysis(img))
    assert f["composition.rule_of_thirds.hue_cos"] == pytest.approx(1.0)
    assert f["composition.rule_of_thirds.hue_sin"] == pytest.approx(0.0, abs=1e-7)
    assert f["composition.rule_of_thirds.saturation"] == pytest.approx(1.0)
    # IHLS luminance of pure red (Rec. 709 weight of R)
    assert f["composition.rule_of_thirds.brightness"] == pytest.approx(0.2126, abs=1e-6)


def test_rule_of_thirds_blue_centre_and_grey():
    hsv = np.zeros((9, 9, 3), np.float32)
    hsv[3:6, 3:6] = [2 / 3, 1.0, 0.5]
    hc, hs, s, v = rule_of_thirds(hsv)
    assert (hc, hs) == pytest.approx((-0.5, -np.sqrt(3) / 2))
    assert (s, v) == pytest.approx((1.0, 0.5))
    grey = np.zeros((9, 9, 3), np.float32)
    grey[..., 0] = 0.4  # hue of grey pixels is meaningless and must not count
    grey[..., 2] = 0.7
    assert rule_of_thirds(grey) == pytest.approx((0.0, 0.0, 0.0, 0.7))


# -- the group --------------------------------------------------------------------------
@pytest.mark.parametrize("rgb", [
    np.zeros((50, 60, 3)), np.ones((50, 60, 3)), np.full((50, 60, 3), 0.5),
    np.zeros((1, 1, 3)), np.full((2, 200, 3), 0.7), np.full((200, 2, 3), 0.2),
    np.random.default_rng(3).random((2, 200, 3)),
])
def test_degenerate_images_are_finite(rgb):
    f = composition_features(np.asarray(rgb, np.float32))
    assert tuple(f) == COMPOSITION_NAMES
    values = np.array(list(f.values()))
    assert np.all(np.isfinite(values))
    assert all(type(v) is float for v in f.values())


def test_flat_image_values():
    f = composition_features(_analysis(np.full((64, 96, 3), 0.5)))
    assert f["composition.level_of_detail"] == 1.0
    assert f["composition.largest_segment.share"] == 1.0
    assert f["composition.low_dof.brightness"] == 0.25
    assert f["composition.dynamics.count"] == 0.0
    assert f["composition.rule_of_thirds.saturation"] == 0.0


def test_deterministic():
    rgb = _dof_image(True, seed=5) * 0.5 + np.repeat(
        _lines_image([0, 45, 90])[..., None], 3, axis=2)[:256, :256] / 510.0
    a = composition_features(rgb)
    b = composition_features(rgb)
    assert a == b


def _emotion6_images(n):
    return emotion6_jpegs()[::97][:n]


def test_real_photos_in_range():
    for path in _emotion6_images(6):
        f = composition_features(ImageAnalysis(str(path)))
        assert tuple(f) == COMPOSITION_NAMES
        assert f["composition.level_of_detail"] >= 1
        for name in COMPOSITION_NAMES[1:5] + COMPOSITION_NAMES[6:]:
            assert -1.0 <= f[name] <= 1.0, (path, name)
