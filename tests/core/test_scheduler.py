"""The FSRS wrapper: pinned golden intervals, closed-form checks, previews, the clock moving backwards."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import fsrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.model import CardState, StudyState
from studyapp.scheduler import Scheduler, format_interval, format_local, review_time

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
W = fsrs.scheduler.DEFAULT_PARAMETERS

# Computed once from fsrs 6.3 (default parameters, desired retention 0.9, fuzzing off) and pinned:
# (rating, state after, step, stability, difficulty, interval). Each review happens when the card is due.
GOLDEN = [
    (3, StudyState.LEARNING, 1, 2.3065, 2.118103970459016, timedelta(minutes=10)),
    (3, StudyState.REVIEW, None, 2.3065, 2.111214235785395, timedelta(days=2)),
    (3, StudyState.REVIEW, None, 10.971048263078135, 2.1043313908464483, timedelta(days=11)),
    (3, StudyState.REVIEW, None, 46.316858440073425, 2.0974554287524403, timedelta(days=46)),
    (1, StudyState.RELEARNING, 0, 2.9338452901880046, 7.387715706030851, timedelta(minutes=10)),
    (3, StudyState.REVIEW, None, 2.9338452901880046, 7.375556359621658, timedelta(days=3)),
    (2, StudyState.REVIEW, None, 5.85981081282548, 8.243000381740053, timedelta(days=6)),
    (4, StudyState.REVIEW, None, 18.20855057710452, 7.641121354796629, timedelta(days=18)),
    (3, StudyState.REVIEW, None, 38.3609224415191, 7.62870860273867, timedelta(days=38)),
]


def test_golden_review_sequence() -> None:
    scheduler = Scheduler(0.9, fuzz=False)
    state, now = CardState(), T0
    for number, (rating, phase, step, stability, difficulty, interval) in enumerate(GOLDEN, start=1):
        after, when = scheduler.review(state, rating, now)
        assert when == now
        assert (after.state, after.step) == (phase, step)
        assert after.stability == pytest.approx(stability, rel=1e-12)
        assert after.difficulty == pytest.approx(difficulty, rel=1e-12)
        assert after.due is not None and after.due - when == interval
        assert after.last_review == when
        assert after.reps == number
        state, now = after, after.due
    assert state.lapses == 1


def test_first_review_matches_the_fsrs_closed_form() -> None:
    scheduler = Scheduler(0.9, fuzz=False)
    for rating in (1, 2, 3, 4):
        after, _ = scheduler.review(CardState(), rating, T0)
        assert after.stability == pytest.approx(W[rating - 1])
        d0 = W[4] - math.exp(W[5] * (rating - 1)) + 1
        assert after.difficulty == pytest.approx(min(max(d0, 1.0), 10.0))


def test_review_interval_is_the_stability_at_90_percent_retention() -> None:
    # With retention 0.9 the FSRS forgetting curve gives R(S) = 0.9, so the interval is round(S) days.
    scheduler = Scheduler(0.9, fuzz=False)
    state, now = CardState(), T0
    for rating in (4, 3, 3, 2, 3, 4):
        state, when = scheduler.review(state, rating, now)
        assert state.state == StudyState.REVIEW and state.stability is not None and state.due is not None
        assert state.due - when == timedelta(days=max(1, round(state.stability)))
        now = state.due


def test_lower_retention_gives_longer_intervals() -> None:
    state, _ = Scheduler(0.9, fuzz=False).review(CardState(), 4, T0)
    later = T0 + timedelta(days=8)
    strict = Scheduler(0.95, fuzz=False).preview(state, later)
    loose = Scheduler(0.8, fuzz=False).preview(state, later)
    assert loose[3] > strict[3] and loose[4] > strict[4]


def test_preview_equals_what_an_unfuzzed_review_gives_and_does_not_change_the_card() -> None:
    scheduler = Scheduler(0.9, fuzz=True)
    exact = Scheduler(0.9, fuzz=False)
    state, _ = exact.review(CardState(), 3, T0)
    state, _ = exact.review(state, 3, T0 + timedelta(minutes=10))
    now = T0 + timedelta(days=5)
    preview = scheduler.preview(state, now)
    assert set(preview) == {1, 2, 3, 4}
    for rating, interval in preview.items():
        after, when = exact.review(state, rating, now)
        assert after.due is not None and after.due - when == interval
    assert preview[1] < preview[2] < preview[3] < preview[4]
    assert state.reps == 2  # the card itself is untouched


def test_new_card_preview_uses_the_learning_steps() -> None:
    preview = Scheduler(0.9).preview(CardState(), T0)
    assert preview[1] == timedelta(minutes=1)
    assert preview[2] == timedelta(minutes=5, seconds=30)  # halfway between the 1 m and 10 m steps
    assert preview[3] == timedelta(minutes=10)
    assert preview[4] == timedelta(days=round(W[3]))


def test_fuzz_stays_within_fsrs_bounds() -> None:
    scheduler = Scheduler(0.9, fuzz=True)
    exact = Scheduler(0.9, fuzz=False)
    state, _ = exact.review(CardState(), 4, T0)
    now = T0 + timedelta(days=8)
    base = exact.preview(state, now)[3].days
    seen = set()
    for _ in range(200):
        after, when = scheduler.review(state, 3, now)
        assert after.due is not None
        seen.add((after.due - when).days)
    assert min(seen) >= base * 0.8 and max(seen) <= base * 1.2
    assert len(seen) > 1  # fuzz is on for real reviews


@pytest.mark.parametrize("rating", [1, 2, 3, 4])
def test_clock_moving_backwards_never_gives_a_negative_interval(rating: int) -> None:
    scheduler = Scheduler(0.9, fuzz=False)
    state, _ = scheduler.review(CardState(), 4, T0)
    earlier = T0 - timedelta(days=3)
    after, when = scheduler.review(state, rating, earlier)
    assert when == T0  # clamped to the last review
    assert after.due is not None and after.due > when
    assert after.stability is not None and after.stability > 0
    assert all(interval > timedelta(0) for interval in scheduler.preview(state, earlier).values())
    assert 0 < scheduler.retrievability(state, earlier) <= 1


@settings(max_examples=60, deadline=None)
@given(
    ratings=st.lists(st.integers(1, 4), min_size=1, max_size=12),
    gaps=st.lists(st.integers(-(10**7), 10**8), min_size=12, max_size=12),
)
def test_any_sequence_and_any_clock_keeps_the_state_valid(ratings: list[int], gaps: list[int]) -> None:
    scheduler = Scheduler(0.9)
    state, now = CardState(), T0
    for rating, gap in zip(ratings, gaps, strict=False):
        now = now + timedelta(seconds=gap)
        after, when = scheduler.review(state, rating, now)
        assert after.due is not None and after.last_review == when and after.due > when
        assert after.stability is not None and after.stability >= 0.001
        assert after.difficulty is not None and 1 <= after.difficulty <= 10
        assert after.reps == state.reps + 1
        assert after.lapses == state.lapses + (state.state == StudyState.REVIEW and rating == 1)
        state = after


def test_naive_datetimes_and_bad_ratings_are_rejected() -> None:
    scheduler = Scheduler()
    with pytest.raises(ValueError, match="timezone-aware"):
        scheduler.review(CardState(), 3, datetime(2025, 1, 1))
    for bad in (0, 5, True, "3"):
        with pytest.raises(ValueError, match="rating must be 1"):
            scheduler.review(CardState(), bad, T0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="desired_retention"):
        Scheduler(0.5)


def _answer_times(draw_gaps: list[int], zones: list[int], micro: list[int]) -> list[datetime]:
    """Answer times from gaps in seconds (some negative: the clock went back), each in another time zone
    and with microseconds (the review keeps milliseconds)."""
    times, now = [], T0
    for gap, zone, microseconds in zip(draw_gaps, zones, micro, strict=True):
        now = now + timedelta(seconds=gap)
        local = timezone(timedelta(hours=zone)) if zone else UTC
        times.append(now.replace(microsecond=microseconds).astimezone(local))
    return times


@settings(max_examples=150, deadline=None)
@given(
    ratings=st.lists(st.integers(1, 4), min_size=0, max_size=25),
    gaps=st.lists(st.integers(-(10**6), 10**8), min_size=25, max_size=25),
    zones=st.lists(st.sampled_from([0, 0, 0, 2, -7]), min_size=25, max_size=25),
    micro=st.lists(st.sampled_from([0, 0, 123_000, 999_999, 1]), min_size=25, max_size=25),
    fitted=st.booleans(),
    retention=st.sampled_from([0.7, 0.85, 0.9, 0.97]),
)
def test_a_replay_is_review_after_review_from_a_new_card(
    ratings: list[int], gaps: list[int], zones: list[int], micro: list[int], fitted: bool, retention: float
) -> None:
    """``Scheduler.replay`` keeps fsrs's card between answers; the oracle is ``Scheduler.review`` called once
    per answer on the state the one before left, compared field by field (floats exactly)."""
    parameters = [w * 1.07 if 4 <= i <= 16 else w for i, w in enumerate(W)] if fitted else None
    scheduler = Scheduler(retention, fuzz=False, parameters=parameters)
    answers = list(zip(ratings, _answer_times(gaps, zones, micro), strict=False))
    replayed = list(scheduler.replay(answers))
    assert len(replayed) == len(answers)
    state = CardState()
    for (rating, now), answer in zip(answers, replayed, strict=True):
        after, when = scheduler.review(state, rating, now)
        assert answer.when == when and answer.when.tzinfo is UTC
        assert answer.state() == after
        assert (answer.reps, answer.lapses) == (after.reps, after.lapses)
        state = after


def test_a_replay_refuses_what_review_refuses() -> None:
    scheduler = Scheduler(fuzz=False)
    with pytest.raises(ValueError, match="timezone-aware"):
        list(scheduler.replay([(3, datetime(2025, 1, 1))]))
    for bad in (0, 5, True):
        with pytest.raises(ValueError, match="rating must be 1"):
            list(scheduler.replay([(3, T0), (bad, T0 + timedelta(days=1))]))  # type: ignore[list-item]


def test_other_time_zones_are_converted_to_utc_at_millisecond_precision() -> None:
    berlin = datetime(2025, 3, 3, 13, 0, 0, 123456, tzinfo=ZoneInfo("Europe/Berlin"))
    when = review_time(CardState(), berlin)
    assert when.tzinfo is UTC and when == datetime(2025, 3, 3, 12, 0, 0, 123000, tzinfo=UTC)
    plus_two = datetime(2025, 3, 3, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert review_time(CardState(), plus_two) == T0


@pytest.mark.parametrize(
    ("interval", "text"),
    [
        (timedelta(seconds=-5), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=1), "1m"),
        (timedelta(minutes=5, seconds=30), "6m"),
        (timedelta(minutes=10), "10m"),
        (timedelta(hours=3), "3h"),
        (timedelta(hours=1, minutes=30), "1.5h"),
        (timedelta(days=1), "1d"),
        (timedelta(days=8), "8d"),
        (timedelta(days=106), "3.5mo"),
        (timedelta(days=365 + 73), "1.2y"),
    ],
)
def test_format_interval(interval: timedelta, text: str) -> None:
    assert format_interval(interval) == text


def test_format_local_uses_the_given_zone() -> None:
    assert format_local(T0, ZoneInfo("Europe/Berlin")) == "2025-03-03 13:00"
    assert format_local(T0, UTC) == "2025-03-03 12:00"
