"""The generic table: ``csv:FILE``, media paths with ratings or labels.

The layout is in :mod:`affect_features.datasets` (``csv:FILE``).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import ParameterError
from ..media import media_kind
from ..space import canonical_label, label_point, to_space
from ._base import Dataset, DatasetError, _check_options, _finish, _float, _read_text

# Media kind of a file name -> the modality of a table that lists it.
_AS_MODALITY = {"image": "image", "audio": "audio", "video": "audio"}

def _modality_of(paths: Sequence[str], source: str) -> str:
    """The modality the files' names say (:func:`affect_features.media.media_kind`):
    a video container counts as audio, as its sound track is what is read."""
    kinds = {_AS_MODALITY.get(media_kind(p), "?") for p in paths}
    if len(kinds) == 1 and "?" not in kinds:
        return kinds.pop()
    raise DatasetError(source, "cannot tell whether the files are images or audio; "
                               "declare modality=image or modality=audio")


def _load_csv(path: str, options: Mapping[str, str]) -> Dataset:
    _check_options("csv", options, ("scale", "taxonomy", "modality"))
    reader = csv.DictReader(io.StringIO(_read_text(path, "dataset table")))
    fields = [(f or "").strip().lower() for f in (reader.fieldnames or [])]
    if "path" not in fields:
        raise DatasetError(path, "bad header: no 'path' column")
    reader.fieldnames = fields
    has_ratings = "valence" in fields and "arousal" in fields
    has_labels = "label" in fields
    if not has_ratings and not has_labels:
        raise DatasetError(path, "needs columns valence,arousal[,dominance] (with a "
                                 "scale) or label (with a taxonomy)")
    if has_ratings and "scale" not in fields and "scale" not in options:
        raise DatasetError(path, "no rating scale declared: add a 'scale' column or use "
                                 "csv:FILE?scale=NAME (sam9, likert7, unit, nrc, percent, space)")
    if has_labels and not has_ratings and "taxonomy" not in fields \
            and "taxonomy" not in options:
        raise DatasetError(path, "no label taxonomy declared: add a 'taxonomy' column or "
                                 "use csv:FILE?taxonomy=NAME (mikels, emotion6, "
                                 "audioset_mood, russell, gems)")
    folder = os.path.dirname(path)
    paths, points, labels, taxonomies, modalities = [], [], [], [], []
    for number, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        media = (row.get("path") or "").strip()
        if not media:
            raise DatasetError(path, f"line {number}: empty path")
        media = os.path.expanduser(media)
        paths.append(os.path.normpath(os.path.join(folder, media)))
        taxonomy = ((row.get("taxonomy") or "").strip() or options.get("taxonomy")) \
            if has_labels else None
        label = None
        try:
            if has_labels:
                raw = (row.get("label") or "").strip()
                if taxonomy:
                    label = canonical_label(raw, taxonomy) if raw else None
                else:
                    label = raw or None
            if has_ratings:
                scale = (row.get("scale") or "").strip() or options.get("scale")
                if not scale:
                    raise ParameterError("no scale for this row")
                point = []
                for axis in ("valence", "arousal", "dominance"):
                    cell = (row.get(axis) or "").strip()
                    if not cell:
                        if axis == "dominance":
                            point.append(np.nan)
                            continue
                        raise ParameterError(f"empty {axis}")
                    point.append(to_space(_float(cell, path, number, axis), scale))
            else:
                if label is None:
                    raise ParameterError("empty label")
                point = label_point(label, taxonomy)
        except DatasetError:
            raise
        except ParameterError as exc:
            raise DatasetError(path, f"line {number}: {exc}") from None
        points.append(point)
        labels.append(label)
        taxonomies.append(taxonomy)
        modalities.append((row.get("modality") or "").strip().lower() or options.get("modality"))
    if not paths:
        raise DatasetError(path, "no rows")
    declared = {m for m in modalities if m}
    if len(declared) > 1 or (declared and None in modalities):
        raise DatasetError(path, "mixed or partly declared modality; one table holds "
                                 "images or audio")
    modality = declared.pop() if declared else _modality_of(paths, path)
    if modality not in ("image", "audio"):
        raise DatasetError(path, f"modality must be image or audio, got {modality!r}")
    taxonomy = taxonomies[0] if has_labels and len(set(taxonomies)) == 1 else None
    extra = {"taxonomies": taxonomies} if has_labels and taxonomy is None else {}
    return _finish("csv", path, paths, points, labels if has_labels else None, taxonomy,
                   modality, extra, path)
