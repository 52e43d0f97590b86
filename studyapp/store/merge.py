"""Writes for merging another machine's history: reviews with their own times and states (appended and
rewritten), cards kept as retired, predictions and drill answers, and the settings replaced (card states
are set with ``studyapp.store.bulk``). Each joins the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from studyapp.model import CardState, Settings
from studyapp.store.base import guarded
from studyapp.store.bulk import Advance, BulkWrites, ReviewRow, batches, no_progress
from studyapp.store.predictions import DRILL_COLUMNS, PREDICTION_COLUMNS
from studyapp.store.tag_sets import write_tag_sets

_CARD_COLUMNS = ", ".join(("card_id", "deck_id", "position", "ord", "retired", *CardState.COLUMNS))


class LoggedReview(NamedTuple):
    """One review as the log keeps it: states as ``CardState.to_json`` text, the time in epoch ms."""

    card_id: str
    rating: int
    reviewed_at: int
    duration_ms: int | None
    before: str
    after: str

    def row(self) -> ReviewRow:
        """The review as a row of the log."""
        return ReviewRow(
            self.card_id,
            self.rating,
            self.reviewed_at,
            self.duration_ms,
            _study_state(self.before),
            _study_state(self.after),
            self.before,
            self.after,
        )


class RetiredCard(NamedTuple):
    """A card this collection's decks do not have, kept retired with its place in its own deck."""

    card_id: str
    deck_id: str
    position: int
    ord: int
    state: CardState


def _study_state(state_json: str) -> int:
    return int(json.loads(state_json)["state"])


class MergeWrites(BulkWrites):
    """Bulk writes that merging needs; every one joins an open transaction (or makes its own)."""

    @guarded
    def insert_reviews(self, reviews: Sequence[LoggedReview], advance: Advance = no_progress) -> list[int]:
        """Append reviews to the log in the given order; returns the ids they got (the next ones)."""
        with self.transaction() as conn:
            (last,) = conn.execute("SELECT coalesce(max(id), 0) FROM reviews").fetchone()
            self.append_reviews((review.row() for review in reviews), advance)
            ids = [row[0] for row in conn.execute("SELECT id FROM reviews WHERE id > ? ORDER BY id", (last,))]
        if len(ids) != len(reviews):
            raise KeyError("the reviews appended did not get the next ids")
        return ids

    @guarded
    def add_predictions(self, rows: Sequence[Mapping[str, Any]], advance: Advance = no_progress) -> None:
        """Add predictions (by column name; their ``id`` is left out and given anew)."""
        self._insert_rows("predictions", PREDICTION_COLUMNS[1:], rows, advance)

    @guarded
    def add_drill_answers(self, rows: Sequence[Mapping[str, Any]], advance: Advance = no_progress) -> None:
        """Add drill answers (by column name), each under the id of the review it was given in."""
        self._insert_rows("drill_answers", DRILL_COLUMNS, rows, advance)

    def _insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]], advance: Advance
    ) -> None:
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        with self.transaction() as conn:
            for batch in batches(rows):
                conn.executemany(sql, [tuple(row[column] for column in columns) for row in batch])
                advance(len(batch))

    @guarded
    def rewrite_reviews(
        self,
        reviews: Sequence[tuple[int, LoggedReview]],
        advance: Advance = no_progress,
    ) -> None:
        """Overwrite the rating, duration and states of log rows ``(id, review)`` (card and time stay)."""
        with self.transaction() as conn:
            for batch in batches(reviews):
                cursor = conn.executemany(
                    "UPDATE reviews SET rating = ?, duration_ms = ?, state_before = ?, state_after = ?, "
                    "before = ?, after = ? WHERE id = ? AND card_id = ? AND reviewed_at = ?",
                    [
                        (
                            review.rating,
                            review.duration_ms,
                            _study_state(review.before),
                            _study_state(review.after),
                            review.before,
                            review.after,
                            review_id,
                            review.card_id,
                            review.reviewed_at,
                        )
                        for review_id, review in batch
                    ],
                )
                if cursor.rowcount != len(batch):
                    raise KeyError("a review to rewrite is not in the log")
                advance(len(batch))

    @guarded
    def add_retired_cards(
        self,
        decks: Sequence[tuple[str, str, int]],
        cards: Sequence[RetiredCard],
        tags: Sequence[tuple[str, str]],
        advance: Advance = no_progress,
    ) -> None:
        """Add retired decks ``(deck_id, title, rank)``, retired cards and their tags ``(card_id, tag)``.

        Reconciling with decks that hold these cards brings them back, with their state and history.
        """
        with self.transaction() as conn:
            conn.executemany("INSERT INTO decks (deck_id, title, rank, retired) VALUES (?, ?, ?, 1)", decks)
            for batch in batches(cards):
                conn.executemany(
                    f"INSERT INTO cards ({_CARD_COLUMNS}) VALUES ({', '.join('?' * 16)})",
                    [
                        (card.card_id, card.deck_id, card.position, card.ord, 1, *card.state.to_row())
                        for card in batch
                    ],
                )
                advance(len(batch))
            conn.executemany("INSERT INTO card_tags (card_id, tag) VALUES (?, ?)", tags)
            write_tag_sets(conn, tags)

    @guarded
    def replace_settings(self, settings: Mapping[str, Any]) -> None:
        """Make ``settings`` the stored settings: each is validated, and the ones not given are removed."""
        values = [(key, json.dumps(Settings.check(key, value))) for key, value in settings.items()]
        with self.transaction() as conn:
            conn.execute("DELETE FROM settings")
            conn.executemany("INSERT INTO settings (key, value) VALUES (?, ?)", values)
