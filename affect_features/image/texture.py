"""Texture features of an image (Machajdik & Hanbury 2010, Sec. 3.2).

Three families of 27 values in all, in this order:

``texture.tamura.{coarseness, contrast, directionality}`` (3)
    The three Tamura features (Tamura, Mori & Yamawaki 1978) of the grey plane; see
    :func:`tamura_coarseness`, :func:`tamura_contrast`, :func:`tamura_directionality`.
``texture.wavelet.{hue, saturation, brightness}.{level1, level2, level3, sum}`` (12)
    Mean absolute detail coefficient of a three-level Daubechies (``db2``) wavelet
    decomposition of each IHLS plane (hue, saturation, luminance), level 1 being the
    finest, and the sum over the three levels (Datta et al. 2006); see
    :func:`wavelet_energies`.
``texture.glcm.{hue, saturation, brightness}.{contrast, correlation, energy, homogeneity}`` (12)
    Haralick (1973) properties of the grey-level co-occurrence matrix of each IHLS plane
    quantised to 32 levels, distance 1, averaged over 0, 45, 90 and 135 degrees; the
    hue plane is treated as a circle; see :func:`glcm_matrices`,
    :func:`glcm_properties`.

Working resolution. Every texture feature is computed on ``analysis.at(40_000)``, the
image at about 40,000 pixels (about 245 x 163 for a 3:2 photo), which is also the
colour group's resolution, so that its IHLS and grey planes are computed once and
shared. Texture features are therefore measured in pixels of that grid: e.g. wavelet
level 1 holds structure with a period of about 2 px at 40k pixels, i.e. about 4.5 px at
200k pixels. Machajdik & Hanbury compute everything at 200k pixels;
the coarser grid costs a scale factor (which the learned models absorb) but makes the
group about five times cheaper.

Hue. Hue is an angle, and achromatic pixels (saturation 0) have hue 0 (red). Like
Machajdik & Hanbury, the wavelet features use the hue plane as it is (a jump from
0.99 to 0.01 counts as a large edge). The GLCM features do better at no cost: hue is
quantised into bins centred on the circle (red centred in bin 0), the contrast and
homogeneity use the circular bin distance, and the correlation is the circular
correlation coefficient of Fisher & Lee (1983).

References
----------
.. [1] J. Machajdik and A. Hanbury, "Affective image classification using features
   inspired by psychology and art theory", Proc. ACM Multimedia, pp. 83-92, 2010.
.. [2] H. Tamura, S. Mori and T. Yamawaki, "Textural features corresponding to visual
   perception", IEEE Trans. Systems, Man and Cybernetics 8(6):460-473, 1978.
.. [3] R. Datta, D. Joshi, J. Li and J. Z. Wang, "Studying aesthetics in photographic
   images using a computational approach", Proc. ECCV, pp. 288-301, 2006.
.. [4] R. M. Haralick, K. Shanmugam and I. Dinstein, "Textural features for image
   classification", IEEE Trans. Systems, Man and Cybernetics 3(6):610-621, 1973.
.. [5] N. I. Fisher and A. J. Lee, "A correlation coefficient for circular data",
   Biometrika 70(2):327-332, 1983.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import cv2
import numpy as np

from ..errors import ParameterError
from .analysis import WORK_PIXELS, as_analysis

__all__ = [
    "texture_features",
    "tamura_coarseness",
    "tamura_contrast",
    "tamura_directionality",
    "wavelet_energies",
    "quantize_plane",
    "glcm_matrices",
    "glcm_properties",
    "FEATURE_NAMES",
    "TEXTURE_PIXELS",
    "GLCM_LEVELS",
]

#: Working resolution (pixels) of every texture feature; equal to the segmentation's
#: resolution so the IHLS and grey planes of ``analysis.at(TEXTURE_PIXELS)`` are shared.
TEXTURE_PIXELS = WORK_PIXELS
#: Number of grey levels each IHLS plane is quantised to for the co-occurrence matrices.
GLCM_LEVELS = 32
#: Wavelet of the decomposition (Daubechies, 2 vanishing moments, 4 taps).
WAVELET = "db2"
#: Number of wavelet levels (Machajdik & Hanbury 2010; Datta et al. 2006).
WAVELET_LEVELS = 3

_CHANNELS = ("hue", "saturation", "brightness")
_GLCM_PROPS = ("contrast", "correlation", "energy", "homogeneity")

#: The names returned by :func:`texture_features`, in order.
FEATURE_NAMES: tuple[str, ...] = (
    ("texture.tamura.coarseness", "texture.tamura.contrast",
     "texture.tamura.directionality")
    + tuple(f"texture.wavelet.{c}.{s}" for c in _CHANNELS
            for s in ("level1", "level2", "level3", "sum"))
    + tuple(f"texture.glcm.{c}.{p}" for c in _CHANNELS for p in _GLCM_PROPS)
)


def _plane(x, name: str) -> np.ndarray:
    """Validate a 2-D, non-empty, finite image plane and return it as float32."""
    arr = np.asarray(x)
    if arr.ndim != 2:
        raise ParameterError(f"{name} must be a 2-D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ParameterError(f"{name} has no pixels (shape {arr.shape})")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
            or arr.dtype == bool):
        raise ParameterError(f"{name} has unsupported dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} contains NaN or inf")
    return arr


# -- Tamura ---------------------------------------------------------------------------

def tamura_coarseness(gray, *, max_level: int = 5, flat_tol: float = 1e-4) -> float:
    """Tamura coarseness: the mean size of the largest scale at which the image changes.

    For every scale ``k = 0..K`` the grey plane is averaged over ``2**k x 2**k`` boxes,
    ``A_k`` (``A_0`` is the plane itself); at each pixel the difference between the two
    adjacent boxes that meet there, left and right,

    ``E_k,h(x, y) = |A_k(x + 2**(k-1), y) - A_k(x - 2**(k-1), y)|``

    (and ``E_k,v`` above and below) measures the change at that scale. The pixel's
    best size is ``S_best = 2**k`` for the ``k`` maximising ``max(E_k,h, E_k,v)``, and

    ``F_crs = mean(S_best)``                  (Tamura et al. 1978, "coarseness").

    Parameters
    ----------
    gray : ndarray, shape (H, W)
        Grey plane, values in [0, 1].
    max_level : int, optional
        Largest ``k`` (default 5: boxes of 1 to 32 px, as Tamura et al.). It is lowered
        for small images so that ``2**k < min(H, W)``.
    flat_tol : float, optional
        Pixels whose change stays below this at every scale (exactly flat
        surroundings) have no texture size and are left out of the mean.

    Returns
    -------
    coarseness : float
        In pixels of the input grid, in ``[1, 2**max_level]``; 0 for an image with no
        change at any scale (flat) or smaller than 3 px on a side.

    Notes
    -----
    Vectorised: the box means are ``cv2.blur`` (an integral-image filter) with
    reflected borders, and ``E`` is evaluated on the interior where the centres of the
    shifted boxes lie inside the image for the largest ``k`` (boxes may still reach up
    to ``2**(K-1)`` px into the reflected border). Ties go to the finer scale. Leaving
    flat pixels out (rather than giving them the finest scale, as an argmax of zeros
    would) keeps a checkerboard of large squares coarse.

    References
    ----------
    Tamura, Mori & Yamawaki (1978), coarseness; Machajdik & Hanbury (2010), Sec. 3.2.

    Examples
    --------
    >>> coarse = (np.indices((64, 64)) // 16).sum(axis=0) % 2
    >>> fine = (np.indices((64, 64)) // 2).sum(axis=0) % 2
    >>> tamura_coarseness(coarse) > tamura_coarseness(fine)
    True
    """
    g = _plane(gray, "gray")
    if not isinstance(max_level, (int, np.integer)) or max_level < 0:
        raise ParameterError(f"max_level must be an integer >= 0, got {max_level!r}")
    h, w = g.shape
    m = min(h, w)
    if m < 3:
        return 0.0
    k_max = min(int(max_level), int(np.floor(np.log2(m - 1))))
    b = max(1, 2 ** (k_max - 1))  # interior margin: the box centres stay inside
    r0, r1, c0, c1 = b, h - b, b, w - b
    best_e = None
    best_s = None
    for k in range(k_max + 1):
        s = 2 ** k
        # cv2.blur's window of size s covers [x - s//2, x - s//2 + s), so the s-wide
        # boxes [x - s, x) and [x, x + s) that meet at x are A(x - dl) and A(x + dr).
        dr, dl = s // 2, s - s // 2
        a = g if s == 1 else cv2.blur(g, (s, s), borderType=cv2.BORDER_REFLECT)
        e = np.maximum(np.abs(a[r0:r1, c0 + dr:c1 + dr] - a[r0:r1, c0 - dl:c1 - dl]),
                       np.abs(a[r0 + dr:r1 + dr, c0:c1] - a[r0 - dl:r1 - dl, c0:c1]))
        if best_e is None:
            best_e = e
            best_s = np.full(e.shape, float(s), dtype=np.float32)
        else:
            better = e > best_e
            best_e = np.where(better, e, best_e)
            best_s = np.where(better, np.float32(s), best_s)
    textured = best_e > flat_tol
    n = int(np.count_nonzero(textured))
    if n == 0:
        return 0.0
    return float(best_s[textured].sum(dtype=np.float64) / n)


def tamura_contrast(gray) -> float:
    """Tamura contrast: the spread of grey levels, discounted by their kurtosis.

    ``F_con = sigma / alpha_4 ** (1/4)``, ``alpha_4 = mu_4 / sigma**4``,

    with ``sigma`` the standard deviation and ``mu_4`` the fourth central moment of
    the grey levels (Tamura et al. 1978, "contrast", with their exponent ``n = 1/4``). A polarised
    histogram (two peaks, low kurtosis) raises it; a single peak with long tails
    lowers it.

    Parameters
    ----------
    gray : ndarray, shape (H, W)
        Grey plane, values in [0, 1].

    Returns
    -------
    contrast : float
        In grey units of [0, 1] (multiply by 255 for Tamura's 8-bit scale); at most
        0.5 (half black, half white); 0 for a flat image.

    References
    ----------
    Tamura, Mori & Yamawaki (1978), contrast; Machajdik & Hanbury (2010), Sec. 3.2.

    Examples
    --------
    >>> round(tamura_contrast(np.indices((4, 4))[1] % 2), 6)
    0.5
    """
    g = _plane(gray, "gray").astype(np.float64)
    d = g - g.mean()
    d2 = d * d
    var = d2.mean()
    if var < 1e-12:  # flat: a standard deviation below 1e-6 is float rounding
        return 0.0
    mu4 = (d2 * d2).mean()
    alpha4 = mu4 / (var * var)
    return float(np.sqrt(var) / alpha4 ** 0.25)


def tamura_directionality(gray, *, n_bins: int = 16, threshold: float = 0.02) -> float:
    """Tamura directionality: how much the edges share one orientation.

    Edge orientations ``phi = arctan2(dV, dH) mod pi`` and magnitudes
    ``|dG| = (|dH| + |dV|) / 2`` come from 3x3 Sobel derivatives (scaled to grey units
    per pixel). Their histogram over ``n_bins`` bins centred on multiples of
    ``pi / n_bins`` *counts* the pixels whose magnitude reaches the threshold, as
    Tamura et al. define it:

    ``H_D(k) = N(k) / sum_i N(i)``, with ``N(k)`` the number of pixels with
    ``|dG| >= threshold`` and ``(2k - 1) pi / (2 n) <= phi < (2k + 1) pi / (2 n)``

    (every edge pixel counts once, however strong: a faint texture of one
    orientation is as directional as a strong one). With the dominant peak ``phi_p``,

    ``F_dir = 1 - r * n_p * sum_phi d(phi, phi_p)**2 H(phi)``   (Tamura et al. 1978)

    with ``n_p = 1`` (one peak, the window being the whole circle), ``d`` the circular
    distance on ``[0, pi)`` and ``r = 12 / pi**2``, the inverse of the sum for a
    uniform histogram, so that isotropic texture scores about 0 and parallel edges
    (stripes) 1. Values below 0 (mass spread away from the peak, e.g. two crossing
    orientations) are clipped to 0.

    Parameters
    ----------
    gray : ndarray, shape (H, W)
        Grey plane, values in [0, 1].
    n_bins : int, optional
        Number of orientation bins on ``[0, pi)`` (default 16, as Tamura et al.).
    threshold : float, optional
        Least edge magnitude, in grey units per pixel, that counts (default 0.02, about
        5 levels of 255: above JPEG noise).

    Returns
    -------
    directionality : float
        In [0, 1]; 0 if no pixel reaches the threshold (flat or tiny image).

    References
    ----------
    Tamura, Mori & Yamawaki (1978), directionality; Machajdik & Hanbury (2010), Sec. 3.2.

    Examples
    --------
    >>> stripes = np.indices((32, 32))[1] // 2 % 2
    >>> tamura_directionality(stripes)
    1.0
    """
    g = _plane(gray, "gray")
    if not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
        raise ParameterError(f"n_bins must be an integer >= 2, got {n_bins!r}")
    if g.shape[0] < 3 or g.shape[1] < 3:
        return 0.0
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3, scale=0.125,
                   borderType=cv2.BORDER_REPLICATE)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3, scale=0.125,
                   borderType=cv2.BORDER_REPLICATE)
    phi = cv2.phase(gx, gy)[1:-1, 1:-1]  # [0, 2 pi), accurate to about 0.3 degrees
    mag = (0.5 * (np.abs(gx) + np.abs(gy)))[1:-1, 1:-1]  # border rows are replicas
    keep = mag >= threshold
    if not np.any(keep):
        return 0.0
    # bins centred on multiples of pi / n_bins; phi and phi + pi share a bin
    bins = (phi[keep] * (n_bins / np.pi) + 0.5).astype(np.intp) % n_bins
    hist = np.bincount(bins, minlength=n_bins).astype(np.float64)  # counts, not weights
    hist /= hist.sum()
    peak = int(np.argmax(hist))
    step = np.abs(np.arange(n_bins) - peak)
    dist = np.minimum(step, n_bins - step) * (np.pi / n_bins)
    spread = float(np.dot(dist * dist, hist))
    return float(np.clip(1.0 - spread * 12.0 / np.pi ** 2, 0.0, 1.0))


# -- wavelets -------------------------------------------------------------------------

def wavelet_energies(plane, *, wavelet: str = WAVELET, levels: int = WAVELET_LEVELS
                     ) -> np.ndarray:
    """Mean absolute detail coefficient of each level of a 2-D wavelet decomposition.

    For level ``i`` (1 = finest) with detail bands ``LH_i, HL_i, HH_i``,

    ``w_i = (sum |LH_i| + sum |HL_i| + sum |HH_i|) / (3 |b_i|)``

    where ``|b_i|`` is the number of coefficients of one band (Datta et al. 2006,
    wavelet texture features, there with ``|b_i|`` in place of ``3 |b_i|``, a constant factor 3).

    Parameters
    ----------
    plane : ndarray, shape (H, W)
        One image plane, values in [0, 1].
    wavelet : str, optional
        PyWavelets name (default ``"db2"``, the 4-tap Daubechies wavelet: short enough
        that three levels still have meaningful support at 40k pixels).
    levels : int, optional
        Number of levels (default 3).

    Returns
    -------
    energies : ndarray of float64, shape (levels,)
        ``[w_1, ..., w_levels]``, finest first. Coefficients are those of the
        orthonormal transform with symmetric border extension, so white noise has equal
        energy at every level and a flat plane 0 at all (up to float rounding, ~1e-7).
        Images too small for ``levels`` levels are still decomposed (the extended
        border then fills the coarse bands), so the result is always defined.

    References
    ----------
    Datta, Joshi, Li & Wang (2006); Machajdik & Hanbury (2010), Sec. 3.2.

    Examples
    --------
    >>> e = wavelet_energies(np.indices((64, 64)).sum(axis=0) % 2)  # period 2 px
    >>> int(np.argmax(e))  # level 1
    0
    """
    import pywt

    p = _plane(plane, "plane")
    if not isinstance(levels, (int, np.integer)) or levels < 1:
        raise ParameterError(f"levels must be a positive integer, got {levels!r}")
    try:
        pywt.Wavelet(wavelet)
    except ValueError:
        raise ParameterError(f"unknown wavelet {wavelet!r}") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "level too high" on tiny images: intended
        coeffs = pywt.wavedec2(p, wavelet, mode="symmetric", level=int(levels))
    out = np.empty(int(levels), dtype=np.float64)
    # coeffs = [cA_n, details_n, ..., details_1]: reverse so level 1 comes first
    for i, bands in enumerate(reversed(coeffs[1:])):
        total = sum(float(np.abs(b).sum()) for b in bands)  # pairwise float32 sum
        out[i] = total / (3.0 * bands[0].size)
    return out


def _wavelet_energies_stack(stack: np.ndarray) -> np.ndarray:
    """:func:`wavelet_energies` of each plane of a (n, H, W) stack in one decomposition
    (pywt transforms the last two axes of all planes at once; the same coefficients)."""
    import pywt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "level too high" on tiny images: intended
        coeffs = pywt.wavedec2(stack, WAVELET, mode="symmetric", level=WAVELET_LEVELS,
                               axes=(1, 2))
    out = np.empty((stack.shape[0], WAVELET_LEVELS), dtype=np.float64)
    for i, bands in enumerate(reversed(coeffs[1:])):
        for k in range(stack.shape[0]):
            total = sum(float(np.abs(b[k]).sum()) for b in bands)
            out[k, i] = total / (3.0 * bands[0][k].size)
    return out


# -- grey-level co-occurrence ---------------------------------------------------------

def quantize_plane(plane, *, n_levels: int = GLCM_LEVELS, circular: bool = False
                   ) -> np.ndarray:
    """Quantise a [0, 1] plane into integer levels ``0 .. n_levels - 1``.

    Linear planes use equal bins ``floor(x * n_levels)`` (values are clipped to
    [0, 1]; 1.0 goes to the top bin). Circular planes (hue in turns) use bins centred
    on ``i / n_levels``, so red (hue 0 and hue just below 1) lands in bin 0:
    ``floor((x mod 1) * n_levels + 1/2) mod n_levels``.

    Returns
    -------
    levels : ndarray of uint16, same shape
    """
    p = _plane(plane, "plane")
    if not isinstance(n_levels, (int, np.integer)) or not 2 <= n_levels <= 256:
        raise ParameterError(f"n_levels must be an integer in 2..256, got {n_levels!r}")
    if circular:
        t = np.mod(p, np.float32(1.0))
        t *= np.float32(n_levels)
        t += np.float32(0.5)
        q = t.astype(np.uint16)
        q[q >= n_levels] = 0
    else:
        t = p * np.float32(n_levels)
        np.clip(t, 0, n_levels - 1, out=t)
        q = t.astype(np.uint16)
    return q


#: Pixel offsets (drow, dcol) of the four directions at distance 1, in the convention of
#: skimage.feature.graycomatrix for angles 0, 45, 90 and 135 degrees (offset
#: ``(round(sin a), round(cos a))``, rows growing downwards).
_OFFSETS = ((0, 1), (1, 1), (1, 0), (1, -1))


def glcm_matrices(levels, *, n_levels: int = GLCM_LEVELS) -> np.ndarray:
    """Symmetric, normalised co-occurrence matrices at distance 1 in four directions.

    ``P[a, i, j]`` is the share of neighbouring pixel pairs in direction
    ``a`` (0, 45, 90, 135 degrees) with levels ``(i, j)``, counting each pair both
    ways (``P = C + C^T``), as ``skimage.feature.graycomatrix(..., symmetric=True,
    normed=True)``.

    Parameters
    ----------
    levels : ndarray of int, shape (H, W)
        Quantised plane with values in ``0 .. n_levels - 1`` (see
        :func:`quantize_plane`).
    n_levels : int, optional

    Returns
    -------
    P : ndarray of float64, shape (4, n_levels, n_levels)
        A direction without any pair (e.g. vertical pairs in a one-row image) is all
        zeros.

    References
    ----------
    Haralick, Shanmugam & Dinstein (1973), Sec. II.
    """
    q = np.asarray(levels)
    if not isinstance(n_levels, (int, np.integer)) or not 2 <= n_levels <= 256:
        raise ParameterError(f"n_levels must be an integer in 2..256, got {n_levels!r}")
    if q.ndim != 2 or q.size == 0:
        raise ParameterError(f"levels must be a non-empty 2-D array, got shape {q.shape}")
    if not np.issubdtype(q.dtype, np.integer):
        raise ParameterError(f"levels must be integers, got dtype {q.dtype}")
    if q.min() < 0 or q.max() >= n_levels:
        raise ParameterError(f"levels must lie in 0..{n_levels - 1}")
    # 4 directions x n_levels**2 codes fit in 32 bits (uint16 for n_levels <= 128)
    q = q.astype(np.uint16 if n_levels <= 128 else np.uint32, copy=False)
    h, w = q.shape
    ll = n_levels * n_levels
    first = q * q.dtype.type(n_levels)
    codes = []
    for a, (dr, dc) in enumerate(_OFFSETS):
        # pixel (r, c) pairs with (r + dr, c + dc)
        r0, r1 = max(0, -dr), min(h, h - dr)
        c0, c1 = max(0, -dc), min(w, w - dc)
        if r1 <= r0 or c1 <= c0:
            continue
        code = first[r0:r1, c0:c1] + q[r0 + dr:r1 + dr, c0 + dc:c1 + dc]
        if a:
            code += q.dtype.type(a * ll)
        codes.append(code.ravel())
    counts = np.zeros(4 * ll, dtype=np.float64)
    if codes:
        flat = np.concatenate(codes)
        if flat.dtype == np.uint16 and flat.size < 2 ** 24:
            # cv2.calcHist counts 16-bit codes about twice as fast as np.bincount
            # (exact: float32 holds integers below 2**24)
            counts = cv2.calcHist([flat.reshape(1, -1)], [0], None, [4 * ll],
                                  [0, 4 * ll]).ravel().astype(np.float64)
        else:
            counts = np.bincount(flat, minlength=4 * ll).astype(np.float64)
    c = counts.reshape(4, n_levels, n_levels)
    p = c + c.transpose(0, 2, 1)
    totals = p.sum(axis=(1, 2), keepdims=True)
    return np.divide(p, totals, out=np.zeros_like(p), where=totals > 0)


@lru_cache(maxsize=8)
def _glcm_weights(n: int, circular: bool):
    i = np.arange(n)
    d = np.abs(i[:, None] - i[None, :]).astype(np.float64)
    if circular:
        d = np.minimum(d, n - d)
    d2 = d * d
    return d2, 1.0 / (1.0 + d2)


def glcm_properties(P, *, circular: bool = False) -> dict[str, float]:
    """Haralick contrast, correlation, energy and homogeneity, averaged over directions.

    For each direction's normalised matrix ``P(i, j)`` (Haralick et al. 1973;
    the definitions of ``skimage.feature.graycoprops``):

    - contrast ``= sum P(i, j) d(i, j)**2``
    - homogeneity ``= sum P(i, j) / (1 + d(i, j)**2)``
    - energy ``= sqrt(sum P(i, j)**2)`` (square root of the angular second moment)
    - correlation ``= sum P(i, j) (i - mu)(j - mu) / sigma**2`` (the matrix is
      symmetric, so both marginals share ``mu`` and ``sigma``)

    with ``d(i, j) = |i - j|``. The four values are then averaged over the directions
    that have pixel pairs.

    For a circular plane (``circular=True``, hue), ``d(i, j) = min(|i - j|, n - |i - j|)``
    and the correlation is the circular correlation coefficient of Fisher & Lee
    (1983), with ``u = (cos t, sin t)``, ``t = 2 pi i / n``:
    ``det E[u_i u_j^T] / sqrt(det E[u_i u_i^T] det E[u_j u_j^T])``, which is
    rotation invariant (it does not depend on where the hue circle is cut).

    Parameters
    ----------
    P : ndarray, shape (n_dir, n, n)
        Normalised co-occurrence matrices (:func:`glcm_matrices`).
    circular : bool, optional

    Returns
    -------
    props : dict
        ``contrast`` (``[0, (n-1)**2]``; ``[0, (n/2)**2]`` circular), ``correlation``
        (``[-1, 1]``), ``energy`` and ``homogeneity`` (``[0, 1]``). A constant plane
        gives contrast 0, energy 1, homogeneity 1 and correlation 1: the correlation,
        otherwise undefined (zero variance), is set to 1 because each pixel predicts its
        neighbour perfectly (the convention of scikit-image >= 0.19). The circular
        correlation is likewise 1 when the hue marginal lies on one axis (one hue, or
        two opposite hues). With no pixel pairs at all (a 1x1 image) the plane counts
        as constant.

    References
    ----------
    Haralick, Shanmugam & Dinstein (1973); Fisher & Lee (1983);
    Machajdik & Hanbury (2010), Sec. 3.2.

    Examples
    --------
    >>> P = glcm_matrices(np.indices((8, 8)).sum(axis=0) % 2, n_levels=2)
    >>> glcm_properties(P)["energy"]  # doctest: +ELLIPSIS
    0.707...
    """
    P = np.asarray(P, dtype=np.float64)
    if P.ndim != 3 or P.shape[1] != P.shape[2] or P.shape[1] < 1:
        raise ParameterError(f"P must have shape (n_dir, n, n), got {P.shape}")
    P = P[P.sum(axis=(1, 2)) > 0]
    if P.shape[0] == 0:
        return {"contrast": 0.0, "correlation": 1.0, "energy": 1.0, "homogeneity": 1.0}
    n = P.shape[1]
    d2, hom_w = _glcm_weights(n, bool(circular))
    contrast = np.einsum("aij,ij->a", P, d2)
    homogeneity = np.einsum("aij,ij->a", P, hom_w)
    energy = np.sqrt(np.einsum("aij,aij->a", P, P))
    marg = P.sum(axis=2)  # (a, i): equal to the column marginal, P being symmetric
    eps = 1e-12
    if circular:
        t = 2.0 * np.pi * np.arange(n) / n
        u = np.stack([np.cos(t), np.sin(t)])  # (2, n)
        cross = np.einsum("ki,aij,lj->akl", u, P, u)  # E[u_i u_j^T], (a, 2, 2)
        auto = np.einsum("ki,ai,li->akl", u, marg, u)  # E[u u^T]
        num = np.linalg.det(cross)
        den = np.linalg.det(auto)  # same for both members of the pair (symmetric P)
        corr = np.where(den > eps, num / np.where(den > eps, den, 1.0), 1.0)
    else:
        i = np.arange(n, dtype=np.float64)
        mu = marg @ i
        c = i[None, :] - mu[:, None]  # (a, n)
        var = np.einsum("ai,ai->a", marg, c * c)
        cov = np.einsum("ai,aij,aj->a", c, P, c)
        corr = np.where(var > eps, cov / np.where(var > eps, var, 1.0), 1.0)
    corr = np.clip(corr, -1.0, 1.0)
    return {
        "contrast": float(contrast.mean()),
        "correlation": float(corr.mean()),
        "energy": float(energy.mean()),
        "homogeneity": float(homogeneity.mean()),
    }


# -- the group ------------------------------------------------------------------------

def texture_features(image) -> dict[str, float]:
    """All texture features of an image, in the order of :data:`FEATURE_NAMES`.

    Parameters
    ----------
    image : ImageAnalysis or ndarray
        An analysis, or an image array (wrapped in one).

    Returns
    -------
    features : dict of str to float
        27 values (see the module docstring), all computed on
        ``image.at(TEXTURE_PIXELS)``, each finite by its definition: a flat or tiny
        image has coarseness, contrast and directionality 0 (:func:`tamura_coarseness`,
        :func:`tamura_contrast`, :func:`tamura_directionality`), wavelet energies 0,
        and a constant plane GLCM correlation 1 (:func:`glcm_properties`).

    Examples
    --------
    >>> f = texture_features(np.full((20, 30, 3), 0.5))
    >>> f["texture.tamura.contrast"], f["texture.glcm.brightness.energy"]
    (0.0, 1.0)
    """
    analysis = as_analysis(image)
    small = analysis.at(TEXTURE_PIXELS)
    gray, hsv = small.gray, small.ihls  # (hue, saturation, luminance)
    values: list[float] = [
        tamura_coarseness(gray),
        tamura_contrast(gray),
        tamura_directionality(gray),
    ]
    stack = np.ascontiguousarray(np.moveaxis(hsv, -1, 0), dtype=np.float32)
    planes = list(stack)
    for e in _wavelet_energies_stack(stack):  # = wavelet_energies of each plane
        values.extend(float(x) for x in e)
        values.append(float(e.sum()))
    for c, p in enumerate(planes):
        circular = c == 0
        q = quantize_plane(p, n_levels=GLCM_LEVELS, circular=circular)
        props = glcm_properties(glcm_matrices(q, n_levels=GLCM_LEVELS), circular=circular)
        values.extend(props[k] for k in _GLCM_PROPS)
    return {name: float(v) for name, v in zip(FEATURE_NAMES, values)}
