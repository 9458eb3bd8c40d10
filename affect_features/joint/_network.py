"""The modality branches of the joint embedding: a small network, then L2 normalisation.

A branch maps standardised features ``z`` (one row per item) to a unit vector:

.. math::

    h = \\sigma(z W_0 + b_0), \\quad o = h W_1 + b_1,
    \\quad e = o / \\max(\\lVert o \\rVert, \\epsilon)

(one hidden layer, :math:`\\sigma` = tanh or relu), or the linear map
:math:`o = z W_0 + b_0` when there is no hidden layer. Layers are stored as a list of
``(W, b)`` pairs, as :class:`affect_features.models.EmotionModel` stores its members.
Forward and backward passes are written out (no autograd): each ``*_backward`` returns
the gradient of a scalar loss with respect to the inputs of its ``*_forward`` given the
gradient with respect to its outputs, checked against finite differences in
``tests/test_joint.py``.
"""

from __future__ import annotations

import numpy as np

#: Hidden-layer activations a branch may use.
ACTIVATIONS = ("tanh", "relu")
#: Smallest norm divided by in the L2 normalisation (as ``torch.nn.functional.normalize``).
NORM_EPS = 1e-12


def init_layers(rng: np.random.Generator, n_in: int, hidden: int, dim: int) -> list:
    """Glorot-uniform weights and zero biases of a branch (Glorot & Bengio 2010).

    ``W ~ U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``, as scikit-learn's
    ``MLPRegressor`` initialises its layers.

    Returns
    -------
    layers : list of (W, b)
        One pair for a linear branch (``hidden == 0``), two for one hidden layer.
    """
    sizes = [n_in, hidden, dim] if hidden else [n_in, dim]
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        layers.append((rng.uniform(-bound, bound, size=(fan_in, fan_out)),
                       np.zeros(fan_out)))
    return layers


def _activate(x: np.ndarray, activation: str) -> np.ndarray:
    return np.tanh(x) if activation == "tanh" else np.maximum(x, 0.0)


def layers_forward(layers, z: np.ndarray, activation: str):
    """Outputs ``o`` of the layers for rows `z`, and the activations for the backward pass.

    The activation is applied between layers, never after the last one.
    """
    acts = [z]
    out = z
    last = len(layers) - 1
    for i, (w, b) in enumerate(layers):
        out = out @ w + b
        if i != last:
            out = _activate(out, activation)
        acts.append(out)
    return out, acts


def layers_backward(layers, acts, grad_out: np.ndarray, activation: str) -> list:
    """Gradients ``[(dW, db), ...]`` of the loss, given ``grad_out`` = dL/do.

    For tanh, :math:`\\partial h / \\partial a = 1 - h^2`; for relu, :math:`[a > 0]`
    (taken as :math:`[h > 0]`, the same except at 0).
    """
    grads = [None] * len(layers)
    g = grad_out
    for i in range(len(layers) - 1, -1, -1):
        w, _ = layers[i]
        inp = acts[i]
        grads[i] = (inp.T @ g, g.sum(axis=0))
        if i:
            g = g @ w.T
            g = g * (1.0 - inp * inp) if activation == "tanh" else g * (inp > 0)
    return grads


def normalise(o: np.ndarray):
    """Rows of `o` scaled to unit length: ``e = o / max(|o|, eps)``; returns ``(e, norm)``.

    A zero row (possible only for degenerate weights) stays zero instead of dividing by 0.
    """
    norm = np.maximum(np.sqrt(np.einsum("ij,ij->i", o, o)), NORM_EPS)[:, None]
    return o / norm, norm


def normalise_backward(e: np.ndarray, norm: np.ndarray, grad_e: np.ndarray) -> np.ndarray:
    """dL/do from dL/de for ``e = o / |o|``: ``(g - e (e . g)) / |o|``."""
    return (grad_e - e * np.einsum("ij,ij->i", e, grad_e)[:, None]) / norm
