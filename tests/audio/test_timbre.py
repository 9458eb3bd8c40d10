"""Tests of affect_features.audio.timbre (MFCC statistics and deltas)."""

from __future__ import annotations

import numpy as np
import pytest

from affect_features.audio.analysis import AudioAnalysis
from affect_features.audio.timbre import TIMBRE_NAMES, delta, timbre_features

from .signals import SR, sine, white_noise


def test_names_and_order():
    assert len(TIMBRE_NAMES) == 60 == len(set(TIMBRE_NAMES))
    assert TIMBRE_NAMES[:3] == ("timbre.mfcc.00.mean", "timbre.mfcc.00.std",
                                "timbre.mfcc.01.mean")
    assert TIMBRE_NAMES[-1] == "timbre.mfcc_delta.19.std"
    f = timbre_features(AudioAnalysis(sine(440.0, 0.5), sr=SR))
    assert tuple(f) == TIMBRE_NAMES


def test_delta_of_a_ramp_is_its_slope():
    x = np.stack([np.arange(30.0), -2.0 * np.arange(30.0)])
    assert np.allclose(delta(x), [[1.0], [-2.0]])


def test_delta_equals_librosa():
    librosa = pytest.importorskip("librosa")
    x = np.random.default_rng(0).standard_normal((20, 57))
    assert np.allclose(delta(x), librosa.feature.delta(x), atol=1e-12)
    assert np.allclose(delta(x[:, :9]), librosa.feature.delta(x[:, :9]), atol=1e-12)


def test_delta_of_short_input():
    assert np.allclose(delta(np.arange(5.0)[None]), 1.0)      # window shrunk to 5
    assert not delta(np.ones((3, 2))).any()                    # < 3 frames: 0


def test_gain_moves_only_c0_by_the_known_amount():
    """x10 in amplitude is +20 dB in every mel band; the orthonormal DCT of a
    constant +20 dB vector over 128 bands is 20 * sqrt(128) in c0 and 0 elsewhere."""
    y = white_noise(1.0, amp=0.01)
    quiet = timbre_features(AudioAnalysis(y, sr=SR))
    loud = timbre_features(AudioAnalysis(10 * y, sr=SR))
    assert loud["timbre.mfcc.00.mean"] - quiet["timbre.mfcc.00.mean"] == pytest.approx(
        20 * np.sqrt(128), abs=0.05)
    for k in range(1, 20):
        assert loud[f"timbre.mfcc.{k:02d}.mean"] == pytest.approx(
            quiet[f"timbre.mfcc.{k:02d}.mean"], abs=1e-3)


def test_silence_is_constant():
    f = timbre_features(AudioAnalysis(np.zeros(SR), sr=SR))
    assert f["timbre.mfcc.00.mean"] == pytest.approx(-100 * np.sqrt(128), rel=1e-6)
    assert all(abs(f[f"timbre.mfcc.{k:02d}.mean"]) < 1e-3 for k in range(1, 20))
    assert all(f[n] == 0.0 for n in TIMBRE_NAMES if n.endswith(".std"))


def test_changing_timbre_has_larger_deltas_than_a_steady_tone():
    steady = sine(440.0, 2.0)
    # the same tone alternating with noise every 0.25 s
    alt = steady.copy()
    noise = white_noise(2.0, amp=0.3)
    for i in range(0, len(alt), SR // 2):
        alt[i:i + SR // 4] = noise[i:i + SR // 4]
    f_steady = timbre_features(AudioAnalysis(steady, sr=SR))
    f_alt = timbre_features(AudioAnalysis(alt, sr=SR))
    d = [f"timbre.mfcc_delta.{k:02d}.std" for k in range(20)]
    # (the steady tone changes only at its two edges, where the signal starts and stops)
    assert sum(f_alt[n] for n in d) > 3 * sum(f_steady[n] for n in d)
