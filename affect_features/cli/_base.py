"""What every command shares: the group and its entry point, exit codes, messages,
option checks and record writers.

:func:`main` (the ``affect`` console script) and :class:`_AffectGroup` turn every error
into one line on stderr and an exit code (:data:`EXIT_OK` ... :data:`EXIT_INTERRUPTED`);
the option callbacks here check a value before any file is touched, so a bad one is a
single usage error naming its option.
"""

from __future__ import annotations

import os
import signal
import sys

import click

from .. import __version__
from ..errors import AffectError

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
    from ..batch import _check_timeout as check, default_timeout
    from ..errors import ParameterError

    try:
        check(value) if value is not None else default_timeout()
    except ParameterError as exc:
        raise _usage(str(exc), "--timeout") from None
    return value


def _window_option(ctx, param, value):
    """--offset / --duration: the audio decoder's window rule, as a usage error."""
    from ..audio.decode import check_window
    from ..errors import ParameterError

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
        from ..files import LIMITS, FileRefused, check_regular_file

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
    from ..errors import ParameterError
    from ..querying import parse_point

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


def _load_model(path, modality: str, option: str):
    """The model an option names (else the shipped one); one of the other modality is
    a usage error naming the option."""
    from ..errors import ParameterError
    from ..prediction import load_model

    try:
        return load_model(path or None, modality)
    except ParameterError as exc:
        raise _usage(str(exc), option) from None


def _timeout(timeout):
    """--timeout, else the command's default (``$AFFECT_FILE_TIMEOUT``, else 120 s):
    a command applies it wherever the files are read, this process included."""
    from ..batch import default_timeout

    return default_timeout() if timeout is None else timeout


# ---------------------------------------------------------------------- writers

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


def _write_m3u(path: str, tracks) -> None:
    """Write tracks as a playlist (:func:`querying.write_playlist`) and say so."""
    from ..querying import write_playlist

    n, left_out = write_playlist(path, tracks)
    note = (f"; {left_out} left out: catalogue songs have no file (and a path with a "
            f"line break cannot be an M3U line)" if left_out else "")
    _err(f"wrote {path}: {n} track(s){note}")


# ----------------------------------------------------------------- group, main

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
