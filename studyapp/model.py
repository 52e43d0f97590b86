"""Plain data types shared by the whole app. Stdlib only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Card:
    """One flashcard as authored in a deck file.

    ``key_terms`` are what a typed answer must mention; each term may list synonyms
    separated by ``|`` (for example ``"non-linearity|nonlinear"``). ``choices`` marks a
    card that is asked as multiple choice in review too; ``steps`` is an ordered list
    for ordering questions.
    """

    id: str
    deck: str
    question: str
    answer: str
    details: str = ""
    tags: tuple[str, ...] = ()
    sim: str | None = None
    sim_params: Mapping[str, Any] = field(default_factory=dict)
    distractors: tuple[str, ...] = ()
    key_terms: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    multiple_choice: bool = False
    position: int = 0
    source: Path | None = None
    line: int = 0


@dataclass(frozen=True)
class Deck:
    """A deck file: an id, a title and its cards in authored order."""

    id: str
    title: str
    cards: tuple[Card, ...]
    description: str = ""
    source: Path | None = None
    bundled: bool = False


@dataclass(frozen=True)
class Problem:
    """A located, actionable problem found in a deck file."""

    path: Path
    message: str
    line: int = 0
    column: int = 0
    card: str | None = None

    def __str__(self) -> str:
        where = str(self.path)
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        card = f" [card {self.card}]" if self.card else ""
        return f"{where}:{card} {self.message}"
