"""Rating scales: declared maps of a rating onto the space's [-1, 1], and back.

A point of the space is ``(valence, arousal, dominance)``, each in [-1, 1] (Russell
1980; Mehrabian 1996). References are listed in :mod:`affect_features.space`.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError

#: Names of the three axes, in the order of a point's components.
AXES = ("valence", "arousal", "dominance")

#: Rating scales as ``name -> (centre, half_range)``: ``to_space(x) = (x - centre) / half_range``.
#: ``sam9``: Self-Assessment Manikin 1-9 (Bradley & Lang 1994), 5 is neutral.
#: ``likert7``: 1-7 Likert, 4 is neutral. ``unit`` and ``nrc``: 0-1 (NRC-VAD, Mohammad 2018),
#: 0.5 is neutral. ``percent``: 0-100 with 50 neutral (GAPED, Dan-Glauser & Scherer 2011).
#: ``space``: already in [-1, 1].
SCALES: dict[str, tuple[float, float]] = {
    "sam9": (5.0, 4.0),
    "percent": (50.0, 50.0),
    "likert7": (4.0, 3.0),
    "unit": (0.5, 0.5),
    "nrc": (0.5, 0.5),
    "space": (0.0, 1.0),
}


def _check_scale(scale: str) -> tuple[float, float]:
    try:
        return SCALES[scale]
    except (KeyError, TypeError):
        raise ParameterError(
            f"unknown rating scale {scale!r}; expected one of {', '.join(SCALES)}") from None


def _finite_array(x, what: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"{what} must be numeric") from None
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{what} must be finite (got NaN or inf)")
    return arr


def _scalar_or_array(arr: np.ndarray):
    return float(arr) if arr.ndim == 0 else arr


def to_space(x, scale: str):
    """Convert ratings on a declared scale to the space's [-1, 1].

    Parameters
    ----------
    x : float or array_like
        Ratings on `scale`; any shape.
    scale : {"sam9", "likert7", "unit", "nrc", "space"}
        See :data:`SCALES`. ``sam9``: ``(x - 5) / 4``; ``likert7``: ``(x - 4) / 3``;
        ``unit`` and ``nrc``: ``2 x - 1``; ``space``: identity.

    Returns
    -------
    y : float or ndarray
        Same shape as `x` (a float for a scalar), clipped to [-1, 1].

    Raises
    ------
    ParameterError
        Unknown scale, or non-finite ratings.

    References
    ----------
    Bradley & Lang (1994) for the SAM scale; Mohammad (2018) for the 0-1 NRC-VAD scores.

    Examples
    --------
    >>> to_space([1, 5, 9], "sam9")
    array([-1.,  0.,  1.])
    """
    centre, half = _check_scale(scale)
    arr = _finite_array(x, "ratings")
    return _scalar_or_array(np.clip((arr - centre) / half, -1.0, 1.0))


def from_space(y, scale: str):
    """Convert points of the space back to ratings on a declared scale.

    The inverse of :func:`to_space`: `y` is first clipped to [-1, 1], so the result is
    always inside the scale's range.

    Parameters
    ----------
    y : float or array_like
        Values in [-1, 1]; any shape.
    scale : {"sam9", "likert7", "unit", "nrc", "space"}

    Returns
    -------
    x : float or ndarray
        ``centre + half_range * clip(y, -1, 1)`` (see :data:`SCALES`).

    Examples
    --------
    >>> from_space(0.5, "sam9")
    7.0
    """
    centre, half = _check_scale(scale)
    arr = _finite_array(y, "points")
    return _scalar_or_array(centre + half * np.clip(arr, -1.0, 1.0))
