"""Opening a collection when something went wrong before: a log left behind, a refusal, a read-only place.

Every state here is made the way it happens: a second process (``open_fault_child.py``) that dies
before closing, or closes while the kernel refuses to let its file grow; a real read-only mount
(a user and mount namespace) or a real unprivileged user on a read-only file and folder.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from studyapp.errors import (
    CollectionBusy,
    CollectionDamaged,
    CollectionError,
    CollectionMissing,
    CollectionNewer,
    CollectionReadOnly,
)
from studyapp.store import Store
from studyapp.store.checks import check_existing_file
from studyapp.store.opening import Opened, open_connection
from studyapp.store.schema import APPLICATION_ID, CURRENT_VERSION, STEPS, migrate

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("open_fault_child.py")
TIMEOUT_MS = 5000
READ_ONLY_WRITE = "attempt to write a readonly database"
Fingerprint = Callable[[Path], tuple[bytes, int]]


def child_env() -> dict[str, str]:
    """The environment for a child process: studyapp importable from this checkout."""
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(paths))


def run_child(*args: str | Path | int, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Run ``open_fault_child.py`` (after ``prefix``, a command that sets up where it runs)."""
    result = subprocess.run(
        [*prefix, sys.executable, str(CHILD), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result


def read_report(path: Path, prefix: tuple[str, ...]) -> dict[str, Any]:
    """What ``open_fault_child.py read`` saw, run after ``prefix``."""
    report: dict[str, Any] = json.loads(run_child("read", path, prefix=prefix).stdout.splitlines()[-1])
    return report


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def claimed_size(path: Path) -> int:
    """The file size the SQLite header claims: page count times page size."""
    header = path.read_bytes()[:100]
    return int.from_bytes(header[28:32], "big") * int.from_bytes(header[16:18], "big")


def rows(conn: sqlite3.Connection) -> int:
    count: int = conn.execute("SELECT count(*) FROM meta WHERE key LIKE 'row-%'").fetchone()[0]
    return count


def collection_with_rows(path: Path, count: int) -> Path:
    """A collection holding ``count`` rows, closed cleanly (no -wal or -shm left)."""
    with closing(open_connection(path, TIMEOUT_MS).conn) as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)", ((f"row-{i:05d}", "x" * 300) for i in range(count))
        )
        conn.execute("COMMIT")
    assert listing(path.parent) == [path.name]
    return path


def older_collection(path: Path) -> Path:
    """A collection as version 1 left it: a new file made by the first migration step alone."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        migrate(conn, path, STEPS[:1])
    return path


def killed_writer(path: Path, count: int) -> Path:
    """A collection whose writer died before closing: its ``count`` rows are only in its -wal."""
    run_child("write-and-die", path, count)
    assert (path.parent / f"{path.name}-wal").stat().st_size > 0
    with closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as main_file_alone:
        assert rows(main_file_alone) == 0
    return path


def killed_in_place_writer(path: Path, count: int) -> Path:
    """A collection whose writer died inside a big transaction written straight into the file (as the Anki
    import writes): ``count`` rows committed, part of 2000 more in the file, and its -journal hot."""
    run_child("write-in-place-and-die", path, count, 2000)
    journal = path.parent / f"{path.name}-journal"
    assert journal.stat().st_size > 0 and not (path.parent / f"{path.name}-wal").exists()
    with closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as main_file_alone:
        assert rows(main_file_alone) > count  # the file holds rows never committed
    return path


def test_a_write_cut_short_in_the_file_is_rolled_back_by_the_next_open(tmp_path: Path) -> None:
    """The next open, a reading one (``studyapp stats``), rolls the hot journal back: the rows committed
    are there, none of the others, and the next write open has the write-ahead log again."""
    path = killed_in_place_writer(tmp_path / "c.db", 300)
    check_existing_file(path)
    reader = open_connection(path, TIMEOUT_MS, create=False, read_only=True)
    assert rows(reader.conn) == 300
    assert reader.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    reader.conn.close()
    assert not (tmp_path / "c.db-journal").exists()
    with closing(open_connection(path, TIMEOUT_MS).conn) as writer:
        assert writer.execute("PRAGMA journal_mode").fetchone() == ("wal",) and rows(writer) == 300


# -- 1. newest pages still in the -wal ---------------------------------------------------------------


def full_disk_close(path: Path, count: int) -> Path:
    """A collection closed while the disk was full: the file is shorter than its header says."""
    run_child("full-disk-close", path, count)
    assert (path.parent / f"{path.name}-wal").stat().st_size > 0
    assert path.stat().st_size < claimed_size(path), "the checkpoint was expected to stop part-way"
    return path


def test_a_collection_closed_on_a_full_disk_opens_with_its_newest_pages(tmp_path: Path) -> None:
    path = full_disk_close(tmp_path / "c.db", 2000)
    check_existing_file(path)  # not "truncated": the pages the file lacks are in its -wal
    reader = open_connection(path, TIMEOUT_MS, create=False, read_only=True)
    assert rows(reader.conn) == 2000 and not reader.immutable
    reader.conn.close()
    opened = open_connection(path, TIMEOUT_MS, create=False)
    assert not opened.created and opened.backup is None
    assert rows(opened.conn) == 2000
    assert opened.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    opened.conn.close()
    # Closing with room on the disk completes the checkpoint: the file is whole, the log folded in.
    assert listing(tmp_path) == ["c.db"]
    assert path.stat().st_size == claimed_size(path)
    with closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as main_file_alone:
        assert rows(main_file_alone) == 2000


def test_a_collection_moved_without_its_wal_is_refused_with_advice_to_move_it_along(tmp_path: Path) -> None:
    path = full_disk_close(tmp_path / "c.db", 2000)
    moved = tmp_path / "moved" / "c.db"
    moved.parent.mkdir()
    shutil.copyfile(path, moved)  # the -wal, holding the newest pages, stayed behind
    with pytest.raises(CollectionDamaged, match="truncated") as caught:
        open_connection(moved, TIMEOUT_MS)
    assert "together with its -wal and -shm files (c.db-wal, c.db-shm)" in caught.value.message
    assert listing(moved.parent) == ["c.db"]


def test_a_wal_that_lacks_the_missing_pages_does_not_hide_the_damage(tmp_path: Path) -> None:
    path = full_disk_close(tmp_path / "c.db", 2000)
    wal = tmp_path / "c.db-wal"
    wal.write_bytes(wal.read_bytes()[:32])  # a log that lost its frames: only its header is left
    (tmp_path / "c.db-shm").unlink()
    with pytest.raises(CollectionDamaged, match="is damaged") as caught:
        open_connection(path, TIMEOUT_MS)
    assert "-wal and -shm" in caught.value.message


def test_a_killed_writers_newest_rows_are_read_from_its_wal(tmp_path: Path) -> None:
    path = killed_writer(tmp_path / "c.db", 300)
    reader = open_connection(path, TIMEOUT_MS, create=False, read_only=True)
    assert rows(reader.conn) == 300 and not reader.immutable
    reader.conn.close()
    with closing(open_connection(path, TIMEOUT_MS, create=False).conn) as conn:
        assert rows(conn) == 300
    assert listing(tmp_path) == ["c.db"]


# -- 2. a refusal creates nothing --------------------------------------------------------------------


def newer_wal_collection(path: Path) -> None:
    collection_with_rows(path, 10)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version = {CURRENT_VERSION + 5}")


def damaged_wal_collection(path: Path) -> None:
    collection_with_rows(path, 300)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for offset in range(page, len(data), 97):  # scribble over every page but the header page
        data[offset] = (data[offset] + 0x5A) % 256
    path.write_bytes(bytes(data))


def foreign_wal_database(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")


@pytest.mark.parametrize(
    ("make", "kind", "message"),
    [
        (newer_wal_collection, CollectionNewer, "written by a newer studyapp"),
        (damaged_wal_collection, CollectionDamaged, "is damaged"),
        (foreign_wal_database, CollectionDamaged, r"another program \(invoices\)"),
    ],
    ids=["newer", "damaged", "foreign"],
)
def test_a_refused_wal_mode_file_gets_no_wal_or_shm_beside_it(
    tmp_path: Path,
    file_fingerprint: Fingerprint,
    make: Callable[[Path], None],
    kind: type[CollectionError],
    message: str,
) -> None:
    path = tmp_path / "c.db"
    make(path)
    assert path.read_bytes()[18:20] == b"\x02\x02", "the file is in write-ahead-log mode"
    before = file_fingerprint(path)
    attempts: list[Callable[[], object]] = [
        lambda: check_existing_file(path),
        lambda: check_existing_file(path, for_writing=False),
        lambda: open_connection(path, TIMEOUT_MS),
        lambda: open_connection(path, TIMEOUT_MS, create=False, read_only=True),
        lambda: Store.open(path),
    ]
    for attempt in attempts:
        with pytest.raises(kind, match=message):
            attempt()
        assert listing(tmp_path) == ["c.db"]
    assert file_fingerprint(path) == before


def test_the_newer_version_is_read_from_the_header(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    newer_wal_collection(path)
    header = path.read_bytes()[:100]
    assert int.from_bytes(header[60:64], "big") == CURRENT_VERSION + 5
    assert int.from_bytes(header[68:72], "big") == APPLICATION_ID
    with pytest.raises(CollectionNewer, match=f"collection version {CURRENT_VERSION + 5}"):
        open_connection(path, TIMEOUT_MS)


# -- 3. reading a collection that cannot be written --------------------------------------------------

MOUNT_READ_ONLY = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'


@pytest.fixture
def read_only_mount() -> Callable[[Path], tuple[str, ...]]:
    """A prefix that runs a command with a folder mounted read-only (a user and mount namespace)."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed: no way to mount a folder read-only")

    def prefix(folder: Path) -> tuple[str, ...]:
        return (
            "unshare",
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            MOUNT_READ_ONLY,
            "sh",
            str(folder),
        )

    with tempfile.TemporaryDirectory() as probe:
        tried = subprocess.run(
            [*prefix(Path(probe)), "sh", "-c", f"! touch {probe}/x 2>/dev/null"],
            capture_output=True,
            text=True,
        )
    if tried.returncode != 0:
        pytest.skip(f"cannot mount a folder read-only here (unshare --user --mount): {tried.stderr.strip()}")
    return prefix


def wal_without_shm(path: Path) -> Path:
    killed_writer(path, 300)
    (path.parent / f"{path.name}-shm").unlink()  # e.g. copied by a tool that skips -shm files
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: collection_with_rows(p, 300), {"rows": 300, "immutable": True}),
        (lambda p: killed_writer(p, 300), {"rows": 300, "immutable": False}),
        (wal_without_shm, {"refused": "CollectionReadOnly", "says": "c.db-shm, which cannot be created"}),
        (older_collection, {"refused": "CollectionReadOnly", "says": "must be upgraded once"}),
        (
            lambda p: killed_in_place_writer(p, 300),
            {"refused": "CollectionError", "says": "holds a write that was cut short (its -journal file"},
        ),
    ],
    ids=["closed", "newest-in-wal", "wal-without-shm", "older-version", "write-cut-short-in-place"],
)
def test_a_collection_on_a_read_only_mount_opens_read_only(
    tmp_path: Path,
    read_only_mount: Callable[[Path], tuple[str, ...]],
    file_fingerprint: Fingerprint,
    make: Callable[[Path], Path],
    expected: dict[str, Any],
) -> None:
    folder = tmp_path / "mounted"
    folder.mkdir()
    path = make(folder / "c.db")
    before, files = file_fingerprint(path), listing(folder)
    report = read_report(path, read_only_mount(folder))
    assert report["writable_folder"] is False
    if "refused" in expected:
        assert report["refused"][0] == expected["refused"] and expected["says"] in report["refused"][1]
    else:
        assert report["rows"] == expected["rows"] and report["immutable"] is expected["immutable"]
        assert report["integrity"] == ["ok"]
        assert report["write_error"] == ["OperationalError", READ_ONLY_WRITE]
    assert report["write_open"][0] == CollectionReadOnly.__name__
    assert report["listing"] == files
    assert file_fingerprint(path) == before and listing(folder) == files


@pytest.fixture
def unprivileged() -> Iterator[tuple[Path, tuple[str, ...]]]:
    """A folder anyone can reach, and a prefix that runs a command as a user who owns nothing there.

    As root, whose writes no permission bit stops, that is ``nobody`` through ``setpriv``; as anyone
    else, the permission bits already apply to the tests' own user.
    """
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv (util-linux): no user the permission bits apply to")
        prefix = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
    folder = Path(tempfile.mkdtemp(prefix="studyapp-read-only-"))
    folder.chmod(0o755)
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import studyapp.store.opening"],
        capture_output=True,
        text=True,
        cwd=folder,
        env=child_env(),
    )
    if probe.returncode != 0:
        shutil.rmtree(folder)
        pytest.skip(f"studyapp cannot be imported as an unprivileged user: {probe.stderr.strip()[-300:]}")
    try:
        yield folder, prefix
    finally:
        for inner in (folder / "shared", folder / "locked"):
            if inner.exists():
                inner.chmod(0o755)
        shutil.rmtree(folder)


@pytest.mark.parametrize(
    ("folder_mode", "immutable", "created_beside"),
    [(0o555, True, []), (0o1777, False, ["c.db-shm", "c.db-wal"])],
    ids=["read-only-folder", "writable-folder"],
)
def test_a_read_only_file_opens_read_only_for_a_user_who_cannot_write_it(
    unprivileged: tuple[Path, tuple[str, ...]],
    file_fingerprint: Fingerprint,
    folder_mode: int,
    immutable: bool,
    created_beside: list[str],
) -> None:
    base, prefix = unprivileged
    folder = base / ("locked" if folder_mode == 0o555 else "shared")
    folder.mkdir()
    path = collection_with_rows(folder / "c.db", 300)
    path.chmod(0o444)
    folder.chmod(folder_mode)
    before = file_fingerprint(path)
    report = read_report(path, prefix)
    assert report["writable_folder"] is (folder_mode != 0o555)
    assert report["rows"] == 300 and report["immutable"] is immutable and report["integrity"] == ["ok"]
    assert report["write_error"] == ["OperationalError", READ_ONLY_WRITE]
    assert report["write_open"][0] == CollectionReadOnly.__name__
    # mode=ro keeps SQLite's locks, which need the -shm: where the folder allows, it is created.
    assert report["listing"] == sorted(["c.db", *created_beside])
    assert file_fingerprint(path) == before


def test_a_read_only_open_cannot_write_in_a_writable_place(tmp_path: Path) -> None:
    path = collection_with_rows(tmp_path / "c.db", 5)
    opened = open_connection(path, TIMEOUT_MS, create=False, read_only=True)
    assert (opened.read_only, opened.created, opened.backup, opened.immutable) == (True, False, None, False)
    with pytest.raises(sqlite3.OperationalError, match=READ_ONLY_WRITE):
        opened.conn.execute("DELETE FROM meta")
    assert rows(opened.conn) == 5
    opened.conn.close()
    assert listing(tmp_path) == ["c.db"]  # like any connection, the last to close removes the -wal and -shm


def test_a_read_only_open_upgrades_an_older_collection_where_it_may_write(tmp_path: Path) -> None:
    path = older_collection(tmp_path / "c.db")
    opened = open_connection(path, TIMEOUT_MS, create=False, read_only=True)
    assert opened.read_only and opened.backup is not None and opened.backup.exists()
    assert opened.conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    opened.conn.close()


# -- 4. a mistyped path creates nothing ----------------------------------------------------------------


@pytest.mark.parametrize("read_only", [False, True], ids=["write", "read-only"])
def test_a_missing_collection_is_not_created_without_create(tmp_path: Path, read_only: bool) -> None:
    path = tmp_path / "typo" / "colection.db"
    with pytest.raises(CollectionMissing) as caught:
        open_connection(path, TIMEOUT_MS, create=False, read_only=read_only)
    message = caught.value.message
    assert f"no collection at {path}" in message and "--db" in message and "$STUDYAPP_DB" in message
    assert listing(tmp_path) == []  # not even the folder


@pytest.mark.parametrize("read_only", [False, True], ids=["write", "read-only"])
def test_an_empty_file_is_not_a_collection_without_create(
    tmp_path: Path, file_fingerprint: Fingerprint, read_only: bool
) -> None:
    path = tmp_path / "c.db"
    path.touch()
    before = file_fingerprint(path)
    with pytest.raises(CollectionMissing, match="is empty"):
        open_connection(path, TIMEOUT_MS, create=False, read_only=read_only)
    assert file_fingerprint(path) == before and listing(tmp_path) == ["c.db"]


@pytest.mark.parametrize("read_only", [False, True], ids=["write", "read-only"])
def test_created_tells_a_new_collection_from_an_existing_one(tmp_path: Path, read_only: bool) -> None:
    path = tmp_path / "new" / "c.db"
    first = open_connection(path, TIMEOUT_MS, read_only=read_only)
    assert isinstance(first, Opened) and first.created and first.read_only is read_only
    assert first.backup is None
    first.conn.close()
    again = open_connection(path, TIMEOUT_MS, create=False, read_only=read_only)
    assert not again.created and again.conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    again.conn.close()


def test_an_upgrade_waiting_for_another_writer_is_busy(tmp_path: Path) -> None:
    path = older_collection(tmp_path / "c.db")
    with closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("BEGIN IMMEDIATE")  # another program is writing and holds the lock
        with pytest.raises(CollectionBusy, match="locked by another program"):
            open_connection(path, 200)
        holder.execute("ROLLBACK")
    with closing(open_connection(path, 200).conn) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
