"""Cosine triplet loss and the mining of negatives, after Won et al. (ISMIR 2021).

For unit vectors, an anchor ``a``, a positive ``p`` (an item that shares the anchor's
emotion) and a negative ``n`` (one that does not):

.. math::

    \\ell(a, p, n) = \\max(0,\\; m - a \\cdot p + a \\cdot n)

the hinge on cosine similarities with margin ``m`` (0.2 in Won et al.'s code). Negatives
are drawn *in the batch*, among the candidates whose emotion differs from the anchor's:

- ``"weighted"`` (Won et al.): with probability proportional to ``(1 + a . n) / 2``, so
  that candidates close to the anchor (hard negatives) are drawn more often while every
  negative keeps a chance;
- ``"semihard"`` (Schroff et al. 2015): the most similar negative that is still less
  similar than the positive (``a . n < a . p``); if none is, the least similar one;
- ``"random"``: uniformly.

References
----------
.. [1] Won, M., Salamon, J., Bryan, N. J., Mysore, G. J., & Serra, X. (2021). Emotion
   embedding spaces for matching music to stories. ISMIR 2021, 777-785 (three-branch
   metric learning, loss weights 0.3 / 0.3 / 0.4, similarity-weighted negatives).
.. [2] Schroff, F., Kalenichenko, D., & Philbin, J. (2015). FaceNet: A unified embedding
   for face recognition and clustering. CVPR 2015 (semi-hard negatives).
"""

from __future__ import annotations

import numpy as np

#: Negative mining strategies (module docstring).
MINING = ("weighted", "semihard", "random")


def triplet_loss(a: np.ndarray, p: np.ndarray, n: np.ndarray, margin: float):
    """Mean cosine triplet loss of rows ``(a, p, n)`` and its gradients.

    Parameters
    ----------
    a, p, n : ndarray, shape (t, d)
        Unit anchors, positives and negatives.
    margin : float

    Returns
    -------
    loss : float
        ``mean_t max(0, m - a.p + a.n)`` (0 for no triplet).
    grad_a, grad_p, grad_n : ndarray, shape (t, d)
        ``dloss/da = [active] (n - p) / t``, ``dloss/dp = -[active] a / t``,
        ``dloss/dn = [active] a / t``.
    """
    t = a.shape[0]
    if t == 0:
        return 0.0, np.zeros_like(a), np.zeros_like(p), np.zeros_like(n)
    hinge = margin - np.einsum("ij,ij->i", a, p) + np.einsum("ij,ij->i", a, n)
    active = (hinge > 0).astype(np.float64)[:, None] / t
    loss = float(np.maximum(hinge, 0.0).sum() / t)
    return loss, active * (n - p), -active * a, active * a


def mine_negatives(rng: np.random.Generator, sim: np.ndarray, other: np.ndarray,
                   how: str, sim_pos: np.ndarray | None = None) -> np.ndarray:
    """One negative per anchor among in-batch candidates of another emotion.

    Parameters
    ----------
    rng : numpy Generator
        Draws of ``"weighted"`` and ``"random"`` (one uniform number per anchor).
    sim : ndarray, shape (n_anchors, n_candidates)
        Cosine similarity of each anchor to each candidate.
    other : ndarray of bool, same shape
        True where the candidate's emotion differs from the anchor's.
    how : {"weighted", "semihard", "random"}
    sim_pos : ndarray, shape (n_anchors,), optional
        Similarity of each anchor to its positive (needed by ``"semihard"``).

    Returns
    -------
    index : ndarray of int, shape (n_anchors,)
        The chosen candidate of each anchor, -1 where no candidate has another emotion.
    """
    n_anchor = sim.shape[0]
    if sim.shape[1] == 0:
        return np.full(n_anchor, -1, dtype=np.intp)
    if how == "semihard":
        below = other & (sim < sim_pos[:, None])
        hardest = np.where(below, sim, -np.inf).argmax(axis=1)
        easiest = np.where(other, sim, np.inf).argmin(axis=1)
        index = np.where(below.any(axis=1), hardest, easiest)
    else:
        weight = (1.0 + sim) / 2.0 if how == "weighted" else np.ones_like(sim)
        weight = np.where(other, np.maximum(weight, 0.0), 0.0)
        cumulative = np.cumsum(weight, axis=1)
        total = cumulative[:, -1]
        # u in (0, total]: the first candidate whose cumulative weight reaches u has a
        # positive weight, so a masked candidate is never drawn.
        u = (1.0 - rng.random(n_anchor)) * total
        index = (cumulative < u[:, None]).sum(axis=1)
        index = np.minimum(index, max(sim.shape[1] - 1, 0))
        # All weights 0 (every candidate exactly opposite): the first of another emotion.
        index = np.where(total > 0, index, np.argmax(other, axis=1))
    index = np.asarray(index, dtype=np.intp)
    index[~other.any(axis=1)] = -1
    return index
