"""Colour layout on a spatial pyramid: where in the picture the light and the colours are.

:func:`layout_features` returns, always in this order, 42 values: the mean CIELAB
colour of each cell of a 1 x 1, a 2 x 2 and a 3 x 3 grid over the image,

``layout.g<n>.cell_<row>_<col>.{lightness, a, b}.mean``
    ``n`` the grid size (1, 2, 3), ``row`` and ``col`` from 0 at the top left;
    lightness ``L*`` in [0, 100], ``a*`` (green - to red +) and ``b*`` (blue - to
    yellow +) in about [-128, 127], of sRGB with the D65 white (OpenCV's conversion).

The 1 x 1 cell is the global mean colour; the 2 x 2 grid tells top from bottom and left
from right (a bright sky above a dark ground, a dark vignette), the 3 x 3 grid is the
rule-of-thirds grid (its centre is the subject's cell). CIELAB is used because its
axes are perceptual (lightness apart from the two opponent colour axes) and its mean is
a meaningful average colour.

References
----------
.. [1] S. Lazebnik, C. Schmid and J. Ponce, "Beyond bags of features: spatial pyramid
   matching for recognizing natural scene categories", CVPR 2006 (the spatial pyramid
   of 1 x 1, 2 x 2, ... cells).
.. [2] B. S. Manjunath, J.-R. Ohm, V. V. Vasudevan and A. Yamada, "Color and texture
   descriptors", IEEE Trans. Circuits and Systems for Video Technology 11(6):703-715,
   2001 (MPEG-7 colour layout: the mean colour of the cells of a grid).
.. [3] CIE 15:2004, Colorimetry (CIELAB).
"""

from __future__ import annotations

import cv2
import numpy as np

from ..errors import ParameterError
from .analysis import WORK_PIXELS, as_analysis

__all__ = ["layout_features", "grid_means", "LAYOUT_NAMES", "LAYOUT_GRIDS",
           "LAYOUT_PIXELS"]

#: Grid sizes of the pyramid.
LAYOUT_GRIDS = (1, 2, 3)
#: Working resolution: the shared 40,000-pixel plane (cell means hardly change with it).
LAYOUT_PIXELS = WORK_PIXELS
_CHANNELS = ("lightness", "a", "b")
# OpenCV's 8-bit CIELAB stores L * 255 / 100, a + 128, b + 128
_LAB8_SCALE = np.array([100.0 / 255.0, 1.0, 1.0])
_LAB8_OFFSET = np.array([0.0, -128.0, -128.0])

#: Feature names, in the order :func:`layout_features` returns them.
LAYOUT_NAMES: tuple[str, ...] = tuple(
    f"layout.g{n}.cell_{i}_{j}.{c}.mean"
    for n in LAYOUT_GRIDS for i in range(n) for j in range(n) for c in _CHANNELS)


def grid_means(planes, n: int) -> np.ndarray:
    """Mean of each channel over the cells of an ``n x n`` grid.

    Cell ``(i, j)`` holds rows ``floor(i H / n)`` to ``floor((i + 1) H / n)`` and the
    columns likewise, so the cells tile the image and differ in size by at most one
    row or column; an image with fewer than ``n`` rows (columns) repeats its rows
    (columns) so that no cell is empty.

    Parameters
    ----------
    planes : ndarray, shape (H, W, C)
    n : int

    Returns
    -------
    means : ndarray of float64, shape (n, n, C)

    Examples
    --------
    >>> x = np.zeros((4, 4, 1)); x[:2] = 1.0
    >>> grid_means(x, 2)[..., 0].tolist()
    [[1.0, 1.0], [0.0, 0.0]]
    """
    x = np.asarray(planes)
    if x.ndim != 3 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ParameterError(f"planes must be a non-empty (H, W, C) array, got {x.shape}")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"n must be a positive integer, got {n!r}")
    h, w = x.shape[:2]
    if h < n or w < n:
        x = np.repeat(np.repeat(x, -(-n // h), axis=0), -(-n // w), axis=1)
        h, w = x.shape[:2]
    rows = (np.arange(n + 1) * h) // n
    cols = (np.arange(n + 1) * w) // n
    if x.shape[2] <= 4 and (x.dtype == np.uint8 or x.dtype == np.float32):
        # summed-area table (exact in float64): every cell is 4 look-ups
        table = cv2.integral(np.ascontiguousarray(x), sdepth=cv2.CV_64F)
        table = table.reshape(h + 1, w + 1, x.shape[2])
    else:
        table = np.zeros((h + 1, w + 1, x.shape[2]), dtype=np.float64)
        table[1:, 1:] = x.astype(np.float64).cumsum(axis=0).cumsum(axis=1)
    r0, r1 = rows[:-1, None], rows[1:, None]
    c0, c1 = cols[None, :-1], cols[None, 1:]
    sums = table[r1, c1] - table[r0, c1] - table[r1, c0] + table[r0, c0]
    area = ((r1 - r0) * (c1 - c0))[..., None].astype(np.float64)
    return sums / area


def layout_features(image) -> dict[str, float]:
    """All colour-layout features of an image, named as in :data:`LAYOUT_NAMES`.

    The CIELAB conversion is OpenCV's (sRGB with its gamma, D65) of the 8-bit plane
    ``image.at(LAYOUT_PIXELS).rgb_u8`` (shared with the colour names and skin), in 8-bit
    CIELAB (steps of 0.4 in L*, 1 in a* and b*, which averaging over a cell smooths;
    nine times cheaper than the float conversion); pure red is ``(53.24, 80.09,
    67.20)`` within those steps, white ``(100, 0, 0)``, black ``(0, 0, 0)``. Every
    value is defined for every image.

    Examples
    --------
    >>> f = layout_features(np.ones((30, 30, 3)))
    >>> round(f["layout.g3.cell_1_1.lightness.mean"], 3), round(f["layout.g1.cell_0_0.a.mean"], 3)
    (100.0, 0.0)
    """
    rgb_u8 = as_analysis(image).at(LAYOUT_PIXELS).rgb_u8
    lab8 = cv2.cvtColor(rgb_u8, cv2.COLOR_RGB2Lab)  # L * 255/100, a + 128, b + 128
    values = np.concatenate([(grid_means(lab8, n) * _LAB8_SCALE + _LAB8_OFFSET).ravel()
                             for n in LAYOUT_GRIDS])
    return dict(zip(LAYOUT_NAMES, (float(v) for v in values)))
