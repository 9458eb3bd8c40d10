"""The model files: an ``.npz`` of weights and a JSON card, written and read without pickle.

A model ``<stem>`` is two files. ``<stem>.npz`` holds plain arrays (numbers and text,
read with ``allow_pickle=False``), written with fixed timestamps so that the same
weights give the same bytes. ``<stem>.json``, the *card*, describes the model (feature
schema and names with their hash, modality, training sets, metrics, hyper-parameters,
library versions, seed) and carries the SHA-256 of the ``.npz``: a weight file whose
hash does not match its card is refused. Every card field the package reads is checked
for its type and shape (:data:`_CARD_RULES`), and an archive is checked from its zip
headers before anything is inflated (:func:`_read_npz_members`).

:func:`write_model_files` and :func:`read_model_files` are the two ends;
:class:`~affect_features.models.EmotionModel` turns the arrays into a model and back.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import platform
import zipfile
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ..errors import ModelError
from .._version import __version__

#: The output axes, in the order of a point's components (as ``space.AXES``).
AXES = ("valence", "arousal", "dominance")
#: Member kinds a model can hold.
KINDS = ("mlp", "ridge")
#: Classes of the optional quadrant head, in the order of its probabilities.
QUADRANTS = ("Q1", "Q2", "Q3", "Q4")
#: Activations a stored network may use (scikit-learn's ``ACTIVATIONS``).
_ACTIVATIONS = ("identity", "relu", "tanh", "logistic")
#: Model file format written by :meth:`EmotionModel.save`.
FORMAT = "affect_features.emotion_model"
FORMAT_VERSION = 1

def names_hash(names: Sequence[str]) -> str:
    """SHA-256 (hex) of the feature names joined by newlines, in order."""
    return hashlib.sha256("\n".join(names).encode("utf-8")).hexdigest()


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
    from ..writing import atomic_write_bytes

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
    from ..files import LIMITS

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


def write_model_files(path, arrays: Mapping[str, np.ndarray],
                      card: Mapping) -> tuple[str, str, dict]:
    """Write ``<stem>.npz`` (the arrays) and ``<stem>.json`` (the card), each atomically.

    Parameters
    ----------
    path : str or path-like
        ``model.npz``, ``model.json`` or the stem ``model``.
    arrays : mapping of str to ndarray
        The weights (numbers and text only).
    card : mapping
        The card's fields; ``npz`` (the weights' file name) and ``npz_sha256`` are added.

    Returns
    -------
    npz_path, card_path : str
    card : dict
        The card as written (before JSON conversion).

    Notes
    -----
    The weights are written first, then the card that carries their SHA-256: a crash in
    between leaves a pair that :func:`read_model_files` refuses, never a silently
    mismatched one.
    """
    npz_path, card_path = _model_paths(path)
    data = _npz_bytes(arrays)
    card = dict(card)
    card.update({"npz": os.path.basename(npz_path),
                 "npz_sha256": hashlib.sha256(data).hexdigest()})
    text = json.dumps(_jsonable(card), indent=2, sort_keys=True, allow_nan=False) + "\n"
    _atomic_write(npz_path, data)
    _atomic_write(card_path, text.encode("utf-8"))
    return npz_path, card_path, card


def read_model_files(path, *, card_format: str = FORMAT,
                     card_version: int = FORMAT_VERSION, what: str = "model",
                     check_card=_check_card) -> tuple[str, str, dict[str, np.ndarray], dict]:
    """The arrays and the card of a model written by :func:`write_model_files`, checked.

    Both files are checked to be regular and within their size limits
    (:data:`affect_features.files.LIMITS`) before anything is read (a FIFO, /dev/zero
    or a folder is refused at once); the card must declare `card_format` and
    `card_version` and have every field of its declared type (`check_card`), and the
    SHA-256 of the ``.npz`` must be the card's ``npz_sha256``.

    Parameters
    ----------
    path : str or path-like
        ``model.npz``, ``model.json`` or the stem ``model``.
    card_format, card_version
        What the card's ``format`` and ``format_version`` must be (default: the
        emotion model's :data:`FORMAT`, :data:`FORMAT_VERSION`; another model stored
        the same way passes its own).
    what : str
        The kind of model, for messages ("model", "joint-embedding").
    check_card : callable or None
        ``check_card(card, card_path)`` raises on a malformed card (default
        :func:`_check_card`, the emotion model's fields).

    Returns
    -------
    npz_path, card_path : str
    arrays : dict of str to ndarray
    card : dict

    Raises
    ------
    ModelError
        A file missing, unreadable or malformed, or weights that do not match the card.
    """
    from ..files import LIMITS, read_bytes

    npz_path, card_path = _model_paths(path)
    data = read_bytes(npz_path, "model weights", LIMITS["model weights"],
                      error=ModelError)
    if not os.path.lexists(card_path):
        raise ModelError(f"{card_path}: model card missing (it must sit next to "
                         f"{os.path.basename(npz_path)})")
    card = _parse_card(read_bytes(card_path, "model card", LIMITS["model card"],
                                  error=ModelError), card_path)
    if not isinstance(card, dict) or card.get("format") != card_format:
        raise ModelError(f"{card_path}: not an affect_features {what} card")
    if card.get("format_version") != card_version:
        raise ModelError(f"{card_path}: {what} format version "
                         f"{_shown(card.get('format_version'))} is not supported "
                         f"(this version reads {card_version})")
    if check_card is not None:
        check_card(card, card_path)
    digest = hashlib.sha256(data).hexdigest()
    if digest != card.get("npz_sha256"):
        raise ModelError(f"{npz_path}: SHA-256 does not match its card "
                         f"{os.path.basename(card_path)} (the weights were changed or "
                         f"corrupted); refusing to load")
    return npz_path, card_path, _read_npz_members(data, npz_path), card


def _check_layers(weights, biases, width: int, where: str) -> int:
    """Check that dense layers ``a @ W_i + b_i`` chain from `width` inputs, with finite
    weights; the number of outputs of the last layer. Errors name `where` (e.g.
    ``"head 0 member 1"``) and the layer."""
    if not weights or len(weights) != len(biases):
        raise ModelError(f"{where}: {len(weights)} weight and {len(biases)} bias arrays")
    for i, (w, b) in enumerate(zip(weights, biases)):
        if w.ndim != 2 or w.shape[0] != width or b.shape != (w.shape[1],):
            raise ModelError(f"{where} layer {i}: shapes {w.shape}/{b.shape} do not "
                             f"chain from {width}")
        if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
            raise ModelError(f"{where} layer {i}: non-finite weights")
        width = w.shape[1]
    return width
