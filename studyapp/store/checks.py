"""Safety checks before a collection file is opened: a file that cannot be used is refused before
anything is written to it or created beside it (the header is read directly, then the file is
opened read-only, or immutable when nobody can have it open)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from studyapp.errors import (
    CollectionBusy,
    CollectionDamaged,
    CollectionError,
    CollectionMissing,
    CollectionReadOnly,
    CollectionWriteFailed,
)

if TYPE_CHECKING:
    pass

from studyapp.store.schema import APPLICATION_ID, STEPS, Step, newer_version

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
#: ``PRAGMA quick_check`` reads the whole file (~0.9 ms per MB here); above this size opening skips it
#: to keep start-up fast, and relies on the header, size and schema checks.
QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024
#: Header byte 19 (the read format) of a database in write-ahead-log mode.
_WAL_FORMAT = 2


def check_existing_file(path: Path, steps: Sequence[Step] = STEPS, *, for_writing: bool = True) -> None:
    """Refuse, writing nothing and creating nothing beside it, a file that is not a usable collection.

    Checks the SQLite header and size, then opens the file read-only for ``PRAGMA quick_check`` (on
    files up to ``QUICK_CHECK_MAX_BYTES``), the application id and the schema version. An empty file
    counts as a new collection. A -wal file with content beside it holds the newest pages, which
    SQLite reads from there: the main file may then be shorter than its header says. With
    ``for_writing``, a folder that cannot be written is refused too.
    """
    inspect_file(path, steps, for_writing=for_writing)


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


def missing_error(path: Path, *, empty: bool) -> CollectionMissing:
    what = f"{path} is empty: there is no collection in it" if empty else f"no collection at {path}"
    return CollectionMissing(
        f"{what}; check --db / $STUDYAPP_DB, or run `studyapp` once to create a new collection"
    )


def _busy(path: Path) -> CollectionBusy:
    return CollectionBusy(
        f"{path} is locked by another program; wait for it to finish or close it, and try again"
    )


def needs_upgrade(path: Path, version: int) -> CollectionReadOnly:
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


def wal_and_shm(path: Path) -> tuple[Path, Path]:
    """The -wal and -shm files SQLite keeps beside the file ``path`` resolves to."""
    real = Path(os.path.realpath(path))
    return real.with_name(f"{real.name}-wal"), real.with_name(f"{real.name}-shm")


def file_size(path: Path) -> int:
    """The size of a file; 0 if there is none."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def file_uri(path: Path, query: str) -> str:
    return f"file:{quote(str(path))}?{query}"


def cannot_open(error: sqlite3.Error) -> bool:
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
    return stat.st_size, stat.st_mtime_ns, file_size(wal_and_shm(path)[0])


def inspect_file(path: Path, steps: Sequence[Step], *, for_writing: bool) -> int:
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
    if not file_size(wal_and_shm(path)[0]):
        # Nothing in a -wal file: the main file is the whole collection, and its header is current.
        if size < claimed:
            raise CollectionDamaged(
                f"{path} is truncated ({size} bytes, the header says {claimed}); {_restore(path)}"
            )
        version = int.from_bytes(header[60:64], "big", signed=True)
        if int.from_bytes(header[68:72], "big") == APPLICATION_ID and version > len(steps):
            raise newer_version(path, version, len(steps))
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
    with content that has none (SQLite needs one to read the log). A file in rollback-journal mode
    with a -journal beside it (a big import killed half-way) is read with ``mode=rw`` where it can be
    written, so that SQLite rolls the journal back before reading.
    """
    wal, shm = wal_and_shm(path)
    if file_size(wal) or (wal.exists() and shm.exists()):
        return file_uri(path, "mode=ro")
    if header[19] != _WAL_FORMAT and not wal.exists():
        # A rollback-journal database: ``mode=ro`` creates nothing. A -journal left by a write that was
        # cut short (a killed import) is rolled back by the first reader, which takes writing.
        journal = Path(os.path.realpath(path) + "-journal")
        if file_size(journal) and os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
            return file_uri(path, "mode=rw")
        return file_uri(path, "mode=ro")
    return file_uri(path, "immutable=1")


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
        raise reading_error(path, error) from error
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
        raise newer_version(path, version, len(steps))
    if version < 0:
        raise CollectionDamaged(f"{path} is damaged (collection version {version}); {_restore(path)}")
    return version


def reading_error(path: Path, error: sqlite3.Error) -> CollectionError:
    """The refusal for an SQLite error met while reading ``path``."""
    if "locked" in str(error) or "busy" in str(error):
        return _busy(path)
    if getattr(error, "sqlite_errorcode", 0) == sqlite3.SQLITE_READONLY_ROLLBACK:
        return CollectionError(
            f"{path} holds a write that was cut short (its -journal file beside it), which must be rolled "
            f"back before it can be read, and it cannot be written here; open it once where you can write "
            f"it and its folder"
        )
    if cannot_open(error):
        wal, shm = wal_and_shm(path)
        if file_size(wal) and not shm.exists() and not os.access(path.parent, os.W_OK):
            return _wal_needs_shm(path)
        return CollectionError(f"cannot open {path}: {error}; {_ELSEWHERE}")
    return CollectionDamaged(f"{path} is damaged or not a database ({error}); {_restore(path)}")


def writing_error(path: Path, error: sqlite3.Error) -> CollectionError:
    """The error for an SQLite error met while opening ``path`` for writing."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return _busy(path)
    if "readonly" in text or cannot_open(error):
        return read_only_folder(path)
    if "full" in text or "I/O" in text:
        return CollectionWriteFailed(f"cannot write {path} ({error}); free some disk space or check the disk")
    if isinstance(error, sqlite3.OperationalError):
        return CollectionError(f"cannot open {path}: {error}")
    return CollectionDamaged(f"{path} is damaged or not a database ({error}); {_restore(path)}")
