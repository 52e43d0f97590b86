"""The export format's constants and the pieces that writing and reading an export share.

The format itself is documented in ``docs/export-format.md``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TextIO

from studyapp.errors import UserError
from studyapp.model import CardState, StudyState

#: The first bytes of every SQLite database file (its format's documented magic string).
SQLITE_MAGIC = b"SQLite format 3\x00"
FORMAT = "studyapp-export"
VERSION = 1
TOP_LEVEL = ("format", "version", "exported_at", "decks", "cards", "reviews", "quiz_attempts", "settings")
#: The fields of a quiz attempt, and those it may leave out (files written before they existed do).
QUIZ_FIELDS = (
    "id",
    "at",
    "kind",
    "card",
    "seed",
    "params",
    "question",
    "given",
    "expected",
    "correct",
    "duration_ms",
)
QUIZ_OPTIONAL_FIELDS = ("diagnosis",)
#: Top-level lists an export may leave out (written only when not empty; files before them have none).
OPTIONAL_TOP_LEVEL = ("predictions", "drill_answers")
PREDICTION_FIELDS = (
    "id",
    "at",
    "card",
    "review",
    "sim",
    "answer",
    "params",
    "given",
    "predicted",
    "expected",
    "correct",
    "diagnosis",
)
DRILL_FIELDS = ("review", "card", "problem", "seed", "given", "correct", "diagnosis")
#: The fields of a study state, in the store's snapshot order (``CardState.to_json``).
STATE_FIELDS: tuple[str, ...] = tuple(json.loads(CardState().to_json()))
STATE_NAMES = {state.name.lower(): state for state in StudyState}
STATE_TIMES = ("due", "last_review", "buried_until")
INT64 = 2**63
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

# The ranges a card's study state must be in for FSRS (py-fsrs 6) to review it. fsrs clamps every
# difficulty it computes to [1, 10] (``Scheduler._clamp_difficulty``); outside it, reviews divide by zero
# or raise a negative number to a fractional power. Stability must be positive; fsrs never goes below
# 0.001 (``STABILITY_MIN``), and no schedule reaches a billion days, but near the float maximum the next
# interval overflows. Learning and relearning cards need their step.
MIN_DIFFICULTY, MAX_DIFFICULTY = 1.0, 10.0
MAX_STABILITY = 1e10
#: Times an export may hold: from the epoch to the year 9000, so converting to any time zone and adding
#: fsrs's longest interval (100 years) to a last review stays inside the calendar.
FIRST_TIME_MS = 0
END_TIME_MS = (datetime(9000, 1, 1, tzinfo=UTC) - _EPOCH) // _MS
#: The deepest nesting of lists and objects in a quiz attempt's ``params`` (the quizzes write 1 to 3).
MAX_PARAMS_DEPTH = 32
#: The files SQLite keeps beside a database, and what they are.
SIDE_FILES = {"-wal": "write-ahead log", "-shm": "shared-memory index", "-journal": "rollback journal"}


class TransferError(UserError):
    """An export, import or backup that cannot be done; the message says what, where and why."""


@dataclass(frozen=True)
class Counts:
    """How many cards, reviews and quiz attempts an export or import moved."""

    cards: int
    reviews: int
    quiz_attempts: int

    def __str__(self) -> str:
        return f"{self.cards} cards, {self.reviews} reviews and {self.quiz_attempts} quiz attempts"


# -- progress --------------------------------------------------------------------------------------


class Progress:
    """A one-line text progress bar on ``stream``; silent unless ``stream`` is a terminal. The line can
    also say what is done before the counting starts (``say``), and ``then`` after the count is full,
    while what follows it runs (for example "saving")."""

    def __init__(
        self, stream: TextIO | None, label: str, total: int, width: int = 30, then: str = ""
    ) -> None:
        self.stream = stream
        self.label, self.total, self.width, self.then = label, total, width, then
        self.done = 0
        self.on_terminal = stream is not None and stream.isatty()
        self._shown = -1
        #: How long the line written last is: a shorter one erases the rest of it.
        self._length = 0

    @property
    def active(self) -> bool:
        """Whether the bar is drawn: on a terminal, with something to count."""
        return self.on_terminal and self.total > 0

    def say(self, text: str) -> None:
        """Show ``text`` on the bar's line (a step before the count), in place of what it showed."""
        self._write(text)

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more items done; redraws when the whole percentage changes."""
        self.done = min(self.done + count, self.total)
        if not self.active:
            return
        percent = self.done * 100 // self.total
        if percent != self._shown:
            self._shown = percent
            after = f" · {self.then}" if self.then and self.done == self.total else ""
            self._write(self._bar(percent) + after)

    def finish(self) -> None:
        """End the bar's line (without ``then``: what it said is done); a line of steps alone is cleared
        for what is printed next."""
        if self._shown >= 0:
            if self.then:
                self._write(self._bar(100))
            self._write_raw("\n")
        elif self._length:
            self._write("")

    def _bar(self, percent: int) -> str:
        filled = self.done * self.width // self.total
        bar = "#" * filled + "." * (self.width - filled)
        return f"{self.label} [{bar}] {percent:3d}% ({self.done}/{self.total})"

    def _write(self, line: str) -> None:
        """``line`` in place of the line shown (the rest of a longer one erased)."""
        erase = "\x1b[K" if len(line) < self._length else ""
        self._write_raw(f"\r{line}{erase}")
        self._length = len(line)

    def _write_raw(self, text: str) -> None:
        if self.on_terminal and self.stream is not None:
            self.stream.write(text)
            self.stream.flush()


# -- times -----------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def format_time(ms: int | None) -> str | None:
    """Epoch milliseconds as ``2025-03-03T12:00:00.000Z`` (``None`` stays ``None``). Remembered for the
    latest few thousand times: a review's time is also its state's last review, and an export writes
    millions of them."""
    if ms is None:
        return None
    return (_EPOCH + ms * _MS).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def time_of(ms: int | None) -> datetime | None:
    return None if ms is None else _EPOCH + ms * _MS


def epoch_ms(moment: datetime) -> int:
    """Whole milliseconds since the epoch of an aware datetime."""
    return (moment.astimezone(UTC) - _EPOCH) // _MS


# -- export targets --------------------------------------------------------------------------------


def check_export_target(target: Path, collection: Path) -> None:
    """Refuse, before anything is written, an export target that is a database or one of its files.

    That is the collection itself (by any path or link), any SQLite database (another collection),
    a file with SQLite's write-ahead log beside it (a database in use), and a database's own
    ``-wal``, ``-shm`` or ``-journal`` file. A folder, or a target that does not exist, is left to the
    writer.
    """
    refuse = f"cannot export to {target}:"
    another = "choose another file name"
    if _same_file(target, collection):
        raise TransferError(
            f"{refuse} it is the collection itself, and the export would overwrite it; {another}, "
            f"e.g. {collection.with_name(collection.stem + '.json')}"
        )
    for suffix, what in SIDE_FILES.items():
        if target.name.endswith(suffix) and len(target.name) > len(suffix):
            database = target.with_name(target.name.removesuffix(suffix))
            if _same_file(database, collection) or _is_database(database, target):
                raise TransferError(f"{refuse} it is the {what} of the SQLite database {database}; {another}")
    for suffix in SIDE_FILES:
        beside = target.with_name(target.name + suffix)
        if beside.exists():
            raise TransferError(
                f"{refuse} {beside.name} is beside it, so it is an SQLite database that is in use (or was "
                f"not closed cleanly), and the export would overwrite it; {another}"
            )
    if _is_database(target, target):
        raise TransferError(
            f"{refuse} it is an SQLite database (perhaps another studyapp collection), and the export "
            f"would overwrite it; {another}, or move that file away first"
        )


def _same_file(path: Path, other: Path) -> bool:
    """Whether both paths exist and are the same file (through links or other spellings)."""
    try:
        return os.path.samefile(path, other)
    except OSError:
        return False


def _is_database(path: Path, target: Path) -> bool:
    """Whether ``path`` is a file that starts with the SQLite header; unreadable, it refuses ``target``."""
    if not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError as error:
        raise TransferError(
            f"cannot export to {target}: cannot read {path} to check that it is not a database "
            f"({error.strerror or error}); choose another file name"
        ) from error
