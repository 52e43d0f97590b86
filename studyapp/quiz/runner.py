"""A quiz: build it from the decks with a seed, ask, grade, record every attempt, sum up, retry the missed.

An answer stays pending until the next question (or the end). Until then "I was right" can still turn a
wrong written answer's grade around, and an answer in the learner's own words that the judge was unsure
about waits for the learner to tick the key ideas it covered (``tick``; moving on keeps the ideas the
judge recognised). Moving on records the attempt in the store, with the diagnosis of a wrong number (the
known mistake it matched), and, when the setting ``quiz_updates_schedule`` is on, rates the card: right and
fast is Good, right but slower than ``SLOW_MS`` is Hard, wrong is Again.

A diagnosis that the learner's answers got ``stats.RECURRING`` times within ``stats.MISCONCEPTION_DAYS``
days (this answer included) is a recurring misconception: the answer offers a practice question of the
same kind (``practise``), asked next, besides the question's simulation. Practice questions never rate
the card.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from studyapp.errors import UserError
from studyapp.model import Card, Rating
from studyapp.quiz.generators import FORMS, GENERATORS, could_have_forms
from studyapp.quiz.grading import Grade, grade
from studyapp.quiz.practice import next_practice_seed, practice_question
from studyapp.quiz.questions import KINDS, SEED_LIMIT, Question, QuestionKind, check_seed

if TYPE_CHECKING:
    from studyapp.collection import Collection
    from studyapp.content import Library
    from studyapp.session import StudySession

#: An answer slower than this (milliseconds) is rated Hard instead of Good when quizzes update the schedule.
SLOW_MS = 20_000
MAX_QUESTIONS = 200
DEFAULT_QUESTIONS = 10


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def new_seed() -> int:
    """A fresh random quiz seed (shown to the user, so the quiz can be repeated)."""
    return random.SystemRandom().randrange(SEED_LIMIT)


# -- building --------------------------------------------------------------------------------------


def forms(card: Card, kinds: Sequence[QuestionKind] = KINDS) -> dict[QuestionKind, list[str]]:
    """The question forms ``card`` supports, by kind: the kind itself for text kinds, numeric kind names."""
    found = {kind: FORMS[kind](card) for kind in KINDS if kind in kinds}
    return {kind: names for kind, names in found.items() if names}


def make_question(card: Card, kind: QuestionKind | str, form: str, seed: int) -> Question:
    """The question of ``kind`` (or its stored name) and ``form`` about ``card``, drawn with ``seed``."""
    return GENERATORS[as_kind(kind)](card, form, seed)


def as_kind(kind: QuestionKind | str) -> QuestionKind:
    """``kind`` as a ``QuestionKind`` (from its stored name, too); ``ValueError`` naming the valid ones."""
    try:
        return QuestionKind(kind)
    except ValueError:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {str(kind)!r}") from None


def _check_count(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_QUESTIONS:
        raise ValueError(f"count must be an integer from 1 to {MAX_QUESTIONS}, got {count!r}")
    return count


def build_quiz(
    cards: Sequence[Card], count: int, seed: int, kinds: Sequence[QuestionKind | str] = KINDS
) -> list[Question]:
    """``count`` questions about ``cards``, the same for the same seed.

    The quiz goes round the cards in a shuffled order, each card once per round. The kinds take turns
    in a shuffled cycle, so a short quiz still has every kind: each question goes to the first card of
    the round that has never been asked its kind; when none is left, to the next card in the kind it
    was asked least. So every card gets a new kind each round, while it has one left, and a numeric
    card the numeric form it was asked least. Only the cards that could have a form are looked at
    closely (``could_have_forms``): the others have none, whatever the seed.
    """
    _check_count(count)
    check_seed(seed)
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"kinds must be some of {', '.join(KINDS)}, got {[str(k) for k in kinds]!r}")
    chosen = [QuestionKind(kind) for kind in kinds]
    rng = random.Random(seed)
    candidates = could_have_forms()
    supported = {card.id: forms(card, chosen) for card in cards if candidates.keeps(card)}
    usable = [card for card in cards if supported.get(card.id)]
    cycle = [kind for kind in KINDS if any(kind in supported[card.id] for card in usable)]
    if not usable:
        raise ValueError("cards must support at least one of the chosen kinds of question")
    rng.shuffle(cycle)
    asked: Counter[tuple[str, str]] = Counter()  # (card, kind) and (card, form)
    totals: Counter[QuestionKind] = Counter()
    questions: list[Question] = []
    remaining: list[Card] = []
    while len(questions) < count:
        if not remaining:
            remaining = list(usable)
            rng.shuffle(remaining)
        wanted = cycle[len(questions) % len(cycle)]
        fresh = next((c for c in remaining if wanted in supported[c.id] and not asked[c.id, wanted]), None)
        card = remaining[0] if fresh is None else fresh
        kind = wanted
        if fresh is None:
            choices = supported[card.id]
            kind = min(choices, key=lambda k: (asked[card.id, k], totals[k], cycle.index(k)))
        remaining.remove(card)
        fewest = min(asked[card.id, form] for form in supported[card.id][kind])
        form = rng.choice([f for f in supported[card.id][kind] if asked[card.id, f] == fewest])
        asked.update([(card.id, kind), (card.id, form)] if form != kind else [(card.id, kind)])
        totals[kind] += 1
        questions.append(make_question(card, kind, form, rng.randrange(SEED_LIMIT)))
    return questions


def select_cards(cards: Sequence[Card], deck: str | None = None, tag: str | None = None) -> list[Card]:
    """The cards of ``deck`` with ``tag`` (either optional); ``UserError`` naming the valid ones."""
    chosen = list(cards)
    if deck is not None:
        decks = sorted({card.deck for card in cards})
        if deck not in decks:
            raise UserError(f"no deck '{deck}'; decks: {', '.join(decks) or 'none'}", status=2)
        chosen = [card for card in chosen if card.deck == deck]
    if tag is not None:
        tags = sorted({t for card in chosen for t in card.tags})
        if tag not in tags:
            raise UserError(f"no card has the tag '{tag}'; tags: {', '.join(tags) or 'none'}", status=2)
        chosen = [card for card in chosen if tag in card.tags]
    if not chosen:
        raise UserError("there are no cards to quiz on; add a deck or check --deck and --tag", status=2)
    return chosen


def quiz_of_library(
    library: Library, deck: str | None, build: Callable[[Sequence[Card]], list[Question]]
) -> list[Question]:
    """``build`` of the cards of ``library`` (in ``deck``) that a question could be asked about: only those
    are read from a cached library. If that fails (``UserError``, ``ValueError``: no question), ``build``
    of every card, whose error says the same as when every card is read."""
    from studyapp.deck_cache import cards_where

    try:
        return build(cards_where(library, could_have_forms(), deck))
    except (UserError, ValueError):
        return build(library.cards if deck is None else library.deck_cards(deck))


# -- running ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """An answered question: the grade, how long it took, and what was recorded.

    ``recurring`` counts the answers that got this wrong answer's diagnosis within
    ``stats.MISCONCEPTION_DAYS`` days, this one included (0 without a diagnosis); from ``stats.RECURRING``
    on, the answer offers practice.
    """

    question: Question
    grade: Grade
    duration_ms: int
    attempt_id: int | None = None
    rating: int | None = None
    recurring: int = 0
    practised: bool = False

    @property
    def repeats_mistake(self) -> bool:
        """Whether the answer's diagnosis is a recurring misconception."""
        from studyapp.stats import RECURRING

        return self.recurring >= RECURRING

    @property
    def offers_practice(self) -> bool:
        """Whether the answer is a recurring misconception not practised yet."""
        return self.repeats_mistake and not self.practised


@dataclass(frozen=True)
class Tally:
    """Right answers out of all."""

    right: int = 0
    total: int = 0

    def add(self, correct: bool) -> Tally:
        return Tally(self.right + int(correct), self.total + 1)

    def __str__(self) -> str:
        return f"{self.right}/{self.total}"


@dataclass(frozen=True)
class Summary:
    """The score, the time, and the score per tag and per kind of question."""

    score: Tally
    seconds: float
    by_tag: dict[str, Tally] = field(default_factory=dict)
    by_kind: dict[str, Tally] = field(default_factory=dict)
    missed: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The summary as lines of plain text."""
        minutes, seconds = divmod(round(self.seconds), 60)
        percent = f" ({self.score.right / self.score.total:.0%})" if self.score.total else ""
        lines = [f"Score: {self.score}{percent} in {minutes}m {seconds:02d}s"]
        if self.by_tag:
            lines.append("By tag: " + " · ".join(f"{tag} {tally}" for tag, tally in self.by_tag.items()))
        if self.by_kind:
            lines.append("By kind: " + " · ".join(f"{kind} {tally}" for kind, tally in self.by_kind.items()))
        if self.missed:
            lines.append(f"Missed: {len(self.missed)} ({', '.join(self.missed)})")
        return lines


class QuizRun:
    """One round of a quiz over a collection: ask, answer, override, move on, sum up, retry."""

    def __init__(
        self,
        collection: Collection,
        questions: Sequence[Question],
        *,
        clock: Callable[[], datetime] = utc_now,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        if not questions:
            raise ValueError("questions must not be empty")
        self.collection = collection
        self.questions = list(questions)
        self.clock, self.timer = clock, timer
        self.index = 0
        self.outcomes: list[Outcome] = []
        self.pending: Outcome | None = None
        self.updates_schedule = collection.settings().quiz_updates_schedule
        self._session: StudySession | None = None
        self.started = timer()
        self.asked_at = self.started
        self.ended: float | None = None

    @property
    def current(self) -> Question | None:
        """The question being asked (or just answered); ``None`` when the round is over."""
        return self.questions[self.index] if self.index < len(self.questions) else None

    @property
    def position(self) -> str:
        """``3/10``: the current question's number and the total."""
        return f"{min(self.index + 1, len(self.questions))}/{len(self.questions)}"

    def answer(self, text: str) -> Grade:
        """Grade ``text`` for the current question; ``AnswerError`` (nothing recorded) if unreadable."""
        question = self.current
        if question is None or self.pending is not None:
            raise ValueError("there is no unanswered question: call next() first")
        result = grade(question, text)
        duration = max(round((self.timer() - self.asked_at) * 1000), 0)
        recurring = 0
        if result.mistake and not result.correct:
            from studyapp.stats import recent_diagnoses  # only after a diagnosed mistake: stats loads slowly

            earlier = recent_diagnoses(self.collection.store, question.form, result.mistake, self.clock())
            recurring = earlier + 1
        self.pending = Outcome(question, result, duration, recurring=recurring)
        return result

    def practise(self) -> Question:
        """Put a practice question of the pending answer's kind right after it (a recurring misconception
        offers one); returns it."""
        outcome = self.pending
        if outcome is None or not outcome.offers_practice:
            raise ValueError("only an answer that repeats a recent mistake offers a practice question")
        kind = outcome.question.form.partition(":")[2]
        question = practice_question(kind, next_practice_seed(outcome.question), outcome.question)
        self.questions.insert(self.index + 1, question)
        outcome.practised = True
        return question

    @property
    def awaiting_ticks(self) -> bool:
        """Whether the pending answer waits for the learner to tick the key ideas it covered."""
        return self.pending is not None and self.pending.grade.awaiting

    def tick(self, covered: Iterable[int]) -> Grade:
        """Grade the pending answer by the key ideas the learner says it covered (0-based positions)."""
        if self.pending is None or self.pending.grade.checklist is None:
            raise ValueError("only a pending answer in your own words has key ideas to tick")
        self.pending.grade = self.pending.grade.ticked(covered)
        return self.pending.grade

    def can_override(self) -> bool:
        """Whether "I was right" applies: a pending wrong written answer that the learner did not grade."""
        pending = self.pending
        return (
            pending is not None
            and pending.question.kind.written
            and bool(pending.grade.given)
            and not pending.grade.correct
            and not pending.grade.awaiting
            and not pending.grade.self_graded
        )

    def override(self) -> Grade:
        """ "I was right": count the pending wrong written answer as right."""
        if self.pending is None or not self.can_override():
            raise ValueError("only a pending wrong answer can be overridden")
        self.pending.grade = replace(self.pending.grade, correct=True, overridden=True)
        return self.pending.grade

    def next(self) -> Question | None:
        """Record the pending answer and go on to the next question (``None`` at the end)."""
        self.commit()
        self.index += 1
        self.asked_at = self.timer()
        return self.current

    def commit(self) -> None:
        """Record the pending answer in the store (and the schedule, if the setting says so)."""
        outcome = self.pending
        if outcome is None:
            return
        if outcome.grade.awaiting and outcome.grade.checklist is not None:
            outcome.grade = outcome.grade.ticked(outcome.grade.checklist.ticked)
        self.pending = None
        question, result = outcome.question, outcome.grade
        extra: dict[str, object] = {"overridden": True} if result.overridden else {}
        if result.verdict:
            extra["verdict"] = str(result.verdict)
        if result.checklist is not None:
            extra["ideas_covered"] = sorted(i + 1 for i in result.checklist.ticked)
        if result.self_graded:
            extra["self_graded"] = True
        outcome.attempt_id = self.collection.add_quiz_attempt(
            at=self.clock(),
            kind=question.kind.value,  # the stored name: "choice", "true-false", ...
            question=question.prompt,
            given=result.given,
            expected=question.expected,
            correct=result.correct,
            card_id=question.card_id,
            seed=question.seed,
            params={**question.record(), **extra},
            duration_ms=outcome.duration_ms,
            diagnosis=result.mistake if not result.correct else None,
        )
        if self.updates_schedule and question.card_id is not None and not question.practice:
            outcome.rating = self._rate(question.card_id, result.correct, outcome.duration_ms)
        self.outcomes.append(outcome)

    def _rate(self, card_id: str, correct: bool, duration_ms: int) -> int | None:
        record = self.collection.card_record(card_id)
        if record is None or record.retired:
            return None
        if self._session is None:
            self._session = self.collection.session()
        rating = Rating.AGAIN if not correct else Rating.HARD if duration_ms > SLOW_MS else Rating.GOOD
        self._session.rate(card_id, rating, self.clock(), duration_ms)
        return rating

    def finish(self) -> Summary:
        """Record any pending answer, stop the clock and sum up."""
        self.commit()
        if self.ended is None:
            self.ended = self.timer()
        return self.summary()

    def summary(self) -> Summary:
        """The score so far, the time, and the score by tag and by kind."""
        score = Tally()
        by_tag: dict[str, Tally] = {}
        by_kind: dict[str, Tally] = {}
        for outcome in self.outcomes:
            correct = outcome.grade.correct
            score = score.add(correct)
            by_kind[outcome.question.label] = by_kind.get(outcome.question.label, Tally()).add(correct)
            for tag in outcome.question.tags:
                by_tag[tag] = by_tag.get(tag, Tally()).add(correct)
        end = self.ended if self.ended is not None else self.timer()
        missed = tuple(dict.fromkeys(q.card_id or q.form for q in self.missed()))
        return Summary(score, end - self.started, dict(sorted(by_tag.items())), by_kind, missed)

    def missed(self) -> list[Question]:
        """The questions answered wrong in this round, in order."""
        return [outcome.question for outcome in self.outcomes if not outcome.grade.correct]

    def retry(self) -> QuizRun:
        """A new round with the questions missed in this one, asked again exactly."""
        missed = self.missed()
        if not missed:
            raise ValueError("no question was missed: there is nothing to retry")
        return QuizRun(self.collection, missed, clock=self.clock, timer=self.timer)
