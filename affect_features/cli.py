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

from . import __version__
from .errors import AffectError

EXIT_OK, EXIT_FAILED_FILES, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _err(msg: str) -> None:
    click.echo(f"affect: {msg}", err=True)


def _parse_groups(value: str | None):
    if not value:
        return None
    return tuple(g.strip() for g in value.split(",") if g.strip())


# Module-level workers: picklable, so joblib can send them to worker processes.
def _image_worker(path: str, groups=None):
    from .image import image_vector
    return image_vector(path, groups)


def _audio_worker(path: str, groups=None, offset=None, duration=None):
    from .audio import extract_audio_features
    return extract_audio_features(path, groups=groups, offset=offset,
                                  duration=duration).vector


def run_extraction(paths, *, worker, names, schema, extensions, output, jobs,
                   progress, overwrite, label) -> int:
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
        for path, res in map_files(worker, todo, n_jobs=jobs, progress=bar):
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
                 help="Output file: .csv, .jsonl or .npz (default: CSV on stdout)."),
    click.option("-j", "--jobs", type=int, default=0, show_default=True,
                 help="Worker processes (0: all cores)."),
    click.option("--groups", default=None,
                 help="Comma-separated feature groups to compute (default: all)."),
    click.option("--progress/--no-progress", default=None,
                 help="Progress bar on stderr (default: when stderr is a terminal)."),
    click.option("--overwrite", is_flag=True,
                 help="Start afresh instead of resuming an existing output."),
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
def extract_image(paths, output, jobs, groups, progress, overwrite):
    """Image affect features (Machajdik & Hanbury 2010) of files or folders.

    One row per image: path, then the named features.
    """
    from .image import IMAGE_SCHEMA, image_feature_names
    from .image.decode import IMAGE_EXTENSIONS

    groups = _parse_groups(groups)
    names = image_feature_names(groups)
    sys.exit(run_extraction(
        paths, worker=partial(_image_worker, groups=groups), names=names,
        schema=IMAGE_SCHEMA, extensions=IMAGE_EXTENSIONS, output=output, jobs=jobs,
        progress=progress, overwrite=overwrite, label="images "))


@cli.command("extract-audio")
@_extract_options
@click.option("--offset", type=float, default=None,
              help="Start of the analysis window in seconds (default: centred).")
@click.option("--duration", type=float, default=None,
              help="Length of the analysis window in seconds.")
def extract_audio(paths, output, jobs, groups, progress, overwrite, offset, duration):
    """Audio descriptors (timbre, spectral, dynamics, rhythm, tonal) of files or folders."""
    from .audio import AUDIO_SCHEMA, audio_feature_names
    from .audio.decode import AUDIO_EXTENSIONS

    groups = _parse_groups(groups)
    names = audio_feature_names(groups)
    sys.exit(run_extraction(
        paths, worker=partial(_audio_worker, groups=groups, offset=offset,
                              duration=duration),
        names=names, schema=AUDIO_SCHEMA, extensions=AUDIO_EXTENSIONS, output=output,
        jobs=jobs, progress=progress, overwrite=overwrite, label="audio "))


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
