"""Rating scales (:mod:`affect_features.space._scales`)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from affect_features.errors import ParameterError
from affect_features.space import SCALES, from_space, to_space


@pytest.mark.parametrize("scale, x, expected", [
    ("sam9", 1, -1.0), ("sam9", 5, 0.0), ("sam9", 9, 1.0), ("sam9", 7, 0.5),
    ("likert7", 1, -1.0), ("likert7", 4, 0.0), ("likert7", 7, 1.0), ("likert7", 5.5, 0.5),
    ("unit", 0.0, -1.0), ("unit", 0.5, 0.0), ("unit", 1.0, 1.0), ("unit", 0.75, 0.5),
    ("nrc", 0.167, -0.666), ("space", -0.3, -0.3),
])
def test_to_space_known_values(scale, x, expected):
    y = to_space(x, scale)
    assert isinstance(y, float)
    assert y == pytest.approx(expected)
    assert from_space(y, scale) == pytest.approx(x)


def test_to_space_clips_out_of_range_ratings():
    np.testing.assert_array_equal(to_space([0, 10, -3], "sam9"), [-1.0, 1.0, -1.0])
    np.testing.assert_array_equal(from_space([2.0, -5.0], "likert7"), [7.0, 1.0])


def test_to_space_keeps_shape():
    x = np.full((2, 3), 9.0)
    assert to_space(x, "sam9").shape == (2, 3)


@pytest.mark.parametrize("bad", ["sam7", "", None, "SAM9"])
def test_unknown_scale_is_a_parameter_error(bad):
    with pytest.raises(ParameterError, match="scale"):
        to_space(1.0, bad)
    with pytest.raises(ParameterError):
        from_space(0.0, bad)


def test_non_finite_ratings_are_rejected():
    with pytest.raises(ParameterError, match="finite"):
        to_space([1.0, np.nan], "sam9")


@settings(max_examples=50, deadline=None)
@given(scale=st.sampled_from(sorted(SCALES)), y=st.floats(-1, 1))
def test_from_space_inverts_to_space(scale, y):
    assert to_space(from_space(y, scale), scale) == pytest.approx(y, abs=1e-12)
