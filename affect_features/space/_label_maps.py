"""Label maps: every label of one taxonomy sent to a label of another, and the label table.

Labels naming the same emotion are joined (:data:`CONCEPTS`), every other label goes to
the nearest label of the other taxonomy, or to its Russell quadrant; a user's table
(:func:`load_label_map`) overrides any of it. References are listed in
:mod:`affect_features.space`.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from os import PathLike
from typing import NamedTuple

import numpy as np

from ..errors import ParameterError
from ._lexicon import _distance_dims
from ._quadrants import _quadrant_or_none
from ._taxonomies import (DECLARED_POINTS, LABEL_WORDS, TAXONOMIES, _check_taxonomy,
                          canonical_label, label_point, taxonomy_points)

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

_LABEL_MAP_HEADER = ("source_taxonomy", "source_label", "target_taxonomy", "target_label")


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

    from ..files import LIMITS, read_text

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
