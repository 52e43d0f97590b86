"""Writes for merging another machine's history: reviews with their own times and states, card states in
bulk, cards kept as retired, and the settings replaced. Each joins the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from studyapp.model import CardState, Settings
from studyapp.store.base import StoreBase, guarded

BATCH = 2000
_SET_STATE = ", ".join(f"{column} = ?" for column in CardState.COLUMNS)
_CARD_COLUMNS = ", ".join(("card_id", "deck_id", "position", "ord", "retired", *CardState.COLUMNS))


class LoggedReview(NamedTuple):
    """One review as the log keeps it: states as ``CardState.to_json`` text, the time in epoch ms."""

    card_id: str
    rating: int
    reviewed_at: int
    duration_ms: int | None
    before: str
    after: str


class RetiredCard(NamedTuple):
    """A card this collection's decks do not have, kept retired with its place in its own deck."""

    card_id: str
    deck_id: str
    position: int
    ord: int
    state: CardState


def _study_state(state_json: str) -> int:
    return int(json.loads(state_json)["state"])


def _batches(rows: Sequence[Any]) -> list[Sequence[Any]]:
    return [rows[start : start + BATCH] for start in range(0, len(rows), BATCH)]


class MergeWrites(StoreBase):
    """Bulk writes that merging needs; every one joins an open transaction (or makes its own)."""

    @guarded
    def insert_reviews(
        self, reviews: Sequence[LoggedReview], advance: Callable[[int], None] = lambda count: None
    ) -> None:
        """Append reviews to the log in the given order (they get the next ids)."""
        with self.transaction() as conn:
            for batch in _batches(reviews):
                conn.executemany(
                    "INSERT INTO reviews (card_id, rating, reviewed_at, duration_ms, state_before, "
                    "state_after, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            review.card_id,
                            review.rating,
                            review.reviewed_at,
                            review.duration_ms,
                            _study_state(review.before),
                            _study_state(review.after),
                            review.before,
                            review.after,
                        )
                        for review in batch
                    ],
                )
                advance(len(batch))

    @guarded
    def rewrite_reviews(
        self,
        reviews: Sequence[tuple[int, LoggedReview]],
        advance: Callable[[int], None] = lambda count: None,
    ) -> None:
        """Overwrite the rating, duration and states of log rows ``(id, review)`` (card and time stay)."""
        with self.transaction() as conn:
            for batch in _batches(reviews):
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
    def set_states(
        self, states: Sequence[tuple[str, CardState]], advance: Callable[[int], None] = lambda count: None
    ) -> None:
        """Overwrite the study states of cards ``(card_id, state)``; ``KeyError`` if one is unknown."""
        with self.transaction() as conn:
            for batch in _batches(states):
                cursor = conn.executemany(
                    f"UPDATE cards SET {_SET_STATE} WHERE card_id = ?",
                    [(*state.to_row(), card_id) for card_id, state in batch],
                )
                if cursor.rowcount != len(batch):
                    raise KeyError("a card whose state is to be set is not in the collection")
                advance(len(batch))

    @guarded
    def add_retired_cards(
        self,
        decks: Sequence[tuple[str, str, int]],
        cards: Sequence[RetiredCard],
        tags: Sequence[tuple[str, str]],
        advance: Callable[[int], None] = lambda count: None,
    ) -> None:
        """Add retired decks ``(deck_id, title, rank)``, retired cards and their tags ``(card_id, tag)``.

        Reconciling with decks that hold these cards brings them back, with their state and history.
        """
        with self.transaction() as conn:
            conn.executemany("INSERT INTO decks (deck_id, title, rank, retired) VALUES (?, ?, ?, 1)", decks)
            for batch in _batches(cards):
                conn.executemany(
                    f"INSERT INTO cards ({_CARD_COLUMNS}) VALUES ({', '.join('?' * 16)})",
                    [
                        (card.card_id, card.deck_id, card.position, card.ord, 1, *card.state.to_row())
                        for card in batch
                    ],
                )
                advance(len(batch))
            conn.executemany("INSERT INTO card_tags (card_id, tag) VALUES (?, ?)", tags)

    @guarded
    def replace_settings(self, settings: Mapping[str, Any]) -> None:
        """Make ``settings`` the stored settings: each is validated, and the ones not given are removed."""
        values = [(key, json.dumps(Settings.check(key, value))) for key, value in settings.items()]
        with self.transaction() as conn:
            conn.execute("DELETE FROM settings")
            conn.executemany("INSERT INTO settings (key, value) VALUES (?, ?)", values)
