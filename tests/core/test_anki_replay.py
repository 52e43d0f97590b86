"""A big import's fast paths, each against the plain way it replaces.

The states' JSON against ``json.dumps`` of the state's dictionary (as ``CardState.to_json`` wrote it);
the replay in a worker process against the replay in this one; the review log's indexes, built once
after a bulk write, against those a collection grows row by row; a deck the loader refuses in part,
written and read once, against the cards that load.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path

import pytest

from studyapp.anki.deck_file import ImportRefused, Plan
from studyapp.anki.markup import MediaLinks, html_markdown
from studyapp.anki.replay import CHUNK_CARDS, WORKER_SWITCH_INTERVAL, ReplayAhead, replayed_plan
from studyapp.anki.source import CardHistory, CardKind, NewCard, Review, Source
from studyapp.model import CardState, Rating, StudyState, state_json, utc_ms
from studyapp.scheduler import Scheduler
from studyapp.store import CardHistoryRows, Store

from .test_anki_import import NOW, START_MS, Place, place

__all__ = ["place"]  # the fixture, shared with the other Anki import tests

DAY_MS = 86_400_000


# -- the states' JSON --------------------------------------------------------------------------------------


def dumped(state: CardState) -> str:
    """The oracle: the state's dictionary through ``json.dumps``, as ``CardState.to_json`` wrote it before."""
    return json.dumps(
        {
            "state": int(state.state),
            "step": state.step,
            "stability": state.stability,
            "difficulty": state.difficulty,
            "due": utc_ms(state.due),
            "last_review": utc_ms(state.last_review),
            "reps": state.reps,
            "lapses": state.lapses,
            "suspended": state.suspended,
            "buried_until": utc_ms(state.buried_until),
            "leech": state.leech,
        },
        separators=(",", ":"),
    )


class Weight(float):
    """A float of another type (as numpy's are): not written by the fast path."""


class Step(IntEnum):
    FIRST = 1


def odd_number(rng: random.Random) -> object:
    return rng.choice(
        [
            None,
            0.0,
            -0.0,
            5e-324,
            1e-7,
            1e22,
            1.7976931348623157e308,
            -3.5,
            2,
            math.nan,
            math.inf,
            -math.inf,
            Weight(2.5),
            True,
            rng.random(),
            rng.lognormvariate(0, 3),
            rng.uniform(1, 10),
        ]
    )


def random_state(rng: random.Random) -> CardState:
    def moment() -> datetime | None:
        return None if rng.random() < 0.2 else datetime.fromtimestamp(rng.randrange(0, 2**42) / 1000, UTC)

    return CardState(
        state=rng.choice(list(StudyState)),
        step=rng.choice([None, 0, 1, 2, 10**20, Step.FIRST, True]),  # type: ignore[arg-type]
        stability=odd_number(rng),  # type: ignore[arg-type]
        difficulty=odd_number(rng),  # type: ignore[arg-type]
        due=moment(),
        last_review=moment(),
        reps=rng.choice([0, 1, 17, 2**70, False]),
        lapses=rng.randrange(0, 5),
        suspended=rng.choice([False, True, 0, 1]),  # type: ignore[arg-type]
        buried_until=moment(),
        leech=rng.choice([False, True, 1]),  # type: ignore[arg-type]
    )


def test_a_states_json_is_what_json_dumps_writes() -> None:
    rng = random.Random(11)
    for _ in range(5000):
        state = random_state(rng)
        assert state.to_json() == dumped(state)
    replayed = CardState(StudyState.REVIEW, None, 12.345678901234, 5.43, NOW, NOW, 7, 1)
    assert state_json((*replayed.to_row()[:8], False, None, False)) == dumped(replayed)


# -- the replay in a worker process -----------------------------------------------------------------------


def history(rng: random.Random, start: int, key: int) -> CardHistory:
    """A card's answers at growing intervals, some in the same millisecond, some flags."""
    reviews, at = [], start
    for _ in range(rng.choice([0, 0, 1, 3, 8, 15])):
        reviews.append(Review(at, rng.choice(list(Rating)), rng.choice([None, 4000])))
        at += rng.choice([0, 60_000, 600_000, DAY_MS, 9 * DAY_MS])
    flags = {"suspended": rng.random() < 0.05, "leech": rng.random() < 0.05}
    return CardHistory(0, tuple(reviews), key=key, **flags)


def generated_plan(cards: int, seed: int = 3) -> Plan:
    rng = random.Random(seed)
    new_cards = [
        NewCard(CardKind.FRONT_BACK, f"Q {n}", f"A {n}", histories=(history(rng, START_MS + n * 7, n),))
        for n in range(cards)
    ]
    source = Source("generated.apkg", "Generated", cards, new_cards)
    return Plan(source, "generated", Path("generated.toml"), tuple(f"card-{n}" for n in range(cards)))


#: A card's key and its answers, as a replay is given them.
Pair = tuple[int, tuple[Review, ...]]


def answers(plan: Plan) -> list[Pair]:
    """The plan's answers as the file gave them, by key (what a replay is started with)."""
    return [(h.key, h.reviews) for card in plan.source.cards for h in card.histories if h.key is not None]


def test_a_worker_replays_what_this_process_replays() -> None:
    """The same rows either way; while the worker runs, this process lets the thread that reads its
    results take the interpreter lock sooner, and gives the interval back when the worker stops."""
    plan = generated_plan(2 * CHUNK_CARDS + 17)  # three chunks, the last one short
    scheduler = Scheduler(0.85, fuzz=False)
    here = list(replayed_plan(plan, scheduler))
    assert sum(len(card.reviews) for card in here) == plan.source.reviews > 2 * CHUNK_CARDS
    assert sum(card.state is not None for card in here) > CHUNK_CARDS
    interval = sys.getswitchinterval()
    with ReplayAhead(scheduler, parallel_from=0) as ahead:
        ahead.start(answers(plan))
        assert ahead.in_worker
        assert sys.getswitchinterval() == pytest.approx(min(interval, WORKER_SWITCH_INTERVAL))
        assert list(ahead.rows(plan)) == here
    assert sys.getswitchinterval() == interval
    with ReplayAhead(scheduler, parallel_from=plan.source.reviews + 1) as ahead:
        ahead.start(answers(plan))
        assert not ahead.in_worker
        assert list(ahead.rows(plan)) == here


def test_a_replay_expected_big_sends_each_chunk_to_the_worker_as_it_is_read() -> None:
    """Told how many answers may come, a replay starts its worker at once and sends it each chunk as soon as
    it is full; not told, it starts the worker when every answer has been read."""
    plan = generated_plan(2 * CHUNK_CARDS + 17)
    scheduler = Scheduler(fuzz=False)
    here = list(replayed_plan(plan, scheduler))
    for expected, in_worker_while_read in ((plan.source.reviews, True), (0, False)):
        with ReplayAhead(scheduler, parallel_from=100) as ahead:
            seen: list[bool] = []

            def read(ahead: ReplayAhead = ahead, seen: list[bool] = seen) -> Iterator[Pair]:
                pairs = answers(plan)
                yield from pairs[:-1]
                seen.append(ahead.in_worker)  # more than a chunk read, the last card still to come
                yield pairs[-1]

            ahead.start(read(), expected)
            assert seen == [in_worker_while_read]
            assert ahead.in_worker
            assert list(ahead.rows(plan)) == here


def test_a_replay_started_before_the_deck_is_checked_serves_the_cards_kept() -> None:
    """Cards left out after the answers were read are skipped; a card the replay does not know (no key,
    other answers) or asked for out of the file's order is replayed here, with the same rows."""
    plan = generated_plan(3 * CHUNK_CARDS)
    scheduler = Scheduler(fuzz=False)
    with ReplayAhead(scheduler, parallel_from=0) as ahead:
        ahead.start(answers(plan))
        kept = plan.without({f"card-{n}" for n in range(0, 3 * CHUNK_CARDS, 3)})
        cards = kept.source.cards
        other = CardHistory(0, (Review(START_MS, Rating.GOOD, None),), key=cards[5].histories[0].key)
        unknown = CardHistory(0, cards[7].histories[0].reviews, leech=True)
        cards[5] = replace(cards[5], histories=(other,))
        cards[7] = replace(cards[7], histories=(unknown,))
        cards.append(cards[1])  # asked for again after its chunk was written
        kept = replace(kept, entry_ids=(*kept.entry_ids, "card-again"))
        assert list(ahead.rows(kept)) == list(replayed_plan(kept, scheduler))


def test_a_replay_started_ahead_is_used_only_with_its_settings() -> None:
    with ReplayAhead(Scheduler(0.9, fuzz=False), parallel_from=10**9) as ahead:
        assert ahead.fits(Scheduler(0.9, fuzz=False))
        assert not ahead.fits(Scheduler(0.8, fuzz=False))
        fitted = [w * 1.05 for w in Scheduler().parameters]
        assert not ahead.fits(Scheduler(0.9, fuzz=False, parameters=fitted))


# -- the review log's indexes ------------------------------------------------------------------------------


def log_indexes(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reviews' ORDER BY name"
    ).fetchall()


def log_rows(count: int, start: int = 0) -> list[CardHistoryRows]:
    before, after = CardState().to_json(), CardState(reps=1).to_json()
    return [
        CardHistoryRows(f"card-{n}", [(f"card-{n}", 3, START_MS + n, None, 0, 1, before, after)], None)
        for n in range(start, start + count)
    ]


@pytest.mark.parametrize("already", [0, 5000])
def test_a_bulk_write_leaves_the_log_indexes_as_they_were(tmp_path: Path, already: int) -> None:
    """With more rows coming than the log has, its indexes are built after the writes; either way they
    come back with the same definitions, and match the table (``integrity_check`` compares them). The
    page cache and sort threads the writes and the indexes had are the connection's own again."""
    with Store.open(tmp_path / "collection.sqlite3") as store:
        indexes = log_indexes(store.conn)
        assert len(indexes) >= 3
        pragmas = [store.conn.execute(f"PRAGMA {name}").fetchone() for name in ("cache_size", "threads")]
        store.record_histories(log_rows(already), coming=already)
        written = store.record_histories(log_rows(3000, start=already), coming=3000)
        assert written == 3000
        assert log_indexes(store.conn) == indexes
        assert [
            store.conn.execute(f"PRAGMA {name}").fetchone() for name in ("cache_size", "threads")
        ] == pragmas
        assert store.integrity_check() == ["ok"]
        plan = store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM reviews WHERE card_id = ? ORDER BY reviewed_at", ("card-9",)
        ).fetchall()
        assert "reviews_by_card" in str(plan)
        (count,) = store.conn.execute("SELECT count(*) FROM reviews").fetchone()
        assert count == already + 3000


def test_a_failed_bulk_write_still_gives_the_indexes_back(tmp_path: Path) -> None:
    def failing() -> Iterator[CardHistoryRows]:
        yield from log_rows(2500)
        raise RuntimeError("the replay failed")

    with Store.open(tmp_path / "collection.sqlite3") as store:
        indexes = log_indexes(store.conn)
        with store.transaction():  # a caller that goes on after the failure keeps its indexes
            with pytest.raises(RuntimeError, match="the replay failed"):
                store.record_histories(failing(), coming=10**6)
            assert log_indexes(store.conn) == indexes
        assert store.integrity_check() == ["ok"]


# -- fields with HTML ----------------------------------------------------------------------------------------


def test_images_are_linked_whatever_the_case_of_their_tag() -> None:
    """The image links are found only in fields that have an image tag, which HTML writes in any case."""
    media = MediaLinks("deck-media")
    field = '<div>Look: <IMG SRC="x.png"> and <img alt="y" src="y y.png"></div>'
    linked = "Look: ![](deck-media/x.png) and ![y](deck-media/y%20y.png)"
    assert html_markdown(field, media, plain=True) == linked
    assert media.names == {"x.png", "y y.png"}
    assert html_markdown("<b>bold</b> <i>and</i> plain", media) == "**bold** *and* plain"
    assert html_markdown("<b>bold</b> <i>and</i> plain", media, plain=True) == "bold and plain"


# -- the deck written and read once ------------------------------------------------------------------------


def test_cards_the_loader_refuses_are_left_out_and_the_rest_written_once(
    place: Place, tmp_path: Path
) -> None:
    table = tmp_path / "formulas.csv"
    table.write_text(
        'question,answer\n"What is $x^2$ at 3?",9\n"What is $\\frac{1}{$ here?",broken\n"What is 2 + 2?",4\n',
        encoding="utf-8",
    )
    outcome = place.bring_in(table)
    deck = place.new_deck("formulas")
    assert [(card.question, card.answer) for card in deck.cards] == [
        ("What is $x^2$ at 3?", "9"),
        ("What is 2 + 2?", "4"),
    ]
    left_out = dict(outcome.plan.source.left_out)
    assert [count for what, count in left_out.items() if "cards the deck format refuses" in what] == [1]
    assert place.files() == ["formulas.toml"]  # the first file, refused in part, was taken away


def test_a_deck_that_never_loads_is_taken_away(place: Place, tmp_path: Path) -> None:
    table = tmp_path / "broken.csv"
    table.write_text('question,answer\n"What is $\\frac{1}{$?",x\n', encoding="utf-8")
    with pytest.raises(ImportRefused, match="would not load, so nothing was written"):
        place.bring_in(table)
    assert place.files() == [] and not place.db.exists()
