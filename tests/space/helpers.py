"""Where the real data live (``AFFECT_DATA``), for the tests that compare with them."""

import os
from pathlib import Path

import pytest


def _data_dir() -> Path:
    root = os.environ.get("AFFECT_DATA")
    if not root:
        pytest.skip("AFFECT_DATA is not set")
    return Path(root)
