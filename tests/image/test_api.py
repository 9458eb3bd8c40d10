"""The image wing's public API: named vectors, groups, batch, scikit-learn transformer."""

import pickle

import numpy as np
import pytest
from PIL import Image
from pathlib import Path

from _real_data import data_root, named_files

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
    root = data_root()
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


# -- known answers on real files --------------------------------------------------------
def _emotion6(*names):
    return named_files([f"emotion6/images/{n}" for n in names])


def _uniform_run(rgb_u8: np.ndarray, tol: int = 15, share: float = 0.97) -> int:
    """Leading rows of `rgb_u8` with `share` of their pixels within `tol` of row 0's
    median colour: a band along the top, measured directly on the decoded pixels."""
    d = np.abs(rgb_u8.astype(int) - np.median(rgb_u8[0], axis=0)).max(axis=2)
    uniform = (d <= tol).mean(axis=1) >= share
    return int(np.argmin(uniform)) if not uniform.all() else len(uniform)


def _sides(rgb_u8: np.ndarray) -> list[int]:
    cols = rgb_u8.transpose(1, 0, 2)
    return [_uniform_run(rgb_u8), _uniform_run(rgb_u8[::-1]), _uniform_run(cols),
            _uniform_run(cols[::-1])]


def test_white_mat_of_a_real_photo_is_cropped_and_features_see_only_the_picture():
    # sadness/271: a dark photo in a white mat, 60 of the file's 480 pixels on every
    # side (checked on the decoded pixels). The analysis decodes it at 240 x 240 (JPEG
    # DCT scale 1/2), resizes to 200 x 200 (40,000 pixels): the mat is 25 lines there,
    # and the picture inside is cut from the 240-pixel decoding (30:210, 180 x 180).
    from affect_features.image.analysis import ImageAnalysis

    (path,) = _emotion6("sadness/271.jpg")
    px = np.asarray(Image.open(path).convert("RGB"))
    assert px.shape == (480, 480, 3) and _sides(px) == [60, 60, 60, 60]
    assert np.all(px[0, 0] >= 250)  # white
    a = ImageAnalysis(str(path))
    assert a.crop_box == (25, 175, 25, 175)
    assert a.shape == (180, 180)
    # brightness recomputed with numpy on the picture inside the mat: 0.072, against
    # 0.478 for the whole file, mat included
    inner = px[60:420, 60:420].astype(np.float64) / 255.0
    luminance = (inner @ np.array([0.2126, 0.7152, 0.0722])).mean()
    f = extract_image_features(str(path), groups="color")
    assert f["color.brightness.mean"] == pytest.approx(luminance, abs=0.003)
    assert f["color.names.white"] < 0.01


def test_dark_backgrounds_of_real_photos_are_not_cropped():
    # anger/51: figures on a stage before a dark background that fills the top third
    # along the whole width; anger/69: a dark sky above and dark ground below a bright
    # cloud (a pair of uniform bands, but they fade into the picture: no letterbox).
    # Both bands are measured on the decoded pixels: the former cropping (any uniform
    # run up to 40 % of a side) would have cut them.
    from affect_features.image.analysis import ImageAnalysis

    for path, side, least in zip(_emotion6("anger/51.jpg", "anger/69.jpg"),
                                 (0, 1), (0.3, 0.25)):
        px = np.asarray(Image.open(path).convert("RGB"))
        assert _sides(px)[side] > least * px.shape[0], path
        a = ImageAnalysis(str(path))
        assert a.crop_box == (0, a.shape[0], 0, a.shape[1]), path
        assert a.shape[0] / a.shape[1] == pytest.approx(px.shape[0] / px.shape[1], rel=0.01)


# -- degenerate inputs: every undefined quantity has its documented value ---------------

def _flat_expected(rgb) -> dict[str, float]:
    """The features of a flat image of colour `rgb`, from their definitions.

    A flat image has no texture, no detail, no lines, no faces and one region; its hue
    is defined only if it is chromatic. Each value below is what the function that
    computes it documents for that case (see the docstrings named in the comments);
    every feature not listed is 0.
    """
    from affect_features.image.analysis import rgb_to_ihls
    from affect_features.image.color import warmth

    u8 = np.round(np.asarray(rgb, dtype=np.float64) * 255) / 255  # the decoded pixels
    h, s, y = (float(v) for v in rgb_to_ihls(u8.astype(np.float32)[None, None])[0, 0])
    chromatic = s >= 0.2
    cos, sin = (np.cos(2 * np.pi * h), np.sin(2 * np.pi * h)) if s > 0 else (0.0, 0.0)
    rg, yb = 255 * (u8[0] - u8[1]), 255 * ((u8[0] + u8[1]) / 2 - u8[2])
    out = {
        "color.saturation.mean": s, "color.brightness.mean": y,
        "color.pad.pleasure": 0.69 * y + 0.22 * s, "color.pad.arousal": -0.31 * y + 0.60 * s,
        "color.pad.dominance": -0.76 * y + 0.32 * s,
        "color.hue.mean_cos": cos, "color.hue.mean_sin": sin,
        "color.hue.spread": 0.0 if s > 0 else 1.0,          # hue_statistics: 1 if grey
        "color.hue.spread_chromatic": 0.0 if chromatic else 1.0,  # 1 if none chromatic
        "color.brightness.p10": y, "color.brightness.p90": y, "color.saturation.p90": s,
        f"color.hue.hist.{int(np.floor(h * 12 + 0.5)) % 12:02d}": s,  # 0 for grey
        "color.colorfulness": 0.3 * np.hypot(rg, yb),        # 0 for grey
        "color.itten.harmony.mean": 1.0, "color.itten.harmony.min": 1.0,  # < 2 regions
        "color.itten.hue_count": float(chromatic),           # 0 for a grey image
        "color.itten.warm_area": float(chromatic and warmth(h) >= 0.5),
        "color.itten.cold_area": float(chromatic and warmth(h) <= -0.5),
        # glcm_properties: a constant plane predicts itself (correlation 1)
        **{f"texture.glcm.{p}.{k}": 1.0 for p in ("hue", "saturation", "brightness")
           for k in ("correlation", "energy", "homogeneity")},
        "composition.level_of_detail": 1.0, "composition.largest_segment.share": 1.0,
        # low_depth_of_field: no detail -> the share of the centre cells (1/4 here)
        "composition.low_dof.hue": 0.25, "composition.low_dof.saturation": 0.25,
        "composition.low_dof.brightness": 0.25,
        "composition.rule_of_thirds.hue_cos": cos, "composition.rule_of_thirds.hue_sin": sin,
        "composition.rule_of_thirds.saturation": s, "composition.rule_of_thirds.brightness": y,
        # saliency: a flat image has uniform saliency (saliency_map), centred at 0
        "saliency.entropy": 1.0, "saliency.peak": 0.5,
        "saliency.brightness.salient": y, "saliency.saturation.salient": s,
        "saliency.hue.salient_warmth": float(warmth(h)) if s > 0 else 0.0,
    }
    return {k: float(v) for k, v in out.items()}


#: Flat images (colour, shape): black, grey, a dark grey of one and of six pixels, and
#: two pure hues (one warm, one cold).
FLAT_IMAGES = [((0.0, 0.0, 0.0), (64, 64)), ((0.5, 0.5, 0.5), (48, 64)),
               ((0.5, 0.5, 0.5), (1, 1)), ((0.25, 0.25, 0.25), (2, 3)),
               ((1.0, 0.0, 0.0), (64, 64)), ((0.0, 0.0, 1.0), (48, 32))]
#: Features of a flat image that depend on its shape only (the uniform saliency map's
#: mass shares and spread: tests/image/test_saliency.py) or are float rounding of 0 (the
#: wavelet energies of a constant plane, ~1e-7: tests/image/test_texture.py).
_SHAPE_ONLY = ("saliency.mass.", "saliency.spread", "texture.wavelet.",
               "color.names.")


@pytest.mark.parametrize("rgb, shape", FLAT_IMAGES)
def test_flat_images_give_the_documented_value_of_every_undefined_quantity(rgb, shape):
    img = np.zeros(shape + (3,)) + rgb
    f = extract_image_features(img, groups="color,texture,composition,content,saliency")
    want = _flat_expected(rgb)
    for name, value in f.items():
        if name.startswith(_SHAPE_ONLY):
            continue
        expected = want.get(name, 0.0)
        # the hue of a pure colour passes through single-precision trigonometry
        assert value == pytest.approx(expected, abs=1e-6), name
        exact = not name.startswith("saliency.centroid") and (
            ".hue." not in name or rgb[0] == rgb[1] == rgb[2])
        if expected == 0.0 and exact:
            assert value == 0.0, name  # exactly 0, as the definitions say
    names = f.group("color.names")
    assert sorted(names.values())[-1] == 1.0 and sum(names.values()) == 1.0
    assert max(abs(v) for v in f.group("texture.wavelet").values()) < 1e-6
