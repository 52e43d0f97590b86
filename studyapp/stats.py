"""Statistics over the collection, headless: every function takes the store, ``now`` and a time zone.

The heavy lifting is SQL on indexed columns (range counts on ``reviewed_at`` and ``due``, GROUP BY on
the cards' tag sets), so the whole set stays fast on a collection of 100k cards and a million reviews.

Rules, so the numbers are unambiguous:

- **Days** are local study days in ``tz`` (``None``: the system's local time). A day starts at
  ``day_start_hour``:00 local time and is named by the calendar date it starts on; with the default
  hour 0 these are plain calendar days. ``all_stats`` uses the collection's ``day_start_hour`` setting,
  so "today" here is the same day as in the study queue.
- **Streak**: the number of consecutive days with at least one review, ending today. A day without
  reviews breaks it, except today: until the first review of today, the streak that ended yesterday
  still counts (it is not lost at midnight, only when a whole day passes without a review).
- **True retention**: of the reviews of cards that were in the Review state before the review, the
  share not rated Again. Windows: the last 7 and 30 days (today included) and all time; ``None``
  when a window has no such review.
- **Forecast**: cards (learning, review and relearning; not suspended, not retired) due on each of the
  next 30 days; day 0 also counts every overdue card. A buried card counts on the day it comes back.
- **Card counts**: ``new``, ``learning``, ``review`` and ``relearning`` count the cards that can be
  studied; ``suspended`` and ``buried`` count the cards set aside (the six add up to ``total``);
  ``leech`` counts the cards flagged as leeches, whatever else they are. Retired cards (no longer in
  any deck) are left out everywhere.
- **Misconceptions**: the diagnoses of wrong quiz answers (the known mistake a wrong number matched),
  counted per question form, most frequent first, with when each was last seen (an answer that matched
  several known mistakes counts under their names joined, "A or B", as its feedback said). One seen at least
  ``RECURRING`` times in the last ``MISCONCEPTION_DAYS`` days comes with an offer: the simulation preset
  of its latest question, and a practice question of the same kind.
- **Mastery**: per tag, the mean fsrs retrievability at ``now`` of the tag's *studied* cards (reviewed
  at least once, suspended ones included). New cards are excluded from the mean, which measures what
  you have learnt; ``studied`` out of ``cards`` says how much of the tag that is. ``known`` is the share
  of the whole tag you would recall now: the sum of retrievability over *all* its cards divided by
  their number, an unstudied card counting as not known (``retrievability * studied / cards``).
  Retrievability is fsrs's forgetting curve with the FSRS parameters in use: the learner's fitted ones
  (the ``fsrs_parameters`` setting, as ``studyapp optimize --apply`` stores them), else fsrs's defaults.
- **Calibration**: of the predictions made (a number typed before a simulation's answer was shown, in a
  review or in the simulation screen), how many were within tolerance, overall and per tag of the card
  predicted (a prediction counts for each of its card's tags; one made in the simulation screen without
  a card counts overall only).
"""

from __future__ import annotations

import json
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import partial
from typing import Any, Protocol, TypeVar

from studyapp.activity import (
    HEATMAP_DAYS,
    StudyDays,
    check_days,
    current_streak,
    epoch_ms,
    reviews_per_day,
)
from studyapp.scheduler import Scheduler, check_utc
from studyapp.store import Store
from studyapp.store.statistics import RetrievabilitySums

FORECAST_DAYS = 30
#: A misconception seen this many times within ``MISCONCEPTION_DAYS`` days offers its simulation and practice.
RECURRING = 2
MISCONCEPTION_DAYS = 14
#: The most frequent misconceptions listed.
MISCONCEPTIONS_SHOWN = 10
RETENTION_WINDOWS: dict[str, int | None] = {"last_7_days": 7, "last_30_days": 30, "all_time": None}
_BEFORE_ALL = -(2**62)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
T = TypeVar("T")


# -- retention, forecast, counts ------------------------------------------------------------------


@dataclass(frozen=True)
class Retention:
    """Reviews of Review-state cards in a window, how many were not rated Again, and their share."""

    reviews: int
    passed: int

    @property
    def retention(self) -> float | None:
        """``passed / reviews``, or ``None`` without reviews."""
        return self.passed / self.reviews if self.reviews else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: reviews, passed and retention."""
        return {"reviews": self.reviews, "passed": self.passed, "retention": self.retention}


def true_retention(
    store: Store, now: datetime, tz: tzinfo | None = None, *, day_start_hour: int = 0
) -> dict[str, Retention]:
    """True retention over the last 7 days, the last 30 days (today included) and all time."""
    calendar = StudyDays(tz, day_start_hour)
    today = calendar.day_of(now)
    starts = [
        None if days is None else calendar.start_ms(today - timedelta(days=days - 1))
        for days in RETENTION_WINDOWS.values()
    ]
    counts = store.retention_windows(starts)
    return {name: Retention(*found) for name, found in zip(RETENTION_WINDOWS, counts, strict=True)}


def due_forecast(
    store: Store,
    now: datetime,
    tz: tzinfo | None = None,
    *,
    days: int = FORECAST_DAYS,
    day_start_hour: int = 0,
) -> list[tuple[date, int]]:
    """``(day, cards due)`` for today and the following days; today includes every overdue card."""
    days = check_days("days", days)
    calendar = StudyDays(tz, day_start_hour)
    today = calendar.day_of(now)
    ranges = calendar.ranges(today, days)
    now_ms = epoch_ms(now)
    counts = store.due_per_range([(_BEFORE_ALL, ranges[0][1]), *ranges[1:]], now_ms)
    ends = [end for _start, end in ranges]
    for back in store.buried_returns(now_ms):
        index = bisect_right(ends, back)
        if index < days:
            counts[index] += 1
    return [(today + timedelta(days=i), count) for i, count in enumerate(counts)]


@dataclass(frozen=True)
class CardCounts:
    """Cards by study state (see the module docstring for what each count includes)."""

    new: int = 0
    learning: int = 0
    review: int = 0
    relearning: int = 0
    suspended: int = 0
    buried: int = 0
    leech: int = 0

    @property
    def total(self) -> int:
        """Every card that is not retired."""
        return self.new + self.learning + self.review + self.relearning + self.suspended + self.buried


def card_counts(store: Store, now: datetime) -> CardCounts:
    """How many cards are new, learning, review, relearning, suspended, buried, and leeches."""
    by_state, buried, suspended, leech = store.cards_by_state(epoch_ms(now))
    return CardCounts(
        new=by_state.get(0, 0),
        learning=by_state.get(1, 0),
        review=by_state.get(2, 0),
        relearning=by_state.get(3, 0),
        suspended=suspended,
        buried=buried,
        leech=leech,
    )


# -- mastery ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mastery:
    """A group of cards: how many, how many were studied, and their mean retrievability."""

    cards: int
    studied: int
    retrievability: float | None

    @property
    def known(self) -> float | None:
        """Retrievability summed over all the cards, divided by their number (unstudied cards count 0);
        ``None`` for a group without cards."""
        if not self.cards:
            return None
        return (self.retrievability or 0.0) * self.studied / self.cards

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: cards, studied, retrievability (of the studied cards) and known (of all)."""
        return {**asdict(self), "known": self.known}


def forgetting_curve(parameters: Sequence[float] = ()) -> tuple[float, float]:
    """FSRS-6's forgetting-curve constants ``(factor, decay)`` for ``parameters`` (the learner's fitted
    ones; empty: fsrs's defaults, as the scheduler takes them): R(t, S) = (1 + factor * t / S) ** decay,
    with decay = -w[20] and R(S, S) = 0.9."""
    if not parameters:  # only then: fsrs is not needed on Home's first paint
        parameters = Scheduler(fuzz=False).parameters
    decay = -parameters[20]
    return 0.9 ** (1 / decay) - 1, decay


def _mastery(cards: int, studied: int, total: float) -> Mastery:
    return Mastery(cards, studied, total / studied if studied else None)


#: When the forgetting curve is evaluated, as the store takes it: ``(now in epoch ms, factor, decay)``.
RecallCurve = tuple[int, float, float]


def recall_curve(store: Store, now: datetime, parameters: Sequence[float] | None = None) -> RecallCurve:
    """The forgetting curve at ``now`` with the FSRS ``parameters`` in use (``None``: the collection's,
    as the scheduler loads them)."""
    if parameters is None:
        parameters = store.settings().fsrs_parameters
    return (epoch_ms(now), *forgetting_curve(parameters))


def mastery(
    store: Store, now: datetime, tags: Iterable[str] = (), *, parameters: Sequence[float] | None = None
) -> tuple[Mastery, dict[str, Mastery]]:
    """Mean retrievability at ``now`` of the studied cards, overall and per tag (each of ``tags`` too),
    with the FSRS ``parameters`` in use (``None``: the collection's, as the scheduler loads them)."""
    return mastery_of(store.retrievability_sums(*recall_curve(store, now, parameters)), tags)


def mastery_of(sums: RetrievabilitySums, tags: Iterable[str] = ()) -> tuple[Mastery, dict[str, Mastery]]:
    """``mastery`` from the store's ``retrievability_sums``, overall and by tag (each of ``tags`` too)."""
    overall, by_tag = sums
    per_tag = {tag: Mastery(0, 0, None) for tag in tags}
    for tag, found in by_tag.items():
        per_tag[tag] = _mastery(*found)
    return _mastery(*overall), dict(sorted(per_tag.items()))


# -- quizzes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accuracy:
    """Quiz attempts and how many were correct."""

    attempts: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        """``correct / attempts``, or ``None`` without attempts."""
        return self.correct / self.attempts if self.attempts else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: attempts, correct and accuracy."""
        return {"attempts": self.attempts, "correct": self.correct, "accuracy": self.accuracy}


@dataclass(frozen=True)
class QuizStats:
    """Quiz attempts overall, per question kind, and per tag of the card asked about."""

    overall: Accuracy
    by_kind: dict[str, Accuracy]
    by_tag: dict[str, Accuracy]


def quiz_stats(store: Store) -> QuizStats:
    """Counts and accuracy of every quiz attempt; an attempt about a card counts for each of its tags."""
    kinds, tags = store.quiz_accuracy()
    by_kind = {kind: Accuracy(attempts, correct) for kind, attempts, correct in kinds}
    by_tag = {tag: Accuracy(attempts, correct) for tag, attempts, correct in tags}
    overall = Accuracy(sum(a.attempts for a in by_kind.values()), sum(a.correct for a in by_kind.values()))
    return QuizStats(overall, by_kind, by_tag)


# -- calibration ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """Predictions and how many were within tolerance."""

    predictions: int
    within: int

    @property
    def share(self) -> float | None:
        """``within / predictions``, or ``None`` without predictions."""
        return self.within / self.predictions if self.predictions else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: predictions, within_tolerance and share."""
        return {"predictions": self.predictions, "within_tolerance": self.within, "share": self.share}


def calibration(store: Store) -> tuple[Calibration, dict[str, Calibration]]:
    """How often predictions were within tolerance: overall, and per tag of the predicted card."""
    (total, within), by_tag = store.calibration_counts()
    return Calibration(total, within), {tag: Calibration(n, ok) for tag, n, ok in by_tag}


# -- misconceptions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """What a recurring misconception offers: the simulation preset of its latest question (``sim`` with
    ``sim_params`` and ``sim_seed``) and a practice question of the same ``form``."""

    sim: str
    sim_params: Mapping[str, Any] = field(default_factory=dict)
    sim_seed: int = 0
    form: str = ""

    @property
    def practice(self) -> str:
        """The practice question's kind: ``conv-output-size`` for the form ``numeric:conv-output-size``."""
        return self.form.partition(":")[2] or self.form

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the simulation, its parameters and seed, and the practice question's kind."""
        return {
            "sim": self.sim,
            "sim_params": dict(self.sim_params),
            "sim_seed": self.sim_seed,
            "practice": self.practice,
        }


@dataclass(frozen=True)
class Misconception:
    """A diagnosis of wrong answers to one form of question: how often, how often lately, when last."""

    diagnosis: str
    form: str
    count: int
    recent: int
    last_seen: datetime
    offer: Offer | None = None

    @property
    def kind(self) -> str:
        """The question kind: the numeric kind's name (``conv-output-size``), else the form."""
        return self.form.partition(":")[2] or self.form

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; ``recent`` is the count within the last ``MISCONCEPTION_DAYS`` days."""
        return {
            "diagnosis": self.diagnosis,
            "kind": self.kind,
            "form": self.form,
            "count": self.count,
            "recent": self.recent,
            "recent_days": MISCONCEPTION_DAYS,
            "last_seen": self.last_seen.isoformat(),
            "offer": self.offer.to_dict() if self.offer is not None else None,
        }


def misconception_window(now: datetime) -> datetime:
    """The start of the window in which a misconception counts as recurring."""
    return check_utc(now) - timedelta(days=MISCONCEPTION_DAYS)


def offer_of(params: Mapping[str, Any], form: str) -> Offer | None:
    """The offer an attempt's stored parameters make: its simulation preset (``None`` without one)."""
    sim = params.get("sim")
    sim_params = params.get("sim_params", {})
    seed = params.get("sim_seed", 0)
    if not isinstance(sim, str) or not isinstance(sim_params, dict) or not isinstance(seed, int):
        return None
    return Offer(sim, sim_params, seed, form)


#: Makes the offer of a wrong answer's stored parameters and form (``offer_of``, or the quiz's rule that
#: also knows drill instances: ``studyapp.misconceptions.offer_for``).
OfferRule = Callable[[Mapping[str, Any], str], Offer | None]


def misconceptions(
    store: Store,
    now: datetime,
    limit: int = MISCONCEPTIONS_SHOWN,
    *,
    offer_for: OfferRule = offer_of,
) -> list[Misconception]:
    """The most frequent misconceptions, each with an offer when it recurred lately (see the module);
    ``offer_for`` makes the offer of the latest answer's stored parameters and form."""
    found = []
    for form, kind, diagnosis, count, recent, _id, at, params in store.diagnosis_counts(
        misconception_window(now), limit
    ):
        form = form if isinstance(form, str) else kind
        offer = offer_for(json.loads(params), form) if recent >= RECURRING else None
        last = EPOCH + timedelta(milliseconds=at)
        found.append(Misconception(diagnosis, form, int(count), int(recent), last, offer))
    return found


def recent_diagnoses(store: Store, form: str, diagnosis: str, now: datetime) -> int:
    """How many recorded answers to questions of ``form`` got ``diagnosis`` within the window."""
    return store.count_diagnosis(form, diagnosis, misconception_window(now))


# -- everything ------------------------------------------------------------------------------------


class CardSource(Protocol):
    """The loaded decks as ``all_stats`` needs them: their tags (``studyapp.content.Library`` has them,
    from the deck cache without reading the cards)."""

    @property
    def tags(self) -> Sequence[str]: ...


#: The parts of ``all_stats``, in the order of its keys: each is a key of the result, except ``reviews``,
#: which gives ``reviews_today``, ``streak`` and ``reviews_per_day``.
SECTIONS = ("cards", "reviews", "retention", "forecast", "mastery", "quiz", "misconceptions", "calibration")


def all_stats(
    store: Store,
    library: CardSource | None,
    now: datetime,
    tz: tzinfo | None = None,
    *,
    sections: Iterable[str] = SECTIONS,
    offer_for: OfferRule = offer_of,
    heatmap_days: int = HEATMAP_DAYS,
) -> dict[str, Any]:
    """Every statistic as one JSON-ready dict; ``library`` (the loaded decks, or ``None``) lists the tags.
    Only the ``sections`` asked for (some of ``SECTIONS``) are computed and returned; ``offer_for`` makes
    the misconceptions' offers; ``reviews_per_day`` has the last ``heatmap_days`` days. Mastery, a
    pass over every card, is computed beside the other sections, in a thread on a connection of its own
    (measured at 50k cards: 52 ms for all of them, against 70 ms one after the other)."""
    wanted = set(sections)
    if not wanted <= set(SECTIONS):
        raise ValueError(f"sections must be some of {', '.join(SECTIONS)}, got {sorted(wanted)!r}")
    now, settings = check_utc(now), store.settings()
    days: dict[str, Any] = {"tz": tz, "day_start_hour": settings.day_start_hour}
    tags = set(library.tags) if library is not None else set()
    if "mastery" in wanted:  # started first, beside the rest
        curve = recall_curve(store, now, settings.fsrs_parameters)
        sums = _beside(store, lambda reader: reader.retrievability_sums(*curve))

    def section(name: str) -> dict[str, Any]:
        if name == "cards":
            counts = card_counts(store, now)
            return {"cards": {**asdict(counts), "total": counts.total}}
        if name == "reviews":
            heatmap = reviews_per_day(store, now, days=heatmap_days, **days)
            return {
                "reviews_today": heatmap[-1][1],
                "streak": current_streak(store, now, **days),
                "reviews_per_day": {day.isoformat(): count for day, count in heatmap},
            }
        if name == "retention":
            retention = true_retention(store, now, **days)
            return {"retention": {name: value.to_dict() for name, value in retention.items()}}
        if name == "forecast":
            forecast = due_forecast(store, now, **days)
            return {"forecast": [{"date": day.isoformat(), "due": count} for day, count in forecast]}
        if name == "mastery":
            overall, per_tag = mastery_of(sums(), tags)
            tag_dicts = {tag: value.to_dict() for tag, value in per_tag.items()}
            return {"mastery": {"overall": overall.to_dict(), "tags": tag_dicts}}
        if name == "quiz":
            quiz = quiz_stats(store)
            kinds = {kind: value.to_dict() for kind, value in quiz.by_kind.items()}
            tagged = {tag: value.to_dict() for tag, value in quiz.by_tag.items()}
            return {"quiz": {**quiz.overall.to_dict(), "by_kind": kinds, "by_tag": tagged}}
        if name == "misconceptions":
            found = misconceptions(store, now, offer_for=offer_for)
            return {"misconceptions": [entry.to_dict() for entry in found]}
        predicted, predicted_by_tag = calibration(store)
        by_tag_share = {tag: value.to_dict() for tag, value in predicted_by_tag.items()}
        return {"calibration": {**predicted.to_dict(), "by_tag": by_tag_share}}

    # Mastery last, so that its part beside has the longest to run.
    order = sorted(wanted, key=lambda name: (name == "mastery", SECTIONS.index(name)))
    parts = {name: section(name) for name in order}
    result: dict[str, Any] = {
        "generated_at": now.isoformat(),
        "today": StudyDays(tz, settings.day_start_hour).day_of(now).isoformat(),
        "day_start_hour": settings.day_start_hour,
    }
    for name in SECTIONS:
        result |= parts.get(name, {})
    return result


def _beside(store: Store, work: Callable[[Store], T]) -> Callable[[], T]:
    """Start ``work`` in a thread of its own on a read-only connection of its own, beside what the caller
    does next on ``store``; the function returned waits for its result (or raises its error). Inside a
    write transaction (whose changes another connection cannot see yet) ``work`` runs on ``store``
    itself, when its result is asked for."""
    if store.writing:
        return partial(work, store)
    reader = store.reader()
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work(reader))
        except BaseException as error:  # raised in the caller's thread by result()
            failure.append(error)
        finally:
            reader.close()

    thread = threading.Thread(target=run, name="studyapp-statistics", daemon=True)
    thread.start()

    def result() -> T:
        thread.join()
        if failure:
            raise failure[0]
        return outcome[0]

    return result
