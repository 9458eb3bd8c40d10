"""Russell quadrants (:mod:`affect_features.space._quadrants`)."""

from __future__ import annotations

import numpy as np
import pytest

from affect_features.errors import ParameterError
from affect_features.space import QUADRANT_NAMES, QUADRANTS, quadrant, word_point


@pytest.mark.parametrize("point, expected", [
    ((0.5, 0.5), "Q1"), ((-0.5, 0.5), "Q2"), ((-0.5, -0.5), "Q3"), ((0.5, -0.5), "Q4"),
    ((0.0, 0.0), "Q1"), ((0.0, -0.1), "Q4"), ((-0.1, 0.0), "Q2"), ((0.2, -0.9, 0.9), "Q4"),
])
def test_quadrant_of_hand_points(point, expected):
    assert quadrant(point) == expected


def test_quadrant_vectorised():
    points = np.array([[0.5, 0.5, 0], [-0.5, 0.5, 1], [-0.5, -0.5, 0], [0.5, -0.5, -1]])
    out = quadrant(points)
    assert isinstance(out, np.ndarray) and out.shape == (4,)
    assert out.tolist() == ["Q1", "Q2", "Q3", "Q4"]
    assert [quadrant(p) for p in points] == out.tolist()


@pytest.mark.parametrize("bad", [[1.0], [[1, 2, 3, 4]], np.zeros((2, 2, 2)), [np.inf, 0]])
def test_quadrant_rejects_bad_shapes(bad):
    with pytest.raises(ParameterError):
        quadrant(bad)


def test_quadrant_names_cover_the_quadrants():
    assert tuple(QUADRANT_NAMES) == QUADRANTS
    assert QUADRANT_NAMES["Q1"] == "happy/excited" and QUADRANT_NAMES["Q4"] == "calm/relaxed"
    # each name's first word lies in its own quadrant of the lexicon
    for q, name in QUADRANT_NAMES.items():
        assert quadrant(word_point(name.split("/")[0])) == q
