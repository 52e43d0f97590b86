"""Study activity over the review log: study days, reviews per day and the streak.

Split from ``studyapp.stats`` so Home can show today's reviews and the streak without loading
every statistic (see the rules on days and the streak there).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise

from studyapp.scheduler import check_utc
from studyapp.store import Store

HEATMAP_DAYS = 365
MAX_DAYS = 3660
#: The most days ``current_streak`` looks at in one query.
STREAK_CHUNK_DAYS = 128
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def epoch_ms(moment: datetime) -> int:
    """Whole milliseconds since the epoch of an aware datetime, rounded down, computed exactly."""
    return (check_utc(moment, "moment") - _EPOCH) // _MS


@dataclass(frozen=True)
class StudyDays:
    """Local study days: each starts at ``day_start_hour``:00 in ``tz`` (``None``: system local time)."""

    tz: tzinfo | None = None
    day_start_hour: int = 0

    def __post_init__(self) -> None:
        hour = self.day_start_hour
        if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
            raise ValueError(f"day_start_hour must be an integer from 0 to 23, got {hour!r}")

    def day_of(self, moment: datetime) -> date:
        """The study day containing ``moment``, named by the date it starts on."""
        local = check_utc(moment).astimezone(self.tz)
        return local.date() if local.hour >= self.day_start_hour else local.date() - timedelta(days=1)

    def start_ms(self, day: date) -> int:
        """When ``day`` starts, in epoch milliseconds (a start inside a DST gap moves to the gap's end)."""
        naive = datetime.combine(day, time(self.day_start_hour))
        local = naive.replace(tzinfo=self.tz) if self.tz is not None else naive.astimezone()
        return epoch_ms(local)

    def ranges(self, first: date, count: int) -> list[tuple[int, int]]:
        """``[start, end)`` in epoch milliseconds of ``count`` consecutive days from ``first``."""
        starts = [self.start_ms(first + timedelta(days=i)) for i in range(count + 1)]
        return list(pairwise(starts))


def check_days(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        raise ValueError(f"{name} must be an integer from 1 to {MAX_DAYS}, got {value!r}")
    return value


# -- reviews per day and the streak ---------------------------------------------------------------


def reviews_per_day(
    store: Store,
    now: datetime,
    tz: tzinfo | None = None,
    *,
    days: int = HEATMAP_DAYS,
    day_start_hour: int = 0,
) -> list[tuple[date, int]]:
    """``(day, reviews)`` for the last ``days`` study days, oldest first, ending with today."""
    days = check_days("days", days)
    calendar = StudyDays(tz, day_start_hour)
    first = calendar.day_of(now) - timedelta(days=days - 1)
    counts = store.reviews_per_range(calendar.ranges(first, days))
    return [(first + timedelta(days=i), count) for i, count in enumerate(counts)]


def current_streak(store: Store, now: datetime, tz: tzinfo | None = None, *, day_start_hour: int = 0) -> int:
    """Consecutive study days with a review, ending today (or yesterday while today has none yet).

    The days are looked at back from today in chunks, the first ones small (most streaks are short)
    and none longer than ``STREAK_CHUNK_DAYS``: a chunk's days past the streak's start are computed
    for nothing, and a day's bounds cost more than its query."""
    calendar = StudyDays(tz, day_start_hour)
    today = newest = calendar.day_of(now)
    streak, chunk = 0, 32
    while True:
        first = newest - timedelta(days=chunk - 1)
        flags = store.ranges_with_reviews(calendar.ranges(first, chunk))
        for back, flag in enumerate(reversed(flags)):
            if flag:
                streak += 1
            elif newest - timedelta(days=back) != today:
                return streak
        newest = first - timedelta(days=1)
        chunk = min(chunk * 2, STREAK_CHUNK_DAYS)
