"""Spectral-residual saliency (Hou & Zhang 2007): where the eye goes, and what is there.

The saliency map is computed on the grey image shrunk to 64 pixels on its long side
(:func:`spectral_residual_saliency`) and normalised to a distribution over the image
(sums to 1). :func:`saliency_features` returns, always in this order, 14 values:

``saliency.mass.centre``
    Share of the saliency in the central cell of the 3 x 3 rule-of-thirds grid.
``saliency.mass.thirds``
    Share within a disc of radius ``sqrt(2) / 12`` around the four intersections of
    the thirds lines (the "power points" photographers put the subject on), in
    coordinates where the width and the height are 1.
``saliency.mass.border``
    Share in the outer frame 1/8 of the width and height wide.
``saliency.entropy``
    Shannon entropy of the distribution over the log of the number of pixels, in
    [0, 1]: 0 for one salient point, 1 for a uniform map (nothing stands out).
``saliency.centroid.x``, ``.y``
    Centre of mass relative to the image centre, in units of the width and height, in
    [-0.5, 0.5] (x to the right, y downwards).
``saliency.centroid.distance``
    Its distance from the centre over half the diagonal, in [0, 1].
``saliency.spread``
    RMS distance of the saliency from its centroid over half the diagonal.
``saliency.peak``
    Share of the pixels holding half of the saliency (small when it is concentrated).
``saliency.brightness.salient``, ``saliency.saturation.salient``
    Saliency-weighted mean IHLS luminance and saturation: the colour of what stands out.
``saliency.brightness.contrast``, ``saliency.saturation.contrast``
    That mean minus the mean weighted by ``1 - normalised saliency`` (the rest).
``saliency.hue.salient_warmth``
    Saliency- and saturation-weighted mean of Itten's warmth ``cos(2 pi (h - 1/12))``
    (+1 red-orange, -1 blue-green), in [-1, 1]; 0 when the salient part is grey.

Undefined cases: a flat image (grey RMS contrast below 1e-6) has no spectral residual;
its saliency map is defined as uniform (nothing stands out), which gives entropy 1,
centroid 0, the area shares of the regions, and contrasts 0.

References
----------
.. [1] X. Hou and L. Zhang, "Saliency detection: a spectral residual approach", CVPR
   2007 (Eq. 5-9; 64-pixel input, 3 x 3 mean filter on the log spectrum, Gaussian
   smoothing of the map).
.. [2] Itten (1961), warm and cold colours (see :func:`affect_features.image.color.warmth`).
"""

from __future__ import annotations

import cv2
import numpy as np
import scipy.fft
import scipy.ndimage

from ..errors import ParameterError
from .analysis import WORK_PIXELS, as_analysis
from .color import warmth

__all__ = ["saliency_features", "spectral_residual_saliency", "saliency_statistics",
           "SALIENCY_NAMES", "SALIENCY_SIZE"]

#: Long side (pixels) of the image the saliency is computed on (Hou & Zhang: 64).
SALIENCY_SIZE = 64
#: Standard deviation (pixels at SALIENCY_SIZE) of the Gaussian smoothing of the map:
#: 2.5, the value of the authors' reference MATLAB code
#: (``fspecial('gaussian', [10 10], 2.5)`` on the 64-pixel map).
_SMOOTH_SIGMA = 2.5
_FLAT_RMS = 1e-6

#: Feature names, in the order :func:`saliency_features` returns them.
SALIENCY_NAMES: tuple[str, ...] = (
    "saliency.mass.centre", "saliency.mass.thirds", "saliency.mass.border",
    "saliency.entropy", "saliency.centroid.x", "saliency.centroid.y",
    "saliency.centroid.distance", "saliency.spread", "saliency.peak",
    "saliency.brightness.salient", "saliency.saturation.salient",
    "saliency.brightness.contrast", "saliency.saturation.contrast",
    "saliency.hue.salient_warmth",
)


def spectral_residual_saliency(gray) -> np.ndarray:
    """Saliency map of a grey plane by the spectral residual, as a distribution.

    With ``F`` the 2-D Fourier transform of the plane, amplitude ``A = |F|`` and phase
    ``P``, the log spectrum ``L = log A`` minus its local average (3 x 3 mean filter
    ``h_3``) is the spectral residual ``R = L - h_3 * L``; the map is
    ``S = g * |F^-1[exp(R + i P)]|^2`` with ``g`` a Gaussian (Hou & Zhang 2007,
    Eq. 5-9). The plane's mean is removed first (its DC term would otherwise dominate
    the reconstruction and add a constant to the map), the 3 x 3 average wraps around
    the periodic spectrum, and, as the authors' code rescales the map to [0, 1]
    (``mat2gray``), its minimum is subtracted before it is normalised to sum 1.

    Parameters
    ----------
    gray : ndarray, shape (H, W)
        Any size; use about 64 pixels on the long side, the scale at which the method
        finds objects rather than texture.

    Returns
    -------
    saliency : ndarray of float64, shape (H, W)
        Non-negative, summing to 1. Uniform (``1 / (H W)`` everywhere) for a flat
        plane (RMS contrast below 1e-6), which has no residual to measure.

    Examples
    --------
    >>> s = spectral_residual_saliency(np.zeros((48, 64)))
    >>> float(s.sum()), float(s.max() * s.size)
    (1.0, 1.0)
    """
    g = np.asarray(gray, dtype=np.float64)
    if g.ndim != 2 or g.size == 0:
        raise ParameterError(f"gray must be a non-empty 2-D array, got shape {g.shape}")
    if not np.all(np.isfinite(g)):
        raise ParameterError("gray contains NaN or inf")
    x = g - g.mean()
    if float(np.sqrt(np.mean(x * x))) < _FLAT_RMS or min(g.shape) < 3:
        return np.full(g.shape, 1.0 / g.size)
    spec = scipy.fft.fft2(x)  # zero mean: the DC term (mean brightness) is no structure
    amp = np.abs(spec)
    log_amp = np.log(amp + 1e-12 * amp.max())  # finite where the amplitude is 0
    # the spectrum is periodic: its 3 x 3 average wraps around
    residual = log_amp - scipy.ndimage.uniform_filter(log_amp, size=3, mode="wrap")
    sal = np.abs(scipy.fft.ifft2(np.exp(residual) * np.exp(1j * np.angle(spec)))) ** 2
    sal = cv2.GaussianBlur(sal, (0, 0), _SMOOTH_SIGMA, borderType=cv2.BORDER_REFLECT)
    sal = sal - sal.min()  # as the reference code's mat2gray: the floor is no saliency
    total = float(sal.sum())
    if not np.isfinite(total) or total <= 0.0:
        return np.full(g.shape, 1.0 / g.size)
    return sal / total


def saliency_statistics(saliency) -> dict[str, float]:
    """Where a saliency distribution lies: the geometric features of the module docstring.

    Parameters
    ----------
    saliency : ndarray, shape (H, W)
        Non-negative weights (normalised here to sum 1); all zero counts as uniform.

    Returns
    -------
    dict
        ``mass.centre``, ``mass.thirds``, ``mass.border``, ``entropy``, ``centroid.x``,
        ``centroid.y``, ``centroid.distance``, ``spread``, ``peak``. Pixel ``(r, c)``
        sits at ``((c + 0.5) / W, (r + 0.5) / H)`` in the unit square.

    Examples
    --------
    >>> s = np.zeros((9, 9)); s[4, 4] = 1.0           # one point at the centre
    >>> st = saliency_statistics(s)
    >>> st["mass.centre"], st["entropy"], st["centroid.x"], st["spread"]
    (1.0, 0.0, 0.0, 0.0)
    """
    s = np.asarray(saliency, dtype=np.float64)
    if s.ndim != 2 or s.size == 0 or not np.all(np.isfinite(s)) or np.any(s < 0):
        raise ParameterError("saliency must be a non-empty 2-D array of finite values >= 0")
    total = s.sum()
    p = s / total if total > 0 else np.full(s.shape, 1.0 / s.size)
    h, w = p.shape
    y = (np.arange(h) + 0.5) / h
    x = (np.arange(w) + 0.5) / w
    py, px = p.sum(axis=1), p.sum(axis=0)
    cy, cx = float(py @ y), float(px @ x)
    half_diag = float(0.5 * np.hypot(1.0, 1.0))  # in the unit square (x, y per axis)
    rows = (y >= 1 / 3) & (y < 2 / 3)
    cols = (x >= 1 / 3) & (x < 2 / 3)
    yy, xx = np.meshgrid(y, x, indexing="ij")
    radius = np.hypot(1.0, 1.0) / 12.0
    near = np.zeros(p.shape, dtype=bool)
    for ty in (1 / 3, 2 / 3):
        for tx in (1 / 3, 2 / 3):
            near |= np.hypot(yy - ty, xx - tx) <= radius
    border = (yy < 1 / 8) | (yy > 7 / 8) | (xx < 1 / 8) | (xx > 7 / 8)
    nz = p[p > 0]
    entropy = float(-(nz * np.log(nz)).sum() / np.log(p.size)) if p.size > 1 else 0.0
    spread = float(np.sqrt(np.sum(p * ((yy - cy) ** 2 + (xx - cx) ** 2)))) / half_diag
    ordered = np.sort(p.ravel())[::-1]
    n_half = int(np.searchsorted(np.cumsum(ordered), 0.5 - 1e-12)) + 1
    return {
        "mass.centre": float(p[np.ix_(rows, cols)].sum()),
        "mass.thirds": float(p[near].sum()),
        "mass.border": float(p[border].sum()),
        "entropy": min(1.0, max(0.0, entropy)),
        "centroid.x": cx - 0.5,
        "centroid.y": cy - 0.5,
        "centroid.distance": float(np.hypot(cx - 0.5, cy - 0.5)) / half_diag,
        "spread": spread,
        "peak": min(n_half, p.size) / p.size,
    }


def saliency_features(image) -> dict[str, float]:
    """All saliency features of an image, named as in :data:`SALIENCY_NAMES`.

    The map is computed on the grey plane of ``image.at(WORK_PIXELS)`` shrunk to
    :data:`SALIENCY_SIZE` pixels on the long side; the colour statistics weight the
    IHLS planes shrunk to the same grid.

    Examples
    --------
    >>> f = saliency_features(np.full((48, 64, 3), 0.5))    # flat: uniform saliency
    >>> f["saliency.entropy"], f["saliency.centroid.x"], f["saliency.brightness.contrast"]
    (1.0, 0.0, 0.0)
    """
    small = as_analysis(image).at(WORK_PIXELS)
    h, w = small.shape
    scale = SALIENCY_SIZE / max(h, w)
    size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    gray = cv2.resize(small.gray, size, interpolation=interp)
    ihls = cv2.resize(small.ihls, size, interpolation=interp)
    if ihls.ndim == 2:  # a one-pixel-wide result keeps its channel axis
        ihls = ihls.reshape(size[1], size[0], 3)
    sal = spectral_residual_saliency(gray)
    stats = saliency_statistics(sal)
    out = {f"saliency.{k}": v for k, v in stats.items()}
    weight = sal / sal.sum()
    rest = sal.max() - sal
    rest = rest / rest.sum() if rest.sum() > 0 else weight
    hue, sat, lum = (ihls[..., k].astype(np.float64) for k in range(3))
    b_sal, s_sal = float(np.sum(weight * lum)), float(np.sum(weight * sat))
    out["saliency.brightness.salient"] = b_sal
    out["saliency.saturation.salient"] = s_sal
    out["saliency.brightness.contrast"] = b_sal - float(np.sum(rest * lum))
    out["saliency.saturation.contrast"] = s_sal - float(np.sum(rest * sat))
    ws = weight * sat
    warm = warmth(hue)
    out["saliency.hue.salient_warmth"] = float(np.sum(ws * warm) / ws.sum()) \
        if ws.sum() > 1e-12 else 0.0
    return {name: out[name] for name in SALIENCY_NAMES}
