"""Specs ``KIND:PATH?options`` (:mod:`affect_features.datasets._specs`)."""

import os

import pytest

from affect_features.datasets import load_dataset, parse_spec
from affect_features.errors import ParameterError



def test_parse_spec():
    kind, path, opts = parse_spec("csv:some/file.csv?scale=sam9&modality=image")
    assert kind == "csv" and path == os.path.abspath("some/file.csv")
    assert opts == {"scale": "sam9", "modality": "image"}
    assert parse_spec("EMOTION6:/d")[:2] == ("emotion6", "/d")
    for bad in ("nocolon", "video:/x", "csv:", "csv:/x?novalue"):
        with pytest.raises(ParameterError):
            parse_spec(bad)


def test_unknown_option_is_refused(tmp_path):
    with pytest.raises(ParameterError, match="no option"):
        load_dataset(f"emotion6:{tmp_path}?scale=sam9")
