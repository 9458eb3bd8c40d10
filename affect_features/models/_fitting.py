"""Training and cross-validating emotion models: :func:`train_model`,
:func:`cross_validate_model`.

Both run :class:`~affect_features.models.EmotionRegressor`: per head, hyper-parameters
(hidden layer sizes, L2 penalty ``alpha``, early-stopping settings) chosen by K-fold
``GridSearchCV``, scored by the mean R² over valence and arousal (over the head's own
axes for a head that has neither), then an ensemble of ``n_seeds`` networks with the
chosen settings fitted on all training rows. :func:`cross_validate_model` estimates how
well that whole procedure generalises: outer folds through scikit-learn's
``cross_validate``, the search nested inside each training fold, against a ridge
baseline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import ParameterError
from ..evaluation import regression_metrics
from ._estimator import EmotionRegressor, _check_xy
from ._format import KINDS, _jsonable
from ._inference import EmotionModel
from ._search import check_grid, cv_splitter, fitting_context


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

    Notes
    -----
    The fitting is :class:`EmotionRegressor` (scikit-learn's ``GridSearchCV`` over a
    ``StandardScaler`` + ``MLPRegressor`` pipeline per head, then the ensemble); this
    function checks the inputs, applies `mask` and completes the card.
    """
    estimator = EmotionRegressor(kind=kind, n_seeds=n_seeds, param_grid=param_grid,
                                 ridge_alphas=ridge_alphas, cv=cv,
                                 random_state=random_state, n_jobs=n_jobs, names=names,
                                 schema=schema, modality=modality)
    estimator._check_settings()
    X, Y, known = _check_xy(X, Y, mask)
    # Unknown and masked-out targets are NaN for the estimator: it learns no axis from them.
    model = estimator.fit(X, np.where(known, Y, np.nan), groups=groups).model_
    if training_sets is not None:
        model.card["training_sets"] = _jsonable(list(training_sets))
    if metrics is not None:
        model.card["metrics"] = _jsonable(dict(metrics))
    return model


def cross_validate_model(X, Y, *, mask=None, names: Sequence[str] | None = None,
                         cv: int = 10, inner_cv: int = 3, kinds: Sequence[str] = KINDS,
                         n_seeds: int = 3, param_grid: Mapping | None = None,
                         ridge_alphas: Sequence[float] | None = None, groups=None,
                         quadrants=None, random_state: int = 0,
                         n_jobs: int | None = -1, folds=None) -> dict:
    """Out-of-fold predictions and metrics of the MLP procedure and the ridge baseline.

    Each outer fold fits :class:`EmotionRegressor` (the procedure of :func:`train_model`)
    on the other folds only, through scikit-learn's ``cross_validate``, so the
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
    check_grid(param_grid)  # fail early on a bad grid, not in a worker
    if folds is None:
        folds = list(cv_splitter(int(cv), groups, int(random_state)).split(
            np.zeros((n, 1)), groups=groups))
    else:
        folds = [(np.asarray(tr, dtype=np.intp), np.asarray(te, dtype=np.intp))
                 for tr, te in folds]
        if not folds or any(len(tr) == 0 or len(te) == 0 for tr, te in folds):
            raise ParameterError("every explicit fold needs training and test rows")
    truth = np.where(known, Y, np.nan)
    fold_of = np.full(n, -1, dtype=np.int64)
    for k, (_, te) in enumerate(folds):
        fold_of[te] = k
    tested = fold_of >= 0
    out: dict = {"folds": fold_of}
    summary: dict = {"cv": len(folds), "inner_cv": int(inner_cv), "n": int(n),
                     "n_seeds": int(n_seeds), "grouped": groups is not None,
                     "random_state": int(random_state)}
    for kind in kinds:
        fitted = _cross_validate(
            EmotionRegressor(kind=kind, n_seeds=int(n_seeds), param_grid=param_grid,
                             ridge_alphas=ridge_alphas, cv=int(inner_cv),
                             random_state=int(random_state), n_jobs=1, names=names,
                             schema="cv", modality="cv"),
            X, truth, folds, groups, n_jobs)
        pred = np.full((n, 3), np.nan)
        for est, (_, te) in zip(fitted, folds):
            pred[te] = est.predict(X[te])
        pred[:, ~known.any(axis=0)] = np.nan
        metrics = regression_metrics(
            truth[tested], pred[tested],
            quadrants=None if quadrants is None else [q for q, t in zip(quadrants, tested) if t])
        out[kind] = {"predictions": pred, "metrics": metrics,
                     "params": [[h["params"] for h in est.heads_] for est in fitted]}
        summary[kind] = _jsonable(metrics)
    out["summary"] = summary
    return out


def _cross_validate(estimator, X, Y, folds, groups, n_jobs) -> list:
    """The estimators of scikit-learn's ``cross_validate`` fitted on each training fold
    (with the training rows' `groups` for the inner search), on `n_jobs` processes."""
    from sklearn.model_selection import cross_validate

    # The fold fits of this process (n_jobs=1) run with one BLAS thread, as in workers.
    with fitting_context():
        res = cross_validate(estimator, X, Y, cv=folds, n_jobs=n_jobs,
                             params=None if groups is None else {"groups": groups},
                             return_estimator=True, error_score="raise")
    return list(res["estimator"])
