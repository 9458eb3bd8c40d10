"""Paths as the library stores them, including names that are not UTF-8
(:mod:`affect_features.library._paths`)."""

import os
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from affect_features.library import decode_path, encode_path, scan

from .helpers import analysed_row, write


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX byte file names")
@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=40).filter(lambda b: b"\0" not in b))
def test_path_encoding_round_trips_any_bytes(name):
    path = os.fsdecode(b"/music/" + name.replace(b"/", b"_"))
    text = encode_path(path)
    text.encode("utf-8")  # always storable as SQLite text
    assert decode_path(text) == path


def test_non_utf8_file_name(tmp_path, lib):
    if sys.platform == "win32":
        pytest.skip("POSIX byte file names")
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9 \xff.mp3")
    try:
        with open(raw, "wb") as f:
            f.write(b"latin-1 name")
    except (OSError, UnicodeError):
        pytest.skip("the file system refuses non-UTF-8 names")
    path = os.fsdecode(raw)
    assert scan(tmp_path) == [path]
    lib.upsert_many([analysed_row(path)])
    stored = lib._db.execute("SELECT path FROM tracks").fetchone()[0]
    assert stored.startswith("fsbytes:") and "caf%E9" in stored
    assert lib.find(path)["path"] == path
    assert lib.find(path)["title"] == "caf\ufffd \ufffd.mp3"  # shown, not kept exactly
    assert os.fsencode(lib.nearest((0, 0, 0), k=1)[0]["path"]) == raw
    assert lib.plan([path]) == ([], [path], [])
    assert lib.remove_paths([path]) == 1


def test_very_long_file_name(tmp_path, lib):
    folder = tmp_path
    try:
        for i in range(14):  # a path of over 1,000 characters
            folder = folder / (f"{i:02d}" + "ø" * 60)
        folder.mkdir(parents=True)
        path = write(folder / ("é" * 125 + ".mp3"))  # 254 bytes, near NAME_MAX
    except OSError:
        pytest.skip("the file system refuses such long names")
    assert len(path) > 1000
    lib.upsert_many([analysed_row(path)])
    assert lib.plan(scan(tmp_path)) == ([], [path], [])
    assert lib.find(path)["path"] == path
