"""A big write transaction written straight into the collection's file (``Store.written_in_place``), as the
Anki import writes a history: only when no other process has the file open, the write-ahead log back
after it, a transaction killed half-way rolled back from its journal, and an import stopped by
``kill`` or a closed terminal rolled back with its deck file taken away."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

import pytest

from studyapp.anki.importer import committed
from studyapp.store import Store

from .conftest import Cli
from .test_anki_import import START_MS, Place, add_revlog, basic, card_ids, genanki_package, place

__all__ = ["place"]  # the fixture, shared with the other Anki import tests

TIMEOUT = 60.0
#: Another program with the collection open: it reads once, says so, and keeps it open until its input ends.
HOLDER = (
    "import sqlite3, sys\n"
    "conn = sqlite3.connect(sys.argv[1])\n"
    "conn.execute('SELECT count(*) FROM cards').fetchone()\n"
    "print('open', flush=True)\n"
    "sys.stdin.read()\n"
)

#: Another program reading: in a read transaction (a shared lock) until its input ends.
READER = (
    "import sqlite3, sys\n"
    "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "conn.execute('BEGIN')\n"
    "conn.execute('SELECT count(*) FROM settings').fetchone()\n"
    "print('reading', flush=True)\n"
    "sys.stdin.read()\n"
)


@contextmanager
def another_program(script: str, db: Path, says: str) -> Iterator[None]:
    """``script`` run on ``db`` in a process of its own, from when it ``says`` so until the block ends."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline() == f"{says}\n"
        yield
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(TIMEOUT)


def children(pid: int) -> list[int]:
    """The processes ``pid`` started that are running (Linux's ``/proc``)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def running(pid: int) -> bool:
    """Whether process ``pid`` runs (one that ended but was not yet waited for does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def ended(pids: list[int], within: float = 20.0) -> bool:
    """Whether every process of ``pids`` ends within ``within`` seconds."""
    deadline = time.monotonic() + within
    while any(map(running, pids)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def journal_mode(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


def big_package(tmp_path: Path, notes: int) -> Path:
    """An .apkg of ``notes`` Basic notes, each card with 40 answers."""
    day_ms = 86_400_000

    def history(conn: sqlite3.Connection) -> None:
        for index, card_id in enumerate(card_ids(conn)):
            answers = [(START_MS + index + n * day_ms, 3, 0 if n == 0 else 1) for n in range(40)]
            add_revlog(conn, card_id, answers)

    questions = [basic(f"Import question {n}", f"Answer {n}") for n in range(notes)]
    return genanki_package(tmp_path / "big.apkg", questions, edit=history)


def test_alone_the_transaction_is_written_into_the_file_and_the_log_comes_back_after(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    with Store.open(db) as store:
        with store.written_in_place() as in_place, store.transaction() as conn:
            assert in_place
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            store.set_setting("desired_retention", 0.85)
        assert store.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert journal_mode(db) == "wal"
    with Store.open(db) as store:
        assert store.settings().desired_retention == 0.85


def test_a_reader_at_the_end_leaves_the_log_to_the_next_open_and_the_write_stands(tmp_path: Path) -> None:
    """Another program that starts reading between the commit and the switch back to the log (it had waited
    for the commit) makes the switch fail: that is no error, the transaction stands, and the next open
    has the log again."""
    db = tmp_path / "c.sqlite3"
    Store.open(db).close()
    with Store.open(db) as store, ExitStack() as programs:
        with store.written_in_place() as in_place:
            assert in_place
            with store.transaction():
                store.set_setting("desired_retention", 0.85)
            programs.enter_context(another_program(READER, db, says="reading"))
        assert store.conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    with Store.open(db) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert store.settings().desired_retention == 0.85


def test_with_another_program_holding_the_file_open_the_log_is_used_as_always(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    Store.open(db).close()
    with another_program(HOLDER, db, says="open"), Store.open(db) as store:
        started = time.monotonic()
        with store.written_in_place() as in_place, store.transaction():
            assert not in_place
            assert time.monotonic() - started < 1.0  # refused at once: no wait for a busy timeout
            store.set_setting("desired_retention", 0.85)
        assert store.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    with Store.open(db) as store:
        assert store.settings().desired_retention == 0.85


def test_an_import_killed_while_it_writes_into_the_file_is_rolled_back_when_next_opened(
    cli: Cli, tmp_path: Path
) -> None:
    """``studyapp import`` of a history bigger than its page cache, killed once its pages are going into
    the file beside their journal: the next reader sees the collection as it was before the import (the
    journal rolled back), and the next open has it in write-ahead-log mode again. The deck's file was
    not yet in its place (it is put there after the commit): no deck is left without its history, and
    the same import is not refused."""
    package = big_package(tmp_path, notes=6000)
    db = tmp_path / "c.sqlite3"
    Store.open(db).close()
    assert cli.run(db, "cards").returncode == 0  # the collection, with the test decks' cards
    with Store.open(db) as store:
        cards_before = store.conn.execute("SELECT count(*) FROM cards").fetchone()
    size_before = db.stat().st_size
    journal = db.with_name(db.name + "-journal")

    def kill(process: subprocess.Popen[str]) -> None:
        workers = children(process.pid)  # the replay's worker, and multiprocessing's resource tracker
        process.kill()
        process.wait()
        try:
            assert workers and ended(workers)  # not left waiting on their pipes
        finally:
            for pid in workers:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    status, _stderr = cli.run_until(
        db,
        ["import", str(package)],
        lambda: journal.exists() and db.stat().st_size > size_before + 8_000_000,
        "its pages went into the file",
        kill,
    )
    assert status == -signal.SIGKILL
    assert journal.exists()  # a hot journal: the file holds part of the import
    with Store.open(db, read_only=True) as reader:  # what `studyapp stats` opens
        assert reader.conn.execute("SELECT count(*) FROM reviews").fetchone() == (0,)
        assert reader.conn.execute("SELECT count(*) FROM cards").fetchone() == cards_before
    with Store.open(db) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert store.integrity_check() == ["ok"]
        assert store.conn.execute("SELECT count(*) FROM reviews").fetchone() == (0,)
    assert not journal.exists()
    decks = cli.home / "data" / "studyapp" / "decks"
    assert not (decks / "biology.toml").exists()
    assert [path.name.split(".")[1:3] for path in decks.iterdir()] == [["biology", "toml"]]  # hidden
    again = cli.run(db, "import", "--dry-run", str(package))
    assert again.returncode == 0, again.stderr
    assert f"would write the deck 'biology' (\"Biology\") to {decks / 'biology.toml'}" in again.stdout
    assert cli.run(db, "cards").returncode == 0  # the next open deletes the killed import's hidden file
    assert list(decks.iterdir()) == []


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["kill", "terminal-closed"])
def test_an_import_stopped_by_kill_or_a_closed_terminal_takes_its_deck_away_again(
    cli: Cli, tmp_path: Path, stop: signal.Signals
) -> None:
    """``kill`` or a closed terminal in the middle of the import's transaction: the transaction is rolled
    back and the deck file it wrote taken away again, so that no deck is left without its history; the
    same import then runs in full."""
    package = big_package(tmp_path, notes=3000)
    db = tmp_path / "c.sqlite3"
    Store.open(db).close()
    journal = db.with_name(db.name + "-journal")
    deck_file = cli.home / "data" / "studyapp" / "decks" / "biology.toml"
    status = cli.killed_when(db, ["import", str(package)], journal.exists, "its transaction", kill=stop)
    assert status == 128 + stop
    assert not deck_file.exists() and not journal.exists()
    with Store.open(db) as store:
        assert store.conn.execute("SELECT count(*) FROM reviews").fetchone() == (0,)
        assert store.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    again = cli.run(db, "import", str(package))
    assert again.returncode == 0, again.stderr
    assert deck_file.exists()
    with Store.open(db) as store:
        assert store.conn.execute("SELECT count(*) FROM reviews").fetchone() == (3000 * 40,)


def test_an_import_stopped_after_its_commit_keeps_its_files_by_what_the_collection_holds(
    place: Place, tmp_path: Path
) -> None:
    """Ctrl-C or kill just after the commit: the import keeps its deck file when the collection holds the
    plan's cards (``committed``), and takes it away when it does not (a dry run's plan, no collection)."""
    package = genanki_package(tmp_path / "small.apkg", [basic("Q one", "A one"), basic("Q two", "A two")])
    dry = place.bring_in(package, dry_run=True)
    assert not committed(place.db, dry.plan)  # no collection yet
    done = place.bring_in(package)
    assert committed(place.db, done.plan)
    other = place.bring_in(
        genanki_package(tmp_path / "other.apkg", [basic("Q", "A")], deck="Other"), dry_run=True
    )
    assert not committed(place.db, other.plan)


def test_a_deck_file_made_in_the_imports_place_meanwhile_is_kept_and_the_import_says_where_its_own_is(
    cli: Cli, tmp_path: Path
) -> None:
    """Another program writes a deck file where the import is to put its own, while the import's history
    is being written: the history is committed, the other file is kept, and the import says where its
    deck file is and where to move it. A start while the place is taken keeps both files; once it is
    free, the next start puts the import's file there, and the deck's cards are back with their
    history."""
    package = big_package(tmp_path, notes=1000)
    db = tmp_path / "c.sqlite3"
    Store.open(db).close()
    journal = db.with_name(db.name + "-journal")
    decks = cli.home / "data" / "studyapp" / "decks"
    theirs = "# another program's deck\n"

    def write_theirs(_import: object) -> None:
        (decks / "biology.toml").write_text(theirs, encoding="utf-8")

    status, stderr = cli.run_until(
        db, ["import", str(package)], journal.exists, "its transaction", write_theirs
    )
    assert status == 1
    (ours,) = decks.glob(".biology.toml.*.importing")
    assert f"could not be put in place: File exists. Move {ours} to {decks / 'biology.toml'}" in stderr
    assert "Traceback" not in stderr
    assert (decks / "biology.toml").read_text(encoding="utf-8") == theirs
    with Store.open(db) as store:
        assert store.conn.execute("SELECT count(*) FROM reviews").fetchone() == (1000 * 40,)
    written = ours.read_bytes()
    assert cli.run(db, "stats").returncode == 0  # its place still taken: ours waits, theirs is kept
    assert ours.read_bytes() == written
    assert (decks / "biology.toml").read_text(encoding="utf-8") == theirs
    (decks / "biology.toml").unlink()
    shown = cli.run(db, "stats", "--json")  # the place free, the next start puts ours there
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["cards"]["review"] >= 1000
    assert (decks / "biology.toml").read_bytes() == written and not ours.exists()
    assert [path.name for path in decks.iterdir()] == ["biology.toml"]
