"""Which files are media, and the one walker that collects them from folders.

One table of file-name extensions and one folder walker, shared by extraction
(``affect extract-image``, ``extract-audio``, ``predict``, ``match``), indexing
(``affect index``, :func:`affect_features.library.scan`) and the data-set loaders, so
that every command collects the same files from the same folder.

The rules of :func:`walk`:

- Files named explicitly are always kept, whatever their suffix: a wrong suffix then
  gets a clear decoding error rather than silence.
- Folders are searched recursively for the files whose suffix (case-insensitive) is in
  `extensions`. Names starting with ``.`` are skipped there, files and folders alike:
  the ``._song.mp3`` resource forks macOS leaves on shared drives are not media, nor is
  anything in ``.git`` or ``.Trash``.
- Symbolic links to folders are followed; each real folder is visited once (by device
  and inode), so link loops end, by the first route in sorted walk order.
- One file is listed once, whatever names reach it (relative and absolute, through a
  link); the name kept is the first given, except that the file's own name replaces a
  link's. Hard links stay separate files.
- Paths are returned absolute and normalised, in the order of the arguments, each
  folder's files sorted.
- A path that does not exist, and a path named explicitly that is not a regular file
  (a FIFO, a device), is recorded in `failures` if given, else raises
  :class:`ParameterError`. Inside folders such entries (and broken links) are recorded
  in `failures` if given, else skipped.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from .errors import ParameterError
from .files import file_kind

__all__ = ["IMAGE_EXTENSIONS", "AUDIO_EXTENSIONS", "VIDEO_EXTENSIONS", "EXTENSIONS",
           "media_kind", "walk"]

#: Still images the image decoder reads (OpenCV, with Pillow for GIF and WebP).
IMAGE_EXTENSIONS = frozenset({
    ".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".ppm",
    ".pgm", ".pbm", ".pnm",
})

#: Audio files the audio decoder (FFmpeg through PyAV) reads, collected from music
#: folders. Video containers are not in this set: a music folder's videos are not songs.
AUDIO_EXTENSIONS = frozenset({
    ".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".aif",
    ".aiff", ".aifc", ".wma", ".wv", ".ape", ".mka", ".caf", ".au",
})

#: Video containers whose audio stream the decoder reads: collected only where a data
#: set says its clips come so (AudioSet clips are often kept as ``.mp4`` or ``.webm``).
VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".webm", ".mkv", ".mov"})

#: The registry: kind of media -> its extensions.
EXTENSIONS = {"image": IMAGE_EXTENSIONS, "audio": AUDIO_EXTENSIONS,
              "video": VIDEO_EXTENSIONS}


def media_kind(path) -> str | None:
    """The kind of media a file name says it holds.

    Parameters
    ----------
    path : str, bytes or os.PathLike

    Returns
    -------
    kind : {"image", "audio", "video"} or None
        By the name's suffix, case-insensitive; None for any other suffix.

    Examples
    --------
    >>> media_kind("holiday/beach.JPG"), media_kind("song.flac"), media_kind("notes.txt")
    ('image', 'audio', None)
    """
    ext = os.path.splitext(os.fsdecode(path))[1].lower()
    for kind, exts in EXTENSIONS.items():
        if ext in exts:
            return kind
    return None


def walk(paths, extensions: Iterable[str] | None = None, *, failures: list | None = None,
         follow_symlinks: bool = True, include_hidden: bool = False,
         recursive: bool = True) -> list[str]:
    """Expand files and folders into a de-duplicated list of files (module docstring).

    Parameters
    ----------
    paths : path or iterable of paths
        Files and folders (str, bytes or os.PathLike).
    extensions : iterable of str, optional
        Suffixes collected from folders, with or without the dot, case-insensitive.
        None collects every file.
    failures : list, optional
        Receives a :class:`affect_features.batch.Failure` for each path that does not
        exist or is not a regular file; without it such a path named explicitly raises.
    follow_symlinks : bool, default True
        Descend into symbolic links to folders (each real folder once).
    include_hidden : bool, default False
        Also collect names starting with ``.`` inside folders.
    recursive : bool, default True
        Search folders' subfolders too; False takes only the files directly inside.

    Returns
    -------
    files : list of str
        Absolute paths.

    Raises
    ------
    ParameterError
        For a missing or non-regular path named explicitly, when `failures` is None.
    """
    exts = None if extensions is None else {
        e.lower() if e.startswith(".") else "." + e.lower() for e in extensions}
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    order: list[str] = []          # real path of each file, in listing order
    names: dict[str, str] = {}     # real path -> the name listed
    seen_dirs: set = set()

    def fail(path: str, reason: str, explicit: bool) -> None:
        from .batch import Failure  # here: batch imports this module

        failure = Failure(path, reason)
        if failures is not None:
            failures.append(failure)
        elif explicit:
            raise ParameterError(str(failure))  # one line, the name made printable

    def add(path: str, explicit: bool, shown: str) -> None:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            fail(shown, "broken symbolic link" if os.path.islink(path)
                 else "no such file or directory", explicit)
            return
        if not stat.S_ISREG(mode):
            fail(shown, f"is a {file_kind(mode)}, not a regular file", explicit)
            return
        key = os.path.realpath(path)
        if key not in names:
            order.append(key)
            names[key] = path
        elif os.path.islink(names[key]) and not os.path.islink(path):
            names[key] = path  # the file's own name wins over a link's

    def search(root: str) -> None:
        found = []
        for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_symlinks):
            try:
                st = os.stat(dirpath)
            except OSError:
                dirnames[:] = []
                continue
            # Some network and FUSE file systems report inode 0 for everything.
            key = (st.st_dev, st.st_ino) if st.st_ino else os.path.realpath(dirpath)
            if key in seen_dirs:  # a link loop, or a folder reached twice
                dirnames[:] = []
                continue
            seen_dirs.add(key)
            dirnames[:] = sorted(d for d in dirnames if recursive
                                 and (include_hidden or not d.startswith(".")))
            for name in sorted(filenames):
                if not include_hidden and name.startswith("."):
                    continue
                if exts is None or os.path.splitext(name)[1].lower() in exts:
                    found.append(os.path.join(dirpath, name))
        # Sorted as whole paths ("a/1.jpg" before "b.jpg"), not in walk order.
        for full in sorted(found):
            add(full, explicit=False, shown=full)

    for raw in paths:
        given = os.fsdecode(os.fspath(raw))  # failures name a path as the user gave it
        p = os.path.abspath(given)
        if os.path.isdir(p):
            search(p)
        elif os.path.lexists(p):
            add(p, explicit=True, shown=given)
        else:
            fail(given, "no such file or directory", explicit=True)
    return [names[k] for k in order]
