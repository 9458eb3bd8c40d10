"""Emotion models: feature vectors to points of the valence-arousal-dominance space.

An :class:`EmotionModel` maps the features of one declared schema (``image-2``,
``audio-1``) to a point ``(valence, arousal, dominance)`` in [-1, 1]: a
standardisation, one or more heads (ensembles of small multi-layer perceptrons, or one
ridge map) and clipping. It is trained with scikit-learn (:class:`EmotionRegressor`,
:func:`train_model`), stored as an ``.npz`` of plain arrays beside a JSON card, and run
by a forward pass in numpy, so that loading needs neither pickle nor scikit-learn.

The modules, one job each:

- :mod:`._format`: the ``.npz`` + JSON card files, their checks, reading and writing;
- :mod:`._inference`: :class:`EmotionModel` and its numpy forward pass;
- :mod:`._columns`: :func:`feature_columns`, :func:`feature_matrix` (a model's inputs);
- :mod:`._search`: ``GridSearchCV`` over ``StandardScaler`` + ``MLPRegressor``;
- :mod:`._estimator`: :class:`EmotionRegressor`, the procedure as a scikit-learn
  estimator;
- :mod:`._fitting`: :func:`train_model`, :func:`cross_validate_model`;
- :mod:`._quadrant`: the calibrated quadrant head.

The metrics live in :mod:`affect_features.evaluation` (:func:`regression_metrics` is
re-exported here). The fitting names load scikit-learn on first use only, so that
``import affect_features.models`` (to predict) stays cheap.
"""

from ..evaluation import regression_metrics
from ._columns import feature_columns, feature_matrix
from ._format import (
    AXES,
    FORMAT,
    FORMAT_VERSION,
    KINDS,
    QUADRANTS,
    names_hash,
    read_model_files,
    write_model_files,
)
from ._inference import EmotionModel
from ._quadrant import (
    attach_quadrant_head,
    choose_quadrant_source,
    fit_quadrant_head,
)
from ._search import DEFAULT_MLP_GRID, DEFAULT_RIDGE_ALPHAS, MLP_FIXED

__all__ = [
    "AXES",
    "KINDS",
    "DEFAULT_MLP_GRID",
    "DEFAULT_RIDGE_ALPHAS",
    "MLP_FIXED",
    "EmotionModel",
    "EmotionRegressor",
    "train_model",
    "cross_validate_model",
    "regression_metrics",
    "names_hash",
    "feature_columns",
    "feature_matrix",
    "read_model_files",
    "write_model_files",
    "FORMAT",
    "FORMAT_VERSION",
    "QUADRANTS",
    "fit_quadrant_head",
    "choose_quadrant_source",
    "attach_quadrant_head",
]

# Names whose modules import scikit-learn at load time (about a second): loaded on
# first use.
_LAZY = {"EmotionRegressor": "_estimator", "train_model": "_fitting",
         "cross_validate_model": "_fitting"}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
