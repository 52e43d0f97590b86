"""The collection's schema, and opening its file: safety checks first, then ordered migration steps.

``STEPS[i]`` upgrades a collection from version ``i`` to ``i + 1`` (``PRAGMA user_version``). Adding a
version is one new function appended to ``STEPS``. Before any step runs on an existing collection,
it is copied beside itself with the SQLite backup API. Every time in the schema is an integer
number of milliseconds since the Unix epoch (UTC).

``open_connection`` refuses a file it cannot use before anything is written to it or created beside
it, and opens a collection read-only for commands that only read, wherever the file can be read.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from studyapp.errors import (
    CollectionBusy,
    CollectionDamaged,
    CollectionError,
    CollectionMissing,
    CollectionNewer,
    CollectionReadOnly,
    CollectionWriteFailed,
)

if TYPE_CHECKING:
    import sqlite_utils

__all__ = [
    "APPLICATION_ID",
    "CURRENT_VERSION",
    "STEPS",
    "CollectionError",
    "Opened",
    "check_existing_file",
    "connect",
    "copy_database",
    "migrate",
    "open_connection",
    "user_version",
]

#: ``PRAGMA application_id`` of a studyapp collection ("SDYA").
APPLICATION_ID = 0x53445941
SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
#: ``PRAGMA quick_check`` reads the whole file (~0.9 ms per MB here); above this size opening skips it
#: to keep start-up fast, and relies on the header, size and schema checks.
QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024
#: Header byte 19 (the read format) of a database in write-ahead-log mode.
_WAL_FORMAT = 2


Step = Callable[["sqlite_utils.Database"], None]


def _v1_initial(db: sqlite_utils.Database) -> None:
    """Version 1: decks, cards, tags, the review log, quiz attempts, settings and metadata."""
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("settings").create({"key": str, "value": str}, pk="key", not_null={"value"})
    db.table("decks").create(
        {"deck_id": str, "title": str, "rank": int, "retired": int},
        pk="deck_id",
        not_null={"title", "rank", "retired"},
        defaults={"retired": 0},
    )
    db.table("cards").create(
        {
            "card_id": str,
            "deck_id": str,
            "position": int,
            "ord": int,
            "retired": int,
            "state": int,
            "step": int,
            "stability": float,
            "difficulty": float,
            "due": int,
            "last_review": int,
            "reps": int,
            "lapses": int,
            "suspended": int,
            "buried_until": int,
            "leech": int,
        },
        pk="card_id",
        not_null={"deck_id", "position", "ord", "retired", "state", "reps", "lapses", "suspended", "leech"},
        defaults={"retired": 0, "state": 0, "reps": 0, "lapses": 0, "suspended": 0, "leech": 0},
    )
    db.table("card_tags").create({"card_id": str, "tag": str}, pk=("card_id", "tag"))
    db.table("reviews").create(
        {
            "id": int,
            "card_id": str,
            "rating": int,
            "reviewed_at": int,
            "duration_ms": int,
            "state_before": int,
            "state_after": int,
            "before": str,
            "after": str,
        },
        pk="id",
        not_null={"card_id", "rating", "reviewed_at", "state_before", "state_after", "before", "after"},
    )
    db.table("quiz_attempts").create(
        {
            "id": int,
            "at": int,
            "kind": str,
            "card_id": str,
            "seed": int,
            "params": str,
            "question": str,
            "given": str,
            "expected": str,
            "correct": int,
            "duration_ms": int,
        },
        pk="id",
        not_null={"at", "kind", "params", "question", "given", "expected", "correct"},
    )
    db.table("card_tags").create_index(["tag", "card_id"], index_name="card_tags_by_tag")
    db.table("cards").create_index(["deck_id", "position"], index_name="cards_by_deck")
    db.table("reviews").create_index(["card_id", "reviewed_at"], index_name="reviews_by_card")
    db.table("reviews").create_index(["reviewed_at"], index_name="reviews_by_time")
    db.table("quiz_attempts").create_index(["at"], index_name="quiz_attempts_by_time")
    # The study queue reads only cards that are neither suspended nor retired: partial indexes.
    # Covering, so ordering due cards by retrievability and counting them per deck never reads the table.
    db.execute(
        "CREATE INDEX cards_queue_due ON cards (state, due, buried_until, deck_id, last_review, stability, "
        "card_id) WHERE suspended = 0 AND retired = 0"
    )
    db.execute(
        "CREATE INDEX cards_queue_new ON cards (state, ord, buried_until) WHERE suspended = 0 AND retired = 0"
    )
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _v2_retention_index(db: sqlite_utils.Database) -> None:
    """True retention filters the review log by the state before each review: index it."""
    db.execute("CREATE INDEX reviews_by_state ON reviews (state_before, reviewed_at, rating)")


STEPS: tuple[Step, ...] = (_v1_initial, _v2_retention_index)
CURRENT_VERSION = len(STEPS)


def user_version(conn: sqlite3.Connection) -> int:
    """The schema version stored in the file."""
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def backup_path(path: Path, version: int, now: datetime) -> Path:
    """A fresh file name beside ``path`` for a copy taken before migrating from ``version``."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate = path.with_name(f"{path.name}.v{version}-{stamp}.backup")
    number = 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}.v{version}-{stamp}-{number}.backup")
    return candidate


def copy_database(conn: sqlite3.Connection, target: Path) -> None:
    """Copy the open database to ``target`` with the SQLite backup API (consistent while others write)."""
    destination = sqlite3.connect(target)
    try:
        conn.backup(destination)
    finally:
        destination.close()


def migrate(
    conn: sqlite3.Connection, path: Path, steps: Sequence[Step] = STEPS, now: datetime | None = None
) -> Path | None:
    """Bring the collection up to ``len(steps)``; returns the backup made first, if any.

    A brand-new (version 0) collection is created without a backup. Each step runs in its own
    ``BEGIN IMMEDIATE`` transaction together with the version bump, so a crash leaves either the
    old or the new version, and a second process migrating at the same time waits and skips.
    """
    version = user_version(conn)
    if version > len(steps):
        raise _newer(path, version, len(steps))
    if version == len(steps):
        return None
    backup = None
    if version > 0:
        backup = backup_path(path, version, now or datetime.now(UTC))
        copy_database(conn, backup)
    import sqlite_utils

    db = sqlite_utils.Database(conn, execute_plugins=False, recursive_triggers=False)
    for target, step in enumerate(steps[version:], start=version + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if user_version(conn) < target:
                step(db)
                conn.execute(f"PRAGMA user_version = {int(target)}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return backup


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
    path: Path, busy_timeout_ms: int, *, create: bool = True, read_only: bool = False
) -> Opened:
    """Open the collection at ``path``, refusing a file it cannot use before writing or creating anything.

    ``create``: a missing or empty file becomes a new collection (missing folders are created).
    Without it, such a file raises ``CollectionMissing`` and nothing at all is created.

    Without ``read_only``: a write connection (WAL, ``synchronous=FULL``, the busy timeout), migrated
    to the current version after a backup. A file, folder or mount that cannot be written raises
    ``CollectionReadOnly``.

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
    version = _inspect(path, STEPS, for_writing=not read_only) if path.exists() else None
    if not version and not create:  # None: no file; 0: an empty file, or no collection in it yet
        raise _missing(path, empty=version is not None)
    if not read_only:
        return _open_for_writing(path, busy_timeout_ms)
    backup, created = None, False
    if version is None or version < len(STEPS):
        if version and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            raise _needs_upgrade(path, version)
        written = _open_for_writing(path, busy_timeout_ms)
        written.conn.close()
        backup, created = written.backup, written.created
    conn, immutable = _read_only_connection(path, busy_timeout_ms)
    return Opened(conn, backup, created, read_only=True, immutable=immutable)


def connect(path: Path, busy_timeout_ms: int) -> tuple[sqlite3.Connection, Path | None]:
    """A write connection made by ``open_connection`` (creating as needed), and its migration backup."""
    opened = open_connection(path, busy_timeout_ms)
    return opened.conn, opened.backup


def check_existing_file(path: Path, steps: Sequence[Step] = STEPS, *, for_writing: bool = True) -> None:
    """Refuse, writing nothing and creating nothing beside it, a file that is not a usable collection.

    Checks the SQLite header and size, then opens the file read-only for ``PRAGMA quick_check`` (on
    files up to ``QUICK_CHECK_MAX_BYTES``), the application id and the schema version. An empty file
    counts as a new collection. A -wal file with content beside it holds the newest pages, which
    SQLite reads from there: the main file may then be shorter than its header says. With
    ``for_writing``, a folder that cannot be written is refused too.
    """
    _inspect(path, steps, for_writing=for_writing)


def read_only_folder(path: Path) -> CollectionReadOnly:
    """The error for a collection whose folder cannot be written."""
    return CollectionReadOnly(
        f"the folder {path.parent} is read-only: the collection keeps its write-ahead log (-wal and -shm "
        f"files) beside {path.name}, so the folder must be writable. Fix its permissions or use --db "
        "to put the collection elsewhere"
    )


_ELSEWHERE = "choose another file with --db or $STUDYAPP_DB, or move this file away"


def _restore(path: Path) -> str:
    """Advice for a damaged collection: its -wal file may hold its newest changes, so it moves too."""
    return (
        "restore it from a backup (files named like it with '.backup' beside it), or move it away "
        f"together with its -wal and -shm files ({path.name}-wal, {path.name}-shm), if they are there"
    )


def _missing(path: Path, *, empty: bool) -> CollectionMissing:
    what = f"{path} is empty: there is no collection in it" if empty else f"no collection at {path}"
    return CollectionMissing(
        f"{what}; check --db / $STUDYAPP_DB, or run `studyapp` once to create a new collection"
    )


def _newer(path: Path, version: int, known: int) -> CollectionNewer:
    return CollectionNewer(
        f"{path} was written by a newer studyapp (collection version {version}; this studyapp knows "
        f"up to version {known}): upgrade studyapp to open it"
    )


def _busy(path: Path) -> CollectionBusy:
    return CollectionBusy(
        f"{path} is locked by another program; wait for it to finish or close it, and try again"
    )


def _needs_upgrade(path: Path, version: int) -> CollectionReadOnly:
    return CollectionReadOnly(
        f"{path} is collection version {version} and this studyapp reads version {len(STEPS)}: it must "
        "be upgraded once, which needs write access (a backup is made first). Make it and its folder "
        "writable, or copy it somewhere writable and open it there with --db"
    )


def _wal_needs_shm(path: Path) -> CollectionReadOnly:
    return CollectionReadOnly(
        f"{path} cannot be read here: its newest changes are in {path.name}-wal, and reading them needs "
        f"{path.name}-shm, which cannot be created in the read-only folder {path.parent}. Open it once "
        "where the folder is writable (studyapp then folds the log into the file), or copy all its files "
        "somewhere writable"
    )


def _companions(path: Path) -> tuple[Path, Path]:
    """The -wal and -shm files SQLite keeps beside the file ``path`` resolves to."""
    real = Path(os.path.realpath(path))
    return real.with_name(f"{real.name}-wal"), real.with_name(f"{real.name}-shm")


def _size(path: Path) -> int:
    """The size of a file; 0 if there is none."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _uri(path: Path, query: str) -> str:
    return f"file:{quote(str(path))}?{query}"


def _cannot_open(error: sqlite3.Error) -> bool:
    """The file, or its -wal or -shm, could not be opened or created.

    SQLite says SQLITE_CANTOPEN on a read-only mount, SQLITE_READONLY_DIRECTORY in a folder that
    forbids creating files.
    """
    code = getattr(error, "sqlite_errorcode", 0)
    return code & 0xFF == sqlite3.SQLITE_CANTOPEN or code == sqlite3.SQLITE_READONLY_DIRECTORY


def _stamp(path: Path) -> tuple[int, int, int]:
    """Size and modification time of the file, and the size of its -wal: changes when anything writes."""
    try:
        stat = path.stat()
    except OSError:
        return -1, -1, -1
    return stat.st_size, stat.st_mtime_ns, _size(_companions(path)[0])


def _inspect(path: Path, steps: Sequence[Step], *, for_writing: bool) -> int:
    """``check_existing_file``; returns the collection version (0: no collection in the file yet).

    A check that finds damage while another program changes the file is run again, so a write
    seen half-done is not taken for damage.
    """
    stamp = _stamp(path)
    for _ in range(2):
        try:
            return _inspect_once(path, steps, for_writing=for_writing)
        except CollectionDamaged:
            now = _stamp(path)
            if now == stamp:
                raise
            stamp = now
    return _inspect_once(path, steps, for_writing=for_writing)


def _inspect_once(path: Path, steps: Sequence[Step], *, for_writing: bool) -> int:
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            header = handle.read(HEADER_SIZE)
    except OSError as error:
        raise CollectionError(f"cannot read {path}: {error.strerror or error}; {_ELSEWHERE}") from error
    if size == 0:
        return 0
    if not (SQLITE_MAGIC.startswith(header) or header.startswith(SQLITE_MAGIC)):
        raise CollectionDamaged(f"{path} is not a studyapp collection (not an SQLite database); {_ELSEWHERE}")
    if len(header) < HEADER_SIZE:
        raise CollectionDamaged(f"{path} is truncated ({size} bytes); {_restore(path)}")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise CollectionDamaged(f"{path} is damaged (invalid page size {page_size}); {_restore(path)}")
    header_count_valid = header[24:28] == header[92:96]
    claimed = int.from_bytes(header[28:32], "big") * page_size if header_count_valid else 0
    if not _size(_companions(path)[0]):
        # Nothing in a -wal file: the main file is the whole collection, and its header is current.
        if size < claimed:
            raise CollectionDamaged(
                f"{path} is truncated ({size} bytes, the header says {claimed}); {_restore(path)}"
            )
        version = int.from_bytes(header[60:64], "big", signed=True)
        if int.from_bytes(header[68:72], "big") == APPLICATION_ID and version > len(steps):
            raise _newer(path, version, len(steps))
    if for_writing and not os.access(path.parent, os.W_OK):
        raise read_only_folder(path)
    # Shorter than its header says, with a -wal: a checkpoint was cut short (a full disk, a crash) and
    # the log holds the pages; whether it holds all of them only the integrity check can tell.
    quick_check = size <= QUICK_CHECK_MAX_BYTES or size < claimed
    return _check_contents(path, steps, _check_uri(path, header), quick_check=quick_check)


def _check_uri(path: Path, header: bytes) -> str:
    """A URI to check ``path`` with that creates no file beside it, wherever SQLite allows that.

    ``mode=ro`` still creates the -wal and -shm files of a write-ahead-log database. Where no -wal
    holds anything, the main file is the whole collection, and unless both a -wal and a -shm are
    there no connection has it open (each keeps both): ``immutable=1`` reads it creating nothing.
    Otherwise ``mode=ro``, which takes locks and reads the -wal; it creates a -shm only for a -wal
    with content that has none (SQLite needs one to read the log).
    """
    wal, shm = _companions(path)
    if _size(wal) or (wal.exists() and shm.exists()):
        return _uri(path, "mode=ro")
    if header[19] != _WAL_FORMAT and not wal.exists():
        return _uri(path, "mode=ro")  # a rollback-journal database: creates nothing, honours a hot journal
    return _uri(path, "immutable=1")


def _check_contents(path: Path, steps: Sequence[Step], uri: str, *, quick_check: bool) -> int:
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=5)
    except sqlite3.Error as error:
        raise CollectionError(f"cannot open {path}: {error}; {_ELSEWHERE}") from error
    try:
        problems = [row[0] for row in conn.execute("PRAGMA quick_check")] if quick_check else ["ok"]
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version: int = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    except sqlite3.DatabaseError as error:
        raise _reading_error(path, error) from error
    finally:
        conn.close()
    if problems != ["ok"]:
        shown = "; ".join(problems[:3])
        raise CollectionDamaged(f"{path} is damaged (integrity check: {shown}); {_restore(path)}")
    if app_id != APPLICATION_ID and (tables or version):
        listed = ", ".join(sorted(tables)[:5]) or "no tables"
        raise CollectionDamaged(
            f"{path} is an SQLite database of another program ({listed}), not a studyapp collection; "
            f"{_ELSEWHERE}"
        )
    if version > len(steps):
        raise _newer(path, version, len(steps))
    if version < 0:
        raise CollectionDamaged(f"{path} is damaged (collection version {version}); {_restore(path)}")
    return version


def _reading_error(path: Path, error: sqlite3.Error) -> CollectionError:
    """The refusal for an SQLite error met while reading ``path``."""
    if "locked" in str(error) or "busy" in str(error):
        return _busy(path)
    if _cannot_open(error):
        wal, shm = _companions(path)
        if _size(wal) and not shm.exists() and not os.access(path.parent, os.W_OK):
            return _wal_needs_shm(path)
        return CollectionError(f"cannot open {path}: {error}; {_ELSEWHERE}")
    return CollectionDamaged(f"{path} is damaged or not a database ({error}); {_restore(path)}")


def _writing_error(path: Path, error: sqlite3.Error) -> CollectionError:
    """The error for an SQLite error met while opening ``path`` for writing."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return _busy(path)
    if "readonly" in text or _cannot_open(error):
        return read_only_folder(path)
    if "full" in text or "I/O" in text:
        return CollectionWriteFailed(f"cannot write {path} ({error}); free some disk space or check the disk")
    if isinstance(error, sqlite3.OperationalError):
        return CollectionError(f"cannot open {path}: {error}")
    return CollectionDamaged(f"{path} is damaged or not a database ({error}); {_restore(path)}")


def _open_for_writing(path: Path, busy_timeout_ms: int) -> Opened:
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
        return Opened(conn, migrate(conn, path), created, read_only=False)
    except sqlite3.DatabaseError as error:
        conn.close()
        raise _writing_error(path, error) from error
    except BaseException:
        conn.close()
        raise


def _read_only_connection(path: Path, busy_timeout_ms: int) -> tuple[sqlite3.Connection, bool]:
    """A connection that cannot write, and whether it is immutable (see ``open_connection``)."""
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    for query in ("mode=rw",) if writable else ("mode=ro", "immutable=1"):
        conn = sqlite3.connect(
            _uri(path, query),
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
            if query != "mode=ro" or not _cannot_open(error) or _size(_companions(path)[0]):
                raise _reading_error(path, error) from error
    raise AssertionError("immutable=1 either opens or raises")
