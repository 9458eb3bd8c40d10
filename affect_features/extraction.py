"""Features of many files streamed into a table, resumable (``affect extract-*``).

:func:`extract_to_table` computes the image features or the audio descriptors of files
and folders through the batch engine (:func:`affect_features.batch.map_files`: worker
processes, results in input order, a failure per bad file and the batch goes on, a time
limit per file) and streams the rows into a table (:class:`affect_features.output.
TableWriter`: CSV, JSON lines, NPZ or Parquet, written to ``OUT.partial`` and renamed
into place when complete). :func:`write_feature_table` is the same for any function of
a path.

Resumption: with ``overwrite=False`` an existing output's rows are kept and their files
skipped, so a re-run after an interruption computes only the missing rows (the same
values a fresh run computes). The rows of one table are computed one way: the audio
analysis window (``offset``, ``duration``) other than the default is recorded in a
sidecar, ``OUT.settings.json``, and a resume with another window is refused
(:class:`~affect_features.errors.AffectError`), as is a resume with other columns.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from .batch import BatchSummary
from .errors import ParameterError

__all__ = ["ExtractionSummary", "extract_to_table", "write_feature_table", "MODALITIES",
           "AUDIO_DEFAULT_SETTINGS"]

MODALITIES = ("image", "audio")

#: The audio analysis window's settings as :class:`~affect_features.output.TableWriter`
#: records them, when neither ``offset`` nor ``duration`` is given.
AUDIO_DEFAULT_SETTINGS = {"offset": "centred", "duration": "default"}


@dataclass
class ExtractionSummary(BatchSummary):
    """What :func:`write_feature_table` did: a :class:`~affect_features.batch.
    BatchSummary` (counts, failures, interrupted) and where the rows are.

    Attributes
    ----------
    output : str or None
        The table (None: CSV on stdout).
    extensions : tuple of str
        The suffixes collected from folders (sorted).
    kept_partial : str or None
        Set when an interrupted run left an existing output as it was: the new rows are
        in this ``OUT.partial`` (a re-run resumes from it).
    """

    output: str | None = None
    extensions: tuple = ()
    kept_partial: str | None = None

    @property
    def no_files(self) -> bool:
        """No file to extract was found (and nothing was written). Files found in
        folders that cannot be read (a broken link) count as files, failed."""
        return self.n_total == 0


def write_feature_table(paths: Iterable, *, worker: Callable, names: Sequence[str],
                        schema: str, extensions: Iterable[str] | None,
                        output: str | None = None, jobs: int = 0,
                        overwrite: bool = False, timeout: float | None = None,
                        scheduler=None, settings: dict | None = None,
                        default_settings: dict | None = None,
                        progress: bool | None = False, label: str = "",
                        on_failure: Callable | None = None,
                        on_resume: Callable | None = None) -> ExtractionSummary:
    """Stream ``worker(path)`` of every file into a table, resuming an existing one.

    Parameters
    ----------
    paths : iterable of paths
        Files and folders (:func:`affect_features.media.walk`: folders give their files
        of `extensions`, files named are always taken).
    worker : callable
        ``worker(path)`` -> the row's values, ``len(names)`` floats (picklable when
        ``jobs != 1``).
    names : sequence of str
        Column names; `schema` is stored with them (NPZ).
    output : str, optional
        ``.csv``, ``.jsonl``, ``.npz`` or ``.parquet``; None writes CSV to stdout.
    jobs : int
        Worker processes (0: all cores, 1: this process).
    overwrite : bool
        Start afresh; else the files already in `output` are skipped (resume).
    timeout : float, optional
        Time limit per file in seconds, 0 for none (default, as
        :func:`affect_features.batch.map_files`: ``$AFFECT_FILE_TIMEOUT``, else 120 s,
        in worker processes; none in this process).
    scheduler : str or Dask cluster, optional
        Run the calls on a Dask distributed cluster.
    settings, default_settings : dict, optional
        How the rows are computed beyond the columns, and its defaults; settings other
        than the defaults go to ``OUT.settings.json`` and a resume with others is
        refused.
    progress : bool or None
        Progress bar on stderr (None: when stderr is a terminal); `label` prefixes it.
    on_failure : callable, optional
        ``on_failure(failure)`` for each file that fails, as it fails (a path that
        cannot be listed, before any work), e.g. to report it at once.
    on_resume : callable, optional
        ``on_resume(n_skipped)`` before the work starts, when rows are resumed.

    Returns
    -------
    ExtractionSummary
        Interrupted (Ctrl-C) runs return too, with ``interrupted`` set and the completed
        rows kept.

    Raises
    ------
    AffectError
        A fatal error (the output cannot be written, a resume with other columns or
        settings): an existing output is then left untouched.
    """
    from .batch import Progress, map_files
    from .media import walk
    from .output import TableWriter

    exts = None if extensions is None else tuple(sorted(extensions))
    summary = ExtractionSummary(output=output, extensions=exts or ())
    paths = [paths] if isinstance(paths, (str, bytes, os.PathLike)) else list(paths)
    files = walk(paths, exts, failures=summary.failures)
    for f in summary.failures:
        if on_failure is not None:
            on_failure(f)
    # Files found in folders that cannot be read (a broken link, a FIFO) count among
    # the files of the batch; a path named that does not exist is not a file of it.
    given = {os.fsdecode(os.fspath(p)) for p in paths}
    unreadable = sum(1 for f in summary.failures if f.path not in given)
    if not files and not unreadable:
        return summary  # not a header-only table: nothing was extracted
    writer = TableWriter(output, names, resume=not overwrite, meta={"schema": schema},
                         settings=settings, default_settings=default_settings)
    todo = [p for p in files if p not in writer.done]
    summary.n_total = len(files) + unreadable
    summary.n_skipped = len(files) - len(todo)
    if summary.n_skipped and on_resume is not None:
        on_resume(summary.n_skipped)
    bar = Progress(len(todo), label=label, enabled=progress)
    try:
        for path, res in map_files(worker, todo, n_jobs=jobs, progress=bar,
                                   timeout=timeout, scheduler=scheduler):
            if hasattr(res, "reason"):
                summary.failures.append(res)
                if on_failure is not None:
                    if bar.enabled:
                        bar.stream.write("\n")  # the message starts a line of its own
                    on_failure(res)
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
    if getattr(writer, "kept_partial", False):
        summary.kept_partial = writer.partial
    return summary


def _audio_settings(offset, duration) -> dict:
    """The analysis window as the table records it (text, so that it compares exactly)."""
    return {"offset": "centred" if offset is None else repr(float(offset)),
            "duration": "default" if duration is None else repr(float(duration))}


def extract_to_table(paths: Iterable, *, modality: str = "image",
                     output: str | None = None, groups=None, jobs: int = 0,
                     overwrite: bool = False, timeout: float | None = None,
                     offset: float | None = None, duration: float | None = None,
                     scheduler=None, progress: bool | None = False,
                     on_failure: Callable | None = None,
                     on_resume: Callable | None = None) -> ExtractionSummary:
    """Image features or audio descriptors of files and folders, into a table.

    One row per file: its path, then the named values of its schema
    (:func:`affect_features.image.image_feature_names`,
    :func:`affect_features.audio.audio_feature_names`), the same values as
    :func:`~affect_features.image.extract_image_features` /
    :func:`~affect_features.audio.extract_audio_features` of the file. Resumable and
    streamed (module docstring; :func:`write_feature_table` for the parameters).

    Parameters
    ----------
    paths : iterable of paths
        Files and folders; folders give their image (or audio) files, recursively
        (:data:`affect_features.media.IMAGE_EXTENSIONS`, ``AUDIO_EXTENSIONS``).
    modality : {"image", "audio"}
    output : str, optional
        The table; None writes CSV to stdout.
    groups : str or sequence of str, optional
        Feature groups to compute (``"color,texture"``); default all.
    offset, duration : float, optional
        Audio only: the analysis window in seconds (default 30 s around the middle).
        Recorded in ``OUT.settings.json`` when not the default.
    jobs, overwrite, timeout, scheduler, progress, on_failure, on_resume
        As :func:`write_feature_table`.

    Returns
    -------
    ExtractionSummary

    Raises
    ------
    ParameterError
        Unknown modality or group, a window for images, a bad window.

    Examples
    --------
    >>> s = extract_to_table(["photos/"], output="photos.csv", jobs=1)  # doctest: +SKIP
    >>> s.n_done, [str(f) for f in s.failures]  # doctest: +SKIP
    """
    from .features import parse_groups
    from .media import AUDIO_EXTENSIONS, IMAGE_EXTENSIONS

    if modality == "image":
        from .image import IMAGE_GROUPS, IMAGE_SCHEMA, image_feature_names, image_vector

        if offset is not None or duration is not None:
            raise ParameterError("offset and duration are audio settings; images have none")
        chosen = parse_groups(groups, IMAGE_GROUPS)
        return write_feature_table(
            paths, worker=partial(image_vector, groups=chosen),
            names=image_feature_names(chosen), schema=IMAGE_SCHEMA,
            extensions=IMAGE_EXTENSIONS, output=output, jobs=jobs, overwrite=overwrite,
            timeout=timeout, scheduler=scheduler, progress=progress, label="image ",
            on_failure=on_failure, on_resume=on_resume)
    if modality != "audio":
        raise ParameterError(f"modality must be one of {', '.join(MODALITIES)}, "
                             f"got {modality!r}")
    from .audio import AUDIO_GROUPS, AUDIO_SCHEMA, audio_feature_names, audio_vector

    from .audio.decode import check_window

    check_window(offset, duration)  # before any file, not once per file
    chosen = parse_groups(groups, tuple(AUDIO_GROUPS))
    return write_feature_table(
        paths, worker=partial(audio_vector, groups=chosen, offset=offset,
                              duration=duration),
        names=audio_feature_names(chosen), schema=AUDIO_SCHEMA,
        extensions=AUDIO_EXTENSIONS, output=output, jobs=jobs, overwrite=overwrite,
        timeout=timeout, scheduler=scheduler, progress=progress, label="audio ",
        settings=_audio_settings(offset, duration),
        default_settings=AUDIO_DEFAULT_SETTINGS, on_failure=on_failure,
        on_resume=on_resume)
