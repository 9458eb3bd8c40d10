"""Evaluation metrics: pure functions over arrays of labels and points.

Two families:

- *Matching*: each query (a photo) gets a ranked list of items (songs); an item agrees
  with a query when their emotion labels are equal (after :func:`affect_features.space.label_map`
  has put both in one taxonomy). :func:`categorical_accuracy`, :func:`precision_at_k`,
  :func:`mean_reciprocal_rank`, :func:`chance_agreement`, :func:`per_class_recall`,
  :func:`confusion_matrix`, gathered by :func:`matching_report`.
- *Regression*: predicted against rated points of the valence-arousal-dominance space.
  :func:`pearson_r`, :func:`r2_score`, :func:`binary_accuracy`, :func:`quadrant_accuracy`,
  gathered by :func:`regression_report` (complete points) and :func:`regression_metrics`
  (targets with unknown axes, as models are cross-validated).

Every function returns a finite number for every valid input; the degenerate cases
(constant inputs, classes without samples) are defined in each docstring. Reports hold
only plain Python types (JSON-ready).

References
----------
.. [1] Manning, C. D., Raghavan, P., & Schuetze, H. (2008). Introduction to Information
   Retrieval, Ch. 8 (precision at k). Cambridge University Press.
.. [2] Voorhees, E. M. (1999). The TREC-8 question answering track report. Proc. TREC-8
   (mean reciprocal rank).
.. [3] Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
   Psychological Measurement, 20(1), 37-46 (chance agreement p_e).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .errors import ParameterError
from .space import AXES, quadrant

__all__ = [
    "categorical_accuracy",
    "precision_at_k",
    "balanced",
    "balanced_accuracy",
    "majority_share",
    "distinct_at_1",
    "mean_reciprocal_rank",
    "chance_agreement",
    "per_class_recall",
    "confusion_matrix",
    "pearson_r",
    "r2_score",
    "binary_accuracy",
    "quadrant_accuracy",
    "regression_report",
    "regression_metrics",
    "log_loss",
    "matching_report",
]

#: The cut-offs :func:`matching_report` reports precision at.
REPORT_KS = (1, 5, 10)


# ------------------------------------------------------------------------ checking

def _labels(x, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ParameterError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ParameterError(f"{name} must not be empty")
    return arr


def _ranked(query_labels, ranked_labels) -> tuple[np.ndarray, np.ndarray]:
    query = _labels(query_labels, "query_labels")
    try:
        ranked = np.asarray(ranked_labels)
    except ValueError:
        raise ParameterError("ranked_labels must be a rectangular (n_queries, K) array") from None
    if ranked.ndim != 2 or ranked.shape[0] != query.shape[0] or ranked.shape[1] == 0:
        raise ParameterError(
            f"ranked_labels must have shape (n_queries={query.shape[0]}, K>=1), "
            f"got {ranked.shape}")
    return query, ranked


def _same_length(a: np.ndarray, b: np.ndarray, names: str) -> None:
    if a.shape[0] != b.shape[0]:
        raise ParameterError(f"{names} differ in length ({a.shape[0]} and {b.shape[0]})")


def _values(x, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be numeric") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ParameterError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} must be finite (got NaN or inf)")
    return arr


def _points(x, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be numeric") from None
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] not in (2, 3):
        raise ParameterError(f"{name} must have shape (n, 2) or (n, 3), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} must be finite (got NaN or inf)")
    return arr


def _plain(value):
    """A numpy scalar as the Python scalar it holds (for JSON-ready reports)."""
    return value.item() if isinstance(value, np.generic) else value


def _class_order(*arrays: np.ndarray) -> list:
    """Distinct labels, sorted when they can be, else in order of first appearance."""
    values = np.concatenate([a.ravel() for a in arrays])
    try:
        return [_plain(v) for v in np.unique(values)]
    except TypeError:
        seen = {}
        for v in values:
            seen.setdefault(_plain(v), None)
        return list(seen)


# ------------------------------------------------------------------------- matching

def categorical_accuracy(query_labels, matched_labels) -> float:
    """Share of queries whose top-1 match has the same label.

    Parameters
    ----------
    query_labels : array_like, shape (n,)
    matched_labels : array_like, shape (n,)
        Label of the item matched (ranked first) to each query.

    Returns
    -------
    accuracy : float in [0, 1]
        ``mean(query_labels == matched_labels)``.

    Examples
    --------
    >>> categorical_accuracy(["Q1", "Q2"], ["Q1", "Q3"])
    0.5
    """
    query = _labels(query_labels, "query_labels")
    matched = _labels(matched_labels, "matched_labels")
    _same_length(query, matched, "query_labels and matched_labels")
    return float(np.mean(query == matched))


def _hits(query: np.ndarray, ranked: np.ndarray) -> np.ndarray:
    return ranked == query[:, None]


def precision_at_k(query_labels, ranked_labels, k: int) -> float:
    """Mean over queries of the share of the top `k` items that agree with the query.

    Parameters
    ----------
    query_labels : array_like, shape (n,)
    ranked_labels : array_like, shape (n, K)
        Labels of each query's ranked items, best first.
    k : int
        Cut-off, 1 <= k <= K.

    Returns
    -------
    precision : float in [0, 1]
        ``mean_i (1/k) sum_{j<k} [ranked[i, j] == query[i]]``.

    References
    ----------
    Manning, Raghavan & Schuetze (2008), Sec. 8.4.

    Examples
    --------
    >>> precision_at_k(["a", "b"], [["a", "b"], ["a", "a"]], 2)
    0.25
    """
    query, ranked = _ranked(query_labels, ranked_labels)
    K = ranked.shape[1]
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= K:
        raise ParameterError(f"k must be an integer in 1..{K} (the ranked list length), got {k!r}")
    return float(_hits(query, ranked)[:, :k].mean())


def mean_reciprocal_rank(query_labels, ranked_labels) -> float:
    """Mean over queries of 1 / rank of the first agreeing item.

    Parameters
    ----------
    query_labels : array_like, shape (n,)
    ranked_labels : array_like, shape (n, K)
        Labels of each query's ranked items, best first (rank 1 is column 0).

    Returns
    -------
    mrr : float in [0, 1]
        A query with no agreeing item among its K counts 0.

    References
    ----------
    Voorhees (1999).

    Examples
    --------
    >>> mean_reciprocal_rank(["a", "b"], [["x", "a"], ["x", "y"]])
    0.25
    """
    query, ranked = _ranked(query_labels, ranked_labels)
    hits = _hits(query, ranked)
    first = hits.argmax(axis=1)
    reciprocal = np.where(hits.any(axis=1), 1.0 / (first + 1.0), 0.0)
    return float(reciprocal.mean())


def chance_agreement(query_labels, item_labels) -> float:
    """Expected agreement of a query with an item drawn at random from the library.

    Parameters
    ----------
    query_labels : array_like, shape (n_queries,)
    item_labels : array_like, shape (n_items,)
        Labels of every item that could be matched.

    Returns
    -------
    chance : float in [0, 1]
        ``sum_c q_c * i_c``, with ``q_c`` and ``i_c`` the shares of class ``c`` among
        queries and items: the expected accuracy, and the expected precision at any k, of
        a random ranking.

    References
    ----------
    Cohen (1960): the chance term ``p_e`` of kappa.

    Examples
    --------
    >>> chance_agreement(["a", "b"], ["a", "b", "b", "b"])
    0.5
    """
    query = _labels(query_labels, "query_labels")
    items = _labels(item_labels, "item_labels")
    q_classes, q_counts = np.unique(query, return_counts=True)
    i_classes, i_counts = np.unique(items, return_counts=True)
    item_share = {_plain(c): n / items.size for c, n in zip(i_classes, i_counts)}
    return float(sum(n / query.size * item_share.get(_plain(c), 0.0)
                     for c, n in zip(q_classes, q_counts)))


def balanced(per_query, query_labels) -> float:
    """Mean over query classes of the mean of a per-query score within the class.

    A score averaged over queries favours the common classes: on GAPED, half the photos
    are Q2, so always answering Q2 scores 0.5. Balancing gives each class of query the
    same weight (the macro average; for a 0/1 hit this is the mean per-class recall).

    Parameters
    ----------
    per_query : array_like, shape (n,)
        One finite score per query (e.g. 1 where the top song agrees, or the query's
        precision at k, or its reciprocal rank).
    query_labels : array_like, shape (n,)

    Returns
    -------
    float
        ``mean_c mean_{i: label_i = c} per_query_i`` over the classes present.

    Examples
    --------
    >>> balanced([1, 1, 1, 0], ["a", "a", "a", "b"])
    0.5
    """
    scores = _values(per_query, "per_query")
    query = _labels(query_labels, "query_labels")
    _same_length(query, scores, "per_query and query_labels")
    return float(np.mean([scores[query == c].mean() for c in np.unique(query)]))


def balanced_accuracy(true, pred) -> float:
    """Mean per-class recall (Brodersen et al. 2010): chance is 1 / n_classes whatever
    the class shares, so a classifier that always answers the majority class scores
    1 / n_classes, not the majority's share.

    Examples
    --------
    >>> balanced_accuracy(["a", "a", "a", "b"], ["a", "a", "a", "a"])
    0.5
    """
    true = _labels(true, "true")
    pred = _labels(pred, "pred")
    _same_length(true, pred, "true and pred")
    return balanced((true == pred).astype(np.float64), true)


def majority_share(labels) -> float:
    """Accuracy of always answering the most common label (the majority baseline).

    Examples
    --------
    >>> majority_share(["a", "a", "b"])
    0.6666666666666666
    """
    labels = _labels(labels, "labels")
    _, counts = np.unique(labels, return_counts=True)
    return float(counts.max() / labels.size)


def distinct_at_1(ranked_items) -> int:
    """Number of distinct items ranked first over all queries.

    A matcher can raise precision at 1 by giving every query the same few "surest"
    items; this count shows how varied its suggestions are (report it beside P@1).

    Parameters
    ----------
    ranked_items : array_like, shape (n_queries, K)
        Item indices (or ids), best first.

    Examples
    --------
    >>> distinct_at_1([[3, 1], [3, 2], [0, 3]])
    2
    """
    ranked = np.asarray(ranked_items)
    if ranked.ndim != 2 or ranked.shape[1] == 0:
        raise ParameterError(f"ranked_items must have shape (n_queries, K >= 1), got "
                             f"{ranked.shape}")
    return int(np.unique(ranked[:, 0]).size)


def per_class_recall(true, pred, labels: Sequence | None = None) -> dict:
    """Recall of each class: the share of its samples predicted as it.

    Parameters
    ----------
    true, pred : array_like, shape (n,)
        For matching: the query labels and the labels of their top-1 items.
    labels : sequence, optional
        Classes to report, in this order; default the sorted classes of `true`.

    Returns
    -------
    recall : dict
        ``{label: recall}``. A requested class with no sample in `true` has recall 0.0.

    Examples
    --------
    >>> per_class_recall(["a", "a", "b"], ["a", "b", "b"])
    {'a': 0.5, 'b': 1.0}
    """
    true = _labels(true, "true")
    pred = _labels(pred, "pred")
    _same_length(true, pred, "true and pred")
    classes = _class_order(true) if labels is None else [_plain(c) for c in labels]
    recall = {}
    for c in classes:
        members = true == c
        recall[c] = float(np.mean(pred[members] == c)) if members.any() else 0.0
    return recall


def confusion_matrix(true, pred, labels: Sequence | None = None) -> np.ndarray:
    """Counts of (true, predicted) label pairs.

    Parameters
    ----------
    true, pred : array_like, shape (n,)
    labels : sequence, optional
        Row and column order; default the sorted union of both arrays. Samples whose
        true or predicted label is not in `labels` are not counted.

    Returns
    -------
    matrix : ndarray of int64, shape (n_labels, n_labels)
        ``matrix[i, j]`` = number of samples of true class ``labels[i]`` predicted as
        ``labels[j]``: rows are true classes.

    Examples
    --------
    >>> confusion_matrix(["a", "a", "b"], ["a", "b", "b"])
    array([[1, 1],
           [0, 1]])
    """
    true = _labels(true, "true")
    pred = _labels(pred, "pred")
    _same_length(true, pred, "true and pred")
    classes = _class_order(true, pred) if labels is None else [_plain(c) for c in labels]
    index = {c: i for i, c in enumerate(classes)}
    if len(index) != len(classes):
        raise ParameterError("labels must be distinct")
    matrix = np.zeros((len(classes), len(classes)), dtype=np.int64)
    for t, p in zip(true, pred):
        i, j = index.get(_plain(t)), index.get(_plain(p))
        if i is not None and j is not None:
            matrix[i, j] += 1
    return matrix


# ----------------------------------------------------------------------- regression

def pearson_r(x, y) -> float:
    """Pearson correlation coefficient.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Finite values.

    Returns
    -------
    r : float in [-1, 1]
        ``cov(x, y) / (std(x) std(y))``. Defined as 0.0 when either input is constant
        (including n = 1): a constant carries no linear association.

    References
    ----------
    Pearson, K. (1895). Notes on regression and inheritance in the case of two parents.
    Proc. Royal Society of London, 58, 240-242.

    Examples
    --------
    >>> pearson_r([1, 2, 3], [2, 4, 7])
    0.9933992677987828
    """
    x = _values(x, "x")
    y = _values(y, "y")
    _same_length(x, y, "x and y")
    # ptp, not the variance: the mean of a repeated value can differ from it in the
    # last bit, leaving a tiny non-zero variance and a meaningless r.
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    dx, dy = x - x.mean(), y - y.mean()
    # Scaled to unit maximum so that the sums of squares cannot overflow; r is unchanged.
    dx /= np.abs(dx).max()
    dy /= np.abs(dy).max()
    r = (dx @ dy) / np.sqrt((dx @ dx) * (dy @ dy))
    return float(np.clip(r, -1.0, 1.0))


def _columns(x, name: str) -> np.ndarray:
    """Finite values, one column (shape (n,)) or several (shape (n, k))."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be numeric") from None
    if arr.ndim not in (1, 2) or arr.shape[0] == 0 or arr.size == 0:
        raise ParameterError(f"{name} must be a non-empty array of shape (n,) or (n, k), "
                             f"got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} must be finite (got NaN or inf)")
    return arr


def r2_score(true, pred):
    """Coefficient of determination of predictions, per column.

    Parameters
    ----------
    true, pred : array_like, shape (n,) or (n, k)
        Finite values of the same shape.

    Returns
    -------
    r2 : float, or ndarray of shape (k,) for 2-D inputs (one per column); at most 1
        ``1 - sum (t - p)^2 / sum (t - mean t)^2``; negative when the predictions are worse
        than predicting the mean (never below the most negative float64). When `true`
        (a column of it) is constant: 1.0 if the predictions are exact, else 0.0 (the
        convention of scikit-learn's ``force_finite``).

    Examples
    --------
    >>> r2_score([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    0.5
    >>> r2_score([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]], [[1.0, 5.0], [2.0, 5.0], [4.0, 5.0]])
    array([0.5, 1. ])
    """
    true = _columns(true, "true")
    pred = _columns(pred, "pred")
    if true.shape != pred.shape:
        raise ParameterError(f"true and pred differ in shape ({true.shape} and {pred.shape})")
    # Columns contiguous: each column's sums are then numpy's pairwise sums of that
    # column alone, so a column scores the same bits as on its own (1-D), whatever the
    # memory layout of the input.
    true, pred = np.asfortranarray(true), np.asfortranarray(pred)
    error = true - pred
    constant = np.ptp(true, axis=0) == 0
    deviation = true - true.mean(axis=0)
    # Both sums in units of the largest deviation: ss_tot >= 1, so it cannot underflow
    # to 0 for tiny spreads; the ratio is unchanged.
    scale = np.where(constant, 1.0, np.abs(deviation).max(axis=0))
    with np.errstate(over="ignore", under="ignore"):
        ss_tot = ((deviation / scale) ** 2).sum(axis=0)
        ss_res = ((error / scale) ** 2).sum(axis=0)
        ratio = ss_res / np.where(constant, 1.0, ss_tot)
    # Predictions astronomically worse than the spread of `true` would give -inf.
    r2 = np.maximum(1.0 - ratio, np.finfo(np.float64).min)
    r2 = np.where(constant, np.where(np.any(error != 0, axis=0), 0.0, 1.0), r2)
    return float(r2) if true.ndim == 1 else r2


def binary_accuracy(true, pred, threshold: float = 0.0) -> float:
    """Share of samples on the same side of a threshold (sign agreement of one axis).

    Parameters
    ----------
    true, pred : array_like, shape (n,)
        One axis, e.g. rated and predicted valence.
    threshold : float, default 0
        A value equal to the threshold counts as the high side, as in
        :func:`affect_features.space.quadrant`.

    Returns
    -------
    accuracy : float in [0, 1]

    Examples
    --------
    >>> binary_accuracy([0.5, -0.2, 0.0], [0.1, 0.3, 0.0])
    0.6666666666666666
    """
    true = _values(true, "true")
    pred = _values(pred, "pred")
    _same_length(true, pred, "true and pred")
    if not np.isfinite(threshold):
        raise ParameterError("threshold must be finite")
    return float(np.mean((true >= threshold) == (pred >= threshold)))


def quadrant_accuracy(true_points, pred_points) -> float:
    """Share of points whose predicted Russell quadrant is the rated one.

    Parameters
    ----------
    true_points, pred_points : array_like, shape (n, 2) or (n, 3)
        Valence and arousal in the first two columns.

    Returns
    -------
    accuracy : float in [0, 1]
        Quadrants by :func:`affect_features.space.quadrant` (0 counts as positive).
    """
    true = _points(true_points, "true_points")
    pred = _points(pred_points, "pred_points")
    _same_length(true, pred, "true_points and pred_points")
    return float(np.mean(quadrant(true[:, :2]) == quadrant(pred[:, :2])))


def regression_report(true_points, pred_points,
                      axes: Sequence[str] = ("valence", "arousal")) -> dict:
    """All regression metrics of predicted against rated points.

    Parameters
    ----------
    true_points, pred_points : array_like, shape (n, 2) or (n, 3)
        Columns valence, arousal[, dominance].
    axes : sequence of str, default ("valence", "arousal")
        Axes to report, names from :data:`affect_features.space.AXES`.

    Returns
    -------
    report : dict
        ``{"n": n, "quadrant_accuracy": float, <axis>: {"pearson_r", "r2", "mae",
        "rmse", "binary_accuracy"} for each axis}``, plain Python floats.
    """
    true = _points(true_points, "true_points")
    pred = _points(pred_points, "pred_points")
    if true.shape != pred.shape:
        raise ParameterError(
            f"true_points and pred_points differ in shape ({true.shape} and {pred.shape})")
    if isinstance(axes, str):
        axes = (axes,)
    if len(set(axes)) != len(axes) or not axes:
        raise ParameterError("axes must be distinct names, at least one")
    report: dict = {"n": int(true.shape[0]),
                    "quadrant_accuracy": quadrant_accuracy(true, pred)}
    for axis in axes:
        if axis not in AXES:
            raise ParameterError(f"unknown axis {axis!r}; expected some of {', '.join(AXES)}")
        column = AXES.index(axis)
        if column >= true.shape[1]:
            raise ParameterError(f"points have no {axis} column (shape {true.shape})")
        t, p = true[:, column], pred[:, column]
        error = t - p
        report[axis] = {
            "pearson_r": pearson_r(t, p),
            "r2": r2_score(t, p),
            "mae": float(np.mean(np.abs(error))),
            "rmse": float(np.sqrt(np.mean(error ** 2))),
            "binary_accuracy": binary_accuracy(t, p),
        }
    return report


def log_loss(proba, classes) -> float:
    """Mean negative log-likelihood of the true classes under predicted probabilities.

    Parameters
    ----------
    proba : array_like, shape (n, k)
        Class probabilities of each sample (rows summing to 1).
    classes : array_like of int, shape (n,)
        Index in ``0..k-1`` of each sample's true class.

    Returns
    -------
    loss : float >= 0
        ``-mean_i log p[i, classes[i]]``, each probability floored at 1e-300 so that a
        confident mistake costs about 690.8, never infinity.

    Examples
    --------
    >>> log_loss([[0.5, 0.5], [0.25, 0.75]], [0, 1])  # -(log 0.5 + log 0.75) / 2
    0.4904146265058631
    """
    proba = np.asarray(proba, dtype=np.float64)
    classes = np.asarray(classes)
    if proba.ndim != 2 or classes.shape != (proba.shape[0],) or proba.shape[0] == 0:
        raise ParameterError(f"proba must be (n, k) and classes (n,), got {proba.shape} "
                             f"and {classes.shape}")
    picked = proba[np.arange(len(classes)), classes]
    return -float(np.mean(np.log(np.maximum(picked, 1e-300))))


def regression_metrics(Y_true, Y_pred, *, quadrants=None) -> dict:
    """Per-axis Pearson r and R², and Russell-quadrant accuracy, with unknown targets.

    Unlike :func:`regression_report` (complete points), targets may be NaN where an axis
    is unknown (a set rated on valence and arousal only): each axis is scored on the
    rows where both its target and its prediction are finite.

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
        ``{axis: {"r", "r2", "n"}}`` for each axis with known values (:func:`pearson_r`
        and :func:`r2_score`, finite also for constant inputs), ``"mean_r2_va"`` (NaN
        when neither valence nor arousal is known), ``"quadrant_accuracy"`` (NaN
        without a scored row) and ``"n_quadrant"``.
    """
    from .space import canonical_label

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


def matching_report(query_labels, ranked_labels, item_labels, ranked_items=None) -> dict:
    """All matching metrics of ranked lists against query labels.

    Parameters
    ----------
    query_labels : array_like, shape (n_queries,)
    ranked_labels : array_like, shape (n_queries, K)
        Labels of each query's ranked items, best first.
    item_labels : array_like, shape (n_items,)
        Labels of every item of the library (for the chance level).

    Returns
    -------
    report : dict
        ``n_queries``, ``n_items``, ``k`` (= K), ``accuracy`` (top-1),
        ``precision_at_1/5/10`` (only the cut-offs <= K), ``mrr``, ``chance``
        (:func:`chance_agreement`, the expected value of accuracy and of every
        precision_at_k under a random ranking), ``per_class_recall`` (top-1, by query
        class), ``confusion`` = ``{"labels": [...], "matrix": [[...]]}`` (rows: query
        class, columns: top-1 item class). ``balanced_precision_at_1/5``,
        ``balanced_mrr`` (each averaged per query class, :func:`balanced`),
        ``balanced_chance`` (the mean over query classes of the item share of the
        class), ``majority`` and ``balanced_majority`` (the always-majority answer:
        every query gets items of the most common query class). With `ranked_items`
        (item indices, same shape as `ranked_labels`): ``distinct_at_1`` and its
        share of the library ``distinct_at_1_share``. Plain Python types only.
    """
    query, ranked = _ranked(query_labels, ranked_labels)
    items = _labels(item_labels, "item_labels")
    top1 = ranked[:, 0]
    classes = _class_order(query, top1)
    report: dict = {
        "n_queries": int(query.shape[0]),
        "n_items": int(items.shape[0]),
        "k": int(ranked.shape[1]),
        "accuracy": categorical_accuracy(query, top1),
    }
    for k in REPORT_KS:
        if k <= ranked.shape[1]:
            report[f"precision_at_{k}"] = precision_at_k(query, ranked, k)
    report["mrr"] = mean_reciprocal_rank(query, ranked)
    report["chance"] = chance_agreement(query, items)
    hits = _hits(query, ranked).astype(np.float64)
    for k in (1, 5):
        if k <= ranked.shape[1]:
            report[f"balanced_precision_at_{k}"] = balanced(hits[:, :k].mean(axis=1), query)
    first = hits.argmax(axis=1)
    report["balanced_mrr"] = balanced(np.where(hits.any(axis=1), 1.0 / (first + 1.0), 0.0),
                                      query)
    q_classes = np.unique(query)
    report["balanced_chance"] = float(np.mean([np.mean(items == c) for c in q_classes]))
    report["majority"] = majority_share(query)
    report["balanced_majority"] = 1.0 / len(q_classes)
    if ranked_items is not None:
        report["distinct_at_1"] = distinct_at_1(ranked_items)
        report["distinct_at_1_share"] = report["distinct_at_1"] / max(int(items.shape[0]), 1)
    report["per_class_recall"] = per_class_recall(query, top1)
    report["confusion"] = {"labels": classes,
                           "matrix": confusion_matrix(query, top1, classes).tolist()}
    return report
