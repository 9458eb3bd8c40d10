"""Taxonomies: the ordered labels of each emotion vocabulary, and the point of a label.

A label is placed by a lexicon word (:data:`LABEL_WORDS`; :data:`SUBSTITUTIONS` says why
a label is placed by another word than its own) or by definition
(:data:`DECLARED_POINTS`). Why each label sits where it does is told in
:mod:`affect_features.space`, with the references.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import ParameterError
from ._lexicon import word_point
from ._quadrants import QUADRANTS
from ._scales import _finite_array

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
