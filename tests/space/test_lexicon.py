"""The shipped NRC-VAD lexicon, word points, nearest words
(:mod:`affect_features.space._lexicon`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import affect_features
from affect_features import space
from affect_features.errors import ParameterError
from affect_features.space import (
    LABEL_WORDS, MOOD_WORDS, lexicon_words, mood_words, nearest_word, quadrant,
    word_point,
)

from .helpers import _data_dir


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
    data = Path(affect_features.__file__).parent / "data"  # the package's shipped data
    text = (data / "nrc_vad_emotions.tsv").read_text("utf-8")
    assert "Mohammad" in text and "ACL 2018" in text
    assert (data / "NRC-VAD-CREDIT.md").is_file()


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
