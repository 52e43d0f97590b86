"""Content sync: the collection follows the decks by card id and never loses history."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from studyapp.collection import DECK_ORD_STEP, open_collection, reconcile
from studyapp.content import load_paths
from studyapp.model import StudyState
from studyapp.store import CardFilter, Store

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
