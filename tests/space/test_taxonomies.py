"""Taxonomies, label points, distribution points
(:mod:`affect_features.space._taxonomies`)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from affect_features.errors import ParameterError
from affect_features.space import (
    AUDIOSET_MOOD_CLASSES, DECLARED_POINTS, LABEL_WORDS, SUBSTITUTIONS, TAXONOMIES,
    canonical_label, distribution_point, label_point, label_table, quadrant,
    taxonomy_points, word_point,
)

from .helpers import _data_dir


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
