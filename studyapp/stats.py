"""Statistics over the collection, headless: every function takes the store, ``now`` and a time zone.

The heavy lifting is SQL on indexed columns (range counts on ``reviewed_at`` and ``due``, GROUP BY on
the tag index), so the whole set stays fast on a collection of 100k cards and a million reviews.

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
- **Mastery**: per tag, the mean fsrs retrievability at ``now`` of the tag's *studied* cards (reviewed
  at least once, suspended ones included). New cards are excluded from the mean, which measures what
  you have learnt; ``studied`` out of ``cards`` says how much of the tag that is.
"""

from __future__ import annotations

import math
import sqlite3
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from studyapp.activity import (
    StudyDays,
    check_days,
    current_streak,
    epoch_ms,
    per_range,
    reviews_per_day,
)
from studyapp.model import Card
from studyapp.scheduler import check_utc
from studyapp.store import Store

FORECAST_DAYS = 30
RETENTION_WINDOWS: dict[str, int | None] = {"last_7_days": 7, "last_30_days": 30, "all_time": None}
_DAY_MS = 86_400_000
_BEFORE_ALL = -(2**62)
_SCHEDULED = "state IN (1, 2, 3) AND suspended = 0 AND retired = 0"


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
    result = {}
    for name, days in RETENTION_WINDOWS.items():
        since = _BEFORE_ALL if days is None else calendar.start_ms(today - timedelta(days=days - 1))
        total, passed = store.conn.execute(
            "SELECT count(*), coalesce(sum(rating != 1), 0) FROM reviews WHERE state_before = 2 "
            "AND reviewed_at >= ?",
            (since,),
        ).fetchone()
        result[name] = Retention(int(total), int(passed))
    return result


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
    counts = per_range(
        store.conn,
        f"SELECT count(*) FROM cards WHERE {_SCHEDULED} AND due >= lo AND due < hi "
        "AND (buried_until IS NULL OR buried_until <= ?)",
        [(_BEFORE_ALL, ranges[0][1]), *ranges[1:]],
        now_ms,
    )
    ends = [end for _start, end in ranges]
    for (back,) in store.conn.execute(
        f"SELECT max(due, buried_until) FROM cards WHERE {_SCHEDULED} AND buried_until > ?", (now_ms,)
    ):
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
    now_ms = epoch_ms(now)
    conn = store.conn
    by_state = dict(
        conn.execute(
            "SELECT state, count(*) FROM cards WHERE suspended = 0 AND retired = 0 "
            "AND (buried_until IS NULL OR buried_until <= ?) GROUP BY state",
            (now_ms,),
        ).fetchall()
    )
    (buried,) = conn.execute(
        "SELECT count(*) FROM cards WHERE suspended = 0 AND retired = 0 AND buried_until > ?", (now_ms,)
    ).fetchone()
    suspended, leech = conn.execute(
        "SELECT coalesce(sum(suspended != 0), 0), coalesce(sum(leech != 0), 0) FROM cards WHERE retired = 0"
    ).fetchone()
    return CardCounts(
        new=by_state.get(0, 0),
        learning=by_state.get(1, 0),
        review=by_state.get(2, 0),
        relearning=by_state.get(3, 0),
        suspended=int(suspended),
        buried=int(buried),
        leech=int(leech),
    )


# -- mastery ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mastery:
    """A group of cards: how many, how many were studied, and their mean retrievability."""

    cards: int
    studied: int
    retrievability: float | None


def _ensure_pow(conn: sqlite3.Connection) -> None:
    """Give the connection a ``pow`` SQL function when SQLite was built without its math functions."""
    try:
        conn.execute("SELECT pow(2.0, 0.5)").fetchone()
    except sqlite3.OperationalError:
        conn.create_function("pow", 2, math.pow, deterministic=True)


def _retrievability_sql() -> tuple[str, tuple[float, float]]:
    """fsrs's ``get_card_retrievability`` of a ``cards`` row as SQL, and its two constants."""
    import fsrs  # only here: the rest of the statistics, on Home's first paint, don't need it

    decay = -fsrs.Scheduler(enable_fuzzing=False).parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    # (1 + factor * elapsed_days / stability) ** decay, elapsed in whole days; 0 for a card never reviewed.
    expression = (
        "CASE WHEN c.last_review IS NULL OR c.stability IS NULL THEN 0.0 "
        "ELSE pow(1 + :factor * (max(0, :now - c.last_review) / 86400000) / c.stability, :decay) END"
    )
    return expression, (factor, decay)


def mastery(store: Store, now: datetime, tags: Iterable[str] = ()) -> tuple[Mastery, dict[str, Mastery]]:
    """Mean retrievability at ``now`` of the studied cards, overall and per tag (each of ``tags`` too)."""
    _ensure_pow(store.conn)
    r_sql, (factor, decay) = _retrievability_sql()
    params = {"factor": factor, "decay": decay, "now": epoch_ms(now)}
    studied_r = f"CASE WHEN c.state != 0 THEN {r_sql} END"
    per_tag = {tag: Mastery(0, 0, None) for tag in tags}
    for tag, cards, studied, total in store.conn.execute(
        f"SELECT t.tag, count(*), sum(c.state != 0), sum({studied_r}) FROM card_tags t "
        "JOIN cards c ON c.card_id = t.card_id WHERE c.retired = 0 GROUP BY t.tag",
        params,
    ):
        per_tag[tag] = Mastery(cards, studied, total / studied if studied else None)
    cards, studied, total = store.conn.execute(
        f"SELECT count(*), coalesce(sum(c.state != 0), 0), sum({studied_r}) FROM cards c WHERE c.retired = 0",
        params,
    ).fetchone()
    overall = Mastery(cards, studied, total / studied if studied else None)
    return overall, dict(sorted(per_tag.items()))


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
    conn = store.conn
    by_kind = {
        kind: Accuracy(attempts, correct)
        for kind, attempts, correct in conn.execute(
            "SELECT kind, count(*), sum(correct != 0) FROM quiz_attempts GROUP BY kind ORDER BY kind"
        )
    }
    # Driven from the attempts: one tag-index lookup per attempt about a card.
    by_tag = {
        tag: Accuracy(attempts, correct)
        for tag, attempts, correct in conn.execute(
            "SELECT t.tag, count(*), sum(q.correct != 0) FROM quiz_attempts q "
            "CROSS JOIN card_tags t ON t.card_id = q.card_id GROUP BY t.tag ORDER BY t.tag"
        )
    }
    overall = Accuracy(sum(a.attempts for a in by_kind.values()), sum(a.correct for a in by_kind.values()))
    return QuizStats(overall, by_kind, by_tag)


# -- everything ------------------------------------------------------------------------------------


class CardSource(Protocol):
    """The loaded decks as ``all_stats`` needs them (``studyapp.content.Library`` is one)."""

    @property
    def cards(self) -> Sequence[Card]: ...


def all_stats(
    store: Store, library: CardSource | None, now: datetime, tz: tzinfo | None = None
) -> dict[str, Any]:
    """Every statistic as one JSON-ready dict; ``library`` (the loaded decks, or ``None``) lists the tags."""
    now = check_utc(now)
    hour = store.settings().day_start_hour
    heatmap = reviews_per_day(store, now, tz, day_start_hour=hour)
    tags = {tag for card in library.cards for tag in card.tags} if library is not None else set()
    overall, per_tag = mastery(store, now, tags)
    quiz = quiz_stats(store)
    counts = card_counts(store, now)
    return {
        "generated_at": now.isoformat(),
        "today": heatmap[-1][0].isoformat(),
        "day_start_hour": hour,
        "cards": {**asdict(counts), "total": counts.total},
        "reviews_today": heatmap[-1][1],
        "streak": current_streak(store, now, tz, day_start_hour=hour),
        "reviews_per_day": {day.isoformat(): count for day, count in heatmap},
        "retention": {
            name: value.to_dict()
            for name, value in true_retention(store, now, tz, day_start_hour=hour).items()
        },
        "forecast": [
            {"date": day.isoformat(), "due": count}
            for day, count in due_forecast(store, now, tz, day_start_hour=hour)
        ],
        "mastery": {
            "overall": asdict(overall),
            "tags": {tag: asdict(value) for tag, value in per_tag.items()},
        },
        "quiz": {
            **quiz.overall.to_dict(),
            "by_kind": {kind: value.to_dict() for kind, value in quiz.by_kind.items()},
            "by_tag": {tag: value.to_dict() for tag, value in quiz.by_tag.items()},
        },
    }
