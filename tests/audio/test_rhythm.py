"""Tests of affect_features.audio.rhythm (tempo, pulse, onsets)."""

from __future__ import annotations

import numpy as np
import pytest

from affect_features.audio.analysis import HOP, AudioAnalysis
from affect_features.audio.analysis import TEMPO_WIN, mean_tempogram
from affect_features.audio.rhythm import (DENSITY_NAMES, RHYTHM_NAMES, detect_onsets,
                                          estimate_tempo, librosa_tempo, onset_density,
                                          onset_density_features, onset_autocorrelation,
                                          pulse_clarity, rhythm_features)

from .signals import SR, click_track, sine, white_noise


def _rh(y):
    return rhythm_features(AudioAnalysis(y, sr=SR))


@pytest.mark.parametrize("bpm", [72.0, 90.0, 120.0, 140.0])
def test_click_track_tempo_and_onset_rate(bpm):
    f = _rh(click_track(bpm, 10.0))
    # librosa's tempo lies on the grid of integer lags: within one lag of the period
    period = 60.0 * SR / (HOP * bpm)
    assert abs(60.0 * SR / (HOP * f["rhythm.tempo"]) - period) < 1.0
    old = rhythm_features(AudioAnalysis(click_track(bpm, 10.0), sr=SR), tempo="audio-1")
    assert old["rhythm.tempo"] == pytest.approx(bpm, abs=2.0)   # audio-1: interpolated
    n_clicks = len(np.arange(0.1, 10.0 - 0.02, 60.0 / bpm))
    assert f["rhythm.onset_rate"] == pytest.approx(n_clicks / 10.0, abs=1e-9)


def test_pulse_orders_clicks_above_noise():
    clicks, noise = _rh(click_track(120.0, 10.0)), _rh(white_noise(10.0))
    assert clicks["rhythm.pulse_clarity"] > 0.9 and noise["rhythm.pulse_clarity"] < 0.3
    assert clicks["rhythm.regularity"] > 0.9 and noise["rhythm.regularity"] < 0.2
    assert clicks["rhythm.beat_strength"] > 5 * noise["rhythm.beat_strength"]


def test_silence_and_steady_tone_have_no_pulse():
    for y in (np.zeros(SR), sine(440.0, 3.0)):
        f = _rh(y)
        assert f["rhythm.pulse_clarity"] < 0.05 and f["rhythm.regularity"] < 0.05
        assert f["rhythm.onset_rate"] < 0.5
    f = _rh(np.zeros(SR))
    assert f["rhythm.tempo"] == pytest.approx(60.0 * SR / (HOP * 22))  # the prior's peak
    assert all(f[n] == 0.0 for n in RHYTHM_NAMES if n != "rhythm.tempo")
    assert tuple(f) == RHYTHM_NAMES


def test_estimate_tempo_interpolates_between_lags():
    # an autocorrelation peaked at 21.53 frames (120 BPM) falls between lags 21 and 22
    lags = np.arange(384)
    period = 60.0 * SR / (HOP * 120.0)
    ac = sum(np.exp(-0.5 * ((lags - k * period) / 1.5) ** 2) for k in range(1, 17))
    bpm, lag = estimate_tempo(ac)
    assert lag in (21, 22) and bpm == pytest.approx(120.0, abs=0.5)
    assert estimate_tempo(np.zeros(384)) == (120.0, -1)


def test_onset_autocorrelation_and_pulse_clarity():
    env = np.zeros(400)
    env[::20] = 1.0                                    # period 20 frames (129 BPM)
    r = onset_autocorrelation(env)
    assert r[0] == pytest.approx(1.0) and r[20] == pytest.approx(1.0)
    assert pulse_clarity(r) == pytest.approx(1.0)
    assert not onset_autocorrelation(np.ones(100)).any()


def test_detect_onsets_equals_librosa():
    librosa = pytest.importorskip("librosa")
    y = click_track(100.0, 5.0) + 0.05 * white_noise(5.0) + sine(220.0, 5.0, amp=0.2)
    env = AudioAnalysis(y, sr=SR).onset_envelope
    assert np.array_equal(detect_onsets(env), librosa.onset.onset_detect(onset_envelope=env))
    assert detect_onsets(np.zeros(50)).size == 0



def test_librosa_tempo_prior_and_max_tempo():
    # no periodicity: the lag nearest 120 BPM on a log scale (22 frames, 117.45 BPM)
    assert librosa_tempo(np.zeros(TEMPO_WIN)) == (pytest.approx(117.454, abs=1e-3), 22)
    # a peak at lag 8 (323 BPM) is beyond max_tempo=320: the next best lag wins
    ac = np.zeros(TEMPO_WIN)
    ac[8], ac[30] = 1.0, 0.5
    assert librosa_tempo(ac)[1] == 30
    # the prior weighs log(1 + 1e6 ac): an equal peak at 43 (60 BPM) loses to 22
    ac = np.zeros(TEMPO_WIN)
    ac[22] = ac[43] = 0.5
    assert librosa_tempo(ac)[1] == 22


def test_mean_tempogram_equals_librosa():
    librosa = pytest.importorskip("librosa")
    y = click_track(100.0, 12.0) + 0.05 * white_noise(12.0)
    env = AudioAnalysis(y, sr=SR).onset_envelope
    ref = librosa.feature.tempogram(onset_envelope=env, win_length=TEMPO_WIN).mean(axis=1)
    assert np.abs(mean_tempogram(env) - ref).max() < 1e-6
    assert not mean_tempogram(np.zeros(50)).any()
    assert librosa_tempo(mean_tempogram(env))[0] == pytest.approx(
        float(librosa.feature.tempo(onset_envelope=env)[0]))


def test_onset_density_known_answers():
    win_s = 128 * HOP / SR                                # 2.97 s
    # isochronous onsets every 8 frames: 16 in every window, IOI without spread
    steady = np.arange(0, 1280, 8)
    f = onset_density_features(steady, 1280)
    assert f["rhythm.onset_density.std"] < 1e-9 and f["rhythm.ioi.cv"] == 0.0
    assert onset_density(steady, 1280) == pytest.approx(np.full(19, 16 / win_s))
    # dense first half (every 4 frames), sparse second (every 32): two densities
    mixed = np.concatenate([np.arange(0, 640, 4), np.arange(640, 1280, 32)])
    d = onset_density(mixed, 1280)
    assert d[0] == pytest.approx(32 / win_s) and d[-1] == pytest.approx(4 / win_s)
    g = onset_density_features(mixed, 1280)
    assert g["rhythm.onset_density.std"] == pytest.approx(d.std())
    assert g["rhythm.onset_density.cv"] == pytest.approx(d.std() / d.mean())
    assert g["rhythm.ioi.cv"] > 0.5
    assert onset_density_features(np.zeros(0, int), 100) == dict.fromkeys(DENSITY_NAMES, 0.0)


def test_rhythm_features_with_density_appends_the_names_in_order():
    f = rhythm_features(AudioAnalysis(click_track(120.0, 8.0), sr=SR), density=True)
    assert tuple(f) == RHYTHM_NAMES + DENSITY_NAMES
    assert f["rhythm.ioi.cv"] < 0.05                      # a metronome


def test_tempo_equals_librosa_on_real_clips(audio_data_dir):
    """Within 2 % of ``librosa.feature.tempo(y=...)`` on >= 95 % of 60 4Q clips."""
    librosa = pytest.importorskip("librosa")
    clips = sorted(audio_data_dir.glob("Q*/*.mp3"))[::12][:60]
    assert len(clips) >= 50
    ratio = []
    for path in clips:
        a = AudioAnalysis(path)
        ref = float(librosa.feature.tempo(y=a.y, sr=SR)[0])
        ratio.append(rhythm_features(a)["rhythm.tempo"] / ref)
    close = np.abs(np.array(ratio) - 1.0) <= 0.02
    assert close.mean() >= 0.95, np.array(ratio)[~close]
