"""The one extension registry and the one folder walker (affect_features/media.py)."""

import os

import pytest

from affect_features.batch import Failure
from affect_features.errors import ParameterError
from affect_features.media import (AUDIO_EXTENSIONS, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS,
                                   media_kind, walk)


def write(path, data=b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def rel(paths, root):
    return [os.path.relpath(p, root) for p in paths]


def test_registry_kinds_are_disjoint_and_case_insensitive():
    assert not (IMAGE_EXTENSIONS & AUDIO_EXTENSIONS)
    assert not (AUDIO_EXTENSIONS & VIDEO_EXTENSIONS)
    assert not (IMAGE_EXTENSIONS & VIDEO_EXTENSIONS)
    assert [media_kind(n) for n in ("a.JPG", "b.flac", "c.MP4", "d.txt", "noext", b"e.png")] \
        == ["image", "audio", "video", None, None, "image"]


def test_every_decoder_and_loader_uses_the_registry():
    from affect_features.audio import decode as audio_decode
    from affect_features.image import decode as image_decode

    assert image_decode.IMAGE_EXTENSIONS is IMAGE_EXTENSIONS
    assert audio_decode.AUDIO_EXTENSIONS is AUDIO_EXTENSIONS


def test_folders_give_matching_suffixes_sorted_hidden_skipped(tmp_path):
    for name in ["b/2.mp3", "a/1.FLAC", "a/notes.txt", "a/deep/er/3.ogg", ".hidden/4.mp3",
                 "a/._5.mp3", "a/.6.mp3"]:
        write(tmp_path / name)
    assert rel(walk(tmp_path, AUDIO_EXTENSIONS), tmp_path) == [
        "a/1.FLAC", "a/deep/er/3.ogg", "b/2.mp3"]
    # The AppleDouble "._5.mp3" and the hidden ones come only when asked for.
    assert len(walk(tmp_path, AUDIO_EXTENSIONS, include_hidden=True)) == 6
    # Suffixes with or without the dot; None collects everything visible.
    assert rel(walk(tmp_path, ["txt"]), tmp_path) == ["a/notes.txt"]
    assert len(walk(tmp_path)) == 4
    # Sorted as whole paths: "b/2.mp3" before "c.mp3", not the top folder's files first.
    write(tmp_path / "c.mp3")
    assert rel(walk(tmp_path, {".mp3"}), tmp_path) == ["b/2.mp3", "c.mp3"]


def test_explicit_files_kept_whatever_suffix_in_argument_order(tmp_path):
    b = write(tmp_path / "b" / "2.mp3")
    notes = write(tmp_path / "a" / "notes.txt")
    hidden = write(tmp_path / ".x.mp3")
    out = walk([tmp_path / "b", notes, b, hidden, os.fsencode(str(b))], {".mp3"})
    # Folders in argument order, each sorted; "b/2.mp3" once whichever way it came.
    assert out == [str(b), str(notes), str(hidden)]
    assert all(os.path.isabs(p) for p in out)


def test_relative_names_become_absolute(tmp_path, monkeypatch):
    write(tmp_path / "x" / "1.jpg")
    monkeypatch.chdir(tmp_path)
    assert walk(["x"], IMAGE_EXTENSIONS) == [str(tmp_path / "x" / "1.jpg")]


def test_linked_folders_followed_once_and_loops_end(tmp_path):
    write(tmp_path / "music" / "a" / "1.mp3")
    write(tmp_path / "elsewhere" / "2.mp3")
    os.symlink(tmp_path / "music", tmp_path / "music" / "a" / "loop")
    os.symlink(tmp_path / "elsewhere", tmp_path / "music" / "linked")
    os.symlink(tmp_path / "elsewhere", tmp_path / "music" / "linked_again")
    out = rel(walk(tmp_path / "music", {".mp3"}), tmp_path)
    assert out == ["music/a/1.mp3", "music/linked/2.mp3"]
    assert rel(walk(tmp_path / "music", {".mp3"}, follow_symlinks=False), tmp_path) == [
        "music/a/1.mp3"]


def test_a_files_own_name_wins_over_a_link_to_it(tmp_path):
    target = write(tmp_path / "music" / "z" / "1.mp3")
    # "alias.mp3" is met first (top folder before "z/"), but the file's own name is kept.
    os.symlink(target, tmp_path / "music" / "alias.mp3")
    assert walk(tmp_path / "music", {".mp3"}) == [str(target)]
    # A link alone is listed by its own name; hard links are separate files.
    os.link(target, tmp_path / "hard.mp3")
    assert walk([tmp_path / "music" / "alias.mp3", tmp_path / "hard.mp3"]) == [
        str(tmp_path / "music" / "alias.mp3"), str(tmp_path / "hard.mp3")]


def test_missing_and_special_files_named_explicitly(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "pipe.mp3")
    write(tmp_path / "ok.mp3")
    failures = []
    out = walk(["missing.mp3", "pipe.mp3", "ok.mp3"], {".mp3"}, failures=failures)
    assert out == [str(tmp_path / "ok.mp3")]
    # Named as the user gave them, one line each.
    assert failures == [Failure("missing.mp3", "no such file or directory"),
                        Failure("pipe.mp3", "is a FIFO, not a regular file")]
    with pytest.raises(ParameterError, match=r"^missing\.mp3: no such file"):
        walk(["missing.mp3"])
    with pytest.raises(ParameterError, match=r"^pipe\.mp3: is a FIFO"):
        walk(["pipe.mp3"])


def test_special_files_inside_folders_reported_or_skipped(tmp_path):
    write(tmp_path / "d" / "ok.mp3")
    os.mkfifo(tmp_path / "d" / "pipe.mp3")
    os.symlink(tmp_path / "gone.mp3", tmp_path / "d" / "broken.mp3")
    assert walk(tmp_path / "d", {".mp3"}) == [str(tmp_path / "d" / "ok.mp3")]
    failures = []
    assert walk(tmp_path / "d", {".mp3"}, failures=failures) == [
        str(tmp_path / "d" / "ok.mp3")]
    assert [(os.path.basename(f.path), f.reason) for f in failures] == [
        ("broken.mp3", "broken symbolic link"),
        ("pipe.mp3", "is a FIFO, not a regular file")]


def test_not_recursive_takes_only_a_folders_own_files(tmp_path):
    write(tmp_path / "1.mp3")
    write(tmp_path / "sub" / "2.mp3")
    write(tmp_path / ".3.mp3")
    assert rel(walk(tmp_path, {".mp3"}, recursive=False), tmp_path) == ["1.mp3"]
    assert rel(walk(tmp_path, {".mp3"}), tmp_path) == ["1.mp3", "sub/2.mp3"]
