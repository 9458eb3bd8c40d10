"""Questions to a music library without a photo: by point, mood word or quadrant.

The library (:mod:`affect_features.library`) stores each song's point; this module asks
it the questions ``affect library list`` and ``affect match --mood/--point`` ask:

- :func:`query_point` turns a mood word (its NRC-VAD point, :func:`space.word_point`)
  or a typed point into a point of the space and the axes to measure distance on;
- :func:`songs_near` gives the songs nearest to such a point, each with its quadrant and
  mood word (:func:`describe_tracks`);
- :func:`list_tracks` lists a library, filtered by quadrant, mood word or failure,
  or ranked by distance to a point;
- :func:`m3u_playlist` turns tracks into an extended M3U playlist, and
  :func:`write_playlist` writes one (``affect library export``, ``affect match --m3u``);
- :func:`parse_point` reads a typed ``V,A[,D]``, :func:`read_library` opens the library
  a command reads (read-only).

A song's quadrant and mood are those of its *point* (:func:`space.quadrant`,
:func:`space.nearest_word`), not the label a data set gave it (``label``, kept
beside them).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from .errors import ParameterError

__all__ = ["query_point", "parse_point", "songs_near", "describe_tracks", "point_moods",
           "list_tracks", "m3u_playlist", "write_playlist", "read_library", "LIST_FIELDS"]

#: Fields of each track :func:`list_tracks` gives, in the order ``affect library list``
#: prints them (``distance`` only when ranking by a point, ``error`` for failed rows).
LIST_FIELDS = ("id", "path", "artist", "title", "album", "valence", "arousal",
               "dominance", "quadrant", "mood", "label", "model_version", "error")

# Points compared with the mood words at once in point_moods (memory: chunk x words).
_MOOD_CHUNK = 4096


def query_point(*, mood: str | None = None, point=None) -> tuple[np.ndarray, tuple]:
    """The point a query names, and the per-axis weights of its distance.

    Parameters
    ----------
    mood : str, optional
        A word of :func:`affect_features.space.lexicon_words` (e.g. one of the mood words
        ``affect match`` prints): its NRC-VAD point, with the distance in valence and
        arousal only (weights ``(1, 1, 0)``), the plane a point's mood word is chosen
        in (:func:`space.nearest_word`): the lexicon's dominance would otherwise pull
        the songs of "calm" towards the submissive ones.
    point : sequence of 2 or 3 floats, optional
        ``(valence, arousal[, dominance])`` in [-1, 1]. With two values dominance is
        not known: the distance ignores it (weights ``(1, 1, 0)``).

    Exactly one of the two.

    Returns
    -------
    point : ndarray, shape (3,)
    weights : tuple of 3 floats

    Raises
    ------
    ParameterError
        Neither or both given, an unknown word, a point of the wrong length or outside
        [-1, 1].

    Examples
    --------
    >>> query_point(point=(0.5, -0.3))
    (array([ 0.5, -0.3,  0. ]), (1.0, 1.0, 0.0))
    """
    from .space import word_point

    if (mood is None) == (point is None):
        raise ParameterError("give a mood word or a point, not both")
    if mood is not None:
        return word_point(mood), (1.0, 1.0, 0.0)
    try:
        values = np.asarray(point, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise ParameterError(f"a point is 2 or 3 numbers, got {point!r}") from None
    if values.size not in (2, 3) or not np.all(np.isfinite(values)):
        raise ParameterError(
            f"a point is valence,arousal[,dominance]: 2 or 3 finite numbers, got {point!r}")
    if np.any(np.abs(values) > 1):
        raise ParameterError(f"a point lies in [-1, 1] on every axis, got {point!r}")
    weights = (1.0, 1.0, 1.0) if values.size == 3 else (1.0, 1.0, 0.0)
    return np.append(values, [0.0] * (3 - values.size)), weights


def parse_point(text: str) -> tuple[np.ndarray, tuple]:
    """:func:`query_point` of a point typed as text, ``"V,A[,D]"`` (spaces ignored).

    Raises
    ------
    ParameterError
        Not 2 or 3 comma-separated numbers, or outside [-1, 1].

    Examples
    --------
    >>> parse_point("0.5, -0.3")
    (array([ 0.5, -0.3,  0. ]), (1.0, 1.0, 0.0))
    """
    try:
        values = [float(x) for x in str(text).replace(" ", "").split(",")]
    except ValueError:
        raise ParameterError(f"expected valence,arousal[,dominance], e.g. 0.5,-0.3; "
                             f"got {text!r}") from None
    return query_point(point=values)


def read_library(path=None, *, catalogue: bool = False):
    """The library a question is asked of, opened read-only.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A library file; default :func:`affect_features.library.default_library_path`
        (``$AFFECT_LIBRARY``, else the per-user library ``affect index`` writes).
    catalogue : bool
        The shipped catalogue instead (:func:`affect_features.library.default_catalogue`).

    Raises
    ------
    LibraryError
        The file does not exist (the message says how to build it) or is not a library.
    ParameterError
        Both `path` and `catalogue`.
    """
    from .errors import LibraryError
    from .library import MusicLibrary, default_catalogue, default_library_path

    if path and catalogue:
        raise ParameterError("give a library or the catalogue, not both")
    if catalogue:
        return default_catalogue()
    target = os.fspath(path or default_library_path())
    if not os.path.exists(target):
        raise LibraryError(f"{target}: no music library yet; build it with "
                           f"`affect index FOLDER`" + (f" --library {target}"
                                                       if path else ""))
    return MusicLibrary(target, create=False, readonly=True)


def point_moods(points) -> np.ndarray:
    """The mood word nearest to each point (:func:`space.nearest_word`, vectorised).

    Euclidean distance in the valence-arousal plane to the points of
    :data:`space.MOOD_WORDS`; ties go to the earlier word, as in
    :func:`space.nearest_word`.

    Parameters
    ----------
    points : array_like, shape (n, 2) or (n, 3)

    Returns
    -------
    words : ndarray of str, shape (n,)
    """
    from .space import mood_words

    return np.asarray(mood_words(), dtype=str)[_mood_index(points)]


def _mood_index(points) -> np.ndarray:
    """Index in :func:`space.mood_words` of each point's nearest mood word."""
    from .space import mood_words, word_point

    pts = np.asarray(points, dtype=np.float64)
    pts = pts.reshape(-1, pts.shape[-1] if pts.ndim else 3)[:, :2]
    ref = np.stack([word_point(w)[:2] for w in mood_words()])
    out = np.empty(len(pts), dtype=np.intp)
    for start in range(0, len(pts), _MOOD_CHUNK):
        block = pts[start:start + _MOOD_CHUNK]
        dv = block[:, 0, None] - ref[None, :, 0]
        da = block[:, 1, None] - ref[None, :, 1]
        # dv^2 + da^2 in nearest_word's order of terms: the same floats, the same ties
        out[start:start + _MOOD_CHUNK] = (dv * dv + da * da).argmin(axis=1)
    return out


def describe_tracks(tracks: list[dict]) -> list[dict]:
    """Add each track's ``quadrant`` and ``mood`` (of its point; None without one).

    Changes the dicts in place and returns the list.
    """
    from .space import quadrant

    have = [t for t in tracks if t.get("valence") is not None]
    if have:
        pts = np.array([[t["valence"], t["arousal"], t["dominance"]] for t in have])
        for t, q, w in zip(have, quadrant(pts), point_moods(pts)):
            t["quadrant"], t["mood"] = str(q), str(w)
    for t in tracks:
        t.setdefault("quadrant", None)
        t.setdefault("mood", None)
    return tracks


def songs_near(library, point, *, k: int = 5, weights=(1.0, 1.0, 1.0)) -> list[dict]:
    """The `k` songs of a library nearest to a point, with their quadrant and mood.

    Parameters
    ----------
    library : MusicLibrary
    point : array_like, shape (3,)
        E.g. from :func:`query_point`.
    k : int
    weights : 3 floats
        Per-axis weights of the distance (:meth:`MusicLibrary.nearest`).

    Returns
    -------
    songs : list of dict
        :meth:`MusicLibrary.nearest`'s fields plus ``quadrant`` and ``mood``.
    """
    return describe_tracks(library.nearest(point, k=k, weights=weights))


def list_tracks(library, *, quadrant: str | None = None, mood: str | None = None,
                near=None, k: int | None = None, failed: bool = False,
                batch_size: int = 500) -> Iterator[dict]:
    """The tracks of a library, filtered or ranked; streamed batch by batch.

    Parameters
    ----------
    library : MusicLibrary
    quadrant : {"Q1", "Q2", "Q3", "Q4"}, optional
        Only tracks whose point lies in this quadrant (:func:`space.quadrant`).
    mood : str, optional
        Only tracks whose mood word (:func:`point_moods`, the word ``affect match``
        prints) is this one of :data:`space.MOOD_WORDS`, nearest to the word's point
        first.
    near : sequence of 2 or 3 floats, optional
        Rank tracks by distance to this point (:func:`query_point`); each gets a
        ``distance``.
    k : int, optional
        At most this many tracks (default: all; 10 when ranking by `near`).
    failed : bool
        Only tracks whose analysis failed, with their ``error`` (no point); the other
        filters do not apply to them.

    Yields
    ------
    track : dict
        :data:`LIST_FIELDS` (and ``distance`` when ranked). Without a ranking, tracks
        come by path.

    Raises
    ------
    ParameterError
        Unknown quadrant or mood word, bad point or `k`, or `failed` with a filter.
    """
    from .space import QUADRANTS, mood_words, quadrant as quadrant_of

    if k is not None and (isinstance(k, bool) or int(k) != k or k < 1):
        raise ParameterError(f"k must be a positive integer, got {k!r}")
    if quadrant is not None:
        quadrant = str(quadrant).strip().upper()
        if quadrant not in QUADRANTS:
            raise ParameterError(f"unknown quadrant {quadrant!r}; expected one of "
                                 f"{', '.join(QUADRANTS)}")
    if mood is not None:
        mood = str(mood).strip().lower()
        if mood not in mood_words():
            raise ParameterError(f"{mood!r} is not one of the mood words (list them with "
                                 f"`affect labels --moods`)")
    if failed and (quadrant or mood or near is not None):
        raise ParameterError("failed tracks have no point: --failed cannot be combined "
                             "with a quadrant, mood or point")
    distances = None
    if failed:
        ids = library.track_ids(failed=True)
    elif quadrant is None and mood is None and near is None:
        ids = library.track_ids()
    else:
        ids, pts = library.points()
        keep = np.ones(len(ids), dtype=bool)
        if quadrant is not None and len(ids):
            keep &= quadrant_of(pts) == quadrant
        if mood is not None and len(ids):
            keep &= _mood_index(pts) == mood_words().index(mood)
        ids, pts = ids[keep], pts[keep]
        if near is not None or mood is not None:
            target, w = (query_point(point=near) if near is not None
                         else query_point(mood=mood))
            distances = np.sqrt((((pts - target) * np.asarray(w)) ** 2).sum(axis=1))
            order = np.argsort(distances, kind="stable")
            ids, distances = ids[order], distances[order]
            if k is None and near is not None:
                k = 10
    if k is not None:
        ids = ids[:int(k)]
        distances = None if distances is None else distances[:int(k)]
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size].tolist()
        tracks = {t["id"]: t for t in describe_tracks(library.tracks(chunk))}
        for j, track_id in enumerate(chunk):
            t = tracks.get(track_id)
            if t is None:
                continue  # removed by another process meanwhile
            row = {f: t.get(f) for f in LIST_FIELDS}
            if distances is not None:
                row["distance"] = float(distances[start + j])
            yield row


def m3u_playlist(tracks: Sequence[dict]) -> tuple[str, int]:
    """An extended M3U playlist of the tracks that have a file.

    ``#EXTM3U``, then per track ``#EXTINF:-1,Artist - Title`` (``-1``: length unknown;
    the title alone without an artist, the file name without either) and its absolute
    path. Catalogue rows (no file) are left out.

    Returns
    -------
    text : str
        May hold the surrogates of non-UTF-8 file names; write it with
        ``errors="surrogateescape"`` to keep those names byte for byte.
    n_left_out : int
        Tracks without a file, or whose path holds a line break (M3U is one path
        per line).
    """
    lines, left_out = ["#EXTM3U"], 0
    for t in tracks:
        path = t.get("path")
        if not path:
            left_out += 1
            continue
        who = " - ".join(x for x in (t.get("artist"), t.get("title")) if x)
        # One line each: whitespace in tags (a newline would start a bogus entry)
        # collapses to spaces; a path with a line break cannot be written in M3U.
        who = " ".join((who or os.path.splitext(os.path.basename(path))[0]).split())
        if "\n" in str(path) or "\r" in str(path):
            left_out += 1
            continue
        lines += [f"#EXTINF:-1,{who}", str(path)]
    return "\n".join(lines) + "\n", left_out


def write_playlist(path, tracks: Iterable[dict]) -> tuple[int, int]:
    """Write tracks as an extended M3U playlist (:func:`m3u_playlist`), atomically.

    Each file is listed once, at its first occurrence (the songs of several photos
    overlap); names that are not UTF-8 are written byte for byte.

    Returns
    -------
    n_written : int
        Tracks in the playlist.
    n_left_out : int
        Tracks without a file (catalogue songs) or whose path holds a line break.
    """
    from .writing import atomic_write_bytes

    seen, unique = set(), []
    for t in tracks:
        key = t.get("path") or ("id", t.get("id"))
        if key not in seen:
            seen.add(key)
            unique.append(t)
    text, left_out = m3u_playlist(unique)
    atomic_write_bytes(path, text.encode("utf-8", "surrogateescape"))
    return len(unique) - left_out, left_out
