"""A simulated learner who really studies: generated decks, and ratings given with ``StudySession.rate``.

The learner remembers as FSRS with their own "true" parameters says (a shadow py-fsrs card per card,
reviewed with the same ratings at the same times): a review is recalled with the true recall
probability, then rated Hard, Good or Easy; a forgotten card is rated Again. Used to give the optimizer
and the planner histories that a real collection would hold.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs

from studyapp.scheduler import Scheduler
from studyapp.session import StudySession

#: The learner's own memory: forgets faster at first and gains stability more slowly than the defaults.
TRUE_PARAMETERS = (
    0.1, 0.6, 1.6, 6.0, 6.8, 0.9, 2.2, 0.01, 1.4, 0.2, 0.9, 1.6, 0.07, 0.3, 1.9, 0.5, 2.2, 0.6, 0.2, 0.1,
    0.25,
)  # fmt: skip
ROOT = Path(__file__).resolve().parents[2]
#: Day 0 of every simulated history: Monday 2025-03-03 12:00 UTC.
START = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
FIRST_RATINGS = (0.15, 0.05, 0.7, 0.1)
PASS_RATINGS = (0.15, 0.7, 0.15)


def deck_toml(deck_id: str, count: int, tags: Sequence[str] = ("alpha", "beta", "gamma")) -> str:
    """A deck of ``count`` generated cards, tagged in turn with each of ``tags``."""
    lines = [f'[deck]\nid = "{deck_id}"\ntitle = "Generated {deck_id}"\n']
    for i in range(count):
        lines.append(
            f'[[cards]]\nid = "{deck_id}-{i:04d}"\nquestion = "Question {i} of {deck_id}?"\n'
            f'answer = "Answer {i}."\ntags = ["{tags[i % len(tags)]}"]\n'
        )
    return "\n".join(lines)


def write_deck(folder: Path, deck_id: str, count: int) -> Path:
    """Write a generated deck file into ``folder`` (created) and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{deck_id}.toml").write_text(deck_toml(deck_id, count), encoding="utf-8")
    return folder


@dataclass
class Learner:
    """Rates cards as a person with ``parameters`` as their memory would."""

    seed: int = 1
    parameters: Sequence[float] = TRUE_PARAMETERS
    rng: random.Random = field(init=False)
    memory: fsrs.Scheduler = field(init=False)
    cards: dict[str, fsrs.Card] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.memory = fsrs.Scheduler(tuple(self.parameters), enable_fuzzing=False)

    def rating(self, card_id: str, now: datetime) -> int:
        """The rating this learner gives the card at ``now``."""
        card = self.cards.get(card_id)
        if card is None:
            return self.rng.choices((1, 2, 3, 4), FIRST_RATINGS)[0]
        recalled = self.rng.random() < self.memory.get_card_retrievability(card, now)
        return self.rng.choices((2, 3, 4), PASS_RATINGS)[0] if recalled else 1

    def remember(self, card_id: str, rating: int, now: datetime) -> None:
        """Update the learner's true memory of the card after rating it."""
        card = self.cards.get(card_id) or fsrs.Card(card_id=len(self.cards) + 1, due=now)
        self.cards[card_id], _log = self.memory.review_card(card, fsrs.Rating(rating), now)


def study(session: StudySession, learner: Learner, days: int, start: datetime = START) -> int:
    """Study every card the queue offers on each of ``days`` days from ``start``; returns the ratings."""
    given = 0
    for day in range(days):
        now = start + timedelta(days=day)
        while (card := session.next_card(now)) is not None:
            rating = learner.rating(card.id, now)
            result = session.rate(card.id, rating, now, duration_ms=learner.rng.randint(4000, 20000))
            learner.remember(card.id, rating, result.reviewed_at)
            given += 1
            now += timedelta(seconds=learner.rng.randint(20, 90))
    return given


def exact_scheduler() -> Scheduler:
    """The default scheduler without fuzz, so generated histories are the same on every run."""
    return Scheduler(fuzz=False)


def run_cli(content: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m studyapp`` on ``db`` with the decks in ``content``, a private empty home, in UTC."""
    home = db.parent / "home"
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "TZ": "UTC", "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "studyapp", "--db", str(db), "--content", str(content), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
