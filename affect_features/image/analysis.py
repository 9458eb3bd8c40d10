"""The shared, lazily computed analysis of one image.

Every feature group reads the same :class:`ImageAnalysis`: the image resized to about
40,000 pixels (:data:`ANALYSIS_PIXELS`), with frames and letterbox bars cropped, its
IHLS, HSV and grey planes, and its segmentation into regions. Each intermediate is
computed once, on first use, and only if some group asks for it, at the resolution that
group needs (:meth:`ImageAnalysis.at`).

Conventions (all float32):

- ``rgb``: (H, W, 3) in [0, 1].
- ``ihls``: (H, W, 3) hue, saturation, luminance of the IHLS space (Hanbury & Serra
  2003) that Machajdik & Hanbury (2010, Sec. 3.1) use; hue as a fraction of a turn in
  [0, 1) (0 = red, 1/3 = green, 2/3 = blue), saturation ``max - min`` and luminance
  in [0, 1]. Every feature of schema image-2 reads this plane.
- ``hsv``: (H, W, 3), the HSV hexcone of Smith (1978), kept for the API (schema
  image-1 used it).
- ``gray``: (H, W) luma in [0, 1] (ITU-R BT.601 weights, as OpenCV).
"""

from __future__ import annotations

import os
from functools import cached_property
from typing import NamedTuple

import cv2
import numpy as np

from .decode import grey_to_rgb, load_image_planes

__all__ = ["ImageAnalysis", "as_analysis", "crop_uniform_borders", "resize_to_pixels", "rgb_to_hsv",
           "rgb_to_ihls", "ANALYSIS_PIXELS", "SEGMENT_PIXELS", "WORK_PIXELS"]

#: The shared working resolution of the pixel statistics of every group (colour,
#: texture, composition, content, LBP, layout): one resize, one set of planes.
WORK_PIXELS = 40_000
#: Resolution of the analysis an image is decoded and resized to. Machajdik & Hanbury
#: (2010, Sec. 3.1) resize every image to about 200,000 pixels keeping the aspect
#: ratio; every feature group of this package works at 40,000 pixels or fewer (schema
#: image-1 computed only the low depth of field and the lines above that, at 200,000
#: and 50,000), so the analysis starts there: JPEGs at least 4 times larger are decoded
#: directly at a reduced scale (libjpeg's DCT scaling, :func:`.decode.load_image`), and
#: the 200,000-pixel stage, its float conversion and its resize are not paid.
ANALYSIS_PIXELS = WORK_PIXELS
#: Resolution of the segmentation (regions are large structures; a coarser grid finds
#: the same ones far faster).
SEGMENT_PIXELS = 6_000


def resize_to_pixels(rgb: np.ndarray, pixels: int) -> np.ndarray:
    """Resize so that ``H * W`` is about `pixels` and at most `pixels`, keeping the
    aspect ratio.

    Images already smaller are returned unchanged (never upsampled). Uses area
    averaging (``cv2.INTER_AREA``), the anti-aliased choice for shrinking. The sides are
    rounded down, so that a resized image asked for the same size again is returned
    as it is.
    """
    h, w = rgb.shape[:2]
    if h * w <= pixels:
        return rgb
    s = np.sqrt(pixels / float(h * w))
    nh, nw = max(1, int(h * s)), max(1, int(w * s))
    return cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)


def _uniform_run(lines: np.ndarray, tol: float, share: float) -> int:
    """Length of the run of uniform lines at the start of `lines` (n_lines, n_px, 3).

    A line is part of the run if at least `share` of its pixels lie within `tol`
    (max over channels) of the median colour of the first line.
    """
    ref = np.median(lines[0], axis=0)
    n = lines.shape[0]
    start, step = 0, 1  # most photos have no border: test one line, then grow
    while start < n:
        chunk = lines[start:start + step]
        close = np.max(np.abs(chunk - ref), axis=2) <= tol
        bad = np.flatnonzero(close.mean(axis=1) < share)
        if bad.size:
            return start + int(bad[0])
        start += step
        step = min(step * 2, 64)
    return n


class _Band(NamedTuple):
    """A candidate border band on one side: its width in lines, its colour, whether it is
    flat (near-constant over its whole area, no drift) and how sharply it ends."""

    width: int
    colour: np.ndarray
    flat: bool
    edge: float
    contrast: float


def _side_band(lines: np.ndarray, limit: int, tol: float, share: float) -> _Band:
    """The uniform band at the start of `lines` (n_lines, n_px, 3), measured.

    ``flat``: the band is at least 2 lines wide, and the median colour of its last line
    but one (the last may blend into the content) is within ``tol / 2`` of its first
    line's (a frame has one colour throughout; a sky fades). ``edge``: the largest
    share, over the 3 lines just after the band, of pixels farther than `tol` from the
    band colour (1 for content of another colour along the whole edge; about
    ``1 - share`` where a gradient merely drifts past `tol`). ``contrast``: the same
    share for pixels farther than ``2 tol``.
    """
    run = min(_uniform_run(lines[:limit + 1], tol, share), limit)
    colour = np.median(lines[0], axis=0)
    if run < 2:
        return _Band(run, colour, False, 0.0, 0.0)
    # the innermost line may blend band and content (the resize averages across the
    # edge): the drift is measured on the line before it
    drift = float(np.max(np.abs(np.median(lines[max(run - 2, 1)], axis=0) - colour)))
    after = lines[run:run + 3]
    if not after.shape[0]:
        return _Band(run, colour, drift <= tol / 2, 0.0, 0.0)
    dist = np.max(np.abs(after - colour), axis=2)
    edge = float(np.max(np.mean(dist > tol, axis=1)))
    contrast = float(np.max(np.mean(dist > 2 * tol, axis=1)))
    return _Band(run, colour, drift <= tol / 2, edge, contrast)


def crop_uniform_borders(rgb: np.ndarray, *, tol: float = 0.06, share: float = 0.97,
                         max_fraction: float = 0.4, min_width: float = 0.005,
                         pair_edge: float = 0.25, single_edge: float = 0.6
                         ) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Remove frames and letterbox bars from the image's edges, and nothing else.

    Definitions (applied to the four sides of the image):

    - A *band* is a run of lines (rows from the top or bottom, columns from the left
      or right) each of which is uniform along its whole length (at least `share` of
      its pixels within `tol` of the colour of the outermost line) and which is *flat*:
      at least ``max(2, min_width * side)`` lines wide and of one colour throughout
      (its innermost line but one within ``tol / 2`` of its outermost: no fade).
    - A band *ends at a sharp edge* if one of the 3 lines just inside it has at least
      a given share of its pixels farther than `tol` from the band's colour (the
      content meets the band along a straight line; a gradient, such as a sky
      fading towards the horizon, drifts past `tol` on only a few pixels at a time).
    - A *letterbox* is a pair of bands on opposite sides (top and bottom, or left and
      right) of the same colour (within `tol`), each ending at an edge of share at
      least `pair_edge`; a *frame* is two such pairs (all four sides).
    - A *single band* (a caption strip, a one-sided mat) is cropped only if its colour
      differs clearly from the content along most of the edge: at least `single_edge`
      of the pixels of one of the 3 lines inside it are farther than ``2 tol`` from
      the band's colour. (A flat dark sky over a straight sea horizon ends at a sharp
      edge, but the sea is of a similar colour: it stays.)

    Everything else stays: a flat or fading sky, a dark background, a wall, however
    much of a side it covers, is part of the picture.

    Parameters
    ----------
    rgb : ndarray, shape (H, W, 3), float in [0, 1]
    tol : float
        Largest colour deviation (per channel) from the band colour that still counts
        as band; absorbs JPEG noise (0.06 is 15 levels of 255).
    share : float
        Share of a line's pixels that must be within `tol`.
    max_fraction : float
        At most this fraction of the height (width) is removed from each side.
    min_width : float
        Least width of a band, as a fraction of the side across it (with at least 2
        lines): a one-pixel line of one colour along an edge is no frame.
    pair_edge, single_edge : float
        Least edge share of the bands of a letterbox or frame, and least contrast share
        of a single band.

    Returns
    -------
    cropped : ndarray
    box : tuple (top, bottom, left, right)
        The crop in input coordinates: ``rgb[top:bottom, left:right]``; the whole
        image when nothing is cropped.

    Notes
    -----
    Machajdik & Hanbury (2010, Sec. 3.1) crop "borders of uniform colour" before
    analysis, as frames otherwise dominate colour and composition features. The
    first version of this function cut any uniform run of up to 40 % of a side, which
    removed flat skies and dark backgrounds from 83 of the first 300 Emotion6 photos
    (none of ten inspected had a frame); these definitions keep them.

    Examples
    --------
    >>> img = np.zeros((60, 80, 3), np.float32)
    >>> img[10:50] = np.random.default_rng(0).random((40, 80, 3))  # letterboxed
    >>> crop_uniform_borders(img)[1]
    (10, 50, 0, 80)
    """
    h, w = rgb.shape[:2]
    whole = (0, h, 0, w)
    if h < 8 or w < 8:
        return rgb, whole
    mh, mw = int(h * max_fraction), int(w * max_fraction)
    cols = rgb.transpose(1, 0, 2)
    bands = [_side_band(rgb, mh, tol, share), _side_band(rgb[::-1], mh, tol, share),
             _side_band(cols, mw, tol, share), _side_band(cols[::-1], mw, tol, share)]
    least = (max(2, int(np.ceil(min_width * h))), max(2, int(np.ceil(min_width * w))))
    ok = [b.flat and b.width >= least[k // 2] for k, b in enumerate(bands)]
    crop = [False] * 4
    for a, b in ((0, 1), (2, 3)):  # letterbox pairs; a frame is both pairs
        if ok[a] and ok[b] and min(bands[a].edge, bands[b].edge) >= pair_edge \
                and np.max(np.abs(bands[a].colour - bands[b].colour)) <= tol:
            crop[a] = crop[b] = True
    for k in range(4):
        if ok[k] and bands[k].contrast >= single_edge:
            crop[k] = True
    width = [bands[k].width if crop[k] else 0 for k in range(4)]
    box = (width[0], h - width[1], width[2], w - width[3])
    if box == whole or box[1] - box[0] < 4 or box[3] - box[2] < 4:
        return rgb, whole
    return rgb[box[0]:box[1], box[2]:box[3]], box


#: Rec. 709 / sRGB luminance weights of the IHLS brightness (Hanbury & Serra 2003).
_LUMA_709 = (0.2126, 0.7152, 0.0722)
#: Rows: luminance Y, and the opponent coordinates x = R - (G + B) / 2 and
#: y = sqrt(3) (G - B) / 2 whose angle is the IHLS hue.
_IHLS_MATRIX = np.array([_LUMA_709, (1.0, -0.5, -0.5),
                         (0.0, np.sqrt(3.0) / 2.0, -np.sqrt(3.0) / 2.0)], dtype=np.float32)


def rgb_to_ihls(rgb: np.ndarray) -> np.ndarray:
    """Convert RGB in [0, 1] to IHLS: hue, saturation, luminance (Hanbury & Serra 2003).

    ``Y = 0.2126 R + 0.7152 G + 0.0722 B`` (luminance, Rec. 709 weights on the
    gamma-encoded values), ``S = max(R, G, B) - min(R, G, B)``, and the trigonometric
    hue ``H = atan2(sqrt(3) (G - B) / 2, R - (G + B) / 2) / (2 pi) mod 1``, in turns
    (0 = red, 1/3 = green, 2/3 = blue; 0 for greys, whose hue is undefined and whose
    saturation is 0).

    Returns
    -------
    ihls : ndarray of float32, shape (..., 3)
        ``(H, S, Y)`` in the order of an HSV array, each in [0, 1].

    Notes
    -----
    Machajdik & Hanbury (2010, Sec. 3.1) compute their colour features in the IHLS
    space of Hanbury & Serra, which was designed for image analysis: its saturation is
    a semi-norm of the chromatic part of the colour, independent of the brightness
    function and never larger than ``max(R, G, B)``, so a pixel within ``e`` of black
    has a saturation of at most ``e``. The HSV saturation
    ``(max - min) / max`` is ill-conditioned near black (a pixel (2, 1, 1)/255 has
    saturation 0.5): in dark photos most of its mass came from pixels of V < 0.15,
    i.e. from noise. With IHLS, the saturation of near-black noise is at most its
    amplitude, and no special case is needed.

    References
    ----------
    A. Hanbury and J. Serra, "A 3D-polar coordinate colour representation suitable for
    image analysis", PRIP-TR-77, TU Wien, 2003 (the IHLS space); A. Hanbury,
    "Constructing cylindrical coordinate colour spaces", Pattern Recognition Letters
    29(4):494-500, 2008; Machajdik & Hanbury (2010), Sec. 3.1.

    Examples
    --------
    >>> np.round(rgb_to_ihls(np.array([[1.0, 0.0, 0.0]], np.float32)), 4).tolist()
    [[0.0, 1.0, 0.2126]]
    """
    rgb = np.asarray(rgb, dtype=np.float32)
    shape = rgb.shape
    flat = np.ascontiguousarray(rgb.reshape(-1, 1, 3))
    # one pass for the three linear maps: luminance and the two opponent axes
    y, x, yy = cv2.split(cv2.transform(flat, _IHLS_MATRIX))
    r, g, b = cv2.split(flat)
    s = np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)
    hue = np.arctan2(yy, x) * np.float32(1.0 / (2.0 * np.pi))
    hue[hue < 0] += np.float32(1.0)
    hue[(hue >= 1.0) | (s <= 0.0)] = 0.0
    np.clip(y, 0.0, 1.0, out=y)
    return cv2.merge([hue, s, y]).reshape(shape)


def rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    """Convert RGB in [0, 1] to HSV (hue in turns [0, 1), S and V in [0, 1]).

    The hexcone model of Smith (1978): ``V = max``, ``S = (max - min) / max`` (0 for
    black), hue from the position of the largest channel. Hue comes from OpenCV's
    vectorised conversion; S and V are computed here, exactly, so that pure colours
    have saturation exactly 1 (OpenCV's single-precision reciprocal gives 0.9999999).
    """
    rgb = np.asarray(rgb, dtype=np.float32)
    shape = rgb.shape
    flat = np.ascontiguousarray(rgb.reshape(-1, 1, 3))
    h = cv2.cvtColor(flat, cv2.COLOR_RGB2HSV)[:, 0, 0]  # degrees in [0, 360)
    h *= np.float32(1.0 / 360.0)
    h[h >= 1.0] = 0.0
    r, g, b = flat[:, 0, 0], flat[:, 0, 1], flat[:, 0, 2]
    # Elementwise max/min of three planes: about twice as fast as a reduction over
    # the last (length-3) axis.
    v = np.maximum(np.maximum(r, g), b)
    c = v - np.minimum(np.minimum(r, g), b)
    s = np.zeros_like(v)
    np.divide(c, v, out=s, where=v > 0)
    return np.stack([h, s, v], axis=-1).reshape(shape)


def _unit_float(u8: np.ndarray) -> np.ndarray:
    """uint8 planes (grey or RGB) as float32 RGB in [0, 1], in one exact pass."""
    return np.divide(grey_to_rgb(u8), np.float32(255.0), dtype=np.float32)


def _scaled_crop(image: np.ndarray, box: tuple[int, int, int, int],
                 shape: tuple[int, int]) -> np.ndarray:
    """``image`` cut to `box`, a crop given on a resized copy of it of `shape`
    (rounded inwards, so that no line of the frame comes back)."""
    sy, sx = image.shape[0] / shape[0], image.shape[1] / shape[1]
    top, bottom = int(np.ceil(box[0] * sy)), int(np.floor(box[1] * sy))
    left, right = int(np.ceil(box[2] * sx)), int(np.floor(box[3] * sx))
    return image[top:max(bottom, top + 1), left:max(right, left + 1)]


def as_analysis(image) -> "ImageAnalysis":
    """`image` itself if it is an :class:`ImageAnalysis`, else the analysis of an image
    array: how every feature group accepts either.

    Feature groups do no I/O: a file is decoded by
    :func:`~affect_features.image.extract_image_features` or ``ImageAnalysis(path)``,
    whose analysis every group then shares.

    Raises
    ------
    ParameterError
        For a file name.
    """
    if isinstance(image, ImageAnalysis):
        return image
    if isinstance(image, (str, bytes, os.PathLike)):
        from ..errors import ParameterError

        raise ParameterError(
            f"a feature group takes an ImageAnalysis or an image array, not a file name "
            f"({os.fsdecode(image)!r}): decode it with extract_image_features(path) or "
            f"ImageAnalysis(path)")
    return ImageAnalysis(image)


class ImageAnalysis:
    """Lazily computed representations of one image, shared by all feature groups.

    Parameters
    ----------
    source : str, path or ndarray
        An image file or array (see :func:`~affect_features.image.decode.load_image`).
    pixels : int, optional
        Target size of the analysis in pixels (default :data:`ANALYSIS_PIXELS`, 40,000).
        ``None`` keeps the input's size.
    crop_borders : bool, optional
        Crop frames and letterbox bars after resizing (default True), see
        :func:`crop_uniform_borders`. When a frame is found on the resized image, the
        same box is cut from the decoded image and that is resized to `pixels`: the
        picture itself gets the whole budget of pixels, framed or not.

    Attributes
    ----------
    crop_box : tuple (top, bottom, left, right)
        The crop found, in the coordinates of the image resized to `pixels` (the
        whole of it when nothing was cropped).
    source_shape : tuple (H, W)
        Shape of the decoded image (after any JPEG draft scaling).

    Examples
    --------
    >>> import numpy as np
    >>> a = ImageAnalysis(np.zeros((10, 10, 3)) + [1.0, 0, 0])
    >>> float(a.hsv[..., 0].max()), float(a.hsv[..., 1].min())
    (0.0, 1.0)
    """

    def __init__(self, source, *, pixels: int | None = ANALYSIS_PIXELS,
                 crop_borders: bool = True, _rgb: np.ndarray | None = None):
        if _rgb is not None:
            self._rgb = _rgb
            self.crop_box = (0, _rgb.shape[0], 0, _rgb.shape[1])
            self.source_shape = _rgb.shape[:2]
        else:
            # grey images stay one plane until resized: a third of the memory for a
            # large scan, and the same pixels (the resize treats channels alike)
            decoded = load_image_planes(source, draft_pixels=pixels)
            self.source_shape = decoded.shape[:2]
            u8 = decoded if pixels is None else resize_to_pixels(decoded, pixels)
            rgb = _unit_float(u8)
            if crop_borders:
                rgb, self.crop_box = crop_uniform_borders(rgb)
                if u8 is not decoded and self.crop_box != (0, u8.shape[0], 0, u8.shape[1]):
                    # the picture inside the frame gets the whole pixel budget: cut the
                    # same box (rounded inwards) from the decoded image and resize that
                    rgb = _unit_float(resize_to_pixels(
                        _scaled_crop(decoded, self.crop_box, u8.shape[:2]), pixels))
            else:
                self.crop_box = (0, rgb.shape[0], 0, rgb.shape[1])
            self._rgb = np.ascontiguousarray(rgb)
        self._children: dict[int, ImageAnalysis] = {}

    # -- planes -----------------------------------------------------------------------
    @property
    def rgb(self) -> np.ndarray:
        """(H, W, 3) float32 RGB in [0, 1]."""
        return self._rgb

    @property
    def shape(self) -> tuple[int, int]:
        return self._rgb.shape[:2]

    @cached_property
    def hsv(self) -> np.ndarray:
        """(H, W, 3) float32 HSV; hue in [0, 1) turns, S and V in [0, 1]."""
        return rgb_to_hsv(self._rgb)

    @cached_property
    def ihls(self) -> np.ndarray:
        """(H, W, 3) float32 IHLS ``(hue, saturation, luminance)``, see :func:`rgb_to_ihls`:
        the plane every colour, texture and composition feature of schema image-2 reads."""
        return rgb_to_ihls(self._rgb)

    @cached_property
    def gray(self) -> np.ndarray:
        """(H, W) float32 luma in [0, 1]."""
        return cv2.cvtColor(self._rgb, cv2.COLOR_RGB2GRAY)

    @cached_property
    def gray_u8(self) -> np.ndarray:
        """(H, W) uint8 luma, for integer kernels (GLCM, Canny, Haar)."""
        return np.round(self.gray * 255.0).astype(np.uint8)

    @cached_property
    def rgb_u8(self) -> np.ndarray:
        return np.round(self._rgb * 255.0).astype(np.uint8)

    # -- other resolutions ------------------------------------------------------------
    def at(self, pixels: int) -> "ImageAnalysis":
        """The same analysis at about `pixels` pixels (cached; never upsampled).

        Resolutions below :data:`WORK_PIXELS` are resized from ``self.at(WORK_PIXELS)``
        (area averaging of an area average is an area average, up to the rounding of
        the grids), always, whichever was asked for first: the result does not depend
        on the order in which groups run, and the segmentation's plane costs a resize
        of the 40,000-pixel plane, not of the full image.
        """
        h, w = self.shape
        if h * w <= pixels:
            return self
        child = self._children.get(pixels)
        if child is None:
            base = self.at(WORK_PIXELS)._rgb if pixels < WORK_PIXELS else self._rgb
            child = ImageAnalysis(None, _rgb=np.ascontiguousarray(
                resize_to_pixels(base, pixels)))
            self._children[pixels] = child
        return child

    # -- segmentation -----------------------------------------------------------------
    @cached_property
    def segments(self) -> np.ndarray:
        """Region labels (int32, 0..n-1) of the image at :data:`SEGMENT_PIXELS`.

        Graph-based segmentation of Felzenszwalb & Huttenlocher (IJCV 2004) on the RGB
        image, standing in for the waterfall segmentation of Machajdik & Hanbury
        (2010, Sec. 3.3): both merge neighbouring regions bottom-up by the contrast of
        their boundary against their internal variation. The label image has the shape
        of ``self.at(SEGMENT_PIXELS)``: about 6,000 pixels (resized from the 40,000-pixel
        plane). Region counts of Emotion6 photos there rank the photos as at 12,000
        pixels, the resolution of schema image-1 (Spearman 0.94 on 160 photos, 0.89
        for the largest region's share; median 35 regions against 39; at 10,000
        pixels: 0.95 and 0.89) at 40 % of the cost (3.9 ms against 9.6), and those at
        12,000 matched 40,000. No pre-smoothing (``sigma=0``): the area-averaged
        resize already smooths, and smoothing again splits sharp region edges into
        ramps of their own.
        """
        from skimage.segmentation import felzenszwalb

        small = self.at(SEGMENT_PIXELS)
        h, w = small.shape
        min_size = max(5, int(h * w / 400))  # regions below 0.25% of the image merge
        labels = felzenszwalb(small.rgb, scale=200.0, sigma=0.0, min_size=min_size)
        return labels.astype(np.int32)

    @cached_property
    def n_segments(self) -> int:
        return int(self.segments.max()) + 1
