"""Emotion models: feature vectors to points of the valence-arousal-dominance space.

An :class:`EmotionModel` maps the features of one declared schema (``image-1``,
``audio-1``) to a point ``(valence, arousal, dominance)`` in [-1, 1]. Inside it is

1. a standardisation ``z = (x - mean) / scale`` (features of zero variance get scale 1,
   as scikit-learn's ``StandardScaler``), then
2. one or more *heads*, each predicting a subset of the three axes as the average of an
   ensemble of members: small multi-layer perceptrons (``kind="mlp"``, scikit-learn's
   ``MLPRegressor`` trained from several seeds) or one linear map (``kind="ridge"``,
   ``RidgeCV``, the baseline), then
3. clipping to [-1, 1].

Models are trained with scikit-learn but stored and run without it and without pickle:
the weights go to an ``.npz`` (read with ``allow_pickle=False``) and a forward pass in
numpy reproduces scikit-learn's ``predict`` (to rounding, ~1e-15). Next to the ``.npz``
a JSON *card* (``<stem>.json``) describes the model: feature schema and names (with a
hash), modality, training sets and sizes, cross-validated metrics, hyper-parameters,
library versions, seed, and the SHA-256 of the ``.npz``; a weight file whose hash does
not match its card is refused.

Missing targets. Training targets may be NaN where an axis is unknown (e.g. dominance
for a set rated only on valence and arousal). Axes are grouped by the rows on which they
are known: axes known on exactly the same rows share one head, trained on those rows;
an axis known on other rows gets its own head, trained on its own rows. An axis known on
no row is not learned: the model predicts 0 (neutral) for it and ``model.learned`` is
False there.

Hyper-parameters (hidden layer sizes, L2 penalty ``alpha``, early-stopping settings) are
chosen per head by K-fold cross-validation on the training data, scored by the mean R²
over valence and arousal (over the head's own axes for a head that has neither); then
an ensemble of ``n_seeds`` networks with the chosen settings is fitted on all training
rows. :func:`cross_validate_model` estimates how well that whole procedure generalises:
outer folds, with the hyper-parameter search nested inside each training fold, against
a ridge baseline.

Quadrant head. A model may also hold a quadrant classifier beside the regressors: a
multinomial logistic regression over the same standardised features, temperature-
calibrated (:func:`fit_quadrant_head`), read by :meth:`EmotionModel.predict_quadrant_proba`
(Q1..Q4, in numpy). :func:`attach_quadrant_head` judges it against the sign pattern of
the regressed valence and arousal on the regression's own cross-validation folds and
records the better (``card["quadrant_source"]``, ``card["quadrant_choice"]``), which
:meth:`EmotionModel.predict_quadrant` follows. Models without it load as before.

References
----------
.. [1] Pedregosa, F. et al. (2011). Scikit-learn: Machine learning in Python. JMLR 12,
   2825-2830 (``MLPRegressor``, ``RidgeCV``).
.. [2] Machajdik, J., & Hanbury, A. (2010). Affective image classification using
   features inspired by psychology and art theory. ACM Multimedia 2010, 83-92.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import math
import os
import platform
import warnings
import zipfile
from collections.abc import Callable, Mapping, Sequence
from importlib import resources

import numpy as np

from ._version import __version__
from .errors import ModelError, ParameterError, SchemaError
from .features import FeatureVector

__all__ = [
    "AXES",
    "KINDS",
    "DEFAULT_MLP_GRID",
    "DEFAULT_RIDGE_ALPHAS",
    "MLP_FIXED",
    "EmotionModel",
    "train_model",
    "cross_validate_model",
    "regression_metrics",
    "names_hash",
    "QUADRANTS",
    "fit_quadrant_head",
    "choose_quadrant_source",
    "attach_quadrant_head",
]

#: The output axes, in the order of a point's components (as ``space.AXES``).
AXES = ("valence", "arousal", "dominance")
#: Member kinds a model can hold.
KINDS = ("mlp", "ridge")
#: Model file format written by :meth:`EmotionModel.save`.
FORMAT = "affect_features.emotion_model"
FORMAT_VERSION = 1

#: Default hyper-parameter grid searched for the MLP members. Two architectures and a
#: decade-spaced L2 penalty: on ~1600 x 110 features a nested 10-fold evaluation of the
#: whole procedure then runs in a few minutes on two cores. Any ``MLPRegressor``
#: parameter may appear in a user grid (e.g. ``n_iter_no_change``, ``activation``).
DEFAULT_MLP_GRID: dict[str, list] = {
    "hidden_layer_sizes": [(32,), (64, 32)],
    "alpha": [0.1, 1.0, 10.0, 100.0],
    "early_stopping": [True],
    "n_iter_no_change": [10],
}
#: ``MLPRegressor`` settings not searched (a grid entry overrides them).
MLP_FIXED: dict[str, object] = {
    "activation": "relu",
    "solver": "adam",
    "learning_rate_init": 1e-3,
    "max_iter": 500,
    "validation_fraction": 0.1,
    "tol": 1e-4,
}
#: Ridge penalties searched by ``RidgeCV`` (efficient leave-one-out), per target.
DEFAULT_RIDGE_ALPHAS: tuple[float, ...] = tuple(float(a) for a in np.logspace(-2, 4, 13))

_ACTIVATIONS = ("identity", "relu", "tanh", "logistic")
_MIN_ROWS = 20
#: Classes of the optional quadrant head, in the order of its probabilities.
QUADRANTS = ("Q1", "Q2", "Q3", "Q4")
#: Inverse L2 penalties searched for the quadrant head's logistic regression.
DEFAULT_QUADRANT_CS: tuple[float, ...] = tuple(float(c) for c in np.logspace(-3, 1, 9))


# ------------------------------------------------------------------------ helpers

def names_hash(names: Sequence[str]) -> str:
    """SHA-256 (hex) of the feature names joined by newlines, in order."""
    return hashlib.sha256("\n".join(names).encode("utf-8")).hexdigest()


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


def _jsonable(obj):
    """Card values as plain JSON: numpy scalars/arrays to Python, NaN/inf to None."""
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer, int)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else None
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)


def _npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """An ``.npz`` archive as bytes, reproducible: fixed timestamps, no pickle."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for key, arr in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            member = io.BytesIO()
            arr = np.asarray(arr)  # (np.ascontiguousarray would make 0-d arrays 1-d)
            if not arr.flags.c_contiguous:
                arr = arr.copy(order="C")
            np.lib.format.write_array(member, arr, allow_pickle=False)
            zf.writestr(info, member.getvalue())
    return buf.getvalue()


def _atomic_write(path: str, data: bytes) -> None:
    """Write `data` atomically; failures are :class:`ModelError`."""
    from .output import atomic_write_bytes

    atomic_write_bytes(path, data, error=ModelError)


def _model_paths(path) -> tuple[str, str]:
    """``(npz, card)`` paths of a model given as ``x.npz``, ``x.json`` or the stem ``x``."""
    p = os.fspath(path)
    root, ext = os.path.splitext(p)
    stem = root if ext.lower() in (".npz", ".json") else p
    return stem + ".npz", stem + ".json"


#: An ``.npz`` of model weights may hold at most this many arrays, inflating to at most
#: :data:`affect_features.files.LIMITS` ``["model weights"]`` bytes in all.
MAX_NPZ_MEMBERS = 4096
# Array kinds a weights file may hold: booleans, integers, floats and text.
_NPZ_KINDS = frozenset("biufU")


def _shown(value, width: int = 40) -> str:
    """A card value for a message: its repr, cut to `width` characters."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _parse_card(data: bytes, card_path: str):
    """JSON of a model card, refusing NaN/Infinity and nesting deeper than Python's
    recursion limit, as one-line :class:`ModelError`."""
    def no_constant(name):
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(data.decode("utf-8"), parse_constant=no_constant)
    except UnicodeDecodeError:
        raise ModelError(f"{card_path}: unreadable model card (not UTF-8 text)") from None
    except RecursionError:
        raise ModelError(f"{card_path}: unreadable model card (nested too deeply)") \
            from None
    except ValueError as exc:
        raise ModelError(f"{card_path}: unreadable model card "
                         f"({' '.join(str(exc).split())})") from None


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_sha256(v) -> bool:
    return isinstance(v, str) and len(v) == 64 and all(c in "0123456789abcdef" for c in v)


def _is_spread(v) -> bool:
    """3 spreads, each a finite number >= 0 or None (unknown), as ``prediction_std``."""
    return isinstance(v, list) and len(v) == 3 and all(
        x is None or (_is_number(x) and x >= 0) for x in v)


def _is_axis_map(v, low=None, high=None) -> bool:
    return isinstance(v, dict) and all(
        k in AXES and (x is None or (_is_number(x) and (low is None or low <= x)
                                     and (high is None or x <= high)))
        for k, x in v.items())


def _is_reliability(v) -> bool:
    return isinstance(v, dict) and _is_axis_map(v.get("r", {}), -1.0, 1.0) \
        and _is_axis_map(v.get("target_std", {}), 0.0) \
        and isinstance(v.get("source", ""), str)


def _is_heads(v) -> bool:
    return isinstance(v, list) and all(
        isinstance(h, dict) and isinstance(h.get("params", {}), dict)
        and isinstance(h.get("axes", []), list)
        and all(isinstance(a, str) for a in h.get("axes", []))
        and (h.get("cv_score") is None or _is_number(h.get("cv_score")))
        for h in v)


def _is_training_sets(v) -> bool:
    return isinstance(v, list) and all(
        (isinstance(s, dict) and isinstance(s.get("spec", ""), str))
        or (isinstance(s, list) and len(s) == 2 and isinstance(s[0], str) and _is_int(s[1]))
        for s in v)


#: What each field of a card must be, when present (``None`` is accepted for the
#: optional descriptive ones). The SHA-256 covers the weights, not the card: these
#: checks make every value the package reads from a card safe to use.
_CARD_RULES: dict[str, tuple[Callable, str]] = {
    "npz_sha256": (_is_sha256, "64 lower-case hexadecimal digits"),
    "feature_names_sha256": (_is_sha256, "64 lower-case hexadecimal digits"),
    "feature_names": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
                      "a list of strings"),
    "schema": (lambda v: isinstance(v, str), "a string"),
    "modality": (lambda v: v in ("image", "audio"), "'image' or 'audio'"),
    "kind": (lambda v: v in KINDS, " or ".join(map(repr, KINDS))),
    "npz": (lambda v: isinstance(v, str), "a string"),
    "version": (lambda v: isinstance(v, str), "a string"),
    "n_features": (lambda v: _is_int(v) and v >= 0, "a count"),
    "n_members": (lambda v: _is_int(v) and v >= 0, "a count"),
    "n_train": (lambda v: _is_int(v) and v >= 0, "a count"),
    "random_state": (lambda v: v is None or _is_int(v), "an integer"),
    "axes": (lambda v: v == list(AXES), f"{list(AXES)}"),
    "learned": (lambda v: isinstance(v, list) and len(v) == 3
                and all(isinstance(x, bool) for x in v), "3 booleans"),
    "prediction_std": (lambda v: v is None or _is_spread(v),
                       "3 numbers >= 0 (or null)"),
    "reliability": (lambda v: v is None or _is_reliability(v),
                    "{'r': {axis: number in [-1, 1]}, 'target_std': {axis: number >= 0}}"),
    "heads": (_is_heads, "a list of {'axes': [...], 'params': {...}, 'cv_score': number}"),
    "training_sets": (_is_training_sets, "a list of {'spec': ..., 'n_items': ...}"),
    "metrics": (lambda v: v is None or isinstance(v, dict), "an object"),
    "hyperparameters": (lambda v: v is None or isinstance(v, dict), "an object"),
    "versions": (lambda v: v is None or isinstance(v, dict), "an object"),
    "n_known": (lambda v: v is None or _is_axis_map(v, 0), "{axis: count}"),
    "has_quadrant_head": (lambda v: isinstance(v, bool), "true or false"),
    "quadrant_source": (lambda v: v in ("head", "regression"), "'head' or 'regression'"),
    "quadrant_head": (lambda v: v is None or isinstance(v, dict), "an object"),
}
#: Fields every card written by :meth:`EmotionModel.save` has.
_CARD_REQUIRED = ("npz_sha256", "feature_names", "feature_names_sha256", "schema")


def _check_card(card: dict, card_path: str) -> None:
    """Refuse a card whose fields are not of their declared types and shapes
    (:data:`_CARD_RULES`), with a one-line :class:`ModelError` naming the field."""
    for key in _CARD_REQUIRED:
        if key not in card:
            raise ModelError(f"{card_path}: model card lacks {key!r}")
    for key, (ok, expected) in _CARD_RULES.items():
        if key in card and not ok(card[key]):
            raise ModelError(f"{card_path}: model card field {key!r} must be {expected}, "
                             f"got {_shown(card[key])}")


def _read_npz_members(data: bytes, npz_path: str) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` held in memory, checked from the zip headers first.

    Before anything is inflated: at most :data:`MAX_NPZ_MEMBERS` members, each stored
    or deflated, named ``*.npy`` once, their declared uncompressed sizes together within
    the weights limit (a 4 MB archive whose member inflates to 4 GB is refused from its
    header, in microseconds), and each member's ``.npy`` header (read from its first
    bytes) declaring a plain numeric or text dtype whose shape accounts for exactly the
    declared size. The zip reader never returns more than the declared size, so memory
    stays within the limit.
    """
    from .files import LIMITS

    limit = LIMITS["model weights"]
    fmt = np.lib.format
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
        if len(infos) > MAX_NPZ_MEMBERS:
            raise ModelError(f"{npz_path}: {len(infos)} arrays, more than the "
                             f"{MAX_NPZ_MEMBERS} accepted")
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise ModelError(f"{npz_path}: an array name repeats in the archive")
        total = sum(i.file_size for i in infos)
        if total > limit:
            raise ModelError(f"{npz_path}: arrays would inflate to {total} bytes, more "
                             f"than the {limit} accepted; refused before inflating")
        for info in infos:
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ModelError(f"{npz_path}: member {info.filename!r} uses "
                                 f"compression {info.compress_type}, not stored/deflated")
            if not info.filename.endswith(".npy"):
                raise ModelError(f"{npz_path}: member {info.filename!r} is not an array")
            with zf.open(info) as fh:
                version = fmt.read_magic(fh)
                read_header = (fmt.read_array_header_1_0 if version == (1, 0)
                               else fmt.read_array_header_2_0)
                shape, _, dtype = read_header(fh)
                header_size = fh.tell()
            if dtype.hasobject or dtype.kind not in _NPZ_KINDS or dtype.fields:
                raise ModelError(f"{npz_path}: array {info.filename[:-4]!r} has dtype "
                                 f"{dtype}, not numbers or text")
            n_bytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if header_size + n_bytes != info.file_size:
                raise ModelError(f"{npz_path}: array {info.filename[:-4]!r} declares "
                                 f"shape {shape} ({n_bytes} bytes) but holds "
                                 f"{info.file_size - header_size}")
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parse failure is a bad file
        raise ModelError(f"{npz_path}: malformed model weights "
                         f"({' '.join(str(exc).split()) or type(exc).__name__})") from None


def _library_versions() -> dict[str, str]:
    import scipy
    import sklearn
    return {"python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "scikit-learn": sklearn.__version__,
            "affect_features": __version__}


# -------------------------------------------------------------------------- model

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
                if not ws or len(ws) != len(bs):
                    raise ModelError(f"head {h} member {m}: {len(ws)} weight and "
                                     f"{len(bs)} bias arrays")
                width = f
                for i, (w, b) in enumerate(zip(ws, bs)):
                    if w.ndim != 2 or w.shape[0] != width or b.shape != (w.shape[1],):
                        raise ModelError(f"head {h} member {m} layer {i}: shapes "
                                         f"{w.shape}/{b.shape} do not chain from {width}")
                    if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
                        raise ModelError(f"head {h} member {m} layer {i}: non-finite weights")
                    width = w.shape[1]
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
            from .space import quadrant
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
        npz_path, card_path = _model_paths(path)
        data = _npz_bytes(self._arrays())
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
            "npz": os.path.basename(npz_path),
            "npz_sha256": hashlib.sha256(data).hexdigest(),
        })
        text = json.dumps(_jsonable(card), indent=2, sort_keys=True, allow_nan=False) + "\n"
        _atomic_write(npz_path, data)
        _atomic_write(card_path, text.encode("utf-8"))
        self.card = card
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
        from .files import LIMITS, read_bytes

        npz_path, card_path = _model_paths(path)
        # Both files are checked to be regular and within their size limits before
        # anything is read (a FIFO, /dev/zero or a folder is refused at once).
        data = read_bytes(npz_path, "model weights", LIMITS["model weights"],
                          error=ModelError)
        if not os.path.lexists(card_path):
            raise ModelError(f"{card_path}: model card missing (it must sit next to "
                             f"{os.path.basename(npz_path)})")
        card = _parse_card(read_bytes(card_path, "model card", LIMITS["model card"],
                                      error=ModelError), card_path)
        if not isinstance(card, dict) or card.get("format") != FORMAT:
            raise ModelError(f"{card_path}: not an affect_features model card")
        if card.get("format_version") != FORMAT_VERSION:
            raise ModelError(f"{card_path}: model format version "
                             f"{_shown(card.get('format_version'))} is not supported "
                             f"(this version reads {FORMAT_VERSION})")
        _check_card(card, card_path)
        digest = hashlib.sha256(data).hexdigest()
        if digest != card.get("npz_sha256"):
            raise ModelError(f"{npz_path}: SHA-256 does not match its card "
                             f"{os.path.basename(card_path)} (the weights were changed or "
                             f"corrupted); refusing to load")
        arrays = _read_npz_members(data, npz_path)
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


def feature_columns(own_names: Sequence[str], own_schema: str, schema, names, *,
                    what: str) -> np.ndarray:
    """Positions in `names` of a model's features `own_names`, in the model's order.

    Raises SchemaError when `schema` (None: not checked) is not `own_schema`, or when
    some of the model's features are missing from `names` (extra ones are ignored);
    ``arange`` of the model's features when `names` is None.
    """
    if schema is not None and str(schema) != own_schema:
        raise SchemaError(f"{what} expects features of schema {own_schema}, got {schema}")
    if names is None:
        return np.arange(len(own_names))
    position = {str(n): i for i, n in enumerate(names)}
    missing = [n for n in own_names if n not in position]
    if missing:
        shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        raise SchemaError(f"{len(missing)} feature(s) {what} needs are missing: {shown}")
    return np.array([position[n] for n in own_names], dtype=np.intp)


def feature_matrix(X, *, check_schema, n_features: int, what: str, schema=None,
                   names=None) -> tuple[np.ndarray, bool]:
    """A model's feature columns from an array, a FeatureVector or a list of them.

    Parameters
    ----------
    X : ndarray (n, n_cols) or (n_cols,), FeatureVector, or list of FeatureVectors
    check_schema : callable
        ``check_schema(schema, names)`` -> positions of the model's features among
        `names` (all in order when `names` is None); raises SchemaError.
    n_features : int
        The model's number of features (a bare array without names must have them all).
    what : str
        The model, for messages ("the image model").
    schema, names : optional
        Schema and column names of a bare array.

    Returns
    -------
    X : ndarray (n, n_features), float64, finite
    single : bool
        True when `X` was one vector (one FeatureVector or a 1-d array).
    """
    if isinstance(X, FeatureVector):
        return X.vector[check_schema(X.schema, X.names)][None, :], True
    if isinstance(X, (list, tuple)) and X and all(isinstance(v, FeatureVector) for v in X):
        return np.stack([v.vector[check_schema(v.schema, v.names)] for v in X]), False
    if isinstance(X, (list, tuple)) and not X:
        return np.zeros((0, n_features)), False
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError("X must be a feature matrix, a FeatureVector or a list "
                             "of FeatureVectors") from None
    single = arr.ndim == 1
    if single:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ParameterError(f"X must have shape (n, n_features), got {arr.shape}")
    if names is not None:
        if len(names) != arr.shape[1]:
            raise ParameterError(f"{len(names)} names for {arr.shape[1]} columns")
        arr = arr[:, check_schema(schema, names)]
    else:
        check_schema(schema, None)
        if arr.shape[1] != n_features:
            raise SchemaError(f"{what} expects {n_features} features, got {arr.shape[1]}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError("features must be finite (got NaN or inf)")
    return arr, single


# ----------------------------------------------------------------------- training

def _check_xy(X, Y, mask):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ParameterError(f"X must have shape (n_samples, n_features), got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ParameterError("X must be finite (got NaN or inf)")
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape[0] != X.shape[0] or Y.shape[1] not in (1, 2, 3):
        raise ParameterError(f"Y must have shape ({X.shape[0]}, 2 or 3) for valence, "
                             f"arousal[, dominance], got {Y.shape}")
    if Y.shape[1] < 3:
        Y = np.hstack([Y, np.full((Y.shape[0], 3 - Y.shape[1]), np.nan)])
    if np.any(np.isinf(Y)):
        raise ParameterError("Y must not contain inf (use NaN for an unknown axis)")
    known = np.isfinite(Y)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != known.shape:
            if mask.ndim == 2 and mask.shape[0] == Y.shape[0] and mask.shape[1] < 3:
                mask = np.hstack([mask, np.zeros((Y.shape[0], 3 - mask.shape[1]), bool)])
            else:
                raise ParameterError(f"mask must have shape {known.shape}, got {mask.shape}")
        known &= mask
    return X, Y, known


def _head_layout(known: np.ndarray) -> list[tuple[tuple[int, ...], np.ndarray]]:
    """Group axes that are known on the same rows: ``[(axes, rows), ...]``."""
    groups: dict[bytes, list[int]] = {}
    for axis in range(known.shape[1]):
        col = known[:, axis]
        if col.any():
            groups.setdefault(col.tobytes(), []).append(axis)
    return [(tuple(axes), known[:, axes[0]].copy()) for axes in groups.values()]


def _expand_grid(grid: Mapping | None) -> list[dict]:
    grid = DEFAULT_MLP_GRID if grid is None else grid
    if not isinstance(grid, Mapping) or not grid:
        raise ParameterError("param_grid must be a non-empty mapping of parameter -> values")
    from sklearn.neural_network import MLPRegressor
    valid = set(MLPRegressor().get_params())
    unknown = set(grid) - valid
    if unknown:
        raise ParameterError(f"unknown MLPRegressor parameter(s) in param_grid: "
                             f"{', '.join(sorted(unknown))}")
    keys = sorted(grid)
    values = []
    for k in keys:
        v = grid[k]
        if k == "hidden_layer_sizes":
            # One architecture (a tuple of ints) or a list of them.
            if isinstance(v, (int, np.integer)) or (
                    isinstance(v, (list, tuple)) and v
                    and all(isinstance(u, (int, np.integer)) for u in v)):
                v = [v]
            v = [(int(x),) if isinstance(x, (int, np.integer))
                 else tuple(int(u) for u in x) for x in v]
        else:
            v = list(v) if isinstance(v, (list, tuple)) else [v]
        if not v:
            raise ParameterError(f"param_grid[{k!r}] is empty")
        if k == "activation" and any(x not in _ACTIVATIONS for x in v):
            raise ParameterError(f"activation must be one of {', '.join(_ACTIVATIONS)}")
        values.append(v)
    return [dict(zip(keys, combo)) for combo in itertools.product(*values)]


def _splits(n_rows: int, cv: int, groups, random_state: int):
    from sklearn.model_selection import GroupKFold, KFold
    if groups is not None:
        n_groups = len(np.unique(groups))
        if n_groups < cv:
            raise ParameterError(f"{cv}-fold cross-validation needs at least {cv} groups, "
                                 f"got {n_groups}")
        return list(GroupKFold(n_splits=cv).split(np.zeros(n_rows), groups=groups))
    return list(KFold(n_splits=cv, shuffle=True,
                      random_state=random_state).split(np.zeros(n_rows)))


def _r2_columns(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """R² per column, with scikit-learn's ``r2_score`` convention for a constant column
    (1 if predicted exactly, else 0)."""
    num = ((y - p) ** 2).sum(axis=0)
    den = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    safe = np.where(den > 0, den, 1.0)
    return np.where(den > 0, 1.0 - num / safe, np.where(num == 0, 1.0, 0.0))


_MLP_CLASS = None


def _mlp_class():
    """``MLPRegressor`` with a lean early-stopping score.

    With ``early_stopping=True`` scikit-learn scores the validation split after every
    epoch with ``r2_score``, whose input checks cost more than the epoch itself on data
    of this size. The subclass computes the same number (mean R² over outputs) in plain
    numpy, so training takes about half the time and takes the same steps. It only
    overrides the private ``_score`` hook when scikit-learn has one; otherwise it is
    the stock estimator.
    """
    global _MLP_CLASS
    if _MLP_CLASS is None:
        from sklearn.neural_network import MLPRegressor

        class LeanMLPRegressor(MLPRegressor):
            if hasattr(MLPRegressor, "_score") and hasattr(MLPRegressor, "_forward_pass_fast"):
                def _score(self, X, y, sample_weight=None):
                    if sample_weight is not None:
                        return super()._score(X, y, sample_weight=sample_weight)
                    p = self._forward_pass_fast(X, check_input=False)
                    y = np.asarray(y, dtype=np.float64).reshape(p.shape[0], -1)
                    p = p.reshape(y.shape)
                    if not np.all(np.isfinite(p)):
                        return np.nan
                    return float(np.mean(_r2_columns(y, p)))

        LeanMLPRegressor.__module__ = __name__
        LeanMLPRegressor.__qualname__ = "LeanMLPRegressor"
        _MLP_CLASS = LeanMLPRegressor
    return _MLP_CLASS


def __getattr__(name):
    # Fitted members come back from worker processes pickled by class name.
    if name == "LeanMLPRegressor":
        return _mlp_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _fit_mlp(Z, y, params: Mapping, seed: int):
    from sklearn.exceptions import ConvergenceWarning
    settings = {**MLP_FIXED, **params, "random_state": int(seed)}
    est = _mlp_class()(**settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(Z, y[:, 0] if y.shape[1] == 1 else y)
    return est


def _standardise(X_train, *others):
    mean = X_train.mean(axis=0)
    scale = X_train.std(axis=0)
    # As StandardScaler: a constant feature keeps scale 1 (it then standardises to 0).
    scale = np.where(scale < 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1.0),
                     1.0, scale)
    return mean, scale, [(x - mean) / scale for x in (X_train, *others)]


def _score_columns(axes: Sequence[int]) -> list[int]:
    """Columns of a head that score its selection: valence/arousal if it has them."""
    va = [i for i, a in enumerate(axes) if a in (0, 1)]
    return va or list(range(len(axes)))


def _evaluate_candidate(X, Y, train, test, params, seed, score_cols) -> float:
    _, _, (Ztr, Zte) = _standardise(X[train], X[test])
    est = _fit_mlp(Ztr, Y[train], params, seed)
    pred = est.predict(Zte).reshape(len(test), -1)
    return float(np.mean(_r2_columns(Y[test][:, score_cols], pred[:, score_cols])))


def _run(tasks, n_jobs):
    """Run ``(func, args)`` tasks, in order, on `n_jobs` processes (1: in this process)."""
    from joblib import Parallel, delayed
    if n_jobs is None:
        n_jobs = 1
    if n_jobs == 1 or len(tasks) <= 1:
        from threadpoolctl import threadpool_limits
        # Tiny matrices: BLAS threads only add overhead and fight for the cores.
        with threadpool_limits(limits=1, user_api="blas"):
            return [func(*args) for func, args in tasks]
    return Parallel(n_jobs=n_jobs)(delayed(func)(*args) for func, args in tasks)


def _fit_heads(X, Y, known, *, kind, n_seeds, param_grid, ridge_alphas, cv, groups,
               random_state, n_jobs):
    """Standardisation and fitted heads; ``(mean, scale, heads, head_info)``."""
    from sklearn.linear_model import RidgeCV

    layout = _head_layout(known)
    if not layout:
        raise ParameterError("no target values: every entry of Y is NaN or masked out")
    mean, scale, (Z,) = _standardise(X)
    heads, info = [], []
    grid = _expand_grid(param_grid) if kind == "mlp" else None
    for axes, rows in layout:
        n_rows = int(rows.sum())
        axis_names = "/".join(AXES[a] for a in axes)
        if n_rows < max(_MIN_ROWS, 2 * cv):
            raise ParameterError(f"only {n_rows} training rows know {axis_names}; need at "
                                 f"least {max(_MIN_ROWS, 2 * cv)}")
        Xh, Zh, Yh = X[rows], Z[rows], Y[rows][:, list(axes)]
        entry = {"axes": [AXES[a] for a in axes], "n_train": n_rows}
        if kind == "ridge":
            alphas = np.asarray(DEFAULT_RIDGE_ALPHAS if ridge_alphas is None
                                else ridge_alphas, dtype=np.float64)
            est = RidgeCV(alphas=alphas, alpha_per_target=True)
            est.fit(Zh, Yh)
            entry["params"] = {"alpha": np.atleast_1d(est.alpha_).tolist(),
                               "alphas": alphas.tolist()}
            heads.append((axes, [est]))
        else:
            score_cols = _score_columns(axes)
            if len(grid) > 1:
                g = None if groups is None else np.asarray(groups)[rows]
                folds = _splits(n_rows, cv, g, random_state)
                tasks = [(_evaluate_candidate, (Xh, Yh, tr, te, params, random_state,
                                                score_cols))
                         for params in grid for tr, te in folds]
                scores = np.array(_run(tasks, n_jobs)).reshape(len(grid), len(folds))
                mean_scores = scores.mean(axis=1)
                best = int(np.argmax(mean_scores))  # ties: the first in grid order
                entry["selection"] = [{"params": p, "score": float(s)}
                                      for p, s in zip(grid, mean_scores)]
                entry["cv_score"] = float(mean_scores[best])
                entry["cv_score_axes"] = [AXES[axes[c]] for c in score_cols]
            else:
                best = 0
            params = grid[best]
            members = _run([(_fit_mlp, (Zh, Yh, params, random_state + k))
                            for k in range(n_seeds)], n_jobs)
            entry["params"] = {**MLP_FIXED, **params}
            entry["n_iter"] = [int(m.n_iter_) for m in members]
            heads.append((axes, members))
        info.append(entry)
    return mean, scale, heads, info


def train_model(X, Y, *, names: Sequence[str], schema: str, modality: str, mask=None,
                kind: str = "mlp", n_seeds: int = 5, param_grid: Mapping | None = None,
                ridge_alphas: Sequence[float] | None = None, cv: int = 5,
                random_state: int = 0, groups=None, n_jobs: int | None = -1,
                training_sets: Sequence | None = None,
                metrics: Mapping | None = None) -> EmotionModel:
    """Train an emotion model: standardisation, CV-chosen hyper-parameters, an ensemble.

    Parameters
    ----------
    X : ndarray, shape (n, n_features)
        Features, columns named by `names`.
    Y : ndarray, shape (n, 3) or (n, 2)
        Targets valence, arousal[, dominance] in [-1, 1]; NaN where unknown. Axes are
        grouped into heads by the rows on which they are known (module docstring).
    names : sequence of str
        Feature names, in column order.
    schema : str
        Feature schema version (``"image-1"``, ``"audio-1"``).
    modality : str
        ``"image"`` or ``"audio"``.
    mask : ndarray of bool, shape like Y, optional
        Further marks entries of Y as unknown (False), e.g. to train without dominance.
    kind : {"mlp", "ridge"}
        ``"mlp"``: ``MLPRegressor`` ensemble; ``"ridge"``: one ``RidgeCV`` (baseline).
    n_seeds : int, default 5
        MLP members (random initialisations ``random_state + k``) averaged per head.
    param_grid : mapping, optional
        ``MLPRegressor`` parameters to search (default :data:`DEFAULT_MLP_GRID`).
    ridge_alphas : sequence of float, optional
        Ridge penalties (default :data:`DEFAULT_RIDGE_ALPHAS`).
    cv : int, default 5
        Folds of the hyper-parameter search (K-fold, shuffled with `random_state`;
        ``GroupKFold`` when `groups` is given).
    random_state : int, default 0
        Seeds folds and networks: the same call gives the same model.
    groups : array_like, shape (n,), optional
        Rows of a group (e.g. an artist) never straddle a selection fold.
    n_jobs : int, default -1
        Worker processes for the search and the members (-1: all cores).
    training_sets : sequence, optional
        Descriptions of the training data for the card (e.g. ``[{"spec": ..., "n":
        ...}]``).
    metrics : mapping, optional
        Cross-validated metrics for the card, e.g. ``cross_validate_model(...)["summary"]``.

    Returns
    -------
    model : EmotionModel
        Its card records the grid scores, the chosen parameters, library versions, etc.
    """
    if kind not in KINDS:
        raise ParameterError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if not isinstance(n_seeds, (int, np.integer)) or n_seeds < 1:
        raise ParameterError(f"n_seeds must be a positive integer, got {n_seeds!r}")
    if not isinstance(cv, (int, np.integer)) or cv < 2:
        raise ParameterError(f"cv must be an integer >= 2, got {cv!r}")
    X, Y, known = _check_xy(X, Y, mask)
    names = tuple(str(n) for n in names)
    if len(names) != X.shape[1]:
        raise ParameterError(f"{len(names)} names for {X.shape[1]} feature columns")
    if groups is not None and len(groups) != X.shape[0]:
        raise ParameterError(f"groups has {len(groups)} entries for {X.shape[0]} rows")
    n_seeds = 1 if kind == "ridge" else int(n_seeds)
    mean, scale, heads, info = _fit_heads(
        X, Y, known, kind=kind, n_seeds=n_seeds, param_grid=param_grid,
        ridge_alphas=ridge_alphas, cv=int(cv), groups=groups,
        random_state=int(random_state), n_jobs=n_jobs)
    card = {
        "n_train": int(X.shape[0]),
        "n_known": {AXES[a]: int(known[:, a].sum()) for a in range(3)},
        "training_sets": list(training_sets) if training_sets is not None else [],
        "metrics": dict(metrics) if metrics is not None else {},
        "heads": info,
        "hyperparameters": {
            "kind": kind, "n_seeds": n_seeds, "cv": int(cv),
            "grouped_cv": groups is not None,
            "param_grid": ({k: list(v) if isinstance(v, (list, tuple)) else v
                            for k, v in (param_grid or DEFAULT_MLP_GRID).items()}
                           if kind == "mlp" else None),
            "fixed": MLP_FIXED if kind == "mlp" else None,
            "selection_score": "mean R2 over valence and arousal",
        },
        "random_state": int(random_state),
        "versions": _library_versions(),
    }
    return EmotionModel.from_estimators(names=names, schema=schema, modality=modality,
                                        mean=mean, scale=scale, heads=heads, kind=kind,
                                        card=_jsonable(card))


# --------------------------------------------------------------------- evaluation

def regression_metrics(Y_true, Y_pred, *, quadrants=None) -> dict:
    """Per-axis Pearson r and R², and Russell-quadrant accuracy.

    Parameters
    ----------
    Y_true : ndarray, shape (n, 3)
        Targets, NaN where unknown (those entries are left out, axis by axis).
    Y_pred : ndarray, shape (n, 3)
        Predictions.
    quadrants : sequence of str, optional
        True quadrant labels (``"Q1"``..``"Q4"``; empty/None entries left out). Default:
        the quadrants of the true points (rows with valence and arousal known).

    Returns
    -------
    metrics : dict
        ``{axis: {"r", "r2", "n"}}`` for each axis with known values,
        ``"mean_r2_va"``, ``"quadrant_accuracy"`` and ``"n_quadrant"``. r and R² are
        :func:`affect_features.evaluation.pearson_r` and ``r2_score``, finite also for
        constant inputs.
    """
    from .evaluation import pearson_r, r2_score
    from .space import canonical_label, quadrant

    Y_true = np.asarray(Y_true, dtype=np.float64)
    Y_pred = np.asarray(Y_pred, dtype=np.float64)
    out: dict = {}
    for a, axis in enumerate(AXES):
        ok = np.isfinite(Y_true[:, a]) & np.isfinite(Y_pred[:, a])
        if not ok.any():
            continue
        t, p = Y_true[ok, a], Y_pred[ok, a]
        out[axis] = {"r": pearson_r(t, p), "r2": r2_score(t, p), "n": int(ok.sum())}
    va = [out[a]["r2"] for a in AXES[:2] if a in out]
    out["mean_r2_va"] = float(np.mean(va)) if va else math.nan
    if quadrants is not None:
        truth = np.array(["" if q is None or str(q).strip() == ""
                          else canonical_label(q, "russell") for q in quadrants])
        ok = (truth != "") & np.all(np.isfinite(Y_pred[:, :2]), axis=1)
    else:
        ok = np.all(np.isfinite(Y_true[:, :2]), axis=1) & \
            np.all(np.isfinite(Y_pred[:, :2]), axis=1)
        truth = np.full(len(Y_true), "", dtype=object)
        if ok.any():
            truth[ok] = quadrant(Y_true[ok, :2])
    if ok.any():
        pred_q = quadrant(Y_pred[ok, :2])
        out["quadrant_accuracy"] = float(np.mean(pred_q == truth[ok].astype(str)))
    else:
        out["quadrant_accuracy"] = math.nan
    out["n_quadrant"] = int(ok.sum())
    return out


def _cv_fold(X, Y, known, train, test, names, kinds, settings):
    """Train each kind on the training rows (selection inside) and predict the test rows."""
    preds, chosen = {}, {}
    for kind in kinds:
        model = train_model(X[train], Y[train], mask=known[train], names=names,
                            schema="cv", modality="cv", kind=kind,
                            groups=None if settings["groups"] is None
                            else settings["groups"][train],
                            n_seeds=settings["n_seeds"], param_grid=settings["param_grid"],
                            ridge_alphas=settings["ridge_alphas"], cv=settings["inner_cv"],
                            random_state=settings["random_state"], n_jobs=1)
        preds[kind] = model.predict(X[test])
        chosen[kind] = [h["params"] for h in model.card["heads"]]
    return preds, chosen


def cross_validate_model(X, Y, *, mask=None, names: Sequence[str] | None = None,
                         cv: int = 10, inner_cv: int = 3, kinds: Sequence[str] = KINDS,
                         n_seeds: int = 3, param_grid: Mapping | None = None,
                         ridge_alphas: Sequence[float] | None = None, groups=None,
                         quadrants=None, random_state: int = 0,
                         n_jobs: int | None = -1, folds=None) -> dict:
    """Out-of-fold predictions and metrics of the MLP procedure and the ridge baseline.

    Each outer fold trains with :func:`train_model` on the other folds only, so the
    hyper-parameter search (``inner_cv`` folds) happens inside the training data and
    never sees the test fold; then predicts the test fold.

    Parameters
    ----------
    X, Y, mask : as :func:`train_model`.
    names : sequence of str, optional
        Feature names (only passed through).
    cv : int, default 10
        Outer folds (shuffled K-fold with `random_state`; ``GroupKFold`` with `groups`).
    inner_cv : int, default 3
        Folds of the nested hyper-parameter search.
    kinds : sequence of {"mlp", "ridge"}
        What to evaluate.
    n_seeds : int, default 3
        MLP ensemble size inside each fold (fewer than the shipped model's to save time;
        averaging more seeds only helps).
    param_grid, ridge_alphas, random_state : as :func:`train_model`.
    groups : array_like, optional
        Group of each row (e.g. artist), kept within one fold, outer and inner.
    quadrants : sequence of str, optional
        True Russell quadrants for the quadrant accuracy (default: those of the true
        points).
    n_jobs : int, default -1
        Outer folds run in parallel on this many processes (-1: all cores).
    folds : sequence of (train, test) index arrays, optional
        Explicit outer splits instead of `cv` folds, e.g. leave-one-dataset-out (train
        on every set but one, test on it). Rows in no test fold get NaN predictions.

    Returns
    -------
    result : dict
        ``"folds"``: outer fold of each row (int array, -1 for rows in no test fold); for each kind,
        ``{"predictions": (n, 3) out-of-fold points, "metrics": regression_metrics,
        "params": chosen parameters per fold}``; ``"summary"``: JSON-able metrics of
        every kind plus the settings, ready for ``train_model(metrics=...)``.
    """
    kinds = tuple(kinds)
    if not kinds or any(k not in KINDS for k in kinds):
        raise ParameterError(f"kinds must be among {', '.join(KINDS)}, got {kinds!r}")
    if not isinstance(cv, (int, np.integer)) or cv < 2:
        raise ParameterError(f"cv must be an integer >= 2, got {cv!r}")
    X, Y, known = _check_xy(X, Y, mask)
    n = X.shape[0]
    names = tuple(names) if names is not None else tuple(f"f{i}" for i in range(X.shape[1]))
    if len(names) != X.shape[1]:
        raise ParameterError(f"{len(names)} names for {X.shape[1]} feature columns")
    if groups is not None:
        groups = np.asarray(groups)
        if len(groups) != n:
            raise ParameterError(f"groups has {len(groups)} entries for {n} rows")
    if quadrants is not None and len(quadrants) != n:
        raise ParameterError(f"quadrants has {len(quadrants)} entries for {n} rows")
    _expand_grid(param_grid)  # fail early on a bad grid, not in a worker
    if folds is None:
        folds = _splits(n, int(cv), groups, int(random_state))
    else:
        folds = [(np.asarray(tr, dtype=np.intp), np.asarray(te, dtype=np.intp))
                 for tr, te in folds]
        if not folds or any(len(tr) == 0 or len(te) == 0 for tr, te in folds):
            raise ParameterError("every explicit fold needs training and test rows")
    settings = {"groups": groups, "n_seeds": int(n_seeds), "param_grid": param_grid,
                "ridge_alphas": ridge_alphas, "inner_cv": int(inner_cv),
                "random_state": int(random_state)}
    tasks = [(_cv_fold, (X, Y, known, tr, te, names, kinds, settings)) for tr, te in folds]
    results = _run(tasks, n_jobs)

    fold_of = np.full(n, -1, dtype=np.int64)
    out: dict = {"folds": fold_of}
    summary: dict = {"cv": len(folds), "inner_cv": int(inner_cv), "n": int(n),
                     "n_seeds": int(n_seeds), "grouped": groups is not None,
                     "random_state": int(random_state)}
    for kind in kinds:
        pred = np.full((n, 3), np.nan)
        params = []
        for k, ((tr, te), (preds, chosen)) in enumerate(zip(folds, results)):
            pred[te] = preds[kind]
            fold_of[te] = k
            params.append(chosen[kind])
        learned = known.any(axis=0)
        pred[:, ~learned] = np.nan
        truth = np.where(known, Y, np.nan)
        tested = fold_of >= 0
        metrics = regression_metrics(
            truth[tested], pred[tested],
            quadrants=None if quadrants is None else [q for q, t in zip(quadrants, tested) if t])
        out[kind] = {"predictions": pred, "metrics": metrics, "params": params}
        summary[kind] = _jsonable(metrics)
    out["summary"] = summary
    return out


# ------------------------------------------------------------------ quadrant head

def _quadrant_codes(quadrants, n_rows: int) -> np.ndarray:
    """Indices into :data:`QUADRANTS` of the labels, refusing anything else."""
    from .space import canonical_label

    if len(quadrants) != n_rows:
        raise ParameterError(f"quadrants has {len(quadrants)} entries for {n_rows} rows")
    try:
        labels = [canonical_label(q, "russell") for q in quadrants]
    except Exception as exc:  # noqa: BLE001 - a label that is no quadrant
        raise ParameterError(f"quadrants must be Q1..Q4: {exc}") from None
    codes = np.array([QUADRANTS.index(q) if q in QUADRANTS else -1 for q in labels])
    if np.any(codes < 0) or len(np.unique(codes)) != len(QUADRANTS):
        raise ParameterError("quadrants must be Q1..Q4, each present at least once")
    return codes


def _fit_temperature(logits: np.ndarray, codes: np.ndarray) -> float:
    """The temperature T > 0 minimising the mean negative log-likelihood of
    ``softmax(logits / T)`` (Guo et al. 2017, sec. 4.2), searched on log T."""
    from scipy.optimize import minimize_scalar

    def nll(log_t):
        p = _softmax(logits / math.exp(log_t))
        return -float(np.mean(np.log(np.maximum(p[np.arange(len(codes)), codes], 1e-300))))

    res = minimize_scalar(nll, bounds=(math.log(0.05), math.log(20.0)), method="bounded")
    return float(math.exp(res.x))


def _log_loss(proba: np.ndarray, codes: np.ndarray) -> float:
    return -float(np.mean(np.log(np.maximum(proba[np.arange(len(codes)), codes], 1e-300))))


def _logistic_cv(Z, codes, groups, inner_cv: int, Cs):
    """``LogisticRegressionCV`` (multinomial, L2) with C chosen by log-loss over
    `inner_cv` folds that keep each group together (plain K-fold without groups)."""
    from sklearn.linear_model import LogisticRegressionCV

    splits = _splits(len(codes), inner_cv, groups, 0)
    est = LogisticRegressionCV(Cs=list(Cs), cv=splits, scoring="neg_log_loss",
                               max_iter=5000, tol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on the smallest penalties
        est.fit(Z, codes)
    return est


def fit_quadrant_head(X, quadrants, groups=None, *, mean, scale, cv: int = 10,
                      inner_cv: int = 5, Cs: Sequence[float] | None = None,
                      folds=None) -> dict:
    """Fit the quadrant head: calibrated multinomial logistic regression over the
    standardised features, with its cross-validated figures.

    The head is ``p = softmax((z @ coef.T + intercept) / T)`` with
    ``z = (x - mean) / scale`` the model's own standardisation. Its inverse L2 penalty
    C is chosen by log-loss over `inner_cv` group-kept folds (``LogisticRegressionCV``
    [1]_); the temperature T (Guo et al. 2017 [2]_, sec. 4.2) minimises the negative
    log-likelihood of the *out-of-fold* logits of an outer cross-validation (each outer
    training fold chooses its own C), so the calibration is fitted on predictions the
    model did not train on.

    Parameters
    ----------
    X : ndarray, shape (n, n_features)
    quadrants : sequence of str, shape (n,)
        True quadrants Q1..Q4 (all four present).
    groups : array_like, shape (n,), optional
        Group of each row (an artist): kept within one fold, outer and inner.
    mean, scale : ndarray, shape (n_features,)
        The model's standardisation (:attr:`EmotionModel.feature_means` and the scale).
        Fixed over the folds: it uses no label.
    cv : int, default 10
        Outer folds (``GroupKFold`` with `groups`), unless `folds` gives them.
    inner_cv : int, default 5
        Folds of the choice of C.
    Cs : sequence of float, optional
        Inverse penalties searched (default :data:`DEFAULT_QUADRANT_CS`).
    folds : sequence of (train, test) index arrays, optional
        Explicit outer splits, e.g. those of the regression's cross-validation, so that
        both are judged on the same folds.

    Returns
    -------
    fitted : dict
        ``coef`` (4, n_features), ``intercept`` (4,), ``temperature`` (float): the
        head fitted on all rows; ``oof_proba`` (n, 4) calibrated out-of-fold
        probabilities (the temperature is fitted on the same rows, so their log-loss is
        optimistic by one parameter); ``card``: JSON-able C, temperature, out-of-fold
        accuracy, balanced accuracy and log-loss before and after calibration.

    References
    ----------
    .. [1] Pedregosa et al. (2011), scikit-learn, ``LogisticRegressionCV``.
    .. [2] Guo, C., Pleiss, G., Sun, Y., & Weinberger, K. Q. (2017). On calibration of
       modern neural networks. ICML 2017.
    """
    from .evaluation import balanced_accuracy

    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or not np.all(np.isfinite(X)):
        raise ParameterError("X must be a finite 2-D array")
    n = X.shape[0]
    codes = _quadrant_codes(quadrants, n)
    mean = np.asarray(mean, dtype=np.float64)
    scale = np.asarray(scale, dtype=np.float64)
    if mean.shape != (X.shape[1],) or scale.shape != (X.shape[1],) or np.any(scale <= 0):
        raise ParameterError(f"mean and scale must have {X.shape[1]} entries, scale > 0")
    if groups is not None:
        groups = np.asarray(groups)
        if len(groups) != n:
            raise ParameterError(f"groups has {len(groups)} entries for {n} rows")
    Cs = tuple(DEFAULT_QUADRANT_CS if Cs is None else Cs)
    Z = (X - mean) / scale
    if folds is None:
        folds = _splits(n, int(cv), groups, 0)
    logits = np.full((n, len(QUADRANTS)), np.nan)
    chosen = []
    for train, test in folds:
        est = _logistic_cv(Z[train], codes[train],
                           None if groups is None else groups[train], inner_cv, Cs)
        logits[test] = est.decision_function(Z[test])
        chosen.append(float(est.C_[0]))
    tested = np.all(np.isfinite(logits), axis=1)
    temperature = _fit_temperature(logits[tested], codes[tested])
    oof = np.full_like(logits, np.nan)
    oof[tested] = _softmax(logits[tested] / temperature)
    final = _logistic_cv(Z, codes, groups, inner_cv, Cs)
    truth = np.array(QUADRANTS)[codes[tested]]
    pred = np.array(QUADRANTS)[np.argmax(oof[tested], axis=1)]
    card = {
        "model": "multinomial logistic regression on the standardised features, "
                 "temperature-scaled",
        "C": float(final.C_[0]), "C_per_fold": chosen, "Cs": list(Cs),
        "temperature": temperature, "cv": len(folds), "inner_cv": int(inner_cv),
        "grouped": groups is not None, "n": int(tested.sum()),
        "accuracy": float(np.mean(truth == pred)),
        "balanced_accuracy": float(balanced_accuracy(truth, pred)),
        "log_loss_uncalibrated": _log_loss(_softmax(logits[tested]), codes[tested]),
        "log_loss": _log_loss(oof[tested], codes[tested]),
    }
    return {"coef": np.asarray(final.coef_, dtype=np.float64),
            "intercept": np.asarray(final.intercept_, dtype=np.float64),
            "temperature": temperature, "oof_proba": oof, "card": card}


def choose_quadrant_source(quadrants, regression_points, head_proba) -> dict:
    """Which quadrant a model reports: the regression's sign pattern or the head's
    argmax, by out-of-fold accuracy on the same rows (ties go to the regression,
    which needs no second model); both figures, with balanced accuracy, for the card.

    Parameters
    ----------
    quadrants : sequence of str, shape (n,)
        True quadrants.
    regression_points : ndarray, shape (n, 2) or (n, 3)
        Out-of-fold regressed points (NaN rows left out).
    head_proba : ndarray, shape (n, 4)
        Out-of-fold head probabilities (NaN rows left out).

    Returns
    -------
    choice : dict
        ``quadrant_source`` ("head" or "regression"), ``regression`` and ``head``
        (``accuracy``, ``balanced_accuracy``, ``n``) and ``why``.
    """
    from .evaluation import balanced_accuracy
    from .space import quadrant

    pts = np.asarray(regression_points, dtype=np.float64)
    proba = np.asarray(head_proba, dtype=np.float64)
    codes = _quadrant_codes(quadrants, len(pts))
    if len(proba) != len(pts):
        raise ParameterError(f"{len(proba)} probability rows for {len(pts)} points")
    ok = np.all(np.isfinite(pts[:, :2]), axis=1) & np.all(np.isfinite(proba), axis=1)
    if not ok.any():
        raise ParameterError("no row has both an out-of-fold point and probabilities")
    truth = np.array(QUADRANTS)[codes[ok]]
    by = {"regression": np.asarray(quadrant(pts[ok, :2])),
          "head": np.array(QUADRANTS)[np.argmax(proba[ok], axis=1)]}
    out: dict = {}
    for name, pred in by.items():
        out[name] = {"accuracy": float(np.mean(pred == truth)),
                     "balanced_accuracy": float(balanced_accuracy(truth, pred)),
                     "n": int(ok.sum())}
    head, reg = out["head"]["accuracy"], out["regression"]["accuracy"]
    source = "head" if head > reg else "regression"
    out["quadrant_source"] = source
    out["why"] = (f"out-of-fold quadrant accuracy {head:.3f} (head, argmax) against "
                  f"{reg:.3f} (regression, sign of valence and arousal) on the same "
                  f"{int(ok.sum())} rows and folds; balanced "
                  f"{out['head']['balanced_accuracy']:.3f} against "
                  f"{out['regression']['balanced_accuracy']:.3f}; the higher accuracy "
                  f"is chosen, a tie goes to the regression")
    return out


def attach_quadrant_head(model: EmotionModel, X, quadrants, groups=None, *,
                         regression_points, fold_of, inner_cv: int = 5,
                         Cs: Sequence[float] | None = None) -> EmotionModel:
    """`model` with a quadrant head fitted on its training rows, and the card's choice.

    The head (:func:`fit_quadrant_head`) is cross-validated on the folds of the
    regression's own cross-validation (`fold_of`, the ``"folds"`` entry of
    :func:`cross_validate_model`), so :func:`choose_quadrant_source` compares both on
    the same held-out rows. The card gets ``quadrant_head`` (C, temperature, figures),
    ``quadrant_source`` and ``quadrant_choice`` (both figures and why).

    Parameters
    ----------
    model : EmotionModel
        The trained regression model (its standardisation is reused).
    X, quadrants, groups : as :func:`fit_quadrant_head`, the model's training rows
        (columns in the model's order).
    regression_points : ndarray, shape (n, 3)
        The regression's out-of-fold points on those rows.
    fold_of : ndarray of int, shape (n,)
        Outer fold of each row (-1: in no test fold).
    """
    fold_of = np.asarray(fold_of)
    if len(fold_of) != len(X):
        raise ParameterError(f"fold_of has {len(fold_of)} entries for {len(X)} rows")
    folds = [(np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k))
             for k in np.unique(fold_of[fold_of >= 0])]
    fitted = fit_quadrant_head(X, quadrants, groups, mean=model.feature_means,
                               scale=model.feature_scales, inner_cv=inner_cv, Cs=Cs,
                               folds=folds)
    choice = choose_quadrant_source(quadrants, regression_points, fitted["oof_proba"])
    return model.with_quadrant_head(
        fitted["coef"], fitted["intercept"], fitted["temperature"],
        card={"quadrant_head": fitted["card"], "quadrant_source": choice["quadrant_source"],
              "quadrant_choice": _jsonable(choice)})
