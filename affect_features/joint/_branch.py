"""One modality's branch of a fitted joint embedding: standardisation, members, forward pass.

What inference needs of a trained model (:mod:`._model`): the columns' mean and scale,
each member's layers (:mod:`._network`), and the check that features are of the
branch's schema. Checked when built, so a malformed file (:mod:`._format`) is refused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..errors import ModelError
from ._network import layers_forward, normalise


def _standardise(X: np.ndarray):
    """Mean and scale per column; a constant column keeps scale 1 (as StandardScaler)."""
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale = np.where(scale < 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1.0),
                     1.0, scale)
    return mean, scale


class _Branch:
    """Standardisation and the members' layers of one modality."""

    __slots__ = ("modality", "schema", "names", "mean", "scale", "members")

    def __init__(self, modality, schema, names, mean, scale, members):
        from ..models._format import _check_layers  # the one check of a chain of dense layers

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
            dims.add(_check_layers([w for w, _ in layers], [b for _, b in layers], f, where))
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
