"""Properties of ``extract_image_features`` on random arrays (hypothesis).

- every array a user may pass (grey, RGB, RGBA; uint8, uint16, float32, float64; 1 to
  64 pixels a side; flat, noisy, blocky, and values outside [0, 1] for floats, which
  are clipped) gives exactly the schema's features, all finite;
- the global colour statistics are invariant under horizontal and vertical flips;
- extraction is deterministic, and a uint8 image and its float equivalent (``u8 / 255``)
  give the same vector, as do a grey image and its three-channel repetition (grey
  images are resized as one plane: that must not change a feature).

Which colour features are flip-invariant, and why: a flip permutes the pixels and
mirrors the uniform-border crop (the crop tests each side by the same rule, and whether
a row or column is uniform does not depend on the order of its pixels); at these sizes
there is no resize. So every feature that is a statistic of the multiset of pixel
values is unchanged: ``color.saturation.*``, ``color.brightness.*`` (means, standard
deviations, percentiles), ``color.pad.*`` (functions of the two means),
``color.hue.*`` (circular mean, spreads and the hue histogram), ``color.colorfulness``
(means and standard deviations of opponent channels) and ``color.names.*`` (fractions of
pixels). Excluded: ``color.itten.*``, which are statistics of regions and of pairs of
adjacent regions from a graph segmentation whose scan order, and so tie-breaking, is
not mirror-symmetric; and every texture and composition feature, which are spatial or
directional by definition (wavelets, GLCM offsets, rule of thirds, line slopes).
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from affect_features.image import extract_image_features, image_feature_names

N_FEATURES = len(image_feature_names())
COLOR_NAMES = image_feature_names(("color",))
FLIP_INVARIANT = tuple(n for n in COLOR_NAMES if not n.startswith("color.itten."))

PROPERTY_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.too_slow,
                                                    HealthCheck.data_too_large])

DTYPES = [np.uint8, np.uint16, np.float32, np.float64]


def _elements(dtype):
    if dtype == np.uint8:
        return st.integers(0, 255)
    if dtype == np.uint16:
        return st.integers(0, 65535)
    width = 32 if dtype == np.float32 else 64
    return st.floats(-0.5, 1.5, width=width, allow_nan=False, allow_infinity=False)


def _scale(unit: np.ndarray, dtype) -> np.ndarray:
    """Values in [0, 1] to the range of `dtype`."""
    if dtype == np.uint8:
        return np.round(unit * 255).astype(np.uint8)
    if dtype == np.uint16:
        return np.round(unit * 65535).astype(np.uint16)
    return unit.astype(dtype)


@st.composite
def images(draw, dtypes=DTYPES, channels=(None, 1, 3, 4)):
    """A random image array: grey or colour, of any supported dtype and small shape.

    Three kinds: hypothesis's own arrays (mostly one fill value with a few others:
    flat and near-flat images), seeded uniform noise, and blocky images (a few large
    flat patches, which give segments and borders).
    """
    h = draw(st.integers(1, 64))
    w = draw(st.integers(1, 64))
    c = draw(st.sampled_from(channels))
    dtype = draw(st.sampled_from(dtypes))
    shape = (h, w) if c is None else (h, w, c)
    kind = draw(st.sampled_from(["hypothesis", "noise", "blocks"]))
    if kind == "hypothesis":
        return draw(arrays(dtype, shape, elements=_elements(dtype)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "noise":
        return _scale(rng.random(shape), dtype)
    by, bx = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    coarse = rng.random((-(-h // by), -(-w // bx)) + shape[2:])
    blocks = np.repeat(np.repeat(coarse, by, axis=0), bx, axis=1)[:h, :w]
    return _scale(blocks, dtype)


@PROPERTY_SETTINGS
@given(images())
def test_finite_output_of_the_right_length(img):
    f = extract_image_features(img)
    assert f.names == image_feature_names()
    assert f.vector.shape == (N_FEATURES,)
    assert np.all(np.isfinite(f.vector))


@PROPERTY_SETTINGS
@given(images())
def test_global_colour_statistics_are_flip_invariant(img):
    ref = extract_image_features(img, groups="color")
    for flipped in (img[:, ::-1], img[::-1]):
        f = extract_image_features(np.ascontiguousarray(flipped), groups="color")
        for name in FLIP_INVARIANT:
            assert f[name] == pytest.approx(ref[name], rel=1e-5, abs=1e-6), name


def test_flip_invariant_list_is_what_the_docstring_says():
    groups = {".".join(n.split(".")[:2]) for n in FLIP_INVARIANT}
    assert groups == {"color.saturation", "color.brightness", "color.pad", "color.hue",
                      "color.colorfulness", "color.names"}
    assert not any(n.startswith("color.itten.") for n in FLIP_INVARIANT)


@PROPERTY_SETTINGS
@given(images())
def test_deterministic(img):
    a = extract_image_features(img.copy()).vector
    b = extract_image_features(img.copy()).vector
    np.testing.assert_array_equal(a, b)


@PROPERTY_SETTINGS
@given(images(dtypes=[np.uint8]))
def test_uint8_and_its_float_equivalent_agree(img):
    a = extract_image_features(img).vector
    b = extract_image_features(img.astype(np.float64) / 255.0).vector
    np.testing.assert_array_equal(a, b)


@PROPERTY_SETTINGS
@given(images(channels=(None,)))
def test_grey_and_its_rgb_repetition_agree(img):
    a = extract_image_features(img).vector
    b = extract_image_features(np.repeat(img[:, :, None], 3, axis=2)).vector
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape", [(700, 500), (1, 300_001), (640, 480)])
def test_large_grey_image_resized_as_one_plane_gives_the_same_features(shape):
    """Grey images are resized before being repeated to three channels (a third of
    the memory); the features must be those of the repeated image."""
    rng = np.random.default_rng(7)
    grey = (rng.random(shape) * 255).astype(np.uint8)
    grey[: shape[0] // 2] //= 3
    a = extract_image_features(grey).vector
    b = extract_image_features(np.repeat(grey[:, :, None], 3, axis=2)).vector
    np.testing.assert_array_equal(a, b)
