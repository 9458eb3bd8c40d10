"""Dynamics: how loud, how much the loudness varies, how often it is quiet.

Loudness is the strongest single audio correlate of arousal; its variation separates
dramatic from steady music (Gabrielsson & Lindström 2010; Panda et al. 2018,
"dynamics" features).

Descriptors (7), from the frame RMS of the signal (2048-sample frames, hop 512):

- ``dynamics.rms.mean``, ``dynamics.rms.std``: mean and standard deviation of the frame
  RMS (full scale = 1);
- ``dynamics.loudness.p10``, ``.p50``, ``.p90``: 10th, 50th and 90th percentiles of the
  frame level ``20 log10(rms)`` in dBFS, floored at -100 dBFS (:func:`loudness_db`);
- ``dynamics.loudness.range``: ``p90 - p10`` in dB, a robust dynamic range;
- ``dynamics.low_energy_rate``: share of frames whose RMS is below the clip's mean RMS
  (Tzanetakis & Cook 2002): high for music with quiet passages and loud peaks.

Also here, in no schema (measured for ``audio-2``, they did not raise the 4Q quadrant
accuracy; README, "The features"): EBU R128 loudness, integrated and short-term, and the
loudness range (:func:`loudness_range_features`).

Degenerate input: silence has RMS 0, all levels at the -100 dBFS floor, range 0 and
low-energy rate 0 (no frame is below a mean of 0).

References
----------
Gabrielsson, A., & Lindström, E. (2010). The role of structure in the musical expression
of emotions. In P. N. Juslin & J. A. Sloboda (Eds.), Handbook of Music and Emotion
(pp. 367-400). Oxford University Press.
Tzanetakis, G., & Cook, P. (2002). Musical genre classification of audio signals. IEEE
Trans. Speech and Audio Processing, 10(5), 293-302.
Panda, R., Malheiro, R., & Paiva, R. P. (2018). Novel audio features for music emotion
recognition. IEEE Trans. Affective Computing, 11(4), 614-626.
"""

from __future__ import annotations

import numpy as np

from .analysis import HOP, N_FFT, SR, serial_matmul
from .filters import hann_window

__all__ = ["loudness_db", "low_energy_rate", "dynamics_features", "DYNAMICS_NAMES",
           "LOUDNESS_FLOOR_DB", "k_weighting_gain", "k_weighted_power", "block_loudness",
           "integrated_loudness", "loudness_range", "loudness_range_features",
           "LRA_NAMES"]

#: Level given to digital silence (dBFS); below the 16-bit noise floor (-96 dBFS).
LOUDNESS_FLOOR_DB = -100.0

DYNAMICS_NAMES = (
    "dynamics.rms.mean", "dynamics.rms.std",
    "dynamics.loudness.p10", "dynamics.loudness.p50", "dynamics.loudness.p90",
    "dynamics.loudness.range", "dynamics.low_energy_rate",
)


#: EBU R128 loudness descriptors (schema ``audio-2``).
LRA_NAMES = ("dynamics.lufs.integrated", "dynamics.lufs.short_term.p95",
             "dynamics.lufs.range")

#: ITU-R BS.1770-4 K-weighting as two analogue-matched biquads (the stage-1 high
#: shelf and the stage-2 "RLB" high pass), designed for any rate as libebur128 does:
#: shelf (centre Hz, gain dB, Q, the exponent of the band gain), high pass (centre Hz,
#: Q). At 48 kHz they give the coefficients of BS.1770-4, Tables 1 and 2, to 1e-8
#: (``tests/audio/test_dynamics.py``).
_K_SHELF = (1681.974450955533, 3.999843853973347, 0.7071752369554196, 0.4996667741545416)
_K_HIGHPASS = (38.13547087602444, 0.5003270373238773)
#: BS.1770 gates (LUFS / LU) and windows (s); EBU Tech 3342 percentiles.
_ABS_GATE = -70.0
_REL_GATE_INTEGRATED, _REL_GATE_LRA = -10.0, -20.0
_MOMENTARY_S, _SHORT_TERM_S, _BLOCK_HOP_S = 0.4, 3.0, 0.1
_LRA_PERCENTILES = (10.0, 95.0)


def _biquad_shelf(sr: float):
    f0, g, q, vb_exp = _K_SHELF
    k = np.tan(np.pi * f0 / sr)
    vh = 10.0 ** (g / 20.0)
    vb = vh ** vb_exp
    a0 = 1.0 + k / q + k * k
    b = [(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0,
         (vh - vb * k / q + k * k) / a0]
    return b, [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]


def _biquad_highpass(sr: float):
    f0, q = _K_HIGHPASS
    k = np.tan(np.pi * f0 / sr)
    a0 = 1.0 + k / q + k * k
    return [1.0, -2.0, 1.0], [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]


def k_weighting_gain(freqs: np.ndarray, *, sr: float = SR) -> np.ndarray:
    """Power gain ``|H_K(f)|^2`` of the BS.1770 K-weighting filter at `freqs` (Hz).

    The cascade of the high shelf (+4 dB above about 2 kHz: the head's acoustic
    effect) and the high pass (below about 40 Hz: the revised low-frequency B
    curve), evaluated on the unit circle at rate `sr`. About 1.17 (+0.69 dB) at 1 kHz,
    which the -0.691 of the loudness formula cancels.

    References
    ----------
    ITU-R BS.1770-4 (2015). Algorithms to measure audio programme loudness and
    true-peak audio level. Annex 1, Sec. 2.1 and Figs. 1-3.
    """
    from scipy.signal import freqz

    f = np.asarray(freqs, dtype=np.float64)
    gain = np.ones_like(f)
    for b, a in (_biquad_shelf(sr), _biquad_highpass(sr)):
        _, h = freqz(b, a, worN=f, fs=sr)
        gain *= np.abs(h) ** 2
    return gain


def k_weighted_power(power_tf: np.ndarray, freqs: np.ndarray, *, n_fft: int = N_FFT,
                     sr: float = SR) -> np.ndarray:
    """Mean square of the K-weighted signal in each frame, from the power spectrogram.

    ``z[t] = sum_k c_k G_k |X_t[k]|^2 / (n_fft sum_n w[n]^2)`` with ``G`` the
    :func:`k_weighting_gain`, ``c_k = 2`` for the bins counted twice in a one-sided
    spectrum (1 at DC and Nyquist) and ``w`` the Hann window: by Parseval the
    window-weighted mean square of the filtered frame, so that a sine of amplitude
    ``A`` at 1 kHz gives ``1.17 A^2 / 2``. Filtering in the frequency domain reuses the
    shared STFT (no time-domain filter, no second transform); the hop of a quarter
    window makes the frames' squared windows sum to a constant, so averages of ``z``
    over many frames are the mean square of the filtered signal.

    Parameters
    ----------
    power_tf : ndarray, shape (n_frames, 1 + n_fft // 2)
        Time-major power spectrogram.

    Returns
    -------
    z : ndarray of float64, shape (n_frames,)
    """
    weights = k_weighting_gain(freqs, sr=sr) * 2.0
    weights[0] *= 0.5
    if n_fft % 2 == 0:
        weights[-1] *= 0.5
    w = hann_window(n_fft).astype(np.float64)
    # in serial blocks: the same bits whatever the BLAS threads (serial_matmul)
    z = serial_matmul(weights.astype(np.float32), power_tf.T)
    return z.astype(np.float64) / (n_fft * np.dot(w, w))


def block_loudness(z: np.ndarray, *, block_s: float, hop_s: float = _BLOCK_HOP_S,
                   sr: float = SR, hop: int = HOP) -> np.ndarray:
    """Loudness ``-0.691 + 10 log10(mean z)`` (LUFS) of blocks of frames.

    Blocks of ``round(block_s sr / hop)`` frames every ``round(hop_s sr / hop)``
    frames (0.4 s: momentary, 3 s: short-term; every 93 ms); a clip shorter than one
    block is one block. Digital silence gives :data:`LOUDNESS_FLOOR_DB`.

    References
    ----------
    ITU-R BS.1770-4, Annex 1, Eqs. (1)-(2); EBU Tech 3341 (2016), Sec. 2.2 (momentary
    and short-term loudness).
    """
    z = np.asarray(z, dtype=np.float64)
    width = max(1, int(round(block_s * sr / hop)))
    step = max(1, int(round(hop_s * sr / hop)))
    if z.shape[0] <= width:
        means = np.array([z.mean()]) if z.size else np.zeros(1)
    else:
        c = np.concatenate(([0.0], np.cumsum(z)))
        starts = np.arange(0, z.shape[0] - width + 1, step)
        means = (c[starts + width] - c[starts]) / width
    floor = 10.0 ** ((LOUDNESS_FLOOR_DB + 0.691) / 10.0)
    return -0.691 + 10.0 * np.log10(np.maximum(means, floor))


def _gated(lufs: np.ndarray, relative_gate: float) -> np.ndarray:
    """Blocks above -70 LUFS and above `relative_gate` LU below their power mean."""
    above = lufs[lufs > _ABS_GATE]
    if above.size == 0:
        return above
    mean = -0.691 + 10.0 * np.log10(np.mean(10.0 ** ((above + 0.691) / 10.0)))
    return above[above > mean + relative_gate]


def integrated_loudness(momentary: np.ndarray) -> float:
    """Gated integrated loudness (LUFS) from the 400-ms block loudnesses.

    Blocks at or below -70 LUFS are dropped, then those more than 10 LU below the
    power mean of the rest; the result is the loudness of the power mean of what
    remains. :data:`LOUDNESS_FLOOR_DB` if no block passes (silence). A full-scale
    997-Hz sine reads -3.01 LUFS.

    References
    ----------
    ITU-R BS.1770-4, Annex 1, Eqs. (3)-(7).
    """
    kept = _gated(np.asarray(momentary, dtype=np.float64), _REL_GATE_INTEGRATED)
    if kept.size == 0:
        return LOUDNESS_FLOOR_DB
    return float(-0.691 + 10.0 * np.log10(np.mean(10.0 ** ((kept + 0.691) / 10.0))))


def loudness_range(short_term: np.ndarray) -> float:
    """Loudness range LRA (LU): spread of the gated short-term loudness.

    The 3-s short-term loudnesses above -70 LUFS and above 20 LU below their power
    mean; ``LRA = P95 - P10`` of those (linear-interpolated percentiles). 0 when no
    or one block passes. Robust to a single loud peak or a fade, unlike a max-min
    range: a song alternating 10 dB quieter and louder sections has LRA 10 LU.

    References
    ----------
    EBU Tech 3342 (2016). Loudness Range: a measure to supplement EBU R 128 loudness
    normalization. Sec. 2-3.
    """
    kept = _gated(np.asarray(short_term, dtype=np.float64), _REL_GATE_LRA)
    if kept.size < 2:
        return 0.0
    lo, hi = np.percentile(kept, _LRA_PERCENTILES)
    return float(hi - lo)


def loudness_range_features(analysis) -> dict[str, float]:
    """EBU R128 loudness of an analysis (3 values, :data:`LRA_NAMES`).

    - ``dynamics.lufs.integrated``: :func:`integrated_loudness` (LUFS);
    - ``dynamics.lufs.short_term.p95``: 95th percentile of the gated 3-s short-term
      loudness (LUFS), the loud end of the range;
    - ``dynamics.lufs.range``: :func:`loudness_range` (LU).

    Unlike the frame levels of :func:`dynamics_features` (unweighted RMS of 93-ms
    frames), these weight frequencies as listeners do and integrate over the 0.4-s and
    3-s spans on which loudness is perceived, and the gates ignore silences and fades.
    """
    z = k_weighted_power(analysis.power.T, analysis.frequencies)
    short = block_loudness(z, block_s=_SHORT_TERM_S)
    kept = _gated(short, _REL_GATE_LRA)
    return {
        "dynamics.lufs.integrated": integrated_loudness(
            block_loudness(z, block_s=_MOMENTARY_S)),
        "dynamics.lufs.short_term.p95": float(np.percentile(kept, 95.0)) if kept.size
        else LOUDNESS_FLOOR_DB,
        "dynamics.lufs.range": loudness_range(short),
    }


def loudness_db(rms: np.ndarray, *, floor_db: float = LOUDNESS_FLOOR_DB) -> np.ndarray:
    """Frame level in dB relative to full scale: ``20 log10(max(rms, 10**(floor/20)))``.

    Examples
    --------
    >>> loudness_db(np.array([1.0, 0.1, 0.0]))
    array([   0.,  -20., -100.])
    """
    rms = np.asarray(rms, dtype=np.float64)
    return 20.0 * np.log10(np.maximum(rms, 10.0 ** (floor_db / 20.0)))


def low_energy_rate(rms: np.ndarray) -> float:
    """Share of frames with RMS below the mean RMS, in [0, 1).

    References
    ----------
    Tzanetakis, G., & Cook, P. (2002). Musical genre classification of audio signals.
    IEEE Trans. Speech and Audio Processing, 10(5), 293-302. Sec. IV-A ("low energy").

    Examples
    --------
    >>> low_energy_rate(np.array([0.0, 0.0, 0.0, 1.0]))
    0.75
    """
    rms = np.asarray(rms, dtype=np.float64)
    if rms.size == 0:
        return 0.0
    return float(np.mean(rms < rms.mean()))


def dynamics_features(analysis) -> dict[str, float]:
    """The 7 dynamics descriptors of an :class:`~affect_features.audio.analysis.AudioAnalysis`.

    Returns
    -------
    features : dict
        Keys :data:`DYNAMICS_NAMES`, in that order.
    """
    rms = np.asarray(analysis.rms, dtype=np.float64)
    db = loudness_db(rms)
    p10, p50, p90 = np.percentile(db, [10, 50, 90])
    return {
        "dynamics.rms.mean": float(rms.mean()),
        "dynamics.rms.std": float(rms.std()),
        "dynamics.loudness.p10": float(p10),
        "dynamics.loudness.p50": float(p50),
        "dynamics.loudness.p90": float(p90),
        "dynamics.loudness.range": float(p90 - p10),
        "dynamics.low_energy_rate": low_energy_rate(rms),
    }
