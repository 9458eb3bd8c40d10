"""The files of a music folder: which ones, what identifies their content, their tags.

Step 1 of indexing (:func:`scan`) and what is recorded of each file before it is
analysed (:func:`file_fingerprint`, :func:`display_tags`).

File identity
-------------
A file is unchanged when its size and ``mtime_ns`` are the stored ones. When they differ
but the size and the *content fingerprint* match, only the stored mtime is updated (a file
copied back from a backup, a ``touch``). The fingerprint (:func:`content_hash`) is BLAKE2b
of the size, the first MiB and the last MiB: a fast fingerprint that reads at most 2 MiB
per file, *not* a hash of the whole content; an edit confined to the middle of a large
file that keeps its size and mtime-independent ends would go unnoticed, and is accepted.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from ..media import AUDIO_EXTENSIONS, walk

__all__ = ["Fingerprint", "content_hash", "file_fingerprint", "scan", "display_tags"]

#: Bytes read from each end of a file for its fingerprint.
HASH_CHUNK = 1 << 20
# The tags a track shows, in the order they are stored.
_DISPLAY_TAGS = ("title", "artist", "album")


class Fingerprint(NamedTuple):
    """What identifies a file's content cheaply: size, mtime and a fast hash."""

    size: int
    mtime_ns: int
    content_hash: str


def _hash_open_file(f, size: int) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(size.to_bytes(8, "little"))
    h.update(f.read(HASH_CHUNK))
    if size > HASH_CHUNK:
        # The last MiB, or what follows the first MiB of a file under 2 MiB.
        f.seek(max(HASH_CHUNK, size - HASH_CHUNK))
        h.update(f.read(HASH_CHUNK))
    return h.hexdigest()


def content_hash(path) -> str:
    """Fast content fingerprint of a file: BLAKE2b-128 of size, first and last MiB.

    It reads at most 2 MiB whatever the file size, so it is cheap next to decoding;
    it is not a hash of the whole content (see the module notes).

    Returns
    -------
    hex : str
        32 hexadecimal digits.
    """
    with open(path, "rb") as f:
        return _hash_open_file(f, os.fstat(f.fileno()).st_size)


def file_fingerprint(path) -> Fingerprint:
    """Size, ``mtime_ns`` and :func:`content_hash` of a file, from one open."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        return Fingerprint(st.st_size, st.st_mtime_ns, _hash_open_file(f, st.st_size))


def _same_hash(path: str, stored: str) -> bool:
    """Whether a file's :func:`content_hash` is `stored` (False if it cannot be read)."""
    try:
        return content_hash(path) == stored
    except OSError:
        return False


def scan(folders, *, extensions: Iterable[str] | None = None,
         follow_symlinks: bool = True, include_hidden: bool = False) -> list[str]:
    """List the audio files under folders, recursively.

    The files :func:`affect_features.media.walk` collects (its rules: hidden names and
    macOS ``._x`` files skipped in folders, each real folder visited once so that link
    loops end, one name per real file), sorted.

    Parameters
    ----------
    folders : path or sequence of paths
        Folders to search, or files. A file named explicitly is kept whatever its suffix
        (a wrong suffix then gets a clear decoding error rather than silence).
    extensions : iterable of str
        Suffixes to collect from folders, case-insensitive (default:
        :data:`affect_features.media.AUDIO_EXTENSIONS`, so that ``affect index`` and
        ``affect extract-audio`` collect the same files).
    follow_symlinks : bool
        Descend into symbolic links to folders. Each real folder is visited once
        (tracked by device and inode), so link loops end, by the first route in sorted
        walk order; a file reached by several names is listed once, by its own name
        rather than a link's.
    include_hidden : bool
        Also collect names starting with ``.`` (by default skipped: e.g. the ``._song.mp3``
        resource forks macOS leaves on shared drives are not audio).

    Returns
    -------
    paths : list of str
        Absolute paths, sorted, without duplicates.

    Raises
    ------
    ParameterError
        If a path given does not exist, or names something else than a regular file
        or a folder.
    """
    return sorted(walk(folders, AUDIO_EXTENSIONS if extensions is None else extensions,
                       follow_symlinks=follow_symlinks, include_hidden=include_hidden))


def display_tags(tags: Mapping) -> dict[str, str]:
    """The tags a track shows: title, artist and album, those present and non-empty.

    Parameters
    ----------
    tags : mapping
        What a tag reader returns, e.g.
        :func:`affect_features.audio.decode.read_tags` (other keys are ignored).

    Returns
    -------
    tags : dict of str to str
        Each value as text with its whitespace collapsed to single spaces.

    Examples
    --------
    >>> display_tags({"title": "  Blue\\n in  Green ", "artist": None, "genre": "jazz"})
    {'title': 'Blue in Green'}
    """
    out = {}
    for key in _DISPLAY_TAGS:
        value = " ".join(str(tags.get(key) or "").split())
        if value:
            out[key] = value
    return out


def _decoder_tags(path) -> dict:
    """:func:`affect_features.audio.decode.read_tags`, imported at the first call: the
    audio wing takes a quarter of a second to import, and queries of a library need
    none of it."""
    from ..audio.decode import read_tags

    return read_tags(path)
