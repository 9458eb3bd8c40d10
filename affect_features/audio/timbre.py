"""Timbre: statistics of the mel-frequency cepstral coefficients (MFCCs).

MFCCs describe the spectral envelope (the "colour" of a sound) on a perceptual
frequency scale, decorrelated by a DCT; their means and spreads over a clip are the
classic timbre summary of music (Tzanetakis & Cook 2002, Sec. IV-A; Logan 2000), and
among the strongest audio predictors of arousal and valence (Panda et al. 2018).

Descriptors (60), for each coefficient ``k = 00 .. 19`` (``00`` is c0, the overall
log energy):

- ``timbre.mfcc.<k>.mean``, ``timbre.mfcc.<k>.std``: mean and standard deviation of
  the coefficient over frames;
- ``timbre.mfcc_delta.<k>.std``: standard deviation of its frame-to-frame slope
  (:func:`delta`), i.e. how fast the timbre changes. The *mean* of a delta is
  left out on purpose: it telescopes to (last - first) / duration, about 0 for every
  clip, and carries no information.

Degenerate input: silence gives a constant log-mel spectrogram (-100 dB), hence
constant MFCCs (c0 = -100 * sqrt(128) ~ -1131, others 0), zero stds and zero deltas.
A clip of fewer than 3 frames (under ~35 ms) has zero deltas.

References
----------
Logan, B. (2000). Mel frequency cepstral coefficients for music modeling. Proc. ISMIR.
Tzanetakis, G., & Cook, P. (2002). Musical genre classification of audio signals. IEEE
Trans. Speech and Audio Processing, 10(5), 293-302.
Panda, R., Malheiro, R., & Paiva, R. P. (2018). Novel audio features for music emotion
recognition. IEEE Trans. Affective Computing, 11(4), 614-626.
"""

from __future__ import annotations

import numpy as np

__all__ = ["delta", "timbre_features", "TIMBRE_NAMES", "DELTA_WIDTH"]

N_COEF = 20
#: Frames in the regression window of the delta (librosa's default, +-4 frames = 93 ms).
DELTA_WIDTH = 9

TIMBRE_NAMES = tuple(
    [n for k in range(N_COEF) for n in (f"timbre.mfcc.{k:02d}.mean", f"timbre.mfcc.{k:02d}.std")]
    + [f"timbre.mfcc_delta.{k:02d}.std" for k in range(N_COEF)])


def delta(x: np.ndarray, *, width: int = DELTA_WIDTH) -> np.ndarray:
    """Local slope of each row of `x` over `width` frames (least-squares line fit).

    ``d[t] = sum_{n=-h..h} n * x[t+n] / sum_{n=-h..h} n^2`` with ``h = width // 2``; at
    the first and last ``h`` frames the slope of the line fitted to the first (last)
    `width` frames is used. Equal to ``librosa.feature.delta(x, width=width)`` (a
    Savitzky-Golay derivative of order 1, ``mode='interp'``). Inputs with fewer than
    `width` frames use the largest odd window that fits (at least 3); with fewer than 3
    frames the delta is 0.

    Parameters
    ----------
    x : ndarray, shape (n_rows, n_frames)
    width : int
        Odd window length (>= 3).

    Returns
    -------
    d : ndarray, shape of `x`

    References
    ----------
    Furui, S. (1986). Speaker-independent isolated word recognition using dynamic
    features of speech spectrum. IEEE Trans. ASSP, 34(1), 52-59. Eq. (2).

    Examples
    --------
    >>> delta(np.arange(10.0)[None, :])[0, :3]
    array([1., 1., 1.])
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    w = min(width, n if n % 2 else n - 1)
    if w < 3:
        return np.zeros_like(x)
    h = w // 2
    k = np.arange(-h, h + 1, dtype=np.float64)
    k /= np.sum(k * k)
    d = np.empty_like(x)
    # interior frames: the regression slope over frames t-h .. t+h
    d[..., h:n - h] = np.lib.stride_tricks.sliding_window_view(x, w, axis=-1) @ k
    # edges: the slope of the line fitted to the first (last) w frames
    d[..., :h] = d[..., h:h + 1]
    d[..., n - h:] = d[..., n - h - 1:n - h]
    return d


def timbre_features(analysis) -> dict[str, float]:
    """The 60 timbre descriptors of an :class:`~affect_features.audio.analysis.AudioAnalysis`.

    Returns
    -------
    features : dict
        Keys :data:`TIMBRE_NAMES`, in that order.
    """
    m = np.asarray(analysis.mfcc, dtype=np.float64)
    mean, std = m.mean(axis=1), m.std(axis=1)
    dstd = delta(m).std(axis=1)
    out: dict[str, float] = {}
    for k in range(N_COEF):
        out[f"timbre.mfcc.{k:02d}.mean"] = float(mean[k])
        out[f"timbre.mfcc.{k:02d}.std"] = float(std[k])
    for k in range(N_COEF):
        out[f"timbre.mfcc_delta.{k:02d}.std"] = float(dstd[k])
    return out
