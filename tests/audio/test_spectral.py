"""Tests of affect_features.audio.spectral (shape of the spectrum)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

from affect_features.audio.analysis import AudioAnalysis
from affect_features.audio.spectral import (SPECTRAL_NAMES, VALLEY_NAMES, spectral_bandwidth,
                                            spectral_centroid, spectral_contrast,
                                            spectral_features, spectral_flatness,
                                            spectral_flux, spectral_rolloff)

from .signals import SR, click_track, sine, white_noise


@pytest.fixture(scope="module")
def tone():
    return spectral_features(AudioAnalysis(sine(440.0, 2.0), sr=SR))


@pytest.fixture(scope="module")
def noise():
    return spectral_features(AudioAnalysis(white_noise(2.0), sr=SR))


def test_names_and_order(tone):
    assert tuple(tone) == SPECTRAL_NAMES and len(SPECTRAL_NAMES) == 26


def test_sine_centroid_rolloff_bandwidth(tone):
    assert tone["spectral.centroid.mean"] == pytest.approx(440.0, rel=0.03)
    assert tone["spectral.rolloff.mean"] == pytest.approx(440.0, rel=0.06)
    assert tone["spectral.bandwidth.mean"] < 60.0


def test_white_noise_centroid_rolloff(noise):
    # a flat magnitude spectrum from 0 to 11025 Hz: centre 5512 Hz, 85% at 9371 Hz
    assert noise["spectral.centroid.mean"] == pytest.approx(SR / 4, rel=0.03)
    assert noise["spectral.rolloff.mean"] == pytest.approx(0.85 * SR / 2, rel=0.03)
    assert noise["spectral.bandwidth.mean"] > 20 * 60.0


def test_flatness_of_noise_is_exp_minus_gamma(noise, tone):
    """Periodogram bins of white Gaussian noise are exponentially distributed, whose
    geometric over arithmetic mean is exp(-Euler's gamma) = 0.5615."""
    assert noise["spectral.flatness.mean"] == pytest.approx(np.exp(-np.euler_gamma), abs=0.02)
    assert tone["spectral.flatness.mean"] < 0.01


def test_zero_crossing_rate(noise, tone):
    # a sine crosses zero twice per period; white noise at every other sample
    assert tone["spectral.zcr.mean"] == pytest.approx(2 * 440 / SR, rel=0.02)
    assert noise["spectral.zcr.mean"] == pytest.approx(0.5, abs=0.02)


def test_rolloff_of_lowpassed_noise():
    sos = scipy.signal.butter(8, 2000.0, fs=SR, output="sos")
    y = scipy.signal.sosfilt(sos, white_noise(2.0)).astype(np.float32)
    f = spectral_features(AudioAnalysis(y, sr=SR))
    assert 1200.0 < f["spectral.rolloff.mean"] < 2100.0


def test_flux_orders_steady_and_changing_sounds(tone):
    alternating = np.concatenate([sine(440.0 * (1 + k % 2), 0.1) for k in range(20)])
    f = spectral_features(AudioAnalysis(alternating, sr=SR))
    assert tone["spectral.flux.mean"] < 0.01
    assert f["spectral.flux.mean"] > 10 * tone["spectral.flux.mean"]


def test_flux_definition_on_two_frames():
    s = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=np.float32)  # (bins, frames)
    assert spectral_flux(s) == pytest.approx([2.0])                  # orthogonal spectra
    assert spectral_flux(s[:, :1]) == pytest.approx([0.0])          # one frame
    s2 = np.array([[3.0, 6.0], [4.0, 8.0]], dtype=np.float32)       # same shape, louder
    assert spectral_flux(s2) == pytest.approx([0.0], abs=1e-6)


def test_contrast_is_higher_for_a_tone_than_for_noise(tone, noise):
    # 440 Hz lies in band 02 (400-800 Hz)
    assert tone["spectral.contrast.02.mean"] > noise["spectral.contrast.02.mean"] + 20


def test_silence_is_defined():
    f = spectral_features(AudioAnalysis(np.zeros(SR // 2), sr=SR))
    for q in ("centroid", "bandwidth", "rolloff", "flux", "zcr"):
        assert f[f"spectral.{q}.mean"] == 0.0
    assert f["spectral.flatness.mean"] == pytest.approx(1.0)
    assert all(f[f"spectral.contrast.{b:02d}.mean"] == 0.0 for b in range(7))


def test_functions_equal_librosa():
    librosa = pytest.importorskip("librosa")
    y = sine(300.0, 2.0, amp=0.2) + 0.1 * white_noise(2.0) + click_track(110.0, 2.0)
    y[:3000] = 0.0
    a = AudioAnalysis(y, sr=SR)
    s, f = np.ascontiguousarray(a.stft), a.frequencies

    def close(ours, ref, rtol):
        assert np.abs(ours - ref).max() <= rtol * np.abs(ref).max()

    close(spectral_centroid(a.stft, f), librosa.feature.spectral_centroid(S=s)[0], 1e-5)
    close(spectral_bandwidth(a.stft, f), librosa.feature.spectral_bandwidth(S=s)[0], 1e-5)
    close(spectral_flatness(a.power), librosa.feature.spectral_flatness(S=s)[0], 1e-3)
    close(spectral_contrast(a.stft, f), librosa.feature.spectral_contrast(S=s), 1e-5)
    # float32 summation order can move the 85% point by one bin in rare frames
    ours, ref = spectral_rolloff(a.stft, f), librosa.feature.spectral_rolloff(S=s)[0]
    assert np.abs(ours - ref).max() <= f[1] + 1e-6
    assert np.mean(ours == ref) > 0.99


def test_spectral_valley_known_answers():
    from affect_features.audio.spectral import spectral_peaks_valleys, spectral_valley

    freqs = np.linspace(0, SR / 2, 1025)
    flat = np.full((1025, 4), 1e-2, dtype=np.float32)       # constant magnitude 0.01
    peak, valley = spectral_peaks_valleys(flat, freqs)
    np.testing.assert_allclose(spectral_valley(valley), -20.0, atol=1e-4)  # 10 log10 0.01
    np.testing.assert_allclose(peak, valley)
    # one strong bin per band raises the peak, not the valley: contrast is peak - valley
    spiky = flat.copy()
    spiky[[5, 30, 60, 110, 220, 440, 880]] = 1.0
    peak, valley = spectral_peaks_valleys(spiky, freqs)
    np.testing.assert_allclose(spectral_valley(valley), -20.0, atol=1e-4)
    assert np.all(spectral_contrast(spiky, freqs) > 1.0)
    f = spectral_features(AudioAnalysis(white_noise(1.0), sr=SR), valleys=True)
    assert tuple(f)[-14:] == VALLEY_NAMES
