"""What the commands print for people: summary tables of training and evaluation
(``affect train/evaluate``), matches and songs (``affect match``, ``affect library``).

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

__all__ = ["format_table", "training_summary", "evaluation_summary", "majority_share",
           "song_line", "match_lines", "track_line", "library_stats_lines",
           "human_bytes"]

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


def majority_share(labels) -> float | None:
    """Share of the most common label (the *majority* answer's accuracy), ignoring
    missing ones (None, empty: e.g. a neutral item without a quadrant); None when no
    item has a label.

    Examples
    --------
    >>> majority_share(["Q1", "Q1", "Q2", None])
    0.6666666666666666
    """
    from .evaluation import majority_share as share

    found = [str(q) for q in labels if q is not None and str(q)]
    return share(found) if found else None


# ------------------------------------------------------------------ matches and songs

def song_line(rank: int, song: Mapping) -> str:
    """One song of a match: who, where, distance, point, quadrant (and the data set's
    label where the point's quadrant disagrees with it)."""
    from .batch import printable_path as safe  # tags and names from anywhere
    from .space import QUADRANT_NAMES

    s = song
    who = " - ".join(x for x in (s.get("artist"), s.get("title")) if x)
    who = who or s.get("path") or str(s.get("source_id"))
    where = f"  [{safe(s['path'])}]" if s.get("path") and who != s.get("path") else ""
    who = safe(str(who))
    q = s.get("quadrant")
    about = f"; {q} {QUADRANT_NAMES[q]}" if q in QUADRANT_NAMES else ""
    label = s.get("label")
    if label and label != q:  # the data set's label, when the point disagrees with it
        about += f", labelled {label}"
    return (f"  {rank}. {who}{where}  (distance {s['distance']:.2f}; "
            f"V {s['valence']:+.2f} A {s['arousal']:+.2f} D {s['dominance']:+.2f}{about})")


def match_lines(result) -> list[str]:
    """A match (:class:`~affect_features.matching.Match`) or a mood/point query
    (:class:`~affect_features.matching.QueryMatch`) as ``affect match`` prints it: the
    point, how sure it is, how the songs were chosen, the songs, and the features that
    moved the point most (when explained)."""
    import numpy as np

    from .batch import printable_path
    from .space import QUADRANT_NAMES

    if not hasattr(result, "photo"):  # a query
        v, a, d = result.point
        q = result.quadrant
        return ([f"{result.name}\n  point  valence {v:+.2f}  arousal {a:+.2f}  "
                 f"dominance {d:+.2f}   {q} {QUADRANT_NAMES[q]}"] +
                [song_line(rank, s) for rank, s in enumerate(result.songs, 1)])
    p = result.photo
    v, a, d = p.point
    unsure = [ax for ax in ("valence", "arousal") if ax in p.uncertain]
    hedge = f" ({' and '.join(unsure)} uncertain)" if unsure else ""
    lines = [f"{printable_path(p.path)}\n  point  valence {v:+.2f}  arousal {a:+.2f}  "
             f"dominance {d:+.2f}   {p.quadrant} {QUADRANT_NAMES[p.quadrant]}"
             f"{hedge}, feels '{p.mood_word}'"]
    if p.confidence is not None:
        lines.append("  sure   " + "  ".join(
            f"{ax} {'uncertain' if ax in p.uncertain else f'{c:.0%}'}"
            for ax, c in zip(_AXES, p.confidence))
            + "   (chance that the side of neutral is right)")
    if p.match_point is not None and not np.allclose(p.match_point, p.point):
        mv, ma, md = p.match_point
        lines.append(f"  on the songs' scale: valence {mv:+.2f}  arousal {ma:+.2f}  "
                     f"dominance {md:+.2f}")
    if result.method == "joint":
        lines.append(f"  songs chosen in the joint embedding (nearest label "
                     f"{p.joint_label}; distance = 1 - cosine similarity)")
    elif result.weights is not None:
        decides = [ax for ax, wt in zip(_AXES, result.weights) if wt > 0]
        lines.append(f"  songs chosen by {', '.join(decides)} (axes weighted by "
                     f"how reliably the model predicts them on new photos)")
    lines += [song_line(rank, s) for rank, s in enumerate(result.songs, 1)]
    if result.explanation:
        lines.append("  why: features that moved the photo's point most")
        lines += [f"     {e['feature']:<40} value {e['value']:.3g} "
                  f"(mean {e['mean']:.3g}): dV {e['delta_valence']:+.2f} "
                  f"dA {e['delta_arousal']:+.2f}" for e in result.explanation]
    return lines


def track_line(row: Mapping) -> str:
    """A track of ``affect library list``: who and where, then its point, quadrant and
    mood; or why it failed, or that it has no point yet. May hold a line break."""
    import os

    from .batch import printable_path as safe  # tags and names from anywhere
    from .space import QUADRANT_NAMES

    r = row
    who = safe(" - ".join(x for x in (r.get("artist"), r.get("title")) if x) or
               (os.path.basename(r["path"]) if r.get("path") else str(r.get("id"))))
    where = f"  [{safe(r['path'])}]" if r.get("path") else ""
    if r.get("error") is not None and r.get("valence") is None:
        return f"{who}{where}\n  failed: {safe(r['error'])}"
    if r.get("valence") is None:
        return f"{who}{where}  (no point yet: `affect index` predicts it)"
    dist = f"distance {r['distance']:.2f}; " if "distance" in r else ""
    q = r["quadrant"]
    label = f", labelled {r['label']}" if r.get("label") and r["label"] != q else ""
    return (f"{who}{where}  ({dist}V {r['valence']:+.2f} A {r['arousal']:+.2f} "
            f"D {r['dominance']:+.2f}; {q} {QUADRANT_NAMES[q]}{label}; {r['mood']})")


def library_stats_lines(stats: Mapping) -> list[str]:
    """:meth:`MusicLibrary.stats` as aligned ``key  value`` lines (``affect library
    stats``)."""
    from .space import QUADRANT_NAMES

    st = stats
    path = st["path"] if st["path"] != ":memory:" else \
        f"the shipped catalogue {st['metadata'].get('catalogue', '')}"
    rows = [("library", path),
            ("tracks", f"{st['tracks']} ({st['files']} files)"),
            ("with a point", str(st["with_point"])),
            ("failed", str(st["failed"]) + (" (`affect library list --failed`)"
                                            if st["failed"] else ""))]
    for q, n in st["quadrants"].items():
        share = f" ({100 * n / st['with_point']:.0f}%)" if st["with_point"] else ""
        rows.append((f"  {q} {QUADRANT_NAMES[q]}", f"{n}{share}"))
    for version, n in st["model_versions"].items():
        rows.append(("model version", f"{(version or 'none')[:16]}: {n} points"))
    for schema, n in st["descriptor_schemas"].items():
        rows.append(("descriptor schema", f"{schema or 'none'}: {n} tracks"))
    rows.append(("library schema", str(st["library_schema"])))
    rows.append(("size on disk", human_bytes(st["size_bytes"])))
    width = max(len(k) for k, _ in rows)
    return [f"{key:<{width}}  {value}" for key, value in rows]


def human_bytes(n: float) -> str:
    """A size in decimal units: ``"512 B"``, ``"1.5 kB"``, ``"2.0 MB"``, ``"3.1 GB"``."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"  # pragma: no cover
