"""The generic table ``csv:FILE`` (:mod:`affect_features.datasets._table`)."""


import numpy as np
import pytest

from affect_features.datasets import DatasetError, load_dataset

from .helpers import SAD, touch, write


# ------------------------------------------------------------------ generic CSV

def test_csv_ratings(tmp_path):
    root = tmp_path / "t"
    touch(root / "a.jpg")
    touch(root / "sub" / "b.jpg")
    table = write(root / "r.csv", "path,valence,arousal,dominance\n"
                                  "a.jpg,7,3,\nsub/b.jpg,1,9,5\n")
    ds = load_dataset(f"csv:{table}?scale=sam9")
    assert ds.paths == [str(root / "a.jpg"), str(root / "sub" / "b.jpg")]
    np.testing.assert_allclose(ds.points, [[0.5, -0.5, np.nan], [-1, 1, 0]])
    assert ds.modality == "image" and ds.labels is None
    with pytest.raises(DatasetError, match="no rating scale declared"):
        load_dataset(f"csv:{table}")
    # The scale as a column, row by row; a label column is kept alongside.
    table = write(root / "s.csv", "path,valence,arousal,scale,label\n"
                                  "a.jpg,0.75,0.25,unit,joy\nsub/b.jpg,7,1,likert7,\n")
    ds = load_dataset(f"csv:{table}")
    np.testing.assert_allclose(ds.points, [[0.5, -0.5, np.nan], [1, -1, np.nan]])
    assert ds.labels == ["joy", None]
    table = write(root / "u.csv", "path,valence,arousal\na.jpg,3,3\n")
    with pytest.raises(DatasetError, match="u.csv: line 2: unknown rating scale"):
        load_dataset(f"csv:{table}?scale=stars5")


def test_csv_labels_and_modality(tmp_path):
    root = tmp_path / "t"
    touch(root / "a.mp3")
    touch(root / "b.wav")
    table = write(root / "l.csv", "path,label\na.mp3,Sad\nb.wav,Q4\n")
    with pytest.raises(DatasetError, match="no label taxonomy declared"):
        load_dataset(f"csv:{table}")
    with pytest.raises(DatasetError, match="line 3: unknown mikels label 'Q4'"):
        load_dataset(f"csv:{table}?taxonomy=mikels")
    table = write(root / "m.csv", "path,label,taxonomy\na.mp3,Sad,mikels\nb.wav,Q4,russell\n")
    ds = load_dataset(f"csv:{table}")
    assert ds.modality == "audio" and ds.labels == ["sad", "Q4"] and ds.taxonomy is None
    assert ds.extra["taxonomies"] == ["mikels", "russell"]
    np.testing.assert_allclose(ds.points, [SAD, [0.5, -0.5, 0.0]], atol=1e-12)
    touch(root / "c.jpg")
    table = write(root / "x.csv", "path,label\na.mp3,sad\nc.jpg,sad\n")
    with pytest.raises(DatasetError, match="declare modality"):
        load_dataset(f"csv:{table}?taxonomy=mikels")
    ds = load_dataset(f"csv:{table}?taxonomy=mikels", modality="image")
    assert ds.modality == "image"
    no_path = write(root / "n.csv", "file,label\n")
    with pytest.raises(DatasetError, match="no 'path' column"):
        load_dataset(f"csv:{no_path}")
    with pytest.raises(DatasetError, match="not found"):
        load_dataset(f"csv:{root / 'absent.csv'}")


def test_csv_modality_from_extensions(tmp_path):
    # The media registry types the files; a video container's sound track is audio.
    root = tmp_path / "t"
    for name in ("a.mp3", "b.webm", "c.mp4", "d.JPG", "e.txt"):
        touch(root / name)
    table = write(root / "v.csv", "path,label\na.mp3,sad\nb.webm,sad\nc.mp4,fear\n")
    assert load_dataset(f"csv:{table}?taxonomy=mikels").modality == "audio"
    table = write(root / "i.csv", "path,label\nd.JPG,sad\n")
    assert load_dataset(f"csv:{table}?taxonomy=mikels").modality == "image"
    for rows in ("c.mp4,sad\nd.JPG,sad\n", "e.txt,sad\n"):
        table = write(root / "x.csv", "path,label\n" + rows)
        with pytest.raises(DatasetError, match="x.csv: cannot tell whether the files are "
                                               "images or audio"):
            load_dataset(f"csv:{table}?taxonomy=mikels")
