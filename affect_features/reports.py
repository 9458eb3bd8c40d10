"""Summary tables of training and evaluation, for people (``affect train/evaluate``).

The full results are JSON (a model's card, :func:`training.evaluate_sets`'s report);
these functions turn them into a few aligned lines in which every measure stands
beside what it would be without a model:

- *chance*: Pearson r and R² of 0 (a constant guess, the mean, has R² 0), 0.5 for the
  sign of an axis, 0.25 for a quadrant guessed uniformly at random, and for matching
  the agreement of songs drawn at random (``chance`` of
  :func:`evaluation.matching_report`);
- *majority*: always answering the most common quadrant (its share of the items).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

__all__ = ["format_table", "training_summary", "evaluation_summary"]

_AXES = ("valence", "arousal", "dominance")


def _num(x) -> str:
    if x is None:
        return "-"
    try:
        x = float(x)
    except (TypeError, ValueError):
        return str(x)
    return "-" if not math.isfinite(x) else f"{x:.3f}"


def format_table(header: Sequence[str], rows: Sequence[Sequence]) -> list[str]:
    """Rows as aligned text lines: the first column left-aligned, numbers right.

    Examples
    --------
    >>> format_table(["measure", "ours"], [["r", 0.5]])
    ['measure   ours', 'r        0.500']
    """
    cells = [list(header)] + [[str(r[0])] + [_num(v) for v in r[1:]] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return ["  ".join([row[0].ljust(widths[0])] +
                      [c.rjust(w) for c, w in zip(row[1:], widths[1:])]).rstrip()
            for row in cells]


def _regression_rows(reports: Mapping[str, Mapping], *, r_key: str, majority) -> list:
    """Rows of per-axis r and R², sign accuracy and quadrant accuracy of several models
    (``{column: metrics}``), with chance and majority columns."""
    rows = []
    first = next(iter(reports.values()))
    for axis in _AXES:
        if axis not in first or not isinstance(first[axis], Mapping):
            continue
        rows.append([f"{axis} r"] + [rep.get(axis, {}).get(r_key) for rep in
                                     reports.values()] + [0.0, None])
        rows.append([f"{axis} R²"] + [rep.get(axis, {}).get("r2") for rep in
                                      reports.values()] + [0.0, None])
        if "binary_accuracy" in first[axis]:
            rows.append([f"{axis} sign accuracy"] +
                        [rep.get(axis, {}).get("binary_accuracy")
                         for rep in reports.values()] + [0.5, None])
    rows.append(["quadrant accuracy"] + [rep.get("quadrant_accuracy")
                                         for rep in reports.values()] + [0.25, majority])
    if "quadrant_balanced_accuracy" in first:
        rows.append(["quadrant balanced accuracy"] +
                    [rep.get("quadrant_balanced_accuracy") for rep in reports.values()] +
                    [first.get("quadrant_balanced_chance"), first.get("quadrant_balanced_chance")])
    return rows


def training_summary(card: Mapping, *, majority: float | None = None) -> list[str]:
    """What ``affect train`` prints: the data, the chosen settings, the CV metrics.

    Parameters
    ----------
    card : mapping
        The saved model's card (:meth:`EmotionModel.save`).
    majority : float, optional
        Share of the most common quadrant among the training items.
    """
    sets = ", ".join(f"{s.get('spec', s)} ({s.get('n_items', s.get('n', '?'))})"
                     if isinstance(s, Mapping) else f"{s[0]} ({s[1]})"
                     for s in card.get("training_sets", []))
    lines = [f"{card.get('modality', '?')} model ({card.get('kind', '?')}) trained on "
             f"{card.get('n_train', '?')} items: {sets}",
             f"version {str(card.get('npz_sha256', ''))[:12]} (SHA-256 of the weights)"]
    for head in card.get("heads", []):
        params = head.get("params", {})
        shown = {k: params[k] for k in ("hidden_layer_sizes", "alpha") if k in params}
        text = ", ".join(f"{k} {v}" for k, v in shown.items()) or "defaults"
        score = head.get("cv_score")
        axes = "/".join(head.get("axes", []))
        tail = (f"; {card.get('hyperparameters', {}).get('cv', '?')}-fold score "
                f"{score:.3f} ({card.get('hyperparameters', {}).get('selection_score', '')})"
                if isinstance(score, (int, float)) else "")
        lines.append(f"  {axes}: {text}{tail}")
    metrics = card.get("metrics") or {}
    shown = False
    cross = metrics.get("cross_set")
    if isinstance(cross, Mapping) and isinstance(cross.get("per_set"), Mapping):
        for spec, by_kind in cross["per_set"].items():
            kinds = {k: v for k, v in by_kind.items() if isinstance(v, Mapping)}
            if kinds:
                lines += ["", f"left out: {spec}, predicted by a model trained on the "
                              f"other sets only:"]
                lines += format_table(["measure", *kinds, "chance", "majority"],
                                      _regression_rows(kinds, r_key="r", majority=None))
                shown = True
    # the in-domain CV: its own entry, or (cards of before leave-one-dataset-out) the
    # metrics themselves
    cv = metrics.get("in_domain", metrics)
    kinds = {k: cv[k] for k in ("mlp", "ridge") if isinstance(cv.get(k), Mapping)}
    if kinds:
        lines.append("")
        lines.append(f"nested {cv.get('cv', '?')}-fold cross-validation, in-domain "
                     f"(out-of-fold{', grouped' if cv.get('grouped') else ''}):")
        lines += format_table(["measure", *kinds, "chance", "majority"],
                              _regression_rows(kinds, r_key="r", majority=majority))
        shown = True
    rel = card.get("reliability")
    if isinstance(rel, Mapping) and isinstance(rel.get("r"), Mapping):
        lines += ["", "reliability that weights matching (" + str(rel.get("source", "?"))
                  + "): " + ", ".join(f"{a} r {_num(rel['r'].get(a))}" for a in _AXES)]
    if not shown:
        lines.append("(no measured figures: --evaluate-folds K or a second --dataset "
                     "measures them)")
    return lines


def _groups(node, path=()):
    """Walk a report: ``(path, {column: metrics})`` for every dict whose values are
    metric dicts (regression: with ``quadrant_accuracy``; matching: with
    ``precision_at_1``), in report order."""
    if not isinstance(node, Mapping):
        return
    values = list(node.values())
    if values and all(isinstance(v, Mapping) and ("quadrant_accuracy" in v
                                                  or "precision_at_1" in v)
                      for v in values):
        yield path, dict(node)
        return
    for key, value in node.items():
        yield from _groups(value, path + (str(key),))


_TITLES = {"image": "photos", "audio": "songs",
           "matching": "photo to song (a song agrees when its quadrant is the photo's)",
           "matching_joint": "photo to song by the joint embedding (each song fold held "
                             "out)",
           "cross_set": "left out: predicted by models trained on the other sets only",
           "in_domain": "in-domain cross-validation within the set",
           "held_out": "held out"}
#: Protocols in the order they are printed: the one to judge by first.
_ORDER = {"cross_set": 0, "held_out": 0, "in_domain": 1}

_MATCH_ROWS = (("precision_at_1", "P@1", "chance", "majority"),
               ("precision_at_5", "P@5", "chance", "majority"),
               ("precision_at_10", "P@10", "chance", "majority"),
               ("balanced_precision_at_1", "balanced P@1", "balanced_chance",
                "balanced_majority"),
               ("mrr", "MRR", None, None),
               ("distinct_at_1_share", "distinct songs at rank 1 (share)", None, None))


def evaluation_summary(report: Mapping) -> list[str]:
    """What ``affect evaluate`` prints: one table per group of measures in the report.

    Each modality's measures (per protocol and data set, one column per model kind)
    give per-axis r, R² and sign accuracy and the quadrant accuracy (plain and
    balanced); the matching measures give precision at 1, 5 and 10, balanced P@1, MRR
    and the share of distinct songs at rank 1 (as ``affect match`` ranks, and without
    the reliability weights, where the report has both). Left-out sets come first.
    Every row ends with chance and the majority answer.
    """
    folds = report.get("folds", 0)
    how = (f"{folds}-fold cross-validation, out-of-fold points" if folds
           else "the given or shipped models on these sets as held-out data")
    lines = [f"evaluation: {how}"]
    for modality, what in (("image", "photos"), ("audio", "songs")):
        entry = report.get(modality)
        if isinstance(entry, Mapping) and entry.get("sets"):
            sets = ", ".join(f"{s['spec']} ({s['n_items']} items)" for s in entry["sets"])
            failed = f"; {entry['n_failed']} unreadable" if entry.get("n_failed") else ""
            lines.append(f"{what}: {sets}{failed}")
    found = [(path, group) for top in report if isinstance(report[top], Mapping)
             for path, group in _groups(report[top], (top,))]
    found.sort(key=lambda pg: _ORDER.get(pg[0][1], 2) if len(pg[0]) > 1 else 2)
    for path, group in found:
        first = next(iter(group.values()))
        lines += ["", " / ".join(_TITLES.get(p, p) for p in path)]
        if "precision_at_1" in first:
            cols = {}
            for kind, rep in group.items():
                # as `affect match` ranks (axes weighted by reliability), and beside
                # it without the weights
                cols[kind] = rep
                if isinstance(rep.get("aligned"), Mapping):
                    cols[f"{kind} unweighted"] = rep["aligned"]
            rows = [[name] + [c.get(key) for c in cols.values()] +
                    [first.get(ch) if ch else None, first.get(mj) if mj else None]
                    for key, name, ch, mj in _MATCH_ROWS
                    if any(key in c for c in cols.values())]
            lines += format_table(["measure", *cols, "chance", "majority"], rows)
        else:
            majority = first.get("quadrant_majority", first.get("quadrant_chance"))
            lines += format_table(["measure", *group, "chance", "majority"],
                                  _regression_rows(group, r_key="pearson_r",
                                                   majority=majority))
    return lines
