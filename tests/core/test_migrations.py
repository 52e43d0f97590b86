"""Schema versions: a fresh collection, refusing foreign and newer files, backups before each upgrade."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils

from studyapp.errors import CollectionError
from studyapp.store import Store
from studyapp.store.checks import check_existing_file
from studyapp.store.schema import APPLICATION_ID, CURRENT_VERSION, STEPS, migrate, user_version

from .conftest import undo_version_11

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_a_fresh_collection_is_created_at_the_current_version_without_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    with Store.open(path) as store:
        assert store.migration_backup is None
        assert user_version(store.conn) == CURRENT_VERSION == len(STEPS) == 11
        assert {"cards", "card_tags", "decks", "reviews", "quiz_attempts", "settings", "meta"} <= tables(
            store.conn
        )
        indexes = {
            row[0] for row in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        assert {
            "cards_queue_due",
            "cards_queue_new",
            "cards_by_deck",
            "reviews_by_card",
            "reviews_by_time",
            "reviews_by_state",
            "quiz_attempts_by_diagnosis",
            "cards_by_stability",
            "cards_by_lapses",
            "cards_mastery",
        } <= indexes
        assert "cards_recall" not in indexes  # made in version 6, replaced in version 11
    assert sorted(p.name for p in tmp_path.iterdir() if "backup" in p.name) == []
    with Store.open(path) as again:  # an up-to-date collection is opened as is
        assert again.migration_backup is None


def test_a_version_0_file_with_foreign_tables_is_refused_before_anything_runs(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(CollectionError, match=r"another program \(invoices\)"):
        check_existing_file(path)
    assert path.read_bytes() == before


def v2_add_review_source(db: sqlite_utils.Database) -> None:
    """A sample version 2: review rows remember where they were made."""
    db.table("reviews").add_column("source", str)


#: The steps up to version 1; the tests below plug a sample step in as version 2.
V1 = STEPS[:1]


def saved_v1_collection(path: Path) -> None:
    """A collection as version 1 left it: today's schema without what version 2 added."""
    with Store.open(path) as store:
        store.apply_sync(
            decks=[("d", "Deck")], insert=[("a", "d", 0, 0)], update=[], retire=[], tags={}, fingerprint="f"
        )
        store.set_setting("new_per_day", 5)
        store.conn.execute("DROP INDEX reviews_by_state")
        store.conn.execute("PRAGMA user_version = 1")


def test_upgrading_a_saved_previous_version_backs_it_up_first(tmp_path: Path) -> None:
    path = tmp_path / "collection.sqlite3"
    saved_v1_collection(path)
    seen: list[tuple[int, list[str]]] = []

    def v2_checking_the_backup(db: sqlite_utils.Database) -> None:
        backups = sorted(tmp_path.glob("collection.sqlite3.v1-*.backup"))
        assert len(backups) == 1, "the backup must exist before the step runs"
        copy = sqlite3.connect(backups[0])
        seen.append((user_version(copy), [row[0] for row in copy.execute("SELECT card_id FROM cards")]))
        copy.close()
        v2_add_review_source(db)

    conn = connect(path)
    backup = migrate(conn, path, steps=(*V1, v2_checking_the_backup), now=NOW)
    assert seen == [(1, ["a"])]
    assert backup is not None and backup.name == "collection.sqlite3.v1-20250303T120000Z.backup"
    assert user_version(conn) == 2
    assert "source" in {row[1] for row in conn.execute("PRAGMA table_info(reviews)")}
    assert conn.execute("SELECT value FROM settings WHERE key = 'new_per_day'").fetchone() == ("5",)
    conn.close()
    # Now the file claims a version newer than this studyapp knows: refused, untouched.
    conn = connect(path)
    conn.execute(f"PRAGMA user_version = {CURRENT_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(CollectionError, match="newer studyapp"):
        Store.open(path)
    assert path.read_bytes() == before


def test_a_failing_step_leaves_the_previous_version_and_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    saved_v1_collection(path)

    def broken(db: sqlite_utils.Database) -> None:
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("disk full")

    conn = connect(path)
    with pytest.raises(RuntimeError, match="disk full"):
        migrate(conn, path, steps=(*V1, broken), now=NOW)
    assert user_version(conn) == 1
    assert "half_done" not in tables(conn)
    conn.close()
    assert len(list(tmp_path.glob("c.db.v1-*.backup"))) == 1
    # Two upgrades in the same second get distinct backup names.
    conn = connect(path)
    second = migrate(conn, path, steps=(*V1, v2_add_review_source), now=NOW)
    conn.close()
    assert second is not None and second.name == "c.db.v1-20250303T120000Z-2.backup"


def test_a_step_applied_by_another_process_meanwhile_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    saved_v1_collection(path)
    first = connect(path)
    second = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    calls: list[int] = []
    waiting = threading.Event()
    second.set_trace_callback(lambda sql: waiting.set() if sql.startswith("BEGIN IMMEDIATE") else None)

    def counting(db: sqlite_utils.Database) -> None:
        calls.append(1)

    first.execute("BEGIN IMMEDIATE")  # another process is upgrading ...
    worker = threading.Thread(target=migrate, args=(second, path, (*V1, counting), NOW))
    worker.start()  # ... while this one has read version 1 and now waits for the write lock
    assert waiting.wait(10)
    first.execute("ALTER TABLE reviews ADD COLUMN source TEXT")
    first.execute("PRAGMA user_version = 2")
    first.execute("COMMIT")
    worker.join(10)
    assert not worker.is_alive()
    assert calls == [] and user_version(second) == 2  # re-read inside the transaction: nothing ran twice
    first.close()
    second.close()


def test_the_application_id_marks_the_file(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        assert store.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    header = (tmp_path / "c.db").read_bytes()[:100]
    assert int.from_bytes(header[68:72], "big") == APPLICATION_ID


def test_a_version_7_collection_gets_the_listed_text_of_its_cards(tmp_path: Path) -> None:
    """Version 8 adds what ``studyapp cards`` lists to ``card_text``; the next open writes it."""
    from studyapp.collection import open_collection
    from studyapp.content import load_library

    path = tmp_path / "collection.sqlite3"
    library = load_library([])
    with open_collection(path, library=library):
        pass
    conn = connect(path)  # back to version 7's table, as version 7 left it
    for column in ("listed_question", "listed_tags", "sim"):
        conn.execute(f"ALTER TABLE card_text DROP COLUMN {column}")
    conn.execute("DROP INDEX card_text_search")  # and version 8's indexes
    undo_version_11(conn)
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    with open_collection(path, library=library) as collection:
        assert user_version(collection.store.conn) == CURRENT_VERSION
        listing = collection.card_listing(None, NOW)
        assert listing is not None
        rows = list(listing.rows())
    assert [row[0] for row in rows] == [card.id for card in library.cards]
    pairs = zip(rows, library.cards, strict=True)
    assert all(row[6] and row[2] == ",".join(card.tags) for row, card in pairs)
