"""The statistics' queries: range counts on indexed times, and GROUP BY on the tag index.

Day ranges go to SQLite as one JSON array of ``[start, end)`` pairs in epoch milliseconds, so a
year of days costs one statement.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Sequence
from typing import Any

from studyapp.store.base import StoreBase, guarded

_RANGES = (
    "WITH ranges(i, lo, hi) AS "
    "(SELECT key, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))"
)
_SCHEDULED = "state IN (1, 2, 3) AND suspended = 0 AND retired = 0"
#: Before every review.
_BEFORE_ALL = -(2**62)
#: fsrs's retrievability of a ``cards`` row c at :now, with its :factor and :decay; 0 if never reviewed.
_RETRIEVABILITY = (
    "CASE WHEN c.last_review IS NULL OR c.stability IS NULL THEN 0.0 "
    "ELSE pow(1 + :factor * (max(0, :now - c.last_review) / 86400000) / c.stability, :decay) END"
)
_STUDIED_R = f"CASE WHEN c.state != 0 THEN {_RETRIEVABILITY} END"

Ranges = Sequence[tuple[int, int]]


def ensure_pow(conn: sqlite3.Connection) -> None:
    """Give the connection a ``pow`` SQL function when SQLite was built without its math functions."""
    try:
        conn.execute("SELECT pow(2.0, 0.5)").fetchone()
    except sqlite3.OperationalError:
        conn.create_function("pow", 2, math.pow, deterministic=True)


class StatisticsQueries(StoreBase):
    """Read-only aggregate queries for ``studyapp.stats`` and ``studyapp.activity``."""

    def _per_range(self, select: str, ranges: Ranges, *params: Any) -> list[int]:
        rows = self.conn.execute(
            f"{_RANGES} SELECT ({select}) FROM ranges ORDER BY i", (json.dumps(list(ranges)), *params)
        ).fetchall()
        return [int(row[0]) for row in rows]

    @guarded
    def reviews_per_range(self, ranges: Ranges) -> list[int]:
        """How many reviews were made in each ``[start, end)`` range (epoch ms)."""
        return self._per_range(
            "SELECT count(*) FROM reviews WHERE reviewed_at >= lo AND reviewed_at < hi", ranges
        )

    @guarded
    def ranges_with_reviews(self, ranges: Ranges) -> list[bool]:
        """Whether each ``[start, end)`` range holds at least one review."""
        found = self._per_range(
            "SELECT EXISTS (SELECT 1 FROM reviews WHERE reviewed_at >= lo AND reviewed_at < hi)", ranges
        )
        return [bool(flag) for flag in found]

    @guarded
    def due_per_range(self, ranges: Ranges, now_ms: int) -> list[int]:
        """Scheduled cards (not suspended, retired or buried at ``now_ms``) due in each range."""
        return self._per_range(
            f"SELECT count(*) FROM cards WHERE {_SCHEDULED} AND due >= lo AND due < hi "
            "AND (buried_until IS NULL OR buried_until <= ?)",
            ranges,
            now_ms,
        )

    @guarded
    def buried_returns(self, now_ms: int) -> list[int]:
        """For each scheduled card buried at ``now_ms``: when it is due once it comes back (epoch ms)."""
        return [
            int(back)
            for (back,) in self.conn.execute(
                f"SELECT max(due, buried_until) FROM cards WHERE {_SCHEDULED} AND buried_until > ?", (now_ms,)
            )
        ]

    @guarded
    def retention_counts(self, since_ms: int | None) -> tuple[int, int]:
        """Reviews of Review-state cards since ``since_ms`` (``None``: all time), and how many were not
        rated Again.

        Counted on indexes, without reading the table: the lapses (rated Again) in ``reviews_lapsed``,
        the reviews since a time in ``reviews_by_state``, and all of them as every review less those of
        other states (a count of the whole log is read from its pages' headers).
        """
        if since_ms is None:
            total = self._count("SELECT count(*) FROM reviews")
            total -= self._count("SELECT count(*) FROM reviews WHERE state_before < 2")
            total -= self._count("SELECT count(*) FROM reviews WHERE state_before > 2")
        else:
            total = self._count(
                "SELECT count(*) FROM reviews WHERE state_before = 2 AND reviewed_at >= ?", since_ms
            )
        lapses = self._count(
            "SELECT count(*) FROM reviews INDEXED BY reviews_lapsed WHERE state_before = 2 AND rating = 1 "
            "AND reviewed_at >= ?",
            _BEFORE_ALL if since_ms is None else since_ms,
        )
        return total, total - lapses

    def _count(self, sql: str, *params: Any) -> int:
        (count,) = self.conn.execute(sql, params).fetchone()
        return int(count)

    @guarded
    def cards_by_state(self, now_ms: int) -> tuple[dict[int, int], int, int, int]:
        """Active cards per state, and the buried, suspended and leech counts (retired left out)."""
        by_state = dict(
            self.conn.execute(
                "SELECT state, count(*) FROM cards WHERE suspended = 0 AND retired = 0 "
                "AND (buried_until IS NULL OR buried_until <= ?) GROUP BY state",
                (now_ms,),
            ).fetchall()
        )
        (buried,) = self.conn.execute(
            "SELECT count(*) FROM cards WHERE suspended = 0 AND retired = 0 AND buried_until > ?", (now_ms,)
        ).fetchone()
        suspended, leech = self.conn.execute(
            "SELECT coalesce(sum(suspended != 0), 0), coalesce(sum(leech != 0), 0) FROM cards "
            "WHERE retired = 0"
        ).fetchone()
        return by_state, int(buried), int(suspended), int(leech)

    @guarded
    def retrievability_sums(
        self, now_ms: int, factor: float, decay: float
    ) -> tuple[tuple[int, int, float], dict[str, tuple[int, int, float]]]:
        """``(cards, studied, sum of the studied cards' retrievability)`` overall and per tag.

        Retrievability is fsrs's power forgetting curve with ``factor`` and ``decay``, elapsed
        time in whole days. Per tag, the tag index is read in order (so grouping needs no sort) and
        each card's inputs come from the covering index ``cards_recall``: the cards are summed in the
        same order as before it existed, so the sums are the same to the last bit.
        """
        ensure_pow(self.conn)
        params = {"factor": factor, "decay": decay, "now": now_ms}
        per_tag = {
            tag: (int(cards), int(studied), float(total or 0.0))
            for tag, cards, studied, total in self.conn.execute(
                f"SELECT t.tag, count(*), sum(c.state != 0), sum({_STUDIED_R}) "
                "FROM card_tags t INDEXED BY card_tags_by_tag CROSS JOIN cards c INDEXED BY cards_recall "
                "ON c.card_id = t.card_id AND c.retired = 0 GROUP BY t.tag",
                params,
            )
        }
        cards, studied, total = self.conn.execute(
            f"SELECT count(*), coalesce(sum(c.state != 0), 0), sum({_STUDIED_R}) "
            "FROM cards c NOT INDEXED WHERE c.retired = 0",  # in the table's order, as the sum always was
            params,
        ).fetchone()
        return (int(cards), int(studied), float(total or 0.0)), per_tag

    @guarded
    def quiz_accuracy(self) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
        """``(kind, attempts, correct)`` per question kind and ``(tag, attempts, correct)`` per tag."""
        by_kind = self.conn.execute(
            "SELECT kind, count(*), sum(correct != 0) FROM quiz_attempts GROUP BY kind ORDER BY kind"
        ).fetchall()
        # Driven from the attempts: one tag-index lookup per attempt about a card.
        by_tag = self.conn.execute(
            "SELECT t.tag, count(*), sum(q.correct != 0) FROM quiz_attempts q "
            "CROSS JOIN card_tags t ON t.card_id = q.card_id GROUP BY t.tag ORDER BY t.tag"
        ).fetchall()
        return by_kind, by_tag
