"""The collection's schema: ordered migration steps, each run once, after a backup.

``STEPS[i]`` upgrades a collection from version ``i`` to ``i + 1`` (``PRAGMA user_version``). Adding a
version is one new function appended to ``STEPS``. Before any step runs on an existing collection,
it is copied beside itself with the SQLite backup API. Every time in the schema is an integer
number of milliseconds since the Unix epoch (UTC).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.errors import (
    CollectionNewer,
)

if TYPE_CHECKING:
    import sqlite_utils

#: ``PRAGMA application_id`` of a studyapp collection ("SDYA").
APPLICATION_ID = 0x53445941

Step = Callable[["sqlite_utils.Database"], None]


def _v1_initial(db: sqlite_utils.Database) -> None:
    """Version 1: decks, cards, tags, the review log, quiz attempts, settings and metadata."""
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("settings").create({"key": str, "value": str}, pk="key", not_null={"value"})
    db.table("decks").create(
        {"deck_id": str, "title": str, "rank": int, "retired": int},
        pk="deck_id",
        not_null={"title", "rank", "retired"},
        defaults={"retired": 0},
    )
    db.table("cards").create(
        {
            "card_id": str,
            "deck_id": str,
            "position": int,
            "ord": int,
            "retired": int,
            "state": int,
            "step": int,
            "stability": float,
            "difficulty": float,
            "due": int,
            "last_review": int,
            "reps": int,
            "lapses": int,
            "suspended": int,
            "buried_until": int,
            "leech": int,
        },
        pk="card_id",
        not_null={"deck_id", "position", "ord", "retired", "state", "reps", "lapses", "suspended", "leech"},
        defaults={"retired": 0, "state": 0, "reps": 0, "lapses": 0, "suspended": 0, "leech": 0},
    )
    db.table("card_tags").create({"card_id": str, "tag": str}, pk=("card_id", "tag"))
    db.table("reviews").create(
        {
            "id": int,
            "card_id": str,
            "rating": int,
            "reviewed_at": int,
            "duration_ms": int,
            "state_before": int,
            "state_after": int,
            "before": str,
            "after": str,
        },
        pk="id",
        not_null={"card_id", "rating", "reviewed_at", "state_before", "state_after", "before", "after"},
    )
    db.table("quiz_attempts").create(
        {
            "id": int,
            "at": int,
            "kind": str,
            "card_id": str,
            "seed": int,
            "params": str,
            "question": str,
            "given": str,
            "expected": str,
            "correct": int,
            "duration_ms": int,
        },
        pk="id",
        not_null={"at", "kind", "params", "question", "given", "expected", "correct"},
    )
    db.table("card_tags").create_index(["tag", "card_id"], index_name="card_tags_by_tag")
    db.table("cards").create_index(["deck_id", "position"], index_name="cards_by_deck")
    db.table("reviews").create_index(["card_id", "reviewed_at"], index_name="reviews_by_card")
    db.table("reviews").create_index(["reviewed_at"], index_name="reviews_by_time")
    db.table("quiz_attempts").create_index(["at"], index_name="quiz_attempts_by_time")
    # The study queue reads only cards that are neither suspended nor retired: partial indexes.
    # Covering, so ordering due cards by retrievability and counting them per deck never reads the table.
    db.execute(
        "CREATE INDEX cards_queue_due ON cards (state, due, buried_until, deck_id, last_review, stability, "
        "card_id) WHERE suspended = 0 AND retired = 0"
    )
    db.execute(
        "CREATE INDEX cards_queue_new ON cards (state, ord, buried_until) WHERE suspended = 0 AND retired = 0"
    )
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _v2_retention_index(db: sqlite_utils.Database) -> None:
    """True retention filters the review log by the state before each review: index it."""
    db.execute("CREATE INDEX reviews_by_state ON reviews (state_before, reviewed_at, rating)")


def _v3_quiz_diagnosis(db: sqlite_utils.Database) -> None:
    """Version 3: the diagnosis of a wrong quiz answer (the known mistake it matched) in its own column,
    indexed to count misconceptions; earlier attempts keep the one their ``params`` recorded."""
    db.execute("ALTER TABLE quiz_attempts ADD COLUMN diagnosis TEXT")
    db.execute(
        "UPDATE quiz_attempts SET diagnosis = json_extract(params, '$.mistake') "
        "WHERE json_type(params, '$.mistake') = 'text'"
    )
    db.execute(
        "CREATE INDEX quiz_attempts_by_diagnosis ON quiz_attempts (diagnosis, at) WHERE diagnosis IS NOT NULL"
    )


def _v4_predictions_and_drills(db: sqlite_utils.Database) -> None:
    """Version 4: predictions (a number typed before a simulation's answer is shown, graded; linked to its
    review, if any, which undo deletes together with it) and drill answers (the seed of the generated
    problem a drill card showed in a review, and the answer typed), keyed by the review's id."""
    db.execute(
        "CREATE TABLE predictions (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, card_id TEXT, "
        "review_id INTEGER, sim TEXT NOT NULL, answer TEXT NOT NULL, params TEXT NOT NULL, "
        "given TEXT NOT NULL, predicted REAL NOT NULL, expected REAL NOT NULL, correct INTEGER NOT NULL, "
        "diagnosis TEXT)"
    )
    db.execute("CREATE INDEX predictions_by_card ON predictions (card_id, correct)")
    db.execute("CREATE INDEX predictions_by_review ON predictions (review_id) WHERE review_id IS NOT NULL")
    db.execute(
        "CREATE TABLE drill_answers (review_id INTEGER PRIMARY KEY, card_id TEXT NOT NULL, "
        "problem TEXT NOT NULL, seed INTEGER NOT NULL, given TEXT NOT NULL, correct INTEGER, diagnosis TEXT)"
    )
    db.execute("CREATE INDEX drill_answers_by_card ON drill_answers (card_id, review_id)")


def _v5_deck_cache_and_text(db: sqlite_utils.Database) -> None:
    """Version 5: the validated decks, cached so that an unchanged library is not read again
    (``studyapp.deck_cache``), and their text in searchable form, so that searches and Browse run in
    SQL (``studyapp.store.text_index``)."""
    db.execute(
        "CREATE TABLE deck_cache (key TEXT PRIMARY KEY, version TEXT NOT NULL, files TEXT NOT NULL, "
        "stamped_ns INTEGER NOT NULL, outline TEXT NOT NULL, payload TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE card_text (ord INTEGER PRIMARY KEY, card_id TEXT NOT NULL UNIQUE, "
        "question TEXT NOT NULL, tags TEXT NOT NULL, sim_folded TEXT, question_folded TEXT NOT NULL, "
        "answer_folded TEXT NOT NULL, details_folded TEXT NOT NULL, id_folded TEXT NOT NULL, "
        "text_folded TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX card_text_by_id ON card_text (id_folded)")


def _v6_statistics_indexes(db: sqlite_utils.Database) -> None:
    """Version 6: indexes that keep the statistics fast on a million reviews. True retention counts the
    lapses of Review-state cards in a partial index of their times (a few of all reviews), and mastery
    looks each tagged card's recall inputs up in one covering index instead of the table."""
    db.execute(
        "CREATE INDEX reviews_lapsed ON reviews (reviewed_at, state_before, rating) "
        "WHERE state_before = 2 AND rating = 1"
    )
    db.execute("CREATE INDEX cards_recall ON cards (card_id, retired, state, last_review, stability)")


def _v7_card_count_indexes(db: sqlite_utils.Database) -> None:
    """Version 7: partial indexes of the few cards that are suspended, leeches or buried, so that the card
    counts of the statistics read those cards instead of every card."""
    db.execute("CREATE INDEX cards_suspended ON cards (retired) WHERE suspended != 0")
    db.execute("CREATE INDEX cards_leeches ON cards (retired) WHERE leech != 0")
    db.execute(
        "CREATE INDEX cards_buried ON cards (buried_until) "
        "WHERE suspended = 0 AND retired = 0 AND buried_until IS NOT NULL"
    )


def _v8_listed_text(db: sqlite_utils.Database) -> None:
    """Version 8: what ``studyapp cards`` lists beside each card's searchable text (its question as plain
    text, its tags as written, its simulation), so that the list is read from SQL a page at a time. The
    text is rewritten on the next open (``studyapp.collection.TEXT_FORMAT`` changed with it)."""
    columns = ("listed_question TEXT NOT NULL DEFAULT ''", "listed_tags TEXT NOT NULL DEFAULT ''", "sim TEXT")
    for column in columns:
        db.execute(f"ALTER TABLE card_text ADD COLUMN {column}")
    db.execute("DELETE FROM meta WHERE key = 'text_fingerprint'")


def _v9_text_search_index(db: sqlite_utils.Database) -> None:
    """Version 9: the cards' searchable text in an index in Browse's default order (id, then deck
    position), so that a search for words reads that narrow index instead of every card's whole row,
    and its matches come out sorted. (Every card in that order, without a search, is still read from
    the index of the id alone, a fifth of its size.)"""
    db.execute("CREATE INDEX card_text_search ON card_text (id_folded, ord, text_folded)")


def _v10_browse_width_indexes(db: sqlite_utils.Database) -> None:
    """Version 10: the cards by stability and by lapses, so that Browse measures its columns for the
    largest of each (it opens and reloads with them) in two index lookups instead of reading every card."""
    db.execute("CREATE INDEX IF NOT EXISTS cards_by_stability ON cards (stability)")
    db.execute("CREATE INDEX IF NOT EXISTS cards_by_lapses ON cards (lapses)")


def _v11_card_tag_sets(db: sqlite_utils.Database) -> None:
    """Version 11: each card's tags as one value (``cards.tag_set``, ``studyapp.store.tag_sets``), and the
    cards by it in an index covering what mastery needs (``cards_mastery``), so that mastery per tag
    reads each card once, in groups of cards with the same tags. It replaces ``cards_recall``, which
    looked a card up once for each of its tags."""
    from studyapp.store.tag_sets import NO_TAGS, write_tag_sets

    db.execute(f"ALTER TABLE cards ADD COLUMN tag_set TEXT NOT NULL DEFAULT '{NO_TAGS}'")
    write_tag_sets(db.conn, db.conn.execute("SELECT card_id, tag FROM card_tags").fetchall())
    db.execute("CREATE INDEX cards_mastery ON cards (tag_set, retired, state, last_review, stability)")
    db.execute("DROP INDEX cards_recall")


STEPS: tuple[Step, ...] = (
    _v1_initial,
    _v2_retention_index,
    _v3_quiz_diagnosis,
    _v4_predictions_and_drills,
    _v5_deck_cache_and_text,
    _v6_statistics_indexes,
    _v7_card_count_indexes,
    _v8_listed_text,
    _v9_text_search_index,
    _v10_browse_width_indexes,
    _v11_card_tag_sets,
)
CURRENT_VERSION = len(STEPS)


def user_version(conn: sqlite3.Connection) -> int:
    """The schema version stored in the file."""
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def backup_path(path: Path, version: int, now: datetime) -> Path:
    """A fresh file name beside ``path`` for a copy taken before migrating from ``version``."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate = path.with_name(f"{path.name}.v{version}-{stamp}.backup")
    number = 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}.v{version}-{stamp}-{number}.backup")
    return candidate


def copy_database(conn: sqlite3.Connection, target: Path) -> None:
    """Copy the open database to ``target`` with the SQLite backup API (consistent while others write)."""
    destination = sqlite3.connect(target)
    try:
        conn.backup(destination)
    finally:
        destination.close()


def newer_version(path: Path, version: int, known: int) -> CollectionNewer:
    return CollectionNewer(
        f"{path} was written by a newer studyapp (collection version {version}; this studyapp knows "
        f"up to version {known}): upgrade studyapp to open it"
    )


def migrate(
    conn: sqlite3.Connection,
    path: Path,
    steps: Sequence[Step] = STEPS,
    now: datetime | None = None,
    upgrading: Callable[[int], None] | None = None,
) -> Path | None:
    """Bring the collection up to ``len(steps)``; returns the backup made first, if any.

    A brand-new (version 0) collection is created without a backup. Before an existing one is copied,
    ``upgrading`` is told the size of its file in bytes (the copy takes a while on a big one). Each
    step runs in its own ``BEGIN IMMEDIATE`` transaction together with the version bump, so a crash
    leaves either the old or the new version, and a second process migrating at the same time waits
    and skips.
    """
    version = user_version(conn)
    if version > len(steps):
        raise newer_version(path, version, len(steps))
    if version == len(steps):
        return None
    backup = None
    if version > 0:
        if upgrading is not None:
            upgrading(path.stat().st_size)
        backup = backup_path(path, version, now or datetime.now(UTC))
        copy_database(conn, backup)
    import sqlite_utils

    db = sqlite_utils.Database(conn, execute_plugins=False, recursive_triggers=False)
    for target, step in enumerate(steps[version:], start=version + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if user_version(conn) < target:
                step(db)
                conn.execute(f"PRAGMA user_version = {int(target)}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return backup
