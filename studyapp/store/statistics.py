"""The statistics' queries: range counts on indexed times, and GROUP BY on indexes of the cards' tags.

Day ranges go to SQLite as one JSON array of ``[start, end)`` pairs in epoch milliseconds, so a
year of days costs one statement. Each statistic comes back as one row (counts per range as one JSON
object), because the statistics are computed in a thread beside the app's painting: every row fetched
takes Python's interpreter lock back, which can wait for the painting thread (milliseconds per row).
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Sequence
from typing import Any, Self

from studyapp.store.base import BUSY_TIMEOUT_MS, StoreBase, guarded
from studyapp.store.opening import _read_only_connection

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

#: Reviews of Review-state cards: all of them (every review less those of other states), since a time,
#: and those rated Again since a time (counted in the partial index ``reviews_lapsed``).
_ALL_REVIEW_STATE = (
    "(SELECT count(*) FROM reviews) - (SELECT count(*) FROM reviews WHERE state_before < 2) "
    "- (SELECT count(*) FROM reviews WHERE state_before > 2)"
)
_REVIEW_STATE_SINCE = "(SELECT count(*) FROM reviews WHERE state_before = 2 AND reviewed_at >= ?)"
_LAPSES_SINCE = (
    "(SELECT count(*) FROM reviews INDEXED BY reviews_lapsed WHERE state_before = 2 AND rating = 1 "
    "AND reviewed_at >= ?)"
)

Ranges = Sequence[tuple[int, int]]
#: ``(cards, studied, sum of the studied cards' retrievability)`` of a group of cards.
Sums = tuple[int, int, float]
#: ``Sums`` of every card, and of the cards of each tag.
RetrievabilitySums = tuple[Sums, dict[str, Sums]]


def _sums(values: Sequence[Any]) -> Sums:
    return int(values[0]), int(values[1]), float(values[2])


def ensure_pow(conn: sqlite3.Connection) -> None:
    """Give the connection a ``pow`` SQL function when SQLite was built without its math functions."""
    try:
        conn.execute("SELECT pow(2.0, 0.5)").fetchone()
    except sqlite3.OperationalError:
        conn.create_function("pow", 2, math.pow, deterministic=True)


class StatisticsQueries(StoreBase):
    """Read-only aggregate queries for ``studyapp.stats`` and ``studyapp.activity``."""

    def reader(self) -> Self:
        """This collection on a read-only connection of its own, so that statistics can be computed in
        another thread beside this connection's work (close it when done). The file was checked when
        this store opened it."""
        conn, _immutable = _read_only_connection(self.path, BUSY_TIMEOUT_MS)
        return type(self)(conn, self.path, read_only=True)

    @property
    def writing(self) -> bool:
        """Whether this connection is inside a write transaction: another connection (``reader``) does
        not see its changes yet."""
        return self.conn.in_transaction

    def _per_range(self, select: str, ranges: Ranges, *params: Any) -> list[int]:
        """``select`` (a count) for each range, in one row: ``{"index": count, ...}``."""
        (found,) = self.conn.execute(
            f"{_RANGES} SELECT json_group_object(i, ({select})) FROM ranges",
            (json.dumps(list(ranges)), *params),
        ).fetchone()
        counts = json.loads(found)
        return [int(counts[str(i)]) for i in range(len(ranges))]

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
        (found,) = self.conn.execute(
            "SELECT json_group_array(max(due, buried_until)) FROM cards INDEXED BY cards_buried "
            f"WHERE {_SCHEDULED} AND buried_until > ?",
            (now_ms,),
        ).fetchone()
        return [int(back) for back in json.loads(found)]

    @guarded
    def retention_counts(self, since_ms: int | None) -> tuple[int, int]:
        """Reviews of Review-state cards since ``since_ms`` (``None``: all time), and how many were not
        rated Again (``retention_windows`` of one window)."""
        return self.retention_windows([since_ms])[0]

    @guarded
    def retention_windows(self, starts: Sequence[int | None]) -> list[tuple[int, int]]:
        """``retention_counts`` of each window since a start (``None``: all time), in one statement.

        Counted on indexes, without reading the table: the lapses (rated Again) in ``reviews_lapsed``,
        the reviews since a time in ``reviews_by_state``, and all of them as every review less those of
        other states (a count of the whole log is read from its pages' headers).
        """
        columns, params = [], []
        for since in starts:
            if since is None:
                columns.append(_ALL_REVIEW_STATE)
            else:
                columns.append(_REVIEW_STATE_SINCE)
                params.append(since)
            columns.append(_LAPSES_SINCE)
            params.append(_BEFORE_ALL if since is None else since)
        counts = self.conn.execute(f"SELECT {', '.join(columns)}", params).fetchone() if starts else ()
        totals, lapses = counts[0::2], counts[1::2]
        return [(int(total), int(total) - int(lapsed)) for total, lapsed in zip(totals, lapses, strict=True)]

    @guarded
    def cards_by_state(self, now_ms: int) -> tuple[dict[int, int], int, int, int]:
        """Active cards per state, and the buried, suspended and leech counts (retired left out), in one
        statement: the few suspended, leech and buried cards are counted in partial indexes."""
        by_state, buried, suspended, leech = self.conn.execute(
            "SELECT (SELECT json_group_object(state, n) FROM (SELECT state, count(*) AS n FROM cards "
            "WHERE suspended = 0 AND retired = 0 AND (buried_until IS NULL OR buried_until <= :now) "
            "GROUP BY state)), "
            "(SELECT count(*) FROM cards INDEXED BY cards_buried WHERE suspended = 0 AND retired = 0 "
            "AND buried_until > :now), "
            "(SELECT count(*) FROM cards INDEXED BY cards_suspended WHERE suspended != 0 AND retired = 0), "
            "(SELECT count(*) FROM cards INDEXED BY cards_leeches WHERE leech != 0 AND retired = 0)",
            {"now": now_ms},
        ).fetchone()
        states = {int(state): int(count) for state, count in json.loads(by_state).items()}
        return states, int(buried), int(suspended), int(leech)

    @guarded
    def retrievability_sums(self, now_ms: int, factor: float, decay: float) -> RetrievabilitySums:
        """``(cards, studied, sum of the studied cards' retrievability)`` of every card not retired, and of
        the cards of each tag.

        Retrievability is fsrs's power forgetting curve with ``factor`` and ``decay``, elapsed time in
        whole days. The cards are read once, in the covering index of their tag sets (``cards_mastery``):
        each group of cards with the same tags is summed in SQL, and the groups are added up here. They
        come back in one row (``_one_row``), each sum written with 17 significant digits, which give the
        same double back.
        """
        ensure_pow(self.conn)
        groups = self._one_row(
            "json_array(json(tag_set), cards, studied, printf('%!.17g', coalesce(total, 0.0)))",
            "SELECT tag_set, count(*) AS cards, coalesce(sum(c.state != 0), 0) AS studied, "
            f"sum({_STUDIED_R}) AS total FROM cards c INDEXED BY cards_mastery WHERE c.retired = 0 "
            "GROUP BY tag_set",
            {"factor": factor, "decay": decay, "now": now_ms},
        )
        overall = [0, 0, 0.0]
        by_tag: dict[str, list[Any]] = {}
        for tags, cards, studied, total in groups:
            for sums in (overall, *(by_tag.setdefault(tag, [0, 0, 0.0]) for tag in tags)):
                sums[0] += int(cards)
                sums[1] += int(studied)
                sums[2] += float(total)
        return _sums(overall), {tag: _sums(sums) for tag, sums in by_tag.items()}

    def _one_row(self, item: str, select: str, params: Any = ()) -> list[Any]:
        """The rows of ``select``, each made ``item`` (a JSON value of its columns), fetched as one JSON
        array in one row: a row at a time, each would take the interpreter lock back (see above)."""
        (items,) = self.conn.execute(f"SELECT json_group_array({item}) FROM ({select})", params).fetchone()
        rows: list[Any] = json.loads(items)
        return rows

    @guarded
    def quiz_accuracy(self) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
        """``(kind, attempts, correct)`` per question kind and ``(tag, attempts, correct)`` per tag."""
        item = "json_array(name, attempts, correct)"
        by_kind = self._one_row(
            item,
            "SELECT kind AS name, count(*) AS attempts, sum(correct != 0) AS correct FROM quiz_attempts "
            "GROUP BY kind",
        )
        # Driven from the attempts: one tag-index lookup per attempt about a card.
        by_tag = self._one_row(
            item,
            "SELECT t.tag AS name, count(*) AS attempts, sum(q.correct != 0) AS correct FROM quiz_attempts q "
            "CROSS JOIN card_tags t ON t.card_id = q.card_id GROUP BY t.tag",
        )
        return sorted(map(tuple, by_kind)), sorted(map(tuple, by_tag))
