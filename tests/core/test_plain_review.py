"""``studyapp review --plain``: the line protocol, commits before acknowledgments, undo/skip/quit, summary."""

from __future__ import annotations

import io
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from studyapp.collection import Collection
from studyapp.model import CardState, StudyState
from studyapp.plain_review import parse_rating, run_plain_review
from studyapp.scheduler import format_local
from studyapp.session import StudySession

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


class Clock:
    """A clock that advances a fixed step each time it is read."""

    def __init__(self, step: timedelta = timedelta(seconds=5)) -> None:
        self.now, self.step = T0, step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


class Ticker:
    """A monotonic timer advancing one second per read."""

    def __init__(self) -> None:
        self.value = 0.0

    def __call__(self) -> float:
        self.value += 1.0
        return self.value


class CommitWatchingOutput(io.StringIO):
    """Records, for each printed line, how many review rows another connection sees at that moment."""

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.observer = sqlite3.connect(db_path)
        self.lines: list[tuple[str, int]] = []

    def write(self, text: str) -> int:
        for line in text.splitlines():
            count = self.observer.execute("SELECT count(*) FROM reviews").fetchone()[0]
            self.lines.append((line, count))
        return super().write(text)


def run(session: StudySession, text: str) -> str:
    out = io.StringIO()
    run_plain_review(session, io.StringIO(text), out, Clock(), Ticker())
    return out.getvalue()


def test_a_review_shows_question_answer_preview_and_acknowledges(session: StudySession) -> None:
    out = run(session, "\n3\n")
    lines = out.splitlines()
    assert lines[0] == "To review: 7 new · 0 learning · 0 due"
    assert "[core-basics · new] What is an MLP?" in lines
    assert "Answer: Layers of neurons with non-linear activations." in lines
    assert "A universal function approximator." in lines
    assert "1 again 1m · 2 hard 6m · 3 good 10m · 4 easy 8d" in lines
    assert "rated good · next in 10m" in lines
    assert lines[-1] == "Session: 1 card reviewed in 0m 04s · again 0 · hard 0 · good 1 · easy 0"
    (record,) = session.store.iter_reviews()
    assert record.card_id == "core-mlp" and record.rating == 3 and record.duration_ms == 1000


def test_every_rating_is_committed_before_its_acknowledgment(collection: Collection, db_path: Path) -> None:
    out = CommitWatchingOutput(db_path)
    session = collection.session(tz=UTC)
    run_plain_review(session, io.StringIO("\n3\n\ngood\n\n4\n\nagain\nq\n"), out, Clock(), Ticker())
    acknowledged = [count for line, count in out.lines if line.startswith("rated ")]
    assert acknowledged == [1, 2, 3, 4]
    questions = [count for line, count in out.lines if line.startswith("[core-")]
    assert questions == [0, 1, 2, 3, 4]
    out.observer.close()


def test_names_hints_skip_undo_and_quit(session: StudySession) -> None:
    text = "\n".join(["x", "", "maybe", "", "easy", "s", "u", "u", "3", "", "2", "q"]) + "\n"
    out = run(session, text)
    assert "Press Enter (an empty line) to show the answer first; q quits." in out
    assert (
        "Unknown input 'maybe': type 1-4 (or again/hard/good/easy) to rate · u undo · s skip · q quit" in out
    )
    assert "rated easy · next in 8d" in out
    assert "skipped core-relu" in out
    assert "undone: core-mlp" in out  # the rating is undone and the card is asked again
    assert "Nothing to undo." in out
    assert out.count("] What is an MLP?") == 2
    assert "rated hard · next in 6m" in out
    assert out.rstrip().endswith("again 0 · hard 1 · good 0 · easy 0")
    (record,) = session.store.iter_reviews()
    assert (record.card_id, record.rating) == ("core-mlp", 2)


def test_end_of_input_quits_cleanly_with_a_summary(session: StudySession) -> None:
    out = run(session, "\n")
    assert out.rstrip().endswith("Session: 0 cards reviewed in 0m 02s · again 0 · hard 0 · good 0 · easy 0")
    assert list(session.store.iter_reviews()) == []


def test_running_out_of_cards(collection: Collection) -> None:
    collection.store.set_setting("new_per_day", 1)
    out = run(collection.session(deck="core-basics", tz=UTC), "\n4\n")
    due = collection.store.card_state("core-mlp").due
    assert due is not None
    assert f"Nothing more to review now. The next card is due {format_local(due)}." in out


def test_cram_says_the_schedule_is_unchanged(collection: Collection) -> None:
    session = collection.session(deck="core-cnn", cram=True, tz=UTC)
    out = run(session, "\n1\n\n3\nq\n")
    assert out.splitlines()[0] == "To review: 0 new · 0 learning · 3 due (cram: the schedule is not changed)"
    assert out.count("(cram: schedule unchanged)") == 2
    assert list(collection.store.iter_reviews()) == []


def test_leech_is_announced(collection: Collection) -> None:
    store = collection.store
    state = CardState(StudyState.REVIEW, None, 3.0, 8.0, T0, T0 - timedelta(days=3), 20, 7)
    store.set_state("core-mlp", state)
    store.set_state("core-relu", replace(state, due=T0 + timedelta(days=30)))
    out = run(collection.session(tz=UTC), "\n1\nq\n")
    assert (
        "leech: core-mlp has lapsed 8 times, so it is suspended; rewrite the card, then unsuspend it" in out
    )
    assert store.card_state("core-mlp").suspended


@pytest.mark.parametrize(
    ("text", "rating"),
    [("1", 1), (" 4 ", 4), ("again", 1), ("Hard", 2), ("GOOD", 3), ("easy", 4), ("5", None), ("", None)],
)
def test_parse_rating(text: str, rating: int | None) -> None:
    assert parse_rating(text) == rating


def test_the_review_command_end_to_end(cli: Any, tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    result = cli.run(db, "review", "--plain", "--deck", "core-cnn", stdin="\n4\n\n3\nq\n")
    assert result.returncode == 0, result.stderr
    assert "[core-cnn · new] What does max pooling keep?" in result.stdout
    assert result.stdout.count("rated ") == 2
    assert "Session: 2 cards reviewed" in result.stdout
    again = cli.run(db, "review", "--plain", "--tag", "cnn", "--cram", stdin="\n1\n")
    assert again.returncode == 0, again.stderr
    assert "(cram: schedule unchanged)" in again.stdout
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT card_id, rating FROM reviews ORDER BY id").fetchall() == [
        ("core-pool", 4),
        ("core-stride", 3),
    ]
    conn.close()


def test_the_review_command_explains_bad_arguments_and_the_full_screen_app(cli: Any, tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    unknown = cli.run(db, "review", "--plain", "--deck", "nope")
    assert unknown.returncode == 2 and unknown.stderr.startswith("studyapp: error: no deck 'nope'; decks: ")
    assert "core-cnn" in unknown.stderr and "Traceback" not in unknown.stderr
    assert not db.exists()  # a bad command line creates no collection
    piped = cli.run(db, "review")  # not a terminal: the review runs line by line
    assert piped.returncode == 0 and "Traceback" not in piped.stderr
    helped = cli.run(db, "review", "--help")
    assert helped.returncode == 0 and "--plain" in helped.stdout and "full-screen app" in helped.stdout


MARKDOWN_DECK = '''
[deck]
id = "md"
title = "Markdown"

[[cards]]
id = "md-card"
question = "What does backpropagation compute?"
answer = "The gradients."
details = """
**Backpropagation:**
- the chain rule, *backwards*
- one pass
"""
note = "It computes the **gradients**; the update is the optimiser's job."
note_kind = "correction"
'''


def test_markdown_in_details_and_notes_is_printed_as_plain_text(tmp_path: Path) -> None:
    from studyapp.collection import open_collection
    from studyapp.content import load_paths

    (tmp_path / "decks").mkdir()
    (tmp_path / "decks" / "md.toml").write_text(MARKDOWN_DECK)
    library = load_paths([tmp_path / "decks"])
    assert not library.problems
    with open_collection(tmp_path / "c.db", library=library) as collection:
        out = run(collection.session(tz=UTC), "\n3\n")
    assert "**" not in out and "*backwards*" not in out
    assert "Backpropagation:" in out and "• the chain rule, backwards" in out
    assert "Correction (added to the course notes): It computes the gradients; the update is" in out
