"""The library every test of a single library opens: a fresh file in tmp_path."""

import pytest

from affect_features.library import MusicLibrary


@pytest.fixture
def lib(tmp_path):
    with MusicLibrary(tmp_path / "lib.sqlite") as library:
        yield library
