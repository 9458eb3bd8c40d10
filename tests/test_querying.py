"""affect_features.querying: points of queries, moods of points, listings, playlists."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from affect_features.errors import ParameterError
from affect_features.library import MusicLibrary
from affect_features.querying import (
    describe_tracks,
    list_tracks,
    m3u_playlist,
    point_moods,
    query_point,
    songs_near,
)
from affect_features.space import MOOD_WORDS, nearest_word, word_point


def test_query_point_known_answers():
    p, w = query_point(point=(0.5, -0.3))
    np.testing.assert_array_equal(p, [0.5, -0.3, 0.0])
    assert w == (1.0, 1.0, 0.0)  # dominance unknown: ignored
    p, w = query_point(point=[0.1, 0.2, -0.3])
    np.testing.assert_array_equal(p, [0.1, 0.2, -0.3])
    assert w == (1.0, 1.0, 1.0)
    p, w = query_point(mood="Calm ")
    np.testing.assert_array_equal(p, word_point("calm"))
    assert w == (1.0, 1.0, 0.0)  # as nearest_word: in the valence-arousal plane


@pytest.mark.parametrize("kwargs", [
    {}, {"mood": "calm", "point": (0, 0)}, {"point": (0.1,)}, {"point": (0, 0, 0, 0)},
    {"point": (1.5, 0)}, {"point": (np.nan, 0)}, {"point": "abc"}, {"mood": "zzzz"},
])
def test_query_point_refuses(kwargs):
    with pytest.raises(ParameterError):
        query_point(**kwargs)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-1, 1), st.floats(-1, 1)), min_size=1, max_size=20))
def test_point_moods_is_nearest_word_for_every_point(points):
    got = point_moods(np.array(points))
    assert list(got) == [nearest_word(p)[0] for p in points]


def test_point_moods_of_the_words_themselves():
    pts = np.stack([word_point(w) for w in MOOD_WORDS])
    moods = point_moods(pts)
    # each word is nearest to itself unless an earlier word has the same point
    for w, m in zip(MOOD_WORDS, moods):
        assert m == w or np.allclose(word_point(m)[:2], word_point(w)[:2])
    assert point_moods(np.zeros((0, 3))).shape == (0,)


@pytest.fixture()
def lib():
    with MusicLibrary(":memory:") as lib:
        lib.upsert_many([
            {"path": "/m/a.mp3", "title": "A", "valence": 0.6, "arousal": 0.5,
             "dominance": 0.2},
            {"path": "/m/b.mp3", "title": "B", "valence": -0.6, "arousal": 0.6,
             "dominance": 0.3, "label": "Q2"},
            {"path": "/m/c.mp3", "title": "C", "valence": 0.5, "arousal": -0.6,
             "dominance": -0.1},
            {"path": "/m/d.mp3", "title": "D", "error": "no audio stream"},
        ])
        yield lib


def test_songs_near_adds_quadrant_and_mood_of_the_point(lib):
    songs = songs_near(lib, (0.5, -0.5, 0.0), k=2)
    assert [s["title"] for s in songs] == ["C", "A"]
    assert songs[0]["quadrant"] == "Q4" and songs[1]["quadrant"] == "Q1"
    assert songs[0]["mood"] == nearest_word((0.5, -0.6))[0]


def test_describe_tracks_without_a_point():
    out = describe_tracks([{"valence": None}, {"valence": -0.2, "arousal": 0.3,
                                                "dominance": 0.0}])
    assert out[0]["quadrant"] is None and out[0]["mood"] is None
    assert out[1]["quadrant"] == "Q2"


def test_list_tracks_filters(lib):
    assert [t["title"] for t in list_tracks(lib)] == ["A", "B", "C", "D"]
    assert [t["title"] for t in list_tracks(lib, quadrant="q2")] == ["B"]
    assert [t["title"] for t in list_tracks(lib, failed=True)] == ["D"]
    near = list(list_tracks(lib, near=(0.6, 0.5, 0.2)))
    assert [t["title"] for t in near] == ["A", "C", "B"] and near[0]["distance"] == 0
    assert [t["title"] for t in list_tracks(lib, near=(0, 0), k=1)] == ["A"]
    assert [t["title"] for t in list_tracks(lib, k=2, batch_size=1)] == ["A", "B"]
    with pytest.raises(ParameterError, match="quadrant"):
        list(list_tracks(lib, quadrant="Q9"))
    with pytest.raises(ParameterError, match="mood words"):
        list(list_tracks(lib, mood="zzz"))
    with pytest.raises(ParameterError, match="failed"):
        list(list_tracks(lib, failed=True, quadrant="Q1"))
    with pytest.raises(ParameterError, match="k must"):
        list(list_tracks(lib, k=0))


def test_m3u_playlist():
    text, left_out = m3u_playlist([
        {"path": "/m/a.mp3", "artist": "X", "title": "Song"},
        {"path": "/m/b c.flac", "artist": None, "title": None},
        {"path": None, "source_id": "MT1", "artist": "Y", "title": "T"},
        {"path": "/m/d.mp3", "artist": None, "title": "Only\ntitle"},
        {"path": "/m/new\nline.mp3", "artist": "Z", "title": "T"},
    ])
    assert text.splitlines() == ["#EXTM3U", "#EXTINF:-1,X - Song", "/m/a.mp3",
                                 "#EXTINF:-1,b c", "/m/b c.flac",
                                 "#EXTINF:-1,Only title", "/m/d.mp3"]
    assert left_out == 2  # no file, and a path that cannot be one M3U line


def test_parse_point_reads_typed_points():
    from affect_features.querying import parse_point

    p, w = parse_point(" 0.5, -0.3 ")
    np.testing.assert_array_equal(p, [0.5, -0.3, 0.0])
    assert w == (1.0, 1.0, 0.0)
    p, w = parse_point("0.1,0.2,-0.3")
    np.testing.assert_array_equal(p, [0.1, 0.2, -0.3])
    assert w == (1.0, 1.0, 1.0)
    with pytest.raises(ParameterError, match="expected valence,arousal"):
        parse_point("a,b")
    with pytest.raises(ParameterError, match=r"\[-1, 1\]"):
        parse_point("2,0")
    with pytest.raises(ParameterError, match="2 or 3"):
        parse_point("0.1")


def test_write_playlist_lists_each_file_once(tmp_path):
    from affect_features.querying import write_playlist

    out = tmp_path / "p.m3u"
    tracks = [{"path": "/m/a.mp3", "artist": "A", "title": "One"},
              {"path": "/m/a.mp3", "artist": "A", "title": "One"},  # another photo's
              {"path": "/m/b\xe9.mp3", "title": "Two"},
              {"id": 7, "title": "catalogue song"}]                 # no file
    assert write_playlist(out, tracks) == (2, 1)
    assert out.read_bytes().decode("utf-8").splitlines() == [
        "#EXTM3U", "#EXTINF:-1,A - One", "/m/a.mp3", "#EXTINF:-1,Two", "/m/b\xe9.mp3"]


def test_read_library_needs_an_existing_file(tmp_path, monkeypatch):
    from affect_features.errors import LibraryError
    from affect_features.querying import read_library

    missing = tmp_path / "none.sqlite"
    with pytest.raises(LibraryError, match=f"--library {missing}"):
        read_library(missing)
    monkeypatch.setenv("AFFECT_LIBRARY", str(missing))
    with pytest.raises(LibraryError, match="no music library yet"):
        read_library()
    with MusicLibrary(tmp_path / "mine.sqlite") as lib:
        lib.upsert_many([{"path": str(tmp_path / "a.mp3"), "title": "a", "valence": 0.1,
                          "arousal": 0.2, "dominance": 0.0}])
    with read_library(tmp_path / "mine.sqlite") as lib:
        assert len(lib) == 1 and lib.readonly
    assert len(read_library(catalogue=True)) == 724
    with pytest.raises(ParameterError):
        read_library(tmp_path / "mine.sqlite", catalogue=True)
