"""The music library: an SQLite catalogue of songs and their points in the emotion space.

A :class:`MusicLibrary` is one SQLite file holding, for every song, where it is, what it
is, its audio descriptors and its predicted point ``(valence, arousal, dominance)``; a
photo is matched to the songs whose points are nearest to its own
(:meth:`MusicLibrary.nearest`). A library is indexed incrementally from music folders
(:meth:`MusicLibrary.index`) and is treated as coming from anywhere: a file that is not
exactly one of ours is refused, every value read is checked.

One module, one job:

================== ==================================================================
``_paths``         stored form of paths (:func:`encode_path`), the default location
``_files``         which files (:func:`scan`), their fingerprint, their display tags
``_schema``        the layout of a library file, and :func:`schema_problem`
``_rows``          checking and encoding the rows written, checking the rows read
``_storage``       the connection: opening safely, bounded transactions, writing rows
``_queries``       all points at once (packed snapshot), nearest tracks, stored rows
``_indexing``      incremental indexing: :class:`Plan`, :class:`IndexReport`, repredict
``_catalogue``     catalogue CSVs and the library that answers ``affect match``
``_sync``          ``affect index`` and ``library remove``: your files, the model's
                   version (points of another model predicted again)
``_library``       :class:`MusicLibrary`, the owner of the connection and its caches
================== ==================================================================
"""

from ._catalogue import (CATALOGUE_TAXONOMY, default_catalogue, library_description,
                         load_catalogue, matching_library)
from ._files import (HASH_CHUNK, Fingerprint, content_hash, display_tags,
                     file_fingerprint, scan)
from ._indexing import INDEX_BATCH_SIZE, IndexReport, Plan
from ._library import MusicLibrary
from ._paths import decode_path, default_library_path, encode_path
from ._schema import APPLICATION_ID, SCHEMA_VERSION, schema_problem
from ._storage import BATCH_SIZE, QUERY_TIME_LIMIT
from ._sync import IndexResult, forget_music, index_music, repredict_library

__all__ = [
    "MusicLibrary",
    "Plan",
    "IndexReport",
    "Fingerprint",
    "SCHEMA_VERSION",
    "APPLICATION_ID",
    "BATCH_SIZE",
    "INDEX_BATCH_SIZE",
    "QUERY_TIME_LIMIT",
    "HASH_CHUNK",
    "CATALOGUE_TAXONOMY",
    "schema_problem",
    "default_library_path",
    "scan",
    "content_hash",
    "file_fingerprint",
    "encode_path",
    "decode_path",
    "display_tags",
    "load_catalogue",
    "default_catalogue",
    "matching_library",
    "library_description",
    "IndexResult",
    "index_music",
    "repredict_library",
    "forget_music",
]
