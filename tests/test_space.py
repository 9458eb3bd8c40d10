"""Tests of affect_features.space: scales, lexicon, taxonomies, quadrants, label maps."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from affect_features import space
from affect_features.errors import ParameterError
from affect_features.space import (
    AUDIOSET_MOOD_CLASSES, CONCEPTS, DECLARED_POINTS, LABEL_WORDS, MOOD_WORDS, NO_QUADRANT,
    QUADRANT_NAMES, QUADRANTS, SCALES, SUBSTITUTIONS, TAXONOMIES, canonical_label, distribution_point, from_space,
    label_map, label_point, label_table, lexicon_words, load_label_map, mood_words,
    nearest_word, quadrant, taxonomy_points, to_space, word_point,
)


def _data_dir() -> Path:
    root = os.environ.get("AFFECT_DATA")
    if not root:
        pytest.skip("AFFECT_DATA is not set")
    return Path(root)


# ---------------------------------------------------------------------------- scales

@pytest.mark.parametrize("scale, x, expected", [
    ("sam9", 1, -1.0), ("sam9", 5, 0.0), ("sam9", 9, 1.0), ("sam9", 7, 0.5),
    ("likert7", 1, -1.0), ("likert7", 4, 0.0), ("likert7", 7, 1.0), ("likert7", 5.5, 0.5),
    ("unit", 0.0, -1.0), ("unit", 0.5, 0.0), ("unit", 1.0, 1.0), ("unit", 0.75, 0.5),
    ("nrc", 0.167, -0.666), ("space", -0.3, -0.3),
])
def test_to_space_known_values(scale, x, expected):
    y = to_space(x, scale)
    assert isinstance(y, float)
    assert y == pytest.approx(expected)
    assert from_space(y, scale) == pytest.approx(x)


def test_to_space_clips_out_of_range_ratings():
    np.testing.assert_array_equal(to_space([0, 10, -3], "sam9"), [-1.0, 1.0, -1.0])
    np.testing.assert_array_equal(from_space([2.0, -5.0], "likert7"), [7.0, 1.0])


def test_to_space_keeps_shape():
    x = np.full((2, 3), 9.0)
    assert to_space(x, "sam9").shape == (2, 3)


@pytest.mark.parametrize("bad", ["sam7", "", None, "SAM9"])
def test_unknown_scale_is_a_parameter_error(bad):
    with pytest.raises(ParameterError, match="scale"):
        to_space(1.0, bad)
    with pytest.raises(ParameterError):
        from_space(0.0, bad)


def test_non_finite_ratings_are_rejected():
    with pytest.raises(ParameterError, match="finite"):
        to_space([1.0, np.nan], "sam9")


@settings(max_examples=50, deadline=None)
@given(scale=st.sampled_from(sorted(SCALES)), y=st.floats(-1, 1))
def test_from_space_inverts_to_space(scale, y):
    assert to_space(from_space(y, scale), scale) == pytest.approx(y, abs=1e-12)


# --------------------------------------------------------------------------- lexicon

@pytest.mark.parametrize("word, nrc", [
    ("anger", (0.167, 0.865, 0.657)),
    ("fear", (0.073, 0.840, 0.293)),
    ("sadness", (0.052, 0.288, 0.164)),
    ("happy", (1.000, 0.735, 0.772)),
    ("calm", (0.875, 0.100, 0.282)),
    ("tenderness", (0.949, 0.276, 0.367)),
])
def test_word_point_hand_checked_rows(word, nrc):
    np.testing.assert_allclose(word_point(word), 2 * np.array(nrc) - 1, atol=1e-12)


def test_word_point_anger_in_space_units():
    np.testing.assert_allclose(word_point("anger"), [-0.666, 0.73, 0.314], atol=1e-12)


def test_word_point_ignores_case_and_returns_a_copy():
    p = word_point(" Anger ")
    p[:] = 0
    np.testing.assert_allclose(word_point("anger"), [-0.666, 0.73, 0.314], atol=1e-12)


def test_unknown_word_is_a_parameter_error():
    with pytest.raises(ParameterError, match="not in the shipped NRC-VAD subset"):
        word_point("aardvark")


def test_every_label_and_mood_word_is_in_the_shipped_lexicon():
    shipped = set(lexicon_words())
    needed = set(MOOD_WORDS) | {w for words in LABEL_WORDS.values() for ws in words.values()
                                for w in ((ws,) if isinstance(ws, str) else ws)}
    assert needed <= shipped
    # The substituted originals are shipped too, so the substitution can be checked.
    assert {"awe", "contentment", "tender", "neutral"} <= shipped
    assert 60 <= len(MOOD_WORDS) <= 100
    assert len(set(MOOD_WORDS)) == len(MOOD_WORDS)
    assert mood_words() == MOOD_WORDS


def test_shipped_lexicon_file_cites_its_source():
    text = (Path(space.__file__).parent / "data" / "nrc_vad_emotions.tsv").read_text("utf-8")
    assert "Mohammad" in text and "ACL 2018" in text
    assert (Path(space.__file__).parent / "data" / "NRC-VAD-CREDIT.md").is_file()


def test_shipped_rows_are_verbatim_copies_of_the_lexicon():
    source = _data_dir() / "lexicon" / "NRC-VAD-Lexicon.txt"
    full = {}
    with open(source, encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            word, *values = line.rstrip("\n").split("\t")
            full[word] = np.array(values, dtype=float)
    for word in lexicon_words():
        np.testing.assert_allclose(word_point(word), 2 * full[word] - 1, atol=1e-12)


def test_mood_words_cover_every_quadrant():
    counts = {q: 0 for q in space.QUADRANTS}
    for word in MOOD_WORDS:
        counts[quadrant(word_point(word))] += 1
    assert min(counts.values()) >= 15, counts


def test_mood_words_have_distinct_points_so_each_names_itself():
    for word in MOOD_WORDS:
        assert nearest_word(word_point(word)) == [word]
        assert nearest_word(word_point(word), axes="vad") == [word]


def test_nearest_word_known_points():
    assert nearest_word([0.75, -0.8]) == ["calm"]
    assert nearest_word([-0.55, -0.33, -0.70], axes="vad") == ["sad"]
    # A point deep in Q2 is named by a Q2 word.
    assert quadrant(word_point(nearest_word([-0.8, 0.8])[0])) == "Q2"


def test_nearest_word_k_orders_by_distance():
    point = np.array([0.5, -0.5])
    words = nearest_word(point, 5)
    assert len(set(words)) == 5
    d = [np.linalg.norm(word_point(w)[:2] - point) for w in words]
    assert d == sorted(d)
    others = set(MOOD_WORDS) - set(words)
    assert min(np.linalg.norm(word_point(w)[:2] - point) for w in others) >= d[-1]


def test_nearest_word_custom_vocabulary_and_ties_keep_order():
    assert nearest_word([1, 1], words=["sad", "happy"]) == ["happy"]
    # 'anger' twice: equal distances keep the vocabulary's order.
    assert nearest_word([0, 0], 2, words=["anger", "Anger"]) == ["anger", "anger"]


@pytest.mark.parametrize("kwargs", [
    {"k": 0}, {"k": len(MOOD_WORDS) + 1}, {"k": 1.5}, {"axes": "av"}, {"words": []},
])
def test_nearest_word_rejects_bad_options(kwargs):
    with pytest.raises(ParameterError):
        nearest_word([0.1, 0.1, 0.1], **kwargs)


def test_nearest_word_vad_needs_dominance():
    with pytest.raises(ParameterError, match="dominance"):
        nearest_word([0.1, 0.1], axes="vad")


# ------------------------------------------------------------------------ taxonomies

def test_taxonomies_are_complete_and_ordered():
    assert TAXONOMIES["mikels"] == ("amusement", "anger", "awe", "contentment", "disgust",
                                    "excitement", "fear", "sad")
    assert TAXONOMIES["emotion6"] == ("anger", "disgust", "fear", "joy", "sadness",
                                      "surprise", "neutral")
    assert TAXONOMIES["audioset_mood"] == ("happy", "funny", "sad", "tender", "exciting",
                                           "angry", "scary")
    for taxonomy, labels in TAXONOMIES.items():
        for label in labels:
            placed_by_word = label in LABEL_WORDS.get(taxonomy, {})
            declared = (taxonomy, label) in DECLARED_POINTS
            assert placed_by_word != declared, (taxonomy, label)
    for taxonomy, label in SUBSTITUTIONS:
        assert LABEL_WORDS[taxonomy][label] != label


def test_gems_labels_and_their_points():
    assert TAXONOMIES["gems"] == ("amazement", "solemnity", "tenderness", "nostalgia",
                                  "calmness", "power", "joyful activation", "tension",
                                  "sadness")
    # a two-word label sits at the mean of its words' NRC-VAD rows (Mohammad 2018)
    joyful, activation = np.array([0.990, 0.740, 0.667]), np.array([0.781, 0.800, 0.754])
    np.testing.assert_allclose(label_point("joyful activation", "gems"),
                               joyful + activation - 1)
    assert canonical_label("Joyful_Activation", "gems") == "joyful activation"
    np.testing.assert_allclose(label_point("solemnity", "gems"), 2 * np.array(
        [0.708, 0.370, 0.709]) - 1)   # placed by "solemn"
    rows = {r.label: r for r in label_table(["gems"])}
    assert rows["joyful activation"].word == "joyful+activation"
    assert rows["solemnity"].word == "solemn"


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


def test_audioset_classes_match_the_ontology_file():
    path = _data_dir() / "audioset" / "class_labels_indices.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = {int(r["index"]): (r["mid"], r["display_name"]) for r in csv.DictReader(handle)}
    for label, (index, mid, display) in AUDIOSET_MOOD_CLASSES.items():
        assert rows[index] == (mid, display)
        assert canonical_label(display, "audioset_mood") == label
        assert canonical_label(mid, "audioset_mood") == label


def test_canonical_label():
    assert canonical_label("q3", "russell") == "Q3"
    assert canonical_label(" Sadness ", "emotion6") == "sadness"
    assert canonical_label("Tender music", "audioset_mood") == "tender"
    with pytest.raises(ParameterError, match="expected one of"):
        canonical_label("sadness", "mikels")
    with pytest.raises(ParameterError, match="taxonomy"):
        canonical_label("sad", "ekman")


def test_label_point_hand_checked():
    np.testing.assert_allclose(label_point("anger", "mikels"), [-0.666, 0.73, 0.314])
    np.testing.assert_allclose(label_point("anger", "emotion6"), label_point("anger", "mikels"))
    np.testing.assert_allclose(label_point("awe", "mikels"), word_point("amazement"))
    np.testing.assert_allclose(label_point("contentment", "mikels"), word_point("content"))
    np.testing.assert_allclose(label_point("tender", "audioset_mood"), word_point("tenderness"))
    np.testing.assert_array_equal(label_point("neutral", "emotion6"), [0, 0, 0])
    np.testing.assert_array_equal(label_point("Q3", "russell"), [-0.5, -0.5, 0])
    np.testing.assert_array_equal(label_point("Q4", "russell"), [0.5, -0.5, 0])


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


def test_the_substituted_words_would_have_been_misplaced():
    # Documents why SUBSTITUTIONS exist: the labels' own words land in the wrong quadrant.
    assert quadrant(word_point("awe")) == "Q2"
    assert quadrant(word_point("contentment")) == "Q1"
    assert quadrant(word_point("tender")) == "Q1"
    assert quadrant(word_point("neutral")) == "Q3"


def test_taxonomy_points_follow_label_order():
    points = taxonomy_points("emotion6")
    assert points.shape == (7, 3)
    np.testing.assert_array_equal(points[3], label_point("joy", "emotion6"))


# ----------------------------------------------------------------- distribution_point

@pytest.mark.parametrize("taxonomy", list(TAXONOMIES))
def test_one_hot_distribution_is_the_label_point(taxonomy):
    labels = TAXONOMIES[taxonomy]
    eye = np.eye(len(labels))
    np.testing.assert_allclose(distribution_point(eye, taxonomy), taxonomy_points(taxonomy))
    for i, label in enumerate(labels):
        np.testing.assert_allclose(distribution_point(eye[i], taxonomy),
                                   label_point(label, taxonomy))
        np.testing.assert_allclose(distribution_point({label: 2.5}, taxonomy),
                                   label_point(label, taxonomy))


def test_distribution_point_is_the_normalised_weighted_mean():
    np.testing.assert_allclose(distribution_point({"Q1": 1, "Q3": 1}, "russell"), [0, 0, 0])
    np.testing.assert_allclose(distribution_point({"Q1": 3, "q2": 1}, "russell"),
                               [0.25, 0.5, 0.0])
    w = np.array([0.1, 0.0, 0.2, 0.4, 0.1, 0.1, 0.1])
    np.testing.assert_allclose(distribution_point(3 * w, "emotion6"),
                               distribution_point(w, "emotion6"))


def test_all_zero_distribution_is_neutral():
    np.testing.assert_array_equal(distribution_point(np.zeros(8), "mikels"), [0, 0, 0])
    out = distribution_point(np.array([[0.0] * 4, [1, 0, 0, 0]]), "russell")
    np.testing.assert_array_equal(out, [[0, 0, 0], [0.5, 0.5, 0]])


@pytest.mark.parametrize("weights", [
    np.ones(6), np.ones((2, 8)), np.array([-1.0, 0, 0, 0, 0, 0, 0]),
    np.array([np.nan, 0, 0, 0, 0, 0, 0]), {"sad": 1.0},
])
def test_distribution_point_rejects_bad_weights(weights):
    with pytest.raises(ParameterError):
        distribution_point(weights, "emotion6")


# ------------------------------------------------------------------------- quadrants

@pytest.mark.parametrize("point, expected", [
    ((0.5, 0.5), "Q1"), ((-0.5, 0.5), "Q2"), ((-0.5, -0.5), "Q3"), ((0.5, -0.5), "Q4"),
    ((0.0, 0.0), "Q1"), ((0.0, -0.1), "Q4"), ((-0.1, 0.0), "Q2"), ((0.2, -0.9, 0.9), "Q4"),
])
def test_quadrant_of_hand_points(point, expected):
    assert quadrant(point) == expected


def test_quadrant_vectorised():
    points = np.array([[0.5, 0.5, 0], [-0.5, 0.5, 1], [-0.5, -0.5, 0], [0.5, -0.5, -1]])
    out = quadrant(points)
    assert isinstance(out, np.ndarray) and out.shape == (4,)
    assert out.tolist() == ["Q1", "Q2", "Q3", "Q4"]
    assert [quadrant(p) for p in points] == out.tolist()


@pytest.mark.parametrize("bad", [[1.0], [[1, 2, 3, 4]], np.zeros((2, 2, 2)), [np.inf, 0]])
def test_quadrant_rejects_bad_shapes(bad):
    with pytest.raises(ParameterError):
        quadrant(bad)


# ------------------------------------------------------------------------ label maps

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


def test_quadrant_names_cover_the_quadrants():
    assert tuple(QUADRANT_NAMES) == QUADRANTS
    assert QUADRANT_NAMES["Q1"] == "happy/excited" and QUADRANT_NAMES["Q4"] == "calm/relaxed"
    # each name's first word lies in its own quadrant of the lexicon
    for q, name in QUADRANT_NAMES.items():
        assert quadrant(word_point(name.split("/")[0])) == q


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
