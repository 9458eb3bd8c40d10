"""Tests of affect_features.audio.modulation (rhythm patterns of the mel bands)."""

from __future__ import annotations

import numpy as np
import pytest

from affect_features.audio.analysis import HOP, AudioAnalysis
from affect_features.audio.modulation import (MODULATION_NAMES, MOD_SEGMENT,
                                              fluctuation_weight, modulation_features,
                                              modulation_spectrum, register_levels)

from .signals import SR, sine

RATE = SR / HOP


def test_fluctuation_weight():
    w = fluctuation_weight(np.array([0.0, 1.0, 2.0, 4.0, 8.0, 16.0]))
    np.testing.assert_allclose(w, [0, 8 / 17, 0.8, 1.0, 0.8, 8 / 17])


def test_sinusoidal_level_reads_its_amplitude_at_its_frequency():
    k = 24                                               # bin 24: 4.04 Hz
    f0 = k * RATE / MOD_SEGMENT
    t = np.arange(1300) / RATE
    levels = np.stack([-30 + 6.0 * np.sin(2 * np.pi * f0 * t), np.full(t.size, -50.0)])
    amp, freqs = modulation_spectrum(levels)
    assert freqs[k] == pytest.approx(f0)
    # Hann window: amplitude A at the bin, A/2 at its neighbours, times the weight
    assert amp[0, k] == pytest.approx(6.0 * fluctuation_weight(f0), rel=1e-6)
    assert amp[0, k + 1] == pytest.approx(3.0 * fluctuation_weight(freqs[k + 1]), rel=1e-6)
    assert amp[0, k + 3:].max() < 1e-6 and not amp[1].any()   # a steady band: 0


def test_registers_and_features():
    logmel = np.arange(128 * 5, dtype=float).reshape(128, 5)
    np.testing.assert_allclose(register_levels(logmel)[:, 0], [77.5, 237.5, 397.5, 557.5])
    f = modulation_features(AudioAnalysis(sine(440.0, 3.0), sr=SR))
    assert tuple(f) == MODULATION_NAMES and len(f) == 22
    amps = [v for n, v in f.items() if not n.endswith("centroid")]
    assert max(amps) < 0.1                                 # a steady tone barely moves
    # an 8.2-Hz tremolo of an A4 (the low register) sits in 8-16 Hz, not 0.25-1 Hz
    t = np.arange(int(6 * SR)) / SR
    trem = (0.3 * (1 + np.sin(2 * np.pi * 8.2 * t)) * np.sin(2 * np.pi * 440 * t))
    g = modulation_features(AudioAnalysis(trem.astype(np.float32), sr=SR))
    assert g["rhythm.modulation.low.08_16hz"] > 10 * g["rhythm.modulation.low.00_01hz"]
    assert 6.0 < g["rhythm.modulation.centroid"] < 11.0
    assert not any(modulation_features(AudioAnalysis(np.zeros(100), sr=SR)).values())
