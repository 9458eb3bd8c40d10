"""Tiny declared data sets written into a test's folder, with known answers.

Photo sets: two-colour images whose valence is a known monotone function of their
brightness (and, optionally, whose arousal is pure noise); music sets: short sine and
noise clips labelled by Russell quadrant. Each is a ``csv:FILE`` table
(:mod:`affect_features.datasets`, ``csv:FILE``) so that the specs given to
``train_from_specs`` and ``evaluate_sets`` are exactly what a user would declare.
"""

from __future__ import annotations

import csv
import os

import cv2
import numpy as np

#: Image side (pixels): small enough to extract in ~15 ms, large enough for every group.
SIDE = 48


def brightness_valence(brightness):
    """The valence the synthetic photo sets give a photo of `brightness` (HSV value,
    0-1): ``1.6 * brightness - 0.8``, increasing, in [-0.8, 0.8] on [0, 1]."""
    return 1.6 * np.asarray(brightness, dtype=np.float64) - 0.8


def photo(path, brightness: float, saturation: float, hue: float, *,
          accent_hue: float | None = None) -> str:
    """Write a two-colour PNG: a flat HSV colour, with a band (the middle third of the
    rows) of `accent_hue` at the same brightness and saturation. Hue in [0, 180)
    (OpenCV's 8-bit HSV), brightness and saturation in [0, 1]."""
    hsv = np.empty((SIDE, SIDE, 3), dtype=np.uint8)
    hsv[..., 0] = int(hue) % 180
    hsv[..., 1] = int(round(255 * saturation))
    hsv[..., 2] = int(round(255 * brightness))
    if accent_hue is not None:
        hsv[SIDE // 3: 2 * SIDE // 3, :, 0] = int(accent_hue) % 180
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)):
        raise OSError(f"could not write {path}")
    return str(path)


def _write_table(path, header, rows) -> str:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def photo_set(folder, n: int = 30, *, seed: int = 0, arousal: str = "noise",
              brightness=None, quadrant_arousal: float = 0.5,
              valence_sign: float = 1.0) -> tuple[str, dict]:
    """A photo set of `n` two-colour images in `folder`, rated on the ``space`` scale.

    Valence is :func:`brightness_valence` of the photo's brightness (spread evenly over
    [0.1, 0.9] in a shuffled order, or the given `brightness`), times `valence_sign`
    (-1: a set whose raters found dark photos pleasant). Arousal: ``"noise"``,
    uniform on [-0.8, 0.8] and independent of the picture; ``"constant"``, every photo
    at `quadrant_arousal` (so that, with all brightness above 0.5, every photo is in
    one quadrant).

    Returns
    -------
    spec : str
        ``csv:FOLDER/ratings.csv``.
    truth : dict
        ``brightness``, ``saturation``, ``valence``, ``arousal`` (arrays, table order).
    """
    rng = np.random.default_rng(seed)
    folder = str(folder)
    os.makedirs(folder, exist_ok=True)
    b = (rng.permutation(np.linspace(0.1, 0.9, n)) if brightness is None
         else np.asarray(brightness, dtype=np.float64))
    s = rng.uniform(0.2, 0.9, size=n)
    hue = rng.uniform(0, 180, size=n)
    accent = rng.uniform(0, 180, size=n)
    v = valence_sign * brightness_valence(b)
    a = (rng.uniform(-0.8, 0.8, size=n) if arousal == "noise"
         else np.full(n, float(quadrant_arousal)))
    rows = []
    for i in range(n):
        name = f"p{i:03d}.png"
        photo(os.path.join(folder, name), b[i], s[i], hue[i], accent_hue=accent[i])
        rows.append([name, f"{v[i]:.6f}", f"{a[i]:.6f}", "space"])
    spec = "csv:" + _write_table(os.path.join(folder, "ratings.csv"),
                                 ["path", "valence", "arousal", "scale"], rows)
    return spec, {"brightness": b, "saturation": s, "valence": v, "arousal": a}


def clip(path, quadrant: str, *, seconds: float = 2.0, sr: int = 22050,
         seed: int = 0) -> str:
    """A short WAV whose sound follows its quadrant: high arousal (Q1, Q2) loud with a
    fast pulse, low arousal (Q3, Q4) quiet and steady; positive valence (Q1, Q4) a
    major triad of sines, negative (Q2, Q3) noise."""
    import soundfile as sf

    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    if quadrant in ("Q1", "Q4"):
        f0 = 220.0 * 2 ** (rng.integers(0, 12) / 12)
        y = sum(np.sin(2 * np.pi * f0 * r * t) for r in (1.0, 1.25, 1.5)) / 3
    else:
        y = rng.normal(size=t.size) * 0.5
    if quadrant in ("Q1", "Q2"):
        y = 0.8 * y * (0.5 + 0.5 * (np.sin(2 * np.pi * 4.0 * t) > 0))
    else:
        y = 0.1 * y
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    sf.write(str(path), y.astype(np.float32), sr)
    return str(path)


def music_set(folder, quadrants, *, seconds: float = 2.0) -> str:
    """A music set: one clip (:func:`clip`) per entry of `quadrants`, labelled with it
    (``taxonomy=russell``). Returns the spec ``csv:FOLDER/songs.csv``."""
    folder = str(folder)
    os.makedirs(folder, exist_ok=True)
    rows = []
    for i, q in enumerate(quadrants):
        name = f"s{i:03d}.wav"
        clip(os.path.join(folder, name), q, seconds=seconds, seed=i)
        rows.append([name, q, "russell"])
    return "csv:" + _write_table(os.path.join(folder, "songs.csv"),
                                 ["path", "label", "taxonomy"], rows)


def extracted_before_failing(call, folder) -> list[str]:
    """Run ``call(cache_dir)``, which must raise a DatasetError (a bad spec), with a
    fresh feature cache in `folder`; the files the cache holds afterwards (empty when
    every spec was checked before any extraction)."""
    import pytest

    from affect_features.datasets import DatasetError

    cache = os.path.join(str(folder), "cache")
    with pytest.raises(DatasetError):
        call(cache)
    return sorted(os.listdir(cache)) if os.path.isdir(cache) else []
