"""The joint embedding's files: an ``.npz`` of arrays (no pickle) and a JSON card.

As :class:`~affect_features.models.EmotionModel`'s: the weights are written first, then
the card carrying their SHA-256, each atomically, so that a crash in between leaves a
pair that :func:`load_model` refuses; the same model gives the same bytes. The card
holds both branches' schemas and feature names, the hyper-parameters, the training
sizes and the label points.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from ..errors import ModelError
from ._branch import _Branch
from ._network import ACTIVATIONS

__all__ = ["FORMAT", "FORMAT_VERSION", "model_arrays", "save_model", "load_model"]

#: Model file format written by :func:`save_model` (:meth:`JointEmbedding.save`).
FORMAT = "affect_features.joint_embedding"
FORMAT_VERSION = 1
_MODALITIES = ("image", "audio")


def model_arrays(model) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` of a fitted :class:`~._model.JointEmbedding`."""
    branches = model._fitted()
    arrays: dict[str, np.ndarray] = {
        "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
        "activation": np.array(model._activation),
        "labels": np.array(model._labels, dtype=str),
        "label_table": model._table,
        "label_points": model._points,
        "label_classes": np.asarray(model._classes, dtype=np.int64),
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


def save_model(model, path) -> tuple[str, str]:
    """Write ``<stem>.npz`` (weights) and ``<stem>.json`` (card) of a fitted `model`,
    each atomically, by :func:`affect_features.models.write_model_files` (module
    docstring); the model's card becomes the one written.

    Returns
    -------
    npz_path, card_path : str
    """
    from ..models._format import _library_versions, names_hash, write_model_files

    branches = model._fitted()
    card = dict(model.card)
    card.update({
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": "joint",
        "method": "three-branch triplet metric learning (Won et al., ISMIR 2021)",
        "dim": int(model._table.shape[0] * model._table.shape[2]),
        "n_members": int(model._table.shape[0]),
        "hyper_parameters": dict(model._fit_params),
        "random_state": model._fit_params["random_state"],
        "labels": list(model._labels),
        "label_points": {lab: list(p) for lab, p in zip(model._labels, model._points)},
        "library_versions": _library_versions(),
    })
    for m in _MODALITIES:
        b = branches[m]
        card[m] = {"schema": b.schema, "n_features": len(b.names),
                   "feature_names": list(b.names),
                   "feature_names_sha256": names_hash(b.names)}
    npz_path, card_path, model.card = write_model_files(path, model_arrays(model), card)
    return npz_path, card_path


def load_model(cls, path):
    """Read a model of class `cls` written by :func:`save_model` (``x.npz``, ``x.json``
    or the stem ``x``), by :func:`affect_features.models.read_model_files`.

    Raises
    ------
    ModelError
        A file missing or unreadable, not a joint-embedding card, the ``.npz`` not
        matching the SHA-256 of its card, or malformed content.
    """
    from ..models._format import names_hash, read_model_files

    # Regular files within the declared limits, checked before reading; the card's
    # format, version and SHA-256 of the weights; the weights' zip headers before any
    # array is inflated (a FIFO, /dev/zero or a deflate bomb is refused in one line).
    npz_path, card_path, a, card = read_model_files(
        path, card_format=FORMAT, card_version=FORMAT_VERSION, what="joint-embedding",
        check_card=None)
    try:
        model = from_arrays(cls, a, card)
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


def from_arrays(cls, a: Mapping[str, np.ndarray], card: Mapping):
    """A `cls` model from the arrays of its ``.npz`` and its card (ModelError if they
    do not fit together)."""
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
