"""Shared test settings.

The whole session runs with ``AFFECT_LIBRARY`` pointing at a file that does not exist,
in a temporary folder of its own: `affect match` and `affect library` then never read
(or write) the music library of the user who runs the tests, and fall back to the
shipped catalogue unless a test builds a library of its own (tests that set the
variable themselves use ``monkeypatch``, which restores this value).
"""

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _no_user_library(tmp_path_factory):
    # Session scope (not monkeypatch): Hypothesis refuses function-scoped fixtures.
    old = os.environ.get("AFFECT_LIBRARY")
    os.environ["AFFECT_LIBRARY"] = str(tmp_path_factory.mktemp("no-library") /
                                       "library.sqlite")
    yield
    if old is None:
        os.environ.pop("AFFECT_LIBRARY", None)
    else:
        os.environ["AFFECT_LIBRARY"] = old
