"""The quadrant head: a calibrated quadrant classifier beside the regressors.

A model may hold a multinomial logistic regression over its standardised features,
temperature-calibrated (:func:`fit_quadrant_head`), read by
:meth:`EmotionModel.predict_quadrant_proba` (Q1..Q4, in numpy).
:func:`attach_quadrant_head` judges it against the sign pattern of the regressed
valence and arousal on the regression's own cross-validation folds and records the
better (``card["quadrant_source"]``, ``card["quadrant_choice"]``, by
:func:`choose_quadrant_source`), which :meth:`EmotionModel.predict_quadrant` follows.

References
----------
.. [1] Pedregosa et al. (2011), scikit-learn, ``LogisticRegressionCV``.
.. [2] Guo, C., Pleiss, G., Sun, Y., & Weinberger, K. Q. (2017). On calibration of
   modern neural networks. ICML 2017.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from ..errors import ParameterError
from ..evaluation import balanced_accuracy, log_loss
from ._format import QUADRANTS, _jsonable
from ._inference import EmotionModel, _softmax
from ._search import cv_splitter

#: Inverse L2 penalties searched for the quadrant head's logistic regression.
DEFAULT_QUADRANT_CS: tuple[float, ...] = tuple(float(c) for c in np.logspace(-3, 1, 9))


def _quadrant_codes(quadrants, n_rows: int) -> np.ndarray:
    """Indices into :data:`QUADRANTS` of the labels, refusing anything else."""
    from ..space import canonical_label

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
        return log_loss(_softmax(logits / math.exp(log_t)), codes)

    res = minimize_scalar(nll, bounds=(math.log(0.05), math.log(20.0)), method="bounded")
    return float(math.exp(res.x))


def _logistic_cv(Z, codes, groups, inner_cv: int, Cs):
    """``LogisticRegressionCV`` (multinomial, L2) with C chosen by log-loss over
    `inner_cv` folds that keep each group together (plain K-fold without groups)."""
    from sklearn.linear_model import LogisticRegressionCV

    splits = list(cv_splitter(inner_cv, groups, 0).split(Z, codes, groups))
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
        folds = list(cv_splitter(int(cv), groups, 0).split(Z, codes, groups))
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
        "log_loss_uncalibrated": log_loss(_softmax(logits[tested]), codes[tested]),
        "log_loss": log_loss(oof[tested], codes[tested]),
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
    from ..space import quadrant

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
