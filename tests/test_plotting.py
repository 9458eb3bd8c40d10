"""affect_features.plotting: the pictures are written, whole and atomically."""

import os
import struct

import numpy as np
import pytest

from affect_features.errors import ParameterError
from affect_features.library import MusicLibrary

pytest.importorskip("matplotlib")

from affect_features.plotting import plot_match, plot_points  # noqa: E402


def _png_size(path):
    data = open(path, "rb").read(24)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture()
def lib():
    rng = np.random.default_rng(0)
    with MusicLibrary(":memory:") as lib:
        lib.upsert_many([{"source_id": f"s{i}", "title": f"song {i}", "artist": "X",
                          "valence": v, "arousal": a, "dominance": 0.0}
                         for i, (v, a) in enumerate(rng.uniform(-0.3, 0.3, (200, 2)))])
        yield lib


@pytest.mark.parametrize("spread", [0.01, 0.5])  # zoom panel, or none
def test_plot_match(lib, tmp_path, spread):
    point = (0.1, 0.05, 0.0)
    songs = lib.nearest(point, k=5) if spread < 0.1 else \
        [dict(lib.nearest(point, k=1)[0], valence=0.6, arousal=-0.5)]
    out = tmp_path / "m.png"
    plot_match(out, library=lib, point=point, songs=songs, uncertainty=[0.05, 0.02, 0.1],
               title="photo.jpg\nlibrary")
    w, h = _png_size(out)
    assert (w > h * 1.6) == (spread < 0.1)  # two panels side by side when zoomed
    assert not (tmp_path / "m.png.partial").exists()


def test_plot_points_and_unwritable_path(tmp_path):
    pts = np.array([[0.1, 0.2, 0], [-0.3, 0.1, 0]])
    out = tmp_path / "e.png"
    plot_points(out, [("songs", pts, ["Q1", "Q2"], "o"), ("photos", pts, ["Q3", "Q4"], "x")],
                title="out-of-fold")
    assert _png_size(out)[0] > 300
    with pytest.raises(ParameterError, match="cannot write the picture"):
        plot_points(tmp_path / "no" / "dir.png", [("songs", pts, ["Q1", "Q2"], "o")],
                    title="t")


def test_evaluate_plot_title_says_what_the_points_are(tmp_path, monkeypatch):
    from affect_features import plotting, training

    seen = {}
    monkeypatch.setattr(plotting, "plot_points",
                        lambda path, groups, *, title: seen.update(title=title,
                                                                   groups=groups))

    class Data:
        quadrants = np.array(["Q1", "Q3"])

    pts = {"audio": (Data, np.zeros((2, 3))), "image": (Data, np.ones((2, 3)))}
    training.plot_plane(tmp_path / "p.png", pts, folds=0)
    assert "held-out" in seen["title"] and "out-of-fold" not in seen["title"]
    assert [(g[0], g[3]) for g in seen["groups"]] == [("songs", "o"), ("photos", "x")]
    training.plot_plane(tmp_path / "p.png", pts, folds=10)
    assert "out-of-fold predictions (10-fold" in seen["title"]


@pytest.mark.parametrize("uncertainty, drawn", [([0.1, 0.05, 0.2], 2), ([1, 1, 1], 0),
                                                (None, 0), ([np.nan, 0.1, 0.1], 0)])
def test_uncertainty_ellipse_only_when_measured(lib, tmp_path, monkeypatch, uncertainty,
                                                drawn):
    import matplotlib.patches as patches

    made = []

    class Counting(patches.Ellipse):
        def __init__(self, *a, **k):
            made.append((a, k))
            super().__init__(*a, **k)

    monkeypatch.setattr(patches, "Ellipse", Counting)
    point = (0.1, 0.05, 0.0)
    plot_match(tmp_path / "m.png", library=lib, point=point,
               songs=lib.nearest(point, k=3), uncertainty=uncertainty)
    assert len(made) == drawn  # one per panel (the plane and its zoom)
    if drawn:
        assert made[0][1]["width"] == pytest.approx(0.2)
        assert made[0][1]["height"] == pytest.approx(0.1)


def test_plot_result_draws_a_photo_at_its_point_on_the_songs_scale(lib, monkeypatch,
                                                                    tmp_path):
    from affect_features import plotting
    from affect_features.matching import Match, QueryMatch
    from affect_features.prediction import Prediction

    drawn = {}
    monkeypatch.setattr(plotting, "plot_match", lambda path, **kw: drawn.update(kw))
    photo = Prediction(path="/p/sunset.jpg", point=np.array([0.1, 0.2, 0.0]),
                       quadrant="Q1", mood_word="happy",
                       match_point=np.array([0.3, 0.4, 0.0]),
                       uncertainty=np.array([0.2, 0.3, 0.4]))
    songs = lib.nearest((0.3, 0.4, 0.0), k=2)
    plotting.plot_result(tmp_path / "m.png", Match(photo=photo, songs=songs), library=lib)
    np.testing.assert_array_equal(drawn["point"], [0.3, 0.4, 0.0])
    np.testing.assert_array_equal(drawn["uncertainty"], [0.2, 0.3, 0.4])
    assert drawn["label"] == "photo" and drawn["songs"] is songs
    assert drawn["title"] == "sunset.jpg: its 2 nearest songs\n:memory: (200 songs)"
    query = QueryMatch(query="mood:calm", name="mood 'calm'", point=np.zeros(3),
                       quadrant="Q1", mood_word="calm", songs=songs[:1])
    plotting.plot_result(tmp_path / "q.png", query, library=lib)
    assert drawn["label"] == "mood 'calm'" and drawn["uncertainty"] is None
    assert drawn["title"].startswith("mood 'calm': its 1 nearest songs\n")


def test_plot_result_writes_the_picture(lib, tmp_path):
    from affect_features.matching import QueryMatch
    from affect_features.plotting import plot_result

    query = QueryMatch(query="point:0.1,0.1", name="point 0.1,0.1",
                       point=np.array([0.1, 0.1, 0.0]), quadrant="Q1", mood_word="x",
                       songs=lib.nearest((0.1, 0.1, 0.0), k=3))
    plot_result(tmp_path / "q.png", query, library=lib)
    w, h = _png_size(tmp_path / "q.png")
    assert w > 800 and h > 400


def test_a_special_file_named_as_the_picture_is_refused_not_replaced(tmp_path):
    """As root, ``--plot`` naming a FIFO (or a device) must not replace it by a file."""
    import stat

    pipe = tmp_path / "pipe.png"
    os.mkfifo(pipe)
    pts = np.array([[0.1, 0.2, 0.0]])
    with pytest.raises(ParameterError, match=r"pipe\.png: cannot write the picture: .*FIFO"):
        plot_points(pipe, [("songs", pts, ["Q1"], "o")], title="t")
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.png"]  # no temporary left
