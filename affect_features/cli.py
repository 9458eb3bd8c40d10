"""The ``affect`` command: a thin face over the Python API.

Each command parses its options, calls the API function that does the work and prints
the result (the wording for people is :mod:`affect_features.reports`'):

- ``extract-image``, ``extract-audio``: :func:`extraction.extract_to_table`;
- ``predict``: :func:`prediction.predict_files` (:func:`prediction.predict_file`);
- ``match``: :func:`matching.match_photos`, or :func:`matching.match_query` for
  ``--mood``/``--point``, from :func:`library.matching_library`;
  ``--m3u``: :func:`querying.write_playlist`; ``--plot``: :func:`plotting.plot_result`;
- ``index``: :func:`library.index_music` (and its model-version rule);
- ``library list``/``export``: :func:`querying.list_tracks` of
  :func:`querying.read_library`; ``stats``: :meth:`MusicLibrary.stats`; ``remove``:
  :func:`library.forget_music`;
- ``train``: :func:`training.train_from_specs`; ``evaluate``:
  :func:`training.evaluate_sets`; ``labels``: :func:`space.label_table`,
  :func:`space.mood_words`, :func:`space.label_map`.

Exit codes (all commands):

- 0: success;
- 1: some input files failed (each reported on stderr as ``path: reason``); the
  others were processed and written;
- 2: bad usage or a fatal error (e.g. the output cannot be written), with a one-line
  message;
- 130: interrupted (Ctrl-C or SIGTERM); rows completed so far are kept and a re-run
  with the same output resumes.

Output into a pipe that closes early (``affect library list | head``) ends quietly
with 0. Usage errors name the option.
"""

from __future__ import annotations

import os
import signal
import sys

import click

from . import __version__
from .errors import AffectError

EXIT_OK, EXIT_FAILED_FILES, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _err(msg: str) -> None:
    click.echo(f"affect: {msg}", err=True)


def _usage(message: str, option: str) -> click.BadParameter:
    """A usage error naming the option (exit 2)."""
    return click.BadParameter(message, param_hint=option)


# Option validators (click callbacks): every option is checked before any file is
# touched, so a bad value is one usage error (exit 2), not a failure per file.

def _check_jobs(ctx, param, value):
    if value is not None and value < 0:
        raise _usage("must be 0 (all cores) or a positive number", param.opts[-1])
    return value


def _check_timeout(ctx, param, value):
    from .batch import _check_timeout as check, default_timeout
    from .errors import ParameterError

    try:
        check(value) if value is not None else default_timeout()
    except ParameterError as exc:
        raise _usage(str(exc), "--timeout") from None
    return value


def _window_option(ctx, param, value):
    """--offset / --duration: the audio decoder's window rule, as a usage error."""
    from .audio.decode import check_window
    from .errors import ParameterError

    try:
        check_window(**{param.name: value})
    except ParameterError as exc:
        raise _usage(str(exc).split(" ", 1)[1], param.opts[-1]) from None
    return value


def _data_file(what: str):
    """A callback accepting None or a regular file within the size limit of `what`
    (:data:`affect_features.files.LIMITS`): a FIFO, a device or a folder is refused
    before it is read."""
    def check(ctx, param, value):
        from .files import LIMITS, FileRefused, check_regular_file

        if value is None:
            return value
        try:
            check_regular_file(value, what, LIMITS.get(what))
        except FileRefused as exc:
            raise _usage(str(exc), param.opts[-1]) from None
        return value
    return check


def _parse_point(text: str | None, option: str):
    """``V,A[,D]`` -> (point (3,), weights), or None; a bad value is a usage error."""
    from .errors import ParameterError
    from .querying import parse_point

    if text is None:
        return None
    try:
        return parse_point(text)
    except ParameterError as exc:
        raise _usage(str(exc), option) from None


def _require_matplotlib(option: str) -> None:
    """Fail before any work when a plot is asked for and matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise click.UsageError(f"{option} needs matplotlib: pip install "
                               f"'affect-features[plot]'") from None


class _JsonStream:
    """Records to stdout (or a text handle) as JSON lines or as one JSON array.

    ``jsonl``: one object per line, written as it comes. ``json``: one document, an
    array of the objects (``[]`` when there are none), streamed element by element so
    that a long run shows its results as they come and stays valid JSON at the end.
    """

    def __init__(self, fmt: str, out=None):
        self.fmt, self.out, self.n = fmt, out, 0

    def _echo(self, text: str, nl: bool = True) -> None:
        click.echo(text, nl=nl, file=self.out)

    def write(self, record: dict) -> None:
        import json as _json

        text = _json.dumps(record, allow_nan=False)
        if self.fmt == "json":
            text = ("[" if self.n == 0 else ",\n") + text
            self._echo(text, nl=False)
        else:
            self._echo(text)
        self.n += 1

    def close(self) -> None:
        if self.fmt == "json":
            self._echo("[]" if self.n == 0 else "]")


def _timeout(timeout):
    """--timeout, else the command's default (``$AFFECT_FILE_TIMEOUT``, else 120 s):
    a command applies it wherever the files are read, this process included."""
    from .batch import default_timeout

    return default_timeout() if timeout is None else timeout


def _extraction_reporters(output) -> dict:
    """The callbacks of :func:`extraction.write_feature_table` that report as it goes:
    each failed file at once, and what a resumed output already holds."""
    return {"on_failure": lambda f: _err(f"error: {f}"),
            "on_resume": lambda n: _err(f"resuming: {n} file(s) already in {output}")}


def _extraction_exit(summary, paths, what: str) -> int:
    """The closing message and exit code of an extraction's summary."""
    if summary.no_files:
        # Not a header-only table and exit 0: nothing was extracted, say so and why.
        _err(f"error: no {what} files found in {', '.join(map(str, paths))} "
             f"(looked for {', '.join(summary.extensions)}); nothing written")
        return EXIT_FAILED_FILES
    if summary.interrupted:
        kept = (f"; {summary.output} is unchanged, the new rows are in "
                f"{summary.kept_partial}" if summary.kept_partial else "")
        _err(f"interrupted: {summary.n_done} file(s) written{kept}; re-run to resume")
        return EXIT_INTERRUPTED
    if summary.failures:
        _err(f"{len(summary.failures)} of {summary.n_total} file(s) failed; "
             f"{summary.n_done} written")
        return EXIT_FAILED_FILES
    return EXIT_OK


def run_extraction(paths, *, worker, names, schema, extensions, output, jobs,
                   progress, overwrite, label, timeout=None, scheduler=None,
                   settings=None, default_settings=None) -> int:
    """:func:`extraction.write_feature_table` as a command runs it: its messages on
    stderr, its exit code returned."""
    from .extraction import write_feature_table

    summary = write_feature_table(
        paths, worker=worker, names=names, schema=schema, extensions=extensions,
        output=output, jobs=jobs, overwrite=overwrite, timeout=_timeout(timeout),
        scheduler=scheduler, settings=settings, default_settings=default_settings,
        progress=progress, label=label, **_extraction_reporters(output))
    return _extraction_exit(summary, paths, label.strip())


_common_extract_options = [
    click.argument("paths", nargs=-1, required=True, type=click.Path()),
    click.option("-o", "--output", default=None,
                 help="Output file: .csv, .jsonl, .npz or .parquet (default: CSV on stdout)."),
    click.option("-j", "--jobs", type=int, default=0, show_default=True,
                 callback=_check_jobs, help="Worker processes (0: all cores)."),
    click.option("--progress/--no-progress", default=None,
                 help="Progress bar on stderr (default: when stderr is a terminal)."),
    click.option("--overwrite", is_flag=True,
                 help="Start afresh instead of resuming an existing output."),
    click.option("--timeout", type=float, default=None, metavar="SECONDS",
                 callback=_check_timeout,
                 help="Time limit per file; a file taking longer is reported as failed "
                      "and the batch goes on (default: $AFFECT_FILE_TIMEOUT, else 120; "
                      "0: no limit)."),
    click.option("--scheduler", envvar="DASK_SCHEDULER_ADDRESS", default=None,
                 metavar="ADDRESS", help="Run on a Dask distributed cluster "
                 "(e.g. tcp://host:8786; default: $DASK_SCHEDULER_ADDRESS); needs "
                 "the dask extra."),
]


def _extract_options(f):
    for opt in reversed(_common_extract_options):
        f = opt(f)
    return f


class _GroupsOption(click.Option):
    """``--groups``, whose help lists the groups of the modality: read from the
    extractor when the help is shown (so it cannot go stale), not at import."""

    def __init__(self, *args, groups_of, **kwargs):
        self._groups_of = groups_of
        super().__init__(*args, **kwargs)

    def get_help_record(self, ctx):
        self.help = (f"Comma-separated feature groups to compute, among: "
                     f"{', '.join(self._groups_of())} (default: all).")
        return super().get_help_record(ctx)


def _image_groups():
    from .image import IMAGE_GROUPS

    return tuple(IMAGE_GROUPS)


def _audio_groups():
    from .audio import AUDIO_GROUPS

    return tuple(AUDIO_GROUPS)


def _groups_or_usage(parse, text, known):
    from .errors import ParameterError

    try:
        return parse(text, known)
    except ParameterError as exc:
        raise _usage(str(exc), "--groups") from None


def _groups_option(groups_of):
    return click.option("--groups", cls=_GroupsOption, groups_of=groups_of, default=None,
                        metavar="G1,G2",
                        help="Comma-separated feature groups to compute (default: all).")


def _quiet_closed_stdout() -> None:
    """Point stdout at /dev/null so that the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (e.g. a test runner)
        pass


def _one_blas_thread():
    """The command's process is the application's own: its BLAS runs one thread, as in
    the batch engine's workers. The analyses multiply small matrices, where a second
    BLAS thread doubles the CPU time and, on a busy machine, slows the work (48 ms of
    CPU per 30-s clip instead of 95, same wall clock when idle). Library calls leave
    their caller's threads alone; only the command sets this, for its own run."""
    try:
        from threadpoolctl import threadpool_limits

        return threadpool_limits(limits=1, user_api="blas")
    except Exception:  # noqa: BLE001 - no threadpoolctl: threads as they are
        import contextlib

        return contextlib.nullcontext()


class _AffectGroup(click.Group):
    """The command group: a closed stdout pipe is a quiet success, an AffectError one
    line on stderr and exit 2, the same whether run by :func:`main` or as ``cli``.

    ``affect ... | head`` closes the pipe early: not an error of ours, and Unix tools
    exit 0 then. Click itself turns the broken pipe into exit 1, so it is caught here,
    inside click's main.
    """

    def invoke(self, ctx):
        try:
            with _one_blas_thread():
                return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_closed_stdout()
            sys.exit(EXIT_OK)
        except AffectError as exc:
            # A fatal error of ours (a missing library, a refused model): one line.
            _err(f"error: {exc}")
            sys.exit(EXIT_USAGE)


@click.group(cls=_AffectGroup,
             context_settings={"help_option_names": ["-h", "--help"],
                               "max_content_width": 100})
@click.version_option(__version__, prog_name="affect")
def cli():
    """Suggest music for a photo by the feeling both evoke.

    \b
    Quadrants of the valence-arousal plane:
      Q1 happy/excited  Q2 angry/tense  Q3 sad/depressed  Q4 calm/relaxed

    Exit codes: 0 success; 1 some input files failed (each named on stderr, the others
    done); 2 bad usage or a fatal error; 130 interrupted. Shell completion (bash):
    eval "$(_AFFECT_COMPLETE=bash_source affect)".
    """


@cli.command("extract-image", short_help="Image affect features of files or folders.")
@_extract_options
@_groups_option(_image_groups)
def extract_image(paths, output, jobs, groups, progress, overwrite, timeout, scheduler):
    """Image affect features (Machajdik & Hanbury 2010) of files or folders.

    One row per image: path, then the named features.
    """
    from .extraction import extract_to_table
    from .features import parse_groups
    from .image import IMAGE_GROUPS

    groups = _groups_or_usage(parse_groups, groups, IMAGE_GROUPS)
    summary = extract_to_table(
        paths, modality="image", output=output, groups=groups, jobs=jobs,
        overwrite=overwrite, timeout=_timeout(timeout), scheduler=scheduler,
        progress=progress,
        **_extraction_reporters(output))
    sys.exit(_extraction_exit(summary, paths, "image"))


@cli.command("extract-audio", short_help="Audio descriptors of files or folders.")
@_extract_options
@_groups_option(_audio_groups)
@click.option("--offset", type=float, default=None, callback=_window_option,
              help="Start of the analysis window in seconds (default: centred).")
@click.option("--duration", type=float, default=None, callback=_window_option,
              help="Length of the analysis window in seconds.")
def extract_audio(paths, output, jobs, groups, progress, overwrite, timeout, scheduler,
                  offset, duration):
    """Audio descriptors (timbre, spectral, dynamics, rhythm, tonal) of files or folders."""
    from .audio import AUDIO_GROUPS
    from .extraction import extract_to_table
    from .features import parse_groups

    groups = _groups_or_usage(parse_groups, groups, tuple(AUDIO_GROUPS))
    summary = extract_to_table(
        paths, modality="audio", output=output, groups=groups, jobs=jobs,
        overwrite=overwrite, timeout=_timeout(timeout), scheduler=scheduler,
        progress=progress,
        offset=offset, duration=duration, **_extraction_reporters(output))
    sys.exit(_extraction_exit(summary, paths, "audio"))


# --------------------------------------------------------------------- emotion space

@cli.command("labels", short_help="Emotion labels, mood words and label maps.")
@click.option("--taxonomy", "taxonomies", multiple=True,
              type=click.Choice(["mikels", "emotion6", "audioset_mood", "russell", "gems"]),
              help="Only these taxonomies (repeatable).")
@click.option("--moods", is_flag=True,
              help="List the mood words `affect match` names points with (and that "
                   "`--mood` takes), with their point and quadrant.")
@click.option("--map", "map_", default=None, metavar="SRC:DST",
              help="Print the dictionary from one taxonomy's labels to another's.")
@click.option("--overrides", type=click.Path(exists=True, dir_okay=False), default=None,
              callback=_data_file("label map"),
              help="CSV of source_taxonomy,source_label,target_taxonomy,target_label "
                   "rows that replace the derived mapping.")
def labels(taxonomies, moods, map_, overrides):
    """Emotion labels of each taxonomy with their point and quadrant (tab-separated),
    the mood words (--moods), or the dictionary between two taxonomies (--map).

    A label at the origin (Emotion6 "neutral": no emotion) has no quadrant: "-".
    """
    from .errors import ParameterError
    from .space import (QUADRANT_NAMES, label_map, label_table, load_label_map,
                        mood_words, quadrant, word_point)

    if moods:
        click.echo("word\tvalence\tarousal\tdominance\tquadrant\tquadrant_name")
        for word in mood_words():
            v, a, d = word_point(word)
            q = quadrant(word_point(word))
            click.echo(f"{word}\t{v:+.3f}\t{a:+.3f}\t{d:+.3f}\t{q}\t{QUADRANT_NAMES[q]}")
        return
    if map_:
        src, sep, dst = map_.partition(":")
        if not sep:
            raise _usage("expected SRC:DST, e.g. mikels:audioset_mood", "--map")
        try:
            table = load_label_map(overrides) if overrides else None
        except ParameterError as exc:
            raise _usage(str(exc), "--overrides") from None
        try:
            mapping = label_map(src, dst, overrides=table)
        except ParameterError as exc:
            raise _usage(str(exc), "--map") from None
        for a, b in mapping.items():
            click.echo(f"{a}\t{b}")
        return
    click.echo("taxonomy\tlabel\tword\tvalence\tarousal\tdominance\tquadrant")
    for row in label_table(list(taxonomies) or None):
        click.echo(f"{row.taxonomy}\t{row.label}\t{row.word}\t{row.valence:+.3f}\t"
                   f"{row.arousal:+.3f}\t{row.dominance:+.3f}\t{row.quadrant}")


def _load_model(path, modality: str, option: str):
    """The model an option names (else the shipped one); one of the other modality is
    a usage error naming the option."""
    from .errors import ParameterError
    from .prediction import load_model

    try:
        return load_model(path or None, modality)
    except ParameterError as exc:
        raise _usage(str(exc), option) from None


class _RecordWriter:
    """Rows of named values as CSV, JSON lines or one JSON array, streamed to `out`."""

    def __init__(self, fmt: str, columns, out=None, float_format: str = ".6f"):
        import csv as _csv

        self.fmt, self.columns, self.float_format = fmt, list(columns), float_format
        self.n = 0
        if fmt == "csv":
            self._csv = _csv.writer(out if out is not None else sys.stdout,
                                    lineterminator="\n")
            self._csv.writerow(self.columns)
        else:
            self._json = _JsonStream(fmt, out)

    def write(self, row: dict) -> None:
        if self.fmt == "csv":
            self._csv.writerow([format(v, self.float_format) if isinstance(v, float)
                                else ("" if v is None else v)
                                for v in (row.get(c) for c in self.columns)])
        else:
            self._json.write({c: row.get(c) for c in self.columns})
        self.n += 1

    def close(self) -> None:
        if self.fmt != "csv":
            self._json.close()


def _format_for(fmt: str | None, output: str | None, default: str) -> str:
    """--format, else the output file's suffix (.csv, .json, .jsonl), else `default`."""
    if fmt:
        return fmt
    suffix = os.path.splitext(output or "")[1].lower().lstrip(".")
    return suffix if suffix in ("csv", "json", "jsonl") else default


#: Columns of `affect predict` (see the README's output reference).
PREDICT_COLUMNS = ("path", "valence", "arousal", "dominance", "quadrant", "mood")
#: Added when the audio model has a quadrant head: JSON nests the probabilities
#: (``quadrant_probabilities``), CSV has one column per quadrant.
PREDICT_QUADRANT_COLUMNS = {
    "json": ("quadrant_source", "quadrant_probabilities"),
    "csv": ("quadrant_source", "quadrant_probability.Q1", "quadrant_probability.Q2",
            "quadrant_probability.Q3", "quadrant_probability.Q4"),
}


@cli.command("predict", short_help="The emotion-space point of images or songs.")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file (atomically, when done) instead of stdout; its "
                   "suffix .csv, .json or .jsonl sets the format unless --format does.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json", "csv"]),
              default=None, help="jsonl: one JSON object per line (default); json: one "
                                 "JSON array; csv: a header and one row per file.")
@click.option("--image-model", type=click.Path(), default=None,
              help="Image model (.npz with its .json card); default: the shipped one.")
@click.option("--audio-model", type=click.Path(), default=None,
              help="Audio model; default: the shipped one.")
@click.option("-j", "--jobs", type=int, default=0, show_default=True,
              help="Worker processes (0: all cores).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal).")
def predict(paths, output, fmt, image_model, audio_model, jobs, progress):
    """The emotion-space point of each image or audio file (by its type): path,
    valence, arousal, dominance, quadrant and nearest mood word; with an audio model
    that has a quadrant head, also its quadrant probabilities and which of the two
    gives the quadrant."""
    import io

    from .batch import Progress, default_jobs
    from .prediction import predict_files

    if jobs < 0:
        raise _usage("must be 0 (all cores) or a positive number", "--jobs")
    fmt = _format_for(fmt, output, "jsonl")
    # The models are loaded once, for the kinds of file found: a bad model fails
    # before any file is read.
    batch = predict_files(paths, image_model=image_model or None,
                          audio_model=audio_model or None, jobs=jobs or default_jobs(),
                          timeout=_timeout(None))
    failures = list(batch.failures)
    for f in failures:
        _err(f"error: {f}")
    buffer = io.StringIO() if output else None
    columns = PREDICT_COLUMNS
    if batch.has_quadrant_head:
        columns += PREDICT_QUADRANT_COLUMNS["csv" if fmt == "csv" else "json"]
    writer = _RecordWriter(fmt, columns, out=buffer)
    bar = Progress(len(batch.files), label="predict ", enabled=progress)
    interrupted = False
    try:
        for path, res in batch.run(progress=bar):
            if hasattr(res, "reason"):
                failures.append(res)
                if bar.enabled:
                    click.echo("", err=True)
                _err(f"error: {res}")
            else:
                writer.write(_prediction_row(res))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    writer.close()
    if output:
        from .writing import atomic_write_text
        atomic_write_text(output, buffer.getvalue())
    if interrupted:
        _err(f"interrupted: {writer.n} file(s) written")
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_FAILED_FILES if failures else EXIT_OK)


def _prediction_row(pred) -> dict:
    """A prediction's fields, with the quadrant probabilities also one per column
    (for CSV)."""
    row = pred.as_dict()
    for q, p in (pred.quadrant_probabilities or {}).items():
        row[f"quadrant_probability.{q}"] = p
    return row


# -------------------------------------------------------------------------- matching

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




@cli.command("match", short_help="Songs that feel like a photo, a mood or a point.")
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
    from .errors import ParameterError
    from .library import default_library_path, library_description, matching_library
    from .matching import MATCH_FIELDS, match_photos, match_query, match_rows
    from .media import IMAGE_EXTENSIONS, walk
    from .querying import query_point
    from .reports import match_lines

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
        from .plotting import plot_result

        plot_result(plot, drawn, library=lib)
        _err(f"wrote {plot}")
    if m3u:
        _write_m3u(m3u, found)
    sys.exit(EXIT_FAILED_FILES if failures else EXIT_OK)


def _write_m3u(path: str, tracks) -> None:
    """Write tracks as a playlist (:func:`querying.write_playlist`) and say so."""
    from .querying import write_playlist

    n, left_out = write_playlist(path, tracks)
    note = (f"; {left_out} left out: catalogue songs have no file (and a path with a "
            f"line break cannot be an M3U line)" if left_out else "")
    _err(f"wrote {path}: {n} track(s){note}")


@cli.command("index", short_help="Build or update your music library from folders.")
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
    from .library import index_music

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


# ------------------------------------------------------------------------ the library

def _library_option(f):
    f = click.option("--catalogue", is_flag=True,
                     help="The shipped 4Q catalogue instead of your library.")(f)
    return click.option("--library", "library_path", default=None,
                        type=click.Path(dir_okay=False),
                        help="Library file (default: $AFFECT_LIBRARY, else the one "
                             "`affect index` writes).")(f)


def _open_library_for_reading(library_path, catalogue=False):
    from .querying import read_library

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
    from .errors import ParameterError
    from .querying import list_tracks

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


@cli.group("library", short_help="List, query, export and prune your music library.")
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
    from .querying import LIST_FIELDS
    from .reports import track_line

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

    from .reports import library_stats_lines

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
    from .library import forget_music

    removed = forget_music(paths, library=library_path)
    missing = [p for p, n in removed.items() if n == 0]
    for p, n in removed.items():
        if n:
            _err(f"removed {n} track(s) of {p}")
    for p in missing:
        _err(f"error: {p}: no track of the library is there")
    sys.exit(EXIT_FAILED_FILES if missing else EXIT_OK)


# ------------------------------------------------------------------ train, evaluate

def _check_specs(specs, option: str, modality: str) -> None:
    """Read every data set's listing before any extraction: a missing file or a wrong
    modality is a usage error at once, not after minutes of extracting another set."""
    from .datasets import load_dataset
    from .errors import ParameterError

    for spec in specs:
        try:
            ds = load_dataset(spec)
        except ParameterError as exc:
            raise _usage(str(exc), option) from None
        if ds.modality != modality:
            raise _usage(f"{spec}: a {ds.modality} data set, not {modality}", option)


@cli.command("train", short_help="Train an emotion model on labelled data sets.")
@click.argument("modality", type=click.Choice(["image", "audio"]))
@click.option("--dataset", "datasets", multiple=True, required=True, metavar="KIND:PATH",
              help="Training set, e.g. emotion6:DIR, 4q:DIR, artphoto:DIR, abstract:DIR, "
                   "audioset:SEGMENTS.csv, csv:FILE?scale=sam9. Repeatable.")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="Model path: writes OUTPUT.npz and OUTPUT.json.")
@click.option("--seeds", type=int, default=5, show_default=True,
              help="Networks averaged in the ensemble.")
@click.option("--cv", type=int, default=5, show_default=True,
              help="Folds of the hyper-parameter search.")
@click.option("--evaluate-folds", type=int, default=0,
              help="Also run a nested k-fold CV (K >= 2) and record its metrics in the "
                   "card (and print them).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed of folds and networks.")
@click.option("-j", "--jobs", type=int, default=0, help="Extraction processes (0: all cores).")
@click.option("--cache", type=click.Path(), default=None,
              help="Feature cache folder (default: AFFECT_CACHE or the user cache).")
@click.option("--kind", type=click.Choice(["mlp", "ridge"]), default="mlp",
              show_default=True, help="MLP ensemble or ridge regression.")
@click.option("--groups", default=None, metavar="G1,G2",
              help="Train on these feature groups only (default: all of the schema).")
@click.option("--targets", type=click.Choice(["ratings", "per_set"]), default="ratings",
              show_default=True,
              help="Train on the ratings as declared, or standardised per data set.")
@click.option("--no-cross-set", is_flag=True,
              help="With several data sets, skip the leave-one-dataset-out evaluation "
                   "(it measures the reliability that weights matching).")
def train_cmd(modality, datasets, output, seeds, cv, evaluate_folds, seed, jobs, cache,
              kind, groups, targets, no_cross_set):
    """Train an emotion model (features -> valence, arousal, dominance).

    With two or more --dataset, each set is also predicted by a model trained on the
    others (leave-one-dataset-out): the card records these cross-set figures and the
    per-axis reliability that `affect match` weights the axes by. Prints a summary: the
    data, the chosen settings and the measured figures beside chance and the majority
    answer. The full record is the model card, OUTPUT.json.
    """
    from .reports import majority_share, training_summary
    from .training import train_from_specs

    if cv < 2:
        raise _usage("needs at least 2 folds", "--cv")
    if evaluate_folds == 1 or evaluate_folds < 0:
        raise _usage("0 (none) or at least 2 folds", "--evaluate-folds")
    if seeds < 1:
        raise _usage("must be at least 1", "--seeds")
    _check_specs(datasets, "--dataset", modality)
    model, data, cvres = train_from_specs(
        modality, datasets, cache_dir=cache, n_jobs=jobs, cv=cv, n_seeds=seeds,
        random_state=seed, evaluate_folds=evaluate_folds, progress=sys.stderr.isatty(),
        kind=kind, feature_groups=groups, targets=targets, cross_set=not no_cross_set)
    if "reliability" not in model.card:
        _err("warning: no cross-validation and a single data set: the model has no "
             "measured reliability, so `affect match` will use neutral weights and call "
             "every axis uncertain (add --evaluate-folds K or a second --dataset)")
    for f in data.failures:
        _err(f"skipped: {f}")
    npz, card = model.save(output)
    _err(f"wrote {npz} and {card}")
    for line in training_summary(model.card, majority=majority_share(data.quadrants)):
        click.echo(line)


@cli.command("evaluate", short_help="Measure the models and the matching beside chance.")
@click.option("--images", "image_specs", multiple=True, metavar="KIND:PATH",
              help="Labelled photos (e.g. emotion6:DIR). Repeatable.")
@click.option("--music", "music_specs", multiple=True, metavar="KIND:PATH",
              help="Labelled music (e.g. 4q:DIR). Repeatable.")
@click.option("--cv", "folds", type=int, default=10, show_default=True,
              help="Cross-validated evaluation with this many folds (0: use the given "
                   "or shipped models on the given sets as held-out data).")
@click.option("--image-model", type=click.Path(), default=None,
              help="Image model for --cv 0 (default: the shipped one).")
@click.option("--audio-model", type=click.Path(), default=None,
              help="Audio model for --cv 0 (default: the shipped one).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the full report as JSON to this file.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="What to print: the summary table or the full JSON.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, metavar="FILE.png",
              help="Draw the valence-arousal plane with the photos and songs (needs "
                   "matplotlib: the plot extra).")
@click.option("-j", "--jobs", type=int, default=0, help="Processes (0: all cores).")
@click.option("--cache", type=click.Path(file_okay=False), default=None,
              help="Feature cache folder (default: AFFECT_CACHE or the user cache).")
@click.option("--kinds", default="mlp,ridge", show_default=True, metavar="K1,K2",
              help="Model kinds to evaluate side by side (mlp, ridge).")
@click.option("--targets", type=click.Choice(["ratings", "per_set"]), default="ratings",
              show_default=True,
              help="Train on the ratings as declared, or standardised per data set.")
@click.option("--groups", default=None, metavar="G1,G2",
              help="Image feature groups to train on (default: all of the schema).")
@click.option("--methods", default="vad,joint", show_default=True, metavar="M1,M2",
              help="Matching routes to evaluate side by side: vad (the emotion space), "
                   "joint (the joint embedding; cross-validated runs only).")
def evaluate_cmd(image_specs, music_specs, folds, image_model, audio_model, output, fmt,
                 plot, jobs, cache, kinds, targets, groups, methods):
    """Per-modality errors and photo-to-song categorical agreement, beside chance.

    With two or more --images sets the first figures are leave-one-dataset-out (each
    set predicted by models trained on the others only: photos from a source the model
    never saw); in-domain cross-validation within each set stands beside them.

    Prints a summary table (each measure beside chance and the majority answer); -o
    writes the full report as JSON.
    """
    import json as _json

    from .reports import evaluation_summary
    from .training import evaluate_sets

    if not image_specs and not music_specs:
        raise click.UsageError("give --images and/or --music data sets")
    if folds == 1 or folds < 0:
        raise _usage("0 (the given models on held-out data) or at least 2 folds", "--cv")
    if plot:
        _require_matplotlib("--plot")
    kind_list = tuple(k.strip() for k in kinds.split(",") if k.strip())
    if not kind_list or any(k not in ("mlp", "ridge") for k in kind_list):
        raise _usage(f"expected kinds among mlp, ridge, got {kinds!r}", "--kinds")
    _check_specs(image_specs, "--images", "image")
    from .training import labels_only_spec
    # held out (--cv 0), the songs' labels are enough: evaluate_sets drops the norms
    _check_specs([labels_only_spec(sp) if not folds else sp for sp in music_specs],
                 "--music", "audio")
    method_list = tuple(m.strip() for m in methods.split(",") if m.strip())
    if not method_list or any(m not in ("vad", "joint") for m in method_list):
        raise _usage(f"expected methods among vad, joint, got {methods!r}", "--methods")
    report = evaluate_sets(image_specs, music_specs, folds=folds, image_model=image_model,
                           audio_model=audio_model, cache_dir=cache, n_jobs=jobs,
                           plot=plot, progress=sys.stderr.isatty(), kinds=kind_list,
                           targets=targets, image_groups=groups, methods=method_list)
    text = _json.dumps(report, indent=1, default=float)
    if output:
        from .writing import atomic_write_text
        atomic_write_text(output, text + "\n")
    if fmt == "json":
        click.echo(text)
    else:
        for line in evaluation_summary(report):
            click.echo(line)


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    """Entry point of the ``affect`` console script."""
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # pragma: no cover - not the main thread
        pass
    try:
        cli.main(args=argv, prog_name="affect", standalone_mode=False)
    except click.exceptions.Abort:
        _err("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        # One line naming the option (click's own display adds a usage block).
        _err(f"error: {' '.join(exc.format_message().split())}")
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except AffectError as exc:
        _err(f"error: {exc}")
        sys.exit(EXIT_USAGE)
    except BrokenPipeError:
        # Output piped into e.g. `head`: not an error of ours.
        _quiet_closed_stdout()
        sys.exit(EXIT_OK)
    sys.exit(EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
