"""Photo sets: Emotion6, GAPED, ArtPhoto and the Abstract paintings.

Each loader reads one layout of :mod:`affect_features.datasets` (the package docstring
describes the files) into a :class:`~._base.Dataset` of images.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Mapping

import numpy as np

from ..errors import ParameterError
from ..media import IMAGE_EXTENSIONS, walk
from ..space import TAXONOMIES, canonical_label, distribution_point, label_point, to_space
from ._base import (Dataset, DatasetError, _check_options, _data_rows, _finish, _float,
                    _read_rows, _read_text, _require_columns, _require_dir)

_MIKELS_SYNONYMS = {
    "amused": "amusement", "angry": "anger", "content": "contentment",
    "contented": "contentment", "disgusted": "disgust", "excited": "excitement",
    "fearful": "fear", "sadness": "sad",
}


def _unquote(cell: str) -> str:
    cell = cell.strip()
    while len(cell) >= 2 and cell[0] == cell[-1] and cell[0] in "'\"":
        cell = cell[1:-1].strip()
    return cell


# -------------------------------------------------------------------- emotion6

def _load_emotion6(root: str, options: Mapping[str, str]) -> Dataset:
    _check_options("emotion6", options, ())
    _require_dir(root, "emotion6")
    gt = os.path.join(root, "ground_truth.txt")
    lines = [ln for ln in _read_text(gt, "Emotion6 ground truth").splitlines() if ln.strip()]
    if not lines:
        raise DatasetError(gt, "empty file")

    def cells(line):
        return [c.strip() for c in (line.split("\t") if "\t" in line else line.split())]

    header = [re.sub(r"^prob\.?\s*", "", c.strip("[] ").lower()) for c in cells(lines[0])]
    emotions = TAXONOMIES["emotion6"]
    col = _require_columns(gt, header, ("image_filename", "valence", "arousal", *emotions),
                           "[image_filename] [valence] [arousal] [prob. anger] ... "
                           "[prob. neutral]")
    files, ratings, dists = [], [], []
    for number, line in enumerate(lines[1:], start=2):
        row = cells(line)
        if len(row) < len(header):
            raise DatasetError(gt, f"line {number}: {len(row)} columns, expected {len(header)}")
        files.append(row[col["image_filename"]])
        ratings.append([_float(row[col[c]], gt, number, c) for c in ("valence", "arousal")])
        dists.append([_float(row[col[e]], gt, number, e) for e in emotions])
    ratings = np.array(ratings, dtype=np.float64)
    dists = np.array(dists, dtype=np.float64)
    if np.any(dists < 0):
        raise DatasetError(gt, "negative emotion share")
    points = np.column_stack([to_space(ratings, "sam9"),
                              distribution_point(dists, "emotion6")[:, 2]])
    labels = [emotions[i] for i in np.argmax(dists, axis=1)]
    paths = [os.path.join(root, "images", *f.split("/")) for f in files]
    extra = {"distributions": dists, "ratings": ratings, "emotions": tuple(emotions),
             "keywords": [f.split("/")[0] if "/" in f else "" for f in files]}
    return _finish("emotion6", root, paths, points, labels, "emotion6", "image", extra, gt)


# ----------------------------------------------------------------------- GAPED

def _load_gaped(root: str, options: Mapping[str, str]) -> Dataset:
    _check_options("gaped", options, ())
    _require_dir(root, "gaped")
    table = os.path.join(root, "ratings.csv")
    rows = _read_rows(table, "GAPED ratings")
    header = [c.strip().lower() for c in rows[0]]
    _require_columns(table, header, ("file", "valence", "arousal"),
                     "file, category, valence, valence_sd, arousal, arousal_sd, ...")
    col = {c: header.index(c) for c in header}
    files, ratings, sds, cats = [], [], [], []
    for number, row in _data_rows(table, rows, len(header)):
        name = row[col["file"]].strip()
        files.append(name)
        ratings.append([_float(row[col[c]], table, number, c) for c in ("valence", "arousal")])
        sds.append([_float(row[col[c]], table, number, c)
                    if c in col and row[col[c]].strip() else np.nan
                    for c in ("valence_sd", "arousal_sd")])
        cats.append(row[col["category"]].strip() if "category" in col
                    else name.split("/")[0])
    ratings = np.array(ratings, dtype=np.float64).reshape(-1, 2)
    if np.any((ratings < 0) | (ratings > 100)):
        raise DatasetError(table, "ratings outside the 0-100 scale")
    points = np.column_stack([to_space(ratings, "percent"), np.full(len(files), np.nan)])
    paths = [os.path.join(root, "images", *f.split("/")) for f in files]
    extra = {"categories": cats, "ratings": ratings,
             "rating_sd": np.array(sds, dtype=np.float64).reshape(-1, 2)}
    return _finish("gaped", root, paths, points, None, None, "image", extra, table)


# -------------------------------------------------------------------- ArtPhoto

def _mikels_label(word: str) -> str | None:
    word = _MIKELS_SYNONYMS.get(word.strip().lower(), word)
    try:
        return canonical_label(word, "mikels")
    except ParameterError:
        return None


def _images_below(root: str) -> list[str]:
    """The images at any depth below `root` (:func:`affect_features.media.walk`), in
    sorted path order: a data set's order is its training order, kept from run to run."""
    return sorted(walk([root], IMAGE_EXTENSIONS))


def _load_artphoto(root: str, options: Mapping[str, str]) -> Dataset:
    _check_options("artphoto", options, ())
    _require_dir(root, "artphoto")
    paths, labels, skipped = [], [], []
    for path in _images_below(root):
        match = re.match(r"([A-Za-z]+)[_\-\s]*\d*", os.path.basename(path))
        label = _mikels_label(match.group(1)) if match else None
        if label is None:
            skipped.append(path)
        else:
            paths.append(path)
            labels.append(label)
    if not paths:
        raise DatasetError(root, "no ArtPhoto images named <emotion>_<n>.jpg with a "
                                 "Mikels emotion (amusement, anger, awe, contentment, "
                                 "disgust, excitement, fear, sad)")
    points = np.array([label_point(lb, "mikels") for lb in labels])
    return _finish("artphoto", root, paths, points, labels, "mikels", "image",
                   {"skipped": tuple(skipped)}, root)


# -------------------------------------------------------------------- Abstract

def _sniff_rows(text: str) -> list[list[str]]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return []
    delimiter = max((",", ";", "\t"), key=lambda d: len(lines[0].split(d)))
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter,
                        skipinitialspace=True)
    return [[_unquote(c) for c in row] for row in reader]


def _load_abstract(root: str, options: Mapping[str, str]) -> Dataset:
    _check_options("abstract", options, ())
    if os.path.isdir(root):
        csv_path = os.path.join(root, "ABSTRACT_groundTruth.csv")
    else:
        csv_path, root = root, os.path.dirname(root)
    rows = _sniff_rows(_read_text(csv_path, "Abstract ground truth"))
    if not rows:
        raise DatasetError(csv_path, "empty file")
    emotions = TAXONOMIES["mikels"]
    header = [_mikels_label(c) for c in rows[0]]
    if sum(h is not None for h in header) >= len(emotions) // 2:
        found = _require_columns(csv_path, header, emotions)
        columns = [found[e] for e in emotions]
        name_col = next((i for i, h in enumerate(header) if h is None), 0)
        body = rows[1:]
        first_line = 2
    else:
        # No header: file name, then the eight categories in Mikels order.
        columns, name_col, body, first_line = list(range(1, 9)), 0, rows, 1
    index: dict[str, str] = {}
    for path in _images_below(root):
        name = os.path.basename(path).lower()
        index.setdefault(name, path)
        index.setdefault(os.path.splitext(name)[0], path)
    paths, votes, no_votes = [], [], []
    for number, row in enumerate(body, start=first_line):
        if len(row) <= max(columns + [name_col]):
            raise DatasetError(csv_path, f"line {number}: {len(row)} columns, expected "
                                         f"{max(columns + [name_col]) + 1}")
        name = row[name_col].strip()
        v = [_float(row[c], csv_path, number, emotions[k]) for k, c in enumerate(columns)]
        if any(x < 0 for x in v):
            raise DatasetError(csv_path, f"line {number}: negative vote count")
        if sum(v) == 0:
            no_votes.append(name)
            continue
        key = name.lower()
        path = index.get(key) or index.get(os.path.splitext(key)[0]) \
            or os.path.join(root, name)
        paths.append(path)
        votes.append(v)
    votes = np.array(votes, dtype=np.float64).reshape(-1, len(emotions))
    points = distribution_point(votes, "mikels") if len(votes) else np.zeros((0, 3))
    labels = [emotions[i] for i in np.argmax(votes, axis=1)] if len(votes) else []
    extra = {"votes": votes, "emotions": tuple(emotions), "skipped_no_votes": tuple(no_votes)}
    return _finish("abstract", root, paths, points, labels, "mikels", "image", extra,
                   csv_path)
