"""Statistics: each number against a plain Python loop over the log or the cards (the oracle)."""

from __future__ import annotations

import json
import math
import random
import sqlite3
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from studyapp import activity, stats
from studyapp.collection import Collection
from studyapp.commands.stats import heatmap, render, sparkline
from studyapp.model import CardState, StudyState
from studyapp.scheduler import Scheduler
from studyapp.session import StudySession
from studyapp.store import Store, statistics

ZONES: list[tzinfo] = [
    UTC,
    timezone(timedelta(hours=-7)),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Australia/Lord_Howe"),  # a 30-minute DST shift
    ZoneInfo("America/Santiago"),  # DST starts at midnight: some days have no 00:00
]
#: Monday 2025-03-03 12:00 UTC.
T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
CARDS = ("core-mlp", "core-relu", "core-backprop", "core-loss", "core-pool", "core-stride", "core-padding")


def study_day(moment: datetime, tz: tzinfo | None, hour: int) -> date:
    """The oracle's day of a moment: its local date, or the day before if before ``hour``:00."""
    local = moment.astimezone(tz)
    return local.date() if local.hour >= hour else local.date() - timedelta(days=1)


def log_review(
    store: Store, card_id: str, at: datetime, rating: int = 3, before: StudyState = StudyState.REVIEW
) -> None:
    """One review-log row (and the card's new state) written directly through the store."""
    after = CardState(state=StudyState.REVIEW, stability=5.0, difficulty=5.0, last_review=at, due=at)
    store.record_review(card_id, rating, at, 1000, CardState(state=before), after)


def clear_reviews(store: Store) -> None:
    with store.transaction() as conn:
        conn.execute("DELETE FROM reviews")


# -- days, heatmap and streak ----------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    offsets=st.lists(st.integers(min_value=-400 * 24 * 60, max_value=0), max_size=40),
    zone=st.sampled_from(range(len(ZONES))),
    hour=st.integers(min_value=0, max_value=23),
    days=st.integers(min_value=1, max_value=400),
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31)),
)
def test_reviews_per_day_matches_converting_each_review(
    collection: Collection, offsets: list[int], zone: int, hour: int, days: int, start: datetime
) -> None:
    store, tz = collection.store, ZONES[zone]
    now = start.replace(tzinfo=UTC)
    clear_reviews(store)
    moments = [now + timedelta(minutes=offset) for offset in offsets]
    with store.transaction():
        for moment in moments:
            log_review(store, "core-mlp", moment)
    result = stats.reviews_per_day(store, now, tz, days=days, day_start_hour=hour)
    today = study_day(now, tz, hour)
    expected = Counter(study_day(moment, tz, hour) for moment in moments)
    assert [day for day, _count in result] == [today - timedelta(days=days - 1 - i) for i in range(days)]
    assert dict(result) == {day: expected.get(day, 0) for day, _count in result}


def test_days_follow_the_system_time_zone_when_none_is_given(
    collection: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        now = datetime(2025, 3, 10, 3, 30, tzinfo=UTC)  # 23:30 on 9 March in New York (EDT began that day)
        for at in (now - timedelta(hours=1), now - timedelta(hours=5), now - timedelta(days=1)):
            log_review(collection.store, "core-mlp", at)
        result = dict(stats.reviews_per_day(collection.store, now, None, days=3))
        assert result == {date(2025, 3, 7): 0, date(2025, 3, 8): 1, date(2025, 3, 9): 2}
    finally:
        monkeypatch.undo()
        time.tzset()


def streak_oracle(days_with_reviews: set[date], today: date) -> int:
    day = today if today in days_with_reviews else today - timedelta(days=1)
    count = 0
    while day in days_with_reviews:
        count += 1
        day -= timedelta(days=1)
    return count


@pytest.mark.parametrize(
    ("back", "expected"),
    [
        ((), 0),
        ((0,), 1),
        ((1,), 1),  # nothing yet today: yesterday's streak still counts
        ((2,), 0),  # a whole day without a review breaks it
        ((0, 1, 2, 4), 3),
        ((1, 2, 3), 3),
        (tuple(range(0, 100)), 100),  # longer than the first chunk of days looked at
        ((*range(1, 300), 301), 299),
        ((*range(0, 224), 225), 224),  # the gap is the first day of a chunk
        (tuple(range(0, 700)), 700),  # several chunks of the longest size
    ],
)
def test_streak_counts_consecutive_days_up_to_today(
    collection: Collection, back: tuple[int, ...], expected: int
) -> None:
    tz = ZoneInfo("Europe/Berlin")
    now = datetime(2025, 4, 2, 21, 30, tzinfo=UTC)  # 23:30 local
    today = study_day(now, tz, 0)
    with collection.store.transaction():
        for days_back in back:
            local_noon = datetime.combine(today - timedelta(days=days_back), datetime.min.time(), tz)
            log_review(collection.store, "core-mlp", (local_noon + timedelta(hours=12)).astimezone(UTC))
    assert streak_oracle({today - timedelta(days=d) for d in back}, today) == expected
    assert stats.current_streak(collection.store, now, tz) == expected


def test_streak_uses_the_day_start_hour(collection: Collection) -> None:
    now = datetime(2025, 3, 5, 2, 0, tzinfo=UTC)  # 02:00: still 4 March when days start at 04:00
    log_review(collection.store, "core-mlp", datetime(2025, 3, 5, 1, 0, tzinfo=UTC))
    log_review(collection.store, "core-mlp", datetime(2025, 3, 4, 5, 0, tzinfo=UTC))
    assert stats.current_streak(collection.store, now, UTC, day_start_hour=4) == 1
    assert stats.current_streak(collection.store, now, UTC, day_start_hour=0) == 2


def test_invalid_arguments_raise_value_errors_naming_them(store: Store) -> None:
    with pytest.raises(ValueError, match="days must be an integer from 1 to 3660"):
        stats.reviews_per_day(store, T0, UTC, days=0)
    with pytest.raises(ValueError, match="days must be an integer from 1 to 3660"):
        stats.due_forecast(store, T0, UTC, days=True)
    with pytest.raises(ValueError, match="day_start_hour must be an integer from 0 to 23"):
        stats.current_streak(store, T0, UTC, day_start_hour=24)
    with pytest.raises(ValueError, match="timezone-aware"):
        stats.card_counts(store, datetime(2025, 3, 3))


# -- retention -------------------------------------------------------------------------------------


def simulate(session: StudySession, start: datetime, days: int, seed: int) -> datetime:
    """Study every due card once a day with random ratings; returns the time after the last day."""
    rng = random.Random(seed)
    now = start
    for _day in range(days):
        for _ in range(30):
            card = session.next_card(now)
            if card is None:
                break
            session.rate(card.id, rng.choice([1, 2, 3, 3, 3, 4]), now)
            now += timedelta(minutes=rng.randint(1, 15))
        now = start + timedelta(days=_day + 1, hours=rng.randint(-3, 3))
    return now


def test_true_retention_matches_a_loop_over_the_review_log(
    collection: Collection, session: StudySession
) -> None:
    now = simulate(session, T0, 60, seed=1)
    tz = ZoneInfo("Europe/Berlin")
    log = list(collection.store.iter_reviews())
    assert any(r.before.state == StudyState.REVIEW and r.rating == 1 for r in log)
    today = study_day(now, tz, 0)
    windows = {"last_7_days": today - timedelta(days=6), "last_30_days": today - timedelta(days=29)}
    result = stats.true_retention(collection.store, now, tz)
    for name, first_day in [*windows.items(), ("all_time", date.min)]:
        rows = [
            r
            for r in log
            if r.before.state == StudyState.REVIEW and study_day(r.reviewed_at, tz, 0) >= first_day
        ]
        passed = sum(r.rating != 1 for r in rows)
        assert (result[name].reviews, result[name].passed) == (len(rows), passed), name
        assert result[name].retention == (passed / len(rows) if rows else None)


def test_retention_is_none_without_reviews_of_review_cards(collection: Collection) -> None:
    log_review(collection.store, "core-mlp", T0, rating=1, before=StudyState.NEW)
    log_review(collection.store, "core-mlp", T0, rating=1, before=StudyState.LEARNING)
    result = stats.true_retention(collection.store, T0 + timedelta(hours=1), UTC)
    assert {name: value.to_dict() for name, value in result.items()} == {
        name: {"reviews": 0, "passed": 0, "retention": None} for name in stats.RETENTION_WINDOWS
    }


# -- forecast and counts ---------------------------------------------------------------------------


def set_states(store: Store, states: dict[str, CardState]) -> None:
    with store.transaction():
        for card_id, state in states.items():
            store.set_state(card_id, state)


def retire(store: Store, card_id: str) -> None:
    store.apply_sync(
        decks=[("core-basics", "Core basics"), ("core-cnn", "Core CNN")],
        insert=[],
        update=[],
        retire=[card_id],
        tags={},
        fingerprint="test",
    )


@pytest.mark.parametrize("zone", range(len(ZONES)))
def test_forecast_matches_a_loop_over_the_cards(collection: Collection, zone: int) -> None:
    tz, hour = ZONES[zone], 4
    store, now = collection.store, datetime(2025, 3, 28, 22, 0, tzinfo=UTC)
    rng = random.Random(zone)
    retire(store, "core-loss")
    for _round in range(20):
        states = {}
        for card_id in CARDS:
            due = now + timedelta(minutes=rng.randint(-5 * 1440, 35 * 1440))
            states[card_id] = CardState(
                state=StudyState(rng.randint(0, 3)),
                due=due,
                stability=3.0,
                suspended=rng.random() < 0.15,
                buried_until=now + timedelta(hours=rng.randint(-30, 30)) if rng.random() < 0.3 else None,
            )
        set_states(store, states)
        expected = [0] * stats.FORECAST_DAYS
        today = study_day(now, tz, hour)
        for card_id, state in states.items():
            if state.state == StudyState.NEW or state.suspended or card_id == "core-loss":
                continue
            assert state.due is not None
            back = state.buried_until if state.buried_until and state.buried_until > now else state.due
            index = max((study_day(max(state.due, back), tz, hour) - today).days, 0)
            if index < stats.FORECAST_DAYS:
                expected[index] += 1
        forecast = stats.due_forecast(store, now, tz, day_start_hour=hour)
        assert [count for _day, count in forecast] == expected
        assert forecast[0][0] == today and forecast[-1][0] == today + timedelta(days=29)


def test_card_counts_partition_the_cards(collection: Collection) -> None:
    store, now = collection.store, T0
    states = {
        "core-mlp": CardState(state=StudyState.LEARNING, due=now),
        "core-relu": CardState(state=StudyState.REVIEW, due=now, leech=True, suspended=True),
        "core-backprop": CardState(
            state=StudyState.RELEARNING, due=now, buried_until=now + timedelta(hours=3)
        ),
        "core-pool": CardState(state=StudyState.REVIEW, due=now, buried_until=now - timedelta(hours=3)),
        "core-stride": CardState(state=StudyState.REVIEW, due=now, leech=True),
    }
    set_states(store, states)
    retire(store, "core-padding")
    expected = Counter[str]()
    for record in store.cards(include_retired=False):
        state = record.state
        if state.suspended:
            expected["suspended"] += 1
        elif state.buried_until is not None and state.buried_until > now:
            expected["buried"] += 1
        else:
            expected[StudyState(state.state).name.lower()] += 1
        expected["leech"] += state.leech
    counts = stats.card_counts(store, now)
    assert {name: getattr(counts, name) for name in expected} == dict(expected)
    assert counts.total == 6 and counts.new == 1 and counts.leech == 2


# -- mastery ---------------------------------------------------------------------------------------


def mastery_oracle(collection: Collection, now: datetime) -> dict[str, tuple[int, int, float | None]]:
    scheduler = Scheduler()
    groups: dict[str, list[tuple[bool, float]]] = {}
    for record in collection.store.cards(include_retired=False):
        studied = record.state.state != StudyState.NEW
        value = scheduler.retrievability(record.state, now)
        for name in (*record.tags, "*"):
            groups.setdefault(name, []).append((studied, value))
    result = {}
    for name, rows in groups.items():
        values = [value for studied, value in rows if studied]
        result[name] = (len(rows), len(values), sum(values) / len(values) if values else None)
    return result


def test_mastery_matches_fsrs_retrievability_card_by_card(
    collection: Collection, session: StudySession
) -> None:
    end = simulate(session, T0, 25, seed=2)
    store = collection.store
    state = store.card_state("core-relu")
    set_states(store, {"core-relu": replace(state, suspended=True)})  # suspended cards still count
    set_states(store, {"core-pool": CardState()})  # a new card in "cnn"
    retire(store, "core-stride")
    for now in (end, end + timedelta(days=3, hours=5), end + timedelta(days=200), T0 - timedelta(days=2)):
        oracle = mastery_oracle(collection, now)
        overall, per_tag = stats.mastery(store, now, ["unused-tag", "cnn"])
        assert (overall.cards, overall.studied) == oracle["*"][:2]
        assert_allclose(overall.retrievability or 0.0, oracle["*"][2] or 0.0, rtol=1e-12)
        assert per_tag.pop("unused-tag") == stats.Mastery(0, 0, None)
        assert set(per_tag) == set(oracle) - {"*"}
        for tag, value in per_tag.items():
            cards, studied, mean = oracle[tag]
            assert (value.cards, value.studied) == (cards, studied), tag
            if mean is None:
                assert value.retrievability is None
            else:
                assert value.retrievability is not None
                assert_allclose(value.retrievability, mean, rtol=1e-12)


def test_mastery_of_a_new_collection_has_no_retrievability(collection: Collection) -> None:
    overall, per_tag = stats.mastery(collection.store, T0)
    assert overall == stats.Mastery(7, 0, None)
    assert per_tag["cnn"] == stats.Mastery(3, 0, None)
    assert overall.known == 0.0 and per_tag["cnn"].known == 0.0  # nothing studied: nothing known


def test_known_sums_retrievability_over_all_cards_unstudied_ones_as_zero(
    collection: Collection, session: StudySession
) -> None:
    end = simulate(session, T0, 25, seed=2)
    store = collection.store
    set_states(store, {"core-pool": CardState()})  # a new card in "cnn"
    scheduler = Scheduler()
    for now in (end, end + timedelta(days=40)):
        sums: dict[str, list[float]] = {}
        for record in store.cards(include_retired=False):
            value = (
                0.0 if record.state.state == StudyState.NEW else scheduler.retrievability(record.state, now)
            )
            for name in (*record.tags, "*"):
                sums.setdefault(name, []).append(value)
        overall, per_tag = stats.mastery(store, now, ["unused-tag"])
        assert per_tag.pop("unused-tag").known is None  # no cards: nothing to know
        assert_allclose(overall.known or 0.0, sum(sums["*"]) / len(sums["*"]), rtol=1e-12)
        for tag, value in per_tag.items():
            assert value.known is not None
            assert_allclose(value.known, sum(sums[tag]) / len(sums[tag]), rtol=1e-12)
            assert value.to_dict() == {
                "cards": value.cards,
                "studied": value.studied,
                "retrievability": value.retrievability,
                "known": value.known,
            }
        cnn = per_tag["cnn"]
        assert cnn.studied < cnn.cards and cnn.retrievability is not None
        assert cnn.known is not None and cnn.known < cnn.retrievability
    result = stats.all_stats(store, collection.library, end, UTC)
    assert result["mastery"]["tags"]["cnn"] == stats.mastery(store, end)[1]["cnn"].to_dict()


def test_pow_works_on_a_real_connection_after_ensure_pow() -> None:
    """Built in (SQLite's math functions) or registered by ``ensure_pow``: either way it is fsrs's power."""
    conn = sqlite3.connect(":memory:")
    statistics.ensure_pow(conn)
    for base, exponent in ((2.0, 0.5), (1.3, -0.5), (10.0, 3.0)):
        (value,) = conn.execute("SELECT pow(?, ?)", (base, exponent)).fetchone()
        assert value == pytest.approx(math.pow(base, exponent), rel=1e-12)
    conn.close()


# -- quizzes and everything together ---------------------------------------------------------------


def test_quiz_stats_match_a_loop_over_the_attempts(collection: Collection) -> None:
    store, rng = collection.store, random.Random(5)
    for i in range(60):
        store.add_quiz_attempt(
            at=T0 + timedelta(minutes=i),
            kind=rng.choice(["choice", "numeric", "typed"]),
            question="q",
            given="a",
            expected="b",
            correct=rng.random() < 0.6,
            card_id=rng.choice([None, *CARDS]),
        )
    attempts = list(store.iter_quiz_attempts())
    tags = {record.card_id: record.tags for record in store.cards()}
    result = stats.quiz_stats(store)
    assert result.overall == stats.Accuracy(60, sum(a.correct for a in attempts))
    for kind, value in result.by_kind.items():
        rows = [a for a in attempts if a.kind == kind]
        assert value == stats.Accuracy(len(rows), sum(a.correct for a in rows))
    assert sum(v.attempts for v in result.by_kind.values()) == 60
    expected_tags = {tag for a in attempts if a.card_id for tag in tags[a.card_id]}
    assert set(result.by_tag) == expected_tags
    for tag, value in result.by_tag.items():
        rows = [a for a in attempts if a.card_id and tag in tags[a.card_id]]
        assert value == stats.Accuracy(len(rows), sum(a.correct for a in rows))
        assert value.to_dict()["accuracy"] == value.correct / value.attempts


def test_all_stats_is_json_and_agrees_with_the_parts(collection: Collection, session: StudySession) -> None:
    now = simulate(session, T0, 20, seed=3)
    store = collection.store
    store.set_setting("day_start_hour", 6)
    result = stats.all_stats(store, collection.library, now, UTC)
    assert json.loads(json.dumps(result)) == result
    per_day = stats.reviews_per_day(store, now, UTC, day_start_hour=6)
    assert list(result["reviews_per_day"].items()) == [(day.isoformat(), count) for day, count in per_day]
    assert len(result["reviews_per_day"]) == activity.HEATMAP_DAYS
    assert result["today"] == study_day(now, UTC, 6).isoformat()
    assert result["reviews_today"] == per_day[-1][1]
    assert result["streak"] == stats.current_streak(store, now, UTC, day_start_hour=6)
    assert result["cards"]["total"] == 7
    assert sum(day["due"] for day in result["forecast"]) == sum(
        count for _day, count in stats.due_forecast(store, now, UTC, day_start_hour=6)
    )
    assert set(result["mastery"]["tags"]) == {"activations", "basics", "cnn", "mlp"}
    assert result["retention"]["all_time"] == stats.true_retention(store, now, UTC)["all_time"].to_dict()
    assert result["quiz"] == {"attempts": 0, "correct": 0, "accuracy": None, "by_kind": {}, "by_tag": {}}


# -- the command -----------------------------------------------------------------------------------


def test_the_text_counts_in_words(collection: Collection) -> None:
    store = collection.store
    log_review(store, "core-mlp", T0 - timedelta(hours=2))  # one review today: a streak of one day
    store.add_quiz_attempt(
        at=T0, kind="choice", question="q", given="a", expected="a", correct=True, card_id="core-mlp"
    )
    text = render(stats.all_stats(store, collection.library, T0, UTC))
    assert ": 1 review.  Streak: 1 day." in text
    assert "Quizzes: 1 attempt, 100.0% correct" in text
    log_review(store, "core-relu", T0 - timedelta(hours=1))
    log_review(store, "core-relu", T0 - timedelta(days=1))
    text = render(stats.all_stats(store, collection.library, T0, UTC))
    assert ": 2 reviews.  Streak: 2 days." in text
    mastery = [line for line in text.splitlines() if line.startswith("cnn ")]
    assert len(mastery) == 1 and "0/3 studied" in mastery[0] and mastery[0].split()[2] == "0%"


def test_text_helpers_draw_what_they_are_given() -> None:
    assert sparkline([0, 1, 8, 4]) == "·▁█▄"
    per_day = {(date(2025, 3, 3) + timedelta(days=i)).isoformat(): i % 3 for i in range(14)}  # Mon 3 - Sun 16
    rows = heatmap(per_day, weeks=2)
    assert rows[:2] == ["Mon  ·▒", "Tue  ▒█"] and rows[6] == "Sun  ·▒"
    assert rows[-1].startswith("from 2025-03-03 to 2025-03-16")


def test_stats_command_prints_text_and_json(cli: Any, db_path: Path, deck_dir: Path, tmp_path: Path) -> None:
    from studyapp.collection import open_collection
    from studyapp.content import load_library

    library = load_library([deck_dir], user_dir=tmp_path / "no-user-decks")
    start = datetime.now(UTC) - timedelta(days=12)
    with open_collection(db_path, library=library) as collection:
        simulate(collection.session(), start, 12, seed=4)
        expected = stats.all_stats(collection.store, library, datetime.now(UTC))
    as_json = cli.run(db_path, "stats", "--json")
    assert as_json.returncode == 0, as_json.stderr
    result = json.loads(as_json.stdout)
    assert result["cards"] == expected["cards"]
    assert result["retention"]["all_time"] == expected["retention"]["all_time"]
    assert set(result["mastery"]["tags"]) == set(expected["mastery"]["tags"])
    text = cli.run(db_path, "stats")
    assert text.returncode == 0, text.stderr
    all_time = expected["retention"]["all_time"]
    row = next(line for line in text.stdout.splitlines() if line.startswith("all time"))
    assert row.split()[2:4] == [str(all_time["reviews"]), str(all_time["passed"])]
    assert f"Cards: {expected['cards']['total']}" in text.stdout
