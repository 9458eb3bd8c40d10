"""The real data of the tests: found through $AFFECT_DATA, or the test is skipped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def data_root() -> Path:
    """``$AFFECT_DATA``, or skip the test."""
    root = os.environ.get("AFFECT_DATA")
    if not root:
        pytest.skip("AFFECT_DATA not set")
    return Path(root)


def named_files(rel_paths, *, all_needed: bool = True) -> list[Path]:
    """The files named (relative to ``$AFFECT_DATA``) that exist; skip the test when
    any is missing (`all_needed`) or when none exists."""
    root = data_root()
    paths = [Path(root, p) for p in rel_paths]
    found = [p for p in paths if p.is_file()]
    if not found or (all_needed and len(found) != len(paths)):
        pytest.skip("Emotion6 photos missing under AFFECT_DATA")
    return found


def emotion6_jpegs() -> list[Path]:
    """Every Emotion6 photo, sorted; skip the test when there are none."""
    files = sorted(Path(data_root(), "emotion6", "images").glob("*/*.jpg"))
    if not files:
        pytest.skip("no Emotion6 images under AFFECT_DATA")
    return files
