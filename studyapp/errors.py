"""Errors meant for people: a message and an exit status, never a traceback.

The collection's errors are the store's domain errors: the store turns every ``sqlite3`` error into
one of them, so commands and screens handle what went wrong, never how SQLite said it.
"""


class UserError(Exception):
    """Something the user can fix; ``main`` prints the message and exits with ``status``."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class CollectionError(UserError):
    """The collection file cannot be used as asked; the message says why and what to do."""


class CollectionBusy(CollectionError):
    """Another program holds the collection's write lock; trying again later can succeed."""


class CollectionDamaged(CollectionError):
    """The file is not a studyapp collection, is truncated, or fails its integrity check."""


class CollectionReadOnly(CollectionError):
    """The collection (or its folder) cannot be written; reading it still works."""


class CollectionNewer(CollectionError):
    """The collection was written by a newer studyapp, whose schema this version does not know."""


class CollectionMissing(CollectionError):
    """A command that only reads was pointed at a collection file that does not exist."""


class CollectionWriteFailed(CollectionError):
    """A write reached SQLite but failed (a full disk, an I/O error); nothing of it was saved."""
