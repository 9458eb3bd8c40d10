"""Large images: converted strip by strip (same pixels), box-reduced when huge."""

import numpy as np
import pytest
from PIL import Image

from affect_features.image import decode
from affect_features.image.decode import (as_rgb_uint8, load_image, load_image_planes,
                                          reduce_factor)


def _rgba(h=301, w=203, seed=0):
    return (np.random.default_rng(seed).random((h, w, 4)) * 255).astype(np.uint8)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "1", "RGB", "L"])
def test_strips_give_the_pixels_of_the_whole_conversion(tmp_path, mode, monkeypatch):
    """Converted in strips of a few rows (forced small here), every mode gives exactly
    the pixels of converting the whole image (PIL's conversion, then compositing onto
    white as as_rgb_uint8 does)."""
    monkeypatch.setattr(decode, "_STRIP_BYTES", 4 * 203 * 7)  # strips of 7 rows
    a = _rgba()
    im = {"RGBA": lambda: Image.fromarray(a),
          "LA": lambda: Image.merge("LA", [Image.fromarray(a[..., 0]),
                                           Image.fromarray(a[..., 3])]),
          "P": lambda: Image.fromarray(a[..., :3]).quantize(32),
          "1": lambda: Image.fromarray(a[..., 0] > 100),
          "RGB": lambda: Image.fromarray(a[..., :3]),
          "L": lambda: Image.fromarray(a[..., 0])}[mode]()
    path = tmp_path / "x.png"
    im.save(path, **({"transparency": 5} if mode == "P" else {}))
    with Image.open(path) as reopened:
        whole = reopened.convert("RGBA" if reopened.mode in ("P", "LA") else
                                 ("L" if reopened.mode == "1" else reopened.mode))
        expected = as_rgb_uint8(np.asarray(whole))
    np.testing.assert_array_equal(load_image(path), expected)


def test_reduce_factor_and_box_reduce_known_answers():
    assert reduce_factor(100_000_000, 200_000) == 11   # floor(sqrt(125))
    assert reduce_factor(16_000_000, 1_000) == 1         # not above the threshold
    assert reduce_factor(100_000_000, None) == 1
    u8 = np.array([[0, 2, 10, 10, 7], [1, 1, 10, 11, 7], [9, 9, 9, 9, 9]], np.uint8)
    # 2x2 means rounded half up; the odd last row and column are dropped
    np.testing.assert_array_equal(decode._box_reduce(u8, 2), [[1, 10]])


def test_huge_images_are_reduced_while_converted(tmp_path, monkeypatch):
    """Above the threshold (lowered here), an RGBA image is composited at full
    resolution and then box-reduced: each output pixel is the mean of its k x k block
    of composited pixels, not the composite of the mean."""
    monkeypatch.setattr(decode, "REDUCE_ABOVE_PIXELS", 10_000)
    a = _rgba(240, 160)
    path = tmp_path / "big.png"
    Image.fromarray(a).save(path)
    k = reduce_factor(240 * 160, 1_000)
    assert k == 3
    out = load_image_planes(path, draft_pixels=1_000)
    assert out.shape == (80, 53, 3)
    full = as_rgb_uint8(a).astype(np.float64)
    block = full[:3, 3:6].reshape(-1, 3).mean(axis=0)
    np.testing.assert_array_equal(out[0, 1], np.floor(block + 0.5))
    # without draft_pixels (a caller that wants every pixel) nothing is reduced
    assert load_image_planes(path).shape == (240, 160, 3)
