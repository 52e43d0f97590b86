"""The second process of ``test_open_faults.py``: it writes and dies, or closes under a full disk, or reads.

    python open_fault_child.py write-and-die PATH ROWS
        write ROWS rows with automatic checkpoints off, then die without closing: the rows are only
        in PATH-wal (the -shm file stays too, as after a crash or a SIGKILL)
    python open_fault_child.py full-disk-close PATH ROWS
        write ROWS rows with automatic checkpoints off, then close while no file may grow by more
        than a few pages (RLIMIT_FSIZE: the kernel fails the writes, as on a full disk or quota).
        The checkpoint that closing runs copies the log's pages into the file in page order: the
        first page (the header, with the new page count) fits, later ones do not, so the file is
        left shorter than its header says and its newest pages stay in PATH-wal
    python open_fault_child.py write-in-place-and-die PATH ROWS MORE
        commit ROWS rows, then write MORE rows straight into the file (``Store.written_in_place``, as
        a big import does) past a small page cache, and die inside that transaction: PATH-journal is
        left hot, and the file holds part of the rows that were never committed
    python open_fault_child.py read PATH
        open read-only (in whatever read-only place the test put PATH), try to write through that
        connection, then try a write open; print what happened as one JSON object

The rows go into the collection's ``meta`` table with keys ``row-00000``, ``row-00001``, ...
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
from pathlib import Path
from typing import Any

from studyapp.errors import CollectionError
from studyapp.store import Store
from studyapp.store.opening import open_connection

BUSY_TIMEOUT_MS = 5000
#: How far a file may grow past its size during the full-disk close, in 4 KiB pages.
HEADROOM_PAGES = 16


def write_rows(path: Path, rows: int) -> Any:
    """A write connection to a collection at ``path``, with ``rows`` rows committed to its log only."""
    conn = open_connection(path, BUSY_TIMEOUT_MS).conn
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?)",
        ((f"row-{i:05d}", os.urandom(200).hex()) for i in range(rows)),
    )
    conn.execute("COMMIT")
    return conn


def full_disk_close(path: Path, rows: int) -> None:
    conn = write_rows(path, rows)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead
    limit = path.stat().st_size + HEADROOM_PAGES * 4096
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    conn.close()  # the checkpoint fails part-way; SQLite keeps the -wal, as it must


def insert_rows(conn: Any, first: int, rows: int) -> None:
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?)",
        ((f"row-{i:05d}", os.urandom(200).hex()) for i in range(first, first + rows)),
    )


def write_in_place_and_die(path: Path, rows: int, more: int) -> None:
    store = Store.open(path)
    with store.transaction() as conn:
        insert_rows(conn, 0, rows)
    with store.written_in_place() as in_place:
        assert in_place
        store.conn.execute("PRAGMA cache_size = 16")  # pages: the writes spill into the file at once
        with store.transaction() as conn:
            insert_rows(conn, rows, more)
            sys.stdout.flush()
            os._exit(0)  # inside the transaction: no commit, no rollback, the journal stays


def read(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = {"writable_folder": os.access(path.parent, os.W_OK)}
    try:
        opened = open_connection(path, BUSY_TIMEOUT_MS, create=False, read_only=True)
    except CollectionError as error:
        report["refused"] = [type(error).__name__, error.message]
    else:
        conn = opened.conn
        report["immutable"] = opened.immutable
        report["rows"] = conn.execute("SELECT count(*) FROM meta WHERE key LIKE 'row-%'").fetchone()[0]
        report["integrity"] = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        try:
            conn.execute("INSERT INTO meta (key, value) VALUES ('written', 'by a read-only open')")
        except Exception as error:  # reported, not raised: the test checks which error it was
            report["write_error"] = [type(error).__name__, str(error)]
        conn.close()
    try:
        open_connection(path, BUSY_TIMEOUT_MS).conn.close()
    except CollectionError as error:
        report["write_open"] = [type(error).__name__, error.message]
    report["listing"] = sorted(os.listdir(path.parent))
    return report


def main(argv: list[str]) -> None:
    action, path = argv[0], Path(argv[1])
    if action == "write-and-die":
        write_rows(path, int(argv[2]))
        sys.stdout.flush()
        os._exit(0)  # no close: no checkpoint, the -wal and -shm stay
    elif action == "write-in-place-and-die":
        write_in_place_and_die(path, int(argv[2]), int(argv[3]))
    elif action == "full-disk-close":
        full_disk_close(path, int(argv[2]))
    elif action == "read":
        print(json.dumps(read(path)))
    else:
        raise SystemExit(f"unknown action {action!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
