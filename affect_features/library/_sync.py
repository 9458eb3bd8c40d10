"""Keeping a music library in step with your files and with the audio model.

:func:`index_music` is ``affect index``: the library file (the default one unless told
otherwise) is created if needed, points made by another model are re-predicted from the
stored descriptors (:func:`repredict_library`, no decoding), then new and changed files
are analysed and vanished ones dropped (:meth:`MusicLibrary.index`).
:func:`forget_music` is ``affect library remove``.

The model-version rule lives here, in one place: every point stored in a library
records the version of the model that made it (:attr:`EmotionModel.version`, the
SHA-256 of its weights); when the model in use has another version, the point is
predicted again from the song's stored descriptors, provided they are of the model's
descriptor schema (other descriptors cannot be read by it: their files are analysed
again when they change, or with a new schema's re-index).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import partial

__all__ = ["IndexResult", "index_music", "repredict_library", "forget_music"]


@dataclass
class IndexResult:
    """What :func:`index_music` did.

    Attributes
    ----------
    library : str
        The library file.
    report : IndexReport
        Files added, updated, unchanged, removed and failed (``report.failures``).
    repredicted : int
        Points re-predicted from stored descriptors because the model changed.
    model_version : str
        Version of the model the points now come from.
    skipped : list of str
        Stored rows that could not be used (each ``"path: problem"``).
    """

    library: str
    report: object
    repredicted: int = 0
    model_version: str = ""
    skipped: list = field(default_factory=list)

    @property
    def failures(self) -> list:
        """This run's files that could not be analysed (``batch.Failure``)."""
        return list(getattr(self.report, "failures", None) or [])


def repredict_library(library, model) -> int:
    """Re-predict the points of a library that another model made (the module's rule).

    Parameters
    ----------
    library : MusicLibrary
        Open for writing.
    model : EmotionModel
        The audio model in use.

    Returns
    -------
    n : int
        Points predicted again, from the stored descriptors of `model`'s schema; rows
        already at ``model.version`` are left alone.
    """
    return library.repredict(
        lambda X: model.predict(X, schema=model.schema, names=model.names),
        model.version, descriptor_schema=model.schema)


def index_music(folders, *, library=None, model=None, jobs: int = 0,
                progress: bool | None = None, retry_errors: bool = False,
                scheduler=None, timeout: float | None = None,
                on_repredicted=None) -> IndexResult:
    """Build or update a music library from folders (``affect index``).

    Parameters
    ----------
    folders : path or sequence of paths
        Folders (searched recursively for audio files) and files.
    library : str or os.PathLike, optional
        The library file, created with its folder if missing; default
        :func:`affect_features.library.default_library_path` (``$AFFECT_LIBRARY``, else
        the per-user file that ``affect match`` then reads).
    model : EmotionModel or path, optional
        Audio model (default: the shipped one).
    jobs : int
        Worker processes (0: all cores).
    progress : bool or None
        Progress bar on stderr (None: when stderr is a terminal).
    retry_errors : bool
        Analyse again the files that failed in an earlier run.
    scheduler : str or Dask cluster, optional
        Analyse on a Dask distributed cluster (:func:`affect_features.batch.map_files`).
    timeout : float, optional
        Seconds per file (None: the batch engine's rule, no limit in this process).
    on_repredicted : callable, optional
        ``on_repredicted(n, model_version)``, called once the stale points are
        re-predicted and before any file is analysed, when ``n > 0``.

    Returns
    -------
    IndexResult

    Raises
    ------
    ParameterError
        `model` is an image model.
    LibraryError
        The file cannot be opened or written as a library.
    """
    from ..audio import extract_audio_features
    from ..batch import default_jobs
    from ._library import MusicLibrary
    from ._paths import default_library_path
    from ..prediction import load_model

    m = load_model(model, "audio")
    path = library or default_library_path()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with MusicLibrary(path) as lib:
        n = repredict_library(lib, m)
        if n and on_repredicted is not None:
            on_repredicted(n, m.version)
        report = lib.index(folders, analyse=partial(extract_audio_features, schema=m.schema),
                           predict=lambda X: m.predict(X), model_version=m.version,
                           jobs=jobs or default_jobs(), progress=progress,
                           retry_errors=retry_errors, scheduler=scheduler,
                           timeout=timeout)
    return IndexResult(library=str(path), report=report, repredicted=n,
                       model_version=m.version,
                       skipped=[f"{lib.path}: {p}" for p in lib.skipped.values()])


def forget_music(paths, *, library=None) -> dict[str, int]:
    """Forget the tracks of files, or of every file under folders (``affect library
    remove``); the files themselves are left alone.

    Parameters
    ----------
    paths : path or sequence of paths
        As stored; they need not exist any more.
    library : str or os.PathLike, optional
        Default :func:`affect_features.library.default_library_path`.

    Returns
    -------
    removed : dict
        Each path (normalised) -> tracks removed (0: none of the library is there).

    Raises
    ------
    LibraryError
        The library does not exist.
    """
    from ..errors import LibraryError
    from ._library import MusicLibrary
    from ._paths import default_library_path

    target = os.fspath(library or default_library_path())
    if not os.path.exists(target):
        raise LibraryError(f"{target}: no such music library")
    with MusicLibrary(target, create=False) as lib:
        return lib.remove(paths)
