"""Catalogue CSVs and the library that answers a match
(:mod:`affect_features.library._catalogue`)."""

import pytest

from affect_features.errors import LibraryError
from affect_features.library import MusicLibrary, default_catalogue, load_catalogue


# -- catalogues -------------------------------------------------------------------------

CATALOGUE = """song_id,artist,title,quadrant,valence,arousal,dominance,extra
MT01,The Beach Boys,Little Saint Nick,Q1,0.7,0.6,0.3,x
MT02,Curse of the Golden Vampire,Ultrasonic Meltdown,Q2,-0.6,0.8,0.4,x
MT03,Little Walter,Last Night,Q3,-0.5,-0.4,-0.2,x
MT04,"Quiet, Band",Lullaby,Q4,0.5,-0.7,-0.3,x
"""


def test_load_catalogue(tmp_path):
    csv_path = tmp_path / "cat.csv"
    csv_path.write_text(CATALOGUE, encoding="utf-8")
    with load_catalogue(csv_path) as cat:
        assert len(cat) == 4 and cat.path == ":memory:"
        best = cat.nearest((0.6, -0.6, 0.0), k=2)
        assert [t["title"] for t in best] == ["Lullaby", "Last Night"]
        assert best[0]["artist"] == "Quiet, Band" and best[0]["source_id"] == "MT04"
        assert best[0]["label"] == "Q4" and best[0]["taxonomy"] == "russell"
        assert best[0]["path"] is None
        assert cat.metadata["catalogue"] == "cat.csv"
    with MusicLibrary.from_catalogue(csv_path) as cat:
        assert len(cat) == 4


@pytest.mark.parametrize("text, message", [
    ("song_id,artist,title,valence,arousal,dominance\n", "lacks column"),
    (CATALOGUE.replace("0.7,0.6", "0.7,high"), "line 2"),
    (CATALOGUE.replace("MT03", "MT01"), "repeats"),
    (CATALOGUE.replace("-0.6,0.8", "-0.6,inf"), "not finite"),
])
def test_bad_catalogue_is_refused(tmp_path, text, message):
    csv_path = tmp_path / "cat.csv"
    csv_path.write_text(text, encoding="utf-8")
    with pytest.raises(LibraryError, match=message):
        load_catalogue(csv_path)
    with pytest.raises(LibraryError, match="cannot read"):
        load_catalogue(tmp_path / "missing.csv")


def test_default_catalogue():
    from importlib import resources

    shipped = resources.files("affect_features").joinpath("data", "catalogue_4q.csv")
    if not shipped.is_file():
        with pytest.raises(LibraryError, match="default catalogue"):
            default_catalogue()
        return
    with default_catalogue() as cat:
        assert len(cat) > 0
        labels = {t["label"] for t in cat.nearest((0, 0, 0), k=50)}
        assert labels <= {"Q1", "Q2", "Q3", "Q4"}


def test_matching_library_prefers_the_users_library(tmp_path, monkeypatch):
    from affect_features.library import library_description, matching_library

    monkeypatch.setenv("AFFECT_LIBRARY", str(tmp_path / "absent.sqlite"))
    lib = matching_library()
    assert lib.path == ":memory:" and len(lib.points()[0]) == 724
    assert library_description(lib).startswith("the shipped catalogue catalogue_4q.csv")
    mine = tmp_path / "mine.sqlite"
    with MusicLibrary(mine) as m:
        m.upsert_many([{"path": "/m/a.mp3", "valence": 0.1, "arousal": 0.1,
                        "dominance": 0.1}])
    monkeypatch.setenv("AFFECT_LIBRARY", str(mine))
    with matching_library() as lib:
        assert lib.path == str(mine) and lib.readonly
        assert library_description(lib) == f"{mine} (1 songs)"
    with matching_library(catalogue=True) as lib:
        assert lib.path == ":memory:"
    with pytest.raises(LibraryError, match="no such music library"):
        matching_library(tmp_path / "absent.sqlite")  # named explicitly: must exist
    failed = tmp_path / "failed.sqlite"
    with MusicLibrary(failed) as m:
        m.upsert_many([{"path": "/m/a.mp3", "error": "broken"}])
    with pytest.raises(LibraryError, match="all failed to analyse"):
        matching_library(failed)
