"""Tests of affect_features.audio.decode: formats, channels, rates, windows, errors."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from affect_features.audio.decode import (DEFAULT_MAX_DURATION, as_mono_float32,
                                          load_audio, read_tags)
from affect_features.errors import DecodeError, ParameterError

from .signals import dominant_freq, sine, write_av

SR = 22050


@pytest.fixture(scope="module")
def tone_files(tmp_path_factory):
    """A 2-s 440 Hz tone at 22.05 kHz in each format, written by the tests themselves."""
    d = tmp_path_factory.mktemp("formats")
    y = sine(440.0, 2.0, amp=0.5)
    files = {}
    for ext, fmt in [("wav", "WAV"), ("flac", "FLAC"), ("ogg", "OGG")]:
        files[ext] = d / f"tone.{ext}"
        sf.write(files[ext], y, SR, format=fmt)
    files["mp3"] = write_av(d / "tone.mp3", y, SR, "libmp3lame")
    files["m4a"] = write_av(d / "tone.m4a", y, SR, "aac")
    return files


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "mp3", "m4a"])
def test_each_format_decodes_to_the_tone(tone_files, ext):
    y, sr = load_audio(tone_files[ext])
    assert sr == SR and y.dtype == np.float32 and y.ndim == 1
    # lossy codecs add a few ms of encoder padding, never more than 0.1 s
    assert abs(len(y) / SR - 2.0) < 0.1
    assert abs(dominant_freq(y, SR) - 440.0) < 2.0
    rms = float(np.sqrt(np.mean(y[SR // 4: -SR // 4] ** 2)))
    assert abs(rms - 0.5 / np.sqrt(2)) < 0.02


def test_lossless_formats_are_sample_exact(tone_files):
    ref = sine(440.0, 2.0, amp=0.5)
    for ext in ("wav", "flac"):
        y, _ = load_audio(tone_files[ext])
        assert np.abs(y - ref).max() < 1e-4   # 16-bit quantisation only


def test_stereo_44k_is_mixed_to_mono_at_22k(tmp_path):
    left, right = sine(440.0, 1.0, sr=44100, amp=0.4), sine(440.0, 1.0, sr=44100, amp=0.2)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), 44100, subtype="FLOAT")
    y, sr = load_audio(path)
    assert sr == SR and y.ndim == 1 and len(y) == SR
    mid = y[2000:-2000]
    # the channel mean: a 440 Hz sine of amplitude 0.3
    assert abs(np.sqrt(2 * np.mean(mid ** 2)) - 0.3) < 0.005
    assert abs(dominant_freq(y, sr) - 440.0) < 2.0


def test_stereo_mp3_is_mono(tmp_path):
    path = write_av(tmp_path / "st.mp3", sine(330.0, 1.0, sr=44100), 44100, "libmp3lame",
                    layout="stereo")
    y, sr = load_audio(path)
    assert sr == SR and y.ndim == 1
    assert abs(dominant_freq(y, sr) - 330.0) < 2.0


def test_8khz_file_is_resampled(tmp_path):
    path = tmp_path / "low.wav"
    sf.write(path, sine(440.0, 1.0, sr=8000), 8000)
    y, sr = load_audio(path)
    assert sr == SR and abs(len(y) - SR) <= 2
    assert abs(dominant_freq(y, sr) - 440.0) < 2.0
    y16, sr16 = load_audio(path, sr=16000)
    assert sr16 == 16000 and abs(len(y16) - 16000) <= 2


@pytest.fixture(scope="module")
def two_halves(tmp_path_factory):
    """4 s: 220 Hz for the first 2 s, 880 Hz for the last 2 s."""
    d = tmp_path_factory.mktemp("halves")
    y = np.concatenate([sine(220.0, 2.0), sine(880.0, 2.0)])
    paths = {"wav": d / "halves.wav"}
    sf.write(paths["wav"], y, SR)
    paths["mp3"] = write_av(d / "halves.mp3", y, SR, "libmp3lame")
    paths["m4a"] = write_av(d / "halves.m4a", y, SR, "aac")
    return paths


@pytest.mark.parametrize("ext", ["wav", "mp3", "m4a"])
def test_offset_and_duration_select_the_right_part(two_halves, ext):
    first, _ = load_audio(two_halves[ext], offset=0.2, duration=1.5)
    second, _ = load_audio(two_halves[ext], offset=2.3, duration=1.5)
    assert abs(len(first) - 1.5 * SR) <= 1 and abs(len(second) - 1.5 * SR) <= 1
    assert abs(dominant_freq(first, SR) - 220.0) < 3.0
    assert abs(dominant_freq(second, SR) - 880.0) < 3.0


@pytest.mark.parametrize("ext", ["wav", "mp3"])
def test_seeking_is_sample_accurate(two_halves, ext):
    whole, _ = load_audio(two_halves[ext], max_duration=None)
    part, _ = load_audio(two_halves[ext], offset=1.0, duration=0.5)
    i = SR
    assert np.abs(part - whole[i:i + len(part)]).max() < 1e-3


def test_offset_only_reads_to_the_end(two_halves):
    y, _ = load_audio(two_halves["wav"], offset=3.0)
    assert abs(len(y) - SR) <= 1


def test_default_window_is_centred_on_a_long_track(tmp_path):
    # 70 s at 8 kHz: 440 Hz in 30..40 s, 220 Hz elsewhere; a 10-s window must be 30..40 s
    sr = 8000
    y = np.concatenate([sine(220.0, 30.0, sr=sr), sine(440.0, 10.0, sr=sr),
                        sine(220.0, 30.0, sr=sr)])
    path = tmp_path / "long.wav"
    sf.write(path, y, sr)
    mid, _ = load_audio(path, max_duration=10.0)
    assert abs(len(mid) - 10 * SR) <= 2
    assert abs(dominant_freq(mid[SR // 2:-SR // 2], SR) - 440.0) < 2.0
    default, _ = load_audio(path)
    assert abs(len(default) - DEFAULT_MAX_DURATION * SR) <= 2
    whole, _ = load_audio(path, max_duration=None)
    assert abs(len(whole) - 70 * SR) <= 2


def test_array_conventions():
    mono = sine(440.0, 0.5)
    y, sr = load_audio(mono, orig_sr=SR)
    assert sr == SR and np.array_equal(y, mono)
    stereo = np.stack([mono, -mono])              # channels first, as librosa
    y2, _ = load_audio(stereo, orig_sr=SR)
    assert np.abs(y2).max() < 1e-7                # the mean of opposite channels
    as_int = (mono * 32767).astype(np.int16)
    y3, _ = load_audio(as_int, orig_sr=SR)
    assert np.abs(y3 - mono).max() < 1e-3
    y4, _ = load_audio(sine(440.0, 1.0, sr=44100), orig_sr=44100)
    assert abs(len(y4) - SR) <= 1 and abs(dominant_freq(y4, SR) - 440.0) < 2.0
    y5, _ = load_audio(mono, orig_sr=SR, offset=0.1, duration=0.2)
    assert np.array_equal(y5, mono[int(0.1 * SR):int(0.3 * SR)])


@pytest.mark.parametrize("arr, kw, match", [
    (np.array([0.0, np.nan, 0.1]), {"orig_sr": SR}, "NaN"),
    (np.array([0.0, np.inf]), {"orig_sr": SR}, "NaN or inf"),
    (np.zeros((1000, 2)), {"orig_sr": SR}, "channels"),
    (np.zeros(0), {"orig_sr": SR}, "no samples"),
    (np.zeros((2, 2, 10)), {"orig_sr": SR}, "shape"),
    (np.zeros(100), {}, "sampling rate"),
    (np.zeros(100), {"orig_sr": -1}, "sampling rate"),
    (np.zeros(100, dtype=bool), {"orig_sr": SR}, "dtype"),
    (np.zeros(100), {"orig_sr": SR, "offset": 1.0}, "beyond the end"),
    (np.zeros(100), {"orig_sr": SR, "duration": 0}, "duration"),
    (np.zeros(100), {"orig_sr": SR, "offset": -1}, "offset"),
])
def test_bad_arrays_and_arguments(arr, kw, match):
    with pytest.raises(ParameterError, match=match):
        load_audio(arr, **kw)


def test_unsigned_pcm_is_centred():
    y = as_mono_float32(np.array([0, 128, 255], dtype=np.uint8))
    assert np.allclose(y, [-1.0, 0.0, 127 / 128])


# -- errors on files ---------------------------------------------------------------------

def _assert_decode_error(path, *words):
    with pytest.raises(DecodeError) as info:
        load_audio(path)
    msg = str(info.value)
    assert str(path) in msg and "\n" not in msg
    for w in words:
        assert w in msg
    return msg


def test_missing_empty_directory(tmp_path):
    _assert_decode_error(tmp_path / "nope.mp3", "no such file")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    _assert_decode_error(empty, "empty file")
    _assert_decode_error(tmp_path, "is a directory")


def test_text_named_mp3(tmp_path):
    path = tmp_path / "notes.mp3"
    path.write_text("these are not the sounds you are looking for\n" * 50)
    _assert_decode_error(path)


def test_image_has_no_audio_stream(tmp_path):
    from PIL import Image
    path = tmp_path / "picture.png"
    Image.new("RGB", (32, 32), (200, 10, 10)).save(path)
    _assert_decode_error(path, "no audio stream")


@pytest.mark.parametrize("ext", ["wav", "flac", "mp3"])
def test_truncated_files(tmp_path, ext):
    full = tmp_path / f"full.{ext}"
    y = sine(440.0, 6.0)
    if ext == "mp3":
        write_av(full, y, SR, "libmp3lame")
    else:
        sf.write(full, y, SR, format=ext.upper())
    data = full.read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[:len(data) // 3])
    _assert_decode_error(cut, "truncated")
    assert len(load_audio(full)[0]) > 5 * SR    # the uncut file is fine


def test_header_only_wav_has_no_samples(tmp_path):
    path = tmp_path / "header.wav"
    sf.write(path, np.zeros(0), SR)
    _assert_decode_error(path, "no audio samples")


def test_offset_beyond_end_of_file(tone_files):
    with pytest.raises(ParameterError, match="beyond the end"):
        load_audio(tone_files["wav"], offset=10.0)


def test_decoding_is_deterministic(tone_files):
    a, _ = load_audio(tone_files["mp3"])
    b, _ = load_audio(tone_files["mp3"])
    assert np.array_equal(a, b)


# -- tags ----------------------------------------------------------------------------------

def test_read_tags_mp3_and_flac(tmp_path):
    mp3 = write_av(tmp_path / "t.mp3", sine(440.0, 0.5), SR, "libmp3lame",
                   metadata={"title": "Blue Song", "artist": "The Band", "album": "First"})
    tags = read_tags(mp3)
    assert (tags["title"], tags["artist"], tags["album"]) == ("Blue Song", "The Band", "First")
    assert abs(tags["duration"] - 0.5) < 0.1
    flac = tmp_path / "t.flac"
    with sf.SoundFile(flac, "w", SR, 1, format="FLAC") as f:
        f.title, f.artist, f.album = "Vorbis Title", "Comment Artist", "Disc"
        f.write(sine(440.0, 0.5))
    tags = read_tags(flac)
    assert (tags["title"], tags["artist"], tags["album"]) == (
        "Vorbis Title", "Comment Artist", "Disc")
    plain = tmp_path / "plain.wav"
    sf.write(plain, sine(440.0, 0.5), SR)
    assert read_tags(plain)["title"] is None


def test_read_tags_errors(tmp_path):
    bad = tmp_path / "bad.mp3"
    bad.write_text("not audio")
    with pytest.raises(DecodeError):
        read_tags(bad)


def test_arrays_are_not_aliased():
    y = sine(440.0, 0.5)
    out, _ = load_audio(y, orig_sr=SR)
    assert not np.shares_memory(out, y)
    from affect_features.audio.analysis import AudioAnalysis
    AudioAnalysis(y, sr=SR)
    assert y.flags.writeable          # the caller's array is left as it was


def test_absurd_float_samples_are_clipped(tmp_path):
    from affect_features.audio.decode import MAX_SAMPLE
    y = np.sign(sine(440.0, 0.5)) * np.float32(1e30)
    out, _ = load_audio(y, orig_sr=SR)
    assert np.abs(out).max() == MAX_SAMPLE
    path = tmp_path / "huge.wav"
    sf.write(path, y, SR, subtype="FLOAT")
    assert np.abs(load_audio(path)[0]).max() == MAX_SAMPLE
    loud = 8.0 * sine(440.0, 0.5)                  # beyond full scale, but plausible
    assert np.array_equal(load_audio(loud, orig_sr=SR)[0], loud)


def test_nan_in_a_float_file_becomes_zero(tmp_path):
    y = sine(440.0, 0.5)
    y[100:200] = np.nan
    y[300] = np.inf
    path = tmp_path / "naninf.wav"
    sf.write(path, y, SR, subtype="FLOAT")
    out, _ = load_audio(path)
    assert np.all(np.isfinite(out)) and np.all(out[100:200] == 0.0)


def test_one_window_rule_for_decoder_api_and_command():
    """check_window is the rule load_audio, extract_to_table and --offset/--duration
    share: offset >= 0, durations > 0, all finite."""
    from affect_features.audio.decode import check_window
    from affect_features.extraction import extract_to_table

    check_window(0.0, 1e-3, None)
    for kwargs, word in [({"offset": -1.0}, "offset"), ({"offset": float("nan")}, "offset"),
                         ({"duration": 0.0}, "duration"),
                         ({"duration": float("inf")}, "duration"),
                         ({"max_duration": 0.0}, "max_duration")]:
        with pytest.raises(ParameterError, match=f"^{word} must be a finite number"):
            check_window(**kwargs)
    with pytest.raises(ParameterError, match="^duration must be a finite number"):
        load_audio(np.zeros(100, dtype=np.float32), sr=22050, orig_sr=22050, duration=0.0)
    with pytest.raises(ParameterError, match="^offset must be a finite number"):
        extract_to_table(["never-read.mp3"], modality="audio", output=None, offset=-2.0)
