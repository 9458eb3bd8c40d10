"""Points, nearest tracks and stored rows (:mod:`affect_features.library._queries`)."""

import numpy as np
import pytest

from affect_features.errors import LibraryError, ParameterError
from affect_features.library import MusicLibrary

from .helpers import point_rows


# -- matching ---------------------------------------------------------------------------

@pytest.mark.parametrize("weights", [(1, 1, 1), (2.0, 0.5, 0.0), (0, 0, 1)])
def test_nearest_equals_brute_force(lib, weights):
    rng = np.random.default_rng(1)
    pts = rng.uniform(-1, 1, (1500, 3))
    lib.upsert_many(point_rows(pts))
    ids, stored = lib.points()
    np.testing.assert_array_equal(stored, pts)
    w = np.asarray(weights, float)
    for q in rng.uniform(-1.2, 1.2, (25, 3)):
        dist = np.sqrt((((pts - q) * w) ** 2).sum(axis=1))
        for k in (1, 5, 17):
            want = np.argsort(dist, kind="stable")[:k]
            got = lib.nearest(q, k=k, weights=weights)
            assert [t["id"] for t in got] == ids[want].tolist()
            np.testing.assert_allclose([t["distance"] for t in got], dist[want], atol=1e-12)
            assert [t["title"] for t in got] == [f"song {i}" for i in want]
            assert got[0]["valence"] == pts[want[0], 0]


def test_nearest_edge_cases(lib):
    assert lib.nearest((0, 0, 0)) == []
    lib.upsert_many(point_rows([(0.5, 0.5, 0.5), (-0.5, 0, 0)]))
    assert [t["title"] for t in lib.nearest((1, 1, 1), k=10)] == ["song 0", "song 1"]
    assert len(lib.nearest(np.array([0.0, 0.0, 0.0]), k=1)) == 1
    for bad in [dict(point=(0, 0)), dict(point=(0, 0, np.nan)), dict(point="abc"),
                dict(point=(0, 0, 0), k=0), dict(point=(0, 0, 0), k=2.5),
                dict(point=(0, 0, 0), weights=(0, 0, 0)),
                dict(point=(0, 0, 0), weights=(1, -1, 1))]:
        with pytest.raises(ParameterError):
            lib.nearest(**bad)


def test_matches_follow_writes_by_anyone(tmp_path, lib):
    lib.upsert_many(point_rows([(0.9, 0.9, 0.9)]))
    assert lib.nearest((0, 0, 0), k=1)[0]["title"] == "song 0"
    # Our own write: the cached tree is dropped.
    lib.upsert_many([{"path": "/v/origin.mp3", "title": "origin", "valence": 0,
                      "arousal": 0, "dominance": 0}])
    assert lib.nearest((0, 0, 0), k=1)[0]["title"] == "origin"
    # Another connection's write (another process, say) is seen at the next query.
    with MusicLibrary(lib.path) as other:
        other.upsert_many([{"path": "/v/near.mp3", "title": "near", "valence": 0.01,
                            "arousal": 0, "dominance": 0}])
        other.remove_paths(["/v/origin.mp3"])
    assert lib.nearest((0, 0, 0), k=1)[0]["title"] == "near"


def test_points_snapshot_is_kept_and_invalidated(lib):
    lib.upsert_many(point_rows(np.eye(3)))
    snapshot = "SELECT n FROM point_snapshot"
    assert lib._db.execute(snapshot).fetchone() is None
    lib.points()
    assert lib._db.execute(snapshot).fetchone() == (3,)
    lib.upsert_many([{"path": "/v/x.mp3", "title": "no point"}])  # no point: kept
    assert lib._db.execute(snapshot).fetchone() == (3,)
    # Any change of a point, even behind our back, drops it (triggers).
    lib._db.execute("UPDATE tracks SET valence = -1 WHERE title = 'song 0'")
    assert lib._db.execute(snapshot).fetchone() is None
    with MusicLibrary(lib.path, readonly=True) as ro:
        ids, pts = ro.points()  # read-only: computed, not stored
        assert pts[0, 0] == -1 and len(ids) == 3
        assert ro.nearest((-1, 0, 0), k=1)[0]["title"] == "song 0"
        with pytest.raises(LibraryError, match="read-only"):
            ro.upsert_many(point_rows([(0, 0, 0)]))


# -- queries of the command line: stats, removal, the library that answers a match ------

def test_stats_track_ids_and_remove(tmp_path):
    from affect_features.library import SCHEMA_VERSION

    path = tmp_path / "lib.sqlite"
    with MusicLibrary(path) as lib:
        lib.upsert_many(
            [{"path": f"/music/{d}/{i}.mp3", "valence": v, "arousal": a,
              "dominance": 0.0, "model_version": "m1" if i else "m0",
              "descriptors": np.zeros(3, np.float32), "descriptor_schema": "s"}
             for i, (d, v, a) in enumerate([("x", 0.5, 0.5), ("x", -0.5, 0.5),
                                             ("y", -0.5, -0.5), ("y", 0.5, -0.5),
                                             ("y/z", 0.1, -0.2)])]
            + [{"path": "/music/y/bad.mp3", "error": "broken"},
               {"source_id": "cat1", "valence": 0.0, "arousal": 0.0, "dominance": 0.0}])
        st = lib.stats()
        assert (st["tracks"], st["files"], st["with_point"], st["failed"]) == (7, 6, 6, 1)
        # the origin counts in Q1, by quadrant()'s rule
        assert st["quadrants"] == {"Q1": 2, "Q2": 1, "Q3": 1, "Q4": 2}
        assert st["model_versions"] == {"m1": 4, "m0": 1, None: 1}
        assert st["descriptor_schemas"] == {"s": 5}
        assert st["library_schema"] == SCHEMA_VERSION and st["size_bytes"] > 0
        ids = lib.track_ids()
        assert [t["path"] for t in lib.tracks(ids)][:3] == [None, "/music/x/0.mp3",
                                                            "/music/x/1.mp3"]
        assert [t["path"] for t in lib.tracks(lib.track_ids(failed=True))] == \
            ["/music/y/bad.mp3"]
        removed = lib.remove(["/music/y", "/music/x/0.mp3", "/music/nothing"])
        assert removed == {"/music/y": 4, "/music/x/0.mp3": 1, "/music/nothing": 0}
        assert [t["path"] for t in lib.tracks(lib.track_ids())] == [None,
                                                                    "/music/x/1.mp3"]
        # a folder is a whole path component: /music/x does not remove /music/xy
        lib.upsert_many([{"path": "/music/xy/1.mp3", "title": "t"}])
        assert lib.remove("/music/x") == {"/music/x": 1}
        assert [t["path"] for t in lib.tracks(lib.track_ids())] == [None,
                                                                    "/music/xy/1.mp3"]
    assert MusicLibrary(":memory:").stats()["size_bytes"] == 0
