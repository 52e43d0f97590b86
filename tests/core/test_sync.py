"""Content sync: the collection follows the decks by card id and never loses history."""

from __future__ import annotations

import copy
import json
import sqlite3
import zlib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyapp.collection import DECK_ORD_STEP, Fingerprints, open_collection, reconcile
from studyapp.content import Library, load_paths
from studyapp.model import Card, Deck, RunningDigest, StudyState, bytes_digest
from studyapp.store import CardFilter, Store

from .conftest import assert_tag_sets

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
ALL = ["core-mlp", "core-relu", "core-backprop", "core-loss", "core-pool", "core-stride", "core-padding"]


def edit(deck_dir: Path, name: str, old: str, new: str) -> None:
    path = deck_dir / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def remove_card(deck_dir: Path, name: str, card_id: str) -> None:
    path = deck_dir / name
    blocks = path.read_text().split("[[cards]]")
    path.write_text("[[cards]]".join(b for b in blocks if f'id = "{card_id}"' not in b))


def test_first_open_adds_every_card_as_new(db_path: Path, deck_dir: Path) -> None:
    with open_collection(db_path, library=load_paths([deck_dir])) as collection:
        assert collection.sync.added == tuple(ALL)
        records = list(collection.store.cards())
        assert_tag_sets(collection.store)
    assert [r.card_id for r in records] == ALL
    assert all(r.state.state == StudyState.NEW and not r.retired for r in records)
    # a card's ord: its deck's place, then its place in the deck
    assert [(r.deck_id, r.position, r.ord) for r in records[3:5]] == [
        ("core-basics", 3, 3),
        ("core-cnn", 0, DECK_ORD_STEP),
    ]
    assert records[0].tags == ("basics", "mlp")


def test_an_unchanged_library_is_skipped_after_one_read(db_path: Path, deck_dir: Path) -> None:
    open_collection(db_path, library=load_paths([deck_dir])).close()
    with open_collection(db_path, library=load_paths([deck_dir])) as collection:
        assert collection.sync.skipped and collection.sync.changes == 0


def test_edited_text_keeps_history_and_moved_or_retagged_cards_are_updated(
    db_path: Path, deck_dir: Path
) -> None:
    with open_collection(db_path, library=load_paths([deck_dir])) as collection:
        collection.session(tz=UTC).rate("core-relu", 3, T0)
        before = collection.store.card_state("core-relu")
    edit(deck_dir, "a-basics.toml", "Zero.", "Zero: ReLU(x) = max(0, x).")
    edit(deck_dir, "a-basics.toml", 'tags = ["activations", "basics"]', 'tags = ["activations"]')
    with open_collection(db_path, library=load_paths([deck_dir])) as collection:
        assert collection.sync.changed == ("core-relu",) and not collection.sync.added
        record = collection.store.card("core-relu")
        assert record is not None and record.state == before and record.tags == ("activations",)
        assert_tag_sets(collection.store)  # the tag set follows a card's tags
        assert len(list(collection.store.iter_reviews(card_id="core-relu"))) == 1
        assert collection.session().card("core-relu").answer.startswith("Zero: ReLU")  # type: ignore[union-attr]


def test_removed_cards_retire_and_return_with_their_history(db_path: Path, deck_dir: Path) -> None:
    with open_collection(db_path, library=load_paths([deck_dir])) as collection:
        collection.session(tz=UTC).rate("core-pool", 4, T0)
        reviewed = collection.store.card_state("core-pool")
    original = (deck_dir / "b-cnn.toml").read_text()
    remove_card(deck_dir, "b-cnn.toml", "core-pool")
    with open_collection(db_path, library=load_paths([deck_dir])) as collection:
        assert collection.sync.retired == ("core-pool",)
        record = collection.store.card("core-pool")
        assert record is not None and record.retired and record.state == reviewed
        assert collection.session(tz=UTC).counts(T0).new == 6
        assert "core-pool" not in collection.store.cram_cards(CardFilter())
        assert [c["id"] for c in collection.cards_with_state()] == [c for c in ALL if c != "core-pool"]
    (deck_dir / "b-cnn.toml").write_text(original)
    with open_collection(db_path, library=load_paths([deck_dir])) as collection:
        assert collection.sync.restored == ("core-pool",)
        record = collection.store.card("core-pool")
        assert record is not None and not record.retired and record.state == reviewed
        assert record.ord == DECK_ORD_STEP + record.position
        assert len(list(collection.store.iter_reviews(card_id="core-pool"))) == 1


def test_a_new_card_and_a_moved_deck(db_path: Path, deck_dir: Path) -> None:
    open_collection(db_path, library=load_paths([deck_dir])).close()
    edit(
        deck_dir,
        "b-cnn.toml",
        "[[cards]]",
        '[[cards]]\nid = "core-kernel"\nquestion = "What is a kernel?"\nanswer = "A small weight grid."\n'
        "\n[[cards]]",
    )
    (deck_dir / "b-cnn.toml").rename(deck_dir / "0-cnn.toml")  # now loaded first
    with open_collection(db_path, library=load_paths([deck_dir])) as collection:
        assert collection.sync.added == ("core-kernel",)
        ids = [r.card_id for r in collection.store.cards()]
        assert ids[:4] == ["core-kernel", "core-pool", "core-stride", "core-padding"]
        assert_tag_sets(collection.store)  # core-kernel without tags
        ranks = collection.store.conn.execute("SELECT deck_id FROM decks ORDER BY rank").fetchall()
        assert [r[0] for r in ranks] == ["core-cnn", "core-basics"]


def test_reconcile_directly_reports_changes(store: Store, deck_dir: Path) -> None:
    library = load_paths([deck_dir])
    assert reconcile(store, library).changes == len(ALL)
    assert reconcile(store, library).skipped


def test_cards_json_lists_state_due_stability_difficulty_and_counts(db_path: Path, deck_dir: Path) -> None:
    with open_collection(db_path, library=load_paths([deck_dir])) as collection:
        collection.session(tz=UTC).rate("core-mlp", 4, T0)
        rows = collection.cards_with_state()
    assert [r["id"] for r in rows] == ALL
    first = rows[0]
    assert first["state"] == "review" and first["reps"] == 1 and first["lapses"] == 0
    assert first["stability"] > 0 and 1 <= first["difficulty"] <= 10
    assert datetime.fromisoformat(first["due"]) > T0
    assert rows[1]["state"] == "new" and rows[1]["due"] is None and rows[1]["stability"] is None
    assert json.loads(json.dumps(rows)) == rows


def test_open_collection_loads_the_decks_itself(tmp_path: Path, deck_dir: Path) -> None:
    """The real loader: bundled decks plus an extra folder, with a private (empty) user folder."""
    with open_collection(tmp_path / "c.db", [deck_dir], user_dir=tmp_path / "none") as collection:
        ids = {record.card_id for record in collection.store.cards()}
    assert set(ALL) <= ids and len(ids) > len(ALL)


def card(card_id: str, deck: str, position: int, *tags: str) -> Card:
    return Card(card_id, deck, f"What is {card_id}?", f"{card_id} is a card.", tags=tags, position=position)


def deck(deck_id: str, *ids: str, tagged: str = "t") -> Deck:
    return Deck(deck_id, deck_id.title(), tuple(card(c, deck_id, i, tagged) for i, c in enumerate(ids)))


A, B, C = deck("a", "a1", "a2", "a3"), deck("b", "b1", "b2"), deck("c", "c1", "c2", "c3", "c4")
#: Libraries after ``[A, B, C]``; the decks not named again are the same objects, as a library read
#: again after one deck file changed keeps the others.
CHANGES = {
    "a card added": [A, deck("b", "b1", "b2", "b3"), C],
    "a card added after the same cards": [A, Deck("b", "B", (*B.cards, card("b3", "b", 2, "t"))), C],
    "a card put before the same cards": [A, Deck("b", "B", (card("b0", "b", 0, "t"), *B.cards)), C],
    "a card removed": [A, deck("b", "b2"), C],
    "a card moved to another deck": [deck("a", "a1", "a3"), B, deck("c", "c1", "a2", "c2", "c3", "c4")],
    "decks reordered": [C, A, B],
    "a deck added": [A, B, C, deck("d", "d1")],
    "a deck removed": [B, C],
    "a card retagged": [A, B, deck("c", "c1", "c2", "c3", "c4", tagged="u")],
    "a card's text edited": [
        A,
        B,
        Deck("c", "C", (C.cards[0], replace(C.cards[1], question="New?"), *C.cards[2:])),
    ],
    "a removed card back": [A, deck("b", "b1", "b2", "c2"), deck("c", "c1", "c3", "c4")],
}


def synced(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """What reconciliation writes: the decks, the cards' places and the tags."""
    with sqlite3.connect(path) as conn:
        return {
            "decks": conn.execute(
                "SELECT deck_id, title, rank, retired FROM decks ORDER BY deck_id"
            ).fetchall(),
            "cards": conn.execute(
                "SELECT card_id, deck_id, position, ord, retired FROM cards ORDER BY card_id"
            ).fetchall(),
            "tags": conn.execute("SELECT card_id, tag FROM card_tags ORDER BY card_id, tag").fetchall(),
            "text": conn.execute(
                "SELECT ord, card_id, question, tags FROM card_text ORDER BY ord"
            ).fetchall(),
        }


@pytest.mark.parametrize("change", CHANGES)
def test_only_the_changed_decks_are_compared_and_the_result_is_the_whole_comparison(
    tmp_path: Path, change: str
) -> None:
    """Each step reconciled knowing the library before it (its decks not changed are not compared) and
    reconciled comparing every card: the same report and the same rows. The steps first take a card
    away and bring it back (retired, then restored), then make the change."""
    steps = [Library([A, B, C]), Library([A, B, deck("c", "c1", "c3", "c4")]), Library([A, B, C])]
    steps.append(Library(CHANGES[change]))
    with Store.open(tmp_path / "known.db") as known, Store.open(tmp_path / "whole.db") as whole:
        before: Library | None = None
        for library in steps:
            before_fingerprints = None if before is None else Fingerprints.of(before)
            report = reconcile(known, library, Fingerprints.of(library), before, before_fingerprints)
            assert report == reconcile(whole, library)
            before = library
    assert synced(tmp_path / "known.db") == synced(tmp_path / "whole.db")


def test_a_collection_not_in_the_state_said_before_is_compared_whole(tmp_path: Path) -> None:
    """``before`` is not what the collection holds (another program reconciled other decks): every card
    is compared, and the result is the whole comparison's."""
    other = Library([A, deck("b", "b1"), C])
    after = Library(CHANGES["a card added"])
    with Store.open(tmp_path / "known.db") as known, Store.open(tmp_path / "whole.db") as whole:
        reconcile(known, other)
        reconcile(whole, other)
        said_before = Library([A, B, C])
        report = reconcile(known, after, Fingerprints.of(after), said_before, Fingerprints.of(said_before))
        assert report == reconcile(whole, after)
        assert report.added == ("b2", "b3")
    assert synced(tmp_path / "known.db") == synced(tmp_path / "whole.db")


@given(st.lists(st.binary(max_size=300), max_size=6))
def test_a_digest_given_a_part_at_a_time_is_the_digest_of_the_whole(parts: list[bytes]) -> None:
    whole = b"".join(parts)
    running = RunningDigest()
    for part in parts:
        running = running.add(part)
    assert running.hex() == bytes_digest(whole)
    assert running.hex() == f"{zlib.crc32(whole):08x}{zlib.adler32(whole):08x}{len(whole):x}"


def test_a_deck_cards_were_added_to_has_the_fingerprints_of_the_same_deck_made_anew(deck_dir: Path) -> None:
    """Fingerprinting a deck that grew from one fingerprinted before digests its new cards alone; the
    fingerprints are those of an equal deck made of other objects, digested whole."""
    library = load_paths([deck_dir])
    before = Fingerprints.of(library)
    deck = library.decks[0]
    first = deck.cards[0]
    added = [
        replace(first, id="core-new", position=len(deck.cards), question='Ünïcode, "quotes" \\ ]?'),
        replace(first, id="core-newer", position=len(deck.cards) + 1, tags=("z", "a"), sim=None),
    ]
    grown = Library([replace(deck, cards=(*deck.cards, *added)), *library.decks[1:]], [])
    again = Library(
        [
            replace(
                grown.decks[0],
                cards=(*grown.decks[0].cards, replace(first, id="core-newest", position=len(deck.cards) + 2)),
            ),
            *grown.decks[1:],
        ],
        [],
    )
    for library_grown in (grown, again):  # grown once, then grown from the grown deck
        assert Fingerprints.of(library_grown) == Fingerprints.of(copy.deepcopy(library_grown))
        assert Fingerprints.of(library_grown) != before
