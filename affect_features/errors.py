"""One exception hierarchy for the package.

Every error a user can provoke derives from :class:`AffectError`, so a caller (and the
CLI) can catch that one class and print its message on one line, with no traceback.
"""

from __future__ import annotations

__all__ = [
    "AffectError",
    "ParameterError",
    "DecodeError",
    "SchemaError",
    "ModelError",
    "LibraryError",
]


class AffectError(Exception):
    """Base class of every error raised on purpose by affect_features."""


class ParameterError(AffectError, ValueError):
    """A function or command got an argument it cannot use."""


class DecodeError(AffectError):
    """A file could not be read as an image or as audio.

    The message names the file and the reason, e.g.
    ``"photo.jpg: truncated JPEG data"``.
    """

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = str(reason)
        super().__init__(f"{self.path}: {self.reason}")


class SchemaError(AffectError):
    """Features of one schema version were given to code expecting another."""


class ModelError(AffectError):
    """A model file is missing, malformed, tampered with or incompatible."""


class LibraryError(AffectError):
    """A music library database is missing, malformed or cannot be written."""
