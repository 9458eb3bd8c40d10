"""Colour features of an image (Machajdik & Hanbury 2010, Sec. 3.2, "Color").

Every value is a float, finite for every valid input, with the same names in the same
order for every image (54 values):

=====================================  ======================================================
``color.saturation.mean``, ``.std``    IHLS saturation statistics, :func:`saturation_brightness`
``color.brightness.mean``, ``.std``    IHLS luminance (brightness) statistics
``color.pad.pleasure``,                pleasure, arousal, dominance from mean brightness and
``.arousal``, ``.dominance``           saturation (Valdez & Mehrabian 1994),
                                       :func:`pleasure_arousal_dominance`
``color.hue.mean_cos``, ``.mean_sin``  saturation-weighted circular mean of hue, as a vector,
``color.hue.spread``                   and its circular spread, :func:`hue_statistics`
``color.hue.spread_chromatic``         unweighted circular spread of the chromatic pixels
``color.brightness.p10``, ``.p90``,    percentiles of brightness and saturation,
``color.saturation.p90``               :func:`brightness_saturation_percentiles`
``color.hue.hist.<00..11>``            saturation-weighted 12-bin hue histogram,
                                       :func:`hue_histogram`
``color.colorfulness``                 Hasler & Suesstrunk (2003), :func:`colorfulness`
``color.names.<name>``                 area fractions of the 11 basic colour terms of Berlin &
                                       Kay (1969), :func:`color_name_fractions`
``color.itten.<contrast>.mean/.max``   Itten's contrasts between adjacent regions: light_dark,
                                       saturation, hue, complementary, warm_cold,
                                       :func:`itten_pair_contrasts`
``color.itten.harmony.mean/.min``      closeness of region hues to Itten's harmonic chords,
                                       :func:`itten_harmony`
``color.itten.hue_count``,             number and circular extent of Itten's 12 hues present,
``color.itten.hue_spread``             :func:`itten_hue_count_spread`
``color.itten.warm_area``,             area fractions of warm and of cold regions,
``color.itten.cold_area``              :func:`itten_warm_cold_area`
=====================================  ======================================================

Conventions: hue is a fraction of a turn in [0, 1) (0 = red, 1/3 = green, 2/3 = blue),
saturation S and brightness V are in [0, 1]: in the pipeline they are the IHLS
planes of :func:`~affect_features.image.analysis.rgb_to_ihls` (Hanbury & Serra 2003, the
space Machajdik & Hanbury 2010 use: ``S = max - min``, ``V = Y`` the Rec. 709
luminance), so that near-black pixels, whose HSV saturation is noise, have a small
saturation; the functions accept any (hue, saturation, brightness) array, HSV included,
and the names say "hsv" for that generic layout. Circular distances between hues are
in turns, in [0, 0.5].

Resolution: pixel statistics are computed on ``analysis.at(COLOR_PIXELS)`` (40,000
pixels, the working resolution the texture group shares, so one IHLS plane serves both),
region statistics (Itten) on the plane of the shared segmentation
(``SEGMENT_PIXELS``). Means, spreads and area fractions of a photo hardly change when it
is shrunk by area averaging; standard deviations shrink slightly (fine texture is
averaged out), identically for every image.

References
----------
.. [1] J. Machajdik and A. Hanbury, "Affective image classification using features
   inspired by psychology and art theory", ACM Multimedia 2010, pp. 83-92, Sec. 3.2.
.. [2] P. Valdez and A. Mehrabian, "Effects of color on emotions", Journal of
   Experimental Psychology: General 123(4):394-409, 1994.
.. [3] D. Hasler and S. Suesstrunk, "Measuring colourfulness in natural images",
   Proc. SPIE 5007, Human Vision and Electronic Imaging VIII, 2003.
.. [4] B. Berlin and P. Kay, "Basic Color Terms: Their Universality and Evolution",
   University of California Press, 1969.
.. [5] J. Itten, "The Art of Color", Reinhold, 1961 (Van Nostrand Reinhold, 1973).
.. [6] A. Hanbury, "Circular statistics applied to colour images", 8th Computer
   Vision Winter Workshop, 2003; K. V. Mardia and P. E. Jupp, "Directional
   Statistics", Wiley, 2000, Sec. 2.3.
.. [7] Y. Ke, X. Tang and F. Jing, "The design of high-level features for photo
   quality assessment", CVPR 2006 (the hue count feature).
.. [8] W3C, "CSS Color Module Level 4", Sec. 6.1 (named colours, the X11 set).
.. [9] J. van de Weijer, C. Schmid, J. Verbeek and D. Larlus, "Learning color names
   for real-world applications", IEEE Trans. Image Processing 18(7):1512-1523, 2009.
.. [10] W. Wang, Y. Yu and S. Jiang, "Image retrieval by emotional semantics: a study
   of emotional space and feature extraction", IEEE Int. Conf. on Systems, Man and
   Cybernetics (SMC), 2006.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import cv2
import numpy as np

from ..errors import ParameterError
from .analysis import SEGMENT_PIXELS, WORK_PIXELS, as_analysis

__all__ = [
    "hue_histogram",
    "brightness_saturation_percentiles",
    "HUE_BINS",
    "color_features",
    "saturation_brightness",
    "pleasure_arousal_dominance",
    "hue_statistics",
    "colorfulness",
    "color_name_fractions",
    "region_statistics",
    "adjacent_region_pairs",
    "hue_distance",
    "warmth",
    "itten_pair_contrasts",
    "itten_harmony",
    "itten_hue_count_spread",
    "itten_warm_cold_area",
    "Regions",
    "COLOR_NAMES",
    "COLOR_PIXELS",
    "CHROMATIC_SATURATION",
    "CHROMATIC_VALUE",
]

#: Working resolution of the pixel statistics: that of the texture group, to share planes.
COLOR_PIXELS = WORK_PIXELS
#: A pixel or region is *chromatic* (its hue is meaningful) if its saturation is at
#: least this and its brightness at least :data:`CHROMATIC_VALUE`. Ke et al. (2006)
#: use HSV S > 0.2 and V in [0.15, 0.95] for their hue count: the brightness bound
#: guards HSV's saturation, which is noise near black. IHLS saturation ``max - min``
#: >= 0.2 already implies ``max(R, G, B) >= 0.2``, and a luminance bound would exclude
#: pure blue (Y = 0.07): so no brightness bound (0) in schema image-2.
CHROMATIC_SATURATION = 0.2
CHROMATIC_VALUE = 0.0

#: The 11 basic colour terms of Berlin & Kay (1969), in the order of the features.
COLOR_NAMES = ("black", "blue", "brown", "gray", "green", "orange", "pink", "purple",
               "red", "white", "yellow")

# Prototypes of the colour names: the CSS / X11 named colours [8] whose name is one of
# the basic terms or a variety of it (e.g. navy, royalblue, skyblue -> blue), in sRGB
# 0-255. Several prototypes per term cover its dark, light and desaturated members.
_PROTOTYPES = {
    "black": [(0, 0, 0)],
    "blue": [(0, 0, 255), (0, 0, 128), (65, 105, 225), (70, 130, 180), (135, 206, 235),
             (0, 255, 255), (0, 139, 139), (25, 25, 112)],
    "brown": [(150, 75, 0), (139, 69, 19), (101, 67, 33), (165, 42, 42), (160, 82, 45),
              (210, 180, 140)],
    "gray": [(128, 128, 128), (169, 169, 169)],
    "green": [(0, 128, 0), (0, 255, 0), (34, 139, 34), (144, 238, 144), (85, 107, 47),
              (128, 128, 0), (0, 100, 0), (46, 139, 87)],
    "orange": [(255, 165, 0), (255, 128, 0), (255, 140, 0), (255, 127, 80)],
    "pink": [(255, 192, 203), (255, 105, 180), (219, 112, 147), (255, 20, 147)],
    "purple": [(128, 0, 128), (160, 32, 240), (148, 0, 211), (238, 130, 238),
               (75, 0, 130), (147, 112, 219), (221, 160, 221)],
    "red": [(255, 0, 0), (200, 20, 30), (139, 0, 0), (128, 0, 0), (220, 20, 60)],
    "white": [(255, 255, 255)],
    "yellow": [(255, 255, 0), (255, 215, 0), (240, 230, 140)],
}
_PROTO_RGB = np.array([c for n in COLOR_NAMES for c in _PROTOTYPES[n]],
                      dtype=np.float32).reshape(-1, 1, 3) / 255.0
_PROTO_NAME = np.array([i for i, n in enumerate(COLOR_NAMES) for _ in _PROTOTYPES[n]],
                       dtype=np.intp)
_NAME_BITS = 5  # 32 levels per channel: the RGB grid of van de Weijer et al.'s table


@lru_cache(maxsize=1)
def _name_table() -> np.ndarray:
    """Colour-name index of every cell of a 32 x 32 x 32 RGB grid (cell centres).

    A constant, built once on first use (about 10 ms, not paid at import), so that
    naming a pixel is one table look-up instead of a distance computation.
    """
    levels = 1 << _NAME_BITS
    centres = (np.arange(levels, dtype=np.float32) * (256 // levels)
               + (256 // levels - 1) / 2.0) / 255.0
    r, g, b = np.meshgrid(centres, centres, centres, indexing="ij")
    grid = np.stack([r.ravel(), g.ravel(), b.ravel()], axis=-1).reshape(-1, 1, 3)
    lab = cv2.cvtColor(grid, cv2.COLOR_RGB2Lab).reshape(-1, 3)
    proto = cv2.cvtColor(_PROTO_RGB, cv2.COLOR_RGB2Lab).reshape(-1, 3)
    best = np.full(lab.shape[0], np.inf, dtype=np.float32)
    name = np.zeros(lab.shape[0], dtype=np.uint8)
    for p, k in zip(proto, _PROTO_NAME):  # one prototype at a time: small temporaries
        d = np.sum((lab - p) ** 2, axis=1)
        closer = d < best
        best[closer] = d[closer]
        name[closer] = k
    return name


# Itten's harmonic chords relative to a key hue, in turns: the hue itself, the
# complementary dyad (1/2), the triad (1/3, 2/3) and the square tetrad (1/4, 3/4) [5].
_HARMONIC_OFFSETS = np.array([0.0, 0.25, 1.0 / 3.0, 0.5, 2.0 / 3.0, 0.75])
#: Largest distance (turns) of any hue from the nearest chord hue: half the widest gap.
_HARMONY_SCALE = 0.125
#: Itten's warmest hue is red-orange, the coldest blue-green, opposite it [5].
_WARMEST_HUE = 1.0 / 12.0
#: Half-width (turns) of the window around 180 degrees that counts as complementary.
_COMPLEMENT_WIDTH = 1.0 / 8.0
#: Ke et al. (2006): a hue bin counts if it holds at least this share of the largest.
_HUE_COUNT_ALPHA = 0.05


# -- validation -------------------------------------------------------------------------
def _check_planes(arr, name: str, channels: int | None = 3) -> np.ndarray:
    arr = np.asarray(arr)
    if channels is None:
        ok = arr.ndim >= 1
    else:
        ok = arr.ndim >= 2 and arr.shape[-1] == channels
    if not ok or arr.size == 0:
        want = "(..., 3)" if channels == 3 else "non-empty"
        raise ParameterError(f"{name} must be a non-empty array of shape {want}, "
                             f"got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise ParameterError(f"{name} must be a real numeric array, got {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} contains NaN or inf")
    return arr


# -- global pixel statistics ---------------------------------------------------------------
def saturation_brightness(hsv) -> tuple[float, float, float, float]:
    """Mean and standard deviation of saturation and brightness.

    Parameters
    ----------
    hsv : ndarray, shape (..., 3)
        Hue in turns, saturation and value in [0, 1].

    Returns
    -------
    s_mean, s_std, v_mean, v_std : float
        Population statistics over all pixels (std is 0 for a flat image).

    References
    ----------
    Machajdik & Hanbury (2010), Sec. 3.2, "Saturation, Brightness".

    Examples
    --------
    >>> saturation_brightness(np.array([[[0.0, 1.0, 1.0], [0.0, 0.0, 0.5]]]))
    (0.5, 0.5, 0.75, 0.25)
    """
    hsv = _check_planes(hsv, "hsv")
    s = hsv[..., 1]
    v = hsv[..., 2]
    f8 = np.float64  # accumulate in double precision whatever the input
    return (float(s.mean(dtype=f8)), float(s.std(dtype=f8)),
            float(v.mean(dtype=f8)), float(v.std(dtype=f8)))


def pleasure_arousal_dominance(brightness: float, saturation: float) -> tuple[float, float, float]:
    """Pleasure, arousal and dominance predicted from brightness and saturation.

    ``P = 0.69 V + 0.22 S``, ``A = -0.31 V + 0.60 S``, ``D = -0.76 V + 0.32 S``.

    Parameters
    ----------
    brightness, saturation : float
        Mean brightness ``V`` and saturation ``S`` of the image, in [0, 1] (IHLS
        luminance and saturation in the pipeline).

    Returns
    -------
    pleasure, arousal, dominance : float

    Notes
    -----
    Valdez & Mehrabian fitted these regressions on *standardised* Munsell brightness
    and saturation of colour chips; Machajdik & Hanbury (2010, Sec. 3.2, Eq. 1-3)
    apply them unchanged to the mean brightness and saturation of a photo, and so
    do we. The values are therefore relative scores, not calibrated PAD ratings.

    References
    ----------
    Valdez & Mehrabian (1994), the regression equations of the abstract;
    Machajdik & Hanbury (2010), Sec. 3.2, Eq. 1-3.

    Examples
    --------
    >>> [round(x, 2) for x in pleasure_arousal_dominance(1.0, 0.0)]
    [0.69, -0.31, -0.76]
    """
    v, s = float(brightness), float(saturation)
    if not (np.isfinite(v) and np.isfinite(s)):
        raise ParameterError("brightness and saturation must be finite numbers")
    return 0.69 * v + 0.22 * s, -0.31 * v + 0.60 * s, -0.76 * v + 0.32 * s


def _unit_vectors(hue) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin of hue angles given in turns (single precision: 1e-7 is plenty
    for statistics and the trigonometry is 5-10 times faster than in double)."""
    theta = np.asarray(hue, dtype=np.float32) * np.float32(2.0 * np.pi)
    return np.cos(theta), np.sin(theta)


def hue_statistics(hsv, *, min_saturation: float = CHROMATIC_SATURATION,
                   min_value: float = CHROMATIC_VALUE) -> tuple[float, float, float, float]:
    """Circular statistics of hue: weighted mean direction and spreads.

    Hue is an angle, so it is averaged as a unit vector ``(cos 2 pi h, sin 2 pi h)``:
    red at 0.99 and 0.01 turns averages to red, not cyan.

    Parameters
    ----------
    hsv : ndarray, shape (..., 3)
    min_saturation, min_value : float, keyword-only
        Thresholds of the chromatic pixels used by ``spread_chromatic``.

    Returns
    -------
    mean_cos, mean_sin : float
        ``(cos, sin)`` of the saturation-weighted circular mean hue, i.e. the unit
        vector of ``sum_i S_i exp(2 pi i h_i)``. (0, 0) if that resultant vanishes
        (``R < 1e-5``: grey image, or hues cancelling exactly).
    spread : float
        Saturation-weighted circular variance ``1 - R``, with
        ``R = |sum_i S_i exp(2 pi i h_i)| / sum_i S_i`` in [0, 1]: 0 for one hue, 1 for
        hues spread evenly around the circle. 1 if all pixels are grey (no hue).
    spread_chromatic : float
        Unweighted circular variance ``1 - R`` over the chromatic pixels only
        (``S >= min_saturation`` and ``V >= min_value``), whose hue is reliable;
        1 if there are none.

    Notes
    -----
    Machajdik & Hanbury (2010, Sec. 3.2) compute "vector-based circular statistics"
    of hue (mean hue and angular dispersion, with and without saturation weighting)
    after Hanbury (2003). The mean is reported as its cosine and sine so that the
    feature is continuous across red (hue 0 = 1).

    References
    ----------
    Hanbury (2003); Mardia & Jupp (2000), Sec. 2.3.2 (mean direction, circular variance).

    Examples
    --------
    >>> hsv = np.array([[[0.99, 1.0, 1.0], [0.01, 1.0, 1.0]]])
    >>> c, s, spread, _ = hue_statistics(hsv)
    >>> round(c, 6), round(s, 6), spread < 0.01
    (1.0, 0.0, True)
    """
    hsv = _check_planes(hsv, "hsv")
    h = hsv[..., 0].ravel()
    s = hsv[..., 1].ravel().astype(np.float32, copy=False)
    v = hsv[..., 2].ravel()
    cos, sin = _unit_vectors(h)
    f8 = np.float64
    c = float(np.sum(s * cos, dtype=f8))
    sn = float(np.sum(s * sin, dtype=f8))
    total = float(np.sum(s, dtype=f8))
    length = float(np.hypot(c, sn))
    # R below 1e-5 is rounding noise of single-precision trigonometry: no direction
    if total > 1e-9 and length > 1e-5 * total:
        mean_cos, mean_sin = c / length, sn / length
        spread = min(1.0, max(0.0, 1.0 - length / total))
    else:
        mean_cos = mean_sin = 0.0
        spread = 1.0
    chromatic = (s >= min_saturation) & (v >= min_value)
    n = int(np.count_nonzero(chromatic))
    if n:
        r = float(np.hypot(np.sum(cos[chromatic], dtype=f8),
                           np.sum(sin[chromatic], dtype=f8))) / n
        spread_chromatic = min(1.0, max(0.0, 1.0 - r))
    else:
        spread_chromatic = 1.0
    return float(mean_cos), float(mean_sin), float(spread), float(spread_chromatic)


HUE_BINS = 12


def hue_histogram(hsv, *, bins: int = HUE_BINS) -> np.ndarray:
    """Saturation-weighted histogram of hue in `bins` equal sectors of the circle.

    Each pixel votes for its hue sector with its saturation, and the votes are divided
    by the number of pixels, so a bin is the *chromatic area* of that hue (grey pixels
    vote for nothing, and the bins of a grey image are all 0; of a pure red one, bin 0
    is 1). The sectors are centred on the hues ``k / bins`` (bin 0 on red), the twelve
    hues of Itten's colour circle for ``bins=12``.

    Parameters
    ----------
    hsv : ndarray, shape (..., 3)
    bins : int, keyword-only

    Returns
    -------
    hist : ndarray of float64, shape (bins,)
        Sums to the mean saturation of the image.

    Notes
    -----
    Machajdik & Hanbury (2010, Sec. 3.2) use hue statistics and Itten's 12-hue circle;
    the hue histogram is the standard colour-distribution descriptor of the affective
    image literature (e.g. Yanulevskaya et al. 2008; Zhao et al. 2014).

    Examples
    --------
    >>> hue_histogram(np.array([[[0.0, 1.0, 1.0], [0.5, 0.5, 1.0]]]))[[0, 6]]
    array([0.5 , 0.25])
    """
    hsv = _check_planes(hsv, "hsv")
    if bins < 1:
        raise ParameterError(f"bins must be >= 1, got {bins}")
    h = hsv[..., 0].ravel().astype(np.float64)
    w = hsv[..., 1].ravel().astype(np.float64)
    idx = np.floor((h * bins + 0.5) % bins).astype(np.intp)
    idx[idx >= bins] = 0
    return np.bincount(idx, weights=w, minlength=bins)[:bins] / max(h.size, 1)


def brightness_saturation_percentiles(hsv) -> tuple[float, float, float]:
    """The 10th and 90th percentiles of brightness and the 90th of saturation.

    Robust versions of the darkest and brightest parts and of the most saturated part
    of the image: the mean alone cannot tell a low-key photo with a bright highlight
    from a uniformly dim one.

    Returns
    -------
    v_p10, v_p90, s_p90 : float in [0, 1]
    """
    hsv = _check_planes(hsv, "hsv")
    v = hsv[..., 2].ravel()
    sat = hsv[..., 1].ravel()
    v10, v90 = _percentiles(v, (10.0, 90.0))
    (s90,) = _percentiles(sat, (90.0,))
    return v10, v90, s90


def _percentiles(x: np.ndarray, qs) -> list[float]:
    """``np.percentile(x, qs)`` (linear interpolation between order statistics), with
    one partial sort for all of them instead of one per call."""
    n = x.size
    pos = [q / 100.0 * (n - 1) for q in qs]
    ks = sorted({int(np.floor(p)) for p in pos} | {int(np.ceil(p)) for p in pos})
    part = np.partition(x, ks)
    out = []
    for p in pos:
        lo, hi = int(np.floor(p)), int(np.ceil(p))
        a, b = float(part[lo]), float(part[hi])
        out.append(a + (b - a) * (p - lo))
    return out


def colorfulness(rgb) -> float:
    """Colourfulness of Hasler & Suesstrunk (2003).

    With opponent channels ``rg = R - G`` and ``yb = (R + G) / 2 - B`` on 0-255 RGB,
    ``M = sqrt(std_rg^2 + std_yb^2) + 0.3 sqrt(mean_rg^2 + mean_yb^2)``.

    Parameters
    ----------
    rgb : ndarray, shape (..., 3)
        RGB in [0, 1] (floats) or 0-255 (uint8).

    Returns
    -------
    M : float
        0 for any grey image; about 15 "slightly", 33 "moderately", 59 "quite",
        82 "highly" colourful photos on Hasler & Suesstrunk's scale; photos stay
        below about 200 (the bound for 8-bit RGB is about 470).

    Notes
    -----
    Machajdik & Hanbury (2010, Sec. 3.2) measure colourfulness after Datta et al.
    (2006) as the Earth Mover's Distance between the image's colour histogram and a
    uniform one. We use the Hasler-Suesstrunk metric instead: it is the standard
    published measure, agrees closely with observers' ratings in their study, and
    costs a few array reductions.

    References
    ----------
    Hasler & Suesstrunk (2003): the metric M^(3) and its scale of colourfulness
    attributes.

    Examples
    --------
    >>> colorfulness(np.full((4, 4, 3), 0.5))
    0.0
    >>> round(colorfulness(np.array([[[1.0, 0.0, 0.0]]])), 2)  # 0.3 * hypot(255, 127.5)
    85.53
    """
    rgb = _check_planes(rgb, "rgb")
    scale = 1.0 if rgb.dtype == np.uint8 else 255.0
    x = rgb.reshape(-1, 3).astype(np.float32) * np.float32(scale)
    rg = x[:, 0] - x[:, 1]
    yb = np.float32(0.5) * (x[:, 0] + x[:, 1]) - x[:, 2]
    f8 = np.float64
    m = (np.hypot(rg.std(dtype=f8), yb.std(dtype=f8))
         + 0.3 * np.hypot(rg.mean(dtype=f8), yb.mean(dtype=f8)))
    return float(m)


def color_name_fractions(rgb) -> np.ndarray:
    """Area fractions of the 11 basic colour terms (Berlin & Kay 1969).

    Each pixel gets the name of the prototype nearest (CIELAB, Delta E 1976) to the
    centre of its cell in a 32 x 32 x 32 grid of sRGB (the grid of the colour-naming
    table of van de Weijer et al. 2009), looked up in a precomputed table. The
    prototypes are the CSS / X11 named colours whose name is one of the terms or a
    variety of it (navy, royalblue, skyblue, cyan -> blue; olive, forestgreen ->
    green; tan, sienna -> brown; gold, khaki -> yellow; ...), several per term.

    Parameters
    ----------
    rgb : ndarray, shape (..., 3)
        sRGB in [0, 1] (floats) or 0-255 (uint8).

    Returns
    -------
    fractions : ndarray of float64, shape (11,)
        In the order of :data:`COLOR_NAMES`; non-negative, summing to 1.

    Notes
    -----
    Machajdik & Hanbury (2010, Sec. 3.2) use the colour-naming model learned from
    Google images by van de Weijer et al. (2009). We use nearest-prototype assignment
    instead: it needs no learned table, is right for the focal colours and costs one
    look-up per pixel.

    References
    ----------
    Berlin & Kay (1969); W3C CSS Color 4, Sec. 6.1 (named colours).

    Examples
    --------
    >>> f = color_name_fractions(np.array([[[1.0, 0.0, 0.0], [1.0, 1.0, 1.0]]]))
    >>> names = dict(zip(COLOR_NAMES, f.tolist()))
    >>> names["red"], names["white"]
    (0.5, 0.5)
    """
    rgb = _check_planes(rgb, "rgb")
    if rgb.dtype == np.uint8:
        u8 = rgb.reshape(-1, 3)
    else:
        u8 = (np.clip(rgb.reshape(-1, 3), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    shift = 8 - _NAME_BITS
    q = (u8 >> shift).astype(np.intp)
    cell = (q[:, 0] << (2 * _NAME_BITS)) | (q[:, 1] << _NAME_BITS) | q[:, 2]
    names = _name_table()[cell]
    counts = np.bincount(names, minlength=len(COLOR_NAMES)).astype(np.float64)
    return counts / counts.sum()


# -- regions and Itten's contrasts ---------------------------------------------------------
class Regions(NamedTuple):
    """Per-region colour statistics (arrays of length n_regions).

    area : fraction of the image; saturation, value : mean S and V; hue : circular
    mean hue (turns) weighted by saturation; chroma : length of the mean saturation
    vector ``|mean_i S_i exp(2 pi i h_i)|`` (equals the saturation of a single-hue
    region, smaller when its hues disagree; 0 for grey).
    """

    area: np.ndarray
    saturation: np.ndarray
    value: np.ndarray
    hue: np.ndarray
    chroma: np.ndarray

    @property
    def chromatic(self) -> np.ndarray:
        """Regions whose hue is meaningful (chroma and brightness above thresholds)."""
        return (self.chroma >= CHROMATIC_SATURATION) & (self.value >= CHROMATIC_VALUE)


def region_statistics(hsv, labels) -> Regions:
    """Area, mean saturation and brightness, circular mean hue and chroma per region.

    Parameters
    ----------
    hsv : ndarray, shape (H, W, 3)
    labels : ndarray of int, shape (H, W)
        Region labels 0..n-1 (e.g. ``ImageAnalysis.segments``).

    Returns
    -------
    Regions
        Empty labels (no pixels) get area 0 and zero statistics.

    Examples
    --------
    >>> hsv = np.zeros((1, 2, 3)); hsv[0, 1] = [0.5, 1.0, 1.0]
    >>> r = region_statistics(hsv, np.array([[0, 1]]))
    >>> r.area.tolist(), np.round(r.hue, 6).tolist(), np.round(r.chroma, 6).tolist()
    ([0.5, 0.5], [0.0, 0.5], [0.0, 1.0])
    """
    hsv = _check_planes(hsv, "hsv")
    labels = np.asarray(labels)
    if labels.shape != hsv.shape[:-1] or not np.issubdtype(labels.dtype, np.integer):
        raise ParameterError(f"labels must be an integer array of shape {hsv.shape[:-1]}, "
                             f"got {labels.dtype} {labels.shape}")
    if labels.min() < 0:
        raise ParameterError("labels must be non-negative")
    lab = labels.ravel()
    n = int(lab.max()) + 1
    cos, sin = _unit_vectors(hsv[..., 0].ravel())
    s = hsv[..., 1].ravel().astype(np.float32, copy=False)
    v = hsv[..., 2].ravel()
    count = np.bincount(lab, minlength=n).astype(np.float64)
    safe = np.maximum(count, 1.0)
    sum_c = np.bincount(lab, weights=s * cos, minlength=n)
    sum_s = np.bincount(lab, weights=s * sin, minlength=n)
    hue = np.mod(np.arctan2(sum_s, sum_c) / (2.0 * np.pi), 1.0)
    hue[hue >= 1.0] = 0.0
    return Regions(
        area=count / count.sum(),
        saturation=np.bincount(lab, weights=s, minlength=n) / safe,
        value=np.bincount(lab, weights=v, minlength=n) / safe,
        hue=hue,
        chroma=np.minimum(np.hypot(sum_c, sum_s) / safe, 1.0),
    )


def adjacent_region_pairs(labels) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of 4-adjacent regions and the length of their shared border.

    Parameters
    ----------
    labels : ndarray of int, shape (H, W)

    Returns
    -------
    i, j : ndarray of intp
        Region labels with ``i < j``, each adjacent pair once.
    border : ndarray of float64
        Number of 4-neighbour pixel pairs across the border between ``i`` and ``j``.

    Examples
    --------
    >>> adjacent_region_pairs(np.array([[0, 0, 1], [2, 2, 1]]))
    (array([0, 0, 1]), array([1, 2, 2]), array([1., 2., 1.]))
    """
    labels = np.asarray(labels)
    if labels.ndim != 2 or not np.issubdtype(labels.dtype, np.integer):
        raise ParameterError(f"labels must be a 2-D integer array, got {labels.dtype} "
                             f"{labels.shape}")
    lab = labels.astype(np.int64, copy=False)
    n = int(lab.max()) + 1 if lab.size else 0
    a = np.concatenate([lab[:, :-1].ravel(), lab[:-1, :].ravel()])
    b = np.concatenate([lab[:, 1:].ravel(), lab[1:, :].ravel()])
    diff = a != b
    a, b = a[diff], b[diff]
    code = np.minimum(a, b) * n + np.maximum(a, b)
    uniq, counts = np.unique(code, return_counts=True)
    return (uniq // max(n, 1)).astype(np.intp), (uniq % max(n, 1)).astype(np.intp), \
        counts.astype(np.float64)


def hue_distance(h1, h2) -> np.ndarray:
    """Circular distance between hues in turns, in [0, 0.5].

    Examples
    --------
    >>> float(hue_distance(0.95, 0.05))
    0.1
    """
    d = np.abs(np.mod(np.asarray(h1, dtype=np.float64) - np.asarray(h2, dtype=np.float64)
                      + 0.5, 1.0) - 0.5)
    return np.round(d, 12)


def warmth(hue) -> np.ndarray:
    """Itten's warm-cold axis as a smooth function of hue, in [-1, 1].

    ``warmth(h) = cos(2 pi (h - 1/12))``: +1 at red-orange (30 degrees), Itten's
    warmest hue, -1 at blue-green (210 degrees), his coldest; 0 at green (120 degrees)
    and violet (300 degrees), between the warm and the cold half of his circle.

    References
    ----------
    Itten (1961), "Cold-warm contrast".

    Examples
    --------
    >>> round(float(warmth(1 / 12)), 6), round(float(warmth(7 / 12)), 6)
    (1.0, -1.0)
    """
    return np.cos((2.0 * np.pi) * (np.asarray(hue, dtype=np.float64) - _WARMEST_HUE))


def itten_pair_contrasts(regions: Regions, i, j, border) -> dict[str, float]:
    """Itten's contrasts between adjacent regions, as border-weighted mean and maximum.

    For each pair of adjacent regions (i, j), with ``c = min(chroma_i, chroma_j)``
    discounting hue differences involving greys (whose hue is undefined), and ``d``
    the circular hue distance in turns:

    - light_dark: ``|V_i - V_j|`` (contrast of light and dark);
    - saturation: ``|S_i - S_j|`` (contrast of saturation);
    - hue: ``2 d c`` (contrast of hue; 1 for opposite pure hues);
    - complementary: ``c max(0, 1 - |d - 1/2| / (1/8))``: 1 for pure hues exactly
      opposite, falling linearly to 0 at 45 degrees from opposite (complementary
      contrast; 45 degrees is also the tolerance of :func:`itten_harmony`);
    - warm_cold: ``|chroma_i warmth(h_i) - chroma_j warmth(h_j)| / 2``, see
      :func:`warmth` (cold-warm contrast).

    All are in [0, 1]. ``.mean`` weights pairs by the length of their shared border
    (simultaneous contrast acts across borders), ``.max`` is the largest over pairs.
    Both are 0 when there are no pairs (a single region).

    Parameters
    ----------
    regions : Regions
        From :func:`region_statistics`.
    i, j, border : ndarray
        From :func:`adjacent_region_pairs`.

    Returns
    -------
    dict
        Keys ``light_dark.mean``, ``light_dark.max``, ``saturation.mean``, ...,
        ``warm_cold.max`` (10 values).

    Notes
    -----
    Machajdik & Hanbury (2010, Sec. 3.2) compute Itten's contrasts over their
    segmented regions after the fuzzy-membership formulation of Wang, Yu & Jiang
    (2006), without giving the formulas; the pairwise definitions above are ours, chosen to be
    continuous and bounded.

    References
    ----------
    Itten (1961), the seven colour contrasts; Machajdik & Hanbury (2010), Sec. 3.2.
    """
    i = np.asarray(i, dtype=np.intp)
    j = np.asarray(j, dtype=np.intp)
    w = np.asarray(border, dtype=np.float64)
    if not (i.shape == j.shape == w.shape) or i.ndim != 1:
        raise ParameterError("i, j and border must be 1-D arrays of the same length")
    names = ("light_dark", "saturation", "hue", "complementary", "warm_cold")
    out: dict[str, float] = {}
    if i.size == 0 or w.sum() <= 0:
        for name in names:
            out[f"{name}.mean"] = 0.0
            out[f"{name}.max"] = 0.0
        return out
    v, s, h, c = regions.value, regions.saturation, regions.hue, regions.chroma
    d = hue_distance(h[i], h[j])
    cmin = np.minimum(c[i], c[j])
    temp = c * warmth(h)
    values = {
        "light_dark": np.abs(v[i] - v[j]),
        "saturation": np.abs(s[i] - s[j]),
        "hue": 2.0 * d * cmin,
        "complementary": cmin * np.maximum(0.0, 1.0 - np.abs(d - 0.5) / _COMPLEMENT_WIDTH),
        "warm_cold": 0.5 * np.abs(temp[i] - temp[j]),
    }
    for name in names:
        x = np.clip(values[name], 0.0, 1.0)
        out[f"{name}.mean"] = float(np.dot(w, x) / w.sum())
        out[f"{name}.max"] = float(x.max())
    return out


def _chromatic_indices(regions: Regions) -> np.ndarray:
    return np.flatnonzero(regions.chromatic)


def itten_harmony(regions: Regions) -> tuple[float, float]:
    """Closeness of the region hues to Itten's harmonic chords on the dominant hue.

    The key hue is that of the chromatic region with the largest ``area * chroma``.
    Itten's harmonious chords are the dyad (complements), the triad and the square
    tetrad, so the chord hues are the key hue plus 0, 1/4, 1/3, 1/2, 2/3 and 3/4 of a
    turn. A region's harmony is ``1 - d / (1/8)``, where ``d`` is the circular distance
    of its hue to the nearest chord hue (1/8 turn = 45 degrees is the largest possible).

    Parameters
    ----------
    regions : Regions

    Returns
    -------
    mean : float
        Mean harmony of the chromatic regions weighted by ``area * chroma``, in [0, 1].
    min : float
        Harmony of the least harmonious chromatic region.
        Both are 1 when there are fewer than two chromatic regions (nothing clashes).

    Notes
    -----
    Machajdik & Hanbury (2010, Sec. 3.2) list "harmony" among Itten's features without
    a formula; this template-distance definition is ours, after Itten's chords (in the
    spirit of the hue templates of Cohen-Or et al., "Color harmonization", SIGGRAPH 2006).

    References
    ----------
    Itten (1961), "Color harmony" (dyads, triads, tetrads).
    """
    idx = _chromatic_indices(regions)
    if idx.size < 2:
        return 1.0, 1.0
    weight = regions.area[idx] * regions.chroma[idx]
    key = regions.hue[idx[np.argmax(weight)]]
    chord = key + _HARMONIC_OFFSETS
    d = hue_distance(regions.hue[idx, None], chord[None, :]).min(axis=1)
    harmony = np.clip(1.0 - d / _HARMONY_SCALE, 0.0, 1.0)
    mean = float(np.dot(weight, harmony) / weight.sum()) if weight.sum() > 0 else 1.0
    return mean, float(harmony.min())


def itten_hue_count_spread(regions: Regions, *, alpha: float = _HUE_COUNT_ALPHA
                           ) -> tuple[float, float]:
    """Number of Itten's 12 hues present among the chromatic regions, and their extent.

    Chromatic regions are binned by hue into Itten's 12-hue circle (bins 30 degrees
    wide, centred on red, orange, yellow, ...); a bin counts if its area is at least
    `alpha` times that of the largest bin (the hue-count rule of Ke et al. 2006).

    Parameters
    ----------
    regions : Regions
    alpha : float, keyword-only

    Returns
    -------
    hue_count : float
        Number of counted bins, 0-12 (0 for a grey image).
    hue_spread : float
        Length, in turns, of the shortest arc containing the centres of all counted
        bins: ``(12 - largest gap) / 12``; 0 for at most one hue, at most 11/12.

    References
    ----------
    Ke, Tang & Jing (2006), hue count; Itten (1961), the 12-part colour circle.

    Examples
    --------
    >>> r = Regions(*(np.array(x, dtype=float) for x in
    ...     ([0.5, 0.5], [1, 1], [1, 1], [0.0, 0.5], [1, 1])))
    >>> itten_hue_count_spread(r)
    (2.0, 0.5)
    """
    if not 0.0 <= alpha <= 1.0:
        raise ParameterError(f"alpha must be in [0, 1], got {alpha}")
    idx = _chromatic_indices(regions)
    if idx.size == 0:
        return 0.0, 0.0
    bins = np.mod(np.floor(regions.hue[idx] * 12.0 + 0.5), 12).astype(np.intp)
    area = np.bincount(bins, weights=regions.area[idx], minlength=12)
    present = np.flatnonzero(area >= alpha * area.max())
    if present.size <= 1:
        return float(present.size), 0.0
    gaps = np.diff(np.concatenate([present, present[:1] + 12]))
    return float(present.size), float((12 - gaps.max()) / 12.0)


def itten_warm_cold_area(regions: Regions) -> tuple[float, float]:
    """Fractions of the image covered by warm and by cold chromatic regions.

    A chromatic region is warm if ``warmth(hue) >= 1/2`` (hue within 60 degrees of
    red-orange: magenta-red, red, orange, yellow) and cold if ``warmth(hue) <= -1/2``
    (within 60 degrees of blue-green: green-cyan, cyan, azure, blue). Greys and the
    in-between hues (yellow-green, green, violet, purple) count as neither.

    Returns
    -------
    warm_area, cold_area : float
        In [0, 1], summing to at most 1.

    References
    ----------
    Itten (1961), "Cold-warm contrast"; Machajdik & Hanbury (2010), Sec. 3.2.

    Examples
    --------
    >>> r = Regions(*(np.array(x, dtype=float) for x in
    ...     ([0.25, 0.25, 0.5], [1, 1, 0], [1, 1, 1], [0.1, 0.55, 0.0], [1, 1, 0])))
    >>> itten_warm_cold_area(r)
    (0.25, 0.25)
    """
    idx = _chromatic_indices(regions)
    if idx.size == 0:
        return 0.0, 0.0
    t = warmth(regions.hue[idx])
    area = regions.area[idx]
    return float(area[t >= 0.5].sum()), float(area[t <= -0.5].sum())


# -- assembly -----------------------------------------------------------------------------
def color_features(image) -> dict[str, float]:
    """All colour features of an image, as an ordered ``{name: value}`` dict.

    Parameters
    ----------
    image : ImageAnalysis or ndarray
        An analysis, or an image array (wrapped in one); files are decoded by
        :func:`~affect_features.image.extract_image_features` or
        ``ImageAnalysis(path)``.

    Returns
    -------
    dict of str to float
        The 54 features listed in the module docstring, always in that order. Each is
        finite by its definition; the undefined cases (no hue in a grey image, no pair
        of regions, fewer than two chromatic regions, no chromatic region) have the
        values their functions document.

    Examples
    --------
    >>> f = color_features(np.zeros((8, 8, 3)) + [1.0, 0.0, 0.0])
    >>> f["color.names.red"], f["color.saturation.mean"]
    (1.0, 1.0)
    """
    a = as_analysis(image)
    px = a.at(COLOR_PIXELS)
    hsv = px.ihls  # (hue, saturation, luminance), Machajdik & Hanbury's IHLS
    out: dict[str, float] = {}
    s_mean, s_std, v_mean, v_std = saturation_brightness(hsv)
    out["color.saturation.mean"] = s_mean
    out["color.saturation.std"] = s_std
    out["color.brightness.mean"] = v_mean
    out["color.brightness.std"] = v_std
    p, ar, d = pleasure_arousal_dominance(v_mean, s_mean)
    out["color.pad.pleasure"] = p
    out["color.pad.arousal"] = ar
    out["color.pad.dominance"] = d
    mc, ms, spread, spread_c = hue_statistics(hsv)
    out["color.hue.mean_cos"] = mc
    out["color.hue.mean_sin"] = ms
    out["color.hue.spread"] = spread
    out["color.hue.spread_chromatic"] = spread_c
    v10, v90, s90 = brightness_saturation_percentiles(hsv)
    out["color.brightness.p10"] = v10
    out["color.brightness.p90"] = v90
    out["color.saturation.p90"] = s90
    for k, value in enumerate(hue_histogram(hsv)):
        out[f"color.hue.hist.{k:02d}"] = float(value)
    out["color.colorfulness"] = colorfulness(px.rgb)
    for name, frac in zip(COLOR_NAMES, color_name_fractions(px.rgb_u8)):
        out[f"color.names.{name}"] = float(frac)

    labels = a.segments
    regions = region_statistics(a.at(SEGMENT_PIXELS).ihls, labels)  # the labels' plane
    for key, value in itten_pair_contrasts(regions, *adjacent_region_pairs(labels)).items():
        out[f"color.itten.{key}"] = value
    h_mean, h_min = itten_harmony(regions)
    out["color.itten.harmony.mean"] = h_mean
    out["color.itten.harmony.min"] = h_min
    count, hspread = itten_hue_count_spread(regions)
    out["color.itten.hue_count"] = count
    out["color.itten.hue_spread"] = hspread
    warm, cold = itten_warm_cold_area(regions)
    out["color.itten.warm_area"] = warm
    out["color.itten.cold_area"] = cold
    return {k: float(v) for k, v in out.items()}
