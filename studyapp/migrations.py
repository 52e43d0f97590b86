"""The collection's schema: safety checks before opening a file, and ordered migration steps.

``STEPS[i]`` upgrades a collection from version ``i`` to ``i + 1`` (``PRAGMA user_version``). Adding a
version is one new function appended to ``STEPS``. Before any step runs on an existing collection,
it is copied beside itself with the SQLite backup API. Every time in the schema is an integer
number of milliseconds since the Unix epoch (UTC).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from studyapp.errors import UserError

if TYPE_CHECKING:
    import sqlite_utils

#: ``PRAGMA application_id`` of a studyapp collection ("SDYA").
APPLICATION_ID = 0x53445941
SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
#: ``PRAGMA quick_check`` reads the whole file (~0.9 ms per MB here); above this size opening skips it
#: to keep start-up fast, and relies on the header, size and schema checks.
QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024


class CollectionError(UserError):
    """The collection file cannot be used; the message says why and what to do."""


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


def check_existing_file(path: Path, steps: Sequence[Step] = STEPS) -> None:
    """Refuse, without writing anything, a file that is not a usable studyapp collection.

    Checks the SQLite header and size, then opens the file read-only for ``PRAGMA quick_check`` (on
    files up to ``QUICK_CHECK_MAX_BYTES``), the application id and the schema version. An empty file
    counts as a new collection.
    """
    size = path.stat().st_size
    if size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(HEADER_SIZE)
    if not (SQLITE_MAGIC.startswith(header) or header.startswith(SQLITE_MAGIC)):
        raise CollectionError(f"{path} is not a studyapp collection (not an SQLite database); {_ELSEWHERE}")
    if len(header) < HEADER_SIZE:
        raise CollectionError(f"{path} is truncated ({size} bytes); {_RESTORE}")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise CollectionError(f"{path} is damaged (invalid page size {page_size}); {_RESTORE}")
    pages = int.from_bytes(header[28:32], "big")
    header_count_valid = header[24:28] == header[92:96]
    if header_count_valid and pages and size < pages * page_size:
        raise CollectionError(
            f"{path} is truncated ({size} bytes, the header says {pages * page_size}); {_RESTORE}"
        )
    if not os.access(path.parent, os.W_OK):
        raise read_only_folder(path)
    _check_contents(path, steps, quick_check=size <= QUICK_CHECK_MAX_BYTES)


_RESTORE = "restore it from a backup (files named like it with '.backup' beside it) or move it away"
_ELSEWHERE = "choose another file with --db or $STUDYAPP_DB, or move this file away"


def read_only_folder(path: Path) -> CollectionError:
    """The error for a collection whose folder cannot be written."""
    return CollectionError(
        f"the folder {path.parent} is read-only: the collection keeps its write-ahead log (-wal and -shm "
        f"files) beside {path.name}, so the folder must be writable. Fix its permissions or use --db "
        "to put the collection elsewhere"
    )


def _check_contents(path: Path, steps: Sequence[Step], quick_check: bool) -> None:
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as error:
        raise CollectionError(f"cannot open {path}: {error}; {_ELSEWHERE}") from error
    try:
        problems = [row[0] for row in conn.execute("PRAGMA quick_check")] if quick_check else ["ok"]
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    except sqlite3.OperationalError as error:
        if "locked" in str(error):
            raise CollectionError(f"{path} is locked by another program; close it and try again") from error
        raise CollectionError(f"{path} is damaged or not a database ({error}); {_RESTORE}") from error
    except sqlite3.DatabaseError as error:
        raise CollectionError(f"{path} is damaged or not a database ({error}); {_RESTORE}") from error
    finally:
        conn.close()
    if problems != ["ok"]:
        shown = "; ".join(problems[:3])
        raise CollectionError(f"{path} is damaged (integrity check: {shown}); {_RESTORE}")
    if app_id != APPLICATION_ID and (tables or version):
        listed = ", ".join(sorted(tables)[:5]) or "no tables"
        raise CollectionError(
            f"{path} is an SQLite database of another program ({listed}), not a studyapp collection; "
            f"{_ELSEWHERE}"
        )
    if version > len(steps):
        raise CollectionError(
            f"{path} was written by a newer studyapp (collection version {version}; this studyapp knows "
            f"up to version {len(steps)}): upgrade studyapp to open it"
        )


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
        raise CollectionError(
            f"{path} was written by a newer studyapp (collection version {version}); upgrade studyapp"
        )
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


def connect(path: Path, busy_timeout_ms: int) -> tuple[sqlite3.Connection, Path | None]:
    """A write connection to the collection at ``path`` (WAL, ``synchronous=FULL``, busy timeout),
    created and migrated as needed; returns it with the pre-migration backup, if one was made.

    Bad files, folders and read-only places raise ``CollectionError`` before anything is written.
    """
    if path.is_dir():
        raise CollectionError(f"{path} is a folder; give the collection's file path, e.g. {path}/study.db")
    if path.exists():
        check_existing_file(path)
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CollectionError(f"cannot create the folder {path.parent}: {error.strerror}") from error
    if not os.access(path.parent, os.W_OK):
        raise read_only_folder(path)
    if path.exists() and not os.access(path, os.W_OK):
        raise CollectionError(f"{path} is read-only; make it writable or use --db to choose another file")
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
        return conn, migrate(conn, path)
    except sqlite3.OperationalError as error:
        conn.close()
        if "readonly" in str(error) or "unable to open" in str(error):
            raise read_only_folder(path) from error
        raise CollectionError(f"cannot open {path}: {error}") from error
    except BaseException:
        conn.close()
        raise
