"""Emotion labels of the joint embedding: their initial points and when two agree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import ParameterError

__all__ = ["AGREEMENTS", "default_label_point", "label_points", "emotion_classes"]

#: When two labels share an emotion: the quadrant of their points, or the same label.
AGREEMENTS = ("quadrant", "label")


def default_label_point(label: str) -> np.ndarray:
    """The (valence, arousal, dominance) point of a label, from :mod:`affect_features.space`.

    A Russell quadrant (``Q1``..``Q4``) gets its declared centroid; another word the
    point of the first taxonomy that has it as a label (Mikels, Emotion6, AudioSet
    moods), else its NRC-VAD point.

    Raises
    ------
    ParameterError
        The label is in no taxonomy and not in the shipped lexicon rows; pass its point
        with ``label_points=``.
    """
    from ..space import TAXONOMIES, label_point, word_point

    for taxonomy, labels in TAXONOMIES.items():
        if str(label).strip().lower() in (lab.lower() for lab in labels):
            return label_point(label, taxonomy)
    try:
        return np.asarray(word_point(str(label)), dtype=np.float64)
    except ParameterError:
        raise ParameterError(f"label {label!r} is in no taxonomy and has no NRC-VAD point; "
                             f"give its point with label_points={{label: (v, a, d)}}"
                             ) from None


def label_points(labels: Sequence[str], given: Mapping | None) -> np.ndarray:
    """Points (n_labels, 3) of `labels`: from `given` (2 or 3 components; a missing
    dominance is 0, neutral) where it has them, else :func:`default_label_point`."""
    rows = []
    for label in labels:
        if given is not None and label in given:
            p = np.asarray(given[label], dtype=np.float64).ravel()
            if p.shape not in ((2,), (3,)) or not np.all(np.isfinite(p)):
                raise ParameterError(f"label_points[{label!r}] must be 2 or 3 finite "
                                     f"numbers (valence, arousal[, dominance])")
            rows.append(np.append(p, 0.0) if p.size == 2 else p)
        else:
            rows.append(default_label_point(label))
    return np.stack(rows)


def emotion_classes(points: np.ndarray, agreement: str) -> np.ndarray:
    """An emotion id per label: the index (0..3) of the Russell quadrant of its point
    (``agreement="quadrant"``), or its own index (``"label"``)."""
    if agreement == "label":
        return np.arange(len(points))
    from ..space import QUADRANTS, quadrant

    return np.array([QUADRANTS.index(q) for q in np.atleast_1d(quadrant(points[:, :2]))])
