"""The real data sets, where ``AFFECT_DATA`` names them."""

import os

import pytest


@pytest.fixture
def data_dir():
    path = os.environ.get("AFFECT_DATA")
    if not path:
        pytest.skip("AFFECT_DATA not set")
    return path
