"""Tests of the shared audio analysis: each representation against librosa's definition,
the filter banks, the median network, and short/silent signals."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.ndimage as ndi

from affect_features.audio._median import median_filter, median_network
from affect_features.audio.analysis import (HOP, N_FFT, SR, AudioAnalysis, hpss_masks,
                                            pool_frames)
from affect_features.audio.filters import chroma_filterbank, hann_window, mel_filterbank

from .signals import click_track, sine, white_noise

librosa = pytest.importorskip("librosa")


@pytest.fixture(scope="module")
def music():
    """3 s of a tone over noise with clicks: every representation is non-trivial."""
    rng = np.random.default_rng(1)
    y = sine(330.0, 3.0, amp=0.3) + 0.05 * white_noise(3.0) + click_track(100.0, 3.0)
    y[:2000] = 0.0                                 # a silent start
    return (y + 1e-4 * rng.standard_normal(len(y))).astype(np.float32)


def _rel(a, b):
    return float(np.abs(np.asarray(a) - np.asarray(b)).max() / (np.abs(b).max() + 1e-30))


def test_filter_banks_equal_librosa():
    assert _rel(mel_filterbank(SR, N_FFT), librosa.filters.mel(sr=SR, n_fft=N_FFT)) < 1e-6
    assert _rel(chroma_filterbank(SR, N_FFT), librosa.filters.chroma(sr=SR, n_fft=N_FFT)) < 1e-6
    import scipy.signal
    assert np.abs(hann_window(N_FFT) - scipy.signal.get_window("hann", N_FFT)).max() < 1e-7


def test_representations_equal_librosa(music):
    a = AudioAnalysis(music, sr=SR)
    mag = np.abs(librosa.stft(music, n_fft=N_FFT, hop_length=HOP))
    assert a.stft.shape == mag.shape == (1025, 1 + len(music) // HOP)
    assert _rel(a.stft, mag) < 1e-5
    assert _rel(a.power, mag ** 2) < 1e-5
    assert _rel(a.mel, librosa.feature.melspectrogram(S=mag ** 2)) < 1e-5
    assert np.abs(a.log_mel - librosa.power_to_db(a.mel)).max() < 1e-3
    assert np.abs(a.mfcc - librosa.feature.mfcc(S=a.log_mel, n_mfcc=20)).max() < 1e-3
    assert _rel(a.chroma, librosa.feature.chroma_stft(S=a.power, tuning=0.0)) < 1e-4
    assert _rel(a.onset_envelope, librosa.onset.onset_strength(S=a.log_mel)) < 1e-6
    tg = librosa.feature.tempogram(onset_envelope=a.onset_envelope)
    assert _rel(a.tempogram, tg[:, ::8]) < 1e-6
    assert _rel(a.rms, librosa.feature.rms(y=music)[0]) < 1e-5
    assert np.array_equal(a.zcr, librosa.feature.zero_crossing_rate(music)[0])


@pytest.mark.parametrize("n", [1, 100, 1102, 2048, 5000])
def test_short_signals_have_frames_like_librosa(n):
    y = sine(440.0, 1.0)[:n]
    a = AudioAnalysis(y, sr=SR)
    assert a.n_frames == 1 + n // HOP == a.stft.shape[1]
    with pytest.warns(UserWarning) if n < N_FFT else _nothing():
        ref = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP))
    assert _rel(a.stft, ref) < 1e-5
    assert _rel(a.rms, librosa.feature.rms(y=y)[0]) < 1e-5
    assert np.array_equal(a.zcr, librosa.feature.zero_crossing_rate(y)[0])
    for rep in (a.mel, a.log_mel, a.mfcc, a.chroma, a.onset_envelope, a.tempogram,
                *a.hp_masks):
        assert np.all(np.isfinite(rep))


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_silence_gives_zero_representations():
    a = AudioAnalysis(np.zeros(SR), sr=SR)
    assert not a.stft.any() and not a.mel.any() and not a.chroma.any()
    # 10 log10(1e-10) = -100 dB exactly in real numbers, but log_mel is float32 and numpy's
    # SIMD float32 log10 (AVX-512 in numpy >= 2.4) is accurate to a few ulp, not correctly
    # rounded: -100.00001 is one ulp (7.6e-6) away. Allow 4 ulp at -100.
    np.testing.assert_allclose(a.log_mel, -100.0, rtol=0, atol=4 * np.spacing(np.float32(100)))
    assert not a.onset_envelope.any() and not a.tempogram.any()
    assert not a.hp_masks[0].any() and not a.hp_masks[1].any()
    assert not a.rms.any() and not a.zcr.any()


def test_representations_are_computed_once(music):
    a = AudioAnalysis(music, sr=SR)
    assert a.mel is a.mel and a.mfcc is a.mfcc and a.hp_masks is a.hp_masks
    assert np.shares_memory(a.power, a._power_tf)


# -- median filter by sorting network --------------------------------------------------------

@pytest.mark.parametrize("size", [3, 5, 9, 15])
def test_median_network_by_the_zero_one_principle(size):
    """A comparator network that selects the median of every 0/1 input selects the
    median of every input (Knuth, TAOCP 3, 5.3.4)."""
    inputs = np.array(list(itertools.product([0, 1], repeat=size)), dtype=np.int8).T
    wires = list(inputs)
    for i, j in median_network(size):
        wires[i], wires[j] = np.minimum(wires[i], wires[j]), np.maximum(wires[i], wires[j])
    assert np.array_equal(wires[size // 2], (inputs.sum(axis=0) > size // 2).astype(np.int8))


@pytest.mark.parametrize("shape", [(40, 60), (3, 5), (1, 1), (20, 2)])
@pytest.mark.parametrize("size", [9, 15])
def test_median_filter_equals_scipy(shape, size):
    x = np.random.default_rng(0).random(shape).astype(np.float32)
    assert np.array_equal(median_filter(x, size, axis=1),
                          ndi.median_filter(x, size=(1, size), mode="reflect"))
    assert np.array_equal(median_filter(x, size, axis=0),
                          ndi.median_filter(x, size=(size, 1), mode="reflect"))


def test_hpss_separates_lines_from_columns():
    spec = np.full((64, 80), 1e-3, dtype=np.float32)
    spec[20, :] = 10.0    # a sustained partial: horizontal
    spec[:, 40] = 10.0    # a click: vertical
    mask_h, mask_p = hpss_masks(spec)
    assert mask_h[20, 10] > 0.99 and mask_p[20, 10] < 0.01
    assert mask_p[50, 40] > 0.99 and mask_h[50, 40] < 0.01
    assert np.allclose(mask_h + mask_p, 1.0)


def test_pool_frames():
    x = np.arange(10.0).reshape(2, 5)
    assert np.array_equal(pool_frames(x, 2), [[1, 5, 4], [11, 15, 9]])
    assert pool_frames(x, 1) is x


def test_serial_matmul_bits_do_not_depend_on_blas_threads(music):
    """The chroma and spectral-moment products give the same bits with one BLAS thread
    and with several, equal to ``a @ b`` up to float32 rounding, and leave the
    process's BLAS settings as they were."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from affect_features.audio.analysis import serial_matmul

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    power = AudioAnalysis(music, sr=SR)._power_tf.T          # (1025, n_frames) float32
    power = np.tile(power, (1, 4))                            # frames to split
    bank = chroma_filterbank(SR, N_FFT)
    weights = np.linspace(0.0, SR / 2, power.shape[0], dtype=np.float32)
    before = blas_threads()
    with threadpool_limits(limits=1, user_api="blas"):
        one = serial_matmul(bank, power), serial_matmul(weights, power)
    with threadpool_limits(limits=2, user_api="blas"):
        two = serial_matmul(bank, power), serial_matmul(weights, power)
    assert blas_threads() == before
    for a, b, exact in zip(one, two, (bank @ power, weights @ power)):
        assert a.dtype == np.float32 and np.array_equal(a, b)
        np.testing.assert_allclose(a, exact, rtol=1e-5, atol=1e-6 * np.abs(exact).max())
