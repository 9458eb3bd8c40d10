"""Decoding: every common format and mode to uint8 RGB; clear errors on bad files."""

import numpy as np
import pytest
from PIL import Image

from affect_features.errors import DecodeError, ParameterError
from affect_features.image.decode import as_rgb_uint8, load_image


def _gradient(h=40, w=60):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // (w - 1), y * 255 // (h - 1), np.full_like(x, 128)],
                    axis=-1).astype(np.uint8)


@pytest.mark.parametrize("ext,kw", [(".png", {}), (".bmp", {}), (".tif", {}),
                                    (".webp", {"lossless": True}), (".ppm", {})])
def test_lossless_formats_round_trip(tmp_path, ext, kw):
    img = _gradient()
    p = tmp_path / f"g{ext}"
    Image.fromarray(img).save(p, **kw)
    np.testing.assert_array_equal(load_image(p), img)


def test_jpeg_close_to_source(tmp_path):
    img = _gradient()
    p = tmp_path / "g.jpg"
    Image.fromarray(img).save(p, quality=95)
    out = load_image(p)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert np.abs(out.astype(int) - img).mean() < 3


def test_png_alpha_composited_on_white(tmp_path):
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:, :5, 3] = 255  # left opaque red, right fully transparent
    p = tmp_path / "a.png"
    Image.fromarray(rgba, "RGBA").save(p)
    out = load_image(p)
    np.testing.assert_array_equal(out[0, 0], [255, 0, 0])
    np.testing.assert_array_equal(out[0, 9], [255, 255, 255])


def test_16bit_png_keeps_scale(tmp_path):
    a = np.full((8, 8), 65535 // 2, np.uint16)
    p = tmp_path / "g16.png"
    Image.fromarray(a).save(p)
    out = load_image(p)
    assert out.shape == (8, 8, 3)
    assert abs(int(out[0, 0, 0]) - 128) <= 1


def test_grey_and_1bit(tmp_path):
    g = np.full((6, 6), 77, np.uint8)
    Image.fromarray(g, "L").save(tmp_path / "g.png")
    np.testing.assert_array_equal(load_image(tmp_path / "g.png")[2, 2], [77, 77, 77])
    Image.fromarray(g > 50).convert("1").save(tmp_path / "b.png")
    np.testing.assert_array_equal(load_image(tmp_path / "b.png")[0, 0], [255, 255, 255])


def test_cmyk_jpeg(tmp_path):
    im = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # pure red in CMYK
    p = tmp_path / "c.jpg"
    im.save(p, quality=95)
    r, g, b = load_image(p)[8, 8].astype(int)
    assert r > 200 and g < 60 and b < 60


def test_exif_orientation_applied(tmp_path):
    img = np.zeros((20, 40, 3), np.uint8)  # landscape
    img[:, :20] = 255
    im = Image.fromarray(img)
    exif = im.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    p = tmp_path / "r.jpg"
    im.save(p, exif=exif, quality=95)
    assert load_image(p).shape[:2] == (40, 20)


def test_animated_gif_first_frame(tmp_path):
    frames = [Image.new("RGB", (8, 8), c) for c in ((255, 0, 0), (0, 0, 255))]
    p = tmp_path / "a.gif"
    frames[0].save(p, save_all=True, append_images=frames[1:], duration=100)
    r, g, b = load_image(p)[4, 4].astype(int)
    assert r > 200 and b < 50


@pytest.mark.parametrize("content,reason", [
    (b"", "empty file"),
    (b"<html><body>not an image</body></html>", "not a recognised image format"),
])
def test_bad_files_name_the_file(tmp_path, content, reason):
    p = tmp_path / "bad.jpg"
    p.write_bytes(content)
    with pytest.raises(DecodeError) as info:
        load_image(p)
    msg = str(info.value)
    assert str(p) in msg and reason in msg and "\n" not in msg


def test_truncated_jpeg(tmp_path):
    p = tmp_path / "t.jpg"
    Image.fromarray(_gradient(200, 200)).save(p, quality=90)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 3])
    with pytest.raises(DecodeError) as info:
        load_image(p)
    assert str(p) in str(info.value)


def test_decompression_bomb_refused_before_decoding(tmp_path):
    p = tmp_path / "bomb.png"
    Image.new("1", (20000, 20000)).save(p)  # 400 MP declared, a few kB on disk
    assert p.stat().st_size < 200_000
    with pytest.raises(DecodeError, match="too large"):
        load_image(p)


def test_missing_file(tmp_path):
    with pytest.raises(DecodeError, match="No such file"):
        load_image(tmp_path / "nope.png")


def test_array_inputs():
    np.testing.assert_array_equal(as_rgb_uint8(np.ones((2, 2)))[0, 0], [255, 255, 255])
    np.testing.assert_array_equal(
        as_rgb_uint8(np.full((2, 2, 3), 65535, np.uint16))[0, 0], [255, 255, 255])
    with pytest.raises(ParameterError):
        as_rgb_uint8(np.zeros((2, 2, 5)))
    with pytest.raises(ParameterError):
        as_rgb_uint8(np.full((2, 2), np.nan))
