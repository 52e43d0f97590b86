"""The export format's constants and the pieces that writing and reading an export share.

The format itself is documented in ``docs/export-format.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TextIO

from studyapp.errors import UserError
from studyapp.model import CardState, StudyState

FORMAT = "studyapp-export"
VERSION = 1
TOP_LEVEL = ("format", "version", "exported_at", "decks", "cards", "reviews", "quiz_attempts", "settings")
#: The fields of a study state, in the store's snapshot order (``CardState.to_json``).
STATE_FIELDS: tuple[str, ...] = tuple(json.loads(CardState().to_json()))
STATE_NAMES = {state.name.lower(): state for state in StudyState}
STATE_TIMES = ("due", "last_review", "buried_until")
INT64 = 2**63
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


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
    """A one-line text progress bar on ``stream``; silent unless ``stream`` is a terminal."""

    def __init__(self, stream: TextIO | None, label: str, total: int, width: int = 30) -> None:
        self.stream = stream
        self.label, self.total, self.width = label, total, width
        self.done = 0
        self.active = stream is not None and total > 0 and stream.isatty()
        self._shown = -1

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more items done; redraws when the whole percentage changes."""
        self.done = min(self.done + count, self.total)
        if not self.active or self.stream is None:
            return
        percent = self.done * 100 // self.total
        if percent != self._shown:
            self._shown = percent
            filled = self.done * self.width // self.total
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {percent:3d}% ({self.done}/{self.total})")
            self.stream.flush()

    def finish(self) -> None:
        """End the bar's line."""
        if self.active and self.stream is not None and self._shown >= 0:
            self.stream.write("\n")
            self.stream.flush()


# -- times -----------------------------------------------------------------------------------------


def format_time(ms: int | None) -> str | None:
    """Epoch milliseconds as ``2025-03-03T12:00:00.000Z`` (``None`` stays ``None``)."""
    if ms is None:
        return None
    return (_EPOCH + ms * _MS).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def time_of(ms: int | None) -> datetime | None:
    return None if ms is None else _EPOCH + ms * _MS


def epoch_ms(moment: datetime) -> int:
    """Whole milliseconds since the epoch of an aware datetime."""
    return (moment.astimezone(UTC) - _EPOCH) // _MS
