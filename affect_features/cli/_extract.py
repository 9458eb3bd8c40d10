"""``extract-image`` and ``extract-audio``: feature tables of files or folders
(:func:`extraction.extract_to_table`), and :func:`run_extraction`, the same run for
any worker.
"""

from __future__ import annotations

import sys

import click

from ._base import (EXIT_FAILED_FILES, EXIT_INTERRUPTED, EXIT_OK, _check_jobs,
                    _check_timeout, _err, _timeout, _usage, _window_option)


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
    from ..extraction import write_feature_table

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
    from ..image import IMAGE_GROUPS

    return tuple(IMAGE_GROUPS)


def _audio_groups():
    from ..audio import AUDIO_GROUPS

    return tuple(AUDIO_GROUPS)


def _groups_or_usage(parse, text, known):
    from ..errors import ParameterError

    try:
        return parse(text, known)
    except ParameterError as exc:
        raise _usage(str(exc), "--groups") from None


def _groups_option(groups_of):
    return click.option("--groups", cls=_GroupsOption, groups_of=groups_of, default=None,
                        metavar="G1,G2",
                        help="Comma-separated feature groups to compute (default: all).")


@click.command("extract-image", short_help="Image affect features of files or folders.")
@_extract_options
@_groups_option(_image_groups)
def extract_image(paths, output, jobs, groups, progress, overwrite, timeout, scheduler):
    """Image affect features (Machajdik & Hanbury 2010) of files or folders.

    One row per image: path, then the named features.
    """
    from ..extraction import extract_to_table
    from ..features import parse_groups
    from ..image import IMAGE_GROUPS

    groups = _groups_or_usage(parse_groups, groups, IMAGE_GROUPS)
    summary = extract_to_table(
        paths, modality="image", output=output, groups=groups, jobs=jobs,
        overwrite=overwrite, timeout=_timeout(timeout), scheduler=scheduler,
        progress=progress,
        **_extraction_reporters(output))
    sys.exit(_extraction_exit(summary, paths, "image"))


@click.command("extract-audio", short_help="Audio descriptors of files or folders.")
@_extract_options
@_groups_option(_audio_groups)
@click.option("--offset", type=float, default=None, callback=_window_option,
              help="Start of the analysis window in seconds (default: centred).")
@click.option("--duration", type=float, default=None, callback=_window_option,
              help="Length of the analysis window in seconds.")
def extract_audio(paths, output, jobs, groups, progress, overwrite, timeout, scheduler,
                  offset, duration):
    """Audio descriptors (timbre, spectral, dynamics, rhythm, tonal) of files or folders."""
    from ..audio import AUDIO_GROUPS
    from ..extraction import extract_to_table
    from ..features import parse_groups

    groups = _groups_or_usage(parse_groups, groups, tuple(AUDIO_GROUPS))
    summary = extract_to_table(
        paths, modality="audio", output=output, groups=groups, jobs=jobs,
        overwrite=overwrite, timeout=_timeout(timeout), scheduler=scheduler,
        progress=progress,
        offset=offset, duration=duration, **_extraction_reporters(output))
    sys.exit(_extraction_exit(summary, paths, "audio"))
