"""``match``: songs that feel like a photo (:func:`matching.match_photos`), a mood
word or a point (:func:`matching.match_query`).
"""

from __future__ import annotations

import sys

import click

from ..errors import AffectError
from ._base import (EXIT_FAILED_FILES, EXIT_OK, _err, _JsonStream, _load_model,
                    _parse_point, _RecordWriter, _require_matplotlib, _usage, _write_m3u)


def _parse_weights(value: str):
    import math

    try:
        w = tuple(float(x) for x in value.split(","))
    except ValueError:
        w = ()
    if len(w) != 3:
        raise click.BadParameter("expected three numbers, e.g. 1,1,0.5",
                                 param_hint="--weights")
    if not all(math.isfinite(x) and x >= 0 for x in w) or max(w) == 0:
        raise click.BadParameter(f"expected three finite numbers >= 0, not all 0; got "
                                 f"{value}", param_hint="--weights")
    return w


@click.command("match", short_help="Songs that feel like a photo, a mood or a point.")
@click.argument("photos", nargs=-1, type=click.Path())
@click.option("--mood", default=None, metavar="WORD",
              help="Songs for a mood word instead of a photo, e.g. calm (`affect labels "
                   "--moods` lists them).")
@click.option("--point", "point_text", default=None, metavar="V,A[,D]",
              help="Songs nearest to a point of the space instead of a photo, e.g. "
                   "0.5,-0.3 (without D, dominance is ignored).")
@click.option("--library", default=None, type=click.Path(dir_okay=False),
              help="Music library file (from `affect index`). Default: $AFFECT_LIBRARY, "
                   "else the library `affect index` writes, if it exists; else the "
                   "shipped 4Q catalogue.")
@click.option("--catalogue", is_flag=True,
              help="Match against the shipped 4Q catalogue even if you have a library.")
@click.option("-k", "--top-k", type=int, default=5, show_default=True,
              help="Songs per photo (fewer if the library has fewer).")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl", "json", "csv"]),
              default="table", show_default=True,
              help="table: for people; jsonl: one JSON object per photo and line; json: "
                   "one JSON array; csv: one row per song.")
@click.option("--explain", is_flag=True,
              help="Also show the features that moved the photo's point most.")
@click.option("--model", type=click.Path(), default=None,
              help="Image model (.npz with its .json card); default: the shipped one.")
@click.option("--weights", default="1,1,1", show_default=True,
              help="Per-axis weights of valence,arousal,dominance in the distance.")
@click.option("--no-align", is_flag=True,
              help="Match the photo's raw point, not its point on the songs' scale.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, metavar="FILE.png",
              help="Draw the valence-arousal plane: the library's songs, the photo's "
                   "point (with its uncertainty) and its k songs (needs matplotlib: "
                   "the plot extra). One photo.")
@click.option("--m3u", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Also write the songs found as an M3U playlist (songs with a file).")
@click.option("--method", type=click.Choice(["vad", "joint"]), default="vad",
              show_default=True,
              help="vad: nearest songs in the valence-arousal-dominance space (favoured "
                   "on photos from other sources); joint: most similar songs in the "
                   "three-branch joint embedding.")
@click.option("--joint-model", type=click.Path(), default=None,
              help="Joint embedding for --method joint (default: the shipped one).")
def match_cmd(photos, mood, point_text, library, catalogue, top_k, fmt, explain, model,
              weights, no_align, plot, m3u, method, joint_model):
    """Songs that feel like each photo: its point, quadrant, mood and nearest songs.

    Or, without a photo, the songs of a mood word (--mood calm) or of a point
    (--point 0.5,-0.3). The songs come from your library (`affect index` builds it)
    when there is one, else from the shipped 4Q catalogue; the output says which.
    Quadrants: Q1 happy/excited, Q2 angry/tense, Q3 sad/depressed, Q4 calm/relaxed.
    """
    from ..errors import ParameterError
    from ..library import default_library_path, library_description, matching_library
    from ..matching import MATCH_FIELDS, match_photos, match_query, match_rows
    from ..media import IMAGE_EXTENSIONS, walk
    from ..querying import query_point
    from ..reports import match_lines

    if top_k < 1:
        raise _usage("must be at least 1", "--top-k")
    w = _parse_weights(weights)
    if mood is not None and point_text is not None:
        raise _usage("give --mood or --point, not both", "--mood")
    by_query = mood is not None or point_text is not None
    if by_query and photos:
        raise _usage("give photos or a --mood/--point query, not both",
                     "--mood" if mood is not None else "--point")
    if not by_query and not photos:
        raise click.UsageError("give a PHOTO (or folder), --mood WORD or --point V,A[,D]")
    if plot:
        _require_matplotlib("--plot")
    if library and catalogue:
        raise _usage("give --library or --catalogue, not both", "--catalogue")
    if mood is not None:
        try:
            query_point(mood=mood)
        except ParameterError as exc:
            raise _usage(f"{exc}; `affect labels --moods` lists the mood words",
                         "--mood") from None
    elif point_text is not None:
        _parse_point(point_text, "--point")
    lib = matching_library(library, catalogue=catalogue)
    source = library_description(lib)
    failures, files = [], []
    if not by_query:
        files = walk(photos, IMAGE_EXTENSIONS, failures=failures)
        for f in failures:
            _err(f"error: {f}")
        if plot and len(files) != 1:
            raise _usage(f"draws one photo; {len(files)} given", "--plot")
        results = match_photos(
            files, lib, k=top_k, model=_load_model(model, "image", "--model"),
            weights=w, explain_top=8 if explain else 0, align=not no_align,
            method=method, joint_model=joint_model or None) if files else []
    else:
        results = [(None, match_query(lib, mood=mood, point=point_text, k=top_k,
                                      weights=w))]
    if lib.path == ":memory:" and not catalogue:
        _err(f"no music library at {default_library_path()} yet, so the songs come from "
             f"the shipped catalogue; `affect index FOLDER` builds yours")
    if fmt == "table":
        click.echo(f"songs from {source}")
    else:
        _err(f"songs from {source}")
    if fmt == "csv":
        out = _RecordWriter("csv", MATCH_FIELDS, float_format=".4f")
    elif fmt in ("json", "jsonl"):
        out = _JsonStream(fmt)
    found, drawn, warned = [], None, False
    for photo, res in results:
        if isinstance(res, AffectError):  # this photo could not be matched
            failures.append(res)
            _err(f"error: {res}")
            continue
        if getattr(res, "warning", None) and not warned:
            _err(f"warning: {res.warning}")
            warned = True
        found += res.songs
        drawn = res
        if fmt in ("json", "jsonl"):
            out.write(res.as_dict())
        elif fmt == "csv":
            for row in match_rows(res):
                out.write(row)
        else:
            for line in match_lines(res):
                click.echo(line)
    if fmt != "table":
        out.close()
    for problem in getattr(lib, "skipped", {}).values():  # bad stored rows, left out
        _err(f"warning: {lib.path}: {problem}")
    if plot and drawn is not None:
        from ..plotting import plot_result

        plot_result(plot, drawn, library=lib)
        _err(f"wrote {plot}")
    if m3u:
        _write_m3u(m3u, found)
    sys.exit(EXIT_FAILED_FILES if failures else EXIT_OK)
