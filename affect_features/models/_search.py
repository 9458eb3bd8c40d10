"""Choosing and fitting a head's members with scikit-learn's own tools.

A head's hyper-parameters are chosen by ``GridSearchCV`` over
``Pipeline([("scale", StandardScaler()), ("mlp", MLPRegressor(...))])``: every candidate
of the grid is fitted on each training fold (standardised on that fold only) and scored
on the held-out fold by the mean R² over the head's scored axes (:func:`mean_r2`,
valence and arousal where the head has them); the best mean over the folds wins, the
first in grid order on a tie (``best_index_``). The chosen settings are then fitted from
``n_seeds`` initialisations (:func:`fit_mlp_members`).

All MLP fits run inside :func:`fitting_context`: one BLAS thread (the matrices are
tiny, more threads only fight for the cores) and scikit-learn's ``assume_finite`` (the
targets and features were checked finite before, and the early-stopping score of every
epoch then skips the check). Both are context managers: nothing of the process is left
changed, and scikit-learn's ``Parallel`` carries the configuration into its workers.
``assume_finite`` is public API and replaces a subclass that overrode the private
``MLPRegressor._score`` hook for the same purpose: the fits are bit-identical, and one
fit on 1600 x 110 features ((64, 32) units, 277 epochs) took 1.87 s stock, 1.50 s with
the subclass and 1.39 s with ``assume_finite``.

References
----------
.. [1] Pedregosa, F. et al. (2011). Scikit-learn: Machine learning in Python. JMLR 12,
   2825-2830 (``GridSearchCV``, ``Pipeline``, ``StandardScaler``, ``MLPRegressor``).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Mapping, Sequence
from functools import partial

import numpy as np

from ..errors import ParameterError
from ._format import _ACTIVATIONS

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


def check_grid(grid: Mapping | None) -> dict[str, list]:
    """`grid` (None: :data:`DEFAULT_MLP_GRID`) as ``{parameter: [values]}``, checked.

    Every key must be an ``MLPRegressor`` parameter; a single value stands for a list
    of one; ``hidden_layer_sizes`` may be one architecture (an int or a tuple of ints)
    or a list of them, each made a tuple. Keys come out sorted, the order in which
    ``ParameterGrid`` enumerates the candidates.

    Raises
    ------
    ParameterError
        Not a non-empty mapping, an unknown parameter, an empty list or an unknown
        activation.
    """
    grid = DEFAULT_MLP_GRID if grid is None else grid
    if not isinstance(grid, Mapping) or not grid:
        raise ParameterError("param_grid must be a non-empty mapping of parameter -> values")
    from sklearn.neural_network import MLPRegressor

    unknown = set(grid) - set(MLPRegressor().get_params())
    if unknown:
        raise ParameterError(f"unknown MLPRegressor parameter(s) in param_grid: "
                             f"{', '.join(sorted(unknown))}")
    out: dict[str, list] = {}
    for k in sorted(grid):
        v = grid[k]
        if k == "hidden_layer_sizes":
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
        out[k] = v
    return out


def cv_splitter(n_splits: int, groups, random_state: int):
    """The folds of a search or an evaluation: ``GroupKFold`` with `groups` (each group
    in one fold), else ``KFold`` shuffled with `random_state`.

    Raises
    ------
    ParameterError
        Fewer groups than folds.
    """
    from sklearn.model_selection import GroupKFold, KFold

    if groups is not None:
        n_groups = len(np.unique(groups))
        if n_groups < n_splits:
            raise ParameterError(f"{n_splits}-fold cross-validation needs at least "
                                 f"{n_splits} groups, got {n_groups}")
        return GroupKFold(n_splits=n_splits)
    return KFold(n_splits=n_splits, shuffle=True, random_state=random_state)


def score_columns(axes: Sequence[int]) -> list[int]:
    """Columns of a head that score its selection: valence/arousal if it has them."""
    va = [i for i, a in enumerate(axes) if a in (0, 1)]
    return va or list(range(len(axes)))


def mean_r2(y, pred, columns: Sequence[int]) -> float:
    """Mean over `columns` of the R² of `pred` against `y`
    (:func:`affect_features.evaluation.r2_score`, per column); NaN when a prediction is
    not finite (a diverged network: ranked last by ``GridSearchCV``)."""
    from ..evaluation import r2_score

    pred = np.asarray(pred, dtype=np.float64).reshape(len(pred), -1)
    y = np.asarray(y, dtype=np.float64).reshape(pred.shape)
    if not np.all(np.isfinite(pred)):
        return float("nan")
    return float(np.mean(r2_score(y[:, columns], pred[:, columns])))


def _mean_r2_scorer(estimator, X, y, *, columns: Sequence[int]) -> float:
    """A ``scoring`` callable of scikit-learn: :func:`mean_r2` of ``estimator.predict``."""
    return mean_r2(y, estimator.predict(X), columns)


@contextlib.contextmanager
def fitting_context():
    """One BLAS thread and scikit-learn's ``assume_finite`` while MLPs are fitted here;
    both restored on exit (see the module docstring)."""
    import sklearn
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"), \
            sklearn.config_context(assume_finite=True), warnings.catch_warnings():
        from sklearn.exceptions import ConvergenceWarning

        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def mlp_pipeline(random_state: int):
    """``StandardScaler`` then ``MLPRegressor`` with :data:`MLP_FIXED` and a seed."""
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline([("scale", StandardScaler()),
                     ("mlp", MLPRegressor(**MLP_FIXED, random_state=int(random_state)))])


def select_mlp_params(X, y, grid: Mapping[str, list], *, cv: int, groups,
                      random_state: int, columns: Sequence[int], n_jobs) -> tuple[int, list]:
    """The best candidate of `grid` for one head, by ``GridSearchCV``.

    Parameters
    ----------
    X : ndarray, shape (n, n_features)
        Raw features of the head's rows (each fold is standardised on its own).
    y : ndarray, shape (n,) or (n, k)
        The head's targets.
    grid : mapping
        As returned by :func:`check_grid`.
    cv, groups, random_state
        Folds (:func:`cv_splitter`); `random_state` also seeds every candidate.
    columns : sequence of int
        Columns of `y` that score (:func:`score_columns`).
    n_jobs : int or None
        Worker processes of the search.

    Returns
    -------
    best : int
        Index of the chosen candidate in `selection` (``best_index_``: the highest
        mean score, the first in grid order on a tie).
    selection : list of dict
        ``{"params", "score"}`` of every candidate in grid order (parameter names
        without the pipeline's prefix), the score the mean over the folds.
    """
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(
        mlp_pipeline(random_state), {f"mlp__{k}": v for k, v in grid.items()},
        scoring=partial(_mean_r2_scorer, columns=list(columns)),
        cv=cv_splitter(cv, groups, random_state), n_jobs=n_jobs, refit=False,
        error_score="raise")
    with fitting_context():
        search.fit(X, y, groups=groups)
    prefix = len("mlp__")
    selection = [{"params": {k[prefix:]: v for k, v in p.items()}, "score": float(s)}
                 for p, s in zip(search.cv_results_["params"],
                                 search.cv_results_["mean_test_score"])]
    return int(search.best_index_), selection


def _fit_mlp(Z, y, params: Mapping, seed: int):
    from sklearn.neural_network import MLPRegressor

    return MLPRegressor(**{**MLP_FIXED, **params, "random_state": int(seed)}).fit(Z, y)


def fit_mlp_members(Z, y, params: Mapping, seeds: Sequence[int], n_jobs) -> list:
    """``MLPRegressor`` members with `params` fitted on standardised `Z` from each seed,
    on `n_jobs` worker processes (scikit-learn's ``Parallel``)."""
    from sklearn.utils.parallel import Parallel, delayed

    with fitting_context():
        return Parallel(n_jobs=n_jobs)(delayed(_fit_mlp)(Z, y, params, s) for s in seeds)
