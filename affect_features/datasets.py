"""Training data, declared: ``KIND:PATH`` specs read into points of the emotion space.

Which data a model is trained on is declared, never hard-coded: :func:`load_dataset`
takes a spec ``KIND:PATH`` (options as a query string, ``KIND:PATH?key=value&...``, or
as keyword arguments) and returns a :class:`Dataset`: media paths, target points
``(valence, arousal, dominance)`` in [-1, 1] (NaN where an axis is unknown), labels of a
taxonomy of :mod:`affect_features.space`, and per-item extras.

Kinds
-----
``emotion6:DIR``
    Emotion6 (Peng et al. 2015). ``DIR/ground_truth.txt``: a TSV with a bracketed
    header, ``image_filename``, ``valence``, ``arousal`` (SAM 1-9), then the shares of
    raters choosing anger, disgust, fear, joy, sadness, surprise, neutral. Images at
    ``DIR/images/<image_filename>``. Valence and arousal from the ratings (``sam9``);
    dominance, which was not rated, is the dominance of the emotion distribution's
    mean point (:func:`~affect_features.space.distribution_point`, ``emotion6``).
    Label: the most-voted emotion (ties: the first in the file's column order).
    Extras: ``distributions`` (n, 7), ``emotions`` (the column labels), ``ratings``
    (n, 2) on 1-9, ``keywords`` (the search-keyword folder).
``gaped:DIR``
    The Geneva Affective PicturE Database (Dan-Glauser & Scherer 2011).
    ``DIR/ratings.csv``: ``file`` (``<category>/<name>.jpg``, relative to
    ``DIR/images``), ``category``, ``valence``, ``arousal`` (mean ratings, 0-100 with 50
    neutral -> ``percent``), their ``_sd``, and the internal/external norm ratings.
    Dominance was not rated: NaN. No emotion label (``labels`` is None: the folders are
    picture categories, not emotions; a picture's quadrant is that of its ratings).
    Extras: ``categories`` (``A`` animal mistreatment, ``H`` human concerns, ``N``
    neutral, ``P`` positive, ``Sn`` snakes, ``Sp`` spiders), ``ratings`` (n, 2) on
    0-100, ``rating_sd`` (n, 2).
``4q:DIR``
    The 4Q audio emotion set (Panda et al. 2018). ``DIR/metadata.csv`` (``Song``,
    ``Artist``, ``Title``, ``Quadrant``, ``PQuad``, ``MoodsFoundStr``, ...); clips at
    ``DIR/audio/<Quadrant>/<Song>.mp3``. Label: the quadrant. Point: the mean of the
    Warriner et al. (2013) norms (``V.Mean.Sum``, ``A.Mean.Sum``, ``D.Mean.Sum``, 1-9
    -> ``sam9``) of the song's ``MoodsFoundStr`` words (``; ``-separated); a song with
    no word in the norms gets its quadrant's point (``label_point(Q, "russell")``).
    Norms file: option ``lexicon=PATH``, default ``DIR/../lexicon/Ratings_Warriner_et_al.csv``;
    ``lexicon=none`` uses the quadrant points for every song. Extras: ``song_ids``,
    ``artists``, ``titles``, ``pquad``, ``moods`` (words per song), ``n_moods_found``,
    ``n_fallback``.
``emotify:DIR``
    Emotify (Aljanaki, Wiering & Veltkamp 2016): ``DIR/data.csv`` with one row per
    listener and track: ``track id``, ``genre`` and a 0/1 column per GEMS emotion
    (``amazement``, ``solemnity``, ``tenderness``, ``nostalgia``, ``calmness``,
    ``power``, ``joyful_activation``, ``tension``, ``sadness``; other columns such as
    ``mood``, ``liked``, ``age`` are ignored). Track ids number the genres classical
    1-100, rock 101-200, electronic 201-300, pop 301-400; the clip of track ``t`` is
    ``DIR/emotifymusic/<genre>/<t - offset>.mp3`` (offsets 0, 100, 200, 300). Point:
    the mean of the GEMS labels' points weighted by the share of the track's
    listeners who chose each (:func:`~affect_features.space.distribution_point`,
    ``gems``; a track nobody labelled is at the origin); label: the most chosen
    emotion (ties: the first in GEMS order). Extras: ``track_ids``, ``genres``,
    ``n_listeners``, ``shares`` (n, 9), ``emotions``.
``artphoto:DIR``
    ArtPhoto (Machajdik & Hanbury 2010): images named ``<emotion>_<n>.<ext>`` (any
    depth below DIR) with the eight Mikels categories; point ``label_point(emotion,
    "mikels")``. Files whose prefix is no category are skipped (``extra["skipped"]``).
    ``content``/``sadness``-style variants are accepted (:data:`_MIKELS_SYNONYMS`).
``abstract:DIR`` (or the CSV itself)
    Abstract paintings (Machajdik & Hanbury 2010): ``ABSTRACT_groundTruth.csv`` with
    per-painting vote counts per Mikels category. Parsing is liberal: delimiter ``,``,
    ``;`` or tab (whichever splits the first line most); cells may be quoted with
    ``'`` or ``"``; a header row is recognised by category names (``Amusement, Anger,
    Awe, Content(ment), Disgust, Excitement, Fear, Sad(ness)``, any case, any order;
    extra columns ignored), else the columns are taken as file name then the eight
    categories in that order. The file name may lack an extension; the image is found
    below the CSV's folder by name (or by stem, case-insensitively). Point:
    ``distribution_point(votes, "mikels")``; label: the most-voted category (ties: the
    first of the Mikels order). Rows with no votes or no image are skipped. Extras:
    ``votes`` (n, 8), ``emotions``.
``audioset:SEGMENTS_CSV``
    AudioSet segments (Gemmeke et al. 2017): lines ``YTID, start_seconds,
    end_seconds, "positive_labels"``, ``#`` lines are comments. Only segments with a
    music-mood label (``/t/dd00031`` .. ``/t/dd00037``: happy, funny, sad, tender,
    exciting, angry, scary music) are kept. The clip is a local file (audio
    extensions) in the CSV's folder or its ``clips/`` subfolder, named ``<YTID>``,
    ``<YTID>_<start>`` or ``<YTID>_<start>_<end>`` (start/end in seconds, any decimals,
    or integer milliseconds), optionally with AudioSet's ``Y`` prefix. Label: the
    mood (several: the first in the taxonomy order); point: the mean of the moods'
    points. Segments without a mood, without a clip, or whose clip was already used
    are skipped and counted (``skipped_no_mood``, ``skipped_no_clip``,
    ``skipped_duplicate``). Extras: ``ytids``, ``starts``, ``ends``, ``moods``.
``csv:FILE``
    A generic table with a ``path`` column (relative paths are relative to FILE's
    folder) and either ratings ``valence``, ``arousal`` and optionally ``dominance``
    (blank: unknown), whose scale (``sam9``, ``likert7``, ``unit``, ``nrc``, ``percent``, ``space``;
    :data:`~affect_features.space.SCALES`) must be declared by a ``scale`` column or
    the option ``scale=``; or a ``label`` column whose ``taxonomy`` (``mikels``,
    ``emotion6``, ``audioset_mood``, ``russell``, ``gems``) is declared the same way. With both,
    the ratings are the points and the labels are kept. The modality is the option or
    column ``modality``, else inferred from the file extensions.

Every loader skips listed media files that do not exist (``extra["missing"]``) and
fails if none is left. A file that is missing or malformed raises :class:`DatasetError`
(a :class:`~affect_features.errors.ParameterError`) with a one-line message naming it.

This module also has the feature cache used for training, :func:`cached_features`.

References
----------
.. [1] Peng, K.-C., Chen, T., Sadovnik, A., & Gallagher, A. (2015). A mixed bag of
   emotions: Model, predict, and transfer emotion distributions. CVPR 2015.
.. [2] Panda, R., Malheiro, R., & Paiva, R. P. (2018). Novel audio features for music
   emotion recognition. IEEE Trans. Affective Computing, 11(4), 614-626.
.. [3] Warriner, A. B., Kuperman, V., & Brysbaert, M. (2013). Norms of valence, arousal,
   and dominance for 13,915 English lemmas. Behavior Research Methods, 45, 1191-1207.
.. [4] Machajdik, J., & Hanbury, A. (2010). Affective image classification using
   features inspired by psychology and art theory. ACM Multimedia 2010, 83-92.
.. [6] Dan-Glauser, E. S., & Scherer, K. R. (2011). The Geneva affective picture database
   (GAPED): a new 730-picture database focusing on valence and normative significance.
   Behavior Research Methods, 43(2), 468-477.
.. [5] Gemmeke, J. F. et al. (2017). Audio Set: An ontology and human-labeled dataset for
   audio events. ICASSP 2017.
.. [7] Aljanaki, A., Wiering, F., & Veltkamp, R. C. (2016). Studying emotion induced by
   music through a crowdsourcing game. Information Processing & Management, 52(1),
   115-128 (the Emotify set).
.. [8] Zentner, M., Grandjean, D., & Scherer, K. R. (2008). Emotions evoked by the sound
   of music: characterization, classification, and measurement. Emotion, 8(4), 494-521.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl

import numpy as np

from .errors import AffectError, ParameterError, SchemaError

__all__ = [
    "Dataset",
    "DatasetError",
    "FeatureTable",
    "KINDS",
    "IMAGE_EXTENSIONS",
    "AUDIO_EXTENSIONS",
    "load_dataset",
    "parse_spec",
    "cached_features",
]

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff",
                              ".webp"})
AUDIO_EXTENSIONS = frozenset({".mp3", ".wav", ".flac", ".ogg", ".oga", ".opus", ".m4a",
                              ".aac", ".mp4", ".webm", ".aif", ".aiff", ".wma"})

_MIKELS_SYNONYMS = {
    "amused": "amusement", "angry": "anger", "content": "contentment",
    "contented": "contentment", "disgusted": "disgust", "excited": "excitement",
    "fearful": "fear", "sadness": "sad",
}


class DatasetError(ParameterError):
    """A dataset file is missing or malformed; the message names the file."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = " ".join(str(reason).split())
        super().__init__(f"{self.path}: {self.reason}")


@dataclass
class Dataset:
    """Media files and their target points.

    Attributes
    ----------
    kind : str
        The loader (``"emotion6"``, ``"4q"``, ...).
    root : str
        The folder or file the spec named (absolute).
    paths : list of str
        Absolute media paths, one per item.
    points : ndarray, shape (n, 3)
        ``(valence, arousal, dominance)`` in [-1, 1]; NaN where an axis is unknown.
    labels : list of str or None
        Category labels of `taxonomy` (None when the data has none).
    taxonomy : str or None
        The labels' taxonomy (:data:`affect_features.space.TAXONOMIES`).
    modality : str
        ``"image"`` or ``"audio"``.
    extra : dict
        Loader-specific data (see the module docstring). Lists and arrays whose length
        is the number of items are per-item and follow :meth:`subset`; tuples and
        scalars are about the whole set.
    """

    kind: str
    root: str
    paths: list
    points: np.ndarray
    labels: list | None
    taxonomy: str | None
    modality: str
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.paths)

    def __repr__(self) -> str:
        return (f"Dataset(kind={self.kind!r}, root={self.root!r}, n={len(self)}, "
                f"modality={self.modality!r}, taxonomy={self.taxonomy!r})")

    def subset(self, index) -> "Dataset":
        """The items selected by a boolean mask or an index array (extras follow)."""
        n = len(self)
        idx = np.asarray(index)
        if idx.dtype == bool:
            if idx.shape != (n,):
                raise ParameterError(f"mask has shape {idx.shape} for {n} items")
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.intp, copy=False)

        def take(v):
            if isinstance(v, np.ndarray) and v.ndim >= 1 and v.shape[0] == n:
                return v[idx]
            if isinstance(v, list) and len(v) == n:
                return [v[i] for i in idx]
            return v

        return replace(self, paths=[self.paths[i] for i in idx], points=self.points[idx],
                       labels=None if self.labels is None else [self.labels[i] for i in idx],
                       extra={k: take(v) for k, v in self.extra.items()})


# ---------------------------------------------------------------------- helpers

def _read_text(path: str, what: str) -> str:
    """A dataset's text file (UTF-8, else Latin-1): a regular file within
    :data:`affect_features.files.LIMITS` ``["dataset table"]``, checked before reading
    (a FIFO, a device or a folder is a one-line :class:`DatasetError`)."""
    from .files import LIMITS, FileRefused, read_text

    if not os.path.lexists(path):
        raise DatasetError(path, f"{what} not found")
    if os.path.isdir(path):
        raise DatasetError(path, f"{what} expected, found a folder")
    try:
        text = read_text(path, what, LIMITS["dataset table"], fallback="latin-1")
    except FileRefused as exc:
        raise DatasetError(path, exc.reason) from None
    # As reading with newline="": universal newlines are the csv module's business.
    return text


def _read_rows(path: str, what: str) -> list[list[str]]:
    """The rows of a comma-separated table (header first); an empty file is an error."""
    rows = list(csv.reader(io.StringIO(_read_text(path, what))))
    if not rows:
        raise DatasetError(path, "empty file")
    return rows


def _require_columns(path: str, header: Sequence[str], need: Sequence[str],
                     expected: str = "") -> dict[str, int]:
    """Positions of the `need`ed columns in `header`; a one-line error naming the
    missing ones (and, with `expected`, the layout expected)."""
    absent = [c for c in need if c not in header]
    if absent:
        raise DatasetError(path, f"bad header: no column {', '.join(absent)}"
                                 + (f" (expected {expected})" if expected else ""))
    return {c: list(header).index(c) for c in need}


def _require_dir(path: str, what: str) -> None:
    if not os.path.isdir(path):
        raise DatasetError(path, f"{what} folder not found" if not os.path.exists(path)
                           else f"{what}: expected a folder")


def _float(cell: str, path: str, line: int, column: str) -> float:
    try:
        v = float(str(cell).strip())
    except ValueError:
        raise DatasetError(path, f"line {line}: {column} {cell!r} is not a number") from None
    if not np.isfinite(v):
        raise DatasetError(path, f"line {line}: {column} is not finite")
    return v


def _keep_existing(paths: Sequence[str], source: str) -> tuple[np.ndarray, list[str]]:
    """Mask of existing files, and the missing ones; error if none exists."""
    ok = np.array([os.path.isfile(p) for p in paths], dtype=bool)
    missing = [p for p, k in zip(paths, ok) if not k]
    if len(paths) and not ok.any():
        raise DatasetError(source, f"none of the {len(paths)} listed media files exists "
                                   f"(first expected: {paths[0]})")
    return ok, missing


def _finish(kind, root, paths, points, labels, taxonomy, modality, extra, source) -> Dataset:
    """Drop items whose media file is missing; build the Dataset."""
    if not paths:
        raise DatasetError(source, "no items found")
    ok, missing = _keep_existing(paths, source)
    ds = Dataset(kind=kind, root=root, paths=list(paths),
                 points=np.asarray(points, dtype=np.float64).reshape(len(paths), 3),
                 labels=labels, taxonomy=taxonomy, modality=modality, extra=extra)
    if missing:
        ds = ds.subset(ok)
    ds.extra["missing"] = tuple(missing)
    return ds


def _unquote(cell: str) -> str:
    cell = cell.strip()
    while len(cell) >= 2 and cell[0] == cell[-1] and cell[0] in "'\"":
        cell = cell[1:-1].strip()
    return cell


# -------------------------------------------------------------------- emotion6

def _load_emotion6(root: str, options: Mapping[str, str]) -> Dataset:
    from .space import TAXONOMIES, distribution_point, to_space

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
    from .space import to_space

    _check_options("gaped", options, ())
    _require_dir(root, "gaped")
    table = os.path.join(root, "ratings.csv")
    rows = _read_rows(table, "GAPED ratings")
    header = [c.strip().lower() for c in rows[0]]
    _require_columns(table, header, ("file", "valence", "arousal"),
                     "file, category, valence, valence_sd, arousal, arousal_sd, ...")
    col = {c: header.index(c) for c in header}
    files, ratings, sds, cats = [], [], [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            raise DatasetError(table, f"line {number}: {len(row)} columns, "
                                      f"expected {len(header)}")
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


# -------------------------------------------------------------------------- 4Q

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
    from .space import canonical_label, label_point, to_space

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
    from .space import TAXONOMIES, canonical_label, distribution_point

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
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            raise DatasetError(table, f"line {number}: {len(row)} columns, "
                                      f"expected {len(header)}")
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


# -------------------------------------------------------------------- ArtPhoto

def _mikels_label(word: str) -> str | None:
    from .space import canonical_label
    word = _MIKELS_SYNONYMS.get(word.strip().lower(), word)
    try:
        return canonical_label(word, "mikels")
    except ParameterError:
        return None


def _walk_files(root: str, extensions) -> list[str]:
    from .batch import expand_paths

    return expand_paths([root], extensions)


def _load_artphoto(root: str, options: Mapping[str, str]) -> Dataset:
    from .space import label_point

    _check_options("artphoto", options, ())
    _require_dir(root, "artphoto")
    paths, labels, skipped = [], [], []
    for path in _walk_files(root, IMAGE_EXTENSIONS):
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
    from .space import TAXONOMIES, distribution_point

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
    for path in _walk_files(root, IMAGE_EXTENSIONS):
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


# -------------------------------------------------------------------- AudioSet

def _number_forms(seconds: float) -> set[str]:
    forms = {f"{seconds:.3f}", f"{seconds:.2f}", f"{seconds:.1f}", f"{seconds:g}",
             str(int(round(seconds * 1000)))}
    if float(seconds).is_integer():
        forms.add(str(int(seconds)))
    return forms


def _load_audioset(path: str, options: Mapping[str, str]) -> Dataset:
    from .space import AUDIOSET_MOOD_CLASSES, TAXONOMIES, distribution_point

    _check_options("audioset", options, ())
    text = _read_text(path, "AudioSet segments CSV")
    folder = os.path.dirname(path)
    stems: dict[str, str] = {}
    for d in (folder, os.path.join(folder, "clips")):
        if os.path.isdir(d):
            for name in sorted(os.listdir(d)):
                full = os.path.join(d, name)
                stem, ext = os.path.splitext(name)
                if ext.lower() in AUDIO_EXTENSIONS and os.path.isfile(full):
                    stems.setdefault(stem, full)
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


# ------------------------------------------------------------------ generic CSV

def _modality_of(paths: Sequence[str], source: str) -> str:
    kinds = set()
    for p in paths:
        ext = os.path.splitext(p)[1].lower()
        kinds.add("image" if ext in IMAGE_EXTENSIONS
                  else "audio" if ext in AUDIO_EXTENSIONS else "?")
    if len(kinds) == 1 and "?" not in kinds:
        return kinds.pop()
    raise DatasetError(source, "cannot tell whether the files are images or audio; "
                               "declare modality=image or modality=audio")


def _load_csv(path: str, options: Mapping[str, str]) -> Dataset:
    from .space import canonical_label, label_point, to_space

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


# ------------------------------------------------------------------------- specs

_LOADERS: dict[str, Callable[[str, Mapping[str, str]], Dataset]] = {
    "emotion6": _load_emotion6,
    "gaped": _load_gaped,
    "4q": _load_4q,
    "emotify": _load_emotify,
    "artphoto": _load_artphoto,
    "abstract": _load_abstract,
    "audioset": _load_audioset,
    "csv": _load_csv,
}
#: The dataset kinds :func:`load_dataset` knows.
KINDS = tuple(_LOADERS)


def _check_options(kind: str, options: Mapping[str, str], allowed: Sequence[str]) -> None:
    unknown = set(options) - set(allowed)
    if unknown:
        raise ParameterError(f"{kind} datasets take no option {', '.join(sorted(unknown))}"
                             + (f" (options: {', '.join(allowed)})" if allowed else ""))


def parse_spec(spec: str) -> tuple[str, str, dict[str, str]]:
    """Split ``KIND:PATH[?key=value&...]`` into ``(kind, absolute path, options)``."""
    if not isinstance(spec, str) or ":" not in spec:
        raise ParameterError(f"dataset spec must be KIND:PATH with KIND one of "
                             f"{', '.join(KINDS)}, got {spec!r}")
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    if kind not in _LOADERS:
        raise ParameterError(f"unknown dataset kind {kind!r}; expected one of "
                             f"{', '.join(KINDS)}")
    options: dict[str, str] = {}
    if "?" in rest:
        rest, _, query = rest.rpartition("?")
        try:
            options = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=True))
        except ValueError:
            raise ParameterError(f"bad options {query!r} in dataset spec {spec!r}; "
                                 f"use ?key=value&key=value") from None
    if not rest.strip():
        raise ParameterError(f"dataset spec {spec!r} has no path")
    return kind, os.path.abspath(os.path.expanduser(rest.strip())), options


def load_dataset(spec: str, **options) -> Dataset:
    """Read a declared training set.

    Parameters
    ----------
    spec : str
        ``KIND:PATH``, optionally with options ``?key=value&...``; KIND one of
        ``emotion6``, ``gaped``, ``4q``, ``artphoto``, ``abstract``, ``audioset``, ``csv`` (see
        the module docstring for each layout).
    **options
        Options as keyword arguments (they override those of the spec), e.g.
        ``lexicon=`` for ``4q``, ``scale=``, ``taxonomy=``, ``modality=`` for ``csv``.

    Returns
    -------
    dataset : Dataset

    Raises
    ------
    ParameterError
        Bad spec or option; :class:`DatasetError` (a ParameterError) for a missing or
        malformed file, naming it.

    Examples
    --------
    >>> ds = load_dataset("emotion6:/data/emotion6")          # doctest: +SKIP
    >>> ds = load_dataset("csv:ratings.csv?scale=sam9")        # doctest: +SKIP
    """
    kind, path, parsed = parse_spec(spec)
    parsed.update({k: str(v) for k, v in options.items() if v is not None})
    ds = _LOADERS[kind](path, parsed)
    ds.extra.setdefault("spec", spec)
    return ds


# ------------------------------------------------------------------ feature cache

@dataclass
class FeatureTable:
    """Features of a list of files, from :func:`cached_features`.

    Attributes
    ----------
    paths : list of str
        The paths asked for, in order.
    X : ndarray, shape (n, n_features)
        Their features; rows of failed files are NaN.
    ok : ndarray of bool, shape (n,)
        Which rows hold features.
    names : tuple of str
    schema : str
    failures : dict of str to str
        Failed path -> one-line reason.
    n_extracted : int
        How many files were extracted now (the rest came from the cache).
    """

    paths: list
    X: np.ndarray
    ok: np.ndarray
    names: tuple
    schema: str
    failures: dict
    n_extracted: int


_CACHE_KEYS = ("schema", "names", "keys", "sizes", "mtimes", "X")


def _read_cache(cache_path: str, schema: str, names):
    """Entries of a cache file: ``(names, {key: (size, mtime_ns, row)})``; empty if unusable."""
    try:
        with np.load(cache_path, allow_pickle=False) as z:
            if any(k not in z.files for k in _CACHE_KEYS):
                return None, {}
            if str(z["schema"]) != schema:
                return None, {}
            cached_names = tuple(str(n) for n in z["names"])
            keys, sizes, mtimes, X = z["keys"], z["sizes"], z["mtimes"], z["X"]
    except FileNotFoundError:
        return None, {}
    except Exception:  # noqa: BLE001 - a damaged cache is rebuilt, never trusted
        return None, {}
    if names is not None and tuple(names) != cached_names:
        return None, {}
    if X.ndim != 2 or X.shape != (len(keys), len(cached_names)) \
            or len(sizes) != len(keys) or len(mtimes) != len(keys):
        return None, {}
    return cached_names, {str(k): (int(s), int(m), X[i])
                          for i, (k, s, m) in enumerate(zip(keys, sizes, mtimes))}


def _write_cache(cache_path: str, schema: str, names, entries) -> None:
    from .models import _atomic_write  # one atomic writer for the package's binary files

    keys = sorted(entries)
    X = (np.stack([entries[k][2] for k in keys]) if keys
         else np.zeros((0, len(names))))
    buf = io.BytesIO()
    np.savez(buf, schema=np.array(schema), names=np.array(list(names), dtype=str),
             keys=np.array(keys, dtype=str), sizes=np.array([entries[k][0] for k in keys],
                                                             dtype=np.int64),
             mtimes=np.array([entries[k][1] for k in keys], dtype=np.int64),
             X=np.asarray(X, dtype=np.float64))
    try:
        _atomic_write(cache_path, buf.getvalue())
    except AffectError as exc:
        raise ParameterError(f"feature cache: {exc}") from None


def _result_vector(result, schema: str):
    """``(vector, names, failure_reason)`` of one extractor result."""
    from .features import FeatureVector

    if isinstance(result, FeatureVector):
        if result.schema != schema:
            raise SchemaError(f"extractor returned features of schema {result.schema}, "
                              f"expected {schema}")
        return np.asarray(result.vector, dtype=np.float64), tuple(result.names), None
    if result is None:
        return None, None, "no features"
    if isinstance(result, BaseException):
        return None, None, " ".join(str(result).split()) or type(result).__name__
    if hasattr(result, "reason") and not isinstance(result, np.ndarray):
        return None, None, str(result.reason)
    vec = np.asarray(result, dtype=np.float64)
    if vec.ndim != 1:
        return None, None, f"extractor returned an array of shape {vec.shape}"
    return vec, None, None


def cached_features(paths: Sequence[str], extract_fn: Callable, cache_path: str,
                    schema: str, *, names: Sequence[str] | None = None,
                    chunk_size: int | None = 256) -> FeatureTable:
    """Features of many files, extracting only those not already in a cache file.

    Parameters
    ----------
    paths : sequence of str
        Media files.
    extract_fn : callable
        ``extract_fn(list_of_paths)`` -> an iterable with, for each path in order,
        a FeatureVector, a 1-D array, or a failure (None, an exception, an object with
        a ``reason`` such as :class:`affect_features.batch.Failure`); or an iterable of
        ``(path, result)`` pairs (as :func:`affect_features.batch.map_files` yields).
        Only called with the paths that need extracting (never with an empty list).
    cache_path : str
        The ``.npz`` cache (created if absent; no pickle). An entry is keyed by the
        file's absolute path and is valid while the file's size and modification time
        (ns) are unchanged. The whole cache holds one schema: a cache of another schema
        (or other feature names) is ignored and replaced.
    schema : str
        Feature schema version of `extract_fn`'s output.
    names : sequence of str, optional
        Feature names, if `extract_fn` returns bare arrays (FeatureVectors carry theirs).
        Default: the names in the cache, else ``load_schema(schema)``.
    chunk_size : int or None, default 256
        Paths per `extract_fn` call; the cache is saved after every chunk, so an
        interrupted run keeps what it did. None: one call.

    Returns
    -------
    table : FeatureTable
        Failed files (not cached, retried next time) have ``ok`` False.

    Notes
    -----
    The cache is rewritten atomically (a temporary file then ``os.replace``), so a
    crash never leaves a half-written cache; entries of files not asked for this time
    are kept.
    """
    paths = [os.fspath(p) for p in paths]
    schema = str(schema)
    cache_path = os.fspath(cache_path)
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ParameterError(f"chunk_size must be a positive integer or None, got {chunk_size!r}")
    cached_names, entries = _read_cache(cache_path, schema,
                                        None if names is None else tuple(names))
    known_names = tuple(names) if names is not None else cached_names
    keys = [os.path.abspath(p) for p in paths]
    failed: dict[str, str] = {}  # absolute path -> reason
    stats: dict[str, tuple[int, int]] = {}
    for k in keys:
        try:
            st = os.stat(k)
            stats[k] = (int(st.st_size), int(st.st_mtime_ns))
        except OSError as exc:
            failed[k] = f"cannot read ({exc.strerror or exc})"
    todo, seen = [], set()
    for p, k in zip(paths, keys):
        if k in stats and k not in seen:
            seen.add(k)
            e = entries.get(k)
            if e is None or (e[0], e[1]) != stats[k]:
                todo.append(k)
    n_extracted = 0
    dirty = cached_names is None and os.path.exists(cache_path)
    step = len(todo) if chunk_size is None else chunk_size
    for begin in range(0, len(todo), max(step, 1)):
        chunk = todo[begin:begin + step]
        results = list(extract_fn(list(chunk)))
        if results and all(isinstance(r, tuple) and len(r) == 2 and isinstance(r[0], str)
                           for r in results):
            by_path = {os.path.abspath(p): r for p, r in results}
            results = [by_path.get(k) for k in chunk]
        if len(results) != len(chunk):
            raise ParameterError(f"extract_fn returned {len(results)} results for "
                                 f"{len(chunk)} paths")
        for k, result in zip(chunk, results):
            vec, vec_names, reason = _result_vector(result, schema)
            if reason is not None:
                failed[k] = reason
                continue
            if vec_names is not None:
                if known_names is not None and vec_names != known_names:
                    raise SchemaError(f"{k}: extractor returned other feature names than "
                                      f"the cache/declared ones for schema {schema}")
                known_names = vec_names
            if known_names is None:
                from .features import load_schema
                known_names = load_schema(schema)
            if vec.shape[0] != len(known_names):
                raise SchemaError(f"{k}: {vec.shape[0]} features, expected "
                                  f"{len(known_names)} for schema {schema}")
            entries[k] = (*stats[k], vec.copy())
            n_extracted += 1
        if n_extracted or dirty:
            _write_cache(cache_path, schema, known_names, entries)
            dirty = False
    if known_names is None:
        from .features import load_schema
        try:
            known_names = load_schema(schema)
        except SchemaError:
            known_names = ()
    X = np.full((len(paths), len(known_names)), np.nan)
    ok = np.zeros(len(paths), dtype=bool)
    failures: dict[str, str] = {}
    for i, (p, k) in enumerate(zip(paths, keys)):
        e = entries.get(k)
        if k in failed:
            failures[p] = failed[k]
        elif e is not None and (e[0], e[1]) == stats[k]:
            X[i] = e[2]
            ok[i] = True
    return FeatureTable(paths=paths, X=X, ok=ok, names=tuple(known_names), schema=schema,
                        failures=failures, n_extracted=n_extracted)
