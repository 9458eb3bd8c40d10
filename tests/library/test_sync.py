"""affect_features.library._sync: `affect index` and `affect library remove` without the
command, and the model-version rule (points of another model are re-predicted)."""

import numpy as np
import pytest
import soundfile as sf

from affect_features.audio import AUDIO_SCHEMA, extract_audio_features
from affect_features.errors import LibraryError, ParameterError
from affect_features.library import (MusicLibrary, forget_music, index_music,
                                     repredict_library)
from affect_features.models import EmotionModel, train_model

SR = 22050


def _tone(path, freq, seconds=2.0):
    t = np.arange(int(SR * seconds)) / SR
    y = 0.3 * np.sin(2 * np.pi * freq * t) * (1 + 0.5 * np.sign(np.sin(4 * np.pi * t)))
    sf.write(path, y.astype(np.float32), SR)


@pytest.fixture()
def music(tmp_path):
    d = tmp_path / "Music"
    d.mkdir()
    for i, f in enumerate((220, 440)):
        _tone(d / f"track{i}.wav", f)
    return d


@pytest.fixture(scope="module")
def other_model(tmp_path_factory):
    """A ridge audio model of the current schema: another version than the shipped."""
    d = tmp_path_factory.mktemp("m")
    _tone(d / "a.wav", 300)
    base = extract_audio_features(str(d / "a.wav"))
    rng = np.random.default_rng(0)
    X = base.vector * (1 + 0.1 * rng.normal(size=(40, base.vector.size)))
    Y = np.tanh(rng.normal(size=(40, 3)) * 0.3)
    return train_model(X, Y, names=base.names, schema=AUDIO_SCHEMA, modality="audio",
                       kind="ridge", cv=3, n_jobs=1)


def _points(path):
    with MusicLibrary(str(path)) as lib:
        tracks = lib.tracks(lib.track_ids(), descriptors=True)
    return {t["path"]: t for t in tracks}


def test_index_music_stores_each_songs_point(music, tmp_path):
    lib = tmp_path / "sub" / "lib.sqlite"  # its folder is created
    result = index_music([music], library=lib, jobs=1, progress=False)
    assert result.library == str(lib) and result.failures == [] and result.skipped == []
    assert (result.report.added, result.report.unchanged) == (2, 0)
    model = EmotionModel.default("audio")
    assert result.model_version == model.version and result.repredicted == 0
    stored = _points(lib)
    for path in (str(music / "track0.wav"), str(music / "track1.wav")):
        want = model.predict(extract_audio_features(path, schema=model.schema))
        got = [stored[path][k] for k in ("valence", "arousal", "dominance")]
        np.testing.assert_allclose(got, want, atol=1e-6)
        assert stored[path]["model_version"] == model.version
    again = index_music([music], library=lib, jobs=1, progress=False)
    assert (again.report.added, again.report.unchanged) == (0, 2)


def test_another_model_re_predicts_from_the_stored_descriptors(music, tmp_path,
                                                               other_model):
    lib = tmp_path / "lib.sqlite"
    index_music([music], library=lib, model=other_model, jobs=1, progress=False)
    calls = []
    shipped = EmotionModel.default("audio")
    result = index_music([music], library=lib, jobs=1, progress=False,
                         on_repredicted=lambda n, v: calls.append((n, v)))
    # both points made again by the shipped model, from the descriptors, no decoding
    assert calls == [(2, shipped.version)] and result.repredicted == 2
    assert (result.report.added, result.report.updated, result.report.unchanged) == \
        (0, 0, 2)
    for t in _points(lib).values():
        want = shipped.predict(np.asarray(t["descriptors"])[None, :],
                               schema=shipped.schema, names=shipped.names)[0]
        np.testing.assert_allclose([t["valence"], t["arousal"], t["dominance"]], want,
                                   atol=1e-6)
        assert t["model_version"] == shipped.version
    with MusicLibrary(str(lib)) as open_lib:  # at the model's version: nothing to do
        assert repredict_library(open_lib, shipped) == 0


def test_index_music_refuses_an_image_model(music, tmp_path):
    with pytest.raises(ParameterError, match="songs need an audio model"):
        index_music([music], library=tmp_path / "lib.sqlite",
                    model=EmotionModel.default("image"))


def test_forget_music_removes_the_tracks_of_a_file(music, tmp_path):
    lib = tmp_path / "lib.sqlite"
    index_music([music], library=lib, jobs=1, progress=False)
    gone = str(music / "track0.wav")
    removed = forget_music([gone, str(tmp_path / "nothere.wav")], library=lib)
    assert removed == {gone: 1, str(tmp_path / "nothere.wav"): 0}
    assert list(_points(lib)) == [str(music / "track1.wav")]
    assert (music / "track0.wav").exists()  # the file itself is left alone
    with pytest.raises(LibraryError, match="no such music library"):
        forget_music([gone], library=tmp_path / "none.sqlite")


def _hang(path):
    import time

    time.sleep(30)


def test_index_applies_the_time_limit_in_this_process(music, tmp_path):
    """``MusicLibrary.index(timeout=)`` reaches the batch engine: with one job the file
    runs here, and the limit stops it (``affect index -j 1`` passes the default)."""
    import time

    with MusicLibrary(tmp_path / "lib.sqlite") as lib:
        t0 = time.monotonic()
        report = lib.index([music / "track0.wav"], analyse=_hang, jobs=1, timeout=0.3)
        assert time.monotonic() - t0 < 10
    assert [f.reason for f in report.failures] == ["timed out after 0.3 s"]
