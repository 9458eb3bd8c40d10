"""Pictures of the valence-arousal plane (PNG, with matplotlib: the ``plot`` extra).

:func:`plot_match` draws one match (``affect match --plot``, through
:func:`plot_result`): the library's songs as a faint cloud, the photo's point with its
uncertainty, and its songs numbered and named.
:func:`plot_points` draws sets of photos and songs (``affect evaluate --plot``).
Both mark the quadrants with their names (:data:`space.QUADRANT_NAMES`) and write the
file atomically (a temporary file renamed into place).
"""

from __future__ import annotations

import os

import numpy as np

from .errors import ParameterError

__all__ = ["plot_match", "plot_result", "plot_points", "QUADRANT_COLOURS"]

#: One colour per quadrant, the same in every picture.
QUADRANT_COLOURS = {"Q1": "tab:orange", "Q2": "tab:red", "Q3": "tab:blue",
                    "Q4": "tab:green"}

# Songs of the library drawn at most (a random, seeded subset of a larger library).
_MAX_CLOUD = 20000


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ParameterError("drawing needs matplotlib: pip install "
                             "'affect-features[plot]'") from None
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    return plt


def _half_width(*arrays) -> float:
    """Half the side of the square view: everything drawn fits, the origin in the
    middle (so the quadrant lines cross at the centre), between 0.25 and 1."""
    m = max((float(np.max(np.abs(a[:, :2]))) for a in arrays if len(a)), default=1.0)
    return float(np.clip(m * 1.15, 0.25, 1.08))  # a point at +-1 is drawn whole


def _plane(ax, half: float) -> None:
    """Axes, the quadrant lines and the quadrant names in the corners."""
    from .space import QUADRANT_NAMES

    ax.axhline(0, color="0.55", lw=0.8, zorder=1)
    ax.axvline(0, color="0.55", lw=0.8, zorder=1)
    corner = {"Q1": (1, 1), "Q2": (-1, 1), "Q3": (-1, -1), "Q4": (1, -1)}
    for q, (sx, sy) in corner.items():
        ax.text(sx * half * 0.96, sy * half * 0.96, f"{q} {QUADRANT_NAMES[q]}",
                ha="right" if sx > 0 else "left", va="top" if sy > 0 else "bottom",
                fontsize=9, color=QUADRANT_COLOURS[q], alpha=0.9, zorder=2)
    ax.set(xlim=(-half, half), ylim=(-half, half), xlabel="valence", ylabel="arousal")
    ax.set_aspect("equal")


def _save(fig, path) -> None:
    """Render to memory, then write through the one atomic writer (a device or folder
    named as the picture is refused, never replaced; a missing folder is an error)."""
    import io

    from .writing import atomic_write_bytes

    buf = io.BytesIO()
    fig.savefig(buf, dpi=110, format="png", bbox_inches="tight")

    def cannot(message: str) -> ParameterError:
        return ParameterError(message.replace(": ", ": cannot write the picture: ", 1))

    atomic_write_bytes(path, buf.getvalue(), error=cannot, make_folders=False)


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def plot_match(path, *, library, point, songs, uncertainty=None, title: str = "",
               label: str = "photo") -> None:
    """Draw a match on the valence-arousal plane.

    Parameters
    ----------
    path : str or path-like
        The PNG to write.
    library : MusicLibrary
        Its songs are the faint cloud (at most 20,000, a seeded random subset).
    point : array_like, shape (3,)
        The point the songs were chosen by (for a photo: its point on the songs'
        scale, ``Match.photo.match_point``).
    songs : list of dict
        The matched songs (``valence``, ``arousal``, ``artist``, ``title``, ``path``),
        numbered in order on the plane and named in the legend.
    uncertainty : array_like, shape (3,), optional
        Standard errors of the point per axis, in space units
        (:func:`matching.point_confidence`); drawn as the ellipse of one standard error
        in valence and arousal around the point. Values of 1 on both axes mean "not
        measured" (a model without a measured reliability): no ellipse, and the legend
        says so.
    title : str
    label : str
        What the point is, for the legend (``"photo"``, ``"mood 'calm'"``).
    """
    plt = _pyplot()
    from matplotlib.patches import Ellipse, Rectangle

    _, cloud = library.points()
    if len(cloud) > _MAX_CLOUD:
        keep = np.random.default_rng(0).choice(len(cloud), _MAX_CLOUD, replace=False)
        cloud = cloud[np.sort(keep)]
    p = np.asarray(point, dtype=np.float64).ravel()
    hits = np.array([[s["valence"], s["arousal"]] for s in songs]).reshape(-1, 2)
    se = None if uncertainty is None else np.asarray(uncertainty, dtype=np.float64).ravel()
    if se is not None and not (se.size >= 2 and np.all(np.isfinite(se[:2]))):
        se = None
    unmeasured = se is not None and bool(np.all(se[:2] >= 1.0))
    if unmeasured:  # a model without a measured reliability: 1 stands for "unknown"
        se = None
        label = f"{label} (uncertainty not measured)"
    # The view fits the songs and the point; a wide ellipse is cut at its edge.
    half = _half_width(cloud, hits, p[None, :2])
    # A right panel magnifies the neighbourhood of the point when its songs are too
    # close to it to tell apart on the whole plane (usually: a few hundredths).
    reach = max(float(np.max(np.abs(hits - p[:2]))) if len(hits) else 0.0, 0.02) * 1.35
    zoomed = reach < half / 3
    if zoomed:
        fig, (ax, zoom) = plt.subplots(1, 2, figsize=(12.5, 6.4))
    else:
        fig, ax = plt.subplots(figsize=(8.5, 6.4))
        zoom = ax
    _plane(ax, half)
    if zoomed:
        zx, zy = (p[0] - reach, p[0] + reach), (p[1] - reach, p[1] + reach)
        ax.add_patch(Rectangle((zx[0], zy[0]), 2 * reach, 2 * reach, fill=False,
                               edgecolor="0.3", lw=0.8, ls="--", zorder=6))
        zoom.set(xlim=zx, ylim=zy, xlabel="valence", ylabel="arousal")
        zoom.set_aspect("equal")
        zoom.axhline(0, color="0.55", lw=0.8, zorder=1)
        zoom.axvline(0, color="0.55", lw=0.8, zorder=1)
        zoom.set_title("around it (the dashed square on the left)", fontsize=9)
    panels = (ax, zoom) if zoomed else (ax,)
    n_all = len(library.points()[0])
    for a in panels:
        if len(cloud):
            a.scatter(cloud[:, 0], cloud[:, 1], s=14 if a is zoom else 6, c="0.6",
                      alpha=0.35 if a is zoom else 0.25, lw=0, zorder=3,
                      label=f"songs of the library ({n_all})")
        for (x, y) in hits:
            a.plot([p[0], x], [p[1], y], color="0.35", lw=0.6, alpha=0.6, zorder=4)
        if se is not None:
            a.add_patch(Ellipse((p[0], p[1]), width=2 * se[0], height=2 * se[1],
                                facecolor="gold", edgecolor="darkgoldenrod", alpha=0.3,
                                zorder=4, label=f"{label} ± 1 standard error"))
        a.scatter([p[0]], [p[1]], s=200 if a is zoom else 160, marker="*", c="gold",
                  edgecolors="black", lw=0.8, zorder=7, label=label)
    if zoomed:
        ax.scatter(hits[:, 0], hits[:, 1], s=30, c="tab:purple", edgecolors="white",
                   lw=0.6, zorder=5)
    for i, (s, (x, y)) in enumerate(zip(songs, hits), 1):
        who = " - ".join(v for v in (s.get("artist"), s.get("title")) if v) or \
            os.path.basename(s.get("path") or "") or str(s.get("source_id") or "")
        zoom.scatter([x], [y], s=60, c="tab:purple", edgecolors="white", lw=0.8,
                     zorder=5, label=f"{i}. {_short(who)}")
        zoom.annotate(str(i), (x, y), xytext=(5, 5), textcoords="offset points",
                      fontsize=9, color="tab:purple", weight="bold", zorder=6)
    zoom.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.03, 1.0),
                borderaxespad=0, title="nearest first", title_fontsize=8)
    if title:
        fig.suptitle("\n".join(_short(t, 100) for t in title.splitlines()), fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def plot_result(path, result, *, library) -> None:
    """Draw a result of :func:`matching.match` / :func:`matching.match_photos` (a
    photo) or of :func:`matching.match_query` (a mood word or point) with
    :func:`plot_match`, titled with what was matched and the library.

    A photo is drawn at the point its songs were chosen by (on the songs' scale,
    ``Match.photo.match_point``, where it has one) with its uncertainty.
    """
    from .library import library_description

    if hasattr(result, "photo"):
        p = result.photo
        name, label = os.path.basename(p.path), "photo"
        point = p.match_point if p.match_point is not None else p.point
        uncertainty = getattr(p, "uncertainty", None)
    else:
        name = label = result.name
        point, uncertainty = result.point, None
    songs = result.songs
    plot_match(path, library=library, point=point, songs=songs, uncertainty=uncertainty,
               label=label, title=f"{name}: its {len(songs)} nearest songs\n"
                                  f"{library_description(library)}")


def plot_points(path, groups, *, title: str) -> None:
    """Draw sets of points on the plane, each set with its marker, coloured by label.

    Parameters
    ----------
    path : str or path-like
        The PNG to write.
    groups : list of (name, points, labels, marker)
        ``points`` (n, >= 2) valence and arousal; ``labels`` (n,) the Russell quadrant
        each item is labelled with (colour); ``marker`` a matplotlib marker (``"o"``,
        ``"x"``, ...). Drawn in order, so put the densest set first.
    title : str
        What the points are (e.g. out-of-fold predictions, or a model's predictions on
        held-out sets).
    """
    plt = _pyplot()
    arrays = [np.asarray(p, dtype=np.float64).reshape(-1, np.shape(p)[-1] if len(p) else 3)
              for _, p, _, _ in groups]
    half = _half_width(*arrays)
    fig, ax = plt.subplots(figsize=(7.5, 6.2))
    _plane(ax, half)
    for (name, _, labels, marker), pts in zip(groups, arrays):
        labels = np.asarray(labels).astype(str)
        for q, colour in QUADRANT_COLOURS.items():
            sel = labels == q
            if sel.any():
                ax.scatter(pts[sel, 0], pts[sel, 1], s=16 if marker == "o" else 14,
                           marker=marker, c=colour, alpha=0.5,
                           lw=0 if marker == "o" else 0.9, zorder=3,
                           label=f"{name} labelled {q} ({int(sel.sum())})")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)
