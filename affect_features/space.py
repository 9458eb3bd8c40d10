"""The emotion space: valence, arousal, dominance in [-1, 1], and its label maps.

A point of the space is ``(valence, arousal, dominance)``, each in [-1, 1], with 0 the
neutral middle of every axis (Russell 1980; Mehrabian 1996). Everything that places a
rating, a word or an emotion category in that space is *declared data* in this module,
never guessed:

- :data:`SCALES`: how a rating scale maps onto [-1, 1] (:func:`to_space`, :func:`from_space`).
- ``data/nrc_vad_emotions.tsv``: 106 rows of the NRC-VAD lexicon (Mohammad 2018), the
  label words of the taxonomies below plus :data:`MOOD_WORDS` (:func:`word_point`,
  :func:`nearest_word`).
- :data:`TAXONOMIES`: the ordered labels of each emotion vocabulary; :data:`LABEL_WORDS`:
  the lexicon word that places each label; :data:`SUBSTITUTIONS`: why a label is placed by
  another word than its own; :data:`DECLARED_POINTS`: the few labels whose point is set by
  definition rather than by the lexicon (:func:`label_point`).

Between taxonomies, :func:`label_map` joins labels that name the same emotion
(:data:`CONCEPTS`: Mikels "fear" is AudioSet "scary"), sends every other label to the label
of the other taxonomy whose point is nearest, and to a Russell quadrant by
:func:`quadrant`. A user table (:func:`load_label_map`) overrides any of it. One borderline
case to know: Emotion6 "neutral" (the origin) is nearest to "sad" (distance 0.64) in both
Mikels and AudioSet, only just ahead of "contentment" (0.67) and "funny" (0.87).

Lexicon oddities, and what is done about them
---------------------------------------------
Checked by hand against the quadrant the literature gives each category (Russell 1980,
Fig. 2; Mikels et al. 2005, who classify amusement, awe, contentment and excitement as
positive; the 4Q set of Panda et al. 2018, whose Q4 is "calm, tender"):

- ``contentment`` is rated arousal 0.610 (-> +0.22, quadrant Q1), but contentment is the
  low-arousal positive category (Russell's circumplex puts *content* beside *serene* and
  *relaxed*). Placed by the word ``content`` (0.764/0.296/0.559 -> Q4), the word Russell
  (1980) himself uses.
- ``awe`` is rated valence 0.469 (-> -0.06, Q2), but Mikels et al. (2005) count awe among
  the positive emotions. Placed by ``amazement`` (0.750/0.800/0.639 -> Q1).
- ``tender`` (a homograph: tender meat, legal tender) is rated 0.630/0.520/0.509, arousal
  +0.04, Q1 by a hair; tender music is calm (4Q: Q4). Placed by ``tenderness``
  (0.949/0.276/0.367 -> Q4).
- ``neutral`` is rated 0.469/0.184/0.357, i.e. (-0.06, -0.63, -0.29): raters read it as
  *calm*. The Emotion6 category "neutral" means no emotion, and the Emotion6 photos whose
  most-voted emotion is neutral average (+0.03, -0.03) on the SAM ratings. So it is
  declared the origin (:data:`DECLARED_POINTS`); the *word* ``neutral`` keeps its lexicon
  point among the mood words.
- ``disgust`` (-0.90, +0.55, -0.37) and ``surprise`` (+0.75, +0.75, +0.12) are kept as
  rated: disgust is unpleasant and moderately aroused (Q2), and the lexicon reads surprise
  as pleasant (Q1), while Emotion6 photos voted "surprise" average valence +0.25, arousal
  +0.15, also Q1.
- GEMS (Zentner, Grandjean & Scherer 2008): ``solemnity`` is not in the lexicon and is
  placed by ``solemn`` (Q4); the two-word ``joyful activation`` at the mean of
  ``joyful`` and ``activation`` (Q1); ``nostalgia`` is kept as rated (-0.17, -0.33, Q3):
  GEMS nostalgia is bittersweet ("nostalgic, dreamy, melancholic, sentimental"), and the
  lexicon reads it, like ``nostalgic``, as slightly unpleasant.
- Two everyday mood words are not in :data:`MOOD_WORDS` because the lexicon misplaces
  them: ``tense`` (0.396/0.439/0.655, i.e. Q3, low arousal) and ``fearful`` (arousal
  0.482, Q3); ``tension`` and ``afraid`` stand in for them.

References
----------
.. [1] Russell, J. A. (1980). A circumplex model of affect. Journal of Personality and
   Social Psychology, 39(6), 1161-1178.
.. [2] Mehrabian, A. (1996). Pleasure-arousal-dominance: A general framework for
   describing and measuring individual differences in temperament. Current Psychology,
   14(4), 261-292.
.. [3] Mohammad, S. M. (2018). Obtaining reliable human ratings of valence, arousal, and
   dominance for 20,000 English words. Proc. ACL 2018, 174-184.
.. [4] Mikels, J. A., Fredrickson, B. L., Larkin, G. R., Lindberg, C. M., Maglio, S. J.,
   & Reuter-Lorenz, P. A. (2005). Emotional category data on images from the International
   Affective Picture System. Behavior Research Methods, 37(4), 626-630.
.. [5] Peng, K.-C., Chen, T., Sadovnik, A., & Gallagher, A. (2015). A mixed bag of
   emotions: Model, predict, and transfer emotion distributions. CVPR 2015 (Emotion6).
.. [6] Gemmeke, J. F. et al. (2017). Audio Set: An ontology and human-labeled dataset for
   audio events. ICASSP 2017 (music-mood classes /t/dd00031 to /t/dd00037).
.. [7] Panda, R., Malheiro, R., & Paiva, R. P. (2018). Novel audio features for music
   emotion recognition. IEEE Trans. Affective Computing, 11(4), 614-626 (4Q set).
.. [8] Bradley, M. M., & Lang, P. J. (1994). Measuring emotion: the Self-Assessment
   Manikin and the semantic differential. J. Behav. Ther. Exp. Psychiatry, 25(1), 49-59.
.. [9] Zentner, M., Grandjean, D., & Scherer, K. R. (2008). Emotions evoked by the sound
   of music: characterization, classification, and measurement. Emotion, 8(4), 494-521
   (the Geneva Emotional Music Scale, GEMS).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from os import PathLike
from typing import NamedTuple

import numpy as np

from .errors import ParameterError

__all__ = [
    "AXES",
    "SCALES",
    "QUADRANTS",
    "QUADRANT_NAMES",
    "NO_QUADRANT",
    "TAXONOMIES",
    "LABEL_WORDS",
    "SUBSTITUTIONS",
    "DECLARED_POINTS",
    "CONCEPTS",
    "MOOD_WORDS",
    "AUDIOSET_MOOD_CLASSES",
    "LabelRow",
    "to_space",
    "from_space",
    "word_point",
    "lexicon_words",
    "mood_words",
    "nearest_word",
    "canonical_label",
    "label_point",
    "taxonomy_points",
    "distribution_point",
    "quadrant",
    "label_map",
    "load_label_map",
    "label_table",
]

#: Names of the three axes, in the order of a point's components.
AXES = ("valence", "arousal", "dominance")

#: Rating scales as ``name -> (centre, half_range)``: ``to_space(x) = (x - centre) / half_range``.
#: ``sam9``: Self-Assessment Manikin 1-9 (Bradley & Lang 1994), 5 is neutral.
#: ``likert7``: 1-7 Likert, 4 is neutral. ``unit`` and ``nrc``: 0-1 (NRC-VAD, Mohammad 2018),
#: 0.5 is neutral. ``percent``: 0-100 with 50 neutral (GAPED, Dan-Glauser & Scherer 2011).
#: ``space``: already in [-1, 1].
SCALES: dict[str, tuple[float, float]] = {
    "sam9": (5.0, 4.0),
    "percent": (50.0, 50.0),
    "likert7": (4.0, 3.0),
    "unit": (0.5, 0.5),
    "nrc": (0.5, 0.5),
    "space": (0.0, 1.0),
}

#: Russell quadrants in the order of their index.
QUADRANTS = ("Q1", "Q2", "Q3", "Q4")

#: What each quadrant feels like, for people reading a quadrant's name: the emotions
#: Russell (1980) places there, as the 4Q set names them (Panda et al. 2018). Every
#: place that prints a quadrant (``affect match``, ``affect library``, the plots, the
#: README) reads these words from here.
QUADRANT_NAMES: dict[str, str] = {
    "Q1": "happy/excited",     # valence >= 0, arousal >= 0
    "Q2": "angry/tense",       # valence < 0, arousal >= 0
    "Q3": "sad/depressed",     # valence < 0, arousal < 0
    "Q4": "calm/relaxed",      # valence >= 0, arousal < 0
}

#: What :func:`label_table` and :func:`label_map` give a label declared at the origin
#: (Emotion6 "neutral"): no quadrant, because the origin lies on both axes.
NO_QUADRANT = "-"

#: Ordered labels of each taxonomy. The order is the one of the data sets' own files
#: (Emotion6 ground_truth.txt columns; AudioSet indices 276-282; Mikels alphabetical, as
#: ArtPhoto file names).
TAXONOMIES: dict[str, tuple[str, ...]] = {
    "mikels": ("amusement", "anger", "awe", "contentment", "disgust", "excitement",
               "fear", "sad"),
    "emotion6": ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"),
    "audioset_mood": ("happy", "funny", "sad", "tender", "exciting", "angry", "scary"),
    "russell": QUADRANTS,
    # Geneva Emotional Music Scale, the nine first-order factors (Zentner, Grandjean &
    # Scherer 2008, Table 5), in the column order of the Emotify data.csv.
    "gems": ("amazement", "solemnity", "tenderness", "nostalgia", "calmness", "power",
             "joyful activation", "tension", "sadness"),
}

#: The NRC-VAD word that places each label (labels absent here have a declared point).
#: A label of several words is placed by a tuple of words, at the mean of their
#: points: GEMS "joyful activation" at the mean of "joyful" and "activation".
LABEL_WORDS: dict[str, dict[str, str | tuple[str, ...]]] = {
    "mikels": {"amusement": "amusement", "anger": "anger", "awe": "amazement",
               "contentment": "content", "disgust": "disgust", "excitement": "excitement",
               "fear": "fear", "sad": "sad"},
    "emotion6": {"anger": "anger", "disgust": "disgust", "fear": "fear", "joy": "joy",
                 "sadness": "sadness", "surprise": "surprise"},
    "audioset_mood": {"happy": "happy", "funny": "funny", "sad": "sad",
                      "tender": "tenderness", "exciting": "exciting", "angry": "angry",
                      "scary": "scary"},
    "gems": {"amazement": "amazement", "solemnity": "solemn", "tenderness": "tenderness",
             "nostalgia": "nostalgia", "calmness": "calmness", "power": "power",
             "joyful activation": ("joyful", "activation"), "tension": "tension",
             "sadness": "sadness"},
}

#: Why a label is placed by another word than itself: ``(taxonomy, label) -> reason``.
SUBSTITUTIONS: dict[tuple[str, str], str] = {
    ("mikels", "awe"): (
        "NRC-VAD rates 'awe' valence 0.469 (slightly negative, Q2); Mikels et al. (2005) "
        "class awe as a positive emotion: placed by 'amazement' (Q1)."),
    ("mikels", "contentment"): (
        "NRC-VAD rates 'contentment' arousal 0.610 (Q1); contentment is the calm positive "
        "category (Russell 1980 places 'content' by 'serene'): placed by 'content' (Q4)."),
    ("audioset_mood", "tender"): (
        "'tender' is a homograph rated arousal 0.520 (Q1 by +0.04); tender music is calm "
        "(4Q dataset: Q4): placed by 'tenderness' (Q4)."),
    ("gems", "solemnity"): (
        "'solemnity' is not in NRC-VAD: placed by its adjective 'solemn' "
        "(0.708/0.370/0.709, Q4)."),
    ("gems", "joyful activation"): (
        "a two-word label: placed at the mean of 'joyful' and 'activation' (Q1)."),
}

#: Points set by definition, not by the lexicon: ``(taxonomy, label) -> (V, A, D)``.
#: Emotion6 "neutral" is the origin (no emotion; the Emotion6 photos voted neutral average
#: (+0.03, -0.03) on their SAM ratings, while NRC-VAD reads the word as calm).
#: Russell quadrants are the centroids of the quadrants of the square [-1, 1]^2, with
#: neutral dominance: their Voronoi cells in VA are exactly the quadrants.
DECLARED_POINTS: dict[tuple[str, str], tuple[float, float, float]] = {
    ("emotion6", "neutral"): (0.0, 0.0, 0.0),
    ("russell", "Q1"): (0.5, 0.5, 0.0),
    ("russell", "Q2"): (-0.5, 0.5, 0.0),
    ("russell", "Q3"): (-0.5, -0.5, 0.0),
    ("russell", "Q4"): (0.5, -0.5, 0.0),
}

#: Labels of different taxonomies that name the same emotion: ``concept -> {taxonomy:
#: label}``. :func:`label_map` joins them directly, before any distance: nearest points
#: alone would send Mikels "fear" to AudioSet "angry" and "excitement" to "funny", because
#: the lexicon rates these neighbours within 0.2 of each other.
CONCEPTS: dict[str, dict[str, str]] = {
    "anger": {"mikels": "anger", "emotion6": "anger", "audioset_mood": "angry"},
    "fear": {"mikels": "fear", "emotion6": "fear", "audioset_mood": "scary"},
    "sadness": {"mikels": "sad", "emotion6": "sadness", "audioset_mood": "sad",
                "gems": "sadness"},
    "disgust": {"mikels": "disgust", "emotion6": "disgust"},
    "joy": {"emotion6": "joy", "audioset_mood": "happy", "gems": "joyful activation"},
    "awe": {"mikels": "awe", "gems": "amazement"},
    "tenderness": {"audioset_mood": "tender", "gems": "tenderness"},
    "amusement": {"mikels": "amusement", "audioset_mood": "funny"},
    "excitement": {"mikels": "excitement", "audioset_mood": "exciting"},
}

#: AudioSet music-mood classes: label -> (index, machine id, display name).
AUDIOSET_MOOD_CLASSES: dict[str, tuple[int, str, str]] = {
    "happy": (276, "/t/dd00031", "Happy music"),
    "funny": (277, "/t/dd00032", "Funny music"),
    "sad": (278, "/t/dd00033", "Sad music"),
    "tender": (279, "/t/dd00034", "Tender music"),
    "exciting": (280, "/t/dd00035", "Exciting music"),
    "angry": (281, "/t/dd00036", "Angry music"),
    "scary": (282, "/t/dd00037", "Scary music"),
}

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
_LABEL_MAP_HEADER = ("source_taxonomy", "source_label", "target_taxonomy", "target_label")
_DISTANCE_AXES = {"va": 2, "vad": 3}


# --------------------------------------------------------------------------- scales

def _check_scale(scale: str) -> tuple[float, float]:
    try:
        return SCALES[scale]
    except (KeyError, TypeError):
        raise ParameterError(
            f"unknown rating scale {scale!r}; expected one of {', '.join(SCALES)}") from None


def _finite_array(x, what: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"{what} must be numeric") from None
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{what} must be finite (got NaN or inf)")
    return arr


def _scalar_or_array(arr: np.ndarray):
    return float(arr) if arr.ndim == 0 else arr


def to_space(x, scale: str):
    """Convert ratings on a declared scale to the space's [-1, 1].

    Parameters
    ----------
    x : float or array_like
        Ratings on `scale`; any shape.
    scale : {"sam9", "likert7", "unit", "nrc", "space"}
        See :data:`SCALES`. ``sam9``: ``(x - 5) / 4``; ``likert7``: ``(x - 4) / 3``;
        ``unit`` and ``nrc``: ``2 x - 1``; ``space``: identity.

    Returns
    -------
    y : float or ndarray
        Same shape as `x` (a float for a scalar), clipped to [-1, 1].

    Raises
    ------
    ParameterError
        Unknown scale, or non-finite ratings.

    References
    ----------
    Bradley & Lang (1994) for the SAM scale; Mohammad (2018) for the 0-1 NRC-VAD scores.

    Examples
    --------
    >>> to_space([1, 5, 9], "sam9")
    array([-1.,  0.,  1.])
    """
    centre, half = _check_scale(scale)
    arr = _finite_array(x, "ratings")
    return _scalar_or_array(np.clip((arr - centre) / half, -1.0, 1.0))


def from_space(y, scale: str):
    """Convert points of the space back to ratings on a declared scale.

    The inverse of :func:`to_space`: `y` is first clipped to [-1, 1], so the result is
    always inside the scale's range.

    Parameters
    ----------
    y : float or array_like
        Values in [-1, 1]; any shape.
    scale : {"sam9", "likert7", "unit", "nrc", "space"}

    Returns
    -------
    x : float or ndarray
        ``centre + half_range * clip(y, -1, 1)`` (see :data:`SCALES`).

    Examples
    --------
    >>> from_space(0.5, "sam9")
    7.0
    """
    centre, half = _check_scale(scale)
    arr = _finite_array(y, "points")
    return _scalar_or_array(centre + half * np.clip(arr, -1.0, 1.0))


# -------------------------------------------------------------------------- lexicon

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


# ----------------------------------------------------------------------- taxonomies

def _check_taxonomy(taxonomy: str) -> tuple[str, ...]:
    try:
        return TAXONOMIES[taxonomy]
    except (KeyError, TypeError):
        raise ParameterError(
            f"unknown taxonomy {taxonomy!r}; expected one of {', '.join(TAXONOMIES)}") from None


def canonical_label(label: str, taxonomy: str) -> str:
    """The label of `taxonomy` that `label` names, in its canonical spelling.

    Matching ignores case and surrounding spaces, and reads ``_`` and ``-`` as spaces
    (GEMS ``joyful_activation``, as Emotify's column); for ``audioset_mood`` the
    AudioSet display name (``"Happy music"``) and machine id (``"/t/dd00031"``) are
    accepted too.

    Raises
    ------
    ParameterError
        Unknown taxonomy, or no such label in it.
    """
    labels = _check_taxonomy(taxonomy)
    key = str(label).strip().lower()
    spaced = " ".join(key.replace("_", " ").replace("-", " ").split())
    for canonical in labels:
        if key == canonical.lower() or spaced == canonical.lower():
            return canonical
    if taxonomy == "audioset_mood":
        for canonical, (_, mid, display) in AUDIOSET_MOOD_CLASSES.items():
            if key in (mid, display.lower()):
                return canonical
    raise ParameterError(
        f"unknown {taxonomy} label {label!r}; expected one of {', '.join(labels)}")


def label_point(label: str, taxonomy: str) -> np.ndarray:
    """Point of an emotion label.

    The point of the label's word in :data:`LABEL_WORDS` (NRC-VAD; the mean of the
    words' points for a label placed by several words), or the declared point of
    :data:`DECLARED_POINTS` (Emotion6 neutral: the origin; Russell quadrants:
    ``(+-0.5, +-0.5, 0)``).

    Parameters
    ----------
    label : str
        A label of `taxonomy` (see :func:`canonical_label`).
    taxonomy : {"mikels", "emotion6", "audioset_mood", "russell", "gems"}

    Returns
    -------
    point : ndarray, shape (3,)

    Examples
    --------
    >>> label_point("Q2", "russell")
    array([-0.5,  0.5,  0. ])
    """
    canonical = canonical_label(label, taxonomy)
    declared = DECLARED_POINTS.get((taxonomy, canonical))
    if declared is not None:
        return np.array(declared, dtype=np.float64)
    words = LABEL_WORDS[taxonomy][canonical]
    if isinstance(words, tuple):
        return np.mean([word_point(w) for w in words], axis=0)
    return word_point(words)


def taxonomy_points(taxonomy: str) -> np.ndarray:
    """Points of all labels of a taxonomy, shape (n_labels, 3), in label order."""
    return np.stack([label_point(label, taxonomy) for label in _check_taxonomy(taxonomy)])


def distribution_point(weights, taxonomy: str) -> np.ndarray:
    """Weighted mean point of a distribution over a taxonomy's labels.

    Parameters
    ----------
    weights : mapping or array_like
        Either ``{label: weight}`` (labels missing from the mapping weigh 0), or an
        array whose last axis follows the taxonomy's label order (shape ``(n_labels,)``
        or ``(n, n_labels)``, e.g. the Emotion6 vote shares). Weights must be finite and
        non-negative; they are normalised to sum to 1.
    taxonomy : {"mikels", "emotion6", "audioset_mood", "russell"}

    Returns
    -------
    point : ndarray, shape (3,) or (n, 3)
        ``sum_c w_c p_c / sum_c w_c``. A distribution whose weights are all zero carries
        no emotion and gives the neutral origin (0, 0, 0).

    Examples
    --------
    >>> distribution_point({"Q1": 1, "Q2": 1}, "russell")
    array([0. , 0.5, 0. ])
    """
    labels = _check_taxonomy(taxonomy)
    if isinstance(weights, Mapping):
        vector = np.zeros(len(labels))
        for label, weight in weights.items():
            vector[labels.index(canonical_label(label, taxonomy))] += _finite_array(
                weight, "weights")
        w = vector
    else:
        w = _finite_array(weights, "weights")
    if w.ndim not in (1, 2) or w.shape[-1] != len(labels):
        raise ParameterError(
            f"weights for {taxonomy} must have {len(labels)} columns "
            f"({', '.join(labels)}), got shape {w.shape}")
    if np.any(w < 0):
        raise ParameterError("weights must be non-negative")
    total = w.sum(axis=-1, keepdims=True)
    # All-zero rows: divide by 1 instead of 0, so they come out as the origin.
    normalised = w / np.where(total > 0, total, 1.0)
    return normalised @ taxonomy_points(taxonomy)


# ------------------------------------------------------------------------ quadrants

def quadrant(points):
    """Russell quadrant of one point or of many.

    Q1: valence >= 0, arousal >= 0; Q2: valence < 0, arousal >= 0; Q3: valence < 0,
    arousal < 0; Q4: valence >= 0, arousal < 0. A component of exactly 0 counts as
    positive, so the origin is in Q1.

    Parameters
    ----------
    points : array_like, shape (2,) / (3,) or (n, 2) / (n, 3)
        Points (dominance, if present, is ignored).

    Returns
    -------
    quadrant : str or ndarray of str
        ``"Q1"`` .. ``"Q4"`` for one point; an array of shape (n,) for many.

    References
    ----------
    Russell (1980); quadrant naming as in Panda et al. (2018).

    Examples
    --------
    >>> quadrant([-0.2, 0.7])
    'Q2'
    >>> quadrant([[0.5, -0.1], [-0.3, -0.3]])
    array(['Q4', 'Q3'], dtype='<U2')
    """
    arr = _finite_array(points, "points")
    if arr.ndim not in (1, 2) or arr.shape[-1] not in (2, 3):
        raise ParameterError(
            f"points must have shape (2,), (3,), (n, 2) or (n, 3), got {arr.shape}")
    v, a = arr[..., 0], arr[..., 1]
    index = np.where(a >= 0, np.where(v >= 0, 0, 1), np.where(v < 0, 2, 3))
    names = np.asarray(QUADRANTS)[index]
    return str(names) if arr.ndim == 1 else names


def _quadrant_or_none(point) -> str:
    """:func:`quadrant` of a label's point, or :data:`NO_QUADRANT` for the origin.

    :func:`quadrant` counts a zero component as positive, a tie-break that never
    matters for a predicted point but would put a label *declared* at the origin
    (no emotion) in Q1, "happy/excited".
    """
    p = np.asarray(point, dtype=np.float64)
    if p[0] == 0.0 and p[1] == 0.0:
        return NO_QUADRANT
    return str(quadrant(p))


# ----------------------------------------------------------------------- label maps

def _resolve_overrides(overrides, src: str, dst: str) -> dict[str, str]:
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise ParameterError("overrides must be a mapping of source label -> target label")
    if any(isinstance(key, tuple) for key in overrides):
        table = overrides.get((src, dst), {})
    else:
        table = overrides
    return {canonical_label(s, src): canonical_label(d, dst) for s, d in table.items()}


def _concept_partner(label: str, src: str, dst: str) -> str | None:
    for members in CONCEPTS.values():
        if members.get(src) == label and dst in members:
            return members[dst]
    return None


def label_map(src_taxonomy: str, dst_taxonomy: str, *, overrides=None,
              by_concept: bool = True, axes: str = "va") -> dict[str, str]:
    """Map every label of one taxonomy to a label of another.

    Three rules, the first that applies wins:

    1. `overrides`, the user's table.
    2. With `by_concept`, a label that names the same emotion as a target label
       (:data:`CONCEPTS`, e.g. Mikels "fear" and AudioSet "scary") maps to it.
    3. Otherwise the target label whose point (:func:`label_point`) is nearest, in
       Euclidean distance over valence and arousal by default; ties go to the earlier
       target label. When the target is ``"russell"``, the quadrant of the point
       (:func:`quadrant`): the quadrant centres' Voronoi cells are the quadrants, so
       this is the nearest centre, with :func:`quadrant`'s rule on the axes; a label
       declared at the origin (Emotion6 "neutral") is on both axes, nearest to all
       four centres, and maps to :data:`NO_QUADRANT` (``"-"``), not to a quadrant.

    A taxonomy maps to itself by identity (overrides still apply).

    Parameters
    ----------
    src_taxonomy, dst_taxonomy : str
        Names in :data:`TAXONOMIES`.
    overrides : mapping, optional
        ``{source_label: target_label}`` entries that replace the computed ones, or the
        table returned by :func:`load_label_map` (its ``(src, dst)`` entry is used).
    by_concept : bool, default True
        Join labels of the same emotion (:data:`CONCEPTS`) before using distances.
    axes : {"va", "vad"}, default "va"
        Distance over valence-arousal, or over all three axes. The default matches the
        axes the quadrants and the models' best predictions are made of.

    Returns
    -------
    mapping : dict of str to str
        Every source label, in taxonomy order, to a target label.

    Examples
    --------
    >>> label_map("mikels", "russell")["contentment"]
    'Q4'
    >>> label_map("mikels", "audioset_mood")["fear"]
    'scary'
    """
    src_labels = _check_taxonomy(src_taxonomy)
    dst_labels = _check_taxonomy(dst_taxonomy)
    dims = _distance_dims(axes)
    fixed = _resolve_overrides(overrides, src_taxonomy, dst_taxonomy)
    src_points = taxonomy_points(src_taxonomy)
    if src_taxonomy == dst_taxonomy:
        computed = list(src_labels)
    elif dst_taxonomy == "russell":
        computed = [_quadrant_or_none(p) for p in src_points]
    else:
        dst_points = taxonomy_points(dst_taxonomy)[:, :dims]
        diff = src_points[:, None, :dims] - dst_points[None, :, :]
        nearest = np.argmin((diff ** 2).sum(axis=-1), axis=1)
        computed = [dst_labels[j] for j in nearest]
        if by_concept:
            computed = [_concept_partner(label, src_taxonomy, dst_taxonomy) or target
                        for label, target in zip(src_labels, computed)]
    return {label: fixed.get(label, target) for label, target in zip(src_labels, computed)}


def load_label_map(path: str | PathLike) -> dict[tuple[str, str], dict[str, str]]:
    """Read a user's label-map table from CSV.

    The file has the header ``source_taxonomy,source_label,target_taxonomy,target_label``
    and one mapping per row; blank rows and rows starting with ``#`` are skipped. Every
    taxonomy and label is checked (:func:`canonical_label`).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    table : dict
        ``{(source_taxonomy, target_taxonomy): {source_label: target_label}}``, ready to
        pass as ``label_map(..., overrides=table)``.

    Raises
    ------
    ParameterError
        Missing file, wrong header, unknown taxonomy or label, or one source label mapped
        to two different targets.
    """
    import io

    from .files import LIMITS, read_text

    # a regular file within the label-map limit, checked before reading (a FIFO, a
    # device or a huge file is refused in one line)
    text = read_text(path, "label map", LIMITS["label map"], error=ParameterError)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows = [(n, r) for n, r in enumerate(rows, start=1)
            if r and any(c.strip() for c in r) and not r[0].lstrip().startswith("#")]
    if not rows or tuple(c.strip().lower() for c in rows[0][1]) != _LABEL_MAP_HEADER:
        raise ParameterError(f"{path}: the first row must be {','.join(_LABEL_MAP_HEADER)}")
    table: dict[tuple[str, str], dict[str, str]] = {}
    for line, row in rows[1:]:
        if len(row) != 4:
            raise ParameterError(f"{path}, line {line}: expected 4 columns, got {len(row)}")
        src, src_label, dst, dst_label = (c.strip() for c in row)
        try:
            _check_taxonomy(src)
            _check_taxonomy(dst)
            src_label = canonical_label(src_label, src)
            dst_label = canonical_label(dst_label, dst)
        except ParameterError as exc:
            raise ParameterError(f"{path}, line {line}: {exc}") from None
        entry = table.setdefault((src, dst), {})
        if entry.get(src_label, dst_label) != dst_label:
            raise ParameterError(
                f"{path}, line {line}: {src} {src_label!r} is mapped to both "
                f"{entry[src_label]!r} and {dst_label!r}")
        entry[src_label] = dst_label
    return table


class LabelRow(NamedTuple):
    """One row of :func:`label_table`."""

    taxonomy: str
    label: str
    #: The NRC-VAD word that places the label ("a+b" for the mean of several), or "-"
    #: for a declared point.
    word: str
    valence: float
    arousal: float
    dominance: float
    quadrant: str


def label_table(taxonomies: Sequence[str] | None = None) -> list[LabelRow]:
    """Every label's word, point and quadrant, for printing (``affect labels``).

    Parameters
    ----------
    taxonomies : sequence of str, optional
        Which taxonomies, default all, in the order of :data:`TAXONOMIES`.

    Returns
    -------
    rows : list of LabelRow
        ``(taxonomy, label, word, valence, arousal, dominance, quadrant)``.
    """
    names = tuple(TAXONOMIES) if taxonomies is None else tuple(taxonomies)
    rows = []
    for taxonomy in names:
        for label in _check_taxonomy(taxonomy):
            point = label_point(label, taxonomy)
            word = ("-" if (taxonomy, label) in DECLARED_POINTS
                    else LABEL_WORDS[taxonomy][label])
            if isinstance(word, tuple):
                word = "+".join(word)
            rows.append(LabelRow(taxonomy, label, word, float(point[0]), float(point[1]),
                                 float(point[2]), _quadrant_or_none(point)))
    return rows
