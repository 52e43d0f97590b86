"""The review log as FSRS sees it: study days, training items, and the learner's ratings and answer times.

A *study day* starts at the collection's ``day_start_hour`` (local time), as the study queue counts
days. fsrs-rs measures time between reviews in whole study days (``delta_t``), as Anki does from its
"next day starts at" hour.

Training items are built as Anki builds them: a card's history starts at its first review as a new
card; every later review makes one item holding the card's reviews up to and including it, and only
items whose last review came a day or more after the one before it are kept (same-day learning steps
are history, not something to predict). A card whose log does not start with it being new is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from itertools import pairwise
from statistics import median
from typing import TYPE_CHECKING

from studyapp.model import LoggedAnswer, Rating, StudyState, utc_ms
from studyapp.session import day_start

if TYPE_CHECKING:
    import fsrs_rs_python

#: Time zone offsets are whole quarter hours, so no study day starts inside one of these buckets.
_BUCKET_MS = 15 * 60 * 1000


class StudyCalendar:
    """Study days in ``tz`` (``None``: local time) that start at ``hour``:00."""

    def __init__(self, hour: int, tz: tzinfo | None = None) -> None:
        self.hour, self.tz = hour, tz
        self._dates: dict[int, date] = {}

    def date_of(self, moment: datetime) -> date:
        """The study day that ``moment`` falls in, named by the local date it starts on."""
        bucket = (utc_ms(moment) or 0) // _BUCKET_MS
        found = self._dates.get(bucket)
        if found is None:
            found = self._dates[bucket] = day_start(moment, self.hour, self.tz).astimezone(self.tz).date()
        return found

    def days_between(self, earlier: datetime, later: datetime) -> int:
        """Whole study days from ``earlier`` to ``later`` (0 on the same study day)."""
        return (self.date_of(later) - self.date_of(earlier)).days


#: One training item: ``(rating, delta_t)`` per review, oldest first.
Item = tuple[tuple[int, int], ...]


@dataclass
class TrainingSet:
    """The items fsrs-rs trains on, oldest last review first, and what the log held."""

    items: list[Item] = field(default_factory=list)
    #: Rows in the review log.
    reviews: int = 0
    #: Cards whose history starts with them being new (the others are left out).
    cards: int = 0

    def fsrs_items(self) -> list[fsrs_rs_python.FSRSItem]:
        """The items as fsrs-rs objects."""
        from fsrs_rs_python import FSRSItem, FSRSReview

        return [FSRSItem([FSRSReview(rating, delta_t) for rating, delta_t in item]) for item in self.items]


def card_items(reviews: Sequence[LoggedAnswer], calendar: StudyCalendar) -> list[tuple[int, Item]]:
    """One card's training items, each with the log id of its last review (Anki's rules, see above)."""
    starts = [i for i, review in enumerate(reviews) if review.state_before == StudyState.NEW]
    if not starts:
        return []
    history = reviews[starts[-1] :]
    steps: list[tuple[int, int]] = [(int(history[0].rating), 0)]
    items = []
    for previous, review in pairwise(history):
        delta_t = calendar.days_between(previous.reviewed_at, review.reviewed_at)
        steps.append((int(review.rating), delta_t))
        if delta_t > 0:
            items.append((review.id, tuple(steps)))
    return items


def training_set(reviews: Iterable[LoggedAnswer], calendar: StudyCalendar) -> TrainingSet:
    """The training items of a whole review log (in log order), sorted by the id of their last review."""
    by_card: dict[str, list[LoggedAnswer]] = {}
    count = 0
    for review in reviews:
        by_card.setdefault(review.card_id, []).append(review)
        count += 1
    numbered: list[tuple[int, Item]] = []
    cards = 0
    for card_reviews in by_card.values():
        found = card_items(card_reviews, calendar)
        cards += any(review.state_before == StudyState.NEW for review in card_reviews)
        numbered.extend(found)
    numbered.sort()
    return TrainingSet([item for _id, item in numbered], count, cards)


# -- the learner's ratings and answer times, for the simulator ------------------------------------

#: The simulator's phases: a new card's first answer and its learning steps, a review, a relearning step.
LEARNING, REVIEW, RELEARNING = 0, 1, 2
PHASE_OF_STATE = {
    StudyState.NEW: LEARNING,
    StudyState.LEARNING: LEARNING,
    StudyState.REVIEW: REVIEW,
    StudyState.RELEARNING: RELEARNING,
}
#: Below these counts a learner's own shares and times are too noisy: fsrs-rs's averages are used.
MIN_RATINGS = 50
MIN_TIMES = 10
#: Longer answers are counted as this long (a learner who walked away).
MAX_SECONDS = 1200.0
#: How many of the latest answers describe how the learner answers now (well over a year of study at
#: 100 answers a day), read in a fraction of a second from a log of any size.
PROFILE_ANSWERS = 50_000


@dataclass(frozen=True)
class AnswerProfile:
    """How the learner answers: the shares of first ratings and of passing review ratings, and the median
    seconds of an answer per phase and rating; ``None`` where the history holds too few."""

    first_rating_prob: tuple[float, ...] | None
    review_rating_prob: tuple[float, ...] | None
    #: ``seconds[phase][rating - 1]``.
    seconds: tuple[tuple[float | None, ...], ...]
    first_ratings: int
    passed_reviews: int


def answer_profile(answers: Iterable[tuple[int, int, int | None]]) -> AnswerProfile:
    """The learner's ``AnswerProfile`` from the ``(state_before, rating, duration_ms)`` of their answers
    (``Store.recent_answers``)."""
    first = [0, 0, 0, 0]
    passed = [0, 0, 0]
    times: list[list[list[float]]] = [[[] for _rating in Rating] for _phase in range(3)]
    phases = [PHASE_OF_STATE[state] for state in StudyState]
    for state, rating, duration_ms in answers:
        if state == StudyState.NEW:
            first[rating - 1] += 1
        elif state == StudyState.REVIEW and rating > 1:
            passed[rating - 2] += 1
        if duration_ms is not None:
            times[phases[state]][rating - 1].append(min(duration_ms / 1000, MAX_SECONDS))
    first_total, passed_total = sum(first), sum(passed)
    return AnswerProfile(
        first_rating_prob=_shares(first, first_total),
        review_rating_prob=_shares(passed, passed_total),
        seconds=tuple(
            tuple(median(values) if len(values) >= MIN_TIMES else None for values in phase) for phase in times
        ),
        first_ratings=first_total,
        passed_reviews=passed_total,
    )


def _shares(counts: Sequence[int], total: int) -> tuple[float, ...] | None:
    return tuple(count / total for count in counts) if total >= MIN_RATINGS else None
