"""Whole-collection reads and writes for export, import and backup."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from studyapp.model import CardState
from studyapp.store.base import BUSY_TIMEOUT_MS, LIBRARY_FINGERPRINT, StoreBase, domain_error, guarded
from studyapp.store.checks import check_existing_file
from studyapp.store.predictions import DRILL_COLUMNS, PREDICTION_COLUMNS
from studyapp.store.schema import copy_database
from studyapp.store.tag_sets import write_tag_sets

BATCH = 2000
CARD_COLUMNS = ("card_id", "deck_id", "position", "ord", "retired", *CardState.COLUMNS)
REVIEW_COLUMNS = ("id", "card_id", "rating", "reviewed_at", "duration_ms", "before", "after")
QUIZ_COLUMNS = (
    "id",
    "at",
    "kind",
    "card_id",
    "seed",
    "params",
    "question",
    "given",
    "expected",
    "correct",
    "duration_ms",
    "diagnosis",
)
_TABLES = (
    "card_tags",
    "cards",
    "reviews",
    "quiz_attempts",
    "settings",
    "decks",
    "predictions",
    "drill_answers",
)


def _marks(count: int) -> str:
    return ", ".join("?" * count)


class ExportQueries(StoreBase):
    """Every table read in one consistent snapshot, and every table replaced in one transaction."""

    @contextmanager
    def read_snapshot(self) -> Iterator[None]:
        """Reads inside the block see one consistent state of the collection, whoever writes meanwhile."""
        conn = self.conn
        own = not conn.in_transaction
        if own:
            self._begin_read()
        try:
            yield
        finally:
            if own and conn.in_transaction:
                conn.execute("COMMIT")

    @guarded
    def _begin_read(self) -> None:
        self.conn.execute("BEGIN")

    @guarded
    def row_count(self) -> int:
        """How many cards, reviews and quiz attempts there are, together (for progress)."""
        return sum(
            int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("cards", "reviews", "quiz_attempts")
        )

    @guarded
    def deck_rows(self) -> list[tuple[str, str, int, bool]]:
        """``(deck_id, title, rank, retired)`` for every deck, in rank order."""
        return [
            (deck_id, title, rank, bool(retired))
            for deck_id, title, rank, retired in self.conn.execute(
                "SELECT deck_id, title, rank, retired FROM decks ORDER BY rank, deck_id"
            )
        ]

    @guarded
    def card_rows(self) -> Iterator[tuple[dict[str, Any], list[str]]]:
        """Every card's columns by name, and its tags, in deck order."""
        tags: dict[str, list[str]] = {}
        for card_id, tag in self.conn.execute("SELECT card_id, tag FROM card_tags ORDER BY card_id, tag"):
            tags.setdefault(card_id, []).append(tag)
        query = f"SELECT {', '.join(CARD_COLUMNS)} FROM cards ORDER BY ord, card_id"
        for row in self.conn.execute(query):
            yield dict(zip(CARD_COLUMNS, row, strict=True)), tags.get(row[0], [])

    @guarded
    def review_rows(self) -> Iterator[dict[str, Any]]:
        """Every review-log row by column name (states as stored JSON text), in log order."""
        for row in self.conn.execute(f"SELECT {', '.join(REVIEW_COLUMNS)} FROM reviews ORDER BY id"):
            yield dict(zip(REVIEW_COLUMNS, row, strict=True))

    @guarded
    def quiz_attempt_rows(self) -> Iterator[dict[str, Any]]:
        """Every quiz attempt by column name (``params`` as stored JSON text), in order."""
        for row in self.conn.execute(f"SELECT {', '.join(QUIZ_COLUMNS)} FROM quiz_attempts ORDER BY id"):
            yield dict(zip(QUIZ_COLUMNS, row, strict=True))

    @guarded
    def replace_all(
        self,
        *,
        decks: Sequence[tuple[Any, ...]],
        cards: Sequence[tuple[Any, ...]],
        tags: Sequence[tuple[str, str]],
        reviews: Sequence[tuple[Any, ...]],
        quiz_attempts: Sequence[tuple[Any, ...]],
        settings: Mapping[str, Any],
        advance: Callable[[int], None] = lambda count: None,
        predictions: Sequence[tuple[Any, ...]] = (),
        drill_answers: Sequence[tuple[Any, ...]] = (),
    ) -> None:
        """Replace every deck, card, tag, review, quiz attempt, setting, prediction and drill answer, in
        one transaction.

        Rows follow ``CARD_COLUMNS``, ``(id, card_id, rating, reviewed_at, duration_ms, state_before,
        state_after, before, after)``, ``QUIZ_COLUMNS``, ``PREDICTION_COLUMNS`` and ``DRILL_COLUMNS``;
        ``advance(n)`` is told of each batch of cards, reviews and quiz attempts. The
        library fingerprint is cleared, so the next open reconciles the cards with the decks on disk.
        """
        with self.transaction() as conn:
            for table in _TABLES:
                conn.execute(f"DELETE FROM {table}")
            conn.execute("DELETE FROM meta WHERE key = ?", (LIBRARY_FINGERPRINT,))
            conn.executemany("INSERT INTO decks (deck_id, title, rank, retired) VALUES (?, ?, ?, ?)", decks)
            self._insert(
                f"INSERT INTO cards ({', '.join(CARD_COLUMNS)}) VALUES ({_marks(16)})", cards, advance
            )
            conn.executemany("INSERT INTO card_tags (card_id, tag) VALUES (?, ?)", tags)
            write_tag_sets(conn, tags)
            self._insert(
                "INSERT INTO reviews (id, card_id, rating, reviewed_at, duration_ms, state_before, "
                f"state_after, before, after) VALUES ({_marks(9)})",
                reviews,
                advance,
            )
            self._insert(
                f"INSERT INTO quiz_attempts ({', '.join(QUIZ_COLUMNS)}) VALUES ({_marks(len(QUIZ_COLUMNS))})",
                quiz_attempts,
                advance,
            )
            for table, columns, rows in (
                ("predictions", PREDICTION_COLUMNS, predictions),
                ("drill_answers", DRILL_COLUMNS, drill_answers),
            ):
                conn.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_marks(len(columns))})", rows
                )
            conn.executemany(
                "INSERT INTO settings (key, value) VALUES (?, ?)",
                [(key, json.dumps(value)) for key, value in settings.items()],
            )

    def _insert(self, sql: str, rows: Sequence[tuple[Any, ...]], advance: Callable[[int], None]) -> None:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            self.conn.executemany(sql, batch)
            advance(len(batch))


def copy_collection(source: Path, target: Path) -> None:
    """Copy the collection file ``source`` to ``target`` with SQLite's backup API.

    The copy is consistent while other programs read or write the collection; SQLite's errors
    come back as collection errors.
    """
    check_existing_file(source)
    try:
        conn = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            copy_database(conn, target)
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise domain_error(error, source) from error
