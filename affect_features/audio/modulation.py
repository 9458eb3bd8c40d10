"""Modulation spectrum of the mel bands: how fast the loudness of each register changes.

The rhythm patterns of Pampalk (2001) and Lidy & Rauber (2005): the level of each
frequency band, seen as a signal over time, is Fourier-transformed over segments of
a few seconds; its amplitude at 0.25-16 Hz says how strongly and how fast the band
fluctuates (slow swells below 1 Hz, beats at 1-4 Hz, fast figures and tremolo above
4 Hz), weighted by the fluctuation strength of hearing (largest at 4 Hz; Fastl 1982).
Fast, strong fluctuations go with high arousal; slow, weak ones with calm music.

Here the bands are the shared log-mel spectrogram's 128 bands in 4 registers of 32
(mel-spaced, like the critical bands of the original; about 0-850, 830-2,000,
1,960-4,700 and 4,590-11,025 Hz), in dB (the original's sone scale is a loudness
transform of the same dB levels); segments of 256 frames (5.9 s, the original's 6 s)
every 128; the median over segments (as Pampalk). No second spectrogram is computed.

In no schema: measured for ``audio-2``, this family (and six variants of it) did not
raise the artist-grouped 4Q quadrant accuracy of both classifiers tried (README, "The
features"); it is kept, with its tests, for experiments.

Descriptors (22):

- ``rhythm.modulation.<register>.<range>`` for the registers ``low``, ``lowmid``,
  ``highmid``, ``high`` and the modulation ranges ``00_01hz`` (0.25-1 Hz),
  ``01_02hz``, ``02_04hz``, ``04_08hz``, ``08_16hz``: mean weighted modulation
  amplitude of the register in that range (dB; :func:`modulation_spectrum`);
- ``rhythm.modulation.centroid``: amplitude-weighted mean modulation frequency over
  0.25-16 Hz of the four registers together (Hz; Pampalk's "gravity");
- ``rhythm.modulation.total``: mean weighted amplitude over 0.25-16 Hz and the four
  registers (dB; how much the spectrum fluctuates at all).

Degenerate input: a steady or silent signal has all amplitudes 0 and centroid 0. A
clip shorter than one segment is one (shorter, zero-padded) segment.

References
----------
Pampalk, E. (2001). Islands of music: analysis, organization, and visualization of
music archives. MSc thesis, Vienna University of Technology. Sec. 3.2 (fluctuation
patterns).
Lidy, T., & Rauber, A. (2005). Evaluation of feature extractors and psycho-acoustic
transformations for music genre classification. Proc. ISMIR, 34-41. Sec. 3.1
(rhythm patterns, steps R1-R3).
Fastl, H. (1982). Fluctuation strength and temporal masking patterns of
amplitude-modulated broadband noise. Hearing Research, 8(1), 59-69.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from .analysis import HOP, SR

__all__ = ["fluctuation_weight", "register_levels", "modulation_spectrum",
           "modulation_features", "MODULATION_NAMES", "MOD_SEGMENT", "MOD_HOP",
           "MOD_REGISTERS", "MOD_EDGES"]

#: Segment length and hop (frames of the shared analysis).
MOD_SEGMENT, MOD_HOP = 256, 128
#: The four registers, 32 mel bands each, low to high.
MOD_REGISTERS = ("low", "lowmid", "highmid", "high")
#: Edges (Hz) of the modulation ranges.
MOD_EDGES = (0.25, 1.0, 2.0, 4.0, 8.0, 16.0)
_RANGE_NAMES = tuple(f"{int(lo):02d}_{int(hi):02d}hz" for lo, hi in zip(MOD_EDGES[:-1],
                                                                         MOD_EDGES[1:]))

MODULATION_NAMES = tuple(
    [f"rhythm.modulation.{r}.{q}" for r in MOD_REGISTERS for q in _RANGE_NAMES]
    + ["rhythm.modulation.centroid", "rhythm.modulation.total"])


def fluctuation_weight(freqs: np.ndarray) -> np.ndarray:
    """Fluctuation strength of hearing against modulation frequency, max 1 at 4 Hz.

    ``w(f) = 2 / (f / 4 + 4 / f)`` (0 at f = 0): 0.47 at 1 and 16 Hz, 0.8 at 2 and 8 Hz.

    References
    ----------
    Fastl, H. (1982). Hearing Research, 8(1), 59-69; the closed form as used by
    Pampalk (2001), Sec. 3.2.3, and Lidy & Rauber (2005), step R2.

    Examples
    --------
    >>> fluctuation_weight(np.array([0.0, 1.0, 4.0, 16.0]))
    array([0.        , 0.47058824, 1.        , 0.47058824])
    """
    f = np.asarray(freqs, dtype=np.float64)
    with np.errstate(divide="ignore"):
        w = 2.0 / (f / 4.0 + 4.0 / f)
    return np.where(f > 0, w, 0.0)


def register_levels(log_mel: np.ndarray, n_registers: int = len(MOD_REGISTERS)) -> np.ndarray:
    """Mean dB level of consecutive groups of mel bands, shape (n_registers, n_frames)."""
    m = np.asarray(log_mel, dtype=np.float64)
    return m.reshape(n_registers, m.shape[0] // n_registers, m.shape[1]).mean(axis=1)


def modulation_spectrum(levels: np.ndarray, *, segment: int = MOD_SEGMENT,
                        hop: int = MOD_HOP, frame_rate: float = SR / HOP
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Weighted modulation amplitude of each band-level signal (median over segments).

    For each segment of `segment` frames every `hop`: the level minus its mean,
    Hann-windowed, ``|rFFT|`` scaled by ``2 / sum(window)`` (so a sinusoidal
    fluctuation of ``A`` dB at a bin frequency reads ``A``); the median over segments,
    times :func:`fluctuation_weight`. A clip shorter than a segment is one segment of
    its length, zero-padded to `segment` (the same frequency grid).

    Parameters
    ----------
    levels : ndarray, shape (n_bands, n_frames)
        Band levels in dB (:func:`register_levels`).

    Returns
    -------
    amplitude : ndarray, shape (n_bands, segment // 2 + 1)
        dB, at the modulation frequencies ``k frame_rate / segment``.
    freqs : ndarray, shape (segment // 2 + 1,)
        Hz (0.168 Hz apart at the defaults).

    References
    ----------
    Lidy, T., & Rauber, A. (2005). Proc. ISMIR, 34-41, steps R1 (FFT of the band
    levels over 6-s segments) and R2 (fluctuation-strength weighting); Pampalk (2001),
    Sec. 3.2 (median over segments).
    """
    x = np.asarray(levels, dtype=np.float64)
    n = x.shape[1]
    freqs = np.arange(segment // 2 + 1) * frame_rate / segment
    if n < 2:                       # a single frame has no fluctuation
        return np.zeros((x.shape[0], freqs.size)), freqs
    length = min(n, segment)
    starts = np.arange(0, n - length + 1, hop) if n > segment else np.array([0])
    win = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(length) / length)
    seg = np.stack([x[:, s:s + length] for s in starts])           # (n_seg, bands, length)
    seg = (seg - seg.mean(axis=2, keepdims=True)) * win
    amp = np.abs(scipy.fft.rfft(seg, n=segment, axis=2)) * (2.0 / win.sum())
    return np.median(amp, axis=0) * fluctuation_weight(freqs), freqs


def modulation_features(analysis) -> dict[str, float]:
    """The 22 modulation descriptors of an analysis (:data:`MODULATION_NAMES`)."""
    amp, freqs = modulation_spectrum(register_levels(analysis.log_mel))
    out: dict[str, float] = {}
    for r, row in zip(MOD_REGISTERS, amp):
        for name, lo, hi in zip(_RANGE_NAMES, MOD_EDGES[:-1], MOD_EDGES[1:]):
            sel = (freqs >= lo) & (freqs < hi)
            out[f"rhythm.modulation.{r}.{name}"] = float(row[sel].mean())
    band = (freqs >= MOD_EDGES[0]) & (freqs < MOD_EDGES[-1])
    profile = amp[:, band].sum(axis=0)
    total = float(profile.sum())
    out["rhythm.modulation.centroid"] = float(freqs[band] @ profile / total) if total > 0 \
        else 0.0
    out["rhythm.modulation.total"] = float(amp[:, band].mean())
    return out
