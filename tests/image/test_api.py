"""The image wing's public API: named vectors, groups, batch, scikit-learn transformer."""

import pickle

import numpy as np
import pytest
from PIL import Image

from affect_features import extract_image_features, image_feature_names
from affect_features.errors import DecodeError, ParameterError
from affect_features.features import load_schema
from affect_features.image import ImageFeatureExtractor, extract_image_features_batch


def test_names_are_the_versioned_schema():
    names = image_feature_names()
    assert names == load_schema("image-1")
    assert 95 <= len(names) <= 130 and len(set(names)) == len(names)
    groups = {n.split(".")[0] for n in names}
    assert groups == {"color", "texture", "composition", "content"}


def test_vector_is_a_read_only_mapping():
    red = np.zeros((50, 60, 3)); red[..., 0] = 1.0
    f = extract_image_features(red)
    assert f.names == image_feature_names() and f.vector.shape == (len(f),)
    assert f["color.saturation.mean"] == 1.0 and f["color.hue.mean_cos"] == 1.0
    with pytest.raises(ValueError):
        f.vector[0] = 3.0
    assert set(f.group("content")) == {n for n in f.names if n.startswith("content.")}


def test_groups_subset_equals_slice_of_full_vector():
    rng = np.random.default_rng(0)
    img = rng.random((80, 100, 3))
    full = extract_image_features(img)
    sub = extract_image_features(img, groups="texture,color")
    for n in sub:
        assert sub[n] == full[n]
    assert sub.names == image_feature_names(("color", "texture"))
    with pytest.raises(ParameterError, match="unknown feature group"):
        extract_image_features(img, groups="colour")


def test_batch_collects_failures(tmp_path):
    good = tmp_path / "g.png"
    Image.fromarray((np.random.default_rng(1).random((30, 30, 3)) * 255).astype(np.uint8)
                    ).save(good)
    bad = tmp_path / "b.jpg"
    bad.write_bytes(b"")
    X, ok, failures = extract_image_features_batch([good, bad], groups="color")
    assert X.shape == (1, len(image_feature_names(("color",)))) and ok == [str(good)]
    assert failures[0].path == str(bad) and "empty" in failures[0].reason


def test_transformer_in_a_pipeline_and_picklable(tmp_path):
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(2)
    images = [rng.random((40, 40, 3)) for _ in range(3)]
    ext = ImageFeatureExtractor(groups=("color",))
    pipe = make_pipeline(ext, StandardScaler())
    Z = pipe.fit_transform(images)
    assert Z.shape == (3, len(image_feature_names(("color",))))
    assert list(ext.get_feature_names_out()) == list(image_feature_names(("color",)))
    assert clone(ext).get_params() == ext.get_params()
    assert pickle.loads(pickle.dumps(ext)).groups == ("color",)
    bad = tmp_path / "x.png"
    bad.write_text("no")
    with pytest.raises(DecodeError, match="x.png"):
        ext.transform([str(bad)])
