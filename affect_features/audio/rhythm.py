"""Rhythm: tempo, how clear and regular the pulse is, how dense the events are.

Fast tempo, strong and clear pulse and dense onsets go with high arousal; slow, vague
pulse with calm or sad music (Gabrielsson & Lindström 2010; Panda et al. 2018,
"rhythm" features; Lartillot et al. 2008 on pulse clarity).

Everything here reads the onset envelope and its autocorrelation tempogram from the
shared analysis; no beat tracker runs (the tempogram already holds the periodicity
that beat tracking would derive, and librosa's tracker costs seconds of numba loading
in a fresh process).

Descriptors (7 in ``audio-1``, 10 in ``audio-2``):

- ``rhythm.tempo``: tempo in BPM, the lag of the strongest periodicity of the onset
  envelope weighted by a log-normal prior centred on 120 BPM. ``audio-2``: exactly
  ``librosa.feature.tempo`` (:func:`librosa_tempo`: the 8-s, 344-frame tempogram
  averaged over every frame, lags on the integer grid, nothing at 320 BPM or faster);
  ``audio-1``: the 384-frame tempogram and a parabolic refinement between lags
  (:func:`estimate_tempo`), which differs from librosa's by more than 2 % on about
  one clip in ten;
- ``rhythm.pulse_clarity``: height of the highest peak, between 30 and 300 BPM, of the
  autocorrelation coefficient of the mean-removed onset envelope over the clip, in
  [0, 1] (:func:`onset_autocorrelation`, :func:`pulse_clarity`);
- ``rhythm.regularity``: that autocorrelation at 2, 3 and 4 beat periods (mean,
  negative values counted as 0), in [0, 1]: near 1 when the pulse keeps its period
  over four beats (a metronome), lower with rubato, changes or no pulse;
- ``rhythm.beat_strength``: the standard deviation of the onset envelope that repeats
  at the beat period, ``sqrt(max(r(period), 0) * var(o))`` (dB per frame), after the
  "beat strength" of Tzanetakis & Cook (2002, Sec. IV-B);
- ``rhythm.onset_rate``: detected onsets per second (:func:`detect_onsets`);
- ``rhythm.onset_strength.mean``, ``rhythm.onset_strength.std``: of the onset envelope
  (mean rise of the log-mel bands per frame, dB);
- ``audio-2`` only, the variation of the event density
  (:func:`onset_density_features`): ``rhythm.onset_density.std``,
  ``rhythm.onset_density.cv`` (onsets per second in 3-s windows) and ``rhythm.ioi.cv``
  (spread of the inter-onset intervals).

The beat period that regularity and beat strength read is the tempo's lag refined
between lags (:func:`refine_lag`) in both schemas.

Degenerate input: with no onset (silence, a steady tone) the tempogram is 0, the tempo
is the prior's peak (``audio-2``: lag 22, 117.45 BPM; ``audio-1``: 120 BPM), and pulse
clarity, regularity, beat strength, onset rate and the density variation are 0.
Clips shorter than the tempogram window are analysed with a
zero-padded window; lags beyond half the clip are not used (regularity is then
computed from the multiples that fit, 0 if none does).

References
----------
Ellis, D. P. W. (2007). Beat tracking by dynamic programming. J. New Music Research,
36(1), 51-60.
Lartillot, O., Eerola, T., Toiviainen, P., & Fornari, J. (2008). Multi-feature modeling
of pulse clarity: design, validation and optimization. Proc. ISMIR, 521-526.
Tzanetakis, G., & Cook, P. (2002). Musical genre classification of audio signals. IEEE
Trans. Speech and Audio Processing, 10(5), 293-302.
Gabrielsson, A., & Lindström, E. (2010). The role of structure in the musical expression
of emotions. In Handbook of Music and Emotion (pp. 367-400). Oxford University Press.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from .analysis import HOP, SR

__all__ = ["tempo_frequencies", "estimate_tempo", "librosa_tempo", "pulse_clarity",
           "detect_onsets", "onset_autocorrelation", "onset_density", "onset_density_features",
           "rhythm_features", "RHYTHM_NAMES", "DENSITY_NAMES", "MIN_BPM", "MAX_BPM",
           "START_BPM", "LIBROSA_MAX_BPM", "DENSITY_WIN", "DENSITY_HOP", "refine_lag"]

#: Tempo search range (BPM).
MIN_BPM, MAX_BPM = 30.0, 300.0
#: Centre and spread (octaves) of the log-normal tempo prior (librosa's defaults).
START_BPM, STD_BPM = 120.0, 1.0
#: ``librosa.feature.tempo``'s ``max_tempo``: lags of this tempo or faster are excluded.
LIBROSA_MAX_BPM = 320.0
#: Windows of the onset density (frames): 128 frames (2.97 s) every 64 (1.49 s).
DENSITY_WIN, DENSITY_HOP = 128, 64

RHYTHM_NAMES = (
    "rhythm.tempo", "rhythm.pulse_clarity", "rhythm.regularity", "rhythm.beat_strength",
    "rhythm.onset_rate", "rhythm.onset_strength.mean", "rhythm.onset_strength.std",
)
#: Onset-density variation (schema ``audio-2``).
DENSITY_NAMES = ("rhythm.onset_density.std", "rhythm.onset_density.cv", "rhythm.ioi.cv")


def tempo_frequencies(n_lags: int, *, sr: float = SR, hop: int = HOP) -> np.ndarray:
    """Tempo (BPM) of each autocorrelation lag ``0 .. n_lags-1`` (lag 0: inf)."""
    lags = np.arange(n_lags, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return 60.0 * sr / (hop * lags)


def _tempo_range(n_lags: int, sr: float, hop: int) -> np.ndarray:
    bpms = tempo_frequencies(n_lags, sr=sr, hop=hop)
    return (bpms >= MIN_BPM) & (bpms <= MAX_BPM)


def estimate_tempo(ac: np.ndarray, *, sr: float = SR, hop: int = HOP,
                   start_bpm: float = START_BPM, std_bpm: float = STD_BPM) -> tuple[float, int]:
    """Tempo from the mean autocorrelation of the onset envelope.

    The lag maximising ``log(1 + 1e6 A(l)) + log prior(l)`` over 30-300 BPM, where the
    prior is log-normal in BPM (centre `start_bpm`, `std_bpm` octaves), as
    ``librosa.feature.tempo``; the lag is then refined by fitting a parabola through
    ``A`` at the peak and its two neighbours (so a 120-BPM pulse, 21.5 frames, is not
    rounded to 117 or 123 BPM).

    Parameters
    ----------
    ac : ndarray, shape (n_lags,)
        Mean normalised autocorrelation (the tempogram averaged over time).

    Returns
    -------
    bpm : float
        `start_bpm` if ``ac`` has no positive value in the range.
    lag : int
        The integer lag of the peak (-1 if none).

    References
    ----------
    Ellis, D. P. W. (2007). Beat tracking by dynamic programming. J. New Music Research,
    36(1), 51-60. Sec. 3.1 (tempo estimation with a log-Gaussian weighting).
    """
    ac = np.asarray(ac, dtype=np.float64)
    n = ac.shape[0]
    valid = _tempo_range(n, sr, hop)
    if not np.any(ac[valid] > 0):
        return float(start_bpm), -1
    bpms = tempo_frequencies(n, sr=sr, hop=hop)
    with np.errstate(divide="ignore", invalid="ignore"):
        logprior = -0.5 * ((np.log2(bpms) - np.log2(start_bpm)) / std_bpm) ** 2
    score = np.where(valid, np.log1p(1e6 * np.maximum(ac, 0.0)) + logprior, -np.inf)
    lag = int(np.argmax(score))
    return float(60.0 * sr / (hop * refine_lag(ac, lag))), lag


def refine_lag(ac: np.ndarray, lag: int) -> float:
    """A peak lag refined between integer lags by a parabola through its neighbours.

    ``lag + 0.5 (A[l-1] - A[l+1]) / (A[l-1] - 2 A[l] + A[l+1])`` (clipped to half a lag)
    when ``A[lag]`` is a local maximum with negative curvature, else `lag`.
    """
    ac = np.asarray(ac, dtype=np.float64)
    if 1 <= lag < ac.shape[0] - 1 and ac[lag] >= ac[lag - 1] and ac[lag] >= ac[lag + 1]:
        curv = ac[lag - 1] - 2.0 * ac[lag] + ac[lag + 1]
        if curv < 0:
            return lag + float(np.clip(0.5 * (ac[lag - 1] - ac[lag + 1]) / curv, -0.5, 0.5))
    return float(lag)


def librosa_tempo(mean_ac: np.ndarray, *, sr: float = SR, hop: int = HOP,
                  start_bpm: float = START_BPM, std_bpm: float = STD_BPM,
                  max_bpm: float = LIBROSA_MAX_BPM) -> tuple[float, int]:
    """Tempo as ``librosa.feature.tempo`` defines it, from the mean 8-s tempogram.

    ``lag* = argmax_l [log(1 + 1e6 M(l)) - 0.5 ((log2 bpm(l) - log2 start_bpm) /
    std_bpm)^2]`` over the lags ``l >= 1`` slower than `max_bpm`, with
    ``bpm(l) = 60 sr / (hop l)`` and ``M`` the mean normalised autocorrelation of the
    onset envelope over 344-frame (8-s) windows
    (:func:`~affect_features.audio.analysis.mean_tempogram`); the tempo is
    ``bpm(lag*)``, on the grid of integer lags (no interpolation), as librosa's. No
    lower bound other than the window (lag 343, 7.5 BPM): the prior alone keeps the
    choice near 120 BPM.

    Parameters
    ----------
    mean_ac : ndarray, shape (n_lags,)
        ``M``, lags 0 .. n_lags - 1.

    Returns
    -------
    bpm : float
        With no periodicity (``M = 0``: silence, a steady tone) the lag nearest the
        prior's centre wins: 117.45 BPM (lag 22).
    lag : int
        The chosen lag.

    References
    ----------
    Ellis, D. P. W. (2007). Beat tracking by dynamic programming. J. New Music Research,
    36(1), 51-60. Sec. 3.1. McFee, B., et al. (2015). librosa: audio and music signal
    analysis in Python. Proc. SciPy (``librosa.feature.tempo``, version 0.11).

    Examples
    --------
    >>> round(librosa_tempo(np.zeros(344))[0], 2)
    117.45
    """
    ac = np.asarray(mean_ac, dtype=np.float64)
    bpms = tempo_frequencies(ac.shape[0], sr=sr, hop=hop)
    with np.errstate(divide="ignore", invalid="ignore"):
        logprior = -0.5 * ((np.log2(bpms) - np.log2(start_bpm)) / std_bpm) ** 2
    logprior[bpms >= max_bpm] = -np.inf   # also lag 0 (infinite tempo)
    lag = int(np.argmax(np.log1p(1e6 * np.maximum(ac, 0.0)) + logprior))
    return float(bpms[lag]), lag


def onset_autocorrelation(onset_env: np.ndarray) -> np.ndarray:
    """Autocorrelation coefficient of the mean-removed onset envelope over the clip.

    ``r(l) = [sum_t x_t x_{t+l} / (n - l)] / [sum_t x_t^2 / n]`` with
    ``x = o - mean(o)``, for lags ``l = 0 .. n // 2`` (unbiased, so that a periodic
    envelope keeps its height at long lags). ``r(0) = 1``; 0 at every lag if the
    envelope is constant (silence, a steady tone). Unlike the tempogram (librosa's
    definition, on the raw non-negative envelope, whose autocorrelation sits on a
    floor set by its mean: about 0.9 for white noise), this is 0 on average for
    noise and near 1 at the beat period for a metronome.

    Returns
    -------
    r : ndarray, shape (n // 2 + 1,)
    """
    x = np.asarray(onset_env, dtype=np.float64)
    n = x.shape[0]
    x = x - x.mean()
    energy = float(np.dot(x, x))
    n_lags = n // 2 + 1
    if n < 2 or energy <= 1e-12 * max(1.0, n):
        return np.zeros(n_lags)
    n_fft = scipy.fft.next_fast_len(2 * n, real=True)
    f = scipy.fft.rfft(x, n=n_fft)
    ac = scipy.fft.irfft(f.real ** 2 + f.imag ** 2, n=n_fft)[:n_lags]
    return (ac / (n - np.arange(n_lags))) / (energy / n)


def pulse_clarity(r: np.ndarray, *, sr: float = SR, hop: int = HOP) -> float:
    """Height of the highest peak of the onset autocorrelation in 30-300 BPM, in [0, 1].

    `r` is :func:`onset_autocorrelation`. About 0.9 for a click track, near 0 for
    noise, 0 for silence or a steady tone.

    References
    ----------
    Lartillot, O., Eerola, T., Toiviainen, P., & Fornari, J. (2008). Multi-feature
    modeling of pulse clarity: design, validation and optimization. Proc. ISMIR,
    521-526 (the "maximum of the autocorrelation" descriptor).
    """
    r = np.asarray(r, dtype=np.float64)
    n = r.shape[0]
    if n < 3:
        return 0.0
    inner = np.zeros(n, dtype=bool)
    inner[1:-1] = (r[1:-1] >= r[:-2]) & (r[1:-1] >= r[2:])
    peaks = r[_tempo_range(n, sr, hop) & inner]
    return float(np.clip(peaks.max(), 0.0, 1.0)) if peaks.size else 0.0


def _at_lag(r: np.ndarray, lag: float) -> float | None:
    """Largest value of `r` within one lag of `lag` (None if out of range)."""
    i = int(round(lag))
    if i < 1 or i + 1 >= r.shape[0]:
        return None
    return float(r[i - 1:i + 2].max())


def detect_onsets(onset_env: np.ndarray, *, pre_max: int = 1, post_max: int = 1,
                  pre_avg: int = 4, post_avg: int = 5, delta: float = 0.07,
                  wait: int = 1) -> np.ndarray:
    """Frames of the onsets: peaks of the onset envelope (Böck et al. 2012 peak picking).

    The envelope is scaled to [0, 1]; frame ``n`` is an onset if
    ``x[n] == max(x[n-pre_max : n+post_max])``,
    ``x[n] >= mean(x[n-pre_avg : n+post_avg]) + delta`` and it comes more than `wait`
    frames after the previous onset. The defaults are librosa's at 22,050 Hz / hop 512
    (30 ms, 100 ms, delta 0.07); equal to ``librosa.onset.onset_detect(onset_envelope=...)``.

    References
    ----------
    Böck, S., Krebs, F., & Schedl, M. (2012). Evaluating the online capabilities of
    onset detection methods. Proc. ISMIR, 49-54. Sec. 3.
    """
    x = np.asarray(onset_env, dtype=np.float64)
    n = x.shape[0]
    if n == 0 or not np.all(np.isfinite(x)):
        return np.zeros(0, dtype=int)
    x = x - x.min()
    x = x / (x.max() + np.finfo(np.float32).tiny)
    if not x.any():
        return np.zeros(0, dtype=int)
    idx = np.arange(n)
    padded = np.concatenate((np.full(pre_max, -np.inf), x, np.full(max(post_max - 1, 0), -np.inf)))
    mov_max = np.lib.stride_tricks.sliding_window_view(padded, pre_max + post_max).max(axis=1)
    c = np.concatenate(([0.0], np.cumsum(x)))
    lo = np.maximum(0, idx - pre_avg)
    hi = np.minimum(n, idx + post_avg)
    mov_avg = (c[hi] - c[lo]) / (hi - lo)
    cand = np.flatnonzero((x == mov_max[:n]) & (x >= mov_avg + delta))
    onsets, last = [], -np.inf
    for i in cand:
        if i > last + wait:
            onsets.append(i)
            last = i
    return np.asarray(onsets, dtype=int)


def onset_density(onsets: np.ndarray, n_frames: int, *, win: int = DENSITY_WIN,
                  hop: int = DENSITY_HOP, sr: float = SR, frame_hop: int = HOP) -> np.ndarray:
    """Onsets per second in windows of `win` frames every `hop` frames.

    ``d[i] = #{onsets in [i hop, i hop + win)} / (win frame_hop / sr)``, for the
    windows that fit in the clip (one window, of the whole clip, if the clip is
    shorter than `win`).

    Returns
    -------
    density : ndarray, shape (n_windows,)
    """
    onsets = np.asarray(onsets, dtype=np.int64)
    if n_frames <= win:
        return np.array([onsets.size / max(n_frames * frame_hop / sr, 1e-9)])
    starts = np.arange(0, n_frames - win + 1, hop)
    counts = (np.searchsorted(onsets, starts + win, side="left")
              - np.searchsorted(onsets, starts, side="left"))
    return counts / (win * frame_hop / sr)


def onset_density_features(onsets: np.ndarray, n_frames: int) -> dict[str, float]:
    """How much the density of events changes over the clip (3 values).

    - ``rhythm.onset_density.std``: standard deviation of the onsets per second in
      3-s windows (:func:`onset_density`), onsets/s;
    - ``rhythm.onset_density.cv``: that standard deviation over the mean density
      (0 with no onset);
    - ``rhythm.ioi.cv``: coefficient of variation of the inter-onset intervals,
      ``std(IOI) / mean(IOI)`` (0 with fewer than 3 onsets): 0 for an isochronous
      pulse, about 1 for onsets at random (Poisson) times.

    Sections that alternate dense and sparse textures (a verse and a drum fill, rubato
    and held chords) raise these; steady grooves keep them low. Panda et al. (2018)
    count such "rhythmic variation" among their novel emotion features.

    References
    ----------
    Panda, R., Malheiro, R., & Paiva, R. P. (2018). Novel audio features for music
    emotion recognition. IEEE Trans. Affective Computing, 11(4), 614-626 (event
    density, Sec. 3).
    Lartillot, O., & Toiviainen, P. (2007). A Matlab toolbox for musical feature
    extraction from audio. Proc. DAFx (``mireventdensity``).
    """
    d = onset_density(onsets, n_frames)
    mean = float(d.mean())
    std = float(d.std())
    ioi = np.diff(np.asarray(onsets, dtype=np.float64))
    ioi_cv = float(ioi.std() / ioi.mean()) if ioi.size >= 2 else 0.0
    return {
        "rhythm.onset_density.std": std,
        "rhythm.onset_density.cv": std / mean if mean > 0 else 0.0,
        "rhythm.ioi.cv": ioi_cv,
    }


def rhythm_features(analysis, *, tempo: str = "librosa",
                    density: bool = False) -> dict[str, float]:
    """The rhythm descriptors of an :class:`~affect_features.audio.analysis.AudioAnalysis`.

    Parameters
    ----------
    tempo : {"librosa", "audio-1"}
        ``"librosa"`` (schema ``audio-2``): :func:`librosa_tempo` on the 8-s tempogram;
        ``"audio-1"``: :func:`estimate_tempo` on the 384-frame tempogram (the first
        schema's definition, kept for the models trained on it: it differs from
        librosa's by more than 2 % on about 1 clip in 10).
    density : bool
        Append :data:`DENSITY_NAMES` (:func:`onset_density_features`).

    Returns
    -------
    features : dict
        Keys :data:`RHYTHM_NAMES` (then :data:`DENSITY_NAMES`), in that order.
    """
    env = np.asarray(analysis.onset_envelope, dtype=np.float64)
    if tempo == "audio-1":
        bpm, lag = estimate_tempo(analysis.tempogram.mean(axis=1))
        period = 60.0 * SR / (HOP * bpm)   # the (fractional) beat period in frames
    else:
        ac = analysis.tempo_autocorrelation
        bpm, lag = librosa_tempo(ac)
        # the tempo stays on librosa's lag grid; the beat multiples that regularity
        # reads need the period between lags (4 x 22 frames misses 4 x 21.5 by 2)
        period = refine_lag(ac, lag)
    r = onset_autocorrelation(env)
    at_beat = _at_lag(r, period) if lag >= 0 else None
    multiples = [v for k in (2, 3, 4) if (v := _at_lag(r, k * period)) is not None] \
        if lag >= 0 else []
    regularity = float(np.mean(np.maximum(multiples, 0.0))) if multiples else 0.0
    strength = float(np.sqrt(max(at_beat or 0.0, 0.0) * env.var()))
    onsets = detect_onsets(env)
    n_onsets = onsets.shape[0]
    out = {
        "rhythm.tempo": bpm,
        "rhythm.pulse_clarity": pulse_clarity(r),
        "rhythm.regularity": float(np.clip(regularity, 0.0, 1.0)),
        "rhythm.beat_strength": strength,
        "rhythm.onset_rate": n_onsets / max(analysis.duration, 1e-9),
        "rhythm.onset_strength.mean": float(env.mean()),
        "rhythm.onset_strength.std": float(env.std()),
    }
    if density:
        out.update(onset_density_features(onsets, env.shape[0]))
    return out
