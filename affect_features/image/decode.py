"""Decoding image files and arrays into one canonical RGB array.

Everything the image wing computes starts from :func:`load_image`, which turns a path or
an array into an ``(H, W, 3)`` ``uint8`` RGB array, whatever the source: JPEG, PNG
(palette, alpha, 16-bit, 1-bit), BMP, TIFF, WebP, GIF (first frame), grey and CMYK
JPEGs, with the EXIF orientation applied. Transparent pixels are composited onto white.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from ..errors import DecodeError, ParameterError

__all__ = ["load_image", "as_rgb_uint8", "MAX_IMAGE_PIXELS", "IMAGE_EXTENSIONS"]

#: Images whose header declares more pixels than this are refused before decoding
#: (decompression bombs). 100 megapixels is larger than any camera photo.
MAX_IMAGE_PIXELS = 100_000_000

IMAGE_EXTENSIONS = frozenset({
    ".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".ppm",
    ".pgm", ".pbm", ".pnm",
})


def as_rgb_uint8(image) -> np.ndarray:
    """Convert an image array to ``(H, W, 3)`` uint8 RGB.

    Parameters
    ----------
    image : ndarray
        ``(H, W)`` grey, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA (alpha is composited
        onto white). ``uint8``, ``uint16``, ``bool`` or floating point in [0, 1].

    Returns
    -------
    rgb : ndarray of uint8, shape (H, W, 3)
    """
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise ParameterError(
            f"expected an image of shape (H, W), (H, W, 3) or (H, W, 4), got {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ParameterError(f"image has no pixels (shape {arr.shape})")
    if arr.dtype == bool:
        f = arr.astype(np.float32)
    elif arr.dtype == np.uint8:
        f = None
    elif np.issubdtype(arr.dtype, np.integer):
        info = np.iinfo(arr.dtype)
        f = (arr.astype(np.float64) - info.min) / float(info.max - info.min)
    elif np.issubdtype(arr.dtype, np.floating):
        f = arr.astype(np.float32)
        if not np.all(np.isfinite(f)):
            raise ParameterError("image array contains NaN or inf")
        f = np.clip(f, 0.0, 1.0)
    else:
        raise ParameterError(f"unsupported image dtype {arr.dtype}")
    if f is not None:
        arr = np.round(np.asarray(f) * 255.0).astype(np.uint8)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    elif arr.shape[2] == 4:
        alpha = arr[:, :, 3:4].astype(np.float32) / 255.0
        arr = np.round(arr[:, :, :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    return np.ascontiguousarray(arr)


def _pil_to_array(im) -> np.ndarray:
    """Convert an opened PIL image (any mode) to uint8 RGB, keeping 16-bit precision
    until the final rounding and compositing transparency onto white."""
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        a = np.asarray(im)
        if mode == "I":
            hi = 65535.0 if a.max(initial=0) > 255 else 255.0
            a = np.clip(a, 0, hi) / hi
        else:
            a = a.astype(np.float64) / 65535.0
        return as_rgb_uint8(a)
    if mode == "F":
        a = np.asarray(im, dtype=np.float64)
        hi = a.max(initial=0.0)
        a = a / hi if hi > 1.0 else a
        return as_rgb_uint8(np.clip(np.nan_to_num(a), 0.0, 1.0))
    if mode == "P":
        im = im.convert("RGBA")
    elif mode in ("LA", "PA", "RGBa", "La"):
        im = im.convert("RGBA")
    elif mode == "1":
        im = im.convert("L")
    elif mode not in ("RGB", "RGBA", "L"):
        im = im.convert("RGB")  # CMYK, YCbCr, LAB, HSV ...
    return as_rgb_uint8(np.asarray(im))


def load_image(source, *, max_pixels: int = MAX_IMAGE_PIXELS, draft_pixels: int | None = None):
    """Read an image file (or pass an array through) as uint8 RGB.

    Parameters
    ----------
    source : str, os.PathLike or ndarray
        A path to an image file, or an image array (see :func:`as_rgb_uint8`).
    max_pixels : int, optional
        Files whose header declares more pixels are refused before decoding.
    draft_pixels : int, optional
        If given, JPEGs are decoded at the smallest DCT scale (1/2, 1/4, 1/8) that still
        has at least this many pixels: a large speed-up for camera photos, which are
        resized afterwards anyway.

    Returns
    -------
    rgb : ndarray of uint8, shape (H, W, 3)

    Raises
    ------
    DecodeError
        If the file is missing, empty, truncated, not an image, or too large.
    """
    if not isinstance(source, (str, os.PathLike)):
        return as_rgb_uint8(source)
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(source)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DecodeError(path, exc.strerror or str(exc)) from None
    if path.is_dir():
        raise DecodeError(path, "is a directory")
    if size == 0:
        raise DecodeError(path, "empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                w, h = im.size
                if w < 1 or h < 1:
                    raise DecodeError(path, f"image has no pixels ({w}x{h})")
                if w * h > max_pixels:
                    raise DecodeError(
                        path, f"image too large: {w}x{h} pixels declared, limit is "
                              f"{max_pixels} (possible decompression bomb)")
                if getattr(im, "n_frames", 1) > 1:
                    im.seek(0)
                if draft_pixels and im.format == "JPEG" and w * h > 4 * draft_pixels:
                    scale = int(np.sqrt(w * h / draft_pixels))
                    im.draft("RGB", (max(1, w // scale), max(1, h // scale)))
                im.load()
                im = ImageOps.exif_transpose(im)
                return _pil_to_array(im)
    except DecodeError:
        raise
    except UnidentifiedImageError:
        raise DecodeError(path, "not a recognised image format") from None
    except Image.DecompressionBombError as exc:
        raise DecodeError(path, f"image too large ({exc})") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        msg = str(exc) or type(exc).__name__
        if "truncated" in msg.lower():
            msg = "truncated image data"
        raise DecodeError(path, msg) from None
    except MemoryError:
        raise DecodeError(path, "not enough memory to decode") from None
