"""Tests of affect_features.image.content (Machajdik & Hanbury 2010, Sec. 3.4)."""


import numpy as np
import pytest
from _real_data import named_files

from affect_features.errors import ParameterError
from affect_features.image.analysis import ImageAnalysis
from affect_features.image.content import (
    CONTENT_NAMES,
    content_features,
    detect_faces,
    face_statistics,
    skin_face_ratio,
    skin_mask,
)

# Emotion6 photos (relative to $AFFECT_DATA) with clear frontal faces, checked by eye.
# The "joy" folder has almost none (flowers, landscapes, silhouettes), hence other folders.
FACE_PHOTOS = ["emotion6/images/disgust/68.jpg", "emotion6/images/fear/168.jpg",
               "emotion6/images/anger/98.jpg", "emotion6/images/sadness/229.jpg",
               "emotion6/images/sadness/182.jpg"]
# Photos without faces (a flower, an orchid, a lavender field, a glass sphere): no
# confirmed face. On the first two the default cascade alone fires (measured at the
# content resolution, 24-pixel windows): the confirming cascade must reject those.
NO_FACE_PHOTOS = ["emotion6/images/joy/34.jpg", "emotion6/images/joy/63.jpg",
                  "emotion6/images/joy/104.jpg", "emotion6/images/joy/170.jpg"]
FALSE_ALARM_PHOTOS = NO_FACE_PHOTOS[:2]


def _data_paths(rel_paths):
    return named_files(rel_paths, all_needed=False)


def _solid(rgb_u8, shape=(120, 160)):
    return np.broadcast_to(np.asarray(rgb_u8, np.uint8), (*shape, 3)).copy()


# -- skin -------------------------------------------------------------------------------
@pytest.mark.parametrize("colour, is_skin", [
    ((224, 172, 105), True), ((198, 134, 66), True), ((141, 85, 36), True),
    ((240, 230, 200), True),   # fair skin under flash: only the second rule
    ((0, 0, 255), False), ((0, 255, 0), False), ((255, 255, 255), False),
    ((0, 0, 0), False), ((128, 128, 128), False), ((255, 0, 0), False),
])
def test_skin_mask_known_colours(colour, is_skin):
    assert skin_mask(_solid(colour, (2, 2))).all() == is_skin


def test_skin_mask_is_kovac_rule_literally():
    x = np.random.default_rng(0).integers(0, 256, (300, 300, 3), dtype=np.uint8)
    c = x.astype(int)
    r, g, b = c[..., 0], c[..., 1], c[..., 2]
    spread = c.max(axis=2) - c.min(axis=2)
    daylight = ((r > 95) & (g > 40) & (b > 20) & (spread > 15) & (abs(r - g) > 15)
                & (r > g) & (r > b))
    flash = (r > 220) & (g > 210) & (b > 170) & (abs(r - g) <= 15) & (r > b) & (g > b)
    assert np.array_equal(skin_mask(x), daylight | flash)
    assert 0.05 < (daylight | flash).mean() < 0.5  # the check is not vacuous


def test_skin_area_of_skin_and_blue_images():
    for colour in ((224, 172, 105), (198, 134, 66)):
        f = content_features(_solid(colour))
        assert f["content.skin.area"] > 0.99
    assert content_features(_solid((0, 0, 255)))["content.skin.area"] == 0.0


def test_skin_area_is_the_skin_fraction():
    img = _solid((0, 0, 255), (100, 100))
    img[:, :30] = (224, 172, 105)
    f = content_features(ImageAnalysis(img, pixels=None, crop_borders=False))
    assert f["content.skin.area"] == pytest.approx(0.3)


def test_skin_mask_rejects_non_uint8():
    with pytest.raises(ParameterError):
        skin_mask(np.zeros((4, 4, 3), np.float32))


def test_skin_face_ratio():
    assert skin_face_ratio(0.75, 0.25) == pytest.approx(0.75)
    assert skin_face_ratio(0.0, 0.2) == 0.0
    assert skin_face_ratio(0.5, 0.0) == 0.0  # no face: defined as 0
    assert skin_face_ratio(1.0, 1e-9) < 1.0
    with pytest.raises(ParameterError):
        skin_face_ratio(-0.1, 0.2)


# -- faces ------------------------------------------------------------------------------
def test_face_statistics_known_answer():
    count, largest, total = face_statistics(
        np.array([[0, 0, 10, 10], [5, 5, 10, 10], [30, 30, 4, 4]]), (40, 40))
    assert count == 3.0
    assert largest == pytest.approx(100 / 1600)
    assert total == pytest.approx((175 + 16) / 1600)  # the overlap counts once


def test_face_statistics_clips_to_image_and_handles_none():
    assert face_statistics(np.zeros((0, 4)), (10, 10)) == (0.0, 0.0, 0.0)
    count, largest, total = face_statistics(np.array([[5, 5, 10, 10]]), (10, 10))
    assert (largest, total) == (0.25, 0.25)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_faces_in_noise(seed):
    rng = np.random.default_rng(seed)
    gray = rng.integers(0, 256, (150, 200), dtype=np.uint8)
    assert detect_faces(gray).shape == (0, 4)
    assert detect_faces(gray, verify=False).shape[1] == 4
    f = content_features(rng.random((150, 200, 3)))
    assert f["content.faces.count"] == 0.0
    assert f["content.skin.face_ratio"] == 0.0


@pytest.mark.parametrize("value", [0, 128, 255])
def test_no_faces_in_blank_images(value):
    assert detect_faces(np.full((120, 160), value, np.uint8)).shape == (0, 4)


@pytest.mark.parametrize("rel", [
    FACE_PHOTOS[1], FACE_PHOTOS[2], FACE_PHOTOS[3],
    pytest.param(FACE_PHOTOS[0], marks=pytest.mark.xfail(strict=True, reason=(
        "recall limit, measured: a clear frontal face about 30 pixels wide on the "
        "190 x 210 content plane, where the cascade finds nothing even from 24-pixel "
        "windows; searching a larger plane would change the image-2 values"))),
    pytest.param(FACE_PHOTOS[4], marks=pytest.mark.xfail(strict=True, reason=(
        "a face half covered by the hands: not frontal enough for the cascade"))),
])
def test_faces_found_in_real_photos(rel):
    """Each photo's one face is found and confirmed; its area and the skin ratio are in
    their ranges. The two known misses are marked, so a better detector shows up."""
    (p,) = _data_paths([rel])
    f = content_features(ImageAnalysis(str(p)))
    assert f["content.faces.count"] == 1.0
    assert 0.0 < f["content.faces.largest_area"] == f["content.faces.total_area"] < 0.5
    if f["content.skin.area"] > 0:
        assert 0.0 < f["content.skin.face_ratio"] < 1.0


def test_verification_rejects_false_faces_in_real_photos():
    from affect_features.image.content import CONTENT_PIXELS

    for p in _data_paths(NO_FACE_PHOTOS):
        gray = ImageAnalysis(str(p)).at(CONTENT_PIXELS).gray_u8
        assert len(detect_faces(gray)) == 0, p
        assert content_features(ImageAnalysis(str(p)))["content.faces.count"] == 0.0, p
    for p in _data_paths(FALSE_ALARM_PHOTOS):
        gray = ImageAnalysis(str(p)).at(CONTENT_PIXELS).gray_u8
        # the false alarm is there without the second cascade: it is what rejects it
        assert len(detect_faces(gray, verify=False)) >= 1, p


def test_verification_keeps_real_faces_and_their_boxes():
    # On photos with one clear frontal face, the confirming cascade keeps the box the
    # first one found, unchanged; the group's face areas are that box's, recomputed.
    from affect_features.image.content import CONTENT_PIXELS, FACE_MIN_SIZE

    paths = _data_paths([FACE_PHOTOS[1], FACE_PHOTOS[2], FACE_PHOTOS[3]])
    for p in paths:
        small = ImageAnalysis(str(p)).at(CONTENT_PIXELS)
        raw = detect_faces(small.gray_u8, verify=False, min_size=FACE_MIN_SIZE)
        kept = detect_faces(small.gray_u8, min_size=FACE_MIN_SIZE)
        assert len(raw) == 1 and np.array_equal(kept, raw), p
        x, y, w, h = kept[0]
        f = content_features(ImageAnalysis(str(p)))
        assert f["content.faces.count"] == 1.0
        area = (min(x + w, small.shape[1]) - x) * (min(y + h, small.shape[0]) - y)
        assert f["content.faces.largest_area"] == pytest.approx(
            area / (small.shape[0] * small.shape[1]))
        assert f["content.faces.total_area"] == f["content.faces.largest_area"]


def test_detect_faces_validates_input():
    with pytest.raises(ParameterError):
        detect_faces(np.zeros((50, 50), np.float32))
    with pytest.raises(ParameterError):
        detect_faces(np.zeros((50, 50), np.uint8), scale_factor=1.0)


# -- the group --------------------------------------------------------------------------
@pytest.mark.parametrize("rgb", [
    np.zeros((50, 60, 3)), np.ones((50, 60, 3)), np.full((50, 60, 3), 0.5),
    np.zeros((1, 1, 3)), np.full((2, 200, 3), 0.7), np.full((200, 2, 3), 0.2),
    np.random.default_rng(3).random((2, 200, 3)),
])
def test_degenerate_images_are_finite(rgb):
    f = content_features(np.asarray(rgb, np.float32))
    assert tuple(f) == CONTENT_NAMES
    assert all(type(v) is float and np.isfinite(v) for v in f.values())
    assert f["content.faces.count"] == 0.0


def test_deterministic():
    rng = np.random.default_rng(7)
    img = rng.random((300, 400, 3)).astype(np.float32)
    img[100:200, 150:250] = np.array([224, 172, 105]) / 255.0
    assert content_features(img) == content_features(img)


def test_deterministic_on_real_faces():
    for p in _data_paths(FACE_PHOTOS[:2]):
        assert content_features(ImageAnalysis(str(p))) == content_features(ImageAnalysis(str(p)))
