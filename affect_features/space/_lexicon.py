"""The lexicon: the shipped NRC-VAD rows (Mohammad 2018), a word's point, the nearest words.

``affect_features/data/nrc_vad_emotions.tsv`` holds the label words of the taxonomies and
:data:`MOOD_WORDS`; references are listed in :mod:`affect_features.space`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

import numpy as np

from ..errors import ParameterError
from ._scales import _finite_array, to_space

#: The vocabulary :func:`nearest_word` names points with: 88 common mood words, about a
#: quarter per quadrant, plus a few near the middle (neutral, bittersweet, mysterious,
#: nostalgic, indifferent). Grouped by the quadrant the lexicon puts them in.
MOOD_WORDS: tuple[str, ...] = (
    # Q1: pleasant, aroused
    "happy", "joyful", "cheerful", "delighted", "excited", "elated", "euphoric",
    "enthusiastic", "energetic", "lively", "playful", "amused", "funny", "triumphant",
    "proud", "powerful", "epic", "majestic", "romantic", "loving", "thrilling", "festive",
    # Q2: unpleasant, aroused
    "angry", "furious", "aggressive", "violent", "tension", "nervous", "anxious",
    "stressed", "agitated", "restless", "frantic", "frustrated", "irritated", "afraid",
    "terrified", "scary", "creepy", "sinister", "ominous", "eerie", "mysterious",
    "dramatic", "tragic", "despair", "disgusted", "bittersweet",
    # Q3: unpleasant, calm
    "sad", "gloomy", "melancholy", "depressed", "lonely", "miserable", "mournful",
    "hopeless", "desolate", "dark", "weary", "bored", "dull", "lethargic", "indifferent",
    "nostalgic", "wistful", "neutral",
    # Q4: pleasant, calm
    "calm", "peaceful", "serene", "tranquil", "relaxed", "soothing", "gentle", "quiet",
    "mellow", "dreamy", "cozy", "comfortable", "content", "pleasant", "hopeful",
    "tenderness", "warm", "sleepy", "carefree", "sentimental", "pensive", "meditative",
)

_LEXICON_FILE = "nrc_vad_emotions.tsv"
_LEXICON_HEADER = ("word", "valence", "arousal", "dominance")
_DISTANCE_AXES = {"va": 2, "vad": 3}


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, tuple[float, float, float]]:
    """The shipped NRC-VAD rows, converted to the space (read once)."""
    text = resources.files("affect_features").joinpath(
        "data", _LEXICON_FILE).read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines()
            if line.strip() and not line.startswith("#")]
    if not rows or tuple(c.strip().lower() for c in rows[0]) != _LEXICON_HEADER:
        raise ParameterError(f"{_LEXICON_FILE}: expected header Word/Valence/Arousal/Dominance")
    lexicon = {}
    for row in rows[1:]:
        values = to_space([float(v) for v in row[1:4]], "nrc")
        lexicon[row[0].strip()] = tuple(float(v) for v in values)
    return lexicon


def lexicon_words() -> tuple[str, ...]:
    """All words of the shipped NRC-VAD subset, alphabetically.

    Returns
    -------
    words : tuple of str
        Label words of every taxonomy (including the original label words that were
        substituted, e.g. ``awe``) and :data:`MOOD_WORDS`.
    """
    return tuple(sorted(_lexicon()))


def mood_words() -> tuple[str, ...]:
    """The vocabulary :func:`nearest_word` names points with (:data:`MOOD_WORDS`)."""
    return MOOD_WORDS


def word_point(word: str) -> np.ndarray:
    """Point of a word of the shipped NRC-VAD subset.

    Parameters
    ----------
    word : str
        A word of :func:`lexicon_words` (case and surrounding spaces are ignored).

    Returns
    -------
    point : ndarray, shape (3,)
        ``2 * (valence, arousal, dominance) - 1`` of the lexicon row, a new array.

    Raises
    ------
    ParameterError
        The word is not in the shipped subset.

    References
    ----------
    Mohammad (2018).

    Examples
    --------
    >>> word_point("anger").round(3)
    array([-0.666,  0.73 ,  0.314])
    """
    key = str(word).strip().lower()
    try:
        return np.array(_lexicon()[key], dtype=np.float64)
    except KeyError:
        raise ParameterError(
            f"word {word!r} is not in the shipped NRC-VAD subset of {len(_lexicon())} "
            f"words (see affect_features.space.lexicon_words())") from None


def _distance_dims(axes: str) -> int:
    try:
        return _DISTANCE_AXES[axes]
    except (KeyError, TypeError):
        raise ParameterError(f"axes must be 'va' or 'vad', got {axes!r}") from None


def _one_point(point, dims: int) -> np.ndarray:
    arr = _finite_array(point, "point")
    if arr.ndim != 1 or arr.shape[0] not in (2, 3):
        raise ParameterError(
            f"a point must be (valence, arousal[, dominance]), got shape {arr.shape}")
    if arr.shape[0] < dims:
        raise ParameterError("distance in 'vad' needs a point with a dominance component")
    return arr[:dims]


def nearest_word(point, k: int = 1, *, words: Sequence[str] | None = None,
                 axes: str = "va") -> list[str]:
    """The `k` words nearest to a point.

    Parameters
    ----------
    point : array_like, shape (2,) or (3,)
        ``(valence, arousal[, dominance])`` in the space.
    k : int, default 1
        How many words; at most the vocabulary size.
    words : sequence of str, optional
        The vocabulary, words of :func:`lexicon_words`; default :func:`mood_words`.
    axes : {"va", "vad"}, default "va"
        Euclidean distance in the valence-arousal plane, or in all three axes. The
        default is "va": valence and arousal are the axes the models predict best and
        that the quadrants are made of; dominance would let a weak third axis pick the
        word.

    Returns
    -------
    nearest : list of str
        `k` words, nearest first; ties keep the vocabulary's order.

    Examples
    --------
    >>> nearest_word([0.75, -0.8])
    ['calm']
    """
    dims = _distance_dims(axes)
    p = _one_point(point, dims)
    vocabulary = tuple(MOOD_WORDS if words is None else words)
    if not vocabulary:
        raise ParameterError("words must not be empty")
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= len(vocabulary):
        raise ParameterError(f"k must be an integer in 1..{len(vocabulary)}, got {k!r}")
    points = np.stack([word_point(w)[:dims] for w in vocabulary])
    distances = np.sqrt(((points - p) ** 2).sum(axis=1))
    order = np.argsort(distances, kind="stable")[:k]
    return [str(vocabulary[i]).strip().lower() for i in order]
