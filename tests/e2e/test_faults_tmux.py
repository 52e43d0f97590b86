"""Faults met in a real terminal: another program holding the write lock, and a crash of the app."""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

from tests.e2e.test_tmux import Terminal, terminal  # noqa: F401  (the fixture)
from tests.hold_lock import hold

pytestmark = __import__("pytest").mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_a_rating_waits_for_another_programs_lock_and_is_saved_after(
    terminal: Terminal,  # noqa: F811
    tmp_path: Path,
) -> None:
    db = tmp_path / "collection.sqlite3"
    terminal.start(f"{sys.executable} -m studyapp --db {db}")
    terminal.wait_for(r"All decks")
    terminal.keys("s")
    terminal.wait_for(r"Space (or Enter )?shows the answer")
    terminal.keys("Space")
    terminal.wait_for(r"3 Good · \S+")

    holder = hold(db, 8)
    locked_at = time.monotonic()
    terminal.keys("3")
    screen = terminal.wait_for(r"Waiting for the collection", timeout=10)
    assert "Traceback" not in screen
    time.sleep(2)  # still waiting, still on screen, nothing saved yet
    screen = terminal.screen()
    assert "Waiting for the collection" in screen and "Traceback" not in screen
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as reader:
        assert reader.execute("SELECT count(*) FROM reviews").fetchone() == (0,)

    holder.wait(timeout=30)
    assert time.monotonic() - locked_at >= 7
    terminal.wait_for(r"Saved: Good", timeout=15)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as reader:
        assert reader.execute("SELECT rating FROM reviews").fetchall() == [(3,)]
    terminal.keys("C-q")
    screen = terminal.wait_for(r"STUDYAPP-EXITED-0")
    assert "Traceback" not in screen


def test_a_crash_restores_the_terminal_saves_a_report_and_exits_1(
    terminal: Terminal,  # noqa: F811
    tmp_path: Path,
) -> None:
    db = tmp_path / "collection.sqlite3"
    terminal.start(f"cd {ROOT} && {sys.executable} tests/e2e/crash_app.py {db}")
    screen = terminal.wait_for(r"STUDYAPP-EXITED-\d+")
    assert "STUDYAPP-EXITED-1" in screen
    assert "the app stopped unexpectedly" in screen
    assert "Traceback" not in screen and "ZeroDivisionError" not in screen
    reports = sorted((tmp_path / "crashes").glob("crash-*.txt"))
    assert len(reports) == 1 and str(reports[0]) in screen.replace("\n", "")
    text = reports[0].read_text()
    assert "ZeroDivisionError" in text and "compose" in text
    # The terminal was restored: the shell's prompt output is plain text, not the app's screen.
    assert "All decks" not in screen
