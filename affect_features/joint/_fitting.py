"""Fitting a joint embedding: inputs checked, the batch objective and Adam.

The training half of :class:`~._model.JointEmbedding` (see :mod:`._model` for the
losses, after Won et al. 2021): :func:`objective`, the weighted triplet loss of one
batch and its gradient; :func:`batch_terms`, the batch's triplets mined with the
current parameters (:mod:`._triplet`); :func:`train`, Adam (Kingma & Ba 2015,
Algorithm 1) over the epochs of one member.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..errors import ParameterError
from ._network import layers_backward, layers_forward, normalise, normalise_backward
from ._triplet import mine_negatives, triplet_loss

__all__ = ["objective", "train", "batch_terms", "epoch_order"]

# Adam's moment decay rates and denominator guard (Kingma & Ba 2015, Algorithm 1).
_BETA1, _BETA2, _ADAM_EPS = 0.9, 0.999, 1e-8


def _check_features(X, names, what: str) -> np.ndarray:
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"{what}: features must be a numeric matrix") from None
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ParameterError(f"{what}: features must have shape (n_items, n_features), "
                             f"got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{what}: features must be finite (got NaN or inf)")
    if names is None or len(names) != arr.shape[1]:
        raise ParameterError(f"{what}: {0 if names is None else len(names)} feature names "
                             f"for {arr.shape[1]} columns")
    if len(set(map(str, names))) != len(names):
        raise ParameterError(f"{what}: feature names are not unique")
    return arr


def _check_labels(labels, n: int, what: str) -> list[str]:
    out = [None if lab is None else str(lab).strip() for lab in labels]
    if len(out) != n:
        raise ParameterError(f"{what}: {len(out)} labels for {n} items")
    if any(not lab for lab in out):
        raise ParameterError(f"{what}: every item needs a label (found an empty one)")
    return out


def objective(params: Mapping, zi: np.ndarray, za: np.ndarray, terms, margin: float,
              activation: str):
    """Weighted triplet loss of one batch and its gradient with respect to `params`.

    Parameters
    ----------
    params : mapping
        ``"image"``, ``"audio"``: lists of ``(W, b)``; ``"label"``: the label table
        (n_labels, dim), before normalisation.
    zi, za : ndarray
        Standardised features of the batch's photos and songs.
    terms : sequence of (weight, anchor_block, anchor_rows, positive_block,
        positive_rows, negative_rows)
        Blocks ``"image"`` (rows of `zi`), ``"audio"`` (rows of `za`) or ``"label"``
        (rows of the table); negatives come from the positives' block.
    margin : float
    activation : {"tanh", "relu"}

    Returns
    -------
    loss : float
        ``sum_t weight_t * mean triplet loss_t``.
    grads : dict
        Same structure as `params`.
    """
    oi, acts_i = layers_forward(params["image"], zi, activation)
    oa, acts_a = layers_forward(params["audio"], za, activation)
    ei, ni = normalise(oi)
    ea, na = normalise(oa)
    el, nl = normalise(params["label"])
    emb = {"image": ei, "audio": ea, "label": el}
    grad = {k: np.zeros_like(v) for k, v in emb.items()}
    loss = 0.0
    for weight, ab, ar, pb, pr, nr in terms:
        part, ga, gp, gn = triplet_loss(emb[ab][ar], emb[pb][pr], emb[pb][nr], margin)
        loss += weight * part
        _scatter_add(grad[ab], ar, weight * ga)
        _scatter_add(grad[pb], pr, weight * gp)
        _scatter_add(grad[pb], nr, weight * gn)
    grads = {
        "image": layers_backward(params["image"], acts_i,
                                 normalise_backward(ei, ni, grad["image"]), activation),
        "audio": layers_backward(params["audio"], acts_a,
                                 normalise_backward(ea, na, grad["audio"]), activation),
        "label": normalise_backward(el, nl, grad["label"]),
    }
    return loss, grads


def _scatter_add(target: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """``target[rows] += values`` with repeated rows summed (as ``np.add.at``), by a
    one-hot product: faster than ``np.add.at`` for batch-sized arrays."""
    if len(rows):
        onehot = np.zeros((target.shape[0], len(rows)))
        onehot[rows, np.arange(len(rows))] = 1.0
        target += onehot @ values


def _flat(tree) -> list:
    """Arrays of a params/grads structure in a fixed order (image, audio, label)."""
    out = []
    for key in ("image", "audio"):
        for w, b in tree[key]:
            out += [w, b]
    out.append(tree["label"])
    return out


def train(model, rng, params, Zi, Za, li, la, ci, ca) -> list[float]:
    """Adam on the batch objective for one member of `model` (its
    hyper-parameters), updating `params` in place; returns the mean loss of each epoch."""
    n_i, n_a = len(Zi), len(Za)
    steps = max(1, -(-max(n_i, n_a) // model.batch_size))
    b_i, b_a = -(-n_i // steps), -(-n_a // steps)
    pools = {c: np.flatnonzero(ca == c) for c in np.unique(ca)}
    w_ia, w_il, w_al = (float(x) for x in model.pair_weights)
    # All parameters as views of one vector, so that an Adam step is a few vector
    # operations; weight decay applies to weights and the label table, not biases.
    arrays = _flat(params)
    theta = np.concatenate([a.ravel() for a in arrays])
    decay = np.concatenate([np.full(a.size, float(a.ndim == 2) * model.weight_decay)
                            for a in arrays])
    views, start = [], 0
    for a in arrays:
        views.append(theta[start:start + a.size].reshape(a.shape))
        start += a.size
    it = iter(views)
    for key in ("image", "audio"):
        params[key][:] = [(next(it), next(it)) for _ in params[key]]
    params["label"] = next(it)
    m1, m2 = np.zeros_like(theta), np.zeros_like(theta)
    t = 0
    curve = []
    for _ in range(model.n_epochs):
        perm_i = epoch_order(rng, ci, balance=model.balance)
        perm_a = epoch_order(rng, ca, balance=model.balance)
        losses = []
        for s in range(steps):
            bi = perm_i[(s * b_i + np.arange(b_i)) % n_i]
            ba = perm_a[(s * b_a + np.arange(b_a)) % n_a]
            terms, audio_rows = batch_terms(model, rng, params, Zi, Za, bi, ba, li, la,
                                                  ci, ca, pools, (w_ia, w_il, w_al))
            loss, grads = objective(params, Zi[bi], Za[audio_rows], terms,
                                    model.margin, model.activation)
            losses.append(loss)
            t += 1
            lr_t = model.learning_rate * math.sqrt(1 - _BETA2 ** t) / (1 - _BETA1 ** t)
            g = np.concatenate([x.ravel() for x in _flat(grads)]) + decay * theta
            m1 *= _BETA1
            m1 += (1 - _BETA1) * g
            m2 *= _BETA2
            m2 += (1 - _BETA2) * g * g
            theta -= lr_t * m1 / (np.sqrt(m2) + _ADAM_EPS)
        curve.append(float(np.mean(losses)))
    return curve


def epoch_order(rng, classes: np.ndarray, *, balance: bool) -> np.ndarray:
    """The anchors of one epoch: a permutation, or with `balance` a draw (with
    replacement) in which every emotion is equally likely, whatever its count."""
    if not balance:
        return rng.permutation(len(classes))
    _, inverse, counts = np.unique(classes, return_inverse=True, return_counts=True)
    p = 1.0 / counts[inverse]
    return rng.choice(len(classes), size=len(classes), replace=True, p=p / p.sum())


def batch_terms(model, rng, params, Zi, Za, bi, ba, li, la, ci, ca, pools, weights):
    """The triplets of one batch, mined with the current parameters."""
    w_ia, w_il, w_al = weights
    c_b = ci[bi]
    # A positive song for each photo: uniformly among the songs of its emotion.
    pos = np.full(len(bi), -1, dtype=np.intp)
    for c, pool in pools.items():
        sel = np.flatnonzero(c_b == c)
        if sel.size:
            pos[sel] = pool[rng.integers(pool.size, size=sel.size)]
    has = pos >= 0
    audio_rows = np.concatenate([ba, pos[has]])
    ei = normalise(layers_forward(params["image"], Zi[bi], model.activation)[0])[0]
    ea = normalise(layers_forward(params["audio"], Za[audio_rows], model.activation)[0])[0]
    el = normalise(params["label"])[0]
    terms = []

    def add(weight, ab, a_emb, a_rows, a_cls, pb, p_emb, p_rows, p_cls):
        if weight == 0 or len(a_rows) == 0:
            return
        sim = a_emb @ p_emb.T
        other = a_cls[:, None] != p_cls[None, :]
        neg = mine_negatives(rng, sim, other, model.mining, sim_pos=np.diag(sim))
        keep = neg >= 0
        terms.append((weight, ab, a_rows[keep], pb, p_rows[keep], p_rows[neg[keep]]))

    # photo -> song: anchors the photos with a positive; candidates their positives.
    anchors = np.flatnonzero(has)
    prow = len(ba) + np.arange(anchors.size)
    add(w_ia, "image", ei[anchors], anchors, c_b[anchors], "audio", ea[prow], prow,
        ca[pos[has]])
    # label -> photo and label -> song: anchor the item's label, positive the item.
    rows_i = np.arange(len(bi))
    add(w_il, "label", el[li[bi]], li[bi], c_b, "image", ei, rows_i, c_b)
    rows_a = np.arange(len(ba))
    add(w_al, "label", el[la[ba]], la[ba], ca[ba], "audio", ea[rows_a], rows_a, ca[ba])
    return terms, audio_rows
