"""Tonality: pitch-class content, key and mode, harmonic relations, harmonicity.

Mode (major/minor) is the classic musical cue of valence; how clearly a key is
established (key strength), the harmonic movement (tonnetz) and how harmonic rather
than percussive the sound is contribute to valence and tension (Gabrielsson &
Lindström 2010; Panda et al. 2018, "tonality and harmony" features).

Descriptors (24):

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
  harmonic/percussive separation, in [0, 1] (:func:`harmonic_share`).

Degenerate input: with no pitch content (silence, or a perfectly flat chroma) the
key is undefined: key cos/sin are 0 (the centre of the circle), mode 0.5, both
strengths 0. Silent frames have zero chroma and tonnetz; silence has hpr 0.5.

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
           "TONNETZ_DIMS"]

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
