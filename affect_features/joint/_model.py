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

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import ModelError, ParameterError
from ._branch import _Branch, _concat, _standardise
from ._fitting import _check_features, _check_labels, train
from ._format import FORMAT, FORMAT_VERSION, load_model, save_model
from ._labels import AGREEMENTS, emotion_classes
from ._labels import label_points as label_points_of
from ._network import ACTIVATIONS, init_layers, normalise
from ._triplet import MINING

__all__ = ["JointEmbedding", "FORMAT", "FORMAT_VERSION"]


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
            curves.append(train(self, rng, params, Zi, Za, li, la, ci, ca))
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
    def save(self, path) -> tuple[str, str]:
        """Write ``<stem>.npz`` (weights) and ``<stem>.json`` (card), each atomically.

        As :meth:`affect_features.models.EmotionModel.save`: the weights first, then the
        card carrying their SHA-256, so that a crash in between leaves a pair that
        :meth:`load` refuses; the same model gives the same bytes (:mod:`._format`).

        Returns
        -------
        npz_path, card_path : str
        """
        return save_model(self, path)

    @classmethod
    def load(cls, path) -> "JointEmbedding":
        """Read a model written by :meth:`save` (``x.npz``, ``x.json`` or the stem ``x``).

        Raises
        ------
        ModelError
            A file missing or unreadable, not a joint-embedding card, the ``.npz`` not
            matching the SHA-256 of its card, or malformed content.
        """
        return load_model(cls, path)

