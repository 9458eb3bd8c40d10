"""affect_features.prediction: one input to a point, by its type (what `affect predict`
does, called without the command)."""

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from affect_features.batch import Failure
from affect_features.errors import ParameterError
from affect_features.models import QUADRANTS, EmotionModel
from affect_features.prediction import (Prediction, load_model, predict_audio,
                                        predict_file, predict_files, predict_image)
from affect_features.space import quadrant

SR = 22050


@pytest.fixture()
def media(tmp_path):
    rng = np.random.default_rng(3)
    img = (rng.random((60, 80, 3)) * 255).astype(np.uint8)
    photo = tmp_path / "photo.png"
    Image.fromarray(img).save(photo)
    t = np.arange(SR * 2) / SR
    song = tmp_path / "song.wav"
    sf.write(song, (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), SR)
    (tmp_path / "notes.txt").write_text("neither")
    return str(photo), str(song)


def test_predict_file_chooses_the_model_by_type(media):
    photo, song = media
    by_type = predict_file(photo)
    direct = predict_image(photo)
    np.testing.assert_array_equal(by_type.point, direct.point)
    # the image model's own prediction of the photo's features
    np.testing.assert_array_equal(direct.point,
                                  EmotionModel.default("image").predict(direct.features))
    assert by_type.quadrant == quadrant(by_type.point) and by_type.quadrant_source is None
    song_pred = predict_file(song)
    np.testing.assert_array_equal(song_pred.point, predict_audio(song).point)


def test_an_audio_model_with_a_quadrant_head_gives_its_probabilities(media):
    _, song = media
    model = EmotionModel.default("audio")
    if not model.has_quadrant_head:
        pytest.skip("the shipped audio model has no quadrant head")
    pred = predict_file(song, audio_model=model)
    proba = model.predict_quadrant_proba(pred.features)
    assert list(pred.quadrant_probabilities) == list(QUADRANTS)
    np.testing.assert_allclose(list(pred.quadrant_probabilities.values()), proba)
    assert pred.quadrant_source == model.quadrant_source
    want = (QUADRANTS[int(np.argmax(proba))] if model.quadrant_source == "head"
            else quadrant(pred.point))
    assert pred.quadrant == want
    record = pred.as_dict()
    assert record["quadrant_source"] == model.quadrant_source
    assert record["quadrant_probabilities"] == pred.quadrant_probabilities


@pytest.mark.parametrize("name", ["notes.txt", "clip.mp4", "noext"])
def test_a_file_of_no_known_type_is_a_parameter_error(tmp_path, name):
    (tmp_path / name).write_bytes(b"x")
    with pytest.raises(ParameterError, match="expected an image or audio extension"):
        predict_file(tmp_path / name)


def test_load_model_refuses_the_other_modality(tmp_path):
    audio = EmotionModel.default("audio")
    assert load_model(None, "audio").version == audio.version
    assert load_model(audio, "audio") is audio
    with pytest.raises(ParameterError, match="photos need an image model"):
        load_model(audio, "image")


def test_predict_files_lists_folders_and_loads_the_models_it_needs(media, tmp_path):
    photo, song = media
    batch = predict_files([tmp_path, tmp_path / "missing.jpg"], jobs=1)
    assert batch.files == [photo, song]  # folder order; notes.txt is not media
    assert [f.path for f in batch.failures] == [str(tmp_path / "missing.jpg")]
    assert batch.image_model is not None and batch.audio_model is not None
    results = list(batch)
    assert [p for p, _ in results] == [photo, song]
    assert all(isinstance(r, Prediction) for _, r in results)
    np.testing.assert_array_equal(results[0][1].point, predict_image(photo).point)
    # only photos: no audio model is loaded
    only = predict_files([photo], jobs=1)
    assert only.audio_model is None and not only.has_quadrant_head


def test_predict_files_goes_on_past_a_bad_file(media, tmp_path):
    photo, _ = media
    bad = tmp_path / "bad.jpg"
    bad.write_text("hello")
    results = dict(predict_files([bad, photo], jobs=1))
    assert isinstance(results[str(bad)], Failure)
    assert results[str(bad)].reason == "not a recognised image format"
    assert isinstance(results[photo], Prediction)


def test_predict_files_checks_jobs(media):
    with pytest.raises(ParameterError, match="jobs"):
        predict_files([media[0]], jobs=-1)
