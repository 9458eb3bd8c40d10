"""The ``affect`` command: a thin face over the Python API.

Exit codes (all commands):

- 0: success;
- 1: some input files failed (each reported on stderr as ``path: reason``); the
  others were processed and written;
- 2: bad usage or a fatal error (e.g. the output cannot be written), with a one-line
  message;
- 130: interrupted (Ctrl-C or SIGTERM); rows completed so far are kept and a re-run
  with the same output resumes.
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


def run_extraction(paths, *, worker, names, schema, extensions, output, jobs,
                   progress, overwrite, label, timeout=None, scheduler=None) -> int:
    """Shared body of ``extract-image`` and ``extract-audio``."""
    from .batch import BatchSummary, Progress, expand_paths, map_files
    from .output import TableWriter

    summary = BatchSummary()
    files = expand_paths(paths, extensions, failures=summary.failures)
    for f in summary.failures:
        _err(f"error: {f}")
    writer = TableWriter(output, names, resume=not overwrite, meta={"schema": schema})
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
    finally:
        bar.close()
        writer.close()
    if summary.interrupted:
        _err(f"interrupted: {summary.n_done} file(s) written; re-run to resume")
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
                 help="Worker processes (0: all cores)."),
    click.option("--groups", default=None,
                 help="Comma-separated feature groups to compute (default: all)."),
    click.option("--progress/--no-progress", default=None,
                 help="Progress bar on stderr (default: when stderr is a terminal)."),
    click.option("--overwrite", is_flag=True,
                 help="Start afresh instead of resuming an existing output."),
    click.option("--timeout", type=float, default=None, metavar="SECONDS",
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="affect")
def cli():
    """Suggest music for a photo by the feeling both evoke."""


@cli.command("extract-image")
@_extract_options
def extract_image(paths, output, jobs, groups, progress, overwrite, timeout, scheduler):
    """Image affect features (Machajdik & Hanbury 2010) of files or folders.

    One row per image: path, then the named features.
    """
    from .features import parse_groups
    from .image import IMAGE_GROUPS, IMAGE_SCHEMA, image_feature_names, image_vector
    from .image.decode import IMAGE_EXTENSIONS

    groups = parse_groups(groups, IMAGE_GROUPS)
    names = image_feature_names(groups)
    sys.exit(run_extraction(
        paths, worker=partial(image_vector, groups=groups), names=names,
        schema=IMAGE_SCHEMA, extensions=IMAGE_EXTENSIONS, output=output, jobs=jobs,
        progress=progress, overwrite=overwrite, label="images ", timeout=timeout,
        scheduler=scheduler))


@cli.command("extract-audio")
@_extract_options
@click.option("--offset", type=float, default=None,
              help="Start of the analysis window in seconds (default: centred).")
@click.option("--duration", type=float, default=None,
              help="Length of the analysis window in seconds.")
def extract_audio(paths, output, jobs, groups, progress, overwrite, timeout, scheduler,
                  offset, duration):
    """Audio descriptors (timbre, spectral, dynamics, rhythm, tonal) of files or folders."""
    from .audio import AUDIO_GROUPS, AUDIO_SCHEMA, audio_feature_names, audio_vector
    from .audio.decode import AUDIO_EXTENSIONS
    from .features import parse_groups

    groups = parse_groups(groups, tuple(AUDIO_GROUPS))
    names = audio_feature_names(groups)
    sys.exit(run_extraction(
        paths, worker=partial(audio_vector, groups=groups, offset=offset,
                              duration=duration),
        names=names, schema=AUDIO_SCHEMA, extensions=AUDIO_EXTENSIONS, output=output,
        jobs=jobs, progress=progress, overwrite=overwrite, label="audio ",
        timeout=timeout, scheduler=scheduler))



# --------------------------------------------------------------------- emotion space

@cli.command("labels")
@click.option("--taxonomy", "taxonomies", multiple=True,
              help="Only these taxonomies (mikels, emotion6, audioset_mood, russell).")
@click.option("--map", "map_", default=None, metavar="SRC:DST",
              help="Print the dictionary from one taxonomy's labels to another's.")
@click.option("--overrides", type=click.Path(exists=True, dir_okay=False), default=None,
              help="CSV of source_taxonomy,source_label,target_taxonomy,target_label "
                   "rows that replace the derived mapping.")
def labels(taxonomies, map_, overrides):
    """Emotion labels of each taxonomy with their point and quadrant, or a label map."""
    from .space import label_map, label_table, load_label_map

    if map_:
        src, sep, dst = map_.partition(":")
        if not sep:
            raise click.BadParameter("expected SRC:DST, e.g. mikels:audioset_mood",
                                     param_hint="--map")
        table = load_label_map(overrides) if overrides else None
        for a, b in label_map(src, dst, overrides=table).items():
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
        return predict_audio(path, model=audio_model).as_dict()
    raise AffectError(f"unknown file type {os.path.splitext(path)[1] or '(none)'}; "
                      f"expected an image or audio extension")


def _write_rows(rows, fmt, columns):
    import csv as _csv
    import json as _json

    if fmt == "csv":
        w = _csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([f"{r[c]:.6f}" if isinstance(r[c], float) else r[c] for c in columns])
    else:
        for r in rows:
            click.echo(_json.dumps({c: r[c] for c in columns}))


@cli.command("predict")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True)
@click.option("--image-model", type=click.Path(), default=None,
              help="Image model (.npz with its .json card); default: the shipped one.")
@click.option("--audio-model", type=click.Path(), default=None,
              help="Audio model; default: the shipped one.")
@click.option("-j", "--jobs", type=int, default=1, show_default=True)
def predict(paths, fmt, image_model, audio_model, jobs):
    """The emotion-space point of each image or audio file (by its type)."""
    from .audio.decode import AUDIO_EXTENSIONS
    from .batch import expand_paths, map_files
    from .image.decode import IMAGE_EXTENSIONS

    failures = []
    files = expand_paths(paths, set(IMAGE_EXTENSIONS) | set(AUDIO_EXTENSIONS),
                         failures=failures)
    for f in failures:
        _err(f"error: {f}")
    rows = []
    cols = ["path", "valence", "arousal", "dominance", "quadrant"]
    worker = partial(_predict_worker, image_model=image_model, audio_model=audio_model)
    for path, res in map_files(worker, files, n_jobs=jobs):
        if hasattr(res, "reason"):
            failures.append(res)
            _err(f"error: {res}")
        else:
            rows.append(res)
    _write_rows(rows, fmt, cols)
    sys.exit(EXIT_FAILED_FILES if failures else EXIT_OK)


# -------------------------------------------------------------------------- matching

def _parse_weights(value: str):
    try:
        w = tuple(float(x) for x in value.split(","))
    except ValueError:
        w = ()
    if len(w) != 3:
        raise click.BadParameter("expected three numbers, e.g. 1,1,0.5",
                                 param_hint="--weights")
    return w


@cli.command("match")
@click.argument("photos", nargs=-1, required=True, type=click.Path())
@click.option("--library", default=None, type=click.Path(),
              help="Music library (from `affect index`); default: the shipped 4Q "
                   "catalogue, or AFFECT_LIBRARY if set.")
@click.option("-k", "--top-k", type=int, default=5, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True)
@click.option("--explain", is_flag=True,
              help="Also show the features that moved the photo's point most.")
@click.option("--model", type=click.Path(), default=None, help="Image model.")
@click.option("--weights", default="1,1,1", show_default=True,
              help="Per-axis weights of valence,arousal,dominance in the distance.")
@click.option("--no-align", is_flag=True,
              help="Match the photo's raw point, not its point on the songs' scale.")
def match_cmd(photos, library, top_k, fmt, explain, model, weights, no_align):
    """Songs that feel like each photo: its point, quadrant, mood and nearest songs."""
    import json as _json

    from .batch import expand_paths
    from .image.decode import IMAGE_EXTENSIONS
    from .matching import match, open_library
    from .models import EmotionModel

    if top_k < 1:
        raise click.BadParameter("must be at least 1", param_hint="--top-k")
    w = _parse_weights(weights)
    library = library or os.environ.get("AFFECT_LIBRARY") or None
    lib = open_library(library)
    m = EmotionModel.load(model) if model else EmotionModel.default("image")
    failures = []
    files = expand_paths(photos, IMAGE_EXTENSIONS, failures=failures)
    for f in failures:
        _err(f"error: {f}")
    if fmt == "csv":
        import csv as _csv
        writer = _csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["photo", "photo_valence", "photo_arousal", "photo_dominance",
                         "photo_quadrant", "rank", "artist", "title", "path", "song_id",
                         "song_label", "distance", "song_valence", "song_arousal",
                         "song_dominance"])
    for photo in files:
        try:
            res = match(photo, lib, k=top_k, model=m, weights=w,
                        explain_top=8 if explain else 0, align=not no_align)
        except AffectError as exc:
            failures.append(exc)
            _err(f"error: {exc}")
            continue
        p = res.photo
        if fmt == "json":
            click.echo(_json.dumps(res.as_dict()))
        elif fmt == "csv":
            for rank, s in enumerate(res.songs, 1):
                writer.writerow([p.path, *(f"{x:.4f}" for x in p.point), p.quadrant, rank,
                                 s.get("artist") or "", s.get("title") or "",
                                 s.get("path") or "", s.get("source_id") or "",
                                 s.get("label") or "", f"{s['distance']:.4f}",
                                 f"{s['valence']:.4f}", f"{s['arousal']:.4f}",
                                 f"{s['dominance']:.4f}"])
        else:
            v, a, d = p.point
            click.echo(f"{p.path}\n  point  valence {v:+.2f}  arousal {a:+.2f}  "
                       f"dominance {d:+.2f}   {p.quadrant}, feels '{p.mood_word}'")
            if p.match_point is not None and not np.allclose(p.match_point, p.point):
                mv, ma, md = p.match_point
                click.echo(f"  on the songs' scale: valence {mv:+.2f}  arousal {ma:+.2f}  "
                           f"dominance {md:+.2f}")
            for rank, s in enumerate(res.songs, 1):
                who = " - ".join(x for x in (s.get("artist"), s.get("title")) if x)
                who = who or s.get("path") or str(s.get("source_id"))
                where = f"  [{s['path']}]" if s.get("path") and who != s.get("path") else ""
                click.echo(f"  {rank}. {who}{where}  (distance {s['distance']:.2f}; "
                           f"V {s['valence']:+.2f} A {s['arousal']:+.2f} "
                           f"D {s['dominance']:+.2f}; {s.get('label') or ''})")
            if res.explanation:
                click.echo("  why: features that moved the photo's point most")
                for e in res.explanation:
                    click.echo(f"     {e['feature']:<40} value {e['value']:.3g} "
                               f"(mean {e['mean']:.3g}): dV {e['delta_valence']:+.2f} "
                               f"dA {e['delta_arousal']:+.2f}")
    sys.exit(EXIT_FAILED_FILES if failures else EXIT_OK)


@cli.command("index")
@click.argument("folders", nargs=-1, required=True, type=click.Path())
@click.option("--library", default=None, type=click.Path(),
              help="Library database (default: AFFECT_LIBRARY or the user data folder).")
@click.option("-j", "--jobs", type=int, default=0, show_default=True,
              help="Worker processes (0: all cores).")
@click.option("--model", type=click.Path(), default=None, help="Audio model.")
@click.option("--progress/--no-progress", default=None)
@click.option("--retry-errors", is_flag=True, help="Analyse files that failed before again.")
@click.option("--scheduler", envvar="DASK_SCHEDULER_ADDRESS", default=None,
              metavar="ADDRESS", help="Analyse on a Dask distributed cluster.")
def index_cmd(folders, library, jobs, model, progress, retry_errors, scheduler):
    """Build or update a music library: analyse new and changed songs, drop vanished
    ones, re-predict points when the model changed (without decoding again)."""
    from .audio import extract_audio_features
    from .batch import default_jobs
    from .library import MusicLibrary, default_library_path
    from .models import EmotionModel

    m = EmotionModel.load(model) if model else EmotionModel.default("audio")
    version = m.card.get("version") or m.card.get("sha256", "")[:12] or "unknown"
    path = library or default_library_path()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if progress is None:
        progress = sys.stderr.isatty()
    with MusicLibrary(path) as lib:
        lib.repredict(lambda X: m.predict(X, schema=m.card.get("schema"), names=m.names),
                      version)
        report = lib.index(folders, analyse=extract_audio_features,
                           predict=lambda X: m.predict(X), model_version=version,
                           jobs=jobs or default_jobs(), progress=progress,
                           retry_errors=retry_errors, scheduler=scheduler)
    click.echo(f"library {path}: {report}", err=True)
    failed = getattr(report, "failures", None) or getattr(report, "failed", None)
    if failed:
        for f in failed:
            _err(f"error: {f}")
    sys.exit(EXIT_FAILED_FILES if failed else EXIT_OK)


# ------------------------------------------------------------------ train, evaluate

@cli.command("train")
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
              help="Also run a nested k-fold CV and record its metrics in the card.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("-j", "--jobs", type=int, default=0, help="Extraction processes.")
@click.option("--cache", type=click.Path(), default=None,
              help="Feature cache folder (default: AFFECT_CACHE or the user cache).")
def train_cmd(modality, datasets, output, seeds, cv, evaluate_folds, seed, jobs, cache):
    """Train an emotion model (features -> valence, arousal, dominance)."""
    from .training import train_from_specs

    model, data, cvres = train_from_specs(
        modality, datasets, cache_dir=cache, n_jobs=jobs, cv=cv, n_seeds=seeds,
        random_state=seed, evaluate_folds=evaluate_folds, progress=sys.stderr.isatty())
    for f in data.failures:
        _err(f"skipped: {f}")
    npz, card = model.save(output)
    click.echo(f"wrote {npz} and {card}: {len(data.X)} items from "
               f"{', '.join(s for s, _ in data.sets)}", err=True)
    if cvres is not None:
        import json as _json
        click.echo(_json.dumps(cvres["summary"], default=float, indent=1))


@cli.command("evaluate")
@click.option("--images", "image_specs", multiple=True, metavar="KIND:PATH",
              help="Labelled photos (e.g. emotion6:DIR). Repeatable.")
@click.option("--music", "music_specs", multiple=True, metavar="KIND:PATH",
              help="Labelled music (e.g. 4q:DIR). Repeatable.")
@click.option("--cv", "folds", type=int, default=10, show_default=True,
              help="Cross-validated evaluation with this many folds (0: use the given "
                   "or shipped models on the given sets as held-out data).")
@click.option("--image-model", type=click.Path(), default=None)
@click.option("--audio-model", type=click.Path(), default=None)
@click.option("-o", "--output", type=click.Path(), default=None, help="JSON report file.")
@click.option("--plot", type=click.Path(), default=None,
              help="Draw the emotion plane with songs and photos (PNG, needs matplotlib).")
@click.option("-j", "--jobs", type=int, default=0)
@click.option("--cache", type=click.Path(), default=None)
def evaluate_cmd(image_specs, music_specs, folds, image_model, audio_model, output, plot,
                 jobs, cache):
    """Per-modality errors and photo-to-song categorical agreement, beside chance."""
    import json as _json

    from .training import evaluate_sets

    if not image_specs and not music_specs:
        raise click.UsageError("give --images and/or --music data sets")
    report = evaluate_sets(image_specs, music_specs, folds=folds, image_model=image_model,
                           audio_model=audio_model, cache_dir=cache, n_jobs=jobs,
                           plot=plot, progress=sys.stderr.isatty())
    text = _json.dumps(report, indent=1, default=float)
    if output:
        from .output import atomic_write_text
        atomic_write_text(output, text + "\n")
    click.echo(text)


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
        exc.show()
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except AffectError as exc:
        _err(f"error: {exc}")
        sys.exit(EXIT_USAGE)
    except BrokenPipeError:
        # Output piped into e.g. `head`: not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_OK)
    sys.exit(EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
