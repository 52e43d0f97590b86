"""Opening the collection's file: a write connection (WAL, full sync, busy timeout, migrated), or a
read-only one for commands that only read, wherever the file can be read."""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.errors import (
    CollectionError,
    CollectionReadOnly,
)

if TYPE_CHECKING:
    pass

from studyapp.store.checks import (
    cannot_open,
    file_size,
    file_uri,
    inspect_file,
    missing_error,
    needs_upgrade,
    read_only_folder,
    reading_error,
    wal_and_shm,
    writing_error,
)
from studyapp.store.schema import STEPS, migrate, user_version


def use_wal(conn: sqlite3.Connection, timeout: float) -> str:
    """Switch the collection to write-ahead logging; returns the journal mode it is in.

    When another process switches the same new file at that moment, SQLite answers "locked" at
    once (its busy timeout does not cover this), so the switch is tried again for up to ``timeout``
    seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


# -- opening a collection ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """An open collection: the connection, and what opening it did."""

    conn: sqlite3.Connection
    #: The copy taken before a schema upgrade during this open, if one ran.
    backup: Path | None
    #: This open made a new collection (the file was missing or empty, or held no collection yet).
    created: bool
    #: The connection cannot write: a write raises ``sqlite3.OperationalError`` ("attempt to write a
    #: readonly database").
    read_only: bool
    #: Read as ``immutable=1`` (a read-only place without a -shm file): no locks, see ``open_connection``.
    immutable: bool = False


def open_connection(
    path: Path,
    busy_timeout_ms: int,
    *,
    create: bool = True,
    read_only: bool = False,
    upgrading: Callable[[int], None] | None = None,
) -> Opened:
    """Open the collection at ``path``, refusing a file it cannot use before writing or creating anything.

    ``create``: a missing or empty file becomes a new collection (missing folders are created).
    Without it, such a file raises ``CollectionMissing`` and nothing at all is created.

    Without ``read_only``: a write connection (WAL, ``synchronous=FULL``, the busy timeout), migrated
    to the current version after a backup (``upgrading`` is told the file's size first: ``migrate``).
    A file, folder or mount that cannot be written raises ``CollectionReadOnly``.

    With ``read_only``: a connection that never writes, and needs no write access to open: it works on
    a read-only file, folder or mount. Where the collection must first be created (with ``create``)
    or upgraded from an older version, that is done by a short write connection before, and raises
    ``CollectionReadOnly`` if it cannot be. How it reads depends on what may be written:

    - file and folder writable: an ordinary connection with ``PRAGMA query_only``. It behaves like
      any other connection (locks, and the last one to close removes the -wal and -shm files);
      SQLite refuses its writes, though the file itself is open for writing.
    - otherwise ``mode=ro``: the file is opened read-only. It takes SQLite's locks and sees what
      other programs commit meanwhile, which needs the -shm file: it is created if the folder allows,
      and then stays after closing (a read-only connection cannot remove it; the next writer does).
    - where no -shm can be created (a read-only folder or mount), ``immutable=1``: no locks, no -wal
      (``Opened.immutable``). The trade-off: it assumes nobody writes the file while it is open.
      That holds where no -shm can be created, since every writer needs one, unless a program writes
      to the same folder through another, writable path (a read-only bind mount of a writable
      folder); then this connection may miss that program's changes or read a page it is rewriting.
      A -wal file with content but no -shm in such a place cannot be read at all:
      ``CollectionReadOnly``.

    In each case a write raises ``sqlite3.OperationalError`` "attempt to write a readonly database".

    Refusals: ``CollectionDamaged`` (not a collection, truncated, failing its integrity check),
    ``CollectionNewer``, ``CollectionBusy``, ``CollectionMissing``, ``CollectionReadOnly``, and
    ``CollectionError`` for the rest (a folder given as the file, a folder that cannot be created).
    """
    if path.is_dir():
        raise CollectionError(f"{path} is a folder; give the collection's file path, e.g. {path}/study.db")
    version = inspect_file(path, STEPS, for_writing=not read_only) if path.exists() else None
    if not version and not create:  # None: no file; 0: an empty file, or no collection in it yet
        raise missing_error(path, empty=version is not None)
    if not read_only:
        return _open_for_writing(path, busy_timeout_ms, upgrading)
    backup, created = None, False
    if version is None or version < len(STEPS):
        if version and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            raise needs_upgrade(path, version)
        written = _open_for_writing(path, busy_timeout_ms, upgrading)
        written.conn.close()
        backup, created = written.backup, written.created
    conn, immutable = _read_only_connection(path, busy_timeout_ms)
    return Opened(conn, backup, created, read_only=True, immutable=immutable)


def _open_for_writing(
    path: Path, busy_timeout_ms: int, upgrading: Callable[[int], None] | None = None
) -> Opened:
    """A write connection, creating and migrating the collection as needed (the file passed its checks)."""
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            kind = CollectionReadOnly if error.errno in (errno.EROFS, errno.EACCES) else CollectionError
            raise kind(f"cannot create the folder {path.parent}: {error.strerror}") from error
    if not os.access(path.parent, os.W_OK):
        raise read_only_folder(path)
    if path.exists() and not os.access(path, os.W_OK):
        raise CollectionReadOnly(f"{path} is read-only; make it writable or use --db to choose another file")
    try:
        # Used from one thread at a time; the store may run a COMMIT on its commit thread.
        conn = sqlite3.connect(
            path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as error:
        raise CollectionError(f"cannot open {path}: {error}") from error
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        mode = use_wal(conn, busy_timeout_ms / 1000)
        if mode != "wal":
            raise CollectionError(f"{path}: cannot use write-ahead logging here (journal mode {mode})")
        conn.execute("PRAGMA synchronous = FULL")
        created = user_version(conn) == 0
        return Opened(conn, migrate(conn, path, upgrading=upgrading), created, read_only=False)
    except sqlite3.DatabaseError as error:
        conn.close()
        raise writing_error(path, error) from error
    except BaseException:
        conn.close()
        raise


def _read_only_connection(path: Path, busy_timeout_ms: int) -> tuple[sqlite3.Connection, bool]:
    """A connection that cannot write, and whether it is immutable (see ``open_connection``)."""
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    for query in ("mode=rw",) if writable else ("mode=ro", "immutable=1"):
        conn = sqlite3.connect(
            file_uri(path, query),
            uri=True,
            timeout=busy_timeout_ms / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            if writable:
                conn.execute("PRAGMA query_only = ON")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the file and its -wal
            return conn, query == "immutable=1"
        except sqlite3.DatabaseError as error:
            conn.close()
            if query != "mode=ro" or not cannot_open(error) or file_size(wal_and_shm(path)[0]):
                raise reading_error(path, error) from error
    raise AssertionError("immutable=1 either opens or raises")
