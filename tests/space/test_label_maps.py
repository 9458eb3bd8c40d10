"""Label maps, the user's label-map table, the label table
(:mod:`affect_features.space._label_maps`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from affect_features.errors import ParameterError
from affect_features.space import (
    CONCEPTS, NO_QUADRANT, TAXONOMIES, label_map, label_point, label_table,
    load_label_map,
)


# The quadrant the literature gives each label (Russell 1980; Mikels et al. 2005: the four
# positive Mikels categories; 4Q: tender is Q4). Neutral is the origin: no quadrant ("-").
LITERATURE_QUADRANTS = {
    "mikels": {"amusement": "Q1", "anger": "Q2", "awe": "Q1", "contentment": "Q4",
               "disgust": "Q2", "excitement": "Q1", "fear": "Q2", "sad": "Q3"},
    "emotion6": {"anger": "Q2", "disgust": "Q2", "fear": "Q2", "joy": "Q1",
                 "sadness": "Q3", "surprise": "Q1", "neutral": "-"},
    "audioset_mood": {"happy": "Q1", "funny": "Q1", "sad": "Q3", "tender": "Q4",
                      "exciting": "Q1", "angry": "Q2", "scary": "Q2"},
    "russell": {"Q1": "Q1", "Q2": "Q2", "Q3": "Q3", "Q4": "Q4"},
    # Zentner et al. (2008): the "vitality" factor (power, joyful activation) and
    # amazement aroused and pleasant; "sublimity" calm; tension and sadness unease.
    # Nostalgia ("nostalgic, dreamy, melancholic, sentimental", Table 5) is bittersweet:
    # the lexicon puts it just below neutral valence (-0.17), Q3, like "nostalgic".
    "gems": {"amazement": "Q1", "solemnity": "Q4", "tenderness": "Q4", "nostalgia": "Q3",
             "calmness": "Q4", "power": "Q1", "joyful activation": "Q1", "tension": "Q2",
             "sadness": "Q3"},
}


def test_gems_maps_to_and_from_the_other_taxonomies():
    assert label_map("gems", "russell") == LITERATURE_QUADRANTS["gems"]
    to_mikels = label_map("gems", "mikels")
    assert to_mikels["amazement"] == "awe" and to_mikels["sadness"] == "sad"   # concepts
    assert to_mikels["tension"] == "anger"                                     # distance
    to_audioset = label_map("gems", "audioset_mood")
    assert to_audioset["tenderness"] == "tender" and to_audioset["joyful activation"] == "happy"
    from_audioset = label_map("audioset_mood", "gems")
    assert from_audioset["tender"] == "tenderness" and from_audioset["scary"] == "tension"
    assert label_map("emotion6", "gems")["joy"] == "joyful activation"


def test_concepts_name_existing_labels():
    for members in CONCEPTS.values():
        for taxonomy, label in members.items():
            assert label in TAXONOMIES[taxonomy]


def test_label_table_quadrants_agree_with_the_literature():
    rows = label_table()
    assert len(rows) == sum(len(v) for v in TAXONOMIES.values())
    got = {(r.taxonomy, r.label): r.quadrant for r in rows}
    expected = {(t, label): q for t, labels in LITERATURE_QUADRANTS.items()
                for label, q in labels.items()}
    assert got == expected


def test_label_table_rows():
    rows = {(r.taxonomy, r.label): r for r in label_table()}
    anger = rows[("mikels", "anger")]
    assert tuple(anger[:3]) == ("mikels", "anger", "anger")
    assert anger[3:6] == pytest.approx((-0.666, 0.73, 0.314))
    assert anger.quadrant == "Q2"
    assert rows[("emotion6", "neutral")].word == "-"
    assert rows[("mikels", "awe")].word == "amazement"
    assert [r.taxonomy for r in label_table(["russell"])] == ["russell"] * 4


def test_label_map_to_russell_is_the_quadrant():
    assert label_map("mikels", "russell") == {
        "amusement": "Q1", "anger": "Q2", "awe": "Q1", "contentment": "Q4",
        "disgust": "Q2", "excitement": "Q1", "fear": "Q2", "sad": "Q3"}
    assert label_map("audioset_mood", "russell")["tender"] == "Q4"
    assert label_map("audioset_mood", "russell")["scary"] == "Q2"


def test_neutral_has_no_quadrant():
    # The origin lies on both axes: quadrant()'s tie rule would call it Q1, happy.
    assert label_map("emotion6", "russell")["neutral"] == NO_QUADRANT == "-"
    assert label_map("emotion6", "russell")["joy"] == "Q1"
    rows = {(r.taxonomy, r.label): r for r in label_table(["emotion6"])}
    assert rows[("emotion6", "neutral")].quadrant == NO_QUADRANT


def test_label_map_known_mappings():
    m = label_map("mikels", "audioset_mood")
    assert m == {"amusement": "funny", "anger": "angry", "awe": "exciting",
                 "contentment": "tender", "disgust": "angry", "excitement": "exciting",
                 "fear": "scary", "sad": "sad"}
    assert label_map("emotion6", "mikels")["sadness"] == "sad"
    assert label_map("emotion6", "audioset_mood")["joy"] == "happy"
    assert label_map("russell", "audioset_mood") == {
        "Q1": "exciting", "Q2": "angry", "Q3": "sad", "Q4": "tender"}
    assert label_map("audioset_mood", "mikels")["tender"] == "contentment"


def test_label_map_by_distance_alone():
    # Without CONCEPTS, the nearest point of Mikels fear is AudioSet angry (VA).
    m = label_map("mikels", "audioset_mood", by_concept=False)
    assert m["fear"] == "angry"
    assert m["contentment"] == "tender"
    for src, dst in m.items():
        d = {t: np.linalg.norm(label_point(src, "mikels")[:2] - label_point(t, "audioset_mood")[:2])
             for t in TAXONOMIES["audioset_mood"]}
        assert d[dst] == min(d.values())


def test_label_map_vad_uses_dominance():
    m = label_map("emotion6", "audioset_mood", axes="vad", by_concept=False)
    assert m["disgust"] == "scary"  # low dominance, like scary; angry is dominant


def test_label_map_identity_and_order():
    assert label_map("emotion6", "emotion6") == {l: l for l in TAXONOMIES["emotion6"]}
    assert list(label_map("audioset_mood", "mikels")) == list(TAXONOMIES["audioset_mood"])


def test_label_map_overrides_win():
    m = label_map("mikels", "audioset_mood", overrides={"Disgust": "scary", "awe": "tender"})
    assert m["disgust"] == "scary" and m["awe"] == "tender" and m["fear"] == "scary"
    assert label_map("emotion6", "emotion6", overrides={"neutral": "joy"})["neutral"] == "joy"
    with pytest.raises(ParameterError, match="audioset_mood"):
        label_map("mikels", "audioset_mood", overrides={"awe": "joy"})
    with pytest.raises(ParameterError, match="mikels"):
        label_map("mikels", "audioset_mood", overrides={"joy": "happy"})


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_load_label_map_round_trip(tmp_path):
    path = _write(tmp_path / "map.csv", "\ufeffsource_taxonomy,source_label,target_taxonomy,target_label\n"
                  "# a comment row\n"
                  "mikels,awe,audioset_mood,Tender music\n"
                  "\n"
                  "mikels,disgust,audioset_mood,scary\n"
                  "emotion6, neutral ,russell,Q4\n"
                  "mikels,disgust,audioset_mood,scary\n")
    table = load_label_map(path)
    assert table == {("mikels", "audioset_mood"): {"awe": "tender", "disgust": "scary"},
                     ("emotion6", "russell"): {"neutral": "Q4"}}
    assert label_map("mikels", "audioset_mood", overrides=table)["awe"] == "tender"
    assert label_map("emotion6", "russell", overrides=table)["neutral"] == "Q4"
    # An entry for another pair of taxonomies changes nothing.
    assert label_map("mikels", "russell", overrides=table) == label_map("mikels", "russell")


@pytest.mark.parametrize("body, match", [
    ("source,label,target,label\nmikels,awe,russell,Q1\n", "first row"),
    ("", "first row"),
    ("source_taxonomy,source_label,target_taxonomy,target_label\nmikels,awe,russell\n",
     "line 2: expected 4 columns"),
    ("source_taxonomy,source_label,target_taxonomy,target_label\nmikels,joy,russell,Q1\n",
     "line 2: unknown mikels label"),
    ("source_taxonomy,source_label,target_taxonomy,target_label\nekman,joy,russell,Q1\n",
     "line 2: unknown taxonomy"),
    ("source_taxonomy,source_label,target_taxonomy,target_label\nmikels,awe,russell,Q1\n"
     "mikels,awe,russell,Q2\n", "line 3: .*both"),
])
def test_load_label_map_rejects_bad_files(tmp_path, body, match):
    path = _write(tmp_path / "bad.csv", body)
    with pytest.raises(ParameterError, match=match):
        load_label_map(path)


def test_load_label_map_missing_file(tmp_path):
    with pytest.raises(ParameterError, match="cannot read"):
        load_label_map(tmp_path / "nope.csv")


def test_label_map_reads_only_regular_files(tmp_path):
    import os

    from affect_features.space import load_label_map

    fifo = tmp_path / "map.csv"
    os.mkfifo(fifo)
    with pytest.raises(ParameterError, match="map.csv: label map is a FIFO"):
        load_label_map(fifo)                  # refused before opening: no hang
    with pytest.raises(ParameterError, match="label map is a folder"):
        load_label_map(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe\x00 not text")
    with pytest.raises(ParameterError, match="bad.csv: label map is not UTF-8 text"):
        load_label_map(bad)
