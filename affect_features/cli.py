"""The ``affect`` command: a thin face over the Python API.

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
from functools import partial

import click
import numpy as np

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


def _seconds(minimum: float, *, strict: bool):
    """A callback accepting None or a finite number of seconds >= (or >) `minimum`."""
    def check(ctx, param, value):
        import math

        if value is None:
            return value
        if not math.isfinite(value) or value < minimum or (strict and value == minimum):
            relation = ">" if strict else ">="
            raise _usage(f"must be a finite number of seconds {relation} {minimum:g}, "
                         f"got {value}", param.opts[-1])
        return value
    return check


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
    from .querying import query_point

    if text is None:
        return None
    try:
        values = [float(x) for x in text.replace(" ", "").split(",")]
        return query_point(point=values)
    except ValueError as exc:
        detail = str(exc) if isinstance(exc, ParameterError) else ""
        raise _usage(detail or f"expected valence,arousal[,dominance], e.g. 0.5,-0.3; "
                     f"got {text!r}", option) from None


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


def run_extraction(paths, *, worker, names, schema, extensions, output, jobs,
                   progress, overwrite, label, timeout=None, scheduler=None,
                   settings=None, default_settings=None) -> int:
    """Shared body of ``extract-image`` and ``extract-audio``.

    `settings` (text values) describe how the rows were computed beyond the schema
    (the audio analysis window), `default_settings` their defaults: a resume with other
    settings than the output's is refused (:class:`~affect_features.output.TableWriter`).
    """
    from .batch import BatchSummary, Progress, expand_paths, map_files
    from .output import TableWriter

    summary = BatchSummary()
    files = expand_paths(paths, extensions, failures=summary.failures)
    for f in summary.failures:
        _err(f"error: {f}")
    if not files:
        # Not a header-only table and exit 0: nothing was extracted, say so and why.
        _err(f"error: no {label.strip()} files found in {', '.join(map(str, paths))} "
             f"(looked for {', '.join(sorted(extensions))}); nothing written")
        return EXIT_FAILED_FILES
    writer = TableWriter(output, names, resume=not overwrite, meta={"schema": schema},
                         settings=settings, default_settings=default_settings)
    todo = [p for p in files if p not in writer.done]
    summary.n_total, summary.n_skipped = len(files), len(files) - len(todo)
    if summary.n_skipped:
        _err(f"resuming: {summary.n_skipped} file(s) already in {output}")
    bar = Progress(len(todo), label=label, enabled=progress)
    try:
        for path, res in map_files(worker, todo, n_jobs=jobs, progress=bar,
                                   timeout=timeout, scheduler=scheduler):
            if hasattr(res, "reason"):
                summary.failures.append(res)
                if bar.enabled:
                    click.echo("", err=True)
                _err(f"error: {res}")
            else:
                writer.write(path, res)
                summary.n_done += 1
    except KeyboardInterrupt:
        summary.interrupted = True
    except BaseException:
        writer.abort()  # a fatal error: the existing output stays as it was
        raise
    finally:
        bar.close()
        writer.close(complete=not summary.interrupted)
    if summary.interrupted:
        kept = (f"; {output} is unchanged, the new rows are in {writer.partial}"
                if getattr(writer, "kept_partial", False) else "")
        _err(f"interrupted: {summary.n_done} file(s) written{kept}; re-run to resume")
        return EXIT_INTERRUPTED
    if summary.failures:
        _err(f"{len(summary.failures)} of {summary.n_total} file(s) failed; "
             f"{summary.n_done} written")
        return EXIT_FAILED_FILES
    return EXIT_OK


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


class _AffectGroup(click.Group):
    """The command group: a closed stdout pipe is a quiet success, an AffectError one
    line on stderr and exit 2, the same whether run by :func:`main` or as ``cli``.

    ``affect ... | head`` closes the pipe early: not an error of ours, and Unix tools
    exit 0 then. Click itself turns the broken pipe into exit 1, so it is caught here,
    inside click's main.
    """

    def invoke(self, ctx):
        try:
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
    from .features import parse_groups
    from .image import IMAGE_GROUPS, IMAGE_SCHEMA, image_feature_names, image_vector
    from .image.decode import IMAGE_EXTENSIONS

    groups = _groups_or_usage(parse_groups, groups, IMAGE_GROUPS)
    names = image_feature_names(groups)
    sys.exit(run_extraction(
        paths, worker=partial(image_vector, groups=groups), names=names,
        schema=IMAGE_SCHEMA, extensions=IMAGE_EXTENSIONS, output=output, jobs=jobs,
        progress=progress, overwrite=overwrite, label="image ", timeout=timeout,
        scheduler=scheduler))


@cli.command("extract-audio", short_help="Audio descriptors of files or folders.")
@_extract_options
@_groups_option(_audio_groups)
@click.option("--offset", type=float, default=None, callback=_seconds(0.0, strict=False),
              help="Start of the analysis window in seconds (default: centred).")
@click.option("--duration", type=float, default=None, callback=_seconds(0.0, strict=True),
              help="Length of the analysis window in seconds.")
def extract_audio(paths, output, jobs, groups, progress, overwrite, timeout, scheduler,
                  offset, duration):
    """Audio descriptors (timbre, spectral, dynamics, rhythm, tonal) of files or folders."""
    from .audio import AUDIO_GROUPS, AUDIO_SCHEMA, audio_feature_names, audio_vector
    from .audio.decode import AUDIO_EXTENSIONS
    from .features import parse_groups

    groups = _groups_or_usage(parse_groups, groups, tuple(AUDIO_GROUPS))
    names = audio_feature_names(groups)
    sys.exit(run_extraction(
        paths, worker=partial(audio_vector, groups=groups, offset=offset,
                              duration=duration),
        names=names, schema=AUDIO_SCHEMA, extensions=AUDIO_EXTENSIONS, output=output,
        jobs=jobs, progress=progress, overwrite=overwrite, label="audio ",
        timeout=timeout, scheduler=scheduler,
        settings={"offset": "centred" if offset is None else repr(float(offset)),
                  "duration": "default" if duration is None else repr(float(duration))},
        default_settings={"offset": "centred", "duration": "default"}))



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


def _modality_of(path: str) -> str | None:
    from .audio.decode import AUDIO_EXTENSIONS
    from .image.decode import IMAGE_EXTENSIONS

    ext = os.path.splitext(path)[1].lower()
    if ext in IMAGE_EXTENSIONS:
        return "image"
    if ext in AUDIO_EXTENSIONS:
        return "audio"
    return None


def _predict_worker(path: str, image_model=None, audio_model=None):
    from .matching import predict_audio, predict_image

    kind = _modality_of(path)
    if kind == "image":
        return predict_image(path, model=image_model).as_dict()
    if kind == "audio":
        pred = predict_audio(path, model=audio_model)
        out = pred.as_dict()
        if audio_model is not None and audio_model.has_quadrant_head:
            # The head's probabilities beside the point; the quadrant from whichever
            # of the two the model's card chose (EmotionModel.quadrant_source).
            from .models import QUADRANTS
            proba = audio_model.predict_quadrant_proba(pred.features)
            out["quadrant_probabilities"] = {q: float(p) for q, p in zip(QUADRANTS, proba)}
            out.update({f"quadrant_probability.{q}": float(p)
                        for q, p in zip(QUADRANTS, proba)})
            out["quadrant_source"] = audio_model.quadrant_source
            if audio_model.quadrant_source == "head":
                out["quadrant"] = QUADRANTS[int(np.argmax(proba))]
        return out
    raise AffectError(f"unknown file type {os.path.splitext(path)[1] or '(none)'}; "
                      f"expected an image or audio extension")


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

    from .audio.decode import AUDIO_EXTENSIONS
    from .batch import Progress, default_jobs, expand_paths, map_files
    from .image.decode import IMAGE_EXTENSIONS
    from .models import EmotionModel

    if jobs < 0:
        raise _usage("must be 0 (all cores) or a positive number", "--jobs")
    fmt = _format_for(fmt, output, "jsonl")
    failures = []
    files = expand_paths(paths, set(IMAGE_EXTENSIONS) | set(AUDIO_EXTENSIONS),
                         failures=failures)
    for f in failures:
        _err(f"error: {f}")
    # Loaded once here (a bad model fails before any file), not once per file.
    models = {}
    for kind, given in (("image", image_model), ("audio", audio_model)):
        if any(_modality_of(p) == kind for p in files):
            models[kind] = EmotionModel.load(given) if given else EmotionModel.default(kind)
    buffer = io.StringIO() if output else None
    columns = PREDICT_COLUMNS
    if models.get("audio") is not None and models["audio"].has_quadrant_head:
        columns += PREDICT_QUADRANT_COLUMNS["csv" if fmt == "csv" else "json"]
    writer = _RecordWriter(fmt, columns, out=buffer)
    worker = partial(_predict_worker, image_model=models.get("image"),
                     audio_model=models.get("audio"))
    bar = Progress(len(files), label="predict ", enabled=progress)
    interrupted = False
    try:
        for path, res in map_files(worker, files, n_jobs=jobs or default_jobs(),
                                   progress=bar):
            if hasattr(res, "reason"):
                failures.append(res)
                if bar.enabled:
                    click.echo("", err=True)
                _err(f"error: {res}")
            else:
                writer.write(res)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    writer.close()
    if output:
        from .output import atomic_write_text
        atomic_write_text(output, buffer.getvalue())
    if interrupted:
        _err(f"interrupted: {writer.n} file(s) written")
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_FAILED_FILES if failures else EXIT_OK)


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


def _song_line(rank: int, s: dict) -> str:
    """One song of a match, for people: who, where, distance, point, quadrant."""
    from .batch import printable_path as safe  # tags and names from anywhere
    from .space import QUADRANT_NAMES

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


#: Columns of `affect match --format csv` (see the README's output reference).
MATCH_CSV_COLUMNS = ("photo", "photo_valence", "photo_arousal", "photo_dominance",
                     "photo_quadrant", "rank", "artist", "title", "path", "song_id",
                     "song_label", "distance", "song_valence", "song_arousal",
                     "song_dominance", "song_quadrant", "song_mood")


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
    from .batch import expand_paths
    from .errors import ParameterError
    from .image.decode import IMAGE_EXTENSIONS
    from .library import library_description, matching_library
    from .matching import match
    from .models import EmotionModel
    from .querying import describe_tracks, query_point, songs_near

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
    query = None
    if mood is not None:
        try:
            query = query_point(mood=mood)
        except ParameterError as exc:
            raise _usage(f"{exc}; `affect labels --moods` lists the mood words",
                         "--mood") from None
    elif point_text is not None:
        query = _parse_point(point_text, "--point")
    lib = matching_library(library, catalogue=catalogue)
    source = library_description(lib)
    library_id = lib.path if lib.path != ":memory:" else \
        f"catalogue:{lib.metadata.get('catalogue', '')}"
    failures, files = [], []
    if not by_query:
        files = expand_paths(photos, IMAGE_EXTENSIONS, failures=failures)
        for f in failures:
            _err(f"error: {f}")
        if plot and len(files) != 1:
            raise _usage(f"draws one photo; {len(files)} given", "--plot")
    m = (EmotionModel.load(model) if model else EmotionModel.default("image")) \
        if files else None
    if files and method == "joint":  # loaded once for all the photos
        from .joint import JointEmbedding
        from .matching import default_joint_model

        joint_model = (JointEmbedding.load(joint_model) if joint_model
                       else default_joint_model())
    if m is not None and m.modality != "image":
        raise _usage(f"{model}: a {m.modality} model; photos need an image model", "--model")
    if lib.path == ":memory:" and not catalogue:
        from .library import default_library_path

        _err(f"no music library at {default_library_path()} yet, so the songs come from "
             f"the shipped catalogue; `affect index FOLDER` builds yours")
    if fmt == "table":
        click.echo(f"songs from {source}")
    else:
        _err(f"songs from {source}")
    if fmt == "csv":
        out = _RecordWriter("csv", MATCH_CSV_COLUMNS, float_format=".4f")
    elif fmt in ("json", "jsonl"):
        out = _JsonStream(fmt)
    found, drawn, warned = [], None, False
    for photo in files or [None]:
        if photo is None:  # a --mood / --point query
            point, qw = query
            songs = songs_near(lib, point, k=top_k,
                               weights=tuple(a * b for a, b in zip(w, qw)))
            from .space import QUADRANT_NAMES, nearest_word, quadrant

            q = str(quadrant(point))
            name = f"mood '{mood.strip().lower()}'" if mood is not None else \
                f"point {point_text}"
            head = {"query": f"mood:{mood.strip().lower()}" if mood is not None
                    else f"point:{point_text}",
                    "valence": float(point[0]), "arousal": float(point[1]),
                    "dominance": float(point[2]), "quadrant": q,
                    "mood": nearest_word(point, 1)[0]}
            record = {**head, "library": library_id, "songs": songs}
            drawn = (name, name, point, None, songs)
            if fmt == "table":
                v, a, d = point
                click.echo(f"{name}\n  point  valence {v:+.2f}  arousal {a:+.2f}  "
                           f"dominance {d:+.2f}   {q} {QUADRANT_NAMES[q]}")
                for rank, s in enumerate(songs, 1):
                    click.echo(_song_line(rank, s))
            elif fmt == "csv":
                for rank, s in enumerate(songs, 1):
                    out.write(_csv_song_row(head["query"], point, q, rank, s))
            else:
                out.write(record)
            found += songs
            continue
        try:
            res = match(photo, lib, k=top_k, model=m, weights=w,
                        explain_top=8 if explain else 0, align=not no_align,
                        method=method, joint_model=joint_model)
        except AffectError as exc:
            failures.append(exc)
            _err(f"error: {exc}")
            continue
        describe_tracks(res.songs)
        if res.warning and not warned:
            _err(f"warning: {res.warning}")
            warned = True
        found += res.songs
        p = res.photo
        shown = p.match_point if p.match_point is not None else p.point
        drawn = (os.path.basename(p.path), "photo", shown,
                 getattr(p, "uncertainty", None), res.songs)
        if fmt in ("json", "jsonl"):
            out.write({**res.as_dict(), "library": library_id})
        elif fmt == "csv":
            for rank, s in enumerate(res.songs, 1):
                out.write(_csv_song_row(p.path, p.point, p.quadrant, rank, s))
        else:
            from .space import QUADRANT_NAMES

            from .batch import printable_path

            v, a, d = p.point
            unsure = [ax for ax in ("valence", "arousal") if ax in p.uncertain]
            hedge = f" ({' and '.join(unsure)} uncertain)" if unsure else ""
            click.echo(f"{printable_path(p.path)}\n  point  valence {v:+.2f}  arousal {a:+.2f}  "
                       f"dominance {d:+.2f}   {p.quadrant} {QUADRANT_NAMES[p.quadrant]}"
                       f"{hedge}, feels '{p.mood_word}'")
            if p.confidence is not None:
                click.echo("  sure   " + "  ".join(
                    f"{ax} {'uncertain' if ax in p.uncertain else f'{c:.0%}'}"
                    for ax, c in zip(("valence", "arousal", "dominance"), p.confidence))
                    + "   (chance that the side of neutral is right)")
            if p.match_point is not None and not np.allclose(p.match_point, p.point):
                mv, ma, md = p.match_point
                click.echo(f"  on the songs' scale: valence {mv:+.2f}  arousal {ma:+.2f}  "
                           f"dominance {md:+.2f}")
            if res.method == "joint":
                click.echo(f"  songs chosen in the joint embedding (nearest label "
                           f"{p.joint_label}; distance = 1 - cosine similarity)")
            elif res.weights is not None:
                decides = [ax for ax, wt in zip(("valence", "arousal", "dominance"),
                                                res.weights) if wt > 0]
                click.echo(f"  songs chosen by {', '.join(decides)} (axes weighted by "
                           f"how reliably the model predicts them on new photos)")
            for rank, s in enumerate(res.songs, 1):
                click.echo(_song_line(rank, s))
            if res.explanation:
                click.echo("  why: features that moved the photo's point most")
                for e in res.explanation:
                    click.echo(f"     {e['feature']:<40} value {e['value']:.3g} "
                               f"(mean {e['mean']:.3g}): dV {e['delta_valence']:+.2f} "
                               f"dA {e['delta_arousal']:+.2f}")
    if fmt != "table":
        out.close()
    for problem in getattr(lib, "skipped", {}).values():  # bad stored rows, left out
        _err(f"warning: {lib.path}: {problem}")
    if plot and drawn is not None:
        from .plotting import plot_match

        name, what, point, uncertainty, songs = drawn
        plot_match(plot, library=lib, point=point, songs=songs, uncertainty=uncertainty,
                   label=what, title=f"{name}: its {len(songs)} nearest songs\n{source}")
        _err(f"wrote {plot}")
    if m3u:
        _write_m3u(m3u, found)
    sys.exit(EXIT_FAILED_FILES if failures else EXIT_OK)


def _csv_song_row(query: str, point, quadrant: str, rank: int, s: dict) -> dict:
    v, a, d = (float(x) for x in point)
    return {"photo": query, "photo_valence": v, "photo_arousal": a, "photo_dominance": d,
            "photo_quadrant": quadrant, "rank": rank, "artist": s.get("artist"),
            "title": s.get("title"), "path": s.get("path"), "song_id": s.get("source_id"),
            "song_label": s.get("label"), "distance": float(s["distance"]),
            "song_valence": float(s["valence"]), "song_arousal": float(s["arousal"]),
            "song_dominance": float(s["dominance"]), "song_quadrant": s.get("quadrant"),
            "song_mood": s.get("mood")}


def _write_m3u(path: str, tracks) -> None:
    """An M3U playlist of tracks (first occurrence of each file), written atomically."""
    from .output import atomic_write_bytes
    from .querying import m3u_playlist

    seen, unique = set(), []
    for t in tracks:
        key = t.get("path") or ("id", t.get("id"))
        if key not in seen:
            seen.add(key)
            unique.append(t)
    text, left_out = m3u_playlist(unique)
    atomic_write_bytes(path, text.encode("utf-8", "surrogateescape"))
    n = len(unique) - left_out
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
    from .audio import extract_audio_features
    from .batch import default_jobs
    from .library import MusicLibrary, default_library_path
    from .models import EmotionModel

    m = EmotionModel.load(model) if model else EmotionModel.default("audio")
    if m.modality != "audio":
        raise _usage(f"{model}: a {m.modality} model; songs need an audio model", "--model")
    version = m.version  # the weights' SHA-256: another model, other points
    path = library or default_library_path()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if progress is None:
        progress = sys.stderr.isatty()
    with MusicLibrary(path) as lib:
        n = lib.repredict(lambda X: m.predict(X, schema=m.schema, names=m.names),
                          version, descriptor_schema=m.schema)
        if n:
            _err(f"re-predicted {n} point(s) with model {version[:12]} from the stored "
                 f"descriptors")
        report = lib.index(folders, analyse=partial(extract_audio_features, schema=m.schema),
                           predict=lambda X: m.predict(X), model_version=version,
                           jobs=jobs or default_jobs(), progress=progress,
                           retry_errors=retry_errors, scheduler=scheduler)
    click.echo(f"library {path}: {report}", err=True)
    failed = getattr(report, "failures", None) or getattr(report, "failed", None)
    if failed:
        for f in failed:
            _err(f"error: {f}")
    for problem in lib.skipped.values():  # stored rows that could not be used
        _err(f"error: {lib.path}: {problem}")
    if getattr(report, "failed_before", 0):
        _err(f"{report.failed_before} file(s) failed in an earlier run and were not "
             f"retried: `affect library list --failed` says why; --retry-errors "
             f"analyses them again")
    if getattr(report, "interrupted", False):
        _err("interrupted: the tracks analysed so far are stored; re-run to resume")
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_FAILED_FILES if failed or lib.skipped else EXIT_OK)


# ------------------------------------------------------------------------ the library

def _library_option(f):
    f = click.option("--catalogue", is_flag=True,
                     help="The shipped 4Q catalogue instead of your library.")(f)
    return click.option("--library", "library_path", default=None,
                        type=click.Path(dir_okay=False),
                        help="Library file (default: $AFFECT_LIBRARY, else the one "
                             "`affect index` writes).")(f)


def _open_library_for_reading(library_path, catalogue=False):
    from .library import MusicLibrary, default_catalogue, default_library_path

    if library_path and catalogue:
        raise _usage("give --library or --catalogue, not both", "--catalogue")
    if catalogue:
        return default_catalogue()
    path = os.fspath(library_path or default_library_path())
    if not os.path.exists(path):
        from .errors import LibraryError
        raise LibraryError(f"{path}: no music library yet; build it with "
                           f"`affect index FOLDER`" + (f" --library {path}"
                                                       if library_path else ""))
    return MusicLibrary(path, create=False, readonly=True)


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


#: Columns of `affect library list` (csv, json, jsonl), see the README.
LIST_COLUMNS = ("id", "path", "artist", "title", "album", "valence", "arousal",
                "dominance", "quadrant", "mood", "label", "model_version", "error",
                "distance")


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
    from .batch import printable_path as safe  # tags and names from anywhere
    from .space import QUADRANT_NAMES

    with _open_library_for_reading(library_path, catalogue) as lib:
        rows = _selected(lib, quadrant, mood, near, top_k, failed)
    if fmt != "table":
        cols = [c for c in LIST_COLUMNS if c != "distance" or near or mood]
        writer = _RecordWriter(fmt, cols, float_format=".4f")
        for r in rows:
            writer.write(r)
        writer.close()
        return
    for r in rows:
        who = safe(" - ".join(x for x in (r.get("artist"), r.get("title")) if x) or
                   (os.path.basename(r["path"]) if r.get("path") else str(r.get("id"))))
        where = f"  [{safe(r['path'])}]" if r.get("path") else ""
        if r.get("error") is not None and r.get("valence") is None:
            click.echo(f"{who}{where}\n  failed: {safe(r['error'])}")
            continue
        if r.get("valence") is None:
            click.echo(f"{who}{where}  (no point yet: `affect index` predicts it)")
            continue
        dist = f"distance {r['distance']:.2f}; " if "distance" in r else ""
        q = r["quadrant"]
        label = f", labelled {r['label']}" if r.get("label") and r["label"] != q else ""
        click.echo(f"{who}{where}  ({dist}V {r['valence']:+.2f} A {r['arousal']:+.2f} "
                   f"D {r['dominance']:+.2f}; {q} {QUADRANT_NAMES[q]}{label}; {r['mood']})")


@library_group.command("stats", short_help="Size and state of the library.")
@_library_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table: for people; json: one JSON object.")
def library_stats(library_path, catalogue, fmt):
    """How many tracks, failures, points per quadrant, model and schema versions, and
    the size on disk."""
    import json as _json

    from .space import QUADRANT_NAMES

    with _open_library_for_reading(library_path, catalogue) as lib:
        st = lib.stats()
    if fmt == "json":
        click.echo(_json.dumps(st, indent=1))
        return
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
    rows.append(("size on disk", _human_bytes(st["size_bytes"])))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        click.echo(f"{key:<{width}}  {value}")


def _human_bytes(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"  # pragma: no cover


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
    from .library import MusicLibrary, default_library_path

    path = os.fspath(library_path or default_library_path())
    if not os.path.exists(path):
        from .errors import LibraryError
        raise LibraryError(f"{path}: no such music library")
    with MusicLibrary(path, create=False) as lib:
        removed = lib.remove(paths)
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
    from .reports import training_summary
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
    quads = [str(q) for q in data.quadrants if q is not None and str(q)]
    majority = (max(quads.count(q) for q in set(quads)) / len(quads)) if quads else None
    for line in training_summary(model.card, majority=majority):
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
        from .output import atomic_write_text
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
