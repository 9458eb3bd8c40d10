"""The emotion model: a numpy forward pass from features to valence, arousal, dominance.

An :class:`EmotionModel` maps the features of one declared schema (``image-1``,
``audio-2``) to a point ``(valence, arousal, dominance)`` in [-1, 1]:

1. a standardisation ``z = (x - mean) / scale`` (scikit-learn's ``StandardScaler``:
   a feature of zero variance has scale 1), then
2. one or more *heads* (:class:`_Head`), each predicting a subset of the axes as the
   mean of an ensemble of members: multi-layer perceptrons, each layer
   ``a_{i+1} = f(a_i W_i + b_i)`` with ``f`` the hidden activation and the identity on
   the last layer (scikit-learn's ``MLPRegressor``), or one linear map (``RidgeCV``), then
3. clipping to [-1, 1]; an axis no head predicts is 0 (neutral).

The forward pass is written here in numpy rather than delegated to scikit-learn: it is
what lets a model load from plain arrays (:mod:`._format`), without pickle, and it
reproduces ``MLPRegressor.predict`` to rounding (~1e-15). A model may also hold a
quadrant head (:class:`_QuadrantHead`, a temperature-scaled multinomial logistic
regression, fitted by :func:`~affect_features.models.fit_quadrant_head`).

References
----------
.. [1] Pedregosa, F. et al. (2011). Scikit-learn: Machine learning in Python. JMLR 12,
   2825-2830 (``MLPRegressor``, ``RidgeCV``, ``StandardScaler``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from importlib import resources

import numpy as np

from ..errors import ModelError, ParameterError
from ._columns import feature_columns, feature_matrix
from ._format import (
    _ACTIVATIONS,
    AXES,
    FORMAT,
    FORMAT_VERSION,
    KINDS,
    QUADRANTS,
    _check_layers,
    _npz_bytes,
    _shown,
    names_hash,
    read_model_files,
    write_model_files,
)


def _activate(z: np.ndarray, name: str) -> None:
    """Apply an activation in place, exactly as scikit-learn's ``ACTIVATIONS``."""
    if name == "relu":
        np.maximum(z, 0, out=z)
    elif name == "tanh":
        np.tanh(z, out=z)
    elif name == "logistic":
        from scipy.special import expit
        expit(z, out=z)
    # identity: nothing


class _Head:
    """Axes predicted together, and the members (weights, biases) averaged for them."""

    __slots__ = ("axes", "activation", "out_activation", "members")

    def __init__(self, axes, activation, out_activation, members):
        self.axes = tuple(int(a) for a in axes)
        self.activation = str(activation)
        self.out_activation = str(out_activation)
        self.members = [([np.asarray(w, dtype=np.float64) for w in ws],
                         [np.asarray(b, dtype=np.float64) for b in bs])
                        for ws, bs in members]
        for ws, bs in self.members:
            for a in (*ws, *bs):
                a.setflags(write=False)

    def forward(self, z: np.ndarray) -> np.ndarray:
        """Mean of the members' outputs for standardised rows `z`, shape (n, len(axes))."""
        outs = []
        for ws, bs in self.members:
            act = z
            last = len(ws) - 1
            for i, (w, b) in enumerate(zip(ws, bs)):
                act = act @ w
                act += b
                _activate(act, self.activation if i != last else self.out_activation)
            outs.append(act)
        return np.mean(np.stack(outs), axis=0)


class _QuadrantHead:
    """Multinomial logistic regression over the standardised features, with a
    temperature: ``p = softmax((z @ coef.T + intercept) / temperature)``.

    The temperature (Guo et al. 2017, "On calibration of modern neural networks",
    ICML, sec. 4.2) rescales the logits without moving their argmax; it is fitted on
    out-of-fold logits by :func:`fit_quadrant_head`.
    """

    __slots__ = ("coef", "intercept", "temperature")

    def __init__(self, coef, intercept, temperature=1.0):
        self.coef = np.array(coef, dtype=np.float64)
        self.intercept = np.array(intercept, dtype=np.float64)
        self.temperature = np.array(temperature, dtype=np.float64)
        for a in (self.coef, self.intercept, self.temperature):
            a.setflags(write=False)

    def check(self, n_features: int) -> None:
        k = len(QUADRANTS)
        if self.coef.shape != (k, n_features) or self.intercept.shape != (k,) \
                or self.temperature.shape != ():
            raise ModelError(f"quadrant head: shapes {self.coef.shape}/"
                             f"{self.intercept.shape}/{self.temperature.shape}, expected "
                             f"({k}, {n_features})/({k},)/()")
        if not (np.all(np.isfinite(self.coef)) and np.all(np.isfinite(self.intercept))
                and np.isfinite(self.temperature) and self.temperature > 0):
            raise ModelError("quadrant head: non-finite weights or temperature <= 0")

    def proba(self, z: np.ndarray) -> np.ndarray:
        """Class probabilities of standardised rows `z`, shape (n, 4), Q1..Q4."""
        logits = (z @ self.coef.T + self.intercept) / self.temperature
        return _softmax(logits)


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum so that no exponent overflows."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class EmotionModel:
    """Features of one schema to points ``(valence, arousal, dominance)`` in [-1, 1].

    Build one with :func:`train_model`, :meth:`load` or :meth:`default`; run it with
    :meth:`predict`. See the module docstring for what is inside.

    Attributes
    ----------
    names : tuple of str
        The feature names the model reads, in order.
    schema : str
        Their schema version (e.g. ``"image-1"``).
    modality : str
        ``"image"`` or ``"audio"``.
    kind : str
        ``"mlp"`` or ``"ridge"``.
    learned : ndarray of bool, shape (3,)
        Which axes the model predicts (an unlearned axis is predicted as 0).
    card : dict
        The model card: description, provenance and metrics (JSON-able). Free-form
        entries may be added before :meth:`save`; the structural ones (names, schema,
        heads, hash) are rewritten from the weights on saving.
    has_quadrant_head : bool
        Whether the model also holds a quadrant classifier
        (:meth:`predict_quadrant_proba`); ``card["quadrant_source"]`` says whether
        :meth:`predict_quadrant` answers from it or from the regressed point.
    """

    def __init__(self, *, names: Sequence[str], schema: str, modality: str,
                 mean, scale, heads: Sequence[_Head], kind: str = "mlp",
                 card: Mapping | None = None, quadrant_head: _QuadrantHead | None = None):
        self._names = tuple(str(n) for n in names)
        self.schema = str(schema)
        self.modality = str(modality)
        if kind not in KINDS:
            raise ModelError(f"unknown model kind {kind!r}; expected one of {', '.join(KINDS)}")
        self.kind = kind
        self._mean = np.array(mean, dtype=np.float64).ravel()
        self._scale = np.array(scale, dtype=np.float64).ravel()
        self._heads = list(heads)
        self._quadrant_head = quadrant_head
        self._check()
        self._mean.setflags(write=False)
        self._scale.setflags(write=False)
        self.card = dict(card or {})

    # ..................................................................... checks
    def _check(self) -> None:
        f = len(self._names)
        if len(set(self._names)) != f:
            raise ModelError("feature names are not unique")
        if self._mean.shape != (f,) or self._scale.shape != (f,):
            raise ModelError(f"scaler has {self._mean.size}/{self._scale.size} entries "
                             f"for {f} features")
        if not (np.all(np.isfinite(self._mean)) and np.all(np.isfinite(self._scale))
                and np.all(self._scale > 0)):
            raise ModelError("scaler mean/scale must be finite with scale > 0")
        seen: set[int] = set()
        for h, head in enumerate(self._heads):
            if not head.axes or any(a not in (0, 1, 2) for a in head.axes) \
                    or seen & set(head.axes) or len(set(head.axes)) != len(head.axes):
                raise ModelError(f"head {h}: bad output axes {head.axes}")
            seen |= set(head.axes)
            if head.activation not in _ACTIVATIONS or head.out_activation not in _ACTIVATIONS:
                raise ModelError(f"head {h}: unknown activation "
                                 f"{head.activation!r}/{head.out_activation!r}")
            if not head.members:
                raise ModelError(f"head {h}: no members")
            for m, (ws, bs) in enumerate(head.members):
                width = _check_layers(ws, bs, f, f"head {h} member {m}")
                if width != len(head.axes):
                    raise ModelError(f"head {h} member {m}: {width} outputs for "
                                     f"{len(head.axes)} axes")
        if self._quadrant_head is not None:
            self._quadrant_head.check(f)

    # ................................................................. properties
    @property
    def feature_means(self) -> np.ndarray:
        """Training mean of each feature (the scaler's centre; read-only), in
        :attr:`names` order: the model's "average input"."""
        return self._mean

    @property
    def feature_scales(self) -> np.ndarray:
        """The scaler's scale of each feature (read-only), in :attr:`names` order."""
        return self._scale

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    @property
    def n_features(self) -> int:
        return len(self._names)

    @property
    def learned(self) -> np.ndarray:
        out = np.zeros(3, dtype=bool)
        for head in self._heads:
            out[list(head.axes)] = True
        return out

    @property
    def has_quadrant_head(self) -> bool:
        return self._quadrant_head is not None

    @property
    def quadrant_source(self) -> str:
        """``"head"`` when the card chose the quadrant head, else ``"regression"`` (the
        sign pattern of the predicted valence and arousal)."""
        if self._quadrant_head is not None and self.card.get("quadrant_source") == "head":
            return "head"
        return "regression"

    @property
    def n_members(self) -> int:
        return max((len(h.members) for h in self._heads), default=0)

    @property
    def version(self) -> str:
        """The model's identity: the SHA-256 (hex) of its weights file.

        The same 64 digits as the card's ``npz_sha256`` once saved (:meth:`save` writes
        the archive with fixed timestamps, so the same weights give the same bytes);
        computed from the weights for a model not yet saved. Two models share a version
        exactly when their weights are byte for byte the same, so a music library
        stores it with each point and re-predicts when it changes.
        """
        cached = getattr(self, "_version", None)
        if cached is None:
            cached = hashlib.sha256(_npz_bytes(self._arrays())).hexdigest()
            self._version = cached
        return cached

    def __repr__(self) -> str:
        axes = ",".join(a for a, ok in zip(AXES, self.learned) if ok)
        return (f"EmotionModel(modality={self.modality!r}, schema={self.schema!r}, "
                f"kind={self.kind!r}, n_features={self.n_features}, axes={axes}, "
                f"members={self.n_members})")

    # ................................................................ prediction
    def check_schema(self, schema: str | None, names: Sequence[str] | None = None) -> np.ndarray:
        """Check that features of `schema` with `names` can feed this model.

        Parameters
        ----------
        schema : str or None
            Schema version of the features (None: not checked).
        names : sequence of str, optional
            Their names, in their order. Every feature of the model must be among them;
            extra features are ignored (e.g. a model trained on some groups only).

        Returns
        -------
        index : ndarray of int, shape (n_features,)
            Positions in `names` of the model's features, in the model's order
            (``arange(n_features)`` when `names` is None).

        Raises
        ------
        SchemaError
            Different schema version, or some of the model's features missing.
        """
        return feature_columns(self._names, self.schema, schema, names,
                               what=f"the {self.modality} model")

    def _matrix(self, X, schema, names) -> tuple[np.ndarray, bool]:
        return feature_matrix(X, check_schema=self.check_schema, n_features=self.n_features,
                              what=f"the {self.modality} model", schema=schema, names=names)

    def predict(self, X, *, schema: str | None = None,
                names: Sequence[str] | None = None) -> np.ndarray:
        """Points ``(valence, arousal, dominance)`` in [-1, 1].

        Parameters
        ----------
        X : ndarray (n, n_features) or (n_features,), FeatureVector, or list of them
            Features. A FeatureVector is checked against the model's schema and its
            features picked by name; a bare array must have the model's columns in the
            model's order, unless `names` says which columns it has.
        schema, names : optional
            Schema and column names of a bare array, checked as :meth:`check_schema`.

        Returns
        -------
        points : ndarray, shape (n, 3), or (3,) for one vector
            Clipped to [-1, 1]; an axis the model did not learn is 0.
        """
        arr, single = self._matrix(X, schema, names)
        with np.errstate(over="ignore", invalid="ignore"):
            z = (arr - self._mean) / self._scale
            out = np.zeros((arr.shape[0], 3))
            for head in self._heads:
                out[:, list(head.axes)] = head.forward(z)
        if not np.all(np.isfinite(out)):
            # Finite weights can still overflow (a model from elsewhere): never clip an
            # infinity or NaN into a plausible-looking point.
            name = getattr(self, "source", None) or f"the {self.modality} model"
            raise ModelError(f"{name}: the prediction overflowed (weights too large for "
                             f"these features)")
        np.clip(out, -1.0, 1.0, out=out)
        return out[0] if single else out

    def predict_quadrant_proba(self, X, *, schema: str | None = None,
                               names: Sequence[str] | None = None) -> np.ndarray:
        """Probabilities of the Russell quadrants Q1..Q4 from the quadrant head.

        Parameters
        ----------
        X, schema, names : as :meth:`predict`.

        Returns
        -------
        proba : ndarray, shape (n, 4), or (4,) for one vector
            Columns in the order of :data:`QUADRANTS`; each row sums to 1.

        Raises
        ------
        ModelError
            The model has no quadrant head.
        """
        if self._quadrant_head is None:
            name = getattr(self, "source", None) or f"the {self.modality} model"
            raise ModelError(f"{name}: has no quadrant head (retrain it to add one)")
        arr, single = self._matrix(X, schema, names)
        with np.errstate(over="ignore", invalid="ignore"):
            proba = self._quadrant_head.proba((arr - self._mean) / self._scale)
        if not np.all(np.isfinite(proba)):
            name = getattr(self, "source", None) or f"the {self.modality} model"
            raise ModelError(f"{name}: the quadrant probabilities overflowed")
        return proba[0] if single else proba

    def predict_quadrant(self, X, *, schema: str | None = None,
                         names: Sequence[str] | None = None):
        """Quadrant labels from the source the card chose (:attr:`quadrant_source`):
        the head's most probable class, or the sign pattern of the predicted point
        (:func:`affect_features.space.quadrant`). A str for one vector, else (n,)."""
        if self.quadrant_source == "head":
            proba = np.atleast_2d(self.predict_quadrant_proba(X, schema=schema, names=names))
            labels = np.array(QUADRANTS)[np.argmax(proba, axis=1)]
        else:
            from ..space import quadrant
            labels = np.atleast_1d(quadrant(np.atleast_2d(
                self.predict(X, schema=schema, names=names))[:, :2]))
        _, single = self._matrix(X, schema, names)
        return str(labels[0]) if single else labels

    def with_quadrant_head(self, coef, intercept, temperature=1.0, *,
                           card: Mapping | None = None) -> "EmotionModel":
        """The same model with a quadrant head (e.g. from :func:`fit_quadrant_head`)
        on its standardised features; `card` entries (``quadrant_source``,
        ``quadrant_head``) are merged into a copy of the card."""
        new_card = dict(self.card)
        new_card.update(card or {})
        return type(self)(names=self._names, schema=self.schema, modality=self.modality,
                          mean=self._mean, scale=self._scale, heads=self._heads,
                          kind=self.kind, card=new_card,
                          quadrant_head=_QuadrantHead(coef, intercept, temperature))

    # ............................................................ construction
    @classmethod
    def from_estimators(cls, *, names, schema, modality, mean, scale, heads,
                        kind: str = "mlp", card: Mapping | None = None) -> "EmotionModel":
        """Build a model from fitted scikit-learn estimators.

        Parameters
        ----------
        names, schema, modality : see the class attributes.
        mean, scale : array_like, shape (n_features,)
            Standardisation (e.g. a fitted ``StandardScaler``'s ``mean_``, ``scale_``).
        heads : sequence of (axes, estimators)
            Output axes (indices into V, A, D) and the fitted ``MLPRegressor`` or
            linear estimators (``coef_``, ``intercept_``) whose mean predicts them from
            standardised features.
        kind : {"mlp", "ridge"}
        """
        built = []
        for axes, estimators in heads:
            members, activation, out_activation = [], "identity", "identity"
            for est in estimators:
                if hasattr(est, "coefs_"):
                    members.append((list(est.coefs_), list(est.intercepts_)))
                    activation, out_activation = est.activation, est.out_activation_
                else:
                    coef = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
                    intercept = np.atleast_1d(np.asarray(est.intercept_, dtype=np.float64))
                    members.append(([coef.T], [intercept]))
            built.append(_Head(axes, activation, out_activation, members))
        return cls(names=names, schema=schema, modality=modality, mean=mean, scale=scale,
                   heads=built, kind=kind, card=card)

    # ....................................................................... I/O
    def _arrays(self) -> dict[str, np.ndarray]:
        arrays: dict[str, np.ndarray] = {
            "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
            "schema": np.array(self.schema),
            "modality": np.array(self.modality),
            "kind": np.array(self.kind),
            "feature_names": np.array(self._names, dtype=str),
            "scaler_mean": self._mean,
            "scaler_scale": self._scale,
            "output_axes": np.array(AXES),
            "learned": self.learned,
            "n_heads": np.array(len(self._heads), dtype=np.int64),
        }
        for h, head in enumerate(self._heads):
            p = f"head{h}"
            arrays[f"{p}.axes"] = np.array(head.axes, dtype=np.int64)
            arrays[f"{p}.activation"] = np.array(head.activation)
            arrays[f"{p}.out_activation"] = np.array(head.out_activation)
            arrays[f"{p}.n_members"] = np.array(len(head.members), dtype=np.int64)
            for m, (ws, bs) in enumerate(head.members):
                arrays[f"{p}.member{m}.n_layers"] = np.array(len(ws), dtype=np.int64)
                for i, (w, b) in enumerate(zip(ws, bs)):
                    arrays[f"{p}.member{m}.W{i}"] = w
                    arrays[f"{p}.member{m}.b{i}"] = b
        q = self._quadrant_head
        if q is not None:
            arrays["quadrant.classes"] = np.array(QUADRANTS)
            arrays["quadrant.coef"] = q.coef
            arrays["quadrant.intercept"] = q.intercept
            arrays["quadrant.temperature"] = q.temperature
        return arrays

    def save(self, path) -> tuple[str, str]:
        """Write ``<stem>.npz`` (weights) and ``<stem>.json`` (card), each atomically.

        Parameters
        ----------
        path : str or path-like
            ``model.npz``, ``model.json`` or the stem ``model``.

        Returns
        -------
        npz_path, card_path : str

        Notes
        -----
        The weights are written first, then the card that carries their SHA-256: a
        crash in between leaves a pair that :meth:`load` refuses, never a silently
        mismatched one. The archive has fixed timestamps, so the same model gives the
        same bytes (and hash).
        """
        card = dict(self.card)
        card.update({
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "modality": self.modality,
            "schema": self.schema,
            "kind": self.kind,
            "n_features": self.n_features,
            "feature_names": list(self._names),
            "feature_names_sha256": names_hash(self._names),
            "axes": list(AXES),
            "learned": [bool(x) for x in self.learned],
            "n_members": self.n_members,
            "has_quadrant_head": self.has_quadrant_head,
        })
        npz_path, card_path, self.card = write_model_files(path, self._arrays(), card)
        return npz_path, card_path

    @classmethod
    def load(cls, path) -> "EmotionModel":
        """Read a model written by :meth:`save`.

        Parameters
        ----------
        path : str or path-like
            ``model.npz``, ``model.json`` or the stem ``model``.

        Raises
        ------
        ModelError
            A file is missing or unreadable, the ``.npz`` does not match the SHA-256 in
            its card (changed or corrupted: refused), or the content is malformed.
        """
        npz_path, card_path, arrays, card = read_model_files(path)
        try:
            model = cls._from_arrays(arrays, card)
        except (KeyError, ValueError, TypeError, IndexError) as exc:
            raise ModelError(f"{npz_path}: malformed model weights ({exc})") from None
        except ModelError as exc:
            raise ModelError(f"{npz_path}: {exc}") from None
        if card.get("feature_names") != list(model.names) \
                or card.get("feature_names_sha256") != names_hash(model.names) \
                or card.get("schema") != model.schema:
            raise ModelError(f"{card_path}: feature schema or names disagree with "
                             f"{os.path.basename(npz_path)}")
        weights_say = {"modality": model.modality, "kind": model.kind,
                       "n_features": model.n_features, "n_members": model.n_members,
                       "learned": [bool(x) for x in model.learned],
                       "has_quadrant_head": model.has_quadrant_head}
        if card.get("quadrant_source") == "head" and not model.has_quadrant_head:
            raise ModelError(f"{card_path}: quadrant_source 'head' but "
                             f"{os.path.basename(npz_path)} holds no quadrant head")
        for key, value in weights_say.items():
            if key in card and card[key] != value:
                raise ModelError(f"{card_path}: {key} {_shown(card[key])} disagrees "
                                 f"with {os.path.basename(npz_path)} ({value!r})")
        model.source = npz_path  # named by errors of this model
        return model

    @classmethod
    def _from_arrays(cls, a: Mapping[str, np.ndarray], card: Mapping) -> "EmotionModel":
        if int(a["format_version"]) != FORMAT_VERSION:
            raise ModelError(f"unsupported format version {int(a['format_version'])}")
        if tuple(str(x) for x in a["output_axes"]) != AXES:
            raise ModelError(f"unexpected output axes {a['output_axes'].tolist()}")
        heads = []
        for h in range(int(a["n_heads"])):
            p = f"head{h}"
            members = []
            for m in range(int(a[f"{p}.n_members"])):
                n_layers = int(a[f"{p}.member{m}.n_layers"])
                members.append(([a[f"{p}.member{m}.W{i}"] for i in range(n_layers)],
                                [a[f"{p}.member{m}.b{i}"] for i in range(n_layers)]))
            heads.append(_Head(a[f"{p}.axes"].tolist(), str(a[f"{p}.activation"]),
                               str(a[f"{p}.out_activation"]), members))
        quadrant_head = None
        if any(k.startswith("quadrant.") for k in a):
            # Absent in models written before the head existed: they load without it.
            if a["quadrant.classes"].shape != (len(QUADRANTS),) \
                    or tuple(str(c) for c in a["quadrant.classes"]) != QUADRANTS:
                raise ModelError(f"quadrant head: classes {a['quadrant.classes'].tolist()}, "
                                 f"expected {list(QUADRANTS)}")
            quadrant_head = _QuadrantHead(a["quadrant.coef"], a["quadrant.intercept"],
                                          a["quadrant.temperature"])
        model = cls(names=[str(n) for n in a["feature_names"]], schema=str(a["schema"]),
                    modality=str(a["modality"]), mean=a["scaler_mean"],
                    scale=a["scaler_scale"], heads=heads, kind=str(a["kind"]), card=card,
                    quadrant_head=quadrant_head)
        if not np.array_equal(np.asarray(a["learned"], dtype=bool), model.learned):
            raise ModelError("the 'learned' mask disagrees with the heads")
        return model

    @classmethod
    def default(cls, modality: str) -> "EmotionModel":
        """The model shipped with the package for ``"image"`` or ``"audio"``.

        Read from ``affect_features/data/models/<modality>.npz`` (and ``.json``).

        Raises
        ------
        ParameterError
            Unknown modality.
        ModelError
            No model shipped for it, or the shipped files are refused by :meth:`load`.
        """
        if modality not in ("image", "audio"):
            raise ParameterError(f"modality must be 'image' or 'audio', got {modality!r}")
        ref = resources.files("affect_features").joinpath("data", "models", f"{modality}.npz")
        card_ref = resources.files("affect_features").joinpath("data", "models",
                                                               f"{modality}.json")
        if not ref.is_file() or not card_ref.is_file():
            raise ModelError(f"no default {modality} model is installed "
                             f"(affect_features/data/models/{modality}.npz and .json); "
                             f"train one and pass it with a model path")
        with resources.as_file(ref) as npz, resources.as_file(card_ref):
            model = cls.load(npz)
        if model.modality != modality:
            raise ModelError(f"the default {modality} model declares modality "
                             f"{model.modality!r}")
        return model
