"""Tests of the public audio API: schema, extract_audio_features, the transformer."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest
import soundfile as sf

import affect_features.audio as audio
from affect_features.audio import (AUDIO_GROUPS, AUDIO_SCHEMA, AUDIO_SCHEMAS, AudioFeatures,
                                   audio_feature_names, audio_groups,
                                   extract_audio_features, extract_from_analysis)
from affect_features.errors import ParameterError, SchemaError

from .signals import A_MINOR, C_MAJOR, SR, click_track, progression, sine, white_noise

N = 145  # descriptors of the default schema, audio-2


def test_names_equal_the_schema_file():
    text = resources.files("affect_features").joinpath(
        "schemas", "audio-2.txt").read_text(encoding="utf-8")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    names = audio_feature_names()
    assert AUDIO_SCHEMA == "audio-2"
    assert list(names) == lines and len(names) == N == len(set(names))
    f = extract_audio_features(sine(440.0, 0.5), sr=SR)
    assert f.names == names and f.schema == AUDIO_SCHEMA and isinstance(f, AudioFeatures)


def test_audio_2_is_audio_1_plus_the_measured_families():
    text = resources.files("affect_features").joinpath(
        "schemas", "audio-2.txt").read_text(encoding="utf-8")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    names2 = audio_feature_names(schema="audio-2")
    assert AUDIO_SCHEMAS == ("audio-1", "audio-2")
    assert list(names2) == lines and len(names2) == 145 == len(set(names2))
    assert set(audio_feature_names(schema="audio-1")) < set(names2)
    assert len(audio_feature_names(schema="audio-1")) == 124
    counts = {g: len(audio_feature_names([g], "audio-2")) for g in audio_groups("audio-2")}
    assert counts == {"timbre": 60, "spectral": 26, "dynamics": 7, "rhythm": 10, "tonal": 42}
    y = click_track(120.0, 10.0) + progression(C_MAJOR * 4, 0.8)[:10 * SR]
    f2 = extract_audio_features(y, sr=SR, schema="audio-2")
    assert f2.names == names2 and f2.schema == "audio-2"
    f1 = extract_audio_features(y, sr=SR, schema="audio-1")
    same = [n for n in f1.names if n not in ("rhythm.tempo", "rhythm.regularity",
                                              "rhythm.beat_strength")]
    assert [f1[n] for n in same] == [f2[n] for n in same]   # one analysis, one definition
    assert f1["rhythm.tempo"] == pytest.approx(120.0, abs=1.0)   # interpolated (audio-1)
    assert f2["rhythm.tempo"] == pytest.approx(117.45, abs=0.01)  # librosa's lag 22
    with pytest.raises(ParameterError, match="unknown audio schema 'audio-9'"):
        extract_audio_features(y, sr=SR, schema="audio-9")
    assert extract_from_analysis(audio.AudioAnalysis(y, sr=SR),
                                 schema="audio-2").names == names2


def test_groups_select_and_keep_schema_order():
    names = audio_feature_names(["tonal", "dynamics"])
    assert names == tuple(n for n in audio_feature_names()
                          if n.startswith(("dynamics.", "tonal.")))
    f = extract_audio_features(sine(440.0, 0.5), sr=SR, groups=["tonal", "dynamics"])
    assert f.names == names
    assert audio_feature_names("rhythm") == audio_feature_names(["rhythm"])
    counts = {g: len(audio_feature_names([g])) for g in AUDIO_GROUPS}
    assert counts == {"timbre": 60, "spectral": 26, "dynamics": 7, "rhythm": 10, "tonal": 42}
    with pytest.raises(ParameterError, match="unknown"):
        extract_audio_features(sine(440.0, 0.5), sr=SR, groups=["melody"])
    with pytest.raises(ParameterError):
        audio_feature_names(["melody"])


@pytest.mark.parametrize("y", [
    np.zeros(SR), np.zeros(int(0.05 * SR)), sine(440.0, 0.05), np.array([0.3]),
    np.full(SR, 0.5), white_noise(0.02),
], ids=["silence", "silence_50ms", "tone_50ms", "one_sample", "dc", "noise_20ms"])
@pytest.mark.parametrize("schema", ["audio-1", "audio-2"])
def test_degenerate_inputs_give_finite_vectors(y, schema):
    # finite by definition, not by the last-resort guard of FeatureVector
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        f = extract_audio_features(y, sr=SR, schema=schema)
    assert len(f) == len(audio_feature_names(schema=schema)) and np.all(np.isfinite(f.vector))


#: The descriptors of silence that are not 0, from their definitions: the MFCC c0 of
#: the floor of the log-mel spectrogram (-100 dB, the power floor 1e-10, in all 128
#: bands; orthonormal DCT: c0 = -100 sqrt(128) = -1131.37), the flatness of an all-zero spectrum (1: its
#: amin floor is flat), the loudness floor (-100 dB), the tempo prior's peak when the
#: onset envelope is 0 (librosa's log-normal prior at 120 BPM, on the integer-lag grid:
#: 117.45; audio-1's interpolated tempo: 120), no mode (0.5: as major as minor), no harmonic or percussive energy (0.5)
#: and a uniform chroma (entropy 1). Every other descriptor is 0.
SILENCE_NONZERO = {
    "timbre.mfcc.00.mean": -1131.3709716796875, "spectral.flatness.mean": 1.0,
    "dynamics.loudness.p10": -100.0, "dynamics.loudness.p50": -100.0,
    "dynamics.loudness.p90": -100.0, "rhythm.tempo": 117.45383522727273,
    "tonal.mode": 0.5, "tonal.hpr": 0.5, "tonal.chroma.entropy.mean": 1.0,
}


@pytest.mark.parametrize("y", [np.zeros(3 * SR), np.zeros(1)], ids=["3s", "one_sample"])
def test_silence_gives_the_documented_value_of_every_undefined_descriptor(y):
    f = extract_audio_features(y, sr=SR, schema="audio-2")
    got = {n: v for n, v in f.items() if v != 0.0}
    assert got == pytest.approx(SILENCE_NONZERO, rel=1e-12)
    old = extract_audio_features(y, sr=SR, schema="audio-1")
    want_old = {n: v for n, v in SILENCE_NONZERO.items() if n in old and n != "rhythm.tempo"}
    assert {n: v for n, v in old.items() if v != 0.0 and n != "rhythm.tempo"} == \
        pytest.approx(want_old, rel=1e-12)
    assert old["rhythm.tempo"] == 120.0


def test_deterministic(tmp_path):
    path = tmp_path / "x.wav"
    sf.write(path, progression(C_MAJOR) + 0.1 * click_track(100.0, 4.0), SR)
    a, b = extract_audio_features(path), extract_audio_features(path)
    assert np.array_equal(a.vector, b.vector)


def test_sr_rules():
    with pytest.raises(ParameterError, match="sr"):
        extract_audio_features(sine(440.0, 0.5))
    with pytest.raises(ParameterError, match="sr"):
        extract_audio_features("song.mp3", sr=SR)


def test_array_rate_is_honoured():
    f22 = extract_audio_features(sine(440.0, 1.0), sr=SR)
    f44 = extract_audio_features(sine(440.0, 1.0, sr=44100), sr=44100)
    assert f44["spectral.centroid.mean"] == pytest.approx(f22["spectral.centroid.mean"], rel=0.01)


def test_schema_error_when_a_group_returns_other_names(monkeypatch):
    def broken(analysis):
        return {"dynamics.rms.mean": 0.0}
    monkeypatch.setitem(AUDIO_GROUPS, "dynamics", broken)
    with pytest.raises(SchemaError, match="audio-2"):
        extract_audio_features(sine(440.0, 0.5), sr=SR)


def test_major_and_minor_music_differ_in_mode():
    major = extract_audio_features(progression(C_MAJOR), sr=SR)
    minor = extract_audio_features(progression(A_MINOR), sr=SR)
    assert major["tonal.mode"] == 1.0 and minor["tonal.mode"] == 0.0


# -- the scikit-learn transformer ----------------------------------------------------------

@pytest.fixture(scope="module")
def two_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("ext")
    paths = [d / "a.wav", d / "b.flac"]
    sf.write(paths[0], sine(440.0, 1.0), SR)
    sf.write(paths[1], click_track(120.0, 2.0), SR)
    return [str(p) for p in paths]


def test_extractor_transform(two_files):
    from sklearn.base import clone

    ext = audio.AudioFeatureExtractor()
    X = ext.fit_transform(two_files)
    assert X.shape == (2, N) and X.dtype == np.float64 and np.all(np.isfinite(X))
    assert list(ext.get_feature_names_out()) == list(audio_feature_names())
    assert np.array_equal(X[0], extract_audio_features(two_files[0]).vector)
    sub = clone(ext).set_params(groups=["rhythm"]).fit(two_files)
    assert sub.transform(two_files).shape == (2, 10)
    assert sub.transform(np.array(two_files)[:, None]).shape == (2, 10)   # a column
    assert ext.transform([]).shape == (0, N)
    one = audio.AudioFeatureExtractor(schema="audio-1", groups=["rhythm"]).fit(two_files)
    assert one.schema_ == "audio-1" and one.transform(two_files).shape == (2, 7)
    assert list(one.get_feature_names_out()) == list(audio_feature_names("rhythm", "audio-1"))


def test_extractor_parallel_equals_serial(two_files):
    # the same bits in this process as in the single-BLAS-thread workers
    serial = audio.AudioFeatureExtractor(groups=["spectral", "tonal"]).fit(two_files)
    parallel = audio.AudioFeatureExtractor(groups=["spectral", "tonal"], n_jobs=2)
    assert np.array_equal(serial.transform(two_files),
                          parallel.fit(two_files).transform(two_files))


def test_extractor_validates(two_files):
    with pytest.raises(ParameterError):
        audio.AudioFeatureExtractor(groups=["nope"]).fit(two_files)
    with pytest.raises(ParameterError):
        audio.AudioFeatureExtractor().fit([]).transform(two_files[0])
    with pytest.raises(ParameterError, match="offset"):
        audio.AudioFeatureExtractor(offset=-1.0).fit(two_files)
    with pytest.raises(ParameterError, match="rate"):   # a bare array has no rate
        audio.AudioFeatureExtractor().transform([sine(440.0, 0.5)])
    with pytest.raises(ParameterError, match="n_jobs"):
        audio.AudioFeatureExtractor(n_jobs="two").fit(two_files)


# -- real clips ----------------------------------------------------------------------------

def test_real_clips(audio_data_dir):
    clips = [sorted(audio_data_dir.glob(f"{q}/*.mp3"))[0] for q in ("Q1", "Q2", "Q3", "Q4")]
    X = np.stack([extract_audio_features(p).vector for p in clips])
    assert X.shape == (4, N) and np.all(np.isfinite(X))
    names = audio_feature_names()
    col = {n: X[:, i] for i, n in enumerate(names)}
    assert np.all((col["rhythm.tempo"] >= 30) & (col["rhythm.tempo"] <= 300))
    assert np.all((col["dynamics.loudness.p50"] > -60) & (col["dynamics.loudness.p50"] < 0))
    assert np.all((col["tonal.key_strength"] > 0) & (col["tonal.key_strength"] <= 1))
    assert np.all(col["rhythm.onset_rate"] > 0.2)
    assert np.all(np.ptp(X, axis=0)[[names.index("spectral.centroid.mean"),
                                    names.index("timbre.mfcc.01.mean")]] > 0)


def test_huge_samples_raise_no_warning():
    import warnings
    y = np.sign(sine(440.0, 1.0)) * np.float32(1e30)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = extract_audio_features(y, sr=SR)
    assert np.all(np.isfinite(f.vector))
    assert f["dynamics.loudness.p50"] == pytest.approx(80.0, abs=0.01)   # clipped at 1e4
