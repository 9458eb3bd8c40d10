"""Tests of affect_features.audio.tonal (chroma, key, mode, tonnetz, harmonicity)."""

from __future__ import annotations

import numpy as np
import pytest

from affect_features.audio.analysis import AudioAnalysis
from affect_features.audio.tonal import (KK_MAJOR, KK_MINOR, PITCH_CLASSES, TONAL_NAMES,
                                         estimate_key, key_angle, key_correlations,
                                         tonal_features, tonnetz)

from .signals import A_MINOR, C_MAJOR, SR, click_track, progression, sine, white_noise

G_MAJOR = [[67, 71, 74], [72, 76, 79], [74, 78, 81], [67, 71, 74]]   # G C D G


def _ton(y):
    return tonal_features(AudioAnalysis(y, sr=SR))


def test_names_and_order():
    assert tuple(_ton(sine(440.0, 0.5))) == TONAL_NAMES and len(TONAL_NAMES) == 24


def test_a440_peaks_at_a():
    f = _ton(sine(440.0, 1.0))
    chroma = [f[f"tonal.chroma.{pc}.mean"] for pc in PITCH_CLASSES]
    assert PITCH_CLASSES[int(np.argmax(chroma))] == "A"
    assert f["tonal.chroma.A.mean"] > 0.99


def test_c_major_progression():
    y = progression(C_MAJOR)
    key = estimate_key(AudioAnalysis(y, sr=SR).chroma.mean(axis=1))
    assert key["name"] == "C major"
    f = _ton(y)
    assert f["tonal.mode"] == 1.0 and f["tonal.mode_strength"] > 0.05
    assert f["tonal.key.cos"] == pytest.approx(1.0)
    assert f["tonal.key.sin"] == pytest.approx(0.0, abs=1e-12)
    assert f["tonal.key_strength"] > 0.7


def test_a_minor_progression_shares_c_majors_angle():
    y = progression(A_MINOR)
    assert estimate_key(AudioAnalysis(y, sr=SR).chroma.mean(axis=1))["name"] == "A minor"
    f = _ton(y)
    assert f["tonal.mode"] == 0.0 and f["tonal.mode_strength"] < -0.05
    assert f["tonal.key.cos"] == pytest.approx(1.0)    # relative minor of C major


def test_g_major_is_one_fifth_round_the_circle():
    f = _ton(progression(G_MAJOR))
    assert f["tonal.mode"] == 1.0
    assert f["tonal.key.cos"] == pytest.approx(np.cos(np.pi / 6))
    assert f["tonal.key.sin"] == pytest.approx(np.sin(np.pi / 6))


def test_profiles_find_their_own_key():
    for tonic in range(12):
        major = estimate_key(np.roll(KK_MAJOR, tonic))
        minor = estimate_key(np.roll(KK_MINOR, tonic))
        assert (major["tonic"], major["mode"]) == (tonic, 1.0)
        assert (minor["tonic"], minor["mode"]) == (tonic, 0.0)
        assert major["key_strength"] == pytest.approx(1.0)


def test_key_angle_circle_of_fifths():
    assert key_angle(0, 1) == 0.0                         # C major
    assert key_angle(7, 1) == pytest.approx(np.pi / 6)    # G major: one fifth up
    assert key_angle(5, 1) == pytest.approx(11 * np.pi / 6)  # F major: one fifth down
    assert key_angle(9, 0) == 0.0                         # A minor = C major's signature


def test_flat_chroma_has_no_key():
    assert not key_correlations(np.ones(12)).any()
    f = _ton(np.zeros(SR))
    assert f["tonal.key.cos"] == f["tonal.key.sin"] == 0.0
    assert f["tonal.mode"] == 0.5 and f["tonal.key_strength"] == 0.0
    assert f["tonal.mode_strength"] == 0.0 and f["tonal.hpr"] == 0.5
    assert all(f[f"tonal.chroma.{pc}.mean"] == 0.0 for pc in PITCH_CLASSES)


def test_tonnetz_equals_librosa():
    librosa = pytest.importorskip("librosa")
    chroma = AudioAnalysis(progression(C_MAJOR), sr=SR).chroma
    chroma[:, :3] = 0.0                                   # silent frames included
    assert np.allclose(tonnetz(chroma), librosa.feature.tonnetz(chroma=chroma), atol=1e-6)


def test_harmonic_share_orders_tones_noise_and_clicks():
    tone = _ton(progression(C_MAJOR))["tonal.hpr"]
    noise = _ton(white_noise(3.0))["tonal.hpr"]
    clicks = _ton(click_track(120.0, 3.0))["tonal.hpr"]
    assert tone > 0.8 and clicks < 0.2 and clicks < noise < tone


# -- chroma and key-clarity statistics (audio-2) ------------------------------------------

def test_chroma_entropy_known_answers():
    from affect_features.audio.tonal import chroma_entropy

    one = np.zeros((12, 3))
    one[9, 0] = 1.0                                   # all energy in A
    one[:, 1] = 1.0                                   # flat
    one[[0, 7], 2] = 1.0                              # two equal classes: log 2 / log 12
    np.testing.assert_allclose(chroma_entropy(one), [0.0, 1.0, np.log(2) / np.log(12)])
    assert chroma_entropy(np.zeros((12, 2))).tolist() == [1.0, 1.0]   # silent frames


def test_local_key_clarity_and_stability():
    from affect_features.audio.tonal import KEY_CLARITY_NAMES, key_clarity_features, \
        local_key_clarity

    c_major = np.roll(KK_MAJOR, 0)[:, None].repeat(300, axis=1)     # a C-major profile
    clarity, key = local_key_clarity(c_major)
    assert clarity == pytest.approx(np.ones(clarity.size))          # r = 1 with itself
    assert set(key.tolist()) == {12}                                # major, tonic C
    # half C major, half F# major (the farthest key): the local key changes halfway
    fs = np.roll(KK_MAJOR, 6)[:, None].repeat(300, axis=1)
    clarity, key = local_key_clarity(np.hstack([c_major, fs]))
    assert key[0] == 12 and key[-1] == 18                           # the key moves
    assert clarity.min() < 0.9 and clarity.max() == pytest.approx(1.0)  # less clear across
    from types import SimpleNamespace

    f = key_clarity_features(SimpleNamespace(chroma=c_major))
    assert tuple(f) == KEY_CLARITY_NAMES
    assert f["tonal.key_stability"] == 1.0 and f["tonal.key_clarity.mean"] == pytest.approx(1)
    r = np.sort(key_correlations(KK_MAJOR).ravel())
    assert f["tonal.key_clarity.margin"] == pytest.approx(r[-1] - r[-2])
    assert f["tonal.chroma.C.std"] == pytest.approx(0.0, abs=1e-12)  # nothing moves
    half = key_clarity_features(SimpleNamespace(chroma=np.hstack([c_major, fs])))
    assert half["tonal.key_stability"] < 0.6 and half["tonal.key_clarity.std"] > 0
    real = key_clarity_features(AudioAnalysis(progression(C_MAJOR, 2.0), sr=SR))
    assert 0.0 < real["tonal.key_clarity.margin"] < 2.0 and real["tonal.key_stability"] > 0
    silent = key_clarity_features(AudioAnalysis(np.zeros(SR), sr=SR))
    assert silent["tonal.key_clarity.mean"] == 0.0 and silent["tonal.key_stability"] == 0.0
    assert silent["tonal.chroma.entropy.mean"] == 1.0
