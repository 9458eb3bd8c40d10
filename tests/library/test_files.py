"""Which files a music folder holds, and their fingerprints
(:mod:`affect_features.library._files`)."""

import os

import pytest

from affect_features.errors import ParameterError
from affect_features.library import content_hash, display_tags, scan

from .helpers import write


# -- scanning ----------------------------------------------------------------------------

def test_scan_recursive_sorted_filtered(tmp_path):
    for rel in ["b/2.mp3", "a/1.FLAC", "a/notes.txt", "a/deep/er/3.ogg", ".hidden/4.mp3",
                "a/._5.mp3"]:
        write(tmp_path / rel)
    found = [os.path.relpath(p, tmp_path) for p in scan(tmp_path)]
    assert found == ["a/1.FLAC", "a/deep/er/3.ogg", "b/2.mp3"]
    # A file named explicitly is kept whatever its suffix; duplicates collapse.
    explicit = scan([tmp_path / "a" / "notes.txt", tmp_path / "b",
                     tmp_path / "b" / "2.mp3"])
    assert [os.path.relpath(p, tmp_path) for p in explicit] == ["a/notes.txt", "b/2.mp3"]
    assert len(scan(tmp_path, include_hidden=True)) == 5
    with pytest.raises(ParameterError, match="no such file"):
        scan(tmp_path / "missing")


def test_scan_survives_symlink_loops(tmp_path):
    write(tmp_path / "music" / "a" / "1.mp3")
    write(tmp_path / "elsewhere" / "2.mp3")
    try:
        os.symlink(tmp_path / "music", tmp_path / "music" / "a" / "loop")
        os.symlink(tmp_path / "elsewhere", tmp_path / "music" / "linked")
        os.symlink(tmp_path / "music" / "a" / "1.mp3", tmp_path / "music" / "alias.mp3")
    except (OSError, NotImplementedError):
        pytest.skip("symbolic links not supported here")
    found = [os.path.relpath(p, tmp_path) for p in scan(tmp_path / "music")]
    # The loop ends, the linked folder is followed, the linked file is listed once.
    assert found == ["music/a/1.mp3", "music/linked/2.mp3"]
    found = [os.path.relpath(p, tmp_path) for p in scan(tmp_path / "music",
                                                         follow_symlinks=False)]
    assert found == ["music/a/1.mp3"]


def test_fingerprint_reads_both_ends(tmp_path):
    big = bytearray(os.urandom(3 * 2**20))
    p = write(tmp_path / "big.mp3", bytes(big))
    h = content_hash(p)
    big[10] ^= 1  # first MiB
    assert content_hash(write(tmp_path / "big.mp3", bytes(big))) != h
    big[10] ^= 1
    big[-10] ^= 1  # last MiB
    assert content_hash(write(tmp_path / "big.mp3", bytes(big))) != h
    big[-10] ^= 1
    assert content_hash(write(tmp_path / "big.mp3", bytes(big))) == h
    # Documented blind spot: the middle of a file over 2 MiB is not read.
    big[len(big) // 2] ^= 1
    assert content_hash(write(tmp_path / "big.mp3", bytes(big))) == h
    assert content_hash(write(tmp_path / "s.mp3", b"ab")) != content_hash(
        write(tmp_path / "t.mp3", b"ab\0"))


def test_scan_collects_what_the_one_walker_collects(tmp_path):
    """scan is media.walk of the audio extensions, sorted: a clip with a video suffix,
    an image and a macOS resource fork are left out of a folder, as by every command."""
    from affect_features.media import AUDIO_EXTENSIONS, walk

    for rel in ["b/2.mp3", "a/1.flac", "a/clip.mp4", "a/cover.jpg", "a/._1.flac",
                "c/3.OPUS", "c/4.wav"]:
        write(tmp_path / rel)
    found = scan([tmp_path / "c", tmp_path])
    assert found == sorted(walk([tmp_path / "c", tmp_path], AUDIO_EXTENSIONS))
    assert [os.path.relpath(p, tmp_path) for p in found] == [
        "a/1.flac", "b/2.mp3", "c/3.OPUS", "c/4.wav"]
    assert scan(tmp_path, extensions=["mp4"]) == [str(tmp_path / "a" / "clip.mp4")]


def test_scan_refuses_a_fifo_named_explicitly(tmp_path):
    """A FIFO named on the command line is refused by name (reading it would block);
    one inside a folder is passed over."""
    write(tmp_path / "music" / "1.mp3")
    try:
        os.mkfifo(tmp_path / "music" / "pipe.mp3")
    except (OSError, AttributeError):
        pytest.skip("FIFOs not supported here")
    assert scan(tmp_path / "music") == [str(tmp_path / "music" / "1.mp3")]
    with pytest.raises(ParameterError, match="pipe.mp3.*not a regular file"):
        scan(tmp_path / "music" / "pipe.mp3")


@pytest.mark.parametrize("tags, shown", [
    ({"title": "  Blue\n in\tGreen ", "artist": "Miles Davis", "album": "Kind of Blue",
      "genre": "jazz", "duration": 337.0},
     {"title": "Blue in Green", "artist": "Miles Davis", "album": "Kind of Blue"}),
    ({"title": None, "artist": "   ", "album": ""}, {}),
    ({"title": 1999}, {"title": "1999"}),
    ({}, {}),
])
def test_display_tags_keeps_three_fields_cleaned(tags, shown):
    assert display_tags(tags) == shown
