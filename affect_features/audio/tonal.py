"""Tonality: pitch-class content, key and mode, harmonic relations, harmonicity.

Mode (major/minor) is the classic musical cue of valence; how clearly a key is
established (key strength), the harmonic movement (tonnetz) and how harmonic rather
than percussive the sound is contribute to valence and tension (Gabrielsson &
Lindström 2010; Panda et al. 2018, "tonality and harmony" features).

Descriptors (24 in ``audio-1``; ``audio-2`` adds the 18 of :func:`key_clarity_features`):

- ``tonal.chroma.<pc>.mean`` for the 12 pitch classes C, C#, D, D#, E, F, F#, G, G#,
  A, A#, B: mean of the STFT chromagram (A4 = 440 Hz, each frame scaled to max 1), in
  [0, 1];
- ``tonal.key.cos``, ``tonal.key.sin``: the estimated key as a point on the circle of
  fifths (C major and A minor at angle 0, G major / E minor at 30 degrees, ...;
  :func:`key_angle`), so that close keys are close values: a pitch-class number
  (0-11) would tell a model that B is far from C;
- ``tonal.mode``: 1 major, 0 minor (:func:`estimate_key`);
- ``tonal.key_strength``: correlation of the mean chroma with the best of the 24
  Krumhansl-Kessler key profiles (the Krumhansl-Schmuckler key-finding algorithm),
  in [-1, 1];
- ``tonal.mode_strength``: best major minus best minor correlation, in [-2, 2]
  (> 0 leans major);
- ``tonal.tonnetz.<d>.mean`` for ``d`` in fifths_x, fifths_y, minor_x, minor_y,
  major_x, major_y: mean tonal centroid (Harte et al. 2006, :func:`tonnetz`);
- ``tonal.hpr``: harmonic share of the (mel) energy after median-filtering
  harmonic/percussive separation, in [0, 1] (:func:`harmonic_share`);
- ``audio-2`` only: ``tonal.chroma.<pc>.std``, ``tonal.chroma.entropy.mean`` /
  ``.std``, ``tonal.key_clarity.mean`` / ``.std`` / ``.margin`` and
  ``tonal.key_stability`` (:func:`key_clarity_features`).

Degenerate input: with no pitch content (silence, or a perfectly flat chroma) the
key is undefined: key cos/sin are 0 (the centre of the circle), mode 0.5, both
strengths 0. Silent frames have zero chroma and tonnetz; silence has hpr 0.5, chroma
entropy 1, key clarity, margin and stability 0.

References
----------
Krumhansl, C. L., & Kessler, E. J. (1982). Tracing the dynamic changes in perceived
tonal organization in a spatial representation of musical keys. Psychological Review,
89(4), 334-368.
Harte, C., Sandler, M., & Gasser, M. (2006). Detecting harmonic change in musical audio.
Proc. ACM Workshop on Audio and Music Computing Multimedia, 21-26.
Fitzgerald, D. (2010). Harmonic/percussive separation using median filtering. Proc.
DAFx-10.
Gabrielsson, A., & Lindström, E. (2010). The role of structure in the musical expression
of emotions. In Handbook of Music and Emotion (pp. 367-400). Oxford University Press.
Panda, R., Malheiro, R., & Paiva, R. P. (2018). Novel audio features for music emotion
recognition. IEEE Trans. Affective Computing, 11(4), 614-626.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PITCH_CLASSES", "KK_MAJOR", "KK_MINOR", "key_correlations", "estimate_key",
           "key_angle", "tonnetz", "harmonic_share", "tonal_features", "TONAL_NAMES",
           "TONNETZ_DIMS", "chroma_entropy", "local_key_clarity", "key_clarity_features",
           "KEY_CLARITY_NAMES", "KEY_WIN", "KEY_HOP"]

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
TONNETZ_DIMS = ("fifths_x", "fifths_y", "minor_x", "minor_y", "major_x", "major_y")

#: Krumhansl & Kessler (1982) probe-tone ratings of the 12 pitch classes in a major and
#: a minor key context, tonic first (Krumhansl 1990, Table 2.1).
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])

TONAL_NAMES = tuple(
    [f"tonal.chroma.{pc}.mean" for pc in PITCH_CLASSES]
    + ["tonal.key.cos", "tonal.key.sin", "tonal.mode", "tonal.key_strength",
       "tonal.mode_strength"]
    + [f"tonal.tonnetz.{d}.mean" for d in TONNETZ_DIMS]
    + ["tonal.hpr"])


#: Chroma and key-clarity statistics (schema ``audio-2``).
KEY_CLARITY_NAMES = tuple(
    [f"tonal.chroma.{pc}.std" for pc in PITCH_CLASSES]
    + ["tonal.chroma.entropy.mean", "tonal.chroma.entropy.std",
       "tonal.key_clarity.mean", "tonal.key_clarity.std", "tonal.key_clarity.margin",
       "tonal.key_stability"])
#: Windows of the local key (frames): 128 frames (2.97 s) every 64.
KEY_WIN, KEY_HOP = 128, 64


def key_correlations(chroma_mean: np.ndarray) -> np.ndarray:
    """Pearson correlations of a 12-bin chroma vector with the 24 key profiles.

    Parameters
    ----------
    chroma_mean : ndarray, shape (12,)
        Pitch-class weights, C first.

    Returns
    -------
    r : ndarray, shape (2, 12)
        ``r[0, k]``: correlation with the major profile rotated to tonic ``k``;
        ``r[1, k]``: with the minor profile. All 0 if `chroma_mean` is constant.

    References
    ----------
    Krumhansl, C. L., & Kessler, E. J. (1982). Tracing the dynamic changes in perceived
    tonal organization in a spatial representation of musical keys. Psychological
    Review, 89(4), 334-368.
    Krumhansl, C. L. (1990). Cognitive Foundations of Musical Pitch. Oxford UP,
    Ch. 4 (the key-finding algorithm, after Krumhansl & Schmuckler).
    """
    x = np.asarray(chroma_mean, dtype=np.float64)
    xc = x - x.mean()
    nx = np.sqrt(np.sum(xc * xc))
    out = np.zeros((2, 12))
    if nx <= 1e-12 * max(1.0, np.abs(x).max()):
        return out
    for m, prof in enumerate((KK_MAJOR, KK_MINOR)):
        pc = prof - prof.mean()
        # rotations: profile for tonic k puts prof[0] at pitch class k
        rot = np.stack([np.roll(pc, k) for k in range(12)])
        out[m] = rot @ xc / (nx * np.sqrt(np.sum(pc * pc)))
    return out


def estimate_key(chroma_mean: np.ndarray) -> dict:
    """Key, mode and their strengths from a mean chroma vector.

    Returns
    -------
    key : dict
        ``tonic`` (pitch class 0-11, C = 0; -1 if undefined), ``mode`` (1 major,
        0 minor, 0.5 undefined), ``name`` (e.g. ``"A minor"``), ``key_strength`` (the
        best of the 24 correlations), ``mode_strength`` (best major minus best minor).

    Examples
    --------
    >>> c_major_scale = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1.0])
    >>> estimate_key(c_major_scale)["name"]
    'C major'
    """
    r = key_correlations(chroma_mean)
    if not np.any(r):
        return {"tonic": -1, "mode": 0.5, "name": "undefined",
                "key_strength": 0.0, "mode_strength": 0.0}
    best_major, best_minor = r[0].max(), r[1].max()
    mode = 1 if best_major >= best_minor else 0
    tonic = int(np.argmax(r[0] if mode == 1 else r[1]))
    return {
        "tonic": tonic,
        "mode": float(mode),
        "name": f"{PITCH_CLASSES[tonic]} {'major' if mode == 1 else 'minor'}",
        "key_strength": float(max(best_major, best_minor)),
        "mode_strength": float(best_major - best_minor),
    }


def key_angle(tonic: int, mode: float) -> float:
    """Angle (radians) of a key on the circle of fifths, by key signature.

    A major key with tonic ``k`` sits at ``2 pi (7 k mod 12) / 12`` (C 0, G 1/12 turn,
    D 2/12, ... F 11/12); a minor key at the position of its relative major (tonic
    + 3 semitones), so A minor shares C major's angle.
    """
    major_tonic = tonic if mode >= 1 else (tonic + 3) % 12
    return 2.0 * np.pi * ((7 * major_tonic) % 12) / 12.0


def tonnetz(chroma: np.ndarray) -> np.ndarray:
    """Tonal centroid: each frame's chroma projected on three circles of intervals.

    The chroma frame, normalised to sum 1, is mapped to points on the circles of
    fifths (radius 1), minor thirds (radius 1) and major thirds (radius 0.5), giving
    6 coordinates per frame. Silent frames map to 0. Equal to
    ``librosa.feature.tonnetz(chroma=chroma)``.

    Returns
    -------
    tonnetz : ndarray, shape (6, n_frames)
        Rows :data:`TONNETZ_DIMS`.

    References
    ----------
    Harte, C., Sandler, M., & Gasser, M. (2006). Detecting harmonic change in musical
    audio. Proc. ACM Workshop on Audio and Music Computing Multimedia, 21-26. Eq. (2).
    """
    chroma = np.asarray(chroma, dtype=np.float64)
    dim_map = np.linspace(0, 12, num=12, endpoint=False)
    scale = np.array([7.0 / 6, 7.0 / 6, 3.0 / 2, 3.0 / 2, 2.0 / 3, 2.0 / 3])
    v = np.multiply.outer(scale, dim_map)
    v[::2] -= 0.5
    radius = np.array([1.0, 1.0, 1.0, 1.0, 0.5, 0.5])
    phi = radius[:, None] * np.cos(np.pi * v)
    total = np.abs(chroma).sum(axis=0, keepdims=True)
    norm = chroma / np.where(total > np.finfo(np.float64).tiny, total, 1.0)
    return phi @ norm


def harmonic_share(mel: np.ndarray, mask_h: np.ndarray, mask_p: np.ndarray) -> float:
    """Harmonic share of the energy, ``sum(M mask_h) / sum(M (mask_h + mask_p))``.

    In [0, 1]: 1 for sustained tones, 0 for clicks and noise bursts; 0.5 when there is
    no energy. See :func:`~affect_features.audio.analysis.hpss_masks`.

    References
    ----------
    Fitzgerald, D. (2010). Harmonic/percussive separation using median filtering.
    Proc. DAFx-10.
    """
    m = np.asarray(mel, dtype=np.float64)
    h = float(np.sum(m * mask_h))
    p = float(np.sum(m * mask_p))
    if not h + p > 0:
        return 0.5
    return h / (h + p)


def _key_profiles() -> np.ndarray:
    """The 24 centred, unit-norm key profiles, minor tonics 0-11 then major 0-11."""
    rows = []
    for prof in (KK_MINOR, KK_MAJOR):
        pc = prof - prof.mean()
        pc = pc / np.sqrt(np.sum(pc * pc))
        rows += [np.roll(pc, k) for k in range(12)]
    return np.stack(rows)


_PROFILES = _key_profiles()


def chroma_entropy(chroma: np.ndarray) -> np.ndarray:
    """Normalised Shannon entropy of each chroma frame, in [0, 1].

    ``H[t] = -sum_p c_p log c_p / log 12`` with ``c = chroma[:, t] / sum(chroma[:, t])``:
    0 when one pitch class holds all the energy, 1 for a flat chroma (noise, dense
    clusters). A silent frame (all zero: no pitch information) gets 1.

    References
    ----------
    Shannon, C. E. (1948). A mathematical theory of communication. Bell System
    Technical Journal, 27, 379-423. Lartillot & Toiviainen (2007), MIRtoolbox
    ``mirentropy`` applied to the chromagram.
    """
    c = np.asarray(chroma, dtype=np.float64)
    total = c.sum(axis=0)
    ok = total > np.finfo(np.float64).tiny
    p = c / np.where(ok, total, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    return np.where(ok, -plogp.sum(axis=0) / np.log(12.0), 1.0)


def local_key_clarity(chroma: np.ndarray, *, win: int = KEY_WIN, hop: int = KEY_HOP
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Key clarity and key of consecutive windows of a chromagram.

    For each window of `win` frames every `hop` (one window if the clip is shorter),
    the mean chroma is correlated with the 24 Krumhansl-Kessler profiles
    (:func:`key_correlations`); the window's key clarity is the best correlation (0
    for a window without pitch content) and its key the index of the best profile
    (``12 mode + tonic``, major 12-23, minor 0-11; -1 if undefined).

    Returns
    -------
    clarity : ndarray, shape (n_windows,)
    key : ndarray of int, shape (n_windows,)

    References
    ----------
    Lartillot, O., & Toiviainen, P. (2007). A Matlab toolbox for musical feature
    extraction from audio. Proc. DAFx (``mirkeystrength``, key clarity = the maximal
    key strength). Krumhansl, C. L. (1990). Cognitive Foundations of Musical Pitch,
    Ch. 4.
    """
    c = np.asarray(chroma, dtype=np.float64)
    n = c.shape[1]
    if n <= win:
        means = c.mean(axis=1, keepdims=True) if n else np.zeros((12, 1))
    else:
        cs = np.concatenate((np.zeros((12, 1)), np.cumsum(c, axis=1)), axis=1)
        starts = np.arange(0, n - win + 1, hop)
        means = (cs[:, starts + win] - cs[:, starts]) / win
    # all windows at once: the correlations of key_correlations, minor profiles first
    # (row 12 * mode + tonic), with its rule for a constant chroma (no key)
    xc = means - means.mean(axis=0, keepdims=True)
    nx = np.sqrt(np.sum(xc * xc, axis=0))
    defined = nx > 1e-12 * np.maximum(1.0, np.abs(means).max(axis=0))
    r = _PROFILES @ xc / np.where(defined, nx, 1.0)
    key = np.where(defined, np.argmax(r, axis=0), -1)
    clarity = np.where(defined, r.max(axis=0), 0.0)
    return clarity, key


def key_clarity_features(analysis) -> dict[str, float]:
    """Chroma and key-clarity statistics (18 values, :data:`KEY_CLARITY_NAMES`).

    - ``tonal.chroma.<pc>.std``: standard deviation of each pitch class over frames
      (how much the harmony moves through it);
    - ``tonal.chroma.entropy.mean`` / ``.std``: of :func:`chroma_entropy` (how
      concentrated the pitch content is);
    - ``tonal.key_clarity.mean`` / ``.std``: of the local key clarity in 3-s windows
      (:func:`local_key_clarity`): how clearly, and how steadily, a key is heard;
    - ``tonal.key_clarity.margin``: best minus second-best of the 24 key correlations
      of the clip's mean chroma, in [0, 2]: small when two keys compete (ambiguous,
      chromatic or modulating music), 0 if the key is undefined;
    - ``tonal.key_stability``: share of the windows whose local key is the clip's
      key (:func:`estimate_key`), in [0, 1] (0 if the key is undefined).

    Tonal clarity and stability go with positive valence and low tension, ambiguity
    and chromaticism with tension (Gabrielsson & Lindström 2010); Panda et al. (2018)
    and Eerola et al. (2009, key clarity among the best predictors of valence)
    use them as emotion features.

    References
    ----------
    Eerola, T., Lartillot, O., & Toiviainen, P. (2009). Prediction of multidimensional
    emotional ratings in music from audio using multivariate regression models. Proc.
    ISMIR, 621-626.
    Temperley, D. (2007). Music and Probability. MIT Press, Ch. 4 (key ambiguity as the
    margin between the two most probable keys).
    """
    chroma = analysis.chroma
    std = chroma.std(axis=1, dtype=np.float64)
    out: dict[str, float] = {f"tonal.chroma.{pc}.std": float(v)
                             for pc, v in zip(PITCH_CLASSES, std)}
    ent = chroma_entropy(chroma)
    out["tonal.chroma.entropy.mean"] = float(ent.mean())
    out["tonal.chroma.entropy.std"] = float(ent.std())
    clarity, local = local_key_clarity(chroma)
    out["tonal.key_clarity.mean"] = float(clarity.mean())
    out["tonal.key_clarity.std"] = float(clarity.std())
    r = key_correlations(chroma.mean(axis=1, dtype=np.float64))
    if np.any(r):
        top2 = np.sort(r.ravel())[-2:]
        out["tonal.key_clarity.margin"] = float(top2[1] - top2[0])
        out["tonal.key_stability"] = float(np.mean(local == int(np.argmax(r[::-1].ravel()))))
    else:
        out["tonal.key_clarity.margin"] = out["tonal.key_stability"] = 0.0
    return out


def tonal_features(analysis) -> dict[str, float]:
    """The 24 tonal descriptors of an :class:`~affect_features.audio.analysis.AudioAnalysis`.

    Returns
    -------
    features : dict
        Keys :data:`TONAL_NAMES`, in that order.
    """
    chroma = analysis.chroma
    cmean = chroma.mean(axis=1, dtype=np.float64)
    out: dict[str, float] = {f"tonal.chroma.{pc}.mean": float(v)
                             for pc, v in zip(PITCH_CLASSES, cmean)}
    key = estimate_key(cmean)
    if key["tonic"] < 0:
        out["tonal.key.cos"] = out["tonal.key.sin"] = 0.0
    else:
        angle = key_angle(key["tonic"], key["mode"])
        out["tonal.key.cos"], out["tonal.key.sin"] = float(np.cos(angle)), float(np.sin(angle))
    out["tonal.mode"] = key["mode"]
    out["tonal.key_strength"] = key["key_strength"]
    out["tonal.mode_strength"] = key["mode_strength"]
    tz = tonnetz(chroma).mean(axis=1)
    for d, v in zip(TONNETZ_DIMS, tz):
        out[f"tonal.tonnetz.{d}.mean"] = float(v)
    mask_h, mask_p = analysis.hp_masks
    out["tonal.hpr"] = harmonic_share(analysis.mel_pooled, mask_h, mask_p)
    return out
