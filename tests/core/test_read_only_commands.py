"""Commands that only read: a missing collection is not created, a read-only one is still read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from studyapp.collection import open_collection
from tests.core.test_open_faults import ROOT, child_env, read_only_mount  # noqa: F401  (the fixture)


def studyapp(*args: str, prefix: tuple[str, ...] = (), stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "studyapp", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=ROOT,
        env=child_env(),
        timeout=60,
    )


def test_a_read_only_command_on_a_missing_collection_says_so_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "typo" / "colection.sqlite3"
    for command in (["stats"], ["stats", "--json"], ["cards"], ["export", "--format", "json", "-"]):
        result = studyapp("--db", str(db), *command)
        assert result.returncode == 1, (command, result.stderr)
        assert f"no collection at {db}" in result.stderr and "Traceback" not in result.stderr
        assert not db.parent.exists()


def test_creating_a_collection_says_where(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite3"
    first = studyapp("--db", str(db), "review", "--plain", stdin="q\n")
    assert first.returncode == 0 and f"created a new collection at {db}" in first.stderr
    again = studyapp("--db", str(db), "review", "--plain", stdin="q\n")
    assert again.returncode == 0 and "created a new collection" not in again.stderr


def studied_collection(folder: Path) -> Path:
    """A collection with one review, closed cleanly."""
    db = folder / "c.sqlite3"
    with open_collection(db) as collection:
        session = collection.session()
        now = datetime.now(UTC)
        card = session.next_card(now)
        assert card is not None
        session.rate(card.id, 3, now)
    return db


def test_stats_cards_and_export_read_a_collection_on_a_read_only_mount(
    tmp_path: Path,
    read_only_mount: Callable[[Path], tuple[str, ...]],  # noqa: F811
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = studied_collection(folder)
    before = sorted(os.listdir(folder)), db.read_bytes()
    prefix = read_only_mount(folder)

    stats = studyapp("--db", str(db), "stats", "--json", prefix=prefix)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["reviews_today"] == 1

    cards = studyapp("--db", str(db), "cards", "--json", prefix=prefix)
    assert cards.returncode == 0, cards.stderr
    assert sum(card["reps"] for card in json.loads(cards.stdout)) == 1

    target = tmp_path / "export.json"
    exported = studyapp("--db", str(db), "export", "--format", "json", str(target), prefix=prefix)
    assert exported.returncode == 0, exported.stderr
    assert len(json.loads(target.read_text())["reviews"]) == 1

    review = studyapp("--db", str(db), "review", "--plain", prefix=prefix, stdin="\n3\n")
    assert review.returncode == 1 and "read-only" in review.stderr and "Traceback" not in review.stderr
    assert (sorted(os.listdir(folder)), db.read_bytes()) == before
