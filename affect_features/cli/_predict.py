"""``predict``: the emotion-space point of images or songs
(:func:`prediction.predict_files`).
"""

from __future__ import annotations

import sys

import click

from ._base import (EXIT_FAILED_FILES, EXIT_INTERRUPTED, EXIT_OK, _check_jobs, _err,
                    _format_for, _RecordWriter, _timeout)


#: Columns of `affect predict` (see the README's output reference).
PREDICT_COLUMNS = ("path", "valence", "arousal", "dominance", "quadrant", "mood")
#: Added when the audio model has a quadrant head: JSON nests the probabilities
#: (``quadrant_probabilities``), CSV has one column per quadrant.
PREDICT_QUADRANT_COLUMNS = {
    "json": ("quadrant_source", "quadrant_probabilities"),
    "csv": ("quadrant_source", "quadrant_probability.Q1", "quadrant_probability.Q2",
            "quadrant_probability.Q3", "quadrant_probability.Q4"),
}


@click.command("predict", short_help="The emotion-space point of images or songs.")
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
              callback=_check_jobs, help="Worker processes (0: all cores).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal).")
def predict(paths, output, fmt, image_model, audio_model, jobs, progress):
    """The emotion-space point of each image or audio file (by its type): path,
    valence, arousal, dominance, quadrant and nearest mood word; with an audio model
    that has a quadrant head, also its quadrant probabilities and which of the two
    gives the quadrant."""
    import io

    from ..batch import Progress, default_jobs
    from ..prediction import predict_files

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
        from ..writing import atomic_write_text
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
