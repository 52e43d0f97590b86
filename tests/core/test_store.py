"""The SQLite store: durability settings, refusing bad files untouched, settings, logs, queries, backup."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from studyapp.errors import UserError
from studyapp.model import CardState, Settings, StudyState
from studyapp.store import CardFilter, CollectionError, Store
from studyapp.store.schema import APPLICATION_ID, CURRENT_VERSION

T0 = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
Fingerprint = Callable[[Path], tuple[bytes, int]]


def add_cards(store: Store, *card_ids: str, deck: str = "d") -> None:
    rows = [(card_id, deck, i, i) for i, card_id in enumerate(card_ids)]
    store.apply_sync(decks=[(deck, "D")], insert=rows, update=[], retire=[], tags={}, fingerprint="x")


def test_new_collection_is_durable_wal_with_a_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "c.db"  # missing folders are created
    with Store.open(path) as store:
        pragma = {
            name: store.conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "synchronous", "busy_timeout", "user_version", "application_id")
        }
        assert store.integrity_check() == ["ok"]
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "busy_timeout": 5000,
        "user_version": CURRENT_VERSION,
        "application_id": APPLICATION_ID,
    }


def test_an_empty_file_becomes_a_new_collection(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    with Store.open(path) as store:
        assert store.settings() == Settings()


def write_sqlite(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def truncated_copy(source: Path, target: Path) -> None:
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 2])


def corrupted_copy(source: Path, target: Path) -> None:
    data = bytearray(source.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for offset in range(page, len(data), 97):  # scribble over every page but the header page
        data[offset] = (data[offset] + 0x5A) % 256
    target.write_bytes(bytes(data))


def good_collection(path: Path) -> Path:
    with Store.open(path) as store:
        add_cards(store, *(f"card-{i}" for i in range(300)))
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p, _: p.write_text("just some notes, not a database\n" * 10), "not an SQLite database"),
        (lambda p, _: p.write_bytes(b"SQLite format 3\x00" + b"\x10\x00"), "truncated"),
        (lambda p, good: truncated_copy(good, p), "truncated"),
        (lambda p, good: corrupted_copy(good, p), "damaged"),
        (lambda p, _: write_sqlite(p, "CREATE TABLE notes (x)"), "another program"),
        (lambda p, _: write_sqlite(p, "PRAGMA user_version = 7", "CREATE TABLE t (x)"), "another program"),
        (
            lambda p, _: write_sqlite(
                p, f"PRAGMA application_id = {APPLICATION_ID}", "PRAGMA user_version = 99"
            ),
            "newer studyapp",
        ),
    ],
    ids=["text", "short-header", "truncated", "corrupt", "foreign", "foreign-versioned", "newer"],
)
def test_bad_files_are_refused_and_left_untouched(
    tmp_path: Path, make: Callable[[Path, Path], object], message: str, file_fingerprint: Fingerprint
) -> None:
    good = good_collection(tmp_path / "good.db")
    path = tmp_path / "bad.db"
    make(path, good)
    before = file_fingerprint(path)
    with pytest.raises(CollectionError, match=message) as caught:
        Store.open(path)
    assert isinstance(caught.value, UserError) and caught.value.status == 1
    assert str(path) in caught.value.message
    assert file_fingerprint(path) == before


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CollectionError, match="is a folder"):
        Store.open(tmp_path)


def test_a_parent_that_cannot_be_created_is_explained(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    with pytest.raises(CollectionError, match="cannot create the folder"):
        Store.open(tmp_path / "notes.txt" / "c.db")


def test_settings_defaults_validation_and_persistence(db_path: Path) -> None:
    with Store.open(db_path) as store:
        assert store.settings() == Settings(0.9, 10, 4, "auto", "textual-dark", False)
        assert store.get_setting("new_per_day") == 10
        store.set_setting("desired_retention", 0.85)
        store.set_setting("new_per_day", 0)
        store.set_setting("day_start_hour", 23)
        store.set_setting("quiz_updates_schedule", True)
        store.set_setting("theme", "nord")
        for key, value, words in [
            ("desired_retention", 0.5, "0.7 to 0.99"),
            ("desired_retention", 1.0, "0.7 to 0.99"),
            ("new_per_day", -1, "0 to 9999"),
            ("new_per_day", 10000, "0 to 9999"),
            ("new_per_day", 2.5, "0 to 9999"),
            ("day_start_hour", 24, "0 to 23"),
            ("day_start_hour", True, "0 to 23"),
            ("quiz_updates_schedule", "yes", "bool"),
            ("theme", "", "non-empty"),
            ("colour", "red", "unknown setting"),
        ]:
            with pytest.raises(ValueError, match=words):
                store.set_setting(key, value)
        with pytest.raises(ValueError, match="unknown setting"):
            store.get_setting("colour")
    with Store.open(db_path) as store:
        assert store.settings() == Settings(0.85, 0, 23, "auto", "nord", True)
        assert dict(store.iter_settings())["theme"] == "nord"


def test_record_review_updates_the_card_and_the_log_atomically(store: Store) -> None:
    add_cards(store, "a", "b")
    after = CardState(StudyState.LEARNING, 1, 2.3, 2.1, T0 + timedelta(minutes=10), T0, 1, 0)
    review_id = store.record_review("a", 3, T0, 1500, CardState(), after)
    assert store.card_state("a") == after
    (record,) = store.iter_reviews(card_id="a")
    assert (record.id, record.rating, record.reviewed_at, record.duration_ms) == (review_id, 3, T0, 1500)
    assert (record.before, record.after) == (CardState(), after)
    with pytest.raises(KeyError):
        store.record_review("missing", 3, T0, None, CardState(), after)
    assert [r.card_id for r in store.iter_reviews()] == ["a"]  # the failed write left nothing behind
    assert store.count_reviewed_by_deck(T0) == {"d": (1, 0)}
    assert store.count_reviewed_by_deck(T0 + timedelta(seconds=1)) == {}
    store.delete_review(review_id, CardState())
    assert store.card_state("a") == CardState() and list(store.iter_reviews()) == []


def test_iter_reviews_filters_by_time(store: Store) -> None:
    add_cards(store, "a")
    for hours in range(5):
        when = T0 + timedelta(hours=hours)
        store.record_review(
            "a", 3, when, None, CardState(), CardState(StudyState.LEARNING, 0, 1, 5, when, when, 1)
        )
    window = list(store.iter_reviews(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3)))
    assert [r.reviewed_at.hour for r in window] == [13, 14]


def test_quiz_attempts_round_trip(store: Store) -> None:
    attempt_id = store.add_quiz_attempt(
        at=T0,
        kind="numeric",
        question="2+2?",
        given="4",
        expected="4",
        correct=True,
        card_id="core-mlp",
        seed=7,
        params={"b": 1, "a": [1, 2]},
        duration_ms=900,
    )
    store.add_quiz_attempt(
        at=T0 + timedelta(days=1), kind="choice", question="q", given="x", expected="y", correct=False
    )
    first, second = store.iter_quiz_attempts()
    assert first.id == attempt_id
    assert (first.kind, first.card_id, first.seed, first.params, first.correct) == (
        "numeric",
        "core-mlp",
        7,
        {"a": [1, 2], "b": 1},
        True,
    )
    assert first.at == T0 and first.duration_ms == 900
    assert (second.card_id, second.seed, second.params, second.correct) == (None, None, {}, False)
    assert [a.kind for a in store.iter_quiz_attempts(since=T0 + timedelta(hours=1))] == ["choice"]
    with pytest.raises(ValueError, match="kind"):
        store.add_quiz_attempt(at=T0, kind="", question="q", given="g", expected="e", correct=True)


def test_backup_is_a_consistent_copy(store: Store, tmp_path: Path) -> None:
    add_cards(store, "a", "b")
    store.set_setting("new_per_day", 3)
    target = store.backup(tmp_path / "backups" / "copy.db")
    with Store.open(target) as copy:
        assert [c.card_id for c in copy.cards()] == ["a", "b"]
        assert copy.settings().new_per_day == 3
    with pytest.raises(ValueError, match="target"):
        store.backup(store.path)


def test_queue_queries_respect_state_filters_and_flags(store: Store) -> None:
    add_cards(store, "n1", "n2", "l1", "r1", "r2", "r3", "s1", deck="d")
    day = timedelta(days=1)

    def review(due: datetime, last: datetime, stability: float) -> CardState:
        return CardState(StudyState.REVIEW, None, stability, 5.0, due, last, 3)

    store.set_state("l1", CardState(StudyState.LEARNING, 1, 1.0, 5.0, T0 + timedelta(minutes=5), T0, 1))
    store.set_state("r1", review(T0 - day, T0 - 3 * day, 2.0))  # elapsed / S = 1.5
    store.set_state("r2", review(T0 - day, T0 - 9 * day, 3.0))  # 3.0: lowest retrievability
    store.set_state("r3", review(T0 + 3 * day, T0, 3.0))  # not due today
    store.set_state("s1", CardState(suspended=True))
    store.set_state("n1", CardState(buried_until=T0 + timedelta(hours=16)))
    everything = CardFilter()
    end = T0 + timedelta(hours=16)
    assert store.next_learning(T0, T0, everything) is None
    assert store.next_learning(T0 + timedelta(minutes=5), T0, everything) == "l1"
    assert store.next_review(end, T0, everything) == "r2"
    assert store.next_review(end, T0, CardFilter(exclude=frozenset({"r2"}))) == "r1"
    assert store.next_new(T0, everything) == "n2"  # n1 is buried, s1 suspended
    assert store.next_new(end, everything) == "n1"  # the bury has ended
    assert store.count_due(end, T0, everything, by_deck=True) == {"d": [1, 2]}
    assert store.count_due(end, T0, everything) == {"": [1, 2]}
    assert store.count_new(T0, everything, 10) == 1 and store.count_new(end, everything, 10) == 2
    assert store.count_new(end, everything, 1) == 1
    assert store.cram_cards(everything) == ["n1", "n2", "l1", "r1", "r2", "r3"]
    assert store.next_due(T0) == T0 + timedelta(minutes=5)
    assert store.next_due(T0 + timedelta(minutes=5)) == T0 + 3 * day
    assert store.next_due(T0, CardFilter(exclude=frozenset({"l1"}))) == T0 + 3 * day
    assert store.next_due(T0 + 4 * day) is None


@pytest.mark.parametrize(
    "query",
    [
        lambda s, f: s.next_learning(T0, T0, f),
        lambda s, f: s.next_review(T0, T0, f),
        lambda s, f: s.next_new(T0, f),
        lambda s, f: s.count_due(T0, T0, f),
        lambda s, f: s.count_new(T0, f, 10),
        lambda s, f: s.next_due(T0, f),
    ],
)
def test_queue_queries_use_an_index(store: Store, query: Callable[[Store, CardFilter], Any]) -> None:
    plans: list[str] = []
    store.conn.set_trace_callback(None)
    original = store.conn

    class Explaining:
        def execute(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
            plans.extend(row[3] for row in original.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            return original.execute(sql, params)

    store.conn = Explaining()  # type: ignore[assignment]
    try:
        query(store, CardFilter())
    finally:
        store.conn = original
    card_plans = [p for p in plans if " cards" in p]
    assert card_plans and all("USING" in p for p in card_plans), plans


def test_meta_and_times_round_trip(store: Store) -> None:
    store.set_meta("k", "v")
    assert store.get_meta("k") == "v" and store.get_meta("missing") is None
    add_cards(store, "a")
    moment = datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    state = CardState(
        StudyState.REVIEW, None, 12.5, 4.25, moment, moment - timedelta(days=3), 4, 1, False, None, True
    )
    store.set_state("a", state)
    assert store.card_state("a") == state
    assert CardState.from_json(state.to_json()) == state


def test_the_launch_path_stays_off_sqlite_utils_and_numpy(db_path: Path, deck_dir: Path) -> None:
    """Opening an up-to-date collection, reconciling, counting, choosing and rating use plain SQL only."""
    Store.open(db_path).close()  # creating the schema is the one place that uses sqlite-utils
    code = textwrap.dedent(
        f"""
        import json, sys
        from datetime import UTC, datetime
        from pathlib import Path
        from studyapp.collection import open_collection
        from studyapp.content import load_paths
        library = load_paths([Path({str(deck_dir)!r})])
        with open_collection(Path({str(db_path)!r}), library=library) as collection:
            session = collection.session()
            now = datetime.now(UTC)
            session.counts(now)
            session.deck_counts(now)
            session.rate(session.next_card(now).id, 3, now)
        print(json.dumps([name for name in ("sqlite_utils", "numpy", "textual") if name in sys.modules]))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
