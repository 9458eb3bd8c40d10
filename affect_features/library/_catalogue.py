"""Catalogues: songs known by their points alone, and the library that answers a match.

A catalogue is a CSV of songs with an id, artist, title, quadrant and point (no audio
files); :func:`load_catalogue` reads one into an in-memory
:class:`~affect_features.library.MusicLibrary` with the same query API as a library
file. :func:`matching_library` chooses what ``affect match`` matches against: the
user's own library if there is one, else the shipped catalogue of the 4Q data set.
"""

from __future__ import annotations

import csv
import math
import os
from importlib import resources

from ..errors import LibraryError
from ._library import MusicLibrary
from ._paths import default_library_path

__all__ = ["load_catalogue", "default_catalogue", "matching_library",
           "library_description", "CATALOGUE_TAXONOMY"]

#: Taxonomy of the labels of catalogue rows (4Q quadrants are Russell quadrants).
CATALOGUE_TAXONOMY = "russell"

_CATALOGUE_COLUMNS = ("song_id", "artist", "title", "quadrant", "valence", "arousal",
                      "dominance")


def load_catalogue(csv_path) -> MusicLibrary:
    """Load a catalogue CSV into an in-memory library.

    Parameters
    ----------
    csv_path : str or os.PathLike
        UTF-8 CSV with a header and the columns ``song_id, artist, title, quadrant,
        valence, arousal, dominance`` (others are ignored, except optional ``album`` and
        ``model_version``, which are kept). ``song_id`` becomes the track's
        ``source_id``, ``quadrant`` its ``label`` (taxonomy ``"russell"``).

    Returns
    -------
    library : MusicLibrary
        In memory (``":memory:"``), with the same query API as a library file.

    Raises
    ------
    LibraryError
        If the file cannot be read, a column is missing, a point is not 3 finite
        numbers or a song id repeats; the message names the line.
    """
    name = os.fspath(csv_path)
    try:
        with open(name, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in (reader.fieldnames or [])]
            reader.fieldnames = header
            missing = [c for c in _CATALOGUE_COLUMNS if c not in header]
            if missing:
                raise LibraryError(
                    f"{name}: catalogue lacks column(s) {', '.join(missing)}")
            rows, seen, model_versions = [], set(), set()
            for rec in reader:
                line = reader.line_num
                song = (rec.get("song_id") or "").strip()
                if not song:
                    raise LibraryError(f"{name}, line {line}: empty song_id")
                if song in seen:
                    raise LibraryError(f"{name}, line {line}: song_id {song} repeats")
                seen.add(song)
                try:
                    point = [float(rec[c]) for c in ("valence", "arousal", "dominance")]
                except (TypeError, ValueError):
                    raise LibraryError(f"{name}, line {line}: valence, arousal and "
                                       "dominance must be numbers") from None
                if not all(math.isfinite(v) for v in point):
                    raise LibraryError(f"{name}, line {line}: point is not finite")
                mv = (rec.get("model_version") or "").strip() or None
                model_versions.add(mv)
                rows.append({
                    "source_id": song, "artist": (rec["artist"] or "").strip() or None,
                    "title": (rec["title"] or "").strip() or None,
                    "album": (rec.get("album") or "").strip() or None,
                    "label": (rec["quadrant"] or "").strip() or None,
                    "taxonomy": CATALOGUE_TAXONOMY,
                    "valence": point[0], "arousal": point[1], "dominance": point[2],
                    "model_version": mv,
                })
    except OSError as exc:
        raise LibraryError(
            f"{name}: cannot read catalogue ({exc.strerror or exc})") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise LibraryError(f"{name}: malformed catalogue CSV ({exc})") from None
    lib = MusicLibrary(":memory:")
    lib.upsert_many(rows, batch_size=max(1, len(rows)))
    meta = {"catalogue": os.path.basename(name)}
    if len(model_versions) == 1 and None not in model_versions:
        meta["model_version"] = next(iter(model_versions))
    lib.set_metadata(**meta)
    return lib


def default_catalogue() -> MusicLibrary:
    """The catalogue shipped with the package: the 724 songs of the 4Q data set.

    Loaded from ``affect_features/data/catalogue_4q.csv`` (see :func:`load_catalogue`).

    Raises
    ------
    LibraryError
        If the file is missing from the installation.
    """
    ref = resources.files("affect_features").joinpath("data", "catalogue_4q.csv")
    if not ref.is_file():
        raise LibraryError("the default catalogue (affect_features/data/catalogue_4q.csv) "
                           "is missing from this installation; reinstall affect-features "
                           "or give a catalogue CSV")
    with resources.as_file(ref) as path:
        return load_catalogue(path)


def matching_library(path=None, *, catalogue: bool = False) -> MusicLibrary:
    """The library that answers ``affect match``: the user's own music first.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A library file (it must exist). Default: :func:`default_library_path`
        (``$AFFECT_LIBRARY`` or the per-user file ``affect index`` writes) if that file
        exists, else the shipped catalogue.
    catalogue : bool
        The shipped catalogue (:func:`default_catalogue`) whatever libraries exist.

    Returns
    -------
    library : MusicLibrary
        Opened read-only when it is a file; :func:`library_description` says which.

    Raises
    ------
    LibraryError
        `path` does not exist or is not a library, or the library has no song with a
        point (the message says how to add some).
    """
    if catalogue:
        return default_catalogue()
    if path is None:
        path = default_library_path()
        if not os.path.exists(path):
            return default_catalogue()
    path = os.fspath(path)
    if not os.path.exists(path):
        raise LibraryError(f"{path}: no such music library (build one with "
                           f"`affect index FOLDER --library {path}`)")
    lib = MusicLibrary(path, create=False, readonly=True)
    if len(lib.points()[0]) == 0:
        n = len(lib)
        lib.close()
        why = (f"its {n} track(s) all failed to analyse (`affect library list --failed` "
               f"says why)" if n else "it is empty")
        raise LibraryError(f"{path}: no songs to match: {why}; add music with "
                           f"`affect index FOLDER --library {path}`")
    return lib


def library_description(lib: MusicLibrary) -> str:
    """One line naming a library for people: its file, or the shipped catalogue."""
    n = len(lib.points()[0])
    name = lib.metadata.get("catalogue")
    if lib.path == ":memory:" and name:
        return f"the shipped catalogue {name} ({n} songs, no audio files)"
    return f"{lib.path} ({n} songs)"
