"""The image wing's public API: named vectors, groups, batch, scikit-learn transformer."""

import pickle

import numpy as np
import pytest
from PIL import Image

from affect_features import extract_image_features, image_feature_names
from affect_features.errors import DecodeError, ParameterError
from affect_features.features import load_schema
from affect_features.image import (IMAGE_GROUPS, IMAGE_SCHEMA, ImageFeatureExtractor,
                                   extract_image_features_batch)


GROUP_SIZES = {"color": 54, "texture": 27, "composition": 14, "content": 5,
               "layout": 42, "saliency": 14}


def test_names_are_the_versioned_schema():
    names = image_feature_names()
    assert IMAGE_SCHEMA == "image-2" and names == load_schema("image-2")
    assert len(set(names)) == len(names) == sum(GROUP_SIZES.values()) == 156
    groups = [n.split(".")[0] for n in names]
    assert tuple(dict.fromkeys(groups)) == IMAGE_GROUPS == tuple(GROUP_SIZES)
    for g, size in GROUP_SIZES.items():
        assert len(image_feature_names(g)) == size, g
    # the first schema stays readable (models trained on it name it), unchanged
    old = load_schema("image-1")
    assert len(old) == 100 and old[0] == "color.saturation.mean"


def test_every_new_group_is_selectable_and_a_slice_of_the_full_vector():
    img = np.random.default_rng(5).random((90, 120, 3))
    full = extract_image_features(img)
    for g in ("layout", "saliency"):
        sub = extract_image_features(img, groups=g)
        assert sub.names == image_feature_names((g,))
        assert all(sub[n] == full[n] for n in sub)


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


def _real_photos():
    import os
    from pathlib import Path

    root = os.environ.get("AFFECT_DATA")
    if not root:
        pytest.skip("AFFECT_DATA not set")
    paths = sorted(Path(root, "emotion6", "images").glob("*/1*.jpg"))[:4]
    paths += sorted(Path(root, "gaped", "images").glob("*/*.jpg"))[::150][:3]
    if not paths:
        pytest.skip("no photos under AFFECT_DATA")
    return paths


def test_new_groups_on_real_photos_in_their_documented_ranges():
    for p in _real_photos():
        f = extract_image_features(str(p), groups="layout,saliency")
        assert np.all(np.isfinite(f.vector)), p
        lightness = [v for n, v in f.items() if n.endswith(".lightness.mean")]
        assert all(0.0 <= v <= 100.0 for v in lightness)
        assert 0.0 < f["saliency.entropy"] <= 1.0 and f["saliency.peak"] < 0.5
        assert f == extract_image_features(str(p), groups="layout,saliency")
