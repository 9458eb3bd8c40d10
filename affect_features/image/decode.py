"""Decoding image files and arrays into one canonical RGB array.

Everything the image wing computes starts from :func:`load_image`, which turns a path or
an array into an ``(H, W, 3)`` ``uint8`` RGB array, whatever the source: JPEG, PNG
(palette, alpha, 16-bit, 1-bit), BMP, TIFF, WebP, GIF (first frame), grey and CMYK
JPEGs, with the EXIF orientation applied. Transparent pixels are composited onto white.
:func:`load_image_planes` is the same but keeps grey images as one plane, for callers
that resize first (a third of the memory for a large grey scan).

Hostile files fail with a :class:`~affect_features.errors.DecodeError` naming the file:
empty files (and FIFOs and devices, whose size is 0, which are never read), truncated
or unrecognised data, images whose header declares more than :data:`MAX_IMAGE_PIXELS`
(refused before decoding), and any decoder exception. The memory of a legal image is
about its decoded size: 16-bit and float images are converted without float64 copies of
the whole image.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from ..errors import DecodeError, ParameterError

__all__ = ["load_image", "load_image_planes", "as_rgb_uint8", "grey_to_rgb",
           "reduce_factor", "MAX_IMAGE_PIXELS", "REDUCE_ABOVE_PIXELS", "IMAGE_EXTENSIONS"]

#: Images whose header declares more pixels than this are refused before decoding
#: (decompression bombs). 100 megapixels is larger than any camera photo.
MAX_IMAGE_PIXELS = 100_000_000

# EXIF orientation tag and the values that mean "turn or mirror before display".
_EXIF_ORIENTATION = 0x0112
_TURNED = frozenset({2, 3, 4, 5, 6, 7, 8})

#: The suffixes collected as images: one registry, :mod:`affect_features.media`.
from ..media import IMAGE_EXTENSIONS


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
    return grey_to_rgb(_as_uint8(image))


def grey_to_rgb(u8: np.ndarray) -> np.ndarray:
    """``(H, W)`` grey to ``(H, W, 3)`` by repeating it; RGB is returned contiguous."""
    if u8.ndim == 2:
        u8 = np.repeat(u8[:, :, None], 3, axis=2)
    return np.ascontiguousarray(u8)


def _as_uint8(image) -> np.ndarray:
    """As :func:`as_rgb_uint8`, but a grey image stays one ``(H, W)`` plane.

    Grey images are kept single-plane until they have been resized: a 100-megapixel
    grey or bilevel scan then needs 100 MB instead of 300 MB (the resize treats each
    channel alike, so the result is the same, bit for bit).
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
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = _composite_on_white(arr)
    return np.ascontiguousarray(arr)


def _unit_to_uint8(f) -> np.ndarray:
    """Floats in [0, 1] (clipped) to uint8, exactly as :func:`as_rgb_uint8` does."""
    f = np.clip(np.asarray(f).astype(np.float32), 0.0, 1.0)
    return np.round(f * 255.0).astype(np.uint8)


_LEVEL_TABLES: dict[int, np.ndarray] = {}


def _levels_to_uint8(a: np.ndarray, top: int) -> np.ndarray:
    """Integer levels ``0..top`` to uint8 through a lookup table.

    Gives what ``as_rgb_uint8(a / top)`` gives, without its float64 and float32
    copies of the image: 100 MB for a 100-megapixel 16-bit scan instead of 2.5 GB.
    """
    table = _LEVEL_TABLES.get(top)
    if table is None:
        table = _LEVEL_TABLES[top] = _unit_to_uint8(np.arange(top + 1) / float(top))
    return table[a]


#: Images of more pixels than this are reduced while they are converted, when the
#: caller says how many pixels it needs (``draft_pixels``): see :func:`reduce_factor`.
REDUCE_ABOVE_PIXELS = 16_000_000
# Source bytes converted per strip: bounds the temporaries of the conversion.
_STRIP_BYTES = 1 << 22
# Modes converted strip by strip (every other mode is converted whole, as before).
_STRIP_MODES = frozenset({"RGB", "RGBA", "L", "LA", "P", "PA", "RGBa", "La", "1", "CMYK",
                          "YCbCr", "LAB", "HSV"})


def reduce_factor(n_pixels: int, draft_pixels: int | None) -> int:
    """The integer factor by which a decoded image of `n_pixels` is box-reduced.

    1 (no reduction) unless the caller needs only `draft_pixels` and the image has
    more than :data:`REDUCE_ABOVE_PIXELS`; then the largest ``k`` that keeps at least
    ``4 * draft_pixels`` pixels, ``k = floor(sqrt(n_pixels / (4 * draft_pixels)))``,
    as libjpeg's DCT scaling does for JPEGs. Ordinary photos are never reduced, so
    their pixels are exactly those of the file.

    Examples
    --------
    >>> reduce_factor(100_000_000, 200_000), reduce_factor(12_000_000, 200_000)
    (11, 1)
    """
    if not draft_pixels or n_pixels <= REDUCE_ABOVE_PIXELS:
        return 1
    return max(1, int(np.sqrt(n_pixels / (4.0 * draft_pixels))))


def _box_reduce(u8: np.ndarray, k: int) -> np.ndarray:
    """Mean of each ``k x k`` block (rounded half up), uint8 in and out; rows and
    columns beyond a multiple of `k` are dropped."""
    if k == 1:
        return u8
    m, n = u8.shape[0] // k, u8.shape[1] // k
    blocks = u8[: m * k, : n * k].reshape(m, k, n, k, *u8.shape[2:])
    total = blocks.sum(axis=(1, 3), dtype=np.uint32)
    return ((total + (k * k) // 2) // (k * k)).astype(np.uint8)


def _composite_on_white(a: np.ndarray) -> np.ndarray:
    """RGBA (or grey-alpha) uint8 composited onto white, as :func:`_as_uint8` does."""
    alpha = a[..., -1:].astype(np.float32) / 255.0
    out = np.round(a[..., :-1] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    return out[..., 0] if out.shape[-1] == 1 else out


def _strips_to_uint8(im, k: int = 1) -> np.ndarray:
    """A PIL image of a mode in :data:`_STRIP_MODES` to uint8 ``(H, W)`` grey or
    ``(H, W, 3)`` RGB (transparency composited onto white), box-reduced by `k`.

    Converted a strip of rows at a time (about :data:`_STRIP_BYTES` of source each)
    into the result, so that memory is the decoded image plus the result, not several
    full-size copies (a 100-megapixel RGBA PNG took 3.9 GB as float32 temporaries of
    the whole image; now about the 400 MB of the decoded image). Each pixel goes
    through the same conversion as before (PIL's for palettes and colour spaces, the
    compositing of :func:`_as_uint8`), so the pixels are the same, bit for bit.
    """
    w, h = im.size
    mode = im.mode
    if mode in ("P", "PA", "RGBa", "La"):
        target = "RGBA"
    elif mode == "1":
        target = "L"
    elif mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        target = "RGB"
    else:
        target = mode
    grey = target in ("L", "LA")
    out_h, out_w = (h // k, w // k) if k > 1 else (h, w)
    out = np.empty((out_h, out_w) if grey else (out_h, out_w, 3), np.uint8)
    step = max(1, _STRIP_BYTES // max(1, 4 * w))
    step = max(k, step - step % k)
    for top in range(0, out_h * k if k > 1 else h, step):
        bottom = min(top + step, out_h * k if k > 1 else h)
        band = im.crop((0, top, w, bottom))
        if band.mode != target:
            band = band.convert(target)
        a = np.asarray(band)
        if target in ("RGBA", "LA"):
            a = _composite_on_white(a)
        out[top // k: bottom // k] = _box_reduce(a, k)
    return out


def _pil_to_array(im, reduce: int = 1) -> np.ndarray:
    """Convert an opened PIL image (any mode) to uint8, ``(H, W)`` grey or
    ``(H, W, 3)`` RGB, keeping 16-bit precision until the final rounding and
    compositing transparency onto white; box-reduced by `reduce`
    (:func:`reduce_factor`)."""
    mode = im.mode
    if mode in _STRIP_MODES:
        return _strips_to_uint8(im, reduce)
    return _box_reduce(_whole_to_uint8(im), reduce)


def _whole_to_uint8(im) -> np.ndarray:
    """:func:`_pil_to_array` of the modes that are converted whole (integer and float
    samples)."""
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return _levels_to_uint8(np.asarray(im), 65535)
    if mode == "I":
        a = np.asarray(im)
        top = 65535 if a.max(initial=0) > 255 else 255
        return _levels_to_uint8(np.clip(a, 0, top), top)
    if mode == "F":
        # Scaled by the largest finite value; NaN and -inf are black, +inf is white
        # (one non-finite pixel must not blacken the whole image). Converted a block
        # of rows at a time, which bounds the float64 temporaries.
        a = np.asarray(im)
        hi = float(a.max(initial=0.0, where=np.isfinite(a)))
        out = np.empty(a.shape, np.uint8)
        step = max(1, (1 << 20) // max(1, a.shape[1]))
        for r in range(0, a.shape[0], step):
            block = np.nan_to_num(a[r:r + step].astype(np.float64), nan=0.0,
                                  posinf=max(hi, 1.0), neginf=0.0)
            out[r:r + step] = _unit_to_uint8(block / hi if hi > 1.0 else block)
        return out
    # Every mode with a palette, alpha or 8-bit samples is converted in strips
    # (_STRIP_MODES); any other one that Pillow opens is taken as RGB.
    im = im.convert("RGB")
    return _as_uint8(np.asarray(im))


def load_image(source, *, max_pixels: int = MAX_IMAGE_PIXELS, draft_pixels: int | None = None):
    """Read an image file (or pass an array through) as uint8 RGB.

    Parameters
    ----------
    source : str, bytes, os.PathLike or ndarray
        A path to an image file (bytes paths, e.g. names that are not UTF-8, are
        decoded with :func:`os.fsdecode`), or an image array (see :func:`as_rgb_uint8`).
    max_pixels : int, optional
        Files whose header declares more pixels are refused before decoding.
    draft_pixels : int, optional
        If given, JPEGs are decoded at the smallest DCT scale (1/2, 1/4, 1/8) that still
        has at least this many pixels: a large speed-up for camera photos, which are
        resized afterwards anyway; and an image of more than
        :data:`REDUCE_ABOVE_PIXELS` is box-reduced by :func:`reduce_factor` while it
        is converted, so that memory is bounded by the decoded image, whatever its
        format (about 0.4 GB for a 100-megapixel RGBA PNG).

    Returns
    -------
    rgb : ndarray of uint8, shape (H, W, 3)

    Raises
    ------
    DecodeError
        If the file is missing, empty, truncated, not an image, or too large.
    """
    return grey_to_rgb(load_image_planes(source, max_pixels=max_pixels,
                                         draft_pixels=draft_pixels))


def load_image_planes(source, *, max_pixels: int = MAX_IMAGE_PIXELS,
                      draft_pixels: int | None = None) -> np.ndarray:
    """As :func:`load_image`, but grey images are returned as one ``(H, W)`` plane.

    For callers that resize before analysing (:class:`~.analysis.ImageAnalysis`):
    resizing the grey plane and then repeating it gives the same pixels as resizing
    the repeated image, with a third of the memory.
    """
    if isinstance(source, bytes):
        source = os.fsdecode(source)  # as open() does; names need not be UTF-8
    if not isinstance(source, (str, os.PathLike)):
        return _as_uint8(source)
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
                if im.tell() != 0:  # animations: the first frame (not im.n_frames,
                    im.seek(0)      # which parses every frame of a GIF)
                if draft_pixels and im.format == "JPEG" and w * h > 4 * draft_pixels:
                    scale = int(np.sqrt(w * h / draft_pixels))
                    im.draft("RGB", (max(1, w // scale), max(1, h // scale)))
                im.load()
                # exif_transpose copies the whole image even when there is nothing to
                # turn (orientation 1 or none): only call it when there is
                if im.getexif().get(_EXIF_ORIENTATION, 1) in _TURNED:
                    im = ImageOps.exif_transpose(im)
                return _pil_to_array(im, reduce_factor(im.size[0] * im.size[1],
                                                       draft_pixels))
    except DecodeError:
        raise
    except UnidentifiedImageError:
        raise DecodeError(path, "not a recognised image format") from None
    except Image.DecompressionBombError as exc:
        raise DecodeError(path, f"image too large ({exc})") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # an OSError from the file system (permission denied, I/O error) gives its
        # plain reason, not "[Errno 13] ... '<the path again>'"
        msg = (getattr(exc, "strerror", None) if isinstance(exc, OSError) else None) \
            or str(exc) or type(exc).__name__
        if "truncated" in msg.lower():
            msg = "truncated image data"
        raise DecodeError(path, msg) from None
    except MemoryError:
        raise DecodeError(path, "not enough memory to decode") from None
    except Exception as exc:  # noqa: BLE001 - a decoder bug on a crafted file is
        # still this file's decoding failure, reported as such (one line)
        msg = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise DecodeError(path, f"cannot decode ({msg})") from None
