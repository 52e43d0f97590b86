"""Statistics at scale: version 7's card-count indexes (a saved version-6 collection upgraded), and mastery
per tag computed beside the other sections on a connection of its own, against the same statistics
computed one section at a time on one connection, and inside a write transaction."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from studyapp import stats
from studyapp.collection import Collection, open_collection
from studyapp.content import load_paths
from studyapp.model import CardState, Rating, StudyState, utc_ms
from studyapp.store import Store
from studyapp.store.schema import CURRENT_VERSION, STEPS, migrate

from .conftest import write_decks
from .test_stats_sql import (
    CARDS,
    NOW,
    SECTION_KEYS,
    TAGS,
    active,
    assert_mastery,
    deck_text,
    generate_history,
    random_state,
)

COUNT_NAMES = ("new", "learning", "review", "relearning", "suspended", "buried", "leech")


@pytest.fixture
def studied(tmp_path: Path) -> Iterator[Collection]:
    """240 tagged cards with random states and 3,000 reviews over 500 days."""
    library = load_paths([write_decks(tmp_path / "decks", {"gen.toml": deck_text(CARDS)})])
    with open_collection(tmp_path / "collection.sqlite3", library=library) as collection:
        generate_history(collection.store, random.Random(29), 3000)
        yield collection


def counts_oracle(store: Store, now_ms: int) -> dict[str, int]:
    """The card counts from a plain loop over the cards table, read by a connection of its own."""
    expected = Counter[str]()
    with sqlite3.connect(store.path) as conn:
        rows = conn.execute("SELECT state, suspended, buried_until, leech FROM cards WHERE retired = 0")
        for state, suspended, buried_until, leech in rows:
            if suspended:
                expected["suspended"] += 1
            elif buried_until is not None and buried_until > now_ms:
                expected["buried"] += 1
            else:
                expected[StudyState(state).name.lower()] += 1
            expected["leech"] += bool(leech)
    return {name: expected[name] for name in COUNT_NAMES}


def saved_v6_collection(path: Path, rng: random.Random) -> None:
    """A collection as version 6 left it: cards in every state, some suspended, buried and leeches."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, steps=STEPS[:6])
    conn.execute("INSERT INTO decks (deck_id, title, rank) VALUES ('gen', 'Generated', 0)")
    columns = ", ".join(CardState.COLUMNS)
    for i in range(80):
        conn.execute(
            f"INSERT INTO cards (card_id, deck_id, position, ord, retired, {columns}) "
            f"VALUES (?, 'gen', ?, ?, ?, {', '.join('?' * len(CardState.COLUMNS))})",
            (f"gen-{i:03d}", i, i, int(i % 9 == 0), *random_state(rng).to_row()),
        )
        for tag in rng.sample(TAGS, rng.randint(0, 2)):
            conn.execute("INSERT INTO card_tags (card_id, tag) VALUES (?, ?)", (f"gen-{i:03d}", tag))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 6
    conn.close()


def test_version_6_is_upgraded_with_a_backup_and_the_card_count_indexes(tmp_path: Path) -> None:
    path = tmp_path / "collection.sqlite3"
    saved_v6_collection(path, random.Random(5))
    with Store.open(path) as store:
        assert store.migration_backup is not None
        assert store.migration_backup.name.startswith("collection.sqlite3.v6-")
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION >= 7
        for now in (NOW, NOW - timedelta(hours=12), NOW + timedelta(hours=12)):
            now_ms = utc_ms(now)
            assert now_ms is not None
            counts = stats.card_counts(store, now)
            assert {name: getattr(counts, name) for name in COUNT_NAMES} == counts_oracle(store, now_ms)
            assert counts.suspended and counts.leech and counts.buried  # every partial index is read
        plans = " ".join(
            str(row)
            for sql in (
                "SELECT count(*) FROM cards INDEXED BY cards_suspended WHERE suspended != 0 AND retired = 0",
                "SELECT count(*) FROM cards INDEXED BY cards_leeches WHERE leech != 0 AND retired = 0",
                "SELECT count(*) FROM cards INDEXED BY cards_buried WHERE suspended = 0 AND retired = 0 "
                "AND buried_until > 0",
            )
            for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}")
        )
        for index in ("cards_suspended", "cards_leeches", "cards_buried"):
            assert f"INDEX {index}" in plans
    with sqlite3.connect(store.migration_backup) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 6
        names = {row[0] for row in old.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert not names & {"cards_suspended", "cards_leeches", "cards_buried"}


def one_at_a_time(collection: Collection) -> dict[str, object]:
    """Every section of ``all_stats`` computed on its own, mastery on this connection alone (the
    reference for computing it beside the others)."""
    store = collection.store
    result: dict[str, object] = {}
    for name in stats.SECTIONS:
        if name == "mastery":
            overall, per_tag = stats.mastery(store, NOW, collection.library.tags)
            tags = {tag: value.to_dict() for tag, value in per_tag.items()}
            result["mastery"] = {"overall": overall.to_dict(), "tags": tags}
        else:
            result |= stats.all_stats(store, collection.library, NOW, sections=[name])
    return result


def test_mastery_beside_the_other_sections_equals_one_section_at_a_time(studied: Collection) -> None:
    everything = studied.statistics(NOW)
    one = one_at_a_time(studied)
    assert {key: everything[key] for key in one} == one
    assert list(everything)[3:] == SECTION_KEYS
    assert_mastery(studied.store, NOW, ())


def test_statistics_inside_a_write_transaction_see_its_changes(studied: Collection) -> None:
    """Another connection would not see the changes made so far: mastery is then computed on this one."""
    store = studied.store
    new = next(record for record in active(store) if record.tags and record.state.state == StudyState.NEW)
    before = studied.statistics(NOW)["mastery"]["tags"]
    with store.transaction():
        at = NOW - timedelta(days=1)
        after = CardState(StudyState.REVIEW, None, 10.0, 5.0, NOW + timedelta(days=9), at, 1, 0)
        store.record_review(new.card_id, Rating.GOOD, at, 1000, CardState(), after)
        assert store.writing
        inside = studied.statistics(NOW)["mastery"]["tags"]
        assert_mastery(store, NOW, ())  # the loop reads the uncommitted state through this connection
    assert not store.writing
    for tag in new.tags:
        assert inside[tag]["studied"] == before[tag]["studied"] + 1
    assert inside == studied.statistics(NOW)["mastery"]["tags"]  # committed: the same


def test_a_reader_is_a_read_only_connection_of_its_own(studied: Collection) -> None:
    store = studied.store
    reader = store.reader()
    try:
        assert reader.read_only and reader.conn is not store.conn and reader.path == store.path
        curve = stats.recall_curve(store, NOW)
        assert reader.retrievability_sums(*curve) == store.retrievability_sums(*curve)
        assert len(active(reader)) == CARDS
    finally:
        reader.close()


def test_retention_windows_are_counted_in_one_statement_as_each_alone(studied: Collection) -> None:
    store = studied.store
    starts = [None, utc_ms(NOW - timedelta(days=7)), utc_ms(NOW - timedelta(days=400)), None, utc_ms(NOW)]
    assert store.retention_windows(starts) == [store.retention_counts(since) for since in starts]
    assert store.retention_windows([]) == []
    with sqlite3.connect(store.path) as conn:  # the oracle: a loop over the review log
        rows = conn.execute("SELECT state_before, rating, reviewed_at FROM reviews").fetchall()
    for since, (reviews, passed) in zip(starts, store.retention_windows(starts), strict=True):
        kept = [rating for state, rating, at in rows if state == 2 and (since is None or at >= since)]
        assert (reviews, passed) == (len(kept), sum(rating != 1 for rating in kept))


def test_the_text_shows_the_same_weeks_from_the_days_it_needs(studied: Collection) -> None:
    """``studyapp stats`` asks for the days its heatmap shows, not the year: the text is the same."""
    from studyapp.commands.stats import HEATMAP_WEEKS, render

    year = studied.statistics(NOW)
    weeks = studied.statistics(NOW, heatmap_days=7 * HEATMAP_WEEKS)
    assert len(year["reviews_per_day"]) == 365 and len(weeks["reviews_per_day"]) == 7 * HEATMAP_WEEKS
    assert render(weeks) == render(year)
    assert {key: value for key, value in weeks.items() if key != "reviews_per_day"} == {
        key: value for key, value in year.items() if key != "reviews_per_day"
    }
