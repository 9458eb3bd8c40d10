"""Music sets: 4Q (with the Warriner norms), Emotify and AudioSet segments.

Each loader reads one layout of :mod:`affect_features.datasets` (the package docstring
describes the files) into a :class:`~._base.Dataset` of audio clips.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping

import numpy as np

from ..errors import ParameterError
from ..media import AUDIO_EXTENSIONS, VIDEO_EXTENSIONS, walk
from ..space import (AUDIOSET_MOOD_CLASSES, TAXONOMIES, canonical_label, distribution_point,
                     label_point, to_space)
from ._base import (Dataset, DatasetError, _check_options, _data_rows, _finish, _float,
                    _read_rows, _read_text, _require_columns, _require_dir)

def _read_warriner(path: str, wanted=None) -> dict[str, tuple[float, float, float]]:
    """Warriner norms ``word -> (V, A, D)`` on 1-9 (only the `wanted` words if given)."""
    text = _read_text(path, "Warriner norms")
    reader = csv.reader(io.StringIO(text))
    header = [c.strip() for c in next(reader, [])]
    need = ("Word", "V.Mean.Sum", "A.Mean.Sum", "D.Mean.Sum")
    if any(c not in header for c in need):
        raise DatasetError(path, f"bad header: expected columns {', '.join(need)}")
    cols = [header.index(c) for c in need]
    width = max(cols)
    norms = {}
    for number, row in enumerate(reader, start=2):
        if len(row) <= width:
            if any(c.strip() for c in row):
                raise DatasetError(path, f"line {number}: {len(row)} columns, "
                                         f"expected {len(header)}")
            continue
        word = row[cols[0]].strip().lower()
        if word and (wanted is None or word in wanted):
            norms[word] = tuple(_float(row[c], path, number, n)
                                for c, n in zip(cols[1:], need[1:]))
    return norms


def _load_4q(root: str, options: Mapping[str, str]) -> Dataset:
    _check_options("4q", options, ("lexicon",))
    _require_dir(root, "4q")
    meta = os.path.join(root, "metadata.csv")
    reader = csv.DictReader(io.StringIO(_read_text(meta, "4Q metadata")))
    fields = [f.strip() for f in (reader.fieldnames or [])]
    need = ("Song", "Quadrant", "MoodsFoundStr")
    if any(c not in fields for c in need):
        raise DatasetError(meta, f"bad header: expected columns {', '.join(need)} "
                                 f"(and Artist, Title, PQuad)")
    reader.fieldnames = fields
    rows = list(reader)
    tags = {w.strip().lower() for row in rows
            for w in (row.get("MoodsFoundStr") or "").split(";") if w.strip()}
    lexicon = options.get("lexicon")
    if lexicon is None:
        lexicon = os.path.join(os.path.dirname(root), "lexicon", "Ratings_Warriner_et_al.csv")
    norms = {} if str(lexicon).lower() == "none" else _read_warriner(
        os.path.abspath(os.path.expanduser(lexicon)), tags)
    paths, points, labels = [], [], []
    ids, artists, titles, pquad, moods, n_found = [], [], [], [], [], []
    for number, row in enumerate(rows, start=2):
        song = (row.get("Song") or "").strip()
        if not song:
            raise DatasetError(meta, f"line {number}: empty Song")
        try:
            q = canonical_label(row.get("Quadrant") or "", "russell")
        except ParameterError:
            raise DatasetError(meta, f"line {number}: Quadrant {row.get('Quadrant')!r} "
                                     f"is not Q1..Q4") from None
        words = [w.strip().lower() for w in (row.get("MoodsFoundStr") or "").split(";")
                 if w.strip()]
        found = [norms[w] for w in words if w in norms]
        if found:
            point = to_space(np.mean(np.array(found), axis=0), "sam9")
        else:
            point = label_point(q, "russell")
        pq = (row.get("PQuad") or "").strip()
        paths.append(os.path.join(root, "audio", q, f"{song}.mp3"))
        points.append(point)
        labels.append(q)
        ids.append(song)
        artists.append((row.get("Artist") or "").strip())
        titles.append((row.get("Title") or "").strip())
        pquad.append(_float(pq, meta, number, "PQuad") if pq else np.nan)
        moods.append(words)
        n_found.append(len(found))
    n_found = np.array(n_found, dtype=np.int64)
    extra = {"song_ids": ids, "artists": artists, "titles": titles,
             "pquad": np.array(pquad, dtype=np.float64), "moods": moods,
             "n_moods_found": n_found, "n_fallback": int(np.sum(n_found == 0)),
             "lexicon": None if not norms else os.path.abspath(os.path.expanduser(lexicon))}
    return _finish("4q", root, paths, points, labels, "russell", "audio", extra, meta)


# --------------------------------------------------------------------- Emotify

#: Emotify's genres with the offset of their track ids (track ``t`` of a genre is file
#: ``t - offset``): classical 1-100, rock 101-200, electronic 201-300, pop 301-400.
EMOTIFY_GENRES = {"classical": 0, "rock": 100, "electronic": 200, "pop": 300}


def _load_emotify(root: str, options: Mapping[str, str]) -> Dataset:
    _check_options("emotify", options, ())
    _require_dir(root, "emotify")
    table = os.path.join(root, "data.csv")
    rows = _read_rows(table, "Emotify data")
    header = [" ".join(c.strip().lower().replace("_", " ").split()) for c in rows[0]]
    emotions = TAXONOMIES["gems"]
    col = _require_columns(table, header, ("track id", "genre", *emotions),
                           "track id, genre, amazement, ..., sadness")
    votes: dict[int, np.ndarray] = {}
    listeners: dict[int, int] = {}
    genre_of: dict[int, str] = {}
    for number, row in _data_rows(table, rows, len(header)):
        track = _float(row[col["track id"]], table, number, "track id")
        genre = row[col["genre"]].strip().lower()
        if genre not in EMOTIFY_GENRES:
            raise DatasetError(table, f"line {number}: genre {genre!r} is not one of "
                                      f"{', '.join(EMOTIFY_GENRES)}")
        offset = EMOTIFY_GENRES[genre]
        if track != int(track) or not offset < track <= offset + 100:
            raise DatasetError(table, f"line {number}: track id {row[col['track id']]!r} "
                                      f"is not in {offset + 1}-{offset + 100} ({genre})")
        track = int(track)
        ticks = np.array([_float(row[col[e]], table, number, e) for e in emotions])
        if np.any((ticks != 0) & (ticks != 1)):
            raise DatasetError(table, f"line {number}: emotion columns must be 0 or 1")
        votes[track] = votes.get(track, 0) + ticks
        listeners[track] = listeners.get(track, 0) + 1
        genre_of[track] = genre
    tracks = sorted(votes)
    n_listeners = np.array([listeners[t] for t in tracks], dtype=np.int64)
    shares = np.array([votes[t] for t in tracks], dtype=np.float64).reshape(-1, len(emotions))
    shares /= np.maximum(n_listeners, 1)[:, None]
    points = distribution_point(shares, "gems") if tracks else np.zeros((0, 3))
    labels = [canonical_label(emotions[i], "gems") for i in np.argmax(shares, axis=1)]
    genres = [genre_of[t] for t in tracks]
    paths = [os.path.join(root, "emotifymusic", g, f"{t - EMOTIFY_GENRES[g]}.mp3")
             for t, g in zip(tracks, genres)]
    extra = {"track_ids": np.array(tracks, dtype=np.int64), "genres": genres,
             "n_listeners": n_listeners, "shares": shares, "emotions": tuple(emotions)}
    return _finish("emotify", root, paths, points, labels, "gems", "audio", extra, table)


# -------------------------------------------------------------------- AudioSet

#: Files an AudioSet clip may be: segments are cut from YouTube videos and kept as
#: audio files or as video containers (``.mp4``, ``.webm``), whose sound track is read.
_CLIP_EXTENSIONS = AUDIO_EXTENSIONS | VIDEO_EXTENSIONS


def _number_forms(seconds: float) -> set[str]:
    forms = {f"{seconds:.3f}", f"{seconds:.2f}", f"{seconds:.1f}", f"{seconds:g}",
             str(int(round(seconds * 1000)))}
    if float(seconds).is_integer():
        forms.add(str(int(seconds)))
    return forms


def _load_audioset(path: str, options: Mapping[str, str]) -> Dataset:
    _check_options("audioset", options, ())
    text = _read_text(path, "AudioSet segments CSV")
    folder = os.path.dirname(path)
    stems: dict[str, str] = {}
    for d in (folder, os.path.join(folder, "clips")):
        if os.path.isdir(d):  # the documented layout: these two folders, not below
            for full in walk(d, _CLIP_EXTENSIONS, recursive=False):
                stems.setdefault(os.path.splitext(os.path.basename(full))[0], full)
    moods = TAXONOMIES["audioset_mood"]
    paths, labels, dists = [], [], []
    ytids, starts, ends, seg_moods = [], [], [], []
    used: set[str] = set()
    no_mood = no_clip = duplicate = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        row = next(csv.reader([line], skipinitialspace=True))
        if len(row) < 4:
            raise DatasetError(path, f"line {number}: expected YTID, start_seconds, "
                                     f"end_seconds, \"positive_labels\"")
        ytid = row[0].strip()
        start = _float(row[1], path, number, "start_seconds")
        end = _float(row[2], path, number, "end_seconds")
        ids = {i.strip() for i in ",".join(row[3:]).split(",") if i.strip()}
        found = [m for m in moods if AUDIOSET_MOOD_CLASSES[m][1] in ids]
        if not found:
            no_mood += 1
            continue
        candidates = []
        for prefix in ("", "Y"):
            base = prefix + ytid
            for s in sorted(_number_forms(start)):
                candidates.append(f"{base}_{s}")
                candidates.extend(f"{base}_{s}_{e}" for e in sorted(_number_forms(end)))
            candidates.append(base)
        clip = next((stems[c] for c in candidates if c in stems), None)
        if clip is None:
            no_clip += 1
            continue
        if clip in used:
            duplicate += 1
            continue
        used.add(clip)
        paths.append(clip)
        labels.append(found[0])
        dists.append([1.0 if m in found else 0.0 for m in moods])
        ytids.append(ytid)
        starts.append(start)
        ends.append(end)
        seg_moods.append(found)
    if not paths:
        raise DatasetError(path, f"no usable segment: {no_mood} without a music-mood "
                                 f"label, {no_clip} without a local clip in {folder} or "
                                 f"its clips/ folder")
    points = distribution_point(np.array(dists), "audioset_mood")
    extra = {"ytids": ytids, "starts": np.array(starts), "ends": np.array(ends),
             "moods": seg_moods, "skipped_no_mood": no_mood, "skipped_no_clip": no_clip,
             "skipped_duplicate": duplicate}
    return _finish("audioset", path, paths, points, labels, "audioset_mood", "audio",
                   extra, path)
