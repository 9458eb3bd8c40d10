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

One module per family of commands, behind this short ``__init__`` that builds the
group: :mod:`._base` (the group, :func:`main`, exit codes, messages, shared option
checks and record writers), :mod:`._extract`, :mod:`._predict`, :mod:`._match`,
:mod:`._library` (``index`` and the ``library`` group), :mod:`._train` (``train``,
``evaluate``) and :mod:`._labels`. A command imports its API module when it runs, so
that ``affect --help`` and shell completion stay fast.
"""

from __future__ import annotations

from ._base import EXIT_FAILED_FILES, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, cli, main
from ._extract import extract_audio, extract_image, run_extraction
from ._labels import labels
from ._library import index_cmd, library_group
from ._match import match_cmd
from ._predict import PREDICT_COLUMNS, PREDICT_QUADRANT_COLUMNS, predict
from ._train import evaluate_cmd, train_cmd

for _command in (extract_image, extract_audio, labels, predict, match_cmd, index_cmd,
                 library_group, train_cmd, evaluate_cmd):
    cli.add_command(_command)
del _command

__all__ = ["EXIT_FAILED_FILES", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE",
           "PREDICT_COLUMNS", "PREDICT_QUADRANT_COLUMNS", "cli", "evaluate_cmd",
           "extract_audio", "extract_image", "index_cmd", "labels", "library_group",
           "main", "match_cmd", "predict", "run_extraction", "train_cmd"]
