"""The training procedure as a scikit-learn estimator: :class:`EmotionRegressor`.

``EmotionRegressor(...).fit(X, Y)`` standardises the features (``StandardScaler``),
groups the axes into heads by the rows on which they are known, chooses each MLP head's
hyper-parameters by ``GridSearchCV`` (:mod:`._search`), fits an ensemble of ``n_seeds``
members with the chosen settings (or one ``RidgeCV``), and keeps the result as an
:class:`~affect_features.models.EmotionModel` in ``model_``. It follows scikit-learn's
conventions (``__init__`` stores the parameters, ``fit`` returns self, learned state
ends in ``_``, ``get_params``/``set_params``/``clone``), so the whole procedure goes
through ``cross_validate``, ``cross_val_predict`` or a ``Pipeline`` without glue.

Missing targets. Y may be NaN where an axis is unknown (e.g. dominance for a set rated
only on valence and arousal). Axes known on exactly the same rows share one head,
trained on those rows; an axis known on other rows gets its own head; an axis known on
no row is not learned (predicted 0, ``model_.learned`` False there).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from ..errors import ParameterError
from ._format import AXES, KINDS, _jsonable, _library_versions
from ._inference import EmotionModel
from ._search import (
    DEFAULT_MLP_GRID,
    DEFAULT_RIDGE_ALPHAS,
    MLP_FIXED,
    check_grid,
    fit_mlp_members,
    score_columns,
    select_mlp_params,
)

#: The fewest rows a head trains on.
_MIN_ROWS = 20


def _check_xy(X, Y, mask):
    """Finite features ``(n, f)``, targets as ``(n, 3)`` (NaN: unknown) and the mask of
    known entries (finite in Y and True in `mask`)."""
    X, Y = np.asarray(X), np.asarray(Y)
    if X.dtype.kind == "c" or Y.dtype.kind == "c":  # a cast would drop the imaginary part
        raise ParameterError("Complex data not supported: features and targets are real")
    X = X.astype(np.float64, copy=False)
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


def _fit_heads(X, Y, known, *, kind, n_seeds, param_grid, ridge_alphas, cv, groups,
               random_state, n_jobs):
    """The fitted scaler and heads: ``(scaler, [(axes, members)], head_info)``."""
    from sklearn.linear_model import RidgeCV
    from sklearn.preprocessing import StandardScaler

    layout = _head_layout(known)
    if not layout:
        raise ParameterError("no target values: every entry of Y is NaN or masked out")
    scaler = StandardScaler().fit(X)
    Z = scaler.transform(X)
    heads, info = [], []
    grid = check_grid(param_grid) if kind == "mlp" else None
    for axes, rows in layout:
        n_rows = int(rows.sum())
        axis_names = "/".join(AXES[a] for a in axes)
        if n_rows < max(_MIN_ROWS, 2 * cv):
            raise ParameterError(f"only {n_rows} training rows know {axis_names}; need at "
                                 f"least {max(_MIN_ROWS, 2 * cv)}")
        Yh = Y[rows][:, list(axes)]
        entry = {"axes": [AXES[a] for a in axes], "n_train": n_rows}
        if kind == "ridge":
            alphas = np.asarray(DEFAULT_RIDGE_ALPHAS if ridge_alphas is None
                                else ridge_alphas, dtype=np.float64)
            est = RidgeCV(alphas=alphas, alpha_per_target=True).fit(Z[rows], Yh)
            entry["params"] = {"alpha": np.atleast_1d(est.alpha_).tolist(),
                               "alphas": alphas.tolist()}
            heads.append((axes, [est]))
            info.append(entry)
            continue
        y = Yh[:, 0] if len(axes) == 1 else Yh
        params = {k: v[0] for k, v in grid.items()}
        if any(len(v) > 1 for v in grid.values()):
            columns = score_columns(axes)
            best, selection = select_mlp_params(
                X[rows], y, grid, cv=cv,
                groups=None if groups is None else np.asarray(groups)[rows],
                random_state=random_state, columns=columns, n_jobs=n_jobs)
            params = selection[best]["params"]
            entry["selection"] = selection
            entry["cv_score"] = selection[best]["score"]
            entry["cv_score_axes"] = [AXES[axes[c]] for c in columns]
        members = fit_mlp_members(Z[rows], y, params,
                                  [random_state + k for k in range(n_seeds)], n_jobs)
        entry["params"] = {**MLP_FIXED, **params}
        entry["n_iter"] = [int(m.n_iter_) for m in members]
        heads.append((axes, members))
        info.append(entry)
    return scaler, heads, info


class EmotionRegressor(RegressorMixin, BaseEstimator):
    """Features to points ``(valence, arousal, dominance)``: the training procedure of
    the shipped models as a scikit-learn estimator.

    Parameters
    ----------
    kind : {"mlp", "ridge"}, default "mlp"
        ``"mlp"``: ensembles of ``MLPRegressor`` with grid-searched settings;
        ``"ridge"``: one ``RidgeCV`` per head (the baseline).
    n_seeds : int, default 5
        MLP members (initialisations ``random_state + k``) averaged per head.
    param_grid : mapping, optional
        ``MLPRegressor`` parameters to search (default :data:`DEFAULT_MLP_GRID`).
    ridge_alphas : sequence of float, optional
        Ridge penalties (default :data:`DEFAULT_RIDGE_ALPHAS`).
    cv : int, default 5
        Folds of the search (shuffled K-fold; ``GroupKFold`` when ``fit`` gets groups).
    random_state : int, default 0
        Seeds folds and networks: the same fit gives the same model.
    n_jobs : int, optional
        Worker processes of the search and the members (None: 1, -1: all cores).
    names : sequence of str, optional
        Feature names of the columns (default ``f0, f1, ...``).
    schema, modality : str
        Recorded in ``model_`` (``"image-2"``, ``"image"``...); a model saved for the
        package to load needs real ones.

    Attributes
    ----------
    model_ : EmotionModel
        The fitted model (numpy forward pass, saveable without pickle).
    heads_ : list of dict
        Per head: axes, rows, chosen parameters and the search's scores.
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.model_selection import cross_validate
    >>> scores = cross_validate(EmotionRegressor(kind="ridge"), X, Y, cv=5)  # doctest: +SKIP
    """

    def __init__(self, *, kind: str = "mlp", n_seeds: int = 5, param_grid=None,
                 ridge_alphas=None, cv: int = 5, random_state: int = 0, n_jobs=None,
                 names=None, schema: str = "unspecified", modality: str = "unspecified"):
        self.kind = kind
        self.n_seeds = n_seeds
        self.param_grid = param_grid
        self.ridge_alphas = ridge_alphas
        self.cv = cv
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.names = names
        self.schema = schema
        self.modality = modality

    def _check_settings(self) -> None:
        if self.kind not in KINDS:
            raise ParameterError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if not isinstance(self.n_seeds, (int, np.integer)) or self.n_seeds < 1:
            raise ParameterError(f"n_seeds must be a positive integer, got {self.n_seeds!r}")
        if not isinstance(self.cv, (int, np.integer)) or self.cv < 2:
            raise ParameterError(f"cv must be an integer >= 2, got {self.cv!r}")

    def fit(self, X, Y, groups=None) -> "EmotionRegressor":
        """Fit the model.

        Parameters
        ----------
        X : ndarray, shape (n, n_features)
            Finite features.
        Y : ndarray, shape (n, 3) or (n, 2)
            Valence, arousal[, dominance] in [-1, 1]; NaN where unknown.
        groups : array_like, shape (n,), optional
            Group of each row (e.g. an artist): never split across the search's folds.

        Returns
        -------
        self
        """
        self._check_settings()
        if Y is None:
            raise ParameterError(f"{type(self).__name__} requires y to be passed, but the "
                                 f"target y is None")
        X, Y, known = _check_xy(X, Y, None)
        names = (tuple(str(n) for n in self.names) if self.names is not None
                 else tuple(f"f{i}" for i in range(X.shape[1])))
        if len(names) != X.shape[1]:
            raise ParameterError(f"{len(names)} names for {X.shape[1]} feature columns")
        if groups is not None and len(groups) != X.shape[0]:
            raise ParameterError(f"groups has {len(groups)} entries for {X.shape[0]} rows")
        kind, cv, seed = self.kind, int(self.cv), int(self.random_state)
        n_seeds = 1 if kind == "ridge" else int(self.n_seeds)
        scaler, heads, info = _fit_heads(
            X, Y, known, kind=kind, n_seeds=n_seeds, param_grid=self.param_grid,
            ridge_alphas=self.ridge_alphas, cv=cv, groups=groups, random_state=seed,
            n_jobs=self.n_jobs)
        grid = self.param_grid or DEFAULT_MLP_GRID
        card = {
            "n_train": int(X.shape[0]),
            "n_known": {AXES[a]: int(known[:, a].sum()) for a in range(3)},
            "training_sets": [],
            "metrics": {},
            "heads": info,
            "hyperparameters": {
                "kind": kind, "n_seeds": n_seeds, "cv": cv,
                "grouped_cv": groups is not None,
                "param_grid": ({k: list(v) if isinstance(v, (list, tuple)) else v
                                for k, v in grid.items()} if kind == "mlp" else None),
                "fixed": MLP_FIXED if kind == "mlp" else None,
                "selection_score": "mean R2 over valence and arousal",
            },
            "random_state": seed,
            "versions": _library_versions(),
        }
        self.model_ = EmotionModel.from_estimators(
            names=names, schema=self.schema, modality=self.modality,
            mean=scaler.mean_, scale=scaler.scale_, heads=heads, kind=kind,
            card=_jsonable(card))
        self.heads_ = self.model_.card["heads"]
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X) -> np.ndarray:
        """Points ``(valence, arousal, dominance)`` in [-1, 1], shape (n, 3)
        (:meth:`EmotionModel.predict`; columns in the fitted order)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "model_")
        return self.model_.predict(X)

    def score(self, X, Y, sample_weight=None) -> float:
        """Mean R² over valence and arousal, each on the rows where `Y` knows it
        (``mean_r2_va`` of :func:`affect_features.evaluation.regression_metrics`); NaN
        where neither is known."""
        from ..evaluation import regression_metrics

        if sample_weight is not None:
            raise ParameterError("sample weights are not supported")
        _, Y, known = _check_xy(X, Y, None)
        return regression_metrics(np.where(known, Y, np.nan), self.predict(X))["mean_r2_va"]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags
