"""``index`` (:func:`library.index_music`) builds the music library; the ``library``
group lists, queries, exports and prunes it (:mod:`affect_features.querying`).
"""

from __future__ import annotations

import sys

import click

from ._base import (EXIT_FAILED_FILES, EXIT_INTERRUPTED, EXIT_OK, _err, _load_model,
                    _parse_point, _RecordWriter, _timeout, _usage, _write_m3u)


@click.command("index", short_help="Build or update your music library from folders.")
@click.argument("folders", nargs=-1, required=True, type=click.Path())
@click.option("--library", default=None, type=click.Path(dir_okay=False),
              help="Library file (default: $AFFECT_LIBRARY, else library.sqlite in the "
                   "user data folder: the library `affect match` then uses).")
@click.option("-j", "--jobs", type=int, default=0, show_default=True,
              help="Worker processes (0: all cores).")
@click.option("--model", type=click.Path(), default=None,
              help="Audio model (.npz with its .json card); default: the shipped one. "
                   "Points of another model are re-predicted from the stored "
                   "descriptors, without decoding.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal).")
@click.option("--retry-errors", is_flag=True,
              help="Analyse again the files that failed in an earlier run.")
@click.option("--scheduler", envvar="DASK_SCHEDULER_ADDRESS", default=None,
              metavar="ADDRESS", help="Analyse on a Dask distributed cluster "
              "(default: $DASK_SCHEDULER_ADDRESS); needs the dask extra.")
def index_cmd(folders, library, jobs, model, progress, retry_errors, scheduler):
    """Build or update a music library: analyse new and changed songs, drop vanished
    ones, re-predict points when the model changed (without decoding again)."""
    from ..library import index_music

    result = index_music(
        folders, library=library, model=_load_model(model, "audio", "--model"),
        jobs=jobs, progress=progress, retry_errors=retry_errors, scheduler=scheduler,
        timeout=_timeout(None), on_repredicted=lambda n, version: _err(
            f"re-predicted {n} point(s) with model {version[:12]} from the stored "
            f"descriptors"))
    report = result.report
    click.echo(f"library {result.library}: {report}", err=True)
    for f in result.failures:
        _err(f"error: {f}")
    for problem in result.skipped:  # stored rows that could not be used
        _err(f"error: {problem}")
    if getattr(report, "failed_before", 0):
        _err(f"{report.failed_before} file(s) failed in an earlier run and were not "
             f"retried: `affect library list --failed` says why; --retry-errors "
             f"analyses them again")
    if getattr(report, "interrupted", False):
        _err("interrupted: the tracks analysed so far are stored; re-run to resume")
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_FAILED_FILES if result.failures or result.skipped else EXIT_OK)


def _library_option(f):
    f = click.option("--catalogue", is_flag=True,
                     help="The shipped 4Q catalogue instead of your library.")(f)
    return click.option("--library", "library_path", default=None,
                        type=click.Path(dir_okay=False),
                        help="Library file (default: $AFFECT_LIBRARY, else the one "
                             "`affect index` writes).")(f)


def _open_library_for_reading(library_path, catalogue=False):
    from ..querying import read_library

    if library_path and catalogue:
        raise _usage("give --library or --catalogue, not both", "--catalogue")
    return read_library(library_path, catalogue=catalogue)


def _selection_options(f):
    """--quadrant, --mood, --near, -k: the selection of `library list` and `export`."""
    for opt in reversed([
        click.option("--quadrant", type=click.Choice(["Q1", "Q2", "Q3", "Q4"],
                                                     case_sensitive=False),
                     default=None, help="Only songs whose point is in this quadrant: Q1 "
                     "happy/excited, Q2 angry/tense, Q3 sad/depressed, Q4 calm/relaxed."),
        click.option("--mood", default=None, metavar="WORD",
                     help="Only songs whose mood word (the one `affect match` prints) is "
                          "this one, nearest to the word first (`affect labels --moods`)."),
        click.option("--near", default=None, metavar="V,A[,D]",
                     help="Songs nearest to this point first, e.g. 0.5,-0.3 (10 unless "
                          "-k says otherwise)."),
        click.option("-k", "--top-k", type=int, default=None,
                     help="At most this many songs (default: all)."),
    ]):
        f = opt(f)
    return f


def _selected(lib, quadrant, mood, near, top_k, failed=False):
    """:func:`querying.list_tracks` of the selection options; a bad value is a usage
    error naming its option."""
    from ..errors import ParameterError
    from ..querying import list_tracks

    if top_k is not None and top_k < 1:
        raise _usage("must be at least 1", "--top-k")
    if near is not None:
        _parse_point(near, "--near")  # a usage error names the option
        near = [float(x) for x in near.replace(" ", "").split(",")]
    if failed and (quadrant or mood or near is not None):
        raise _usage("failed tracks have no point: not with --quadrant, --mood or --near",
                     "--failed")
    try:
        return list(list_tracks(lib, quadrant=quadrant, mood=mood, near=near, k=top_k,
                                failed=failed))
    except ParameterError as exc:
        raise _usage(str(exc), "--mood" if mood else "--quadrant") from None


@click.group("library", short_help="List, query, export and prune your music library.")
def library_group():
    """Look at the music library `affect index` built: list and query it, see its size,
    export songs as a playlist, forget files.

    Every command reads $AFFECT_LIBRARY, else the per-user library, unless --library
    names another file; --catalogue reads the shipped 4Q catalogue instead.
    """


@library_group.command("list", short_help="List songs, by quadrant, mood or point.")
@_library_option
@_selection_options
@click.option("--failed", is_flag=True,
              help="Only the files whose analysis failed, with the reason.")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl", "json", "csv"]),
              default="table", show_default=True,
              help="table: for people; jsonl: one JSON object per line; json: one JSON "
                   "array; csv: a header and one row per song.")
def library_list(library_path, catalogue, quadrant, mood, near, top_k, failed, fmt):
    """List the songs of the library: all (by path), those of a quadrant or mood word,
    the nearest to a point (--near), or the files that failed (--failed)."""
    from ..querying import LIST_FIELDS
    from ..reports import track_line

    with _open_library_for_reading(library_path, catalogue) as lib:
        rows = _selected(lib, quadrant, mood, near, top_k, failed)
    if fmt != "table":
        # each row's distance, when ranked by a point or a mood word
        writer = _RecordWriter(fmt, LIST_FIELDS + (("distance",) if near or mood else ()),
                               float_format=".4f")
        for r in rows:
            writer.write(r)
        writer.close()
        return
    for r in rows:
        click.echo(track_line(r))


@library_group.command("stats", short_help="Size and state of the library.")
@_library_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table: for people; json: one JSON object.")
def library_stats(library_path, catalogue, fmt):
    """How many tracks, failures, points per quadrant, model and schema versions, and
    the size on disk."""
    import json as _json

    from ..reports import library_stats_lines

    with _open_library_for_reading(library_path, catalogue) as lib:
        st = lib.stats()
    if fmt == "json":
        click.echo(_json.dumps(st, indent=1))
        return
    for line in library_stats_lines(st):
        click.echo(line)


@library_group.command("export", short_help="Write songs as an M3U playlist.")
@_library_option
@_selection_options
@click.option("--m3u", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="The playlist to write (extended M3U, UTF-8).")
def library_export(library_path, catalogue, quadrant, mood, near, top_k, m3u):
    """Write the songs `affect library list` would list (same options) as an M3U
    playlist with #EXTINF artist and title, for any music player. For the songs of a
    photo, use `affect match PHOTO --m3u FILE`."""
    with _open_library_for_reading(library_path, catalogue) as lib:
        rows = _selected(lib, quadrant, mood, near, top_k)
    _write_m3u(m3u, rows)


@library_group.command("remove", short_help="Forget files or folders.")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--library", "library_path", default=None, type=click.Path(dir_okay=False),
              help="Library file (default: $AFFECT_LIBRARY, else the one `affect index` "
                   "writes).")
def library_remove(paths, library_path):
    """Forget the tracks of these files, or of every file under these folders. The
    files themselves are left alone (indexing their folder again adds them back)."""
    from ..library import forget_music

    removed = forget_music(paths, library=library_path)
    missing = [p for p, n in removed.items() if n == 0]
    for p, n in removed.items():
        if n:
            _err(f"removed {n} track(s) of {p}")
    for p in missing:
        _err(f"error: {p}: no track of the library is there")
    sys.exit(EXIT_FAILED_FILES if missing else EXIT_OK)
