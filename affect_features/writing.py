"""Writing a user's files: never half-written, never destroying what was there.

The one place where the package creates files: :func:`atomic_write_bytes` (models,
caches, label maps, playlists, reports) and the pieces the resumable table writer
(:class:`affect_features.output.TableWriter`) builds on.

- A file is replaced only by a complete new one: written to a temporary file in the
  same folder, flushed, then renamed over it (``os.replace`` is atomic on POSIX), so a
  reader sees the old file or the new one.
- An output that exists and is a device, FIFO, socket or folder is refused before any
  work (:func:`output_target`): run as root, ``-o /dev/full`` never replaces a device
  by a file. A symbolic link is written through to its target and stays a link.
- A second writer of the same output fails at once (``TARGET.lock``, :func:`_lock_output`).
- Files are created with mode ``0o666``, from which the kernel takes the process's
  umask: the umask is never read by setting it (which would race with other threads).
"""

from __future__ import annotations

import os

from .errors import AffectError

__all__ = ["output_target", "atomic_write_bytes", "atomic_write_text"]


def output_target(path) -> str:
    """The file an output path names, checked before any work: a symbolic link's
    target (so the link is written through and stays a link), or `path` itself.

    Raises
    ------
    AffectError
        If the path exists and is not a regular file (a device, FIFO, socket or
        folder; following links): it is refused rather than replaced, so that, say,
        ``-o /dev/full`` run as root never replaces the system's device by a file.
    """
    import stat

    from .files import file_kind

    p = os.fspath(path)
    target = os.path.realpath(p) if os.path.islink(p) else p
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise AffectError(f"{p}: cannot write ({exc.strerror or exc})") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise AffectError(f"{p}: output exists and is a {file_kind(st.st_mode)}, not a "
                          f"regular file; refused (choose a file name)")
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise AffectError(f"{p}: output folder does not exist")
    return target


def _lock_output(target: str, shown: str) -> int | None:
    """Hold ``TARGET.lock`` (``flock``, exclusive, not waiting) while writing `target`.

    A second writer of the same output fails at once with a one-line error instead of
    interleaving its rows with ours. The lock is the kernel's: a killed writer's lock
    goes with it. The lock file is removed by its holder; a file removed between our
    open and our lock is detected (another inode by that name) and the lock retried.
    Returns the file descriptor, or None where ``fcntl`` does not exist.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    lock = target + ".lock"
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | \
        getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        try:
            fd = os.open(lock, flags, 0o666)
        except OSError as exc:
            raise AffectError(f"{shown}: cannot write its lock {lock} "
                              f"({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise AffectError(f"{shown}: another run is writing this output (it holds "
                              f"{lock}); wait for it to finish or choose another "
                              f"output") from None
        try:
            same = os.stat(lock, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
        except OSError:
            same = False
        if same:
            return fd
        os.close(fd)


def _clear_non_regular(path: str, shown: str) -> None:
    """Remove `path` (one of our working files) if it is a link or a special file."""
    import stat

    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise AffectError(f"{shown}: cannot write ({exc.strerror or exc})") from None
    if stat.S_ISREG(st.st_mode):
        return
    try:
        os.unlink(path)
    except OSError as exc:
        raise AffectError(f"{shown}: cannot replace {path} ({exc.strerror or exc})") \
            from None


def _create_new(path: str):
    """A new regular file at `path`, opened for binary writing: an existing entry by
    that name (a stale temporary file, a link, a device) is removed first, and the file
    is created exclusively, never following a link."""
    _unlink_quietly(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_CLOEXEC", 0), 0o666)
    return os.fdopen(fd, "wb")


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        raise
    except OSError:
        pass


def _create_temporary(folder: str) -> tuple[int, str]:
    """A new, uniquely named hidden file in `folder`, opened for writing: ``(fd, path)``.

    Created with mode ``0o666``, from which the kernel takes the process's umask, so
    the result is an ordinary file with the permissions any new file of the user gets
    (``tempfile.mkstemp`` would create ``0o600``, and reading the umask to correct that
    means setting it: a change of process-wide state that races with other threads).
    Exclusive creation, never through a link, as ``mkstemp``.
    """
    import secrets

    flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_CLOEXEC", 0))
    for _ in range(100):
        tmp = os.path.join(folder, f".{secrets.token_hex(8)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise OSError(f"no unused temporary file name in {folder}")


def atomic_write_bytes(path, data: bytes, *, error=AffectError,
                       make_folders: bool = True) -> None:
    """Write `data` to `path` via a temporary file in the same folder and ``os.replace``.

    The one atomic writer for the package's files (models, caches, reports, pictures):
    a reader sees the old file or the new one, never half of one. Failures raise
    `error` with a one-line message naming the file; the temporary file is removed. As
    for tables (:func:`output_target`), a symbolic link is written through to its
    target and a path that exists as something else than a regular file is refused.
    Missing folders are created, unless `make_folders` is False (then a missing folder
    is an error, as for a command's ``-o``).
    """
    path = os.fspath(path)
    if make_folders:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        except OSError as exc:
            raise error(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        target = output_target(path)
    except AffectError as exc:
        raise error(str(exc)) from None
    folder = os.path.dirname(os.path.abspath(target))
    try:
        fd, tmp = _create_temporary(folder)
    except OSError as exc:
        raise error(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise error(f"{path}: cannot write ({exc.strerror or exc})") from None
        raise


def atomic_write_text(path, text: str) -> None:
    """Write a text file atomically (UTF-8); see :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"))
