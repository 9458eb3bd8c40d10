"""The photo sets: Emotion6, GAPED, ArtPhoto, Abstract
(:mod:`affect_features.datasets._photos`)."""

import collections
import os

import numpy as np
import pytest

from affect_features.datasets import Dataset, DatasetError, load_dataset

from .helpers import AMUSEMENT, ANGER, CONTENT, FEAR, JOY, SAD, touch, write


# -------------------------------------------------------------------- emotion6

EMOTION6_HEADER = ("[image_filename]\t[valence]\t[arousal]\t[prob. anger]\t[prob. disgust]\t"
                   "[prob. fear]\t[prob. joy]\t[prob. sadness]\t[prob. surprise]\t"
                   "[prob. neutral]\n")


def test_emotion6(tmp_path):
    root = tmp_path / "e6"
    write(root / "ground_truth.txt", EMOTION6_HEADER
          + "joy/1.jpg\t8\t4.5\t0\t0\t0\t1\t0\t0\t0\n"
          + "anger/2.jpg\t2.5\t7\t0.5\t0\t0\t0\t0\t0\t0.5\n"
          + "fear/3.jpg\t5\t5\t0\t0\t1\t0\t0\t0\t0\n")
    touch(root / "images" / "joy" / "1.jpg")
    touch(root / "images" / "anger" / "2.jpg")  # fear/3.jpg is missing: skipped
    ds = load_dataset(f"emotion6:{root}")
    assert isinstance(ds, Dataset) and len(ds) == 2
    assert ds.modality == "image" and ds.taxonomy == "emotion6"
    assert ds.paths == [str(root / "images" / "joy" / "1.jpg"),
                        str(root / "images" / "anger" / "2.jpg")]
    # V, A from SAM 1-9: (x - 5) / 4; D: dominance of the distribution's mean point
    # (joy alone; half anger, half neutral = the origin).
    np.testing.assert_allclose(ds.points, [[0.75, -0.125, JOY[2]],
                                           [-0.625, 0.5, ANGER[2] / 2]], atol=1e-12)
    assert ds.labels == ["joy", "anger"]  # a tie goes to the first column
    assert ds.extra["distributions"].shape == (2, 7)
    assert ds.extra["keywords"] == ["joy", "anger"]
    assert ds.extra["missing"] == (str(root / "images" / "fear" / "3.jpg"),)


def test_emotion6_errors(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        load_dataset(f"emotion6:{tmp_path / 'nowhere'}")
    root = tmp_path / "e6"
    gt = write(root / "ground_truth.txt", "[image_filename]\t[valence]\n")
    with pytest.raises(DatasetError, match="bad header") as info:
        load_dataset(f"emotion6:{root}")
    assert gt in str(info.value) and "\n" not in str(info.value)
    write(root / "ground_truth.txt", EMOTION6_HEADER + "a.jpg\tx\t5\t0\t0\t0\t1\t0\t0\t0\n")
    with pytest.raises(DatasetError, match="line 2: valence"):
        load_dataset(f"emotion6:{root}")
    write(root / "ground_truth.txt", EMOTION6_HEADER + "a.jpg\t5\t5\t0\t0\t0\t1\t0\t0\t0\n")
    with pytest.raises(DatasetError, match="none of the 1 listed media files"):
        load_dataset(f"emotion6:{root}")


def test_real_emotion6(data_dir):
    ds = load_dataset(f"emotion6:{os.path.join(data_dir, 'emotion6')}")
    assert len(ds) == 1615 and not ds.extra["missing"]
    assert np.all(np.isfinite(ds.points)) and np.all(np.abs(ds.points) <= 1)
    # The folder is the keyword, not the label: they agree for about half the photos.
    agree = np.mean([k == lb for k, lb in zip(ds.extra["keywords"], ds.labels)])
    assert 0.3 < agree < 0.8


# -------------------------------------------------------------------- ArtPhoto

def test_artphoto(tmp_path):
    root = tmp_path / "art"
    for name in ("amusement_1.jpg", "sad_02.JPG", "contentment_3.png", "content_4.jpg",
                 "foo_5.jpg"):
        touch(root / name)
    write(root / "notes.txt", "not an image")
    ds = load_dataset(f"artphoto:{root}")
    assert ds.taxonomy == "mikels" and ds.modality == "image"
    assert [os.path.basename(p) for p in ds.paths] == [
        "amusement_1.jpg", "content_4.jpg", "contentment_3.png", "sad_02.JPG"]
    assert ds.labels == ["amusement", "contentment", "contentment", "sad"]
    np.testing.assert_allclose(ds.points, [AMUSEMENT, CONTENT, CONTENT, SAD], atol=1e-12)
    assert [os.path.basename(p) for p in ds.extra["skipped"]] == ["foo_5.jpg"]
    os.makedirs(tmp_path / "empty")
    with pytest.raises(DatasetError, match="no ArtPhoto images"):
        load_dataset(f"artphoto:{tmp_path / 'empty'}")


def test_artphoto_lists_images_in_path_order_without_hidden_files(tmp_path):
    # The data set's order is its training order: sorted paths, a sub-folder's images
    # before a later name of the folder itself; macOS "._" resource forks are no images.
    root = tmp_path / "art"
    for name in ("b/sad_1.jpg", "anger_2.jpg", "awe/fear_3.jpg", "._amusement_4.jpg",
                 ".hidden/sad_5.jpg"):
        touch(root / name)
    ds = load_dataset(f"artphoto:{root}")
    assert [os.path.relpath(p, root) for p in ds.paths] == [
        "anger_2.jpg", os.path.join("awe", "fear_3.jpg"), os.path.join("b", "sad_1.jpg")]
    assert ds.labels == ["anger", "fear", "sad"] and ds.extra["skipped"] == ()


# -------------------------------------------------------------------- Abstract

def test_abstract(tmp_path):
    root = tmp_path / "abstract"
    write(root / "ABSTRACT_groundTruth.csv",
          "'ID','Amusement','Anger','Awe','Content','Disgust','Excitement','Fear','Sad'\n"
          "'abstr_1.jpg',3,0,0,0,0,0,0,1\n"
          "'abstr_2',0,0,0,0,0,0,0,0\n"
          "abstr_3,0,2,0,0,0,0,2,0\n")
    touch(root / "images" / "abstr_1.jpg")
    touch(root / "abstr_3.PNG")
    ds = load_dataset(f"abstract:{root}")
    assert [os.path.basename(p) for p in ds.paths] == ["abstr_1.jpg", "abstr_3.PNG"]
    np.testing.assert_allclose(ds.points, [0.75 * AMUSEMENT + 0.25 * SAD,
                                           (ANGER + FEAR) / 2], atol=1e-12)
    assert ds.labels == ["amusement", "anger"]  # tie: the first in Mikels order
    assert ds.extra["votes"].tolist()[1] == [0, 2, 0, 0, 0, 0, 2, 0]
    assert ds.extra["skipped_no_votes"] == ("abstr_2",)
    # The CSV itself as the path, semicolons and no header: name then the eight counts.
    write(root / "plain.csv", "abstr_1;0;0;0;1;0;0;0;0\n")
    ds = load_dataset(f"abstract:{root / 'plain.csv'}")
    np.testing.assert_allclose(ds.points, [CONTENT], atol=1e-12)
    write(root / "bad.csv", "'ID','Amusement','Anger','Awe','Content','Disgust'\n")
    with pytest.raises(DatasetError, match="bad header: no column excitement"):
        load_dataset(f"abstract:{root / 'bad.csv'}")


# ------------------------------------------------------------------------ GAPED

def test_gaped(tmp_path):
    root = tmp_path / "gaped"
    write(root / "ratings.csv",
          "file,category,valence,valence_sd,arousal,arousal_sd,internal_norms,external_norms\n"
          "A/A002.jpg,A,25,16.01,75,25.21,75.412,78.69\n"
          "P/P001.jpg,P,100,10,50,12,,\n"
          "Sp/Sp003.jpg,Sp,0,5,0,5,,\n")
    touch(root / "images" / "A" / "A002.jpg")
    touch(root / "images" / "P" / "P001.jpg")   # Sp/Sp003.jpg missing: skipped
    ds = load_dataset(f"gaped:{root}")
    assert ds.kind == "gaped" and ds.modality == "image" and len(ds) == 2
    assert ds.labels is None and ds.taxonomy is None
    # 0-100 with 50 neutral: (x - 50) / 50; dominance not rated
    np.testing.assert_allclose(ds.points[:, :2], [[-0.5, 0.5], [1.0, 0.0]])
    assert np.isnan(ds.points[:, 2]).all()
    assert ds.extra["categories"] == ["A", "P"]
    np.testing.assert_allclose(ds.extra["rating_sd"], [[16.01, 25.21], [10, 12]])
    assert ds.extra["missing"] == (str(root / "images" / "Sp" / "Sp003.jpg"),)


def test_gaped_errors(tmp_path):
    root = tmp_path / "gaped"
    with pytest.raises(DatasetError, match="not found"):
        load_dataset(f"gaped:{root}")
    write(root / "ratings.csv", "file,category,valence\nA/A1.jpg,A,20\n")
    with pytest.raises(DatasetError, match="no column arousal"):
        load_dataset(f"gaped:{root}")
    write(root / "ratings.csv", "file,category,valence,arousal\nA/A1.jpg,A,120,20\n")
    with pytest.raises(DatasetError, match="0-100"):
        load_dataset(f"gaped:{root}")
    write(root / "ratings.csv", "file,category,valence,arousal\nA/A1.jpg,A,x,20\n")
    with pytest.raises(DatasetError, match="line 2: valence"):
        load_dataset(f"gaped:{root}")


def test_real_gaped(data_dir):
    ds = load_dataset(f"gaped:{os.path.join(data_dir, 'gaped')}")
    assert len(ds) == 574 and not ds.extra["missing"]
    assert collections.Counter(ds.extra["categories"]) == {
        "A": 104, "H": 84, "N": 66, "P": 97, "Sn": 100, "Sp": 123}
    from affect_features.space import quadrant
    # the data README's counts of the rating quadrants
    assert collections.Counter(quadrant(ds.points[:, :2])) == {
        "Q2": 287, "Q4": 193, "Q3": 82, "Q1": 12}
