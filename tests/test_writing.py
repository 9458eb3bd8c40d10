"""affect_features.writing: files replaced only whole, never a device, the umask kept."""

import os

import pytest

from affect_features.errors import AffectError
from affect_features.writing import atomic_write_bytes, atomic_write_text


def test_atomic_write_goes_through_links_and_refuses_special_files(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    os.symlink(target, link)
    atomic_write_text(link, "new")
    assert os.path.islink(link) and target.read_text() == "new"
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(AffectError, match="FIFO, not a regular file"):
        atomic_write_text(fifo, "x")
    assert os.path.exists(fifo) and not os.path.isfile(fifo)


def _umask() -> int:
    """This process's umask, read without setting it (Linux: /proc/self/status)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    pytest.skip("no Umask line in /proc/self/status")


def test_atomic_write_creates_files_with_the_umask_and_never_sets_it(tmp_path, monkeypatch):
    """A new file (and a replaced one) gets 0o666 minus the umask, as any new file of the
    user, and the writer never calls os.umask (setting it, even for a moment, races
    with every other thread of the process)."""
    import stat

    def forbidden(mask):
        raise AssertionError("os.umask called")

    mask = _umask()
    monkeypatch.setattr(os, "umask", forbidden)
    target = tmp_path / "out.json"
    atomic_write_bytes(target, b"one")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o666 & ~mask
    os.chmod(target, 0o600)
    atomic_write_bytes(target, b"two")  # a new file replaces the old one
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o666 & ~mask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temporary left


def test_atomic_write_makes_folders_only_when_asked(tmp_path):
    """The package's own files get their folder; a user's output (a picture) does not:
    a missing folder is a one-line error naming the file, and nothing is created."""
    atomic_write_bytes(tmp_path / "a" / "b" / "model.json", b"{}")
    assert (tmp_path / "a" / "b" / "model.json").read_bytes() == b"{}"
    with pytest.raises(AffectError, match=r"^.*nowhere.*out\.png: output folder does not "):
        atomic_write_bytes(tmp_path / "nowhere" / "out.png", b"x", make_folders=False)
    assert not (tmp_path / "nowhere").exists()
