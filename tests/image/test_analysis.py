"""The shared analysis: resizing, border cropping, HSV, segmentation."""

import cv2
import numpy as np
import pytest

from affect_features.image.analysis import (ImageAnalysis, crop_uniform_borders,
                                            resize_to_pixels, rgb_to_hsv, rgb_to_ihls)


@pytest.mark.parametrize("rgb,hsv", [
    ((1, 0, 0), (0, 1, 1)), ((0, 1, 0), (1 / 3, 1, 1)), ((0, 0, 1), (2 / 3, 1, 1)),
    ((1, 1, 0), (1 / 6, 1, 1)), ((0.5, 0.5, 0.5), (0, 0, 0.5)), ((0, 0, 0), (0, 0, 0)),
    ((1, 0, 1), (5 / 6, 1, 1)),
])
def test_hsv_known_answers(rgb, hsv):
    out = rgb_to_hsv(np.array([[rgb]], dtype=np.float32))[0, 0]
    np.testing.assert_allclose(out, hsv, atol=1e-6)


@pytest.mark.parametrize("rgb,ihls", [
    ((1, 0, 0), (0, 1, 0.2126)), ((0, 1, 0), (1 / 3, 1, 0.7152)),
    ((0, 0, 1), (2 / 3, 1, 0.0722)), ((1, 1, 0), (1 / 6, 1, 0.9278)),
    ((0, 1, 1), (1 / 2, 1, 0.7874)), ((1, 0, 1), (5 / 6, 1, 0.2848)),
    ((0.5, 0.5, 0.5), (0, 0, 0.5)), ((0, 0, 0), (0, 0, 0)), ((1, 1, 1), (0, 0, 1)),
    ((1.0, 0.5, 0.5), (0, 0.5, 0.2126 + 0.5 * 0.7874)),
])
def test_ihls_known_answers(rgb, ihls):
    # Hanbury & Serra (2003): Y = 0.2126 R + 0.7152 G + 0.0722 B, S = max - min, and the
    # trigonometric hue, which equals the hexcone hue at the primaries and secondaries
    out = rgb_to_ihls(np.array([[rgb]], dtype=np.float32))[0, 0]
    np.testing.assert_allclose(out, ihls, atol=1e-6)


def test_ihls_hue_is_the_trigonometric_hue():
    # (1, 0.5, 0): x = 1 - 0.25 = 0.75, y = sqrt(3)/2 * 0.5 -> 30 degrees (HSV says 30 too);
    # (1, 0.25, 0): atan2(sqrt(3)/8, 7/8) = 8.95 degrees (HSV: 15)
    out = rgb_to_ihls(np.array([[[1, 0.5, 0], [1, 0.25, 0]]], dtype=np.float32))[0]
    assert out[0, 0] == pytest.approx(30 / 360, abs=1e-6)
    assert out[1, 0] == pytest.approx(np.degrees(np.arctan2(np.sqrt(3) / 8, 7 / 8)) / 360,
                                      abs=1e-6)


def test_ihls_saturation_of_near_black_noise_is_small():
    # HSV saturation (max - min) / max of dark noise is large and meaningless; IHLS
    # saturation is bounded by the pixel's largest channel, so by the noise amplitude
    noise = np.random.default_rng(0).uniform(0.0, 0.05, (64, 64, 3)).astype(np.float32)
    s_ihls = rgb_to_ihls(noise)[..., 1]
    s_hsv = rgb_to_hsv(noise)[..., 1]
    assert s_ihls.max() <= 0.05 and np.all(s_ihls <= noise.max(axis=2) + 1e-7)
    assert s_hsv.mean() > 0.5 and s_ihls.mean() < 0.04


def test_pure_red_image_has_hue_0_saturation_1():
    a = ImageAnalysis(np.zeros((10, 10, 3)) + [1.0, 0, 0])
    assert a.hsv[..., 0].max() == 0.0 and a.hsv[..., 1].min() == 1.0


def test_resize_keeps_aspect_and_never_upsamples():
    img = np.zeros((1000, 2000, 3), np.uint8)
    out = resize_to_pixels(img, 200_000)
    assert abs(out.shape[0] * out.shape[1] - 200_000) < 2000
    assert abs(out.shape[1] / out.shape[0] - 2.0) < 0.01
    small = np.zeros((10, 20, 3), np.uint8)
    assert resize_to_pixels(small, 200_000) is small


def _framed(frame_value=0.0, pad=(30, 20, 40, 10)):
    rng = np.random.default_rng(1)
    inner = rng.random((200, 300, 3)).astype(np.float32)
    t, b, l, r = pad
    out = np.full((200 + t + b, 300 + l + r, 3), frame_value, np.float32)
    out[t:t + 200, l:l + 300] = inner
    return out, inner


@pytest.mark.parametrize("value", [0.0, 1.0, 0.4])
def test_frame_is_cropped(value):
    img, inner = _framed(value)
    out, box = crop_uniform_borders(img)
    assert box == (30, 230, 40, 340)
    np.testing.assert_array_equal(out, inner)


def test_letterbox_is_cropped_and_unframed_image_kept():
    img, _ = _framed(0.0, pad=(25, 25, 0, 0))
    _, box = crop_uniform_borders(img)
    assert box == (25, 225, 0, 300)
    rng = np.random.default_rng(2)
    plain = rng.random((100, 100, 3)).astype(np.float32)
    out, box = crop_uniform_borders(plain)
    assert box == (0, 100, 0, 100) and out is plain


def _photo(seed=0, shape=(200, 300)):
    """A synthetic photo: the top 40 % a clear sky (fading towards the horizon, with
    sensor noise), the rest textured ground."""
    rng = np.random.default_rng(seed)
    h, w = shape
    img = np.empty((h, w, 3), np.float32)
    sky = int(0.4 * h)
    t = np.linspace(0.0, 1.0, sky, dtype=np.float32)[:, None, None]
    img[:sky] = (1 - t) * np.array([0.35, 0.55, 0.85], np.float32) \
        + t * np.array([0.70, 0.80, 0.92], np.float32)
    img[:sky] += rng.normal(0, 0.006, (sky, w, 3)).astype(np.float32)
    ground = rng.random((h - sky, w, 3)).astype(np.float32)
    img[sky:] = 0.2 + 0.5 * cv2.GaussianBlur(ground, (0, 0), 1.5)
    return np.clip(img, 0, 1)


def test_flat_sky_over_40_percent_is_not_cropped():
    photo = _photo()
    out, box = crop_uniform_borders(photo)
    assert box == (0, 200, 0, 300) and out is photo


def test_dark_background_around_a_subject_is_not_cropped():
    # a lit subject (a disc) on a dark, noisy background that alone fills the left
    # third and the top and bottom: uniform runs on every side, but no frame (the
    # runs end where they touch the outline, not at a straight edge)
    rng = np.random.default_rng(1)
    img = (0.03 + rng.normal(0, 0.004, (200, 300, 3))).astype(np.float32)
    yy, xx = np.mgrid[:200, :300]
    disc = (yy - 100) ** 2 + (xx - 190) ** 2 < 80 ** 2
    img[disc] = 0.3 + 0.5 * rng.random((int(disc.sum()), 3))
    _, box = crop_uniform_borders(np.clip(img, 0, 1))
    assert box == (0, 200, 0, 300)


@pytest.mark.parametrize("value", [0.0, 1.0, 0.75])
def test_the_same_photo_in_a_uniform_frame_is_cropped_to_the_photo(value):
    photo = _photo()
    framed = np.full((240, 330, 3), value, np.float32)
    framed[22:222, 13:313] = photo
    out, box = crop_uniform_borders(framed)
    assert box == (22, 222, 13, 313)
    np.testing.assert_array_equal(out, photo)


@pytest.mark.parametrize("bars", ["rows", "columns"])
def test_the_same_photo_with_letterbox_bars_is_cropped_to_the_photo(bars):
    photo = _photo(2)
    if bars == "rows":
        boxed = np.zeros((260, 300, 3), np.float32)
        boxed[30:230] = photo
        expected = (30, 230, 0, 300)
    else:
        boxed = np.zeros((200, 380, 3), np.float32)
        boxed[:, 40:340] = photo
        expected = (0, 200, 40, 340)
    out, box = crop_uniform_borders(boxed)
    assert box == expected
    np.testing.assert_array_equal(out, photo)


def test_single_band_is_cropped_only_at_a_sharp_edge():
    # a white caption strip under the photo: one side, but its colour differs from the
    # content along the whole edge
    photo = _photo(3)
    strip = np.ones((230, 300, 3), np.float32)
    strip[:200] = photo
    _, box = crop_uniform_borders(strip)
    assert box == (0, 200, 0, 300)
    # a band of the sky's own colour over the sky is no frame (the sky goes on)
    sky = np.concatenate([np.tile(photo[:1], (20, 1, 1)), photo])
    _, box = crop_uniform_borders(sky)
    assert box == (0, 220, 0, 300)


def test_flat_image_is_not_cropped_away():
    flat = np.full((50, 80, 3), 0.3, np.float32)
    out, box = crop_uniform_borders(flat)
    assert out.shape[0] > 0 and out.shape[1] > 0


def test_analysis_crops_frames_from_arrays():
    img, inner = _framed(1.0)
    a = ImageAnalysis(img, pixels=None)
    assert a.shape == inner.shape[:2]
    # at the default analysis size (40,000 pixels) the frame is cropped too, and the
    # picture inside it (200 x 300) gets the whole budget: it is cut from the decoded
    # image and resized to about 40,000 pixels itself
    b = ImageAnalysis(_framed(1.0, pad=(60, 60, 60, 60))[0])
    h, w = b.shape
    assert b.crop_box[0] > 0 and abs(w / h - 1.5) < 0.02
    assert 39_000 <= h * w <= 40_000


def test_at_lower_resolution_is_cached_and_smaller():
    a = ImageAnalysis(np.random.default_rng(0).random((400, 600, 3)))
    s = a.at(20_000)
    assert s is a.at(20_000)
    assert s.shape[0] * s.shape[1] <= 21_000
    assert a.at(10**9) is a


def test_segments_grow_with_number_of_blobs():
    counts = []
    for n in (1, 4, 9):
        img = np.full((300, 300, 3), 0.9, np.float32)
        k = int(np.sqrt(n))
        step = 300 // k
        colours = np.random.default_rng(0).random((n, 3)) * 0.6
        for i in range(n):
            y, x = divmod(i, k)
            img[y * step + 20:(y + 1) * step - 20, x * step + 20:(x + 1) * step - 20] = colours[i]
        counts.append(ImageAnalysis(img, crop_borders=False).n_segments)
    assert counts[0] < counts[1] < counts[2]
    assert counts[0] <= 3 and counts[2] >= 9  # blobs + background (+ resize ramps)


def test_segments_deterministic():
    img = np.random.default_rng(3).random((120, 160, 3))
    a, b = ImageAnalysis(img), ImageAnalysis(img)
    np.testing.assert_array_equal(a.segments, b.segments)


def test_lower_resolutions_do_not_depend_on_the_order_they_are_asked_for():
    img = np.random.default_rng(4).random((400, 600, 3))
    a, b = ImageAnalysis(img, pixels=None), ImageAnalysis(img, pixels=None)
    a.at(10_000)
    b.at(40_000)
    np.testing.assert_array_equal(a.at(10_000).rgb, b.at(10_000).rgb)
    np.testing.assert_array_equal(a.at(40_000).rgb, b.at(40_000).rgb)
    assert a.at(40_000).at(40_000) is a.at(40_000)  # a resized plane is not resized again
