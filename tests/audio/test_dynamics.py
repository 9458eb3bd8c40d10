"""Tests of affect_features.audio.dynamics (RMS and loudness)."""

from __future__ import annotations

import numpy as np
import pytest

from affect_features.audio.analysis import AudioAnalysis
from affect_features.audio.dynamics import (DYNAMICS_NAMES, dynamics_features, loudness_db,
                                            low_energy_rate)

from .signals import SR, sine


def _dyn(y):
    return dynamics_features(AudioAnalysis(y, sr=SR))


def test_names_and_order():
    assert tuple(_dyn(sine(440.0, 0.5))) == DYNAMICS_NAMES


def test_sine_levels():
    f = _dyn(sine(440.0, 3.0, amp=0.5))
    level = 20 * np.log10(0.5 / np.sqrt(2))                  # -9.03 dBFS
    assert f["dynamics.loudness.p50"] == pytest.approx(level, abs=0.05)
    assert f["dynamics.loudness.p90"] == pytest.approx(level, abs=0.05)
    assert f["dynamics.loudness.range"] < 0.1
    assert f["dynamics.rms.mean"] == pytest.approx(0.5 / np.sqrt(2), rel=0.03)  # edges
    assert f["dynamics.low_energy_rate"] < 0.05                 # only the edge frames


def test_gain_shifts_levels_by_20log10():
    y = sine(440.0, 2.0, amp=0.1)
    a, b = _dyn(y), _dyn(2 * y)
    for p in ("p10", "p50", "p90"):
        assert b[f"dynamics.loudness.{p}"] - a[f"dynamics.loudness.{p}"] == pytest.approx(
            20 * np.log10(2), abs=1e-4)
    assert b["dynamics.loudness.range"] == pytest.approx(a["dynamics.loudness.range"], abs=1e-4)
    assert b["dynamics.rms.mean"] == pytest.approx(2 * a["dynamics.rms.mean"], rel=1e-5)


def test_loud_and_quiet_halves():
    y = np.concatenate([sine(440.0, 2.0, amp=0.5), sine(440.0, 2.0, amp=0.05)])
    f = _dyn(y)
    assert f["dynamics.low_energy_rate"] == pytest.approx(0.5, abs=0.03)
    assert f["dynamics.loudness.range"] == pytest.approx(20.0, abs=0.5)
    assert f["dynamics.loudness.p10"] == pytest.approx(20 * np.log10(0.05 / np.sqrt(2)), abs=0.1)


def test_silence_sits_on_the_floor():
    f = _dyn(np.zeros(SR))
    assert f["dynamics.rms.mean"] == 0.0 and f["dynamics.rms.std"] == 0.0
    # the floor is 20 log10(1e-5); SIMD log10 is accurate to a few ulp, not exact
    assert f["dynamics.loudness.p10"] == pytest.approx(-100.0, abs=1e-4)
    assert f["dynamics.loudness.p90"] == pytest.approx(-100.0, abs=1e-4)
    assert f["dynamics.loudness.range"] == 0.0 and f["dynamics.low_energy_rate"] == 0.0


def test_helpers():
    assert np.allclose(loudness_db(np.array([1.0, 0.1, 0.0])), [0.0, -20.0, -100.0])
    assert low_energy_rate(np.array([0.0, 0.0, 0.0, 1.0])) == 0.75
    assert low_energy_rate(np.array([])) == 0.0
