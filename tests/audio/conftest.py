"""Fixtures of the audio tests (signals and writers are in ``signals.py``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def audio_data_dir():
    """The real-data directory $AFFECT_DATA/4q/audio, or skip."""
    root = os.environ.get("AFFECT_DATA")
    if not root:
        pytest.skip("AFFECT_DATA not set")
    d = Path(root) / "4q" / "audio"
    if not d.is_dir():
        pytest.skip(f"{d} not found")
    return d
