"""Moving median along one axis of a 2-D array, with a sorting network.

``scipy.ndimage.median_filter`` selects the median of every window from scratch and
takes about 0.5 s on one 30-s mel spectrogram. Here the ``size`` shifted copies of the
array are passed through a selection network: a fixed list of compare-exchange steps
(``lo, hi = min(a, b), max(a, b)``) after which the middle wire holds the median, each
step one vectorised ``np.minimum`` / ``np.maximum`` over the whole array. The network
is Batcher's odd-even merge sort, cut to the `size` inputs and pruned to the steps the
median depends on (15 inputs: 49 steps; 9 inputs: 24 steps). About 2 ms per filter on
a 128 x 650 array, no compiler needed.

References
----------
Batcher, K. E. (1968). Sorting networks and their applications. Proc. AFIPS Spring
Joint Computer Conference, 32, 307-314.
Knuth, D. E. (1998). The Art of Computer Programming, Vol. 3, 2nd ed., Sec. 5.3.4
(the 0-1 principle, used by the tests to verify the networks).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["median_network", "median_filter"]


def _batcher_pairs(n_pow2: int) -> list[tuple[int, int]]:
    """Comparators of Batcher's odd-even merge sort on ``n_pow2`` wires (a power of 2)."""
    pairs = []
    p = 1
    while p < n_pow2:
        k = p
        while k >= 1:
            for j in range(k % p, n_pow2 - k, 2 * k):
                for i in range(min(k, n_pow2 - j - k)):
                    if (i + j) // (2 * p) == (i + j + k) // (2 * p):
                        pairs.append((i + j, i + j + k))
            k //= 2
        p *= 2
    return pairs


@lru_cache(maxsize=None)
def median_network(size: int) -> tuple[tuple[int, int], ...]:
    """Compare-exchange steps that bring the median of `size` inputs to wire ``size // 2``.

    Batcher's network on the next power of two, with the extra wires taken as +inf
    (their comparators are then no-ops and are dropped), pruned backwards to the
    comparators the middle wire depends on.
    """
    if size < 1 or size % 2 == 0:
        raise ValueError("median size must be odd and >= 1")
    n2 = 1
    while n2 < size:
        n2 *= 2
    pairs = [(i, j) for i, j in _batcher_pairs(n2) if j < size]
    needed = {size // 2}
    kept = []
    for i, j in reversed(pairs):
        if i in needed or j in needed:
            kept.append((i, j))
            needed.update((i, j))
    return tuple(reversed(kept))


def median_filter(x: np.ndarray, size: int, *, axis: int = -1) -> np.ndarray:
    """Median over a window of `size` samples along `axis` of a 2-D array.

    Parameters
    ----------
    x : ndarray, shape (n_rows, n_cols)
        Finite values.
    size : int
        Odd window length.
    axis : int
        0 or 1 (-1).

    Returns
    -------
    out : ndarray, same shape and dtype as `x`
        Equal to ``scipy.ndimage.median_filter(x, size=..., mode='reflect')`` with the
        window along `axis` (edges mirrored: d c b a | a b c d | d c b a).
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError("median_filter needs a 2-D array")
    axis = axis % 2
    if size == 1 or x.size == 0:
        return x.copy()
    h = size // 2
    pad = [(0, 0), (0, 0)]
    pad[axis] = (h, h)
    # numpy's 'symmetric' padding is scipy.ndimage's 'reflect'
    xp = np.pad(x, pad, mode="symmetric")
    n = x.shape[axis]
    # contiguous copies of the shifted windows, updated in place (no allocation per step)
    buf = np.empty((size + 1,) + x.shape, dtype=x.dtype)
    for k in range(size):
        buf[k] = xp[k:k + n] if axis == 0 else xp[:, k:k + n]
    wires = list(buf[:size])
    spare = buf[size]
    for i, j in median_network(size):
        a, b = wires[i], wires[j]
        np.minimum(a, b, out=spare)
        np.maximum(a, b, out=b)
        wires[i], spare = spare, a
    return wires[h].copy()
