"""Browse's matches in SQL (``Collection.browse``), in every order, against a sort in Python of the
reference filter's matches; and version 9's index of the searchable text, which a search for words in
the default order reads alone (and every card in that order, the index of the id)."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from studyapp.collection import BROWSE_ORDERS, Collection, open_collection
from studyapp.model import Card, CardState, utc_ms
from studyapp.search import parse, resolve, searchable
from studyapp.store.schema import CURRENT_VERSION, user_version
from studyapp.store.search import SearchContext
from studyapp.tui.screens.browse import state_word

from .conftest import undo_version_11
from .test_search_sql import generated_library, queries_from
from .test_stats_sql import NOW, random_state

FIXED_QUERIES = ["", "pooling", "a", "gradient descent", "is:new", "-is:suspended", "is:due or p*l", "-a"]
#: A search for words in Browse's default order, as ``fill_browse`` makes it.
WORDS_BY_ID = "SELECT tx.ord FROM card_text AS tx WHERE (tx.text_folded GLOB ?) ORDER BY tx.id_folded, tx.ord"
#: Every card in that order, as ``fill_browse`` makes it for the empty search.
EVERY_CARD_BY_ID = "SELECT tx.ord FROM card_text AS tx WHERE 1 ORDER BY tx.id_folded, tx.ord"


def sort_key(order: str, card: Card, state: CardState) -> Any:
    """The key Browse sorts ``card`` by in ``order`` (then by deck order), in Python."""
    due = utc_ms(state.due)
    return {
        "id": searchable(card.id),
        "question": searchable(card.question),
        "state": state_word(state, NOW),
        "due": (due is None, due or 0),
        "stability": (state.stability is None, state.stability or 0.0),
        "lapses": state.lapses,
    }[order]


def browsed(collection: Collection, query: str, order: str) -> list[str]:
    """Every row Browse shows for ``query`` in ``order``, by id."""
    count = collection.browse(parse(query), order, NOW)
    return [record.card_id for record in collection.browse_rows(0, count)]


def expected(collection: Collection, query: str, order: str) -> list[str]:
    """The reference filter's matches (text terms matched in Python) sorted in Python as Browse sorts
    them."""
    parsed = parse(query)
    root = resolve(parsed.root, collection.library.cards) if parsed.root is not None else None
    matched = set(collection.store.search_cards(root, SearchContext(NOW, NOW)))
    cards = [(ord_, card) for ord_, card in enumerate(collection.library.cards) if card.id in matched]
    states = {card.id: collection.store.card_state(card.id) for _, card in cards}
    ranked = sorted(cards, key=lambda pair: (sort_key(order, pair[1], states[pair[1].id]), pair[0]))
    return [card.id for _, card in ranked]


@pytest.fixture
def studied_unicode(tmp_path: Path) -> Iterator[Collection]:
    """The generated deck of Unicode and punctuation, its cards in random states."""
    with open_collection(tmp_path / "unicode.sqlite3", library=generated_library(random.Random(7))) as opened:
        rng = random.Random(11)
        with opened.store.transaction():
            for card in opened.library.cards:
                opened.store.set_state(card.id, random_state(rng))
        yield opened


def test_browse_gives_the_reference_matches_in_every_order(studied_unicode: Collection) -> None:
    cards = studied_unicode.library.cards
    queries = FIXED_QUERIES + list(queries_from(cards, random.Random(5), 40))
    assert {state_word(studied_unicode.store.card_state(card.id), NOW) for card in cards} >= {
        "new", "learning", "review", "relearning", "suspended", "buried"
    }  # fmt: skip
    for order in BROWSE_ORDERS:
        for query in queries:
            assert browsed(studied_unicode, query, order) == expected(studied_unicode, query, order), (
                order,
                query,
            )


def test_a_search_for_words_in_id_order_reads_the_text_index_alone(studied_unicode: Collection) -> None:
    def plan(sql: str, *params: str) -> str:
        rows = studied_unicode.store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " ".join(str(row) for row in rows)

    words = plan(WORDS_BY_ID, "*a*")
    assert "COVERING INDEX card_text_search" in words and "TEMP B-TREE" not in words
    every = plan(EVERY_CARD_BY_ID)
    assert "COVERING INDEX card_text_by_id" in every and "TEMP B-TREE" not in every


def test_a_version_8_collection_gets_the_text_index(tmp_path: Path) -> None:
    path = tmp_path / "collection.sqlite3"
    library = generated_library(random.Random(7))
    sizes: list[int] = []
    with open_collection(path, library=library, upgrading=sizes.append) as collection:
        before = {order: browsed(collection, "a -is:suspended", order) for order in BROWSE_ORDERS}
    with open_collection(path, library=library, upgrading=sizes.append):
        pass
    assert sizes == []  # a new collection, and one up to date, are not upgraded
    conn = sqlite3.connect(path, isolation_level=None)  # back to version 8's indexes
    conn.execute("DROP INDEX card_text_search")
    undo_version_11(conn)
    conn.execute("PRAGMA user_version = 8")
    conn.close()
    size = path.stat().st_size
    with open_collection(path, library=library, upgrading=sizes.append) as collection:
        assert sizes == [size]  # told before the copy, which is as big
        store = collection.store
        assert user_version(store.conn) == CURRENT_VERSION
        assert store.migration_backup is not None and store.migration_backup.name.startswith(
            "collection.sqlite3.v8-"
        )
        rows = store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        indexes = {name for (name,) in rows}
        assert {"card_text_search", "card_text_by_id"} <= indexes
        assert store.migration_backup.stat().st_size >= size
        assert {order: browsed(collection, "a -is:suspended", order) for order in BROWSE_ORDERS} == before
        assert before["id"] and before["id"] != before["question"]


def widths_oracle(collection: Collection) -> tuple[int, int]:
    """The widths of Browse's stability and lapses columns, from every card's state in Python."""
    states = [collection.store.card_state(card.id) for card in collection.library.cards]
    stabilities = [state.stability for state in states if state.stability is not None]
    return (len(f"{max(stabilities):.1f}d") if stabilities else 0), len(str(max(s.lapses for s in states)))


def test_the_widest_stability_and_lapses_are_read_from_their_indexes(studied_unicode: Collection) -> None:
    store = studied_unicode.store
    widths = studied_unicode.browse_widths(NOW)
    assert (widths["stability"], widths["lapses"]) == widths_oracle(studied_unicode)
    first, second = (card.id for card in studied_unicode.library.cards[:2])
    stable = replace(store.card_state(first), stability=123456.75, lapses=1234567)
    store.set_state(first, stable)
    widths = studied_unicode.browse_widths(NOW)
    assert (widths["stability"], widths["lapses"]) == (len("123456.8d"), 7) == widths_oracle(studied_unicode)
    # A retired card (gone from the decks) is not measured, however large its values.
    store.conn.execute("UPDATE cards SET stability = 9e9, lapses = 1000000000 WHERE card_id = ?", (second,))
    store.conn.execute("UPDATE cards SET retired = 1 WHERE card_id = ?", (second,))
    widths = studied_unicode.browse_widths(NOW)
    assert (widths["stability"], widths["lapses"]) == (len("123456.8d"), 7)
    # The statements browse_widths runs, as SQLite ran them (with their values), and their plans.
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        studied_unicode.browse_widths(NOW)
    finally:
        store.conn.set_trace_callback(None)
    selects = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    plans = " ".join(str(row) for sql in selects for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
    assert "INDEX cards_by_stability" in plans and "INDEX cards_by_lapses" in plans  # not every card


def test_a_version_9_collection_gets_the_width_indexes(tmp_path: Path) -> None:
    path = tmp_path / "collection.sqlite3"
    library = generated_library(random.Random(7))
    with open_collection(path, library=library) as collection:
        rng = random.Random(3)
        with collection.store.transaction():
            for card in library.cards:
                collection.store.set_state(card.id, random_state(rng))
        before = collection.browse_widths(NOW)
    conn = sqlite3.connect(path, isolation_level=None)  # back to version 9's indexes
    conn.execute("DROP INDEX cards_by_stability")
    conn.execute("DROP INDEX cards_by_lapses")
    undo_version_11(conn)
    conn.execute("PRAGMA user_version = 9")
    conn.close()
    with open_collection(path, library=library) as collection:
        store = collection.store
        assert user_version(store.conn) == CURRENT_VERSION
        assert store.migration_backup is not None and store.migration_backup.name.startswith(
            "collection.sqlite3.v9-"
        )
        indexes = {
            name for (name,) in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        assert {"cards_by_stability", "cards_by_lapses"} <= indexes
        assert collection.browse_widths(NOW) == before
        assert (before["stability"], before["lapses"]) == widths_oracle(collection)
