"""Files from anywhere: what the package reads as data is a regular file of bounded size.

Models, model cards, label maps, dataset tables and libraries may come from anyone. Before
any of them is read, :func:`check_regular_file` (or :func:`read_bytes`, which checks the
*opened* file, so a path swapped for a FIFO between the check and the read is caught too)
makes sure that it

- exists and is a regular file (after following symbolic links): a FIFO would block the
  reader forever, a device such as ``/dev/zero`` would be read until memory runs out, a
  folder or a socket cannot be read at all;
- is no larger than a declared limit (:data:`LIMITS`), so memory is bounded by the limit,
  not by the file.

Each refusal is one line naming the file and the reason, raised as the caller's error
class (e.g. :class:`~affect_features.errors.ModelError`).
"""

from __future__ import annotations

import os
import stat

from .errors import AffectError

__all__ = ["LIMITS", "FileRefused", "file_kind", "check_regular_file", "read_bytes",
           "read_text"]

_MiB = 1 << 20
#: Largest file accepted for each kind of data, in bytes. Far above what the package
#: writes (a shipped model's weights are 0.4 MB, its card 9 kB; a label map a few kB;
#: the largest shared dataset table, 4Q's metadata, 0.1 MB), so they only stop files that
#: are not what they claim to be.
LIMITS: dict[str, int] = {
    "model weights": 256 * _MiB,
    "model card": 16 * _MiB,
    "label map": 16 * _MiB,
    "dataset table": 512 * _MiB,
}


class FileRefused(AffectError):
    """A file that cannot be read as data: :attr:`path` and :attr:`reason` (the message
    is ``"path: reason"``, one line)."""

    def __init__(self, path: str, reason: str):
        self.path, self.reason = str(path), str(reason)
        super().__init__(f"{self.path}: {self.reason}")


def _refused(error, path: str, reason: str) -> Exception:
    """The exception for a refused file: `error` called with ``"path: reason"``, or a
    :class:`FileRefused` when `error` is None."""
    if error is None:
        return FileRefused(path, reason)
    return error(f"{path}: {reason}")


def file_kind(mode: int) -> str:
    """What a ``st_mode`` describes, in words: ``"regular file"``, ``"folder"``,
    ``"FIFO"``, ``"socket"``, ``"character device"``, ``"block device"``."""
    for test, word in ((stat.S_ISREG, "regular file"), (stat.S_ISDIR, "folder"),
                       (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")):
        if test(mode):
            return word
    return "special file"


def _size_text(n: int) -> str:
    return f"{n / _MiB:.1f} MiB" if n >= _MiB else f"{n} bytes"


def _checked(path: str, st: os.stat_result, what: str, max_bytes: int | None, error):
    if not stat.S_ISREG(st.st_mode):
        raise _refused(error, path,
                       f"{what} is a {file_kind(st.st_mode)}, not a regular file")
    if max_bytes is not None and st.st_size > max_bytes:
        raise _refused(error, path, f"{what} is {_size_text(st.st_size)}, more than "
                       f"the {_size_text(max_bytes)} accepted")
    return st


def check_regular_file(path, what: str, max_bytes: int | None = None, *,
                       error=None) -> os.stat_result:
    """Check, without opening it, that `path` is a regular file of at most `max_bytes`.

    Parameters
    ----------
    path : str or path-like
        Symbolic links are followed (a link to a regular file is accepted).
    what : str
        What the file should be, for the message (``"model card"``).
    max_bytes : int, optional
        Size limit (None: no limit).
    error : callable, optional
        Exception class raised with the one-line message ``"PATH: reason"``
        (default: :class:`FileRefused`, which also has the path and the reason).

    Returns
    -------
    os.stat_result

    Examples
    --------
    >>> check_regular_file("/", "model card")
    Traceback (most recent call last):
    ...
    affect_features.files.FileRefused: /: model card is a folder, not a regular file
    """
    p = os.fsdecode(os.fspath(path))
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise _refused(error, p, f"cannot read {what} (no such file)") from None
    except OSError as exc:
        raise _refused(error, p, f"cannot read {what} ({exc.strerror or exc})") from None
    return _checked(p, st, what, max_bytes, error)


def read_bytes(path, what: str, max_bytes: int | None, *, error=None) -> bytes:
    """The content of a regular file of at most `max_bytes`, checked on the open file.

    The file is opened non-blocking (opening a FIFO then returns at once instead of
    waiting for a writer), checked with ``fstat`` (:func:`check_regular_file`'s rules),
    and read up to ``max_bytes + 1`` bytes, so a file that grows while it is read is
    refused too. Memory is bounded by `max_bytes`.

    Raises
    ------
    error
        Missing, unreadable, not a regular file, or larger than `max_bytes`.
    """
    p = os.fsdecode(os.fspath(path))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) \
        | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(p, flags)
    except FileNotFoundError:
        raise _refused(error, p, f"cannot read {what} (no such file)") from None
    except IsADirectoryError:
        raise _refused(error, p, f"{what} is a folder, not a regular file") from None
    except OSError as exc:
        raise _refused(error, p, f"cannot read {what} ({exc.strerror or exc})") from None
    try:
        _checked(p, os.fstat(fd), what, max_bytes, error)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        chunks, n, cap = [], 0, (max_bytes + 1 if max_bytes is not None else None)
        while cap is None or n < cap:
            chunk = os.read(fd, 1 << 20 if cap is None else min(1 << 20, cap - n))
            if not chunk:
                break
            chunks.append(chunk)
            n += len(chunk)
        if max_bytes is not None and n > max_bytes:
            raise _refused(error, p, f"{what} grew beyond the {_size_text(max_bytes)} "
                           f"accepted while it was read")
        return b"".join(chunks)
    except OSError as exc:
        raise _refused(error, p, f"cannot read {what} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def read_text(path, what: str, max_bytes: int | None, *, error=None,
              encoding: str = "utf-8-sig", fallback: str | None = None) -> str:
    """:func:`read_bytes` decoded as text (`fallback` encoding if `encoding` fails;
    without one, undecodable text is an `error`). Newlines are kept as they are."""
    data = read_bytes(path, what, max_bytes, error=error)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        if fallback is None:
            raise _refused(error, os.fsdecode(os.fspath(path)),
                           f"{what} is not {encoding.upper().replace('-SIG', '')} text") from None
        return data.decode(fallback)
