"""The shared analysis: resizing, border cropping, HSV, segmentation."""

import numpy as np
import pytest

from affect_features.image.analysis import (ImageAnalysis, crop_uniform_borders,
                                            resize_to_pixels, rgb_to_hsv)


@pytest.mark.parametrize("rgb,hsv", [
    ((1, 0, 0), (0, 1, 1)), ((0, 1, 0), (1 / 3, 1, 1)), ((0, 0, 1), (2 / 3, 1, 1)),
    ((1, 1, 0), (1 / 6, 1, 1)), ((0.5, 0.5, 0.5), (0, 0, 0.5)), ((0, 0, 0), (0, 0, 0)),
    ((1, 0, 1), (5 / 6, 1, 1)),
])
def test_hsv_known_answers(rgb, hsv):
    out = rgb_to_hsv(np.array([[rgb]], dtype=np.float32))[0, 0]
    np.testing.assert_allclose(out, hsv, atol=1e-6)


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


def test_flat_image_is_not_cropped_away():
    flat = np.full((50, 80, 3), 0.3, np.float32)
    out, box = crop_uniform_borders(flat)
    assert out.shape[0] > 0 and out.shape[1] > 0


def test_analysis_crops_frames_from_arrays():
    img, inner = _framed(1.0)
    a = ImageAnalysis(img)
    assert a.shape == inner.shape[:2]


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
