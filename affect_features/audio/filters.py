"""Filter banks of the audio analysis: Hann window, mel and chroma filters.

These are librosa's definitions (``librosa.filters.mel`` with the Slaney mel scale and
area normalisation, ``librosa.filters.chroma`` with its defaults), rewritten here in a
few lines of numpy so that a fresh process need not import ``librosa.filters``: that
import pulls in librosa's numba-compiled core, which costs seconds per process. The
tests check each bank against librosa to float precision.

All banks are cached per parameter set and returned read-only.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["hann_window", "fft_frequencies", "hz_to_mel", "mel_to_hz",
           "mel_frequencies", "mel_filterbank", "chroma_filterbank"]


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@lru_cache(maxsize=8)
def hann_window(n: int) -> np.ndarray:
    """Periodic Hann window of length `n` (float32), ``0.5 - 0.5 cos(2 pi k / n)``.

    The periodic ("DFT-even") form, as ``scipy.signal.get_window('hann', n)`` and
    librosa's STFT use.
    """
    k = np.arange(n, dtype=np.float64)
    return _frozen((0.5 - 0.5 * np.cos(2.0 * np.pi * k / n)).astype(np.float32))


def fft_frequencies(sr: float, n_fft: int) -> np.ndarray:
    """Centre frequencies (Hz) of the ``1 + n_fft // 2`` bins of a real FFT."""
    return np.fft.rfftfreq(n_fft, d=1.0 / sr)


def hz_to_mel(hz):
    """Slaney's mel scale: linear below 1 kHz (3 mels per 200 Hz), logarithmic above.

    References
    ----------
    Slaney, M. (1998). Auditory Toolbox, Version 2. Interval Research Corporation,
    Technical Report 1998-010.
    """
    hz = np.asarray(hz, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = hz / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(hz >= min_log_hz,
                    min_log_mel + np.log(np.maximum(hz, min_log_hz) / min_log_hz) / logstep,
                    mels)


def mel_to_hz(mels):
    """Inverse of :func:`hz_to_mel`."""
    mels = np.asarray(mels, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(mels >= min_log_mel,
                    min_log_hz * np.exp(logstep * (mels - min_log_mel)),
                    f_sp * mels)


def mel_frequencies(n_mels: int, *, fmin: float = 0.0, fmax: float = 11025.0) -> np.ndarray:
    """`n_mels` frequencies (Hz) equally spaced on the Slaney mel scale."""
    return mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels))


@lru_cache(maxsize=8)
def mel_filterbank(sr: float, n_fft: int, n_mels: int = 128, fmin: float = 0.0,
                   fmax: float | None = None) -> np.ndarray:
    """Triangular mel filters, area-normalised ("Slaney" norm), float32.

    Parameters
    ----------
    sr : float
        Sampling rate.
    n_fft : int
        FFT length.
    n_mels : int
        Number of bands.
    fmin, fmax : float
        Frequency range (``fmax`` None: ``sr / 2``).

    Returns
    -------
    weights : ndarray, shape (n_mels, 1 + n_fft // 2)
        Band ``m`` is a triangle from mel frequency ``m`` to ``m + 2`` peaking at
        ``m + 1``, scaled by ``2 / (f[m+2] - f[m])`` so every band has the same area.
        Equal to ``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)``.

    References
    ----------
    Slaney, M. (1998). Auditory Toolbox, Version 2. Technical Report 1998-010.
    """
    if fmax is None:
        fmax = sr / 2.0
    fftfreqs = fft_frequencies(sr, n_fft)
    mel_f = mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]
    return _frozen(weights.astype(np.float32))


@lru_cache(maxsize=8)
def chroma_filterbank(sr: float, n_fft: int, tuning: float = 0.0) -> np.ndarray:
    """Map FFT bins onto the 12 pitch classes C, C#, ..., B (float32).

    Each bin contributes to the pitch classes near its frequency with a Gaussian bump
    in semitones (width set by the bin spacing), the columns normalised to unit L2
    norm, and weighted by a Gaussian over octaves centred on octave 5 (about 523 Hz
    for C5) with a 2-octave standard deviation, so that very low and very high bins
    count less. Equal to ``librosa.filters.chroma(sr=sr, n_fft=n_fft, tuning=tuning)``,
    which follows Ellis's ``fft2chromamx`` (chroma features for cover-song
    identification; Ellis & Poliner 2007).

    Returns
    -------
    weights : ndarray, shape (12, 1 + n_fft // 2)

    References
    ----------
    Ellis, D. P. W., & Poliner, G. E. (2007). Identifying "cover songs" with chroma
    features and dynamic programming beat tracking. Proc. IEEE ICASSP, IV-1429.
    """
    n_chroma = 12
    ctroct, octwidth = 5.0, 2.0
    frequencies = np.linspace(0, sr, n_fft, endpoint=False)[1:]
    a440 = 440.0 * 2.0 ** (tuning / n_chroma)
    frqbins = n_chroma * np.log2(frequencies / (a440 / 16.0))
    # the 0 Hz bin is placed 1.5 octaves below bin 1 (broad, 50% rotated)
    frqbins = np.concatenate(([frqbins[0] - 1.5 * n_chroma], frqbins))
    binwidthbins = np.concatenate((np.maximum(frqbins[1:] - frqbins[:-1], 1.0), [1.0]))
    d = np.subtract.outer(frqbins, np.arange(0, n_chroma, dtype=np.float64)).T
    half = np.round(n_chroma / 2.0)
    d = np.remainder(d + half + 10 * n_chroma, n_chroma) - half
    wts = np.exp(-0.5 * (2.0 * d / binwidthbins[None, :]) ** 2)
    norms = np.sqrt(np.sum(wts ** 2, axis=0, keepdims=True))
    wts = wts / np.where(norms > 0, norms, 1.0)
    wts *= np.exp(-0.5 * (((frqbins / n_chroma - ctroct) / octwidth) ** 2))[None, :]
    wts = np.roll(wts, -3, axis=0)  # rows start at C rather than A
    return _frozen(wts[:, :1 + n_fft // 2].astype(np.float32))
