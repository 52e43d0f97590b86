"""Version 3 (the diagnosis of a quiz attempt in its own column), tested by upgrading a saved version-2
collection: a backup first, the attempts kept, the diagnosis each recorded in its parameters filled in."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from studyapp.collection import open_collection
from studyapp.store.schema import CURRENT_VERSION, STEPS, migrate

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
AT_MS = int(NOW.timestamp() * 1000)


def saved_v2_collection(path: Path) -> None:
    """A collection as version 2 left it, with quiz attempts recorded the way version 2 recorded them:
    the diagnosis of a wrong number as ``mistake`` among the parameters."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, steps=STEPS[:2])
    rows = [
        ({"form": "numeric:conv-output-size", "mistake": "forgot the padding"}, 0),
        ({"form": "numeric:conv-output-size"}, 1),
        ({"form": "choice", "mistake": 3}, 0),  # not text: no diagnosis
    ]
    for params, correct in rows:
        conn.execute(
            "INSERT INTO quiz_attempts (at, kind, params, question, given, expected, correct) "
            "VALUES (?, 'numeric', ?, 'q', '14', '16', ?)",
            (AT_MS, json.dumps(params), correct),
        )
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    conn.close()


def test_version_2_is_upgraded_with_a_backup_and_its_diagnoses(tmp_path: Path) -> None:
    path = tmp_path / "collection.sqlite3"
    saved_v2_collection(path)
    with open_collection(path, user_dir=tmp_path / "none") as collection:
        store = collection.store
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION  # 3, and later ones
        attempts = list(store.iter_quiz_attempts())
        assert [a.diagnosis for a in attempts] == ["forgot the padding", None, None]
        assert attempts[0].params["mistake"] == "forgot the padding"  # the parameters stay as recorded
        (found,) = collection.statistics(NOW)["misconceptions"]
        assert (found["diagnosis"], found["kind"], found["count"]) == (
            "forgot the padding",
            "conv-output-size",
            1,
        )
        plan = store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM quiz_attempts WHERE diagnosis = ? AND at >= ?",
            ("forgot the padding", 0),
        ).fetchall()
        assert any("quiz_attempts_by_diagnosis" in str(row) for row in plan)
    (backup,) = tmp_path.glob("collection.sqlite3.v2-*.backup")
    with sqlite3.connect(backup) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 2
        columns = {row[1] for row in old.execute("PRAGMA table_info(quiz_attempts)")}
        assert "diagnosis" not in columns and old.execute(
            "SELECT count(*) FROM quiz_attempts"
        ).fetchone() == (3,)
