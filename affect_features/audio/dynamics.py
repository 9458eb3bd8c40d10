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

__all__ = ["loudness_db", "low_energy_rate", "dynamics_features", "DYNAMICS_NAMES",
           "LOUDNESS_FLOOR_DB"]

#: Level given to digital silence (dBFS); below the 16-bit noise floor (-96 dBFS).
LOUDNESS_FLOOR_DB = -100.0

DYNAMICS_NAMES = (
    "dynamics.rms.mean", "dynamics.rms.std",
    "dynamics.loudness.p10", "dynamics.loudness.p50", "dynamics.loudness.p90",
    "dynamics.loudness.range", "dynamics.low_energy_rate",
)


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
