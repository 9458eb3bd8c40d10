"""The feature transformers' shared base: scikit-learn's conventions for stateless
transformers, checked with scikit-learn's own estimator checks where they apply.

``parametrize_with_checks`` feeds numeric 2-D arrays, which are not images or audio
items, so the checks that need none are run here one by one, and the conventions that
need real inputs (fit optional, fit returns self, names, Pipeline and cross-validation
use, paths and arrays alike) are tested directly on both modalities.
"""

import numpy as np
import pytest
import soundfile as sf
from PIL import Image
from sklearn.base import clone
from sklearn.utils import estimator_checks as checks

from affect_features import (
    audio_feature_names,
    extract_audio_features,
    extract_image_features,
    image_feature_names,
)
from affect_features._transformer import FeatureExtractor
from affect_features.audio import AudioFeatureExtractor
from affect_features.image import ImageFeatureExtractor

SR = 22050
#: scikit-learn's checks that need no fitting on numeric data: construction, parameters,
#: clone, repr, tags.
SKLEARN_CHECKS = [checks.check_no_attributes_set_in_init,
                  checks.check_parameters_default_constructible,
                  checks.check_get_params_invariance, checks.check_set_params,
                  checks.check_do_not_raise_errors_in_init_or_set_params,
                  checks.check_estimator_cloneable, checks.check_estimator_repr,
                  checks.check_mixin_order, checks.check_valid_tag_types,
                  checks.check_estimator_tags_renamed]
EXTRACTORS = [ImageFeatureExtractor(groups="color,layout"),
              AudioFeatureExtractor(groups=["dynamics"], offset=0.0)]


@pytest.mark.parametrize("est", EXTRACTORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("check", SKLEARN_CHECKS, ids=lambda c: c.__name__)
def test_scikit_learn_checks(est, check):
    check(type(est).__name__, clone(est))


def _tone(seconds=1.0, f=440.0):
    t = np.arange(int(seconds * SR)) / SR
    return 0.5 * np.sin(2 * np.pi * f * t)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """Two images and two clips, as arrays and as files: ``{kind: (items, paths)}``."""
    d = tmp_path_factory.mktemp("media")
    rng = np.random.default_rng(0)
    images = [(rng.random((40, 50, 3)) * 255).astype(np.uint8) for _ in range(2)]
    image_paths = []
    for k, img in enumerate(images):
        image_paths.append(str(d / f"i{k}.png"))
        Image.fromarray(img).save(image_paths[-1])  # lossless: the same pixels
    clips = [_tone(1.0, 440.0), _tone(1.5, 220.0)]
    clip_paths = []
    for k, y in enumerate(clips):
        clip_paths.append(str(d / f"a{k}.wav"))
        sf.write(clip_paths[-1], y, SR, subtype="FLOAT")  # float: the same samples
    return {"image": (images, image_paths),
            "audio": ([(y, SR) for y in clips], clip_paths)}


def _make(kind, **params):
    if kind == "image":
        return ImageFeatureExtractor(groups="color", **params)
    return AudioFeatureExtractor(groups=["dynamics", "tonal"], **params)


@pytest.mark.parametrize("kind", ["image", "audio"])
def test_stateless_no_fit_needed_and_fit_returns_self(kind, media):
    _, paths = media[kind]
    est = _make(kind)
    assert est.__sklearn_tags__().requires_fit is False
    assert isinstance(est, FeatureExtractor)
    fresh = est.transform(paths)                    # no fit first
    assert est.fit(paths) is est and est.fit() is est
    assert np.array_equal(est.transform(paths), fresh)
    assert np.array_equal(clone(est).fit_transform(paths), fresh)
    names = est.get_feature_names_out()
    assert list(names) == list(est.feature_names_out_) == list(clone(est).get_feature_names_out())
    assert fresh.shape == (2, len(names)) and fresh.dtype == np.float64


@pytest.mark.parametrize("kind", ["image", "audio"])
def test_paths_and_arrays_alike_in_any_mix(kind, media):
    items, paths = media[kind]
    est = _make(kind)
    from_files = est.transform(paths)
    assert np.array_equal(est.transform(items), from_files)
    assert np.array_equal(est.transform([paths[0], items[1]]), from_files)
    assert np.array_equal(est.transform(np.array(paths)[:, None]), from_files)  # a column
    assert np.array_equal(_make(kind, n_jobs=2).transform(paths), from_files)
    if kind == "image":
        one = extract_image_features(items[0], groups="color")
    else:
        one = extract_audio_features(items[0][0], sr=SR, groups=["dynamics", "tonal"])
    assert np.array_equal(from_files[0], one.vector)
    assert est.transform([]).shape == (0, from_files.shape[1])


def test_feature_names_follow_the_parameters():
    est = ImageFeatureExtractor(groups="texture")
    assert tuple(est.get_feature_names_out()) == image_feature_names("texture")
    est.set_params(groups=["layout", "color"])
    assert tuple(est.get_feature_names_out()) == image_feature_names("color,layout")
    est = AudioFeatureExtractor(schema="audio-1", groups=["rhythm"])
    assert tuple(est.get_feature_names_out()) == audio_feature_names("rhythm", "audio-1")
    assert est.fit().schema_ == "audio-1"


def test_bad_items_and_parameters_are_one_line_errors(media):
    from affect_features.errors import ParameterError

    with pytest.raises(ParameterError, match="not one path"):
        ImageFeatureExtractor().transform(media["image"][1][0])
    with pytest.raises(ParameterError, match="image array"):
        ImageFeatureExtractor().transform([3.0])
    with pytest.raises(ParameterError, match="unknown feature group"):
        ImageFeatureExtractor(groups="colour").fit()
    with pytest.raises(ParameterError, match="n_jobs"):
        ImageFeatureExtractor(n_jobs=1.5).fit()


def test_pipeline_grid_search_and_cross_validation(media):
    """A user's Pipeline of the extractor and a model, cross-validated and grid-searched
    over the extractor's own parameter, without glue code."""
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, cross_validate
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(1)
    X = [rng.random((24, 24, 3)) for _ in range(8)]
    y = np.array([float(x[..., 0].mean()) for x in X])  # a feature the colour group sees
    pipe = make_pipeline(ImageFeatureExtractor(groups="color"), StandardScaler(),
                         Ridge(alpha=1.0))
    scores = cross_validate(pipe, X, y, cv=2)
    assert scores["test_score"].shape == (2,) and np.all(np.isfinite(scores["test_score"]))
    search = GridSearchCV(pipe, {"imagefeatureextractor__groups": ["color", "layout"]},
                          cv=2).fit(X, y)
    assert search.best_params_["imagefeatureextractor__groups"] in ("color", "layout")
    names = search.best_estimator_[:-1].get_feature_names_out()
    assert len(names) == len(image_feature_names(search.best_params_[
        "imagefeatureextractor__groups"]))
