"""FSRS scheduling: wraps ``fsrs.Scheduler`` (default parameters, learning steps, fuzzing for real reviews).

All datetimes are timezone-aware UTC; naive ones are rejected. A clock that moved behind a card's
last review is clamped to that review, so elapsed time and intervals are never negative.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache, partial
from typing import TYPE_CHECKING, NamedTuple

from studyapp.model import CardState, Rating, StudyState

if TYPE_CHECKING:
    import fsrs  # imported where used: opening a collection and counting cards never need it

MIN_RETENTION, MAX_RETENTION = 0.7, 0.99
# fsrs only puts the card id into its ReviewLog; an explicit one avoids its 1 ms sleep.
_FSRS_CARD_ID = 0


def check_utc(now: datetime, name: str = "now") -> datetime:
    """``now`` itself if it is timezone-aware; converted to UTC. Naive datetimes raise ``ValueError``."""
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime (UTC), got {now!r}")
    return now.astimezone(UTC)


def check_rating(rating: int) -> Rating:
    """``rating`` as a ``Rating``; anything but 1-4 raises ``ValueError``."""
    return Rating.parse(rating)


def review_time(state: CardState, now: datetime) -> datetime:
    """The time a review at ``now`` is scheduled from: ``now``, or the last review if the clock went back."""
    return review_time_after(state.last_review, now)


def review_time_after(last_review: datetime | None, now: datetime) -> datetime:
    """``review_time`` for a card last reviewed at ``last_review`` (``None``: never)."""
    if type(now) is not datetime or now.tzinfo is not UTC:  # a replay's times are UTC already
        now = check_utc(now)
    if now.microsecond % 1000:
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # the store keeps milliseconds
    if last_review is not None and now < last_review:
        return last_review
    return now


def to_fsrs(state: CardState, now: datetime) -> fsrs.Card:
    """The fsrs card for a stored state; a new card is fsrs's Learning state at step 0."""
    import fsrs

    if state.state == StudyState.NEW:
        return fsrs.Card(card_id=_FSRS_CARD_ID, state=fsrs.State.Learning, step=0, due=now)
    return fsrs.Card(
        card_id=_FSRS_CARD_ID,
        state=fsrs.State(int(state.state)),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due if state.due is not None else now,
        last_review=state.last_review,
    )


@cache
def _fsrs_ratings() -> dict[Rating, fsrs.Rating]:
    """fsrs's rating for each of ours (looked up once per answer of a replay)."""
    import fsrs

    return {rating: fsrs.Rating(int(rating)) for rating in Rating}


class ReplayedAnswer(NamedTuple):
    """One answer of a replayed history: the time it counts at, fsrs's card after it, and how many reviews
    and lapses the card has had so far (fsrs counts neither)."""

    when: datetime
    card: fsrs.Card
    reps: int
    lapses: int

    def state(self) -> CardState:
        """The state ``Scheduler.review`` leaves after this answer (neither suspended, buried nor a leech)."""
        card = self.card
        return CardState(
            StudyState(int(card.state)),
            card.step,
            card.stability,
            card.difficulty,
            card.due,
            card.last_review,
            self.reps,
            self.lapses,
        )


@cache
def _replay_card() -> type[fsrs.Card]:
    """fsrs's card with a shallow ``__copy__``: fsrs copies the card it is given on every review, and the
    copy protocol's default (through ``__reduce_ex__``) costs about a sixth of a replayed answer."""
    import fsrs

    class ReplayCard(fsrs.Card):
        def __copy__(self) -> ReplayCard:
            card = object.__new__(ReplayCard)
            card.__dict__.update(self.__dict__)
            return card

    return ReplayCard


class Scheduler:
    """Reviews card states with FSRS; ``preview`` shows each rating's interval without fuzz.

    ``parameters``: FSRS's 21 parameters (fitted to the learner's history); ``None`` or empty: the defaults.
    """

    def __init__(
        self, desired_retention: float = 0.9, *, fuzz: bool = True, parameters: Sequence[float] | None = None
    ) -> None:
        import fsrs

        if not MIN_RETENTION <= desired_retention <= MAX_RETENTION:
            raise ValueError(
                f"desired_retention must be from {MIN_RETENTION} to {MAX_RETENTION}, got {desired_retention}"
            )
        self.desired_retention = desired_retention
        make = partial(fsrs.Scheduler, tuple(parameters)) if parameters else fsrs.Scheduler
        self._fsrs = make(desired_retention=desired_retention, enable_fuzzing=fuzz)
        self._exact = (
            self._fsrs if not fuzz else make(desired_retention=desired_retention, enable_fuzzing=False)
        )

    @property
    def parameters(self) -> tuple[float, ...]:
        """The 21 FSRS parameters this scheduler uses."""
        return tuple(self._fsrs.parameters)

    @property
    def learning_steps(self) -> int:
        """How many same-day steps a new card goes through before its first interval in days."""
        return len(self._fsrs.learning_steps)

    @property
    def relearning_steps(self) -> int:
        """How many same-day steps a forgotten card goes through before it is back in review."""
        return len(self._fsrs.relearning_steps)

    def review(self, state: CardState, rating: Rating, now: datetime) -> tuple[CardState, datetime]:
        """The state after rating the card at ``now``, and the (clamped) time the review counts at."""
        rating = check_rating(rating)
        when = review_time(state, now)
        after = self._review_with(self._fsrs, state, rating, when)
        return after, when

    def replay(self, answers: Iterable[tuple[Rating, datetime]]) -> Iterator[ReplayedAnswer]:
        """A new card's answers ``(rating, now)`` in turn, each scheduled as ``review`` schedules it from
        the state the one before left; fsrs's card goes from one answer to the next as it is."""
        import fsrs

        review_card, ratings = self._fsrs.review_card, _fsrs_ratings()
        card: fsrs.Card | None = None
        lapses = 0
        for reps, (rating, now) in enumerate(answers, start=1):
            if type(rating) is not Rating:
                rating = check_rating(rating)
            when = review_time_after(card.last_review if card is not None else None, now)
            if card is None:
                card = _replay_card()(card_id=_FSRS_CARD_ID, state=fsrs.State.Learning, step=0, due=when)
            elif card.state == fsrs.State.Review and rating == Rating.AGAIN:
                lapses += 1
            card = review_card(card, ratings[rating], when)[0]
            yield ReplayedAnswer(when, card, reps, lapses)

    def preview(self, state: CardState, now: datetime) -> dict[Rating, timedelta]:
        """The interval each rating (1-4) would give at ``now``, computed on a copy without fuzz."""
        when = review_time(state, now)
        return {
            rating: self._due_or_now(self._review_with(self._exact, state, rating, when), when) - when
            for rating in Rating
        }

    def retrievability(self, state: CardState, now: datetime) -> float:
        """The predicted probability of recall at ``now`` (0 for a card never reviewed)."""
        when = review_time(state, now)
        return float(self._fsrs.get_card_retrievability(to_fsrs(state, when), when))

    @staticmethod
    def _due_or_now(state: CardState, now: datetime) -> datetime:
        return state.due if state.due is not None else now

    @staticmethod
    def _review_with(
        scheduler: fsrs.Scheduler, state: CardState, rating: Rating, when: datetime
    ) -> CardState:
        import fsrs

        card, _log = scheduler.review_card(to_fsrs(state, when), fsrs.Rating(rating), when)
        lapsed = state.state == StudyState.REVIEW and rating == 1
        return replace(
            state,
            state=StudyState(int(card.state)),
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=card.due,
            last_review=card.last_review,
            reps=state.reps + 1,
            lapses=state.lapses + (1 if lapsed else 0),
        )


def format_interval(interval: timedelta) -> str:
    """A short interval like Anki shows: "45s", "10m", "3h", "1d", "3.5mo", "1.2y"."""
    seconds = max(interval.total_seconds(), 0.0)
    minutes, hours, days = seconds / 60, seconds / 3600, seconds / 86400
    if seconds < 60:
        return f"{round(seconds)}s"
    if minutes < 59.5:
        return f"{round(minutes)}m"
    if hours < 23.5:
        return _one_decimal(hours, "h")
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return _one_decimal(days / 30.4375, "mo")
    return _one_decimal(days / 365.25, "y")


def _one_decimal(value: float, unit: str) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text}{unit}"


def format_local(moment: datetime, tz: tzinfo | None = None) -> str:
    """``moment`` in local time (or ``tz``) as "2025-03-01 14:05"."""
    return check_utc(moment, "moment").astimezone(tz).strftime("%Y-%m-%d %H:%M")
