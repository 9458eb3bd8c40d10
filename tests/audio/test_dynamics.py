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


# -- EBU R128 loudness (measured for audio-2; see README) --------------------------------

def test_k_weighting_matches_bs1770_at_48k():
    from affect_features.audio.dynamics import _biquad_highpass, _biquad_shelf

    # ITU-R BS.1770-4, Annex 1, Tables 1 and 2 (48 kHz)
    b, a = _biquad_shelf(48000)
    np.testing.assert_allclose(b, [1.53512485958697, -2.69169618940638, 1.19839281085285],
                               atol=1e-8)
    np.testing.assert_allclose(a, [1.0, -1.69065929318241, 0.73248077421585], atol=1e-8)
    b, a = _biquad_highpass(48000)
    np.testing.assert_allclose(b, [1.0, -2.0, 1.0])
    np.testing.assert_allclose(a, [1.0, -1.99004745483398, 0.99007225036621], atol=1e-8)


def test_full_scale_997_hz_sine_reads_minus_3_lufs():
    from affect_features.audio.dynamics import LRA_NAMES, loudness_range_features

    f = loudness_range_features(AudioAnalysis(sine(997.0, 10.0, amp=1.0), sr=SR))
    assert tuple(f) == LRA_NAMES
    # EBU Tech 3341: -3.01 LUFS at 48 kHz; the K filter at 22.05 kHz is 0.03 dB higher
    assert f["dynamics.lufs.integrated"] == pytest.approx(-3.01, abs=0.05)
    assert f["dynamics.lufs.range"] < 0.01


def test_loudness_range_of_two_levels_and_silence():
    from affect_features.audio.dynamics import loudness_range, loudness_range_features

    loud, quiet = sine(997.0, 12.0, amp=0.1), sine(997.0, 12.0, amp=0.1 * 10 ** (-0.5))
    f = loudness_range_features(AudioAnalysis(np.concatenate([loud, quiet]), sr=SR))
    assert f["dynamics.lufs.range"] == pytest.approx(10.0, abs=0.1)   # 10 dB step
    # EBU Tech 3342 on given short-term values: P95 - P10 of the gated ones
    assert loudness_range(np.r_[np.full(50, -20.0), np.full(50, -30.0)]) == pytest.approx(10)
    # a part 25 LU down is below the relative gate (-20 LU under the power mean, which
    # the loud half sets near -23 LUFS), and anything at -70 LUFS or below is ignored
    assert loudness_range(np.r_[np.full(50, -20.0), np.full(50, -45.0)]) == 0.0
    assert loudness_range(np.r_[np.full(50, -20.0), np.full(50, -80.0)]) == 0.0
    s = loudness_range_features(AudioAnalysis(np.zeros(SR), sr=SR))
    assert s == {"dynamics.lufs.integrated": -100.0, "dynamics.lufs.short_term.p95": -100.0,
                 "dynamics.lufs.range": 0.0}
