"""Crash and concurrency safety of ``studyapp review --plain``, bad files, and a clock that moves backwards.

Each test drives real ``python -m studyapp`` processes on a temporary collection.
"""

from __future__ import annotations

import os
import queue
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from studyapp.collection import open_collection
from studyapp.content import load_paths
from studyapp.model import StudyState
from studyapp.store import Store

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
TIMEOUT = 30.0
Fingerprint = Callable[[Path], tuple[bytes, int]]


class Reviewer:
    """A ``studyapp review --plain`` subprocess driven line by line."""

    def __init__(self, cli: Any, db: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            cli.command(db, "review", "--plain", *args),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            env=cli.env(),
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text)
        self.process.stdin.flush()

    def read_until(self, prefix: str, timeout: float = TIMEOUT) -> str:
        """The next output line starting with ``prefix`` (fails on end of output or timeout)."""
        while True:
            line = self.lines.get(timeout=timeout)
            assert line is not None, f"output ended before {prefix!r}: {self.seen[-5:]} {self.stderr()}"
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def nothing_starting_with(self, prefix: str, wait: float) -> bool:
        """True if no line starting with ``prefix`` appears within ``wait`` seconds."""
        try:
            while True:
                line = self.lines.get(timeout=wait)
                if line is None:
                    return True
                self.seen.append(line)
                if line.startswith(prefix):
                    return False
        except queue.Empty:
            return True

    def rate(self, rating: int) -> str:
        """Answer the next card with ``rating`` and return the acknowledgment."""
        self.read_until("[")
        self.send(f"\n{rating}\n")
        return self.read_until("rated ")

    def quit(self) -> int:
        self.send("q\n")
        assert self.process.stdin is not None
        self.process.stdin.close()
        return self.process.wait(TIMEOUT)

    def stderr(self) -> str:
        if self.process.poll() is None or self.process.stderr is None:
            return ""
        return self.process.stderr.read()


@pytest.fixture
def reviewers(tmp_path: Path, cli: Any) -> Iterator[Callable[..., Reviewer]]:
    started: list[Reviewer] = []

    def start(*args: str) -> Reviewer:
        reviewer = Reviewer(cli, tmp_path / "c.db", *args)
        started.append(reviewer)
        return reviewer

    yield start
    for reviewer in started:
        if reviewer.process.poll() is None:
            reviewer.process.kill()
        reviewer.process.wait(TIMEOUT)
        for stream in (reviewer.process.stdin, reviewer.process.stdout, reviewer.process.stderr):
            if stream is not None and not stream.closed:
                stream.close()


def stored_ratings(db: Path) -> list[int]:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return [row[0] for row in conn.execute("SELECT rating FROM reviews ORDER BY id")]
    finally:
        conn.close()


@pytest.mark.parametrize("acknowledged", [1, 4, 9])
def test_sigkill_never_loses_an_acknowledged_rating(
    tmp_path: Path, reviewers: Callable[..., Reviewer], acknowledged: int
) -> None:
    rng = random.Random(acknowledged)
    reviewer = reviewers()
    ratings = [rng.choice([1, 2, 3, 4]) for _ in range(acknowledged)]
    for rating in ratings:
        assert reviewer.rate(rating).startswith(f"rated {['again', 'hard', 'good', 'easy'][rating - 1]}")
    reviewer.read_until("[")
    reviewer.send("\n3\n")  # one more rating may be in flight when the kill lands
    reviewer.process.send_signal(signal.SIGKILL)
    assert reviewer.process.wait(TIMEOUT) == -signal.SIGKILL
    stored = stored_ratings(tmp_path / "c.db")
    assert stored[:acknowledged] == ratings
    assert len(stored) in (acknowledged, acknowledged + 1)
    with Store.open(tmp_path / "c.db") as store:  # the killed process's collection opens normally
        assert [review.rating for review in store.iter_reviews()] == stored


def test_a_rating_waits_for_another_connections_write_transaction(
    tmp_path: Path, reviewers: Callable[..., Reviewer]
) -> None:
    reviewer = reviewers()
    reviewer.rate(3)
    holder = sqlite3.connect(tmp_path / "c.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('theme', '\"nord\"')")
    reviewer.read_until("[")
    reviewer.send("\n4\n")
    assert reviewer.nothing_starting_with("rated ", wait=1.0)  # it cannot commit while the lock is held
    holder.execute("COMMIT")
    holder.close()
    assert reviewer.read_until("rated ").startswith("rated easy")
    assert reviewer.quit() == 0
    assert "locked" not in reviewer.stderr()
    assert stored_ratings(tmp_path / "c.db") == [3, 4]
    with Store.open(tmp_path / "c.db") as store:
        assert store.settings().theme == "nord"


def test_two_review_processes_interleave_without_losing_a_review(
    tmp_path: Path, reviewers: Callable[..., Reviewer]
) -> None:
    first, second = reviewers(), reviewers()
    for turn in range(6):
        first.read_until("[")
        second.read_until("[")
        first.send(f"\n{1 + turn % 4}\n")  # both commit at about the same time
        second.send(f"\n{4 - turn % 4}\n")
        first.read_until("rated ")
        second.read_until("rated ")
    assert first.quit() == 0 and second.quit() == 0
    errors = first.stderr() + second.stderr()
    assert "locked" not in errors and "Traceback" not in errors
    stored = stored_ratings(tmp_path / "c.db")
    assert sorted(stored) == sorted([1 + t % 4 for t in range(6)] + [4 - t % 4 for t in range(6)])


OPEN_ON_SIGNAL = """
import sys
from studyapp.store import Store
print("ready", flush=True)
sys.stdin.read()  # every process wakes when the test closes the pipes
Store.open(sys.argv[1]).close()
"""


def test_processes_opening_a_new_collection_at_once_all_succeed(tmp_path: Path) -> None:
    """Switching a new file to write-ahead logging while another process does fails at once ("locked")
    in SQLite, whatever the busy timeout: opening tries again."""
    for round_ in range(6):
        db = tmp_path / f"new-{round_}.db"
        starts = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN_ON_SIGNAL, str(db)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        for process in starts:
            assert process.stdout is not None and process.stdout.readline() == "ready\n"
        for process in starts:
            assert process.stdin is not None
            process.stdin.close()
        codes = [process.wait(TIMEOUT) for process in starts]
        errors = [process.stderr.read() for process in starts if process.stderr is not None]
        assert codes == [0] * len(starts), errors
        assert stored_ratings(db) == []


def make_not_sqlite(path: Path, _good: Path) -> None:
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)


def make_truncated(path: Path, good: Path) -> None:
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def make_corrupt(path: Path, good: Path) -> None:
    data = bytearray(good.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page : page + 64] = bytes(64)  # wipe the header of the second page (a b-tree page)
    path.write_bytes(bytes(data))


def make_newer(path: Path, good: Path) -> None:
    shutil.copyfile(good, path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 42")
    conn.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (make_not_sqlite, "not an SQLite database"),
        (make_truncated, "truncated"),
        (make_corrupt, "is damaged"),
        (make_newer, "written by a newer studyapp"),
    ],
)
def test_a_bad_collection_file_gives_a_clear_error_and_stays_untouched(
    tmp_path: Path,
    cli: Any,
    file_fingerprint: Fingerprint,
    make: Callable[[Path, Path], None],
    message: str,
) -> None:
    good = tmp_path / "good.db"
    with Store.open(good) as store:
        store.apply_sync(
            decks=[("d", "D")],
            insert=[(f"c{i}", "d", i, i) for i in range(500)],
            update=[],
            retire=[],
            tags={},
            fingerprint="f",
        )
    bad = tmp_path / "bad.db"
    make(bad, good)
    before = file_fingerprint(bad)
    result = cli.run(bad, "review", "--plain", stdin="\n3\n")
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"studyapp: error: {bad}") and message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert file_fingerprint(bad) == before


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may create files in; for root, the immutable attribute (chattr +i) does it."""
    folder = tmp_path / "locked"
    folder.mkdir()
    with Store.open(folder / "c.db"):
        pass
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)]).returncode != 0:
            pytest.skip("running as root on a filesystem without the immutable attribute")
        yield folder
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)


def test_a_read_only_folder_is_explained_and_nothing_changes(
    cli: Any, read_only_dir: Path, file_fingerprint: Fingerprint
) -> None:
    db = read_only_dir / "c.db"
    before = file_fingerprint(db)
    result = cli.run(db, "review", "--plain", stdin="\n3\n")
    assert result.returncode == 1, result.stderr
    assert f"the folder {read_only_dir} is read-only" in result.stderr and "write-ahead log" in result.stderr
    assert "Traceback" not in result.stderr
    assert file_fingerprint(db) == before
    assert sorted(p.name for p in read_only_dir.iterdir()) == ["c.db"]


def test_the_clock_moving_backwards_keeps_the_collection_consistent(db_path: Path, deck_dir: Path) -> None:
    rng = random.Random(7)
    with open_collection(db_path, library=load_paths([deck_dir])) as collection:
        session = collection.session(tz=UTC)
        now = T0
        for _ in range(80):
            now += timedelta(minutes=rng.randint(-3 * 24 * 60, 5 * 24 * 60))  # jumps back up to 3 days
            card = session.next_card(now)
            if card is None:
                continue
            before = session.state(card.id)
            result = session.rate(card.id, rng.randint(1, 4), now)
            assert result.interval > timedelta(0)
            assert before.last_review is None or result.reviewed_at >= before.last_review
        for record in collection.store.cards():
            state = record.state
            if state.state != StudyState.NEW:
                assert (
                    state.due is not None and state.last_review is not None and state.due > state.last_review
                )
            times = [r.reviewed_at for r in collection.store.iter_reviews(card_id=record.card_id)]
            assert times == sorted(times)
        assert collection.store.integrity_check() == ["ok"]
