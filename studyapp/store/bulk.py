"""Bulk writes of review history: log rows appended many to a statement, card states set in batches.

Importing a deck's history and merging another machine's both write hundreds of thousands of rows; one
``record_review`` per review would be a statement pair each. These take rows from an iterable (so a
caller can compute them as they are written), report each batch to ``advance``, and join the caller's
transaction (or make one of their own). When more reviews are coming than the log holds, the log's
indexes are dropped for the writes and built again after them, in the same transaction: building an
index once is about a third faster than growing it row by row, and it comes back exactly as it was.
SQLite sorts for an index in helper threads when its sort does not fit the page cache: so the indexes
are built with the default cache and the other cores (the worker of an import has ended by then).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import NamedTuple, TypeVar

from studyapp.model import CardState
from studyapp.store.base import StoreBase, guarded

BATCH = 2000
#: The page cache (KiB) while histories are written in bulk: a third faster on 300k reviews than the
#: default 2 MiB.
BULK_CACHE_KIB = 64 * 1024
#: The page cache (KiB) while the log's indexes are built: each sort spills in runs of this size, which
#: helper threads sort while the table is read (495k reviews: 0.8 s instead of 1.1 s with one thread,
#: whose sort fits the bulk cache).
SORT_CACHE_KIB = 2000
#: How many helper threads an index's sort may use: one per other core.
SORT_THREADS = max(0, min((os.cpu_count() or 1) - 1, 4))
_SET_STATE = ", ".join(f"{column} = ?" for column in CardState.COLUMNS)
_INSERT_REVIEW = (
    "INSERT INTO reviews (card_id, rating, reviewed_at, duration_ms, state_before, state_after, before, "
    "after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)

T = TypeVar("T")
#: Told how many more rows were written, after each batch.
Advance = Callable[[int], None]


class ReviewRow(NamedTuple):
    """A row of the review log: the time in epoch ms, the study states before and after as numbers, and
    the whole states as ``CardState.to_json`` text."""

    card_id: str
    rating: int
    reviewed_at: int
    duration_ms: int | None
    state_before: int
    state_after: int
    before: str
    after: str


#: A row of the review log with ``ReviewRow``'s fields, as a plain tuple: a replay makes hundreds of
#: thousands, in a worker process, and a plain tuple is made and sent to this one in half the time.
LogRow = tuple[str, int, int, int | None, int, int, str, str]


class CardHistoryRows(NamedTuple):
    """One card's replayed history: its reviews in order, and the state it is left in (``None``: the state
    it has stays)."""

    card_id: str
    reviews: Sequence[LogRow]
    state: CardState | None


def batches(rows: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    """``rows`` in lists of ``size`` (the last one shorter)."""
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def no_progress(count: int) -> None:
    """The default ``advance``: no progress to show."""


class BulkWrites(StoreBase):
    """Review-log rows and card states written in bulk; every write joins an open transaction."""

    @guarded
    def append_reviews(self, rows: Iterable[LogRow], advance: Advance = no_progress) -> None:
        """Append rows to the review log in the given order (they get the next ids)."""
        with self.transaction() as conn:
            for batch in batches(rows):
                conn.executemany(_INSERT_REVIEW, batch)
                advance(len(batch))

    @guarded
    def set_states(self, states: Iterable[tuple[str, CardState]], advance: Advance = no_progress) -> None:
        """Overwrite the study states of cards ``(card_id, state)``; ``KeyError`` if one is unknown."""
        with self.transaction() as conn:
            for batch in batches(states):
                cursor = conn.executemany(
                    f"UPDATE cards SET {_SET_STATE} WHERE card_id = ?",
                    [(*state.to_row(), card_id) for card_id, state in batch],
                )
                if cursor.rowcount != len(batch):
                    raise KeyError("a card whose state is to be set is not in the collection")
                advance(len(batch))

    @contextmanager
    def _pragmas(self, **values: int) -> Iterator[None]:
        """The connection's pragmas (``name=value``) set for the block, and set back after it."""
        previous = {name: int(self.conn.execute(f"PRAGMA {name}").fetchone()[0]) for name in values}
        try:
            for name, value in values.items():
                self.conn.execute(f"PRAGMA {name} = {int(value)}")
            yield
        finally:
            for name, value in previous.items():
                self.conn.execute(f"PRAGMA {name} = {value}")

    @contextmanager
    def _log_indexes_built_after(self, coming: int) -> Iterator[None]:
        """The review log's indexes dropped for the block and created again after it (with the SQL they
        were made with), when ``coming`` reviews outnumber those in the log (counted by the last id, which
        undone reviews leave behind: never fewer); else nothing changes."""
        (last_id,) = self.conn.execute("SELECT ifnull(max(id), 0) FROM reviews").fetchone()
        indexes = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reviews' "
            "AND sql IS NOT NULL ORDER BY name"
        ).fetchall()
        if coming <= last_id or not indexes:
            yield
            return
        for name, _sql in indexes:
            self.conn.execute(f'DROP INDEX "{name}"')
        try:
            yield
        finally:  # even when a write failed: a caller that goes on keeps its indexes
            with self._pragmas(cache_size=-SORT_CACHE_KIB, threads=SORT_THREADS):
                for _name, sql in indexes:
                    self.conn.execute(sql)

    @guarded
    def fresh_cards(self, card_ids: Iterable[str]) -> set[str]:
        """Those of ``card_ids`` that the collection has, not retired, never reviewed and without a log."""
        fresh: set[str] = set()
        for batch in batches(card_ids, 500):
            rows = self.conn.execute(
                f"SELECT card_id FROM cards AS c WHERE card_id IN ({', '.join('?' * len(batch))}) "
                "AND retired = 0 AND reps = 0 AND NOT EXISTS (SELECT 1 FROM reviews AS r "
                "WHERE r.card_id = c.card_id)",
                batch,
            )
            fresh.update(card_id for (card_id,) in rows)
        return fresh

    @guarded
    def record_histories(
        self, histories: Iterable[CardHistoryRows], advance: Advance = no_progress, *, coming: int = 0
    ) -> int:
        """Append each card's reviews to the log and set its state, all in one transaction, as many
        ``record_review`` calls would (the histories may be computed while they are written); returns how
        many reviews were written. ``advance`` counts reviews; ``coming`` says how many to expect (when
        they outnumber the log's, its indexes are built after the writes)."""
        written = 0
        with (
            self.transaction(),
            self._pragmas(cache_size=-BULK_CACHE_KIB),
            self._log_indexes_built_after(coming),
        ):
            for batch in batches(histories, BATCH // 10):
                rows = [row for history in batch for row in history.reviews]
                self.append_reviews(rows)
                self.set_states((h.card_id, h.state) for h in batch if h.state is not None)
                written += len(rows)
                advance(len(rows))
        return written
