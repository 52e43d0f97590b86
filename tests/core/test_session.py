"""The study queue and its actions: order, daily limit, day boundary, undo, bury, suspend, leech, cram,
replay."""

from __future__ import annotations

import random
import sqlite3
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import fsrs
import pytest

from studyapp.collection import Collection
from studyapp.errors import CollectionBusy, UserError
from studyapp.model import CardState, DeckLimits, StudyState
from studyapp.scheduler import Scheduler
from studyapp.session import Counts, StudySession, day_start, next_day_start
from tests.hold_lock import hold, release

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
BASICS = ["core-mlp", "core-relu", "core-backprop", "core-loss"]
CNN = ["core-pool", "core-stride", "core-padding"]
MINUTE, DAY = timedelta(minutes=1), timedelta(days=1)


def study(session: StudySession, now: datetime, rating: int = 3) -> str:
    card = session.next_card(now)
    assert card is not None
    session.rate(card.id, rating, now)
    return card.id


def test_new_cards_come_in_deck_order_up_to_each_decks_daily_limit(collection: Collection) -> None:
    collection.store.set_setting("new_per_day", 3)  # the default of each deck
    session = collection.session(tz=UTC)
    assert session.counts(T0) == Counts(6, 0, 0)
    assert session.deck_counts(T0) == {"core-basics": Counts(3, 0, 0), "core-cnn": Counts(3, 0, 0)}
    seen = [study(session, T0 + i * MINUTE, rating=4) for i in range(6)]
    assert seen == [*BASICS[:3], *CNN]  # core-basics's budget runs out before its last card
    assert session.counts(T0 + 6 * MINUTE) == Counts(0, 0, 0)
    assert session.next_card(T0 + 6 * MINUTE) is None
    # The next study day (04:00 UTC) brings the budget back.
    tomorrow = datetime(2025, 3, 4, 4, 0, tzinfo=UTC)
    assert session.counts(tomorrow).new == 1
    assert session.next_card(tomorrow) is not None


def test_learning_cards_come_back_when_their_step_is_due(session: StudySession) -> None:
    first = study(session, T0, rating=1)  # Again: back in 1 minute
    assert session.state(first).state == StudyState.LEARNING
    second = study(session, T0 + 10 * 1000 * timedelta(microseconds=1))
    assert second != first  # not due yet: the next new card
    card = session.next_card(T0 + MINUTE)
    assert card is not None and card.id == first  # the step is due: it comes before new cards
    assert session.counts(T0 + MINUTE) == Counts(5, 2, 0)


def test_learning_cards_are_shown_early_only_when_nothing_else_is_left(collection: Collection) -> None:
    collection.store.set_setting("new_per_day", 1)
    session = collection.session(deck="core-basics", tz=UTC)
    first = study(session, T0)  # Good on a new card: due again in 10 minutes
    card = session.next_card(T0 + MINUTE)
    assert card is not None and card.id == first  # within the 20-minute learn-ahead window
    assert session.next_card(T0 - 30 * MINUTE) is None  # 40 minutes before its step: not yet


def test_due_reviews_come_first_lowest_retrievability_first(collection: Collection) -> None:
    store = collection.store
    review = CardState(StudyState.REVIEW, None, 5.0, 5.0, T0 - DAY, T0 - 6 * DAY, 3)
    store.set_state("core-pool", replace(review, stability=20.0))  # R high
    store.set_state("core-stride", replace(review, stability=2.0))  # R lowest
    store.set_state("core-padding", replace(review, due=T0 + 5 * DAY))  # not due
    session = collection.session(tz=UTC)
    order = [study(session, T0 + i * MINUTE, rating=3) for i in range(3)]
    assert order == ["core-stride", "core-pool", "core-mlp"]
    retrievability = Scheduler().retrievability
    assert retrievability(replace(review, stability=2.0), T0) < retrievability(
        replace(review, stability=20.0), T0
    )


def test_day_boundary_is_the_day_start_hour_in_local_time() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    before = datetime(2025, 3, 4, 3, 59, tzinfo=berlin)
    at = datetime(2025, 3, 4, 4, 0, tzinfo=berlin)
    assert day_start(before, 4, berlin) == datetime(2025, 3, 3, 4, 0, tzinfo=berlin)
    assert day_start(at, 4, berlin) == at
    assert next_day_start(before, 4, berlin) == at
    # The study day across the spring DST change (02:00 on 2025-03-30 in Berlin) lasts 23 hours.
    spring = datetime(2025, 3, 29, 12, 0, tzinfo=berlin)
    assert next_day_start(spring, 4, berlin) - day_start(spring, 4, berlin) == timedelta(hours=23)
    with pytest.raises(ValueError, match="hour"):
        day_start(at, 24, berlin)


def test_new_card_budget_resets_at_the_local_day_start(collection: Collection) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    collection.store.set_setting("new_per_day", 2)
    session = collection.session(deck="core-basics", tz=berlin)
    late = datetime(2025, 3, 4, 3, 50, tzinfo=berlin)
    study(session, late, rating=4)
    study(session, late + MINUTE, rating=4)
    assert session.counts(datetime(2025, 3, 4, 3, 59, tzinfo=berlin)).new == 0
    assert session.counts(datetime(2025, 3, 4, 4, 0, tzinfo=berlin)).new == 2


def test_undo_restores_the_exact_previous_state_repeatedly(session: StudySession) -> None:
    store = session.store
    session.rate("core-mlp", 3, T0)
    after_first = store.card_state("core-mlp")
    session.rate("core-relu", 1, T0 + MINUTE, 2500)
    session.rate("core-mlp", 4, T0 + 11 * MINUTE)
    assert len(list(store.iter_reviews())) == 3
    assert session.undo() == "core-mlp"
    assert store.card_state("core-mlp") == after_first
    assert store.card_state("core-relu").state == StudyState.LEARNING
    assert session.undo() == "core-relu"
    assert store.card_state("core-relu") == CardState()
    assert session.undo() == "core-mlp"
    assert store.card_state("core-mlp") == CardState()
    assert list(store.iter_reviews()) == [] and session.results == []
    assert session.undo() is None
    assert session.counts(T0).new == 7  # undone reviews of new cards no longer use the daily budget


def test_a_rating_while_another_program_holds_the_lock_is_refused_whole_and_can_be_made_again(
    collection: Collection,
) -> None:
    session = collection.session(tz=UTC)
    holder = hold(collection.store.path)
    started = time.monotonic()
    with pytest.raises(CollectionBusy, match="busy"):
        session.rate("core-mlp", 3, T0, wait_ms=50)
    assert time.monotonic() - started < 2  # waited about wait_ms, not the whole busy timeout
    assert session.results == [] and not session.can_undo
    release(holder)
    result = session.rate("core-mlp", 3, T0)  # the same call again, once the lock is free
    assert [r.card_id for r in collection.store.iter_reviews()] == ["core-mlp"]
    assert result.review_id == collection.store.latest_review_id("core-mlp")


def test_a_rating_waits_for_a_lock_released_within_its_wait(collection: Collection) -> None:
    session = collection.session(tz=UTC)
    holder = hold(collection.store.path, 0.3)
    session.rate("core-mlp", 3, T0, wait_ms=5000)
    holder.wait(timeout=10)
    assert [r.card_id for r in collection.store.iter_reviews()] == ["core-mlp"]


def test_a_rating_withdrawn_while_it_waited_for_the_lock_writes_nothing(collection: Collection) -> None:
    session = collection.session(tz=UTC)
    holder = hold(collection.store.path, 0.3)
    assert session.rate_unless(lambda: True, "core-mlp", 3, T0, wait_ms=5000) is None
    holder.wait(timeout=10)
    assert list(collection.store.iter_reviews()) == [] and not session.can_undo
    result = session.rate_unless(lambda: False, "core-mlp", 3, T0)
    assert result is not None and [r.card_id for r in collection.store.iter_reviews()] == ["core-mlp"]


def test_rate_and_undo_commit_before_returning(collection: Collection) -> None:
    session = collection.session(tz=UTC)
    session.rate("core-mlp", 3, T0)
    reader = sqlite3.connect(str(collection.store.path))
    assert reader.execute("SELECT card_id FROM reviews").fetchall() == [("core-mlp",)]
    session.undo()
    assert reader.execute("SELECT count(*) FROM reviews").fetchone() == (0,)
    reader.close()


def test_cram_bury_and_suspend_write_nothing_and_move_on(collection: Collection) -> None:
    session = collection.session(deck="core-cnn", cram=True, tz=UTC)
    before = {card_id: collection.store.card_state(card_id) for card_id in CNN}
    session.bury(CNN[0], T0)
    card = session.next_card(T0)
    assert card is not None and card.id == CNN[1]
    session.suspend(CNN[1])
    card = session.next_card(T0)
    assert card is not None and card.id == CNN[2]
    assert {card_id: collection.store.card_state(card_id) for card_id in CNN} == before
    assert session.undo() == CNN[1]
    card = session.next_card(T0)
    assert card is not None and card.id == CNN[1]
    assert {card_id: collection.store.card_state(card_id) for card_id in CNN} == before


def test_undo_refuses_when_another_session_reviewed_the_card_since(collection: Collection) -> None:
    mine, other = collection.session(tz=UTC), collection.session(tz=UTC)
    card_id = study(mine, T0)
    other.rate(card_id, 3, T0 + 10 * MINUTE)
    with pytest.raises(UserError, match="another session"):
        mine.undo()
    assert len(list(collection.store.iter_reviews(card_id=card_id))) == 2


def test_bury_hides_the_card_until_the_next_day_start(session: StudySession) -> None:
    until = session.bury("core-mlp", T0)
    assert until == datetime(2025, 3, 4, 4, 0, tzinfo=UTC)
    card = session.next_card(T0)
    assert card is not None and card.id == "core-relu"
    assert session.counts(T0).new == 6
    assert session.counts(until).new == 7
    card = session.next_card(until)
    assert card is not None and card.id == "core-mlp"
    assert session.undo() == "core-mlp"
    assert session.state("core-mlp").buried_until is None


def test_suspend_and_unsuspend(session: StudySession) -> None:
    session.suspend("core-mlp")
    assert session.state("core-mlp").suspended
    card = session.next_card(T0)
    assert card is not None and card.id == "core-relu"
    session.unsuspend("core-mlp")
    card = session.next_card(T0)
    assert card is not None and card.id == "core-mlp"
    session.undo()
    assert session.state("core-mlp").suspended


def test_a_card_becomes_a_leech_at_eight_lapses(session: StudySession) -> None:
    card_id, now = "core-mlp", T0
    session.rate(card_id, 4, now)  # straight to review
    lapses = 0
    while True:
        state = session.state(card_id)
        assert state.due is not None
        now = state.due
        rating = 1 if state.state == StudyState.REVIEW else 4
        result = session.rate(card_id, rating, now)
        lapses += rating == 1 and state.state == StudyState.REVIEW
        assert result.after.lapses == lapses
        if lapses < 8:
            assert not result.became_leech and not result.after.suspended
        else:
            break
    assert result.became_leech and result.after.leech and result.after.suspended
    assert session.counts(now + DAY) == Counts(6, 0, 0)  # the suspended leech is out of every count
    upcoming = session.next_card(now + DAY)
    assert upcoming is not None and upcoming.id != card_id
    leeches = session.store.cram_cards(replace(session._filter(), tag="leech"))
    assert leeches == []  # suspended cards are not crammed either
    session.unsuspend(card_id)
    assert StudySession(session.store, session.library, tag="leech", tz=UTC).next_card(now + DAY) is not None
    session.undo()  # undo the unsuspend
    session.undo()  # undo the leech-making rating
    state = session.state(card_id)
    assert state.lapses == 7 and not state.leech and not state.suspended


def test_cram_changes_nothing_and_repeats_again_cards(collection: Collection) -> None:
    store = collection.store
    session = collection.session(deck="core-cnn", cram=True, tz=UTC)
    assert session.counts(T0) == Counts(0, 0, 3)
    seen = []
    ratings = iter([1, 3, 3, 3])
    while (card := session.next_card(T0)) is not None:
        result = session.rate(card.id, next(ratings), T0)
        assert result.review_id is None and result.before == result.after
        seen.append(card.id)
    assert seen == [*CNN, "core-pool"]
    assert list(store.iter_reviews()) == []
    assert all(store.card_state(card_id) == CardState() for card_id in CNN)
    assert session.undo() == "core-pool"
    card = session.next_card(T0)
    assert card is not None and card.id == "core-pool"


def test_filters_by_deck_and_tag(collection: Collection) -> None:
    cnn = collection.session(deck="core-cnn", tz=UTC)
    assert study(cnn, T0) == "core-pool"
    tagged = collection.session(tag="activations", tz=UTC)
    assert tagged.counts(T0) == Counts(1, 0, 0)
    assert study(tagged, T0, rating=4) == "core-relu"
    assert tagged.next_card(T0) is None
    both = collection.session(deck="core-basics", tag="cnn", tz=UTC)
    assert both.next_card(T0) is None
    with pytest.raises(UserError, match="no deck 'nope'"):
        collection.session(deck="nope")
    with pytest.raises(UserError, match="no card has the tag 'nope'"):
        collection.session(tag="nope")


def test_deck_counts_for_the_home_screen(collection: Collection) -> None:
    collection.store.set_setting("new_per_day", 3)
    session = collection.session(tz=UTC)
    study(session, T0, rating=1)
    counts = session.deck_counts(T0)
    assert counts == {"core-basics": Counts(2, 1, 0), "core-cnn": Counts(3, 0, 0)}
    assert session.counts(T0) == Counts(5, 1, 0)  # each deck's own budget, added up


def test_a_deck_sets_its_own_limits_and_the_global_ones_are_the_default(collection: Collection) -> None:
    store = collection.store
    store.set_setting("new_per_day", 2)
    store.set_deck_limit("core-cnn", "new_per_day", 1)
    assert store.deck_limits()["core-cnn"] == DeckLimits(1, 200, frozenset({"new_per_day"}))
    session = collection.session(tz=UTC)
    assert session.deck_counts(T0) == {"core-basics": Counts(2, 0, 0), "core-cnn": Counts(1, 0, 0)}
    assert [study(session, T0 + i * MINUTE, rating=4) for i in range(3)] == [*BASICS[:2], CNN[0]]
    assert session.next_card(T0 + 3 * MINUTE) is None
    store.set_deck_limit("core-cnn", "new_per_day", None)  # back to the global value
    assert collection.session(tz=UTC).deck_counts(T0 + 3 * MINUTE)["core-cnn"] == Counts(1, 0, 0)
    with pytest.raises(ValueError, match="new_per_day must be a number from 0 to 9999"):
        store.set_deck_limit("core-cnn", "new_per_day", -1)
    with pytest.raises(ValueError, match="a deck may set new_per_day, review_limit or predict"):
        store.set_deck_limit("core-cnn", "theme", 3)


def test_a_review_limit_caps_the_reviews_of_each_deck(collection: Collection) -> None:
    store = collection.store
    due = CardState(StudyState.REVIEW, None, 5.0, 5.0, T0 - DAY, T0 - 6 * DAY, 3)
    for card_id in [*BASICS, *CNN]:
        store.set_state(card_id, due)
    store.set_setting("review_limit", 3)
    store.set_deck_limit("core-cnn", "review_limit", 1)
    session = collection.session(tz=UTC, scheduler=Scheduler(fuzz=False))
    assert session.deck_counts(T0) == {"core-basics": Counts(0, 0, 3), "core-cnn": Counts(0, 0, 1)}
    seen = [study(session, T0 + i * MINUTE, rating=3) for i in range(4)]
    assert len(set(seen) & set(BASICS)) == 3 and len(set(seen) & set(CNN)) == 1
    assert session.next_card(T0 + 4 * MINUTE) is None
    assert session.counts(T0 + 4 * MINUTE) == Counts(0, 0, 0)
    fresh = collection.session(tz=UTC)
    store.set_deck_limit("core-cnn", "review_limit", 2)
    assert collection.session(tz=UTC).counts(T0 + 4 * MINUTE) == Counts(0, 0, 1)
    assert fresh.deck_limits("core-cnn").review_limit == 1  # a session keeps the limits it started with


def test_skip_leaves_a_card_out_for_this_session_only(collection: Collection) -> None:
    session = collection.session(tz=UTC)
    session.skip("core-mlp")
    card = session.next_card(T0)
    assert card is not None and card.id == "core-relu"
    fresh = collection.session(tz=UTC).next_card(T0)
    assert fresh is not None and fresh.id == "core-mlp"


def test_the_clock_moving_backwards_in_a_session(session: StudySession) -> None:
    card_id = study(session, T0, rating=4)
    result = session.rate(card_id, 3, T0 - 2 * DAY)  # the clock jumped back two days
    assert result.reviewed_at == T0 and result.interval > timedelta(0)
    assert result.after.due is not None and result.after.due > T0
    assert all(interval > timedelta(0) for interval in session.preview(card_id, T0 - 5 * DAY).values())
    assert session.counts(T0 - 3 * DAY) is not None


def test_invalid_arguments(session: StudySession) -> None:
    with pytest.raises(ValueError, match="rating must be"):
        session.rate("core-mlp", 0, T0)
    with pytest.raises(ValueError, match="timezone-aware"):
        session.next_card(datetime(2025, 3, 3, 12))
    with pytest.raises(ValueError, match="duration_ms"):
        session.rate("core-mlp", 3, T0, -1)


def test_replaying_the_log_reproduces_every_cards_stability_and_difficulty(collection: Collection) -> None:
    collection.store.set_setting("new_per_day", 7)
    session = collection.session(tz=UTC)
    rng = random.Random(20250303)
    now = T0
    for _ in range(150):
        now += timedelta(minutes=rng.choice([1, 10, 90, 60 * 20, 60 * 24 * 3]))
        card = session.next_card(now)
        if card is not None:
            session.rate(
                card.id, rng.choices([1, 2, 3, 4], weights=[2, 1, 6, 2])[0], now, rng.randint(500, 9000)
            )
    replayer = fsrs.Scheduler(enable_fuzzing=False)
    reviewed = 0
    for record in collection.store.cards():
        logs = list(collection.store.iter_reviews(card_id=record.card_id))
        if not logs:
            assert record.state == CardState()
            continue
        reviewed += 1
        replayed = fsrs.Card(card_id=1, due=logs[0].reviewed_at)
        for log in logs:
            replayed, _ = replayer.review_card(replayed, fsrs.Rating(log.rating), log.reviewed_at)
        assert replayed.stability == pytest.approx(record.state.stability, rel=1e-12)
        assert replayed.difficulty == pytest.approx(record.state.difficulty, rel=1e-12)
        assert int(replayed.state) == int(record.state.state)
        assert record.state.reps == len(logs)
    assert reviewed == 7


def test_studying_ahead_goes_through_the_chosen_cards_now_and_saves(collection: Collection) -> None:
    store = collection.store
    review = CardState(StudyState.REVIEW, None, 30.0, 5.0, T0 + 3 * DAY, T0 - 6 * DAY, 3)
    store.set_state("core-pool", replace(review, due=T0 + 5 * DAY))
    store.set_state("core-stride", review)  # due first
    session = StudySession(
        store, collection.library, tz=UTC, scheduler=Scheduler(fuzz=False), cards=CNN, ahead=True
    )
    assert session.counts(T0) == Counts(1, 0, 2)  # core-padding is new; nothing is due today
    assert study(session, T0, rating=1) == "core-stride"  # by due time, a forgotten card relearns
    assert session.counts(T0) == Counts(1, 1, 1)
    assert study(session, T0 + MINUTE) == "core-pool"
    assert store.card_state("core-pool").due > T0 + 5 * DAY  # the rating was saved
    session.bury("core-padding", T0 + 2 * MINUTE)
    assert session.counts(T0 + 2 * MINUTE) == Counts(0, 1, 0)
    assert session.undo() == "core-padding"  # back in the queue, in front
    card = session.next_card(T0 + 2 * MINUTE)
    assert card is not None and card.id == "core-padding"
    assert session.undo() == "core-pool"
    card = session.next_card(T0 + 2 * MINUTE)
    assert card is not None and card.id == "core-pool"
    assert [study(session, T0 + 3 * MINUTE), study(session, T0 + 4 * MINUTE)] == ["core-pool", "core-padding"]
    card = session.next_card(T0 + 5 * MINUTE)  # the forgotten card, within the learn-ahead window
    assert card is not None and card.id == "core-stride"
    assert [r.card_id for r in store.iter_reviews()] == ["core-stride", "core-pool", "core-padding"]


def test_studying_ahead_needs_its_cards_and_saves(collection: Collection) -> None:
    with pytest.raises(ValueError, match="studying ahead needs"):
        StudySession(collection.store, collection.library, ahead=True)
    with pytest.raises(ValueError, match="studying ahead needs"):
        StudySession(collection.store, collection.library, cards=CNN, cram=True, ahead=True)
