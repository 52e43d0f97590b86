"""Version 2 (the retention index), tested by upgrading a saved version-1 collection."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from studyapp.collection import open_collection
from studyapp.store.schema import CURRENT_VERSION, STEPS, migrate

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def test_version_1_is_upgraded_with_a_backup_and_keeps_its_reviews(tmp_path: Path) -> None:
    path = tmp_path / "collection.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, steps=STEPS[:1])
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()
    with open_collection(path, user_dir=tmp_path / "none") as collection:
        session = collection.session()
        card = session.next_card(NOW)
        assert card is not None
        session.rate(card.id, 3, NOW)
        indexes = {row[1] for row in collection.store.conn.execute("PRAGMA index_list(reviews)")}
        assert "reviews_by_state" in indexes
        assert collection.store.conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    backups = list(tmp_path.glob("*v1*"))
    assert backups, list(tmp_path.iterdir())
    with sqlite3.connect(backups[0]) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 1


def test_retention_queries_use_the_new_index(tmp_path: Path) -> None:
    with open_collection(tmp_path / "c.sqlite3", user_dir=tmp_path / "none") as collection:
        plan = collection.store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT count(*), sum(rating != 1) FROM reviews "
            "WHERE state_before = 2 AND reviewed_at >= 0"
        ).fetchall()
        assert any("reviews_by_state" in str(row) for row in plan)
