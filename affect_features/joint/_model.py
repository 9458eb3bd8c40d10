"""The three-branch joint emotion embedding: photos, songs and emotion labels in one space.

After Won et al. (ISMIR 2021, "Emotion embedding spaces for matching music to stories"),
with handcrafted features in place of their CNN and BERT branches:

- an **image branch** and a **music branch**, each a standardisation
  ``z = (x - mean) / scale`` then a small network (one hidden layer, tanh or relu) or a
  linear map, whose output is L2-normalised (:mod:`._network`);
- a **label branch**: one vector per emotion label (Russell quadrants ``Q1``..``Q4``,
  taxonomy words), initialised from the label's (valence, arousal, dominance) point
  (:mod:`affect_features.space`, NRC-VAD) in its first three components, also
  L2-normalised.

The three are trained together by stochastic gradient descent (Adam, hand-written
gradients) on three cosine triplet losses (:mod:`._triplet`), weighted as Won et al.
weigh theirs (0.4 for the cross-modal pair, 0.3 for each label pair)::

    L = 0.4 * l(image -> song) + 0.3 * l(label -> image) + 0.3 * l(label -> song)

- *image -> song*: anchor a photo, positive a song that shares its emotion (drawn
  uniformly), negative one of the batch's positive songs that does not;
- *label -> image*, *label -> song*: anchor a label, positive an item carrying it,
  negative an item of the batch of another emotion.

Negatives are mined in the batch, similarity-weighted as Won et al. (default) or
semi-hard. Two labels *share an emotion* when their points lie in the same Russell
quadrant (``agreement="quadrant"``, so a photo labelled ``fear`` matches a song labelled
``Q2``), or only when they are the same label (``agreement="label"``).

Several members (``n_members``, default 3) are trained so from different seeds; an
item's embedding is the members' unit vectors side by side divided by
``sqrt(n_members)``, itself a unit vector whose cosine similarity to another is the mean
of the members' similarities. Photos are matched to songs by cosine similarity of their
embeddings (:func:`._ranking.rank_songs`). Models are stored like
:class:`~affect_features.models.EmotionModel`:
an ``.npz`` of arrays (read with ``allow_pickle=False``) and a JSON card with the schemas
and feature names of both branches, the hyper-parameters, the training sizes and the
SHA-256 of the weights; a model refuses features of another schema.

References
----------
.. [1] Won, M., Salamon, J., Bryan, N. J., Mysore, G. J., & Serra, X. (2021). Emotion
   embedding spaces for matching music to stories. ISMIR 2021, 777-785.
.. [2] Kingma, D. P., & Ba, J. (2015). Adam: A method for stochastic optimization.
   ICLR 2015.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import ModelError, ParameterError
from ._network import (ACTIVATIONS, init_layers, layers_backward, layers_forward,
                       normalise, normalise_backward)
from ._labels import AGREEMENTS, emotion_classes
from ._labels import label_points as label_points_of
from ._triplet import MINING, mine_negatives, triplet_loss

__all__ = ["JointEmbedding", "objective", "FORMAT", "FORMAT_VERSION"]

#: Model file format written by :meth:`JointEmbedding.save`.
FORMAT = "affect_features.joint_embedding"
FORMAT_VERSION = 1
_MODALITIES = ("image", "audio")
# Adam's moment decay rates and denominator guard (Kingma & Ba 2015, Algorithm 1).
_BETA1, _BETA2, _ADAM_EPS = 0.9, 0.999, 1e-8


# ------------------------------------------------------------------------ inputs

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


def _standardise(X: np.ndarray):
    """Mean and scale per column; a constant column keeps scale 1 (as StandardScaler)."""
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale = np.where(scale < 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1.0),
                     1.0, scale)
    return mean, scale


# ------------------------------------------------------------------------ branch

class _Branch:
    """Standardisation and the members' layers of one modality."""

    __slots__ = ("modality", "schema", "names", "mean", "scale", "members")

    def __init__(self, modality, schema, names, mean, scale, members):
        self.modality = str(modality)
        self.schema = str(schema)
        self.names = tuple(str(n) for n in names)
        self.mean = np.array(mean, dtype=np.float64).ravel()
        self.scale = np.array(scale, dtype=np.float64).ravel()
        self.members = [[(np.array(w, dtype=np.float64), np.array(b, dtype=np.float64))
                         for w, b in layers] for layers in members]
        f = len(self.names)
        if len(set(self.names)) != f:
            raise ModelError(f"{self.modality} branch: feature names are not unique")
        if self.mean.shape != (f,) or self.scale.shape != (f,) \
                or not np.all(np.isfinite(self.mean)) or not np.all(self.scale > 0) \
                or not np.all(np.isfinite(self.scale)):
            raise ModelError(f"{self.modality} branch: bad standardisation for {f} features")
        if not self.members:
            raise ModelError(f"{self.modality} branch: no members")
        dims = set()
        for m, layers in enumerate(self.members):
            where = f"{self.modality} branch member {m}"
            if not layers or len(layers) > 2:
                raise ModelError(f"{where}: {len(layers)} layers (1 or 2)")
            width = f
            for i, (w, b) in enumerate(layers):
                if w.ndim != 2 or w.shape[0] != width or b.shape != (w.shape[1],):
                    raise ModelError(f"{where} layer {i}: shapes {w.shape}/{b.shape} do "
                                     f"not chain from {width}")
                if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
                    raise ModelError(f"{where} layer {i}: non-finite weights")
                width = w.shape[1]
            dims.add(width)
        if len(dims) != 1:
            raise ModelError(f"{self.modality} branch: members of dimensions {sorted(dims)}")

    @property
    def dim(self) -> int:
        """Dimension of the embedding: members x each member's dimension."""
        return len(self.members) * self.members[0][-1][0].shape[1]

    def check_schema(self, schema, names) -> np.ndarray:
        """Columns of `names` that feed this branch, in its order (SchemaError if not)."""
        from ..models import feature_columns

        return feature_columns(self.names, self.schema, schema, names,
                               what=f"the joint model's {self.modality} branch")

    def matrix(self, X, schema, names) -> tuple[np.ndarray, bool]:
        """Rows of this branch's features from an array, FeatureVector(s); single flag."""
        from ..models import feature_matrix

        return feature_matrix(X, check_schema=self.check_schema,
                              n_features=len(self.names),
                              what=f"the joint model's {self.modality} branch",
                              schema=schema, names=names)

    def embed(self, z: np.ndarray, activation: str) -> np.ndarray:
        return _concat([normalise(layers_forward(layers, z, activation)[0])[0]
                        for layers in self.members])


def _concat(parts: Sequence[np.ndarray]) -> np.ndarray:
    """Unit member embeddings side by side, divided by sqrt(members): a unit vector whose
    cosine similarity to another is the mean of the members' cosine similarities."""
    return np.concatenate(parts, axis=-1) / math.sqrt(len(parts))


# --------------------------------------------------------------------- objective

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


# ------------------------------------------------------------------------- model

def _refuse_constant(name):
    raise ValueError(f"{name} is not a number a card may hold")


class JointEmbedding:
    """Photos, songs and emotion labels embedded in one space of unit vectors.

    See the module docstring for the branches, the losses and the mining.

    Parameters
    ----------
    dim : int, default 16
        Dimension of each member's embedding (at least 3: a label vector starts as its
        V, A, D point); the model's embeddings have ``n_members * dim`` components.
    hidden : int, default 32
        Units of each modality branch's hidden layer; 0 for a linear map.
    activation : {"tanh", "relu"}, default "tanh"
    margin : float, default 0.2
        Triplet margin on cosine similarities (Won et al.'s value).
    n_epochs : int, default 40
        Passes over the larger modality.
    batch_size : int, default 64
        Anchors of the larger modality per step (the other gets proportionally fewer).
    learning_rate : float, default 3e-3
        Adam step size.
    weight_decay : float, default 1e-2
        L2 penalty added to the gradient of every weight matrix and the label table.
        Chosen among 1e-3 to 1e-1 on the in-domain folds of
        ``benchmarks/joint_vs_vad.py`` (one member: P@1 0.32 at 1e-3, 0.36 at 1e-2,
        0.32 at 1e-1); stronger decay also gathers the photos on fewer songs.
    mining : {"weighted", "semihard", "random"}, default "weighted"
        Won et al.'s similarity-weighted negatives; on the same folds semi-hard ones
        did worse (P@1 0.29 against 0.32 at weight decay 1e-3).
    pair_weights : (float, float, float), default (0.4, 0.3, 0.3)
        Weights of the image->song, label->image and label->song losses.
    agreement : {"quadrant", "label"}, default "quadrant"
        When labels share an emotion.
    balance : bool, default True
        Draw each epoch's anchors so that every emotion is equally frequent (with
        replacement), instead of one pass in the data's proportions: the embedding then
        learns no class prior of the training set. A prior helps on photos drawn like
        the training ones and hurts on others: in ``benchmarks/joint_vs_vad.py``
        (one member), training on Emotion6 without balance put GAPED's photos on
        Emotion6's majority quadrant, Q1, and its P@1 fell below chance (0.20 against
        0.29 balanced).
    n_members : int, default 3
        Independently seeded embeddings trained side by side; a photo's embedding is
        theirs concatenated and divided by sqrt(n_members), so its cosine similarity to
        a song is the mean of the members' (an ensemble: with one member, the P@1 of
        ``benchmarks/joint_vs_vad.py`` moved by +-0.02 in-domain and +-0.04 across
        sets from seed to seed). The embedding has ``n_members * dim`` components.
        Training takes about 1.1 s per member on 2,189 photos and 724 songs, one core.
    random_state : int, default 0
        Seeds the initial weights, the batches and the mining (member m from
        ``(random_state, m)``): the same call on the same data gives the same model,
        bit for bit.

    Attributes
    ----------
    labels : tuple of str
        The label vocabulary (sorted), after :meth:`fit` or :meth:`load`.
    card : dict
        Description and provenance (JSON-able); free entries may be added before saving.
    loss_curve_ : list of float
        Mean training loss per epoch (after :meth:`fit`).
    """

    def __init__(self, dim: int = 16, hidden: int = 32, activation: str = "tanh",
                 margin: float = 0.2, n_epochs: int = 40, batch_size: int = 64,
                 learning_rate: float = 3e-3, weight_decay: float = 1e-2,
                 mining: str = "weighted", pair_weights=(0.4, 0.3, 0.3),
                 agreement: str = "quadrant", balance: bool = True, n_members: int = 3,
                 random_state: int = 0):
        self.dim = dim
        self.hidden = hidden
        self.activation = activation
        self.margin = margin
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.mining = mining
        self.pair_weights = pair_weights
        self.agreement = agreement
        self.balance = balance
        self.n_members = n_members
        self.random_state = random_state
        self.card: dict = {}
        self._branches: dict[str, _Branch] | None = None
        self._labels: tuple[str, ...] = ()
        self._table: np.ndarray | None = None
        self._points: np.ndarray | None = None
        self._classes: np.ndarray | None = None
        self._activation = activation   # the one the fitted branches use
        self._fit_params: dict = {}

    _PARAMS = ("dim", "hidden", "activation", "margin", "n_epochs", "batch_size",
               "learning_rate", "weight_decay", "mining", "pair_weights", "agreement",
               "balance", "n_members", "random_state")

    def get_params(self) -> dict:
        """The constructor parameters, as scikit-learn's ``get_params`` (JSON-able)."""
        out = {k: getattr(self, k) for k in self._PARAMS}
        out["pair_weights"] = [float(x) for x in out["pair_weights"]]
        return out

    # ................................................................. checks
    def _check_params(self) -> None:
        def integer(name, low):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
                raise ParameterError(f"{name} must be an integer >= {low}, got {v!r}")

        integer("dim", 3)
        integer("hidden", 0)
        integer("n_epochs", 1)
        integer("batch_size", 1)
        integer("n_members", 1)
        for name in ("margin", "learning_rate", "weight_decay"):
            v = getattr(self, name)
            if not isinstance(v, (int, float, np.floating)) or not math.isfinite(v) \
                    or v < 0 or (name == "learning_rate" and v == 0):
                raise ParameterError(f"{name} must be a finite number "
                                     f"{'> 0' if name == 'learning_rate' else '>= 0'}, "
                                     f"got {v!r}")
        for name, allowed in (("activation", ACTIVATIONS), ("mining", MINING),
                              ("agreement", AGREEMENTS)):
            if getattr(self, name) not in allowed:
                raise ParameterError(f"{name} must be one of {', '.join(allowed)}, "
                                     f"got {getattr(self, name)!r}")
        if not isinstance(self.balance, (bool, np.bool_)):
            raise ParameterError(f"balance must be True or False, got {self.balance!r}")
        w = np.asarray(self.pair_weights, dtype=np.float64)
        if w.shape != (3,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ParameterError("pair_weights must be three non-negative numbers, not all 0")

    def _fitted(self) -> dict[str, _Branch]:
        if self._branches is None:
            raise ModelError("the joint embedding is not fitted; call fit() or load()")
        return self._branches

    # ............................................................ properties
    @property
    def labels(self) -> tuple[str, ...]:
        return self._labels

    @property
    def embedding_dim(self) -> int:
        """Components of an embedding: ``n_members * dim``."""
        return self._fitted()["image"].dim

    @property
    def image_schema(self) -> str:
        return self._fitted()["image"].schema

    @property
    def audio_schema(self) -> str:
        return self._fitted()["audio"].schema

    @property
    def image_names(self) -> tuple[str, ...]:
        return self._fitted()["image"].names

    @property
    def audio_names(self) -> tuple[str, ...]:
        return self._fitted()["audio"].names

    def __repr__(self) -> str:
        if self._branches is None:
            return f"JointEmbedding(dim={self.dim}, hidden={self.hidden}, unfitted)"
        return (f"JointEmbedding(dim={self._branches['image'].dim}, "
                f"image={self.image_schema}, "
                f"audio={self.audio_schema}, labels={','.join(self._labels)})")

    # ............................................................... training
    def fit(self, image_X, image_labels, audio_X, audio_labels, *, image_names,
            audio_names, image_schema: str, audio_schema: str,
            label_points: Mapping | None = None) -> "JointEmbedding":
        """Train the three branches together.

        Parameters
        ----------
        image_X : ndarray, shape (n_photos, n_image_features)
        image_labels : sequence of str, length n_photos
            Each photo's emotion label (e.g. its Russell quadrant, or a taxonomy word).
        audio_X : ndarray, shape (n_songs, n_audio_features)
        audio_labels : sequence of str, length n_songs
        image_names, audio_names : sequence of str
            Column names; stored, and used to pick columns when embedding.
        image_schema, audio_schema : str
            Feature schema versions; stored, and checked when embedding.
        label_points : mapping label -> (v, a[, d]), optional
            Initial points of labels (default
            :func:`affect_features.joint.default_label_point`).

        Returns
        -------
        self

        Raises
        ------
        ParameterError
            Bad shapes, non-finite features, missing labels, bad hyper-parameters, or
            no emotion shared by photos and songs (nothing to learn a match from).
        """
        self._check_params()
        Xi = _check_features(image_X, image_names, "image")
        Xa = _check_features(audio_X, audio_names, "audio")
        li_text = _check_labels(image_labels, len(Xi), "image")
        la_text = _check_labels(audio_labels, len(Xa), "audio")
        labels = tuple(sorted(set(li_text) | set(la_text)))
        points = label_points_of(labels, label_points)
        classes = emotion_classes(points, self.agreement)
        index = {lab: k for k, lab in enumerate(labels)}
        li = np.array([index[lab] for lab in li_text], dtype=np.intp)
        la = np.array([index[lab] for lab in la_text], dtype=np.intp)
        ci, ca = classes[li], classes[la]
        if not np.isin(ci, ca).any():
            raise ParameterError("the photos' and the songs' labels share no emotion; "
                                 "nothing to learn a match from")

        mean_i, scale_i = _standardise(Xi)
        mean_a, scale_a = _standardise(Xa)
        Zi, Za = (Xi - mean_i) / scale_i, (Xa - mean_a) / scale_a
        members, curves = [], []
        for m in range(self.n_members):
            # Member m has its own stream, seeded by (random_state, m).
            rng = np.random.default_rng([self.random_state, m])
            table = np.zeros((len(labels), self.dim))
            table[:, :3] = points
            table[:, 3:] = rng.normal(scale=0.05, size=(len(labels), self.dim - 3))
            params = {"image": init_layers(rng, Xi.shape[1], self.hidden, self.dim),
                      "audio": init_layers(rng, Xa.shape[1], self.hidden, self.dim),
                      "label": table}
            curves.append(self._train(rng, params, Zi, Za, li, la, ci, ca))
            members.append(params)
        self.loss_curve_ = [float(x) for x in np.mean(curves, axis=0)]

        self._branches = {
            "image": _Branch("image", image_schema, image_names, mean_i, scale_i,
                             [p["image"] for p in members]),
            "audio": _Branch("audio", audio_schema, audio_names, mean_a, scale_a,
                             [p["audio"] for p in members]),
        }
        self._labels = labels
        self._table = np.stack([p["label"] for p in members])
        self._activation = self.activation
        self._fit_params = self.get_params()
        self._points, self._classes = points, classes
        counts = {"image": {lab: li_text.count(lab) for lab in labels if lab in li_text},
                  "audio": {lab: la_text.count(lab) for lab in labels if lab in la_text}}
        self.card = {"training": {"n_image": len(Xi), "n_audio": len(Xa),
                                  "label_counts": counts,
                                  "final_loss": self.loss_curve_[-1]}}
        return self

    def fit_labelled(self, image, audio, *, label_points: Mapping | None = None
                     ) -> "JointEmbedding":
        """:meth:`fit` on two :class:`affect_features.training.LabelledFeatures`.

        Each item's label is its Russell quadrant (``data.quadrants``: of its label, or
        of its rated point); the training sets and their sizes go into the card.
        """
        self.fit(image.X, list(image.quadrants), audio.X, list(audio.quadrants),
                 image_names=image.names, audio_names=audio.names,
                 image_schema=image.schema, audio_schema=audio.schema,
                 label_points=label_points)
        self.card["training"]["sets"] = {
            "image": [{"spec": s, "n_items": n} for s, n in image.sets],
            "audio": [{"spec": s, "n_items": n} for s, n in audio.sets]}
        return self

    def _train(self, rng, params, Zi, Za, li, la, ci, ca) -> list[float]:
        """Adam on the batch objective; returns the mean loss of each epoch."""
        n_i, n_a = len(Zi), len(Za)
        steps = max(1, -(-max(n_i, n_a) // self.batch_size))
        b_i, b_a = -(-n_i // steps), -(-n_a // steps)
        pools = {c: np.flatnonzero(ca == c) for c in np.unique(ca)}
        w_ia, w_il, w_al = (float(x) for x in self.pair_weights)
        # All parameters as views of one vector, so that an Adam step is a few vector
        # operations; weight decay applies to weights and the label table, not biases.
        arrays = _flat(params)
        theta = np.concatenate([a.ravel() for a in arrays])
        decay = np.concatenate([np.full(a.size, float(a.ndim == 2) * self.weight_decay)
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
        for _ in range(self.n_epochs):
            perm_i, perm_a = self._order(rng, ci), self._order(rng, ca)
            losses = []
            for s in range(steps):
                bi = perm_i[(s * b_i + np.arange(b_i)) % n_i]
                ba = perm_a[(s * b_a + np.arange(b_a)) % n_a]
                terms, audio_rows = self._batch_terms(rng, params, Zi, Za, bi, ba, li, la,
                                                      ci, ca, pools, (w_ia, w_il, w_al))
                loss, grads = objective(params, Zi[bi], Za[audio_rows], terms,
                                        self.margin, self.activation)
                losses.append(loss)
                t += 1
                lr_t = self.learning_rate * math.sqrt(1 - _BETA2 ** t) / (1 - _BETA1 ** t)
                g = np.concatenate([x.ravel() for x in _flat(grads)]) + decay * theta
                m1 *= _BETA1
                m1 += (1 - _BETA1) * g
                m2 *= _BETA2
                m2 += (1 - _BETA2) * g * g
                theta -= lr_t * m1 / (np.sqrt(m2) + _ADAM_EPS)
            curve.append(float(np.mean(losses)))
        return curve

    def _order(self, rng, classes: np.ndarray) -> np.ndarray:
        """The anchors of one epoch: a permutation, or with ``balance`` a draw (with
        replacement) in which every emotion is equally likely, whatever its count."""
        if not self.balance:
            return rng.permutation(len(classes))
        _, inverse, counts = np.unique(classes, return_inverse=True, return_counts=True)
        p = 1.0 / counts[inverse]
        return rng.choice(len(classes), size=len(classes), replace=True, p=p / p.sum())

    def _batch_terms(self, rng, params, Zi, Za, bi, ba, li, la, ci, ca, pools, weights):
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
        ei = normalise(layers_forward(params["image"], Zi[bi], self.activation)[0])[0]
        ea = normalise(layers_forward(params["audio"], Za[audio_rows], self.activation)[0])[0]
        el = normalise(params["label"])[0]
        terms = []

        def add(weight, ab, a_emb, a_rows, a_cls, pb, p_emb, p_rows, p_cls):
            if weight == 0 or len(a_rows) == 0:
                return
            sim = a_emb @ p_emb.T
            other = a_cls[:, None] != p_cls[None, :]
            neg = mine_negatives(rng, sim, other, self.mining, sim_pos=np.diag(sim))
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

    # .............................................................. embedding
    def _embed(self, modality, X, schema, names) -> np.ndarray:
        branch = self._fitted()[modality]
        arr, single = branch.matrix(X, schema, names)
        if arr.shape[0] == 0:
            return np.zeros((0, branch.dim))
        emb = branch.embed((arr - branch.mean) / branch.scale, self._activation)
        return emb[0] if single else emb

    def embed_image(self, X, *, schema: str | None = None,
                    names: Sequence[str] | None = None) -> np.ndarray:
        """Unit embeddings of photos.

        Parameters
        ----------
        X : ndarray (n, n_features) or (n_features,), FeatureVector, or list of them
            Image features. A FeatureVector is checked against the model's image schema
            and its features picked by name; a bare array must have the model's columns
            in its order unless `names` says which columns it has.
        schema, names : optional
            Schema and column names of a bare array.

        Returns
        -------
        embedding : ndarray, shape (n, dim), or (dim,) for one vector

        Raises
        ------
        SchemaError
            Features of another schema, or some of the model's features missing.
        """
        return self._embed("image", X, schema, names)

    def embed_audio(self, X, *, schema: str | None = None,
                    names: Sequence[str] | None = None) -> np.ndarray:
        """Unit embeddings of songs (as :meth:`embed_image`, for the audio branch)."""
        return self._embed("audio", X, schema, names)

    def embed_label(self, label) -> np.ndarray:
        """Unit embedding of a label (shape (dim,)), or of a list of labels (n, dim).

        Raises
        ------
        ParameterError
            A label the model was not trained on.
        """
        self._fitted()
        single = isinstance(label, str)
        wanted = [label] if single else list(label)
        index = {lab: k for k, lab in enumerate(self._labels)}
        unknown = [lab for lab in wanted if lab not in index]
        if unknown:
            raise ParameterError(f"unknown label {unknown[0]!r}; the joint model knows "
                                 f"{', '.join(self._labels)}")
        rows = [index[lab] for lab in wanted]
        emb = _concat([normalise(t[rows])[0] for t in self._table])
        return emb[0] if single else emb

    def nearest_label(self, embedding):
        """The label whose vector is most similar to each embedding (str, or array)."""
        self._fitted()
        e = np.asarray(embedding, dtype=np.float64)
        single = e.ndim == 1
        if e.ndim != 1 and e.shape[0] == 0:
            return np.array([], dtype=str)
        sim = np.atleast_2d(e) @ self.embed_label(list(self._labels)).T
        names = np.asarray(self._labels)[np.argmax(sim, axis=1)]
        return str(names[0]) if single else names

    # .................................................................... I/O
    def _arrays(self) -> dict[str, np.ndarray]:
        branches = self._fitted()
        arrays: dict[str, np.ndarray] = {
            "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
            "activation": np.array(self._activation),
            "labels": np.array(self._labels, dtype=str),
            "label_table": self._table,
            "label_points": self._points,
            "label_classes": np.asarray(self._classes, dtype=np.int64),
        }
        for m in _MODALITIES:
            b = branches[m]
            arrays[f"{m}.schema"] = np.array(b.schema)
            arrays[f"{m}.feature_names"] = np.array(b.names, dtype=str)
            arrays[f"{m}.mean"] = b.mean
            arrays[f"{m}.scale"] = b.scale
            arrays[f"{m}.n_members"] = np.array(len(b.members), dtype=np.int64)
            for k, layers in enumerate(b.members):
                arrays[f"{m}.member{k}.n_layers"] = np.array(len(layers), dtype=np.int64)
                for i, (w, bias) in enumerate(layers):
                    arrays[f"{m}.member{k}.W{i}"] = w
                    arrays[f"{m}.member{k}.b{i}"] = bias
        return arrays

    def save(self, path) -> tuple[str, str]:
        """Write ``<stem>.npz`` (weights) and ``<stem>.json`` (card), each atomically.

        As :meth:`affect_features.models.EmotionModel.save`: the weights first, then the
        card carrying their SHA-256, so that a crash in between leaves a pair that
        :meth:`load` refuses; the same model gives the same bytes.

        Returns
        -------
        npz_path, card_path : str
        """
        from ..models import _jsonable, _library_versions, _model_paths, _npz_bytes, \
            names_hash
        from ..output import atomic_write_bytes

        branches = self._fitted()
        npz_path, card_path = _model_paths(path)
        data = _npz_bytes(self._arrays())
        card = dict(self.card)
        card.update({
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "kind": "joint",
            "method": "three-branch triplet metric learning (Won et al., ISMIR 2021)",
            "dim": int(self._table.shape[0] * self._table.shape[2]),
            "n_members": int(self._table.shape[0]),
            "hyper_parameters": dict(self._fit_params),
            "random_state": self._fit_params["random_state"],
            "labels": list(self._labels),
            "label_points": {lab: list(p) for lab, p in zip(self._labels, self._points)},
            "library_versions": _library_versions(),
            "npz": os.path.basename(npz_path),
            "npz_sha256": hashlib.sha256(data).hexdigest(),
        })
        for m in _MODALITIES:
            b = branches[m]
            card[m] = {"schema": b.schema, "n_features": len(b.names),
                       "feature_names": list(b.names),
                       "feature_names_sha256": names_hash(b.names)}
        text = json.dumps(_jsonable(card), indent=2, sort_keys=True, allow_nan=False) + "\n"
        atomic_write_bytes(npz_path, data, error=ModelError)
        atomic_write_bytes(card_path, text.encode("utf-8"), error=ModelError)
        self.card = card
        return npz_path, card_path

    @classmethod
    def load(cls, path) -> "JointEmbedding":
        """Read a model written by :meth:`save` (``x.npz``, ``x.json`` or the stem ``x``).

        Raises
        ------
        ModelError
            A file missing or unreadable, not a joint-embedding card, the ``.npz`` not
            matching the SHA-256 of its card, or malformed content.
        """
        from ..files import LIMITS, read_bytes, read_text
        from ..models import _model_paths, _read_npz_members, names_hash

        npz_path, card_path = _model_paths(path)
        # regular files within the declared limits, checked before reading (a FIFO, a
        # device or /dev/zero is refused in one line, never read until memory runs out)
        data = read_bytes(npz_path, "model weights", LIMITS["model weights"],
                          error=ModelError)
        if not os.path.exists(card_path):
            raise ModelError(f"{card_path}: model card missing (it must sit next to "
                             f"{os.path.basename(npz_path)})")
        text = read_text(card_path, "model card", LIMITS["model card"], error=ModelError)
        try:
            card = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise ModelError(f"{card_path}: unreadable model card ({exc})") from None
        if not isinstance(card, dict) or card.get("format") != FORMAT:
            raise ModelError(f"{card_path}: not an affect_features joint-embedding card")
        if card.get("format_version") != FORMAT_VERSION:
            raise ModelError(f"{card_path}: joint-embedding format version "
                             f"{card.get('format_version')!r} is not supported "
                             f"(this version reads {FORMAT_VERSION})")
        if hashlib.sha256(data).hexdigest() != card.get("npz_sha256"):
            raise ModelError(f"{npz_path}: SHA-256 does not match its card "
                             f"{os.path.basename(card_path)} (the weights were changed or "
                             f"corrupted); refusing to load")
        try:
            # member sizes, dtypes and shapes checked from the zip headers before any
            # member is inflated (a deflate bomb is refused, not read)
            a = _read_npz_members(data, npz_path)
            model = cls._from_arrays(a, card)
        except ModelError as exc:
            raise ModelError(f"{npz_path}: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - any parse failure is a bad file
            raise ModelError(f"{npz_path}: malformed joint-embedding weights ({exc})"
                             ) from None
        for m in _MODALITIES:
            b, entry = model._branches[m], card.get(m) or {}
            if entry.get("schema") != b.schema or entry.get("feature_names") != list(b.names) \
                    or entry.get("feature_names_sha256") != names_hash(b.names):
                raise ModelError(f"{card_path}: {m} schema or feature names disagree with "
                                 f"{os.path.basename(npz_path)}")
        return model

    @classmethod
    def _from_arrays(cls, a: Mapping[str, np.ndarray], card: Mapping) -> "JointEmbedding":
        if int(a["format_version"]) != FORMAT_VERSION:
            raise ModelError(f"unsupported format version {int(a['format_version'])}")
        hp = dict(card.get("hyper_parameters") or {})
        activation = str(a["activation"])
        if activation not in ACTIVATIONS:
            raise ModelError(f"unknown activation {activation!r}")
        known = set(cls._PARAMS) - {"activation", "pair_weights"}
        model = cls(**{k: hp[k] for k in known if k in hp}, activation=activation)
        if "pair_weights" in hp:
            model.pair_weights = tuple(hp["pair_weights"])
        branches = {}
        for m in _MODALITIES:
            members = [[(a[f"{m}.member{k}.W{i}"], a[f"{m}.member{k}.b{i}"])
                        for i in range(int(a[f"{m}.member{k}.n_layers"]))]
                       for k in range(int(a[f"{m}.n_members"]))]
            branches[m] = _Branch(m, str(a[f"{m}.schema"]),
                                  [str(n) for n in a[f"{m}.feature_names"]],
                                  a[f"{m}.mean"], a[f"{m}.scale"], members)
        table = np.array(a["label_table"], dtype=np.float64)
        labels = tuple(str(x) for x in a["labels"])
        dims = {branches["image"].dim, branches["audio"].dim}
        n_members = {len(branches["image"].members), len(branches["audio"].members)}
        if table.ndim != 3 or table.shape[1] != len(labels) or {table.shape[0]} != n_members \
                or dims != {table.shape[0] * table.shape[2]} \
                or not np.all(np.isfinite(table)):
            raise ModelError(f"label table of shape {table.shape} does not fit "
                             f"{len(labels)} labels and branches of dimension {sorted(dims)}")
        model._branches, model._labels, model._table = branches, labels, table
        model._points = np.array(a["label_points"], dtype=np.float64)
        model._classes = np.array(a["label_classes"], dtype=np.intp)
        model.dim, model.n_members = table.shape[2], table.shape[0]
        model._fit_params = model.get_params()
        model.card = dict(card)
        return model
