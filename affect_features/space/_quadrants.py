"""Russell quadrants: which quarter of the valence-arousal plane a point lies in.

References are listed in :mod:`affect_features.space`.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ._scales import _finite_array

#: Russell quadrants in the order of their index.
QUADRANTS = ("Q1", "Q2", "Q3", "Q4")

#: What each quadrant feels like, for people reading a quadrant's name: the emotions
#: Russell (1980) places there, as the 4Q set names them (Panda et al. 2018). Every
#: place that prints a quadrant (``affect match``, ``affect library``, the plots, the
#: README) reads these words from here.
QUADRANT_NAMES: dict[str, str] = {
    "Q1": "happy/excited",     # valence >= 0, arousal >= 0
    "Q2": "angry/tense",       # valence < 0, arousal >= 0
    "Q3": "sad/depressed",     # valence < 0, arousal < 0
    "Q4": "calm/relaxed",      # valence >= 0, arousal < 0
}

#: What :func:`label_table` and :func:`label_map` give a label declared at the origin
#: (Emotion6 "neutral"): no quadrant, because the origin lies on both axes.
NO_QUADRANT = "-"


def quadrant(points):
    """Russell quadrant of one point or of many.

    Q1: valence >= 0, arousal >= 0; Q2: valence < 0, arousal >= 0; Q3: valence < 0,
    arousal < 0; Q4: valence >= 0, arousal < 0. A component of exactly 0 counts as
    positive, so the origin is in Q1.

    Parameters
    ----------
    points : array_like, shape (2,) / (3,) or (n, 2) / (n, 3)
        Points (dominance, if present, is ignored).

    Returns
    -------
    quadrant : str or ndarray of str
        ``"Q1"`` .. ``"Q4"`` for one point; an array of shape (n,) for many.

    References
    ----------
    Russell (1980); quadrant naming as in Panda et al. (2018).

    Examples
    --------
    >>> quadrant([-0.2, 0.7])
    'Q2'
    >>> quadrant([[0.5, -0.1], [-0.3, -0.3]])
    array(['Q4', 'Q3'], dtype='<U2')
    """
    arr = _finite_array(points, "points")
    if arr.ndim not in (1, 2) or arr.shape[-1] not in (2, 3):
        raise ParameterError(
            f"points must have shape (2,), (3,), (n, 2) or (n, 3), got {arr.shape}")
    v, a = arr[..., 0], arr[..., 1]
    index = np.where(a >= 0, np.where(v >= 0, 0, 1), np.where(v < 0, 2, 3))
    names = np.asarray(QUADRANTS)[index]
    return str(names) if arr.ndim == 1 else names


def _quadrant_or_none(point) -> str:
    """:func:`quadrant` of a label's point, or :data:`NO_QUADRANT` for the origin.

    :func:`quadrant` counts a zero component as positive, a tie-break that never
    matters for a predicted point but would put a label *declared* at the origin
    (no emotion) in Q1, "happy/excited".
    """
    p = np.asarray(point, dtype=np.float64)
    if p[0] == 0.0 and p[1] == 0.0:
        return NO_QUADRANT
    return str(quadrant(p))
