"""Paths as the library stores them: absolute text, non-UTF-8 names kept exactly.

Paths are stored as absolute text. File names that are not valid UTF-8 (possible on
POSIX, where a name is bytes) are kept exactly: Python decodes them with
``surrogateescape``, and such a name is stored as ``fsbytes:`` followed by its
percent-encoded bytes (:func:`encode_path`, :func:`decode_path`); no absolute path starts
with ``fsbytes:``, so the two forms cannot collide.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

__all__ = ["default_library_path", "encode_path", "decode_path"]

_ESCAPED_PREFIX = "fsbytes:"
# Characters left readable in an escaped non-UTF-8 path (besides letters, digits, _.-~).
_ESCAPE_SAFE = "/ !#$&'()+,;=@[]^`{}"


def default_library_path() -> Path:
    """Where the library lives unless told otherwise.

    Returns
    -------
    path : pathlib.Path
        ``$AFFECT_LIBRARY`` if set, else ``library.sqlite`` in the per-user data folder
        of ``affect-features`` (:func:`platformdirs.user_data_dir`, e.g.
        ``~/.local/share/affect-features/library.sqlite`` on Linux).
    """
    env = os.environ.get("AFFECT_LIBRARY")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("affect-features")) / "library.sqlite"


def _normalise_path(path) -> str:
    """Absolute, normalised str form of a path (non-UTF-8 bytes kept as surrogates)."""
    return os.path.abspath(os.fsdecode(path))


def encode_path(path) -> str:
    """Text stored for a path: the path itself, or an escape of a non-UTF-8 name.

    Parameters
    ----------
    path : str, bytes or os.PathLike
        An absolute path.

    Returns
    -------
    text : str
        Valid UTF-8 text; :func:`decode_path` gives back the same path.

    Examples
    --------
    >>> encode_path("/music/café.mp3")
    '/music/café.mp3'
    >>> encode_path(b"/music/caf\\xe9.mp3")  # Latin-1 name on a UTF-8 system
    'fsbytes:/music/caf%E9.mp3'
    """
    text = os.fsdecode(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: undecodable bytes of the name
        return _ESCAPED_PREFIX + urllib.parse.quote_from_bytes(
            os.fsencode(text), safe=_ESCAPE_SAFE)
    return text


def decode_path(text: str) -> str:
    """Inverse of :func:`encode_path`: the path as Python's ``os`` functions take it."""
    if text.startswith(_ESCAPED_PREFIX):
        return os.fsdecode(urllib.parse.unquote_to_bytes(text[len(_ESCAPED_PREFIX):]))
    return text


def _as_path_list(paths) -> list:
    """One path, or a sequence of paths, as a list."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        return [paths]
    return list(paths)


def _under(path: str, roots: Sequence[str]) -> bool:
    """Whether `path` is one of `roots` or lies below one (whole path components)."""
    for root in roots:
        if path == root:
            return True
        prefix = root if root.endswith(os.sep) else root + os.sep
        if path.startswith(prefix):
            return True
    return False


def _printable(text: str) -> str:
    """`text` with control characters (and lone surrogates) shown as escapes, so that a
    name or tag read from a file cannot move the cursor or recolour a terminal."""
    from ..batch import printable_path

    return printable_path(str(text))
