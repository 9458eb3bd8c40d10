"""affect_features.extraction: features of files streamed into a table, resumable
(what `affect extract-image` / `extract-audio` do, called without the command)."""

import json
import os

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from affect_features.audio import audio_feature_names, extract_audio_features
from affect_features.errors import AffectError, ParameterError
from affect_features.extraction import (AUDIO_DEFAULT_SETTINGS, extract_to_table,
                                        write_feature_table)
from affect_features.image import extract_image_features, image_feature_names
from affect_features.output import read_table

SR = 22050


def _photos(folder, n=3):
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        img = (rng.random((48, 64, 3)) * 255).astype(np.uint8)
        img[: 8 * (i + 1)] = (40 * i, 200 - 50 * i, 90)
        p = folder / f"{i}.png"
        Image.fromarray(img).save(p)
        paths.append(str(p))
    return paths


def _tone(path, freq, seconds=2.0):
    t = np.arange(int(SR * seconds)) / SR
    sf.write(path, (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32), SR)
    return str(path)


def test_image_table_holds_the_features_of_each_file(tmp_path):
    paths = _photos(tmp_path / "photos")
    out = tmp_path / "out.csv"
    summary = extract_to_table([tmp_path / "photos"], output=str(out), groups="color",
                               jobs=1)
    assert (summary.n_total, summary.n_done, summary.n_skipped) == (3, 3, 0)
    assert not summary.failures and not summary.interrupted
    names, rows, X = read_table(str(out))
    assert tuple(names) == image_feature_names(("color",)) and rows == paths
    # each row is the API's own extraction of the file (CSV keeps ~7 significant digits)
    want = np.array([extract_image_features(p, groups="color").vector for p in paths])
    np.testing.assert_allclose(X, want, rtol=1e-5, atol=1e-6)


def test_a_resumed_extraction_writes_the_missing_rows_only(tmp_path):
    """Interrupted after two of three photos (simulated by extracting two), a re-run
    computes the third only, and the table equals a fresh run's."""
    paths = _photos(tmp_path / "photos")
    fresh, resumed = tmp_path / "fresh.jsonl", tmp_path / "resumed.jsonl"
    extract_to_table(paths, output=str(fresh), groups="color", jobs=1)
    extract_to_table(paths[:2], output=str(resumed), groups="color", jobs=1)
    seen, resumes = [], []
    summary = extract_to_table(paths, output=str(resumed), groups="color", jobs=1,
                               on_failure=seen.append, on_resume=resumes.append)
    assert (summary.n_total, summary.n_skipped, summary.n_done) == (3, 2, 1)
    assert resumes == [2] and seen == []
    assert read_table(str(resumed))[1] == read_table(str(fresh))[1] == paths
    np.testing.assert_array_equal(read_table(str(resumed))[2], read_table(str(fresh))[2])
    # overwrite: all computed again
    again = extract_to_table(paths, output=str(resumed), groups="color", jobs=1,
                             overwrite=True)
    assert (again.n_skipped, again.n_done) == (0, 3)


def test_a_bad_file_is_one_failure_and_the_batch_goes_on(tmp_path):
    paths = _photos(tmp_path / "photos", n=2)
    bad = tmp_path / "photos" / "bad.jpg"
    bad.write_text("hello")
    seen = []
    summary = extract_to_table([tmp_path / "photos", tmp_path / "missing.png"],
                               output=str(tmp_path / "o.csv"), groups="color", jobs=1,
                               on_failure=seen.append)
    assert [f.path for f in seen] == [str(tmp_path / "missing.png"), str(bad)]
    assert seen[1].reason == "not a recognised image format"
    assert summary.failures == seen and summary.n_done == 2 and summary.n_total == 3
    assert read_table(str(tmp_path / "o.csv"))[1] == paths


def test_no_files_writes_nothing(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")
    out = tmp_path / "out.csv"
    summary = extract_to_table([tmp_path / "empty"], output=str(out))
    assert summary.no_files and summary.n_done == 0 and not summary.failures
    assert ".png" in summary.extensions and list(summary.extensions) == sorted(
        summary.extensions)
    assert not out.exists()


def test_audio_window_goes_to_the_sidecar_and_guards_the_resume(tmp_path):
    a = _tone(tmp_path / "a.wav", 220)
    b = _tone(tmp_path / "b.wav", 440)
    out = tmp_path / "aud.csv"
    summary = extract_to_table([a], modality="audio", output=str(out), groups="dynamics",
                               duration=1.0, jobs=1)
    assert summary.n_done == 1
    side = json.loads((tmp_path / "aud.csv.settings.json").read_text())
    assert side["duration"] == "1.0" and side["offset"] == AUDIO_DEFAULT_SETTINGS["offset"]
    names, rows, X = read_table(str(out))
    assert tuple(names) == audio_feature_names(("dynamics",))
    want = extract_audio_features(a, groups="dynamics", duration=1.0).vector
    np.testing.assert_allclose(X[0], want, rtol=1e-5, atol=1e-6)
    # the same window resumes; another one is refused, the table left as it was
    more = extract_to_table([a, b], modality="audio", output=str(out), groups="dynamics",
                            duration=1.0, jobs=1)
    assert (more.n_skipped, more.n_done) == (1, 1)
    before = out.read_bytes()
    with pytest.raises(AffectError, match="other settings"):
        extract_to_table([a, b], modality="audio", output=str(out), groups="dynamics",
                         jobs=1)
    assert out.read_bytes() == before


@pytest.mark.parametrize("kwargs, match", [
    ({"modality": "video"}, "modality"),
    ({"modality": "image", "duration": 5.0}, "audio settings"),
    ({"modality": "audio", "duration": 0.0}, "duration"),
    ({"modality": "audio", "offset": -1.0}, "offset"),
    ({"modality": "image", "groups": "colour"}, "colour"),
])
def test_bad_settings_are_parameter_errors(tmp_path, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        extract_to_table([tmp_path], output=str(tmp_path / "o.csv"), **kwargs)
    assert not os.path.exists(tmp_path / "o.csv")


def test_write_feature_table_takes_any_worker(tmp_path):
    files = []
    for name in ("x.dat", "y.dat"):
        (tmp_path / name).write_text(name)
        files.append(str(tmp_path / name))
    out = tmp_path / "t.npz"
    summary = write_feature_table(
        [tmp_path], worker=lambda p: np.array([len(p), 1.0]), names=["f.len", "f.one"],
        schema="test-1", extensions=[".dat"], output=str(out), jobs=1)
    assert summary.n_done == 2
    names, rows, X = read_table(str(out))
    assert rows == files
    np.testing.assert_array_equal(X, [[len(files[0]), 1.0], [len(files[1]), 1.0]])


def test_a_broken_link_in_a_folder_counts_as_a_failed_file(tmp_path):
    paths = _photos(tmp_path / "photos", n=1)
    os.symlink(tmp_path / "gone.png", tmp_path / "photos" / "link.png")
    summary = extract_to_table([tmp_path / "photos", tmp_path / "missing.png"],
                               output=str(tmp_path / "o.csv"), groups="color", jobs=1)
    # the folder's two files: one written, one failed; the missing path named is a
    # failure but not a file of the batch
    assert (summary.n_total, summary.n_done) == (2, 1)
    assert sorted(f.path for f in summary.failures) == sorted(
        [str(tmp_path / "photos" / "link.png"), str(tmp_path / "missing.png")])
    assert read_table(str(tmp_path / "o.csv"))[1] == paths
