"""The study queue's queries: the next card to show and the counts of what is left."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from studyapp.model import StudyState, utc_ms
from studyapp.store.base import StoreBase, guarded

_ACTIVE = "suspended = 0 AND retired = 0 AND (buried_until IS NULL OR buried_until <= ?)"


@dataclass(frozen=True)
class CardFilter:
    """Which cards a queue query may return: one deck (or some) and/or one tag, minus some card ids.

    The tag ``leech`` also matches every card flagged as a leech.
    """

    deck: str | None = None
    tag: str | None = None
    exclude: frozenset[str] = frozenset()
    #: Keep to these decks (those whose daily limit is not used up, for instance); ``None``: any deck.
    decks: frozenset[str] | None = None

    def sql(self) -> tuple[str, list[Any]]:
        """An ``AND ...`` clause and its parameters."""
        clause, params = "", list[Any]()
        if self.deck is not None:
            clause += " AND deck_id = ?"
            params.append(self.deck)
        if self.decks is not None:
            clause += f" AND deck_id IN ({', '.join('?' * len(self.decks))})" if self.decks else " AND 0"
            params.extend(sorted(self.decks))
        if self.tag is not None:
            clause += " AND (card_id IN (SELECT card_id FROM card_tags WHERE tag = ?)"
            clause += " OR leech = 1)" if self.tag == "leech" else ")"
            params.append(self.tag)
        if self.exclude:
            clause += f" AND card_id NOT IN ({', '.join('?' * len(self.exclude))})"
            params.extend(sorted(self.exclude))
        return clause, params


class QueueQueries(StoreBase):
    """Queries over the ``cards`` table's queue indexes."""

    @guarded
    def _first(
        self,
        where: str,
        params: Sequence[Any],
        card_filter: CardFilter,
        order: str,
        order_params: Sequence[Any] = (),
    ) -> str | None:
        """The first active card matching ``where`` (whose parameters end with now, for the bury check)."""
        clause, extra = card_filter.sql()
        row = self.conn.execute(
            f"SELECT card_id FROM cards WHERE {where} AND {_ACTIVE}{clause} ORDER BY {order} LIMIT 1",
            (*params, *extra, *order_params),
        ).fetchone()
        return None if row is None else str(row[0])

    def next_learning(self, until: datetime, now: datetime, card_filter: CardFilter) -> str | None:
        """The learning or relearning card due first, if it is due by ``until``."""
        return self._first("state IN (1, 3) AND due <= ?", (utc_ms(until), utc_ms(now)), card_filter, "due")

    def next_review(self, day_end: datetime, now: datetime, card_filter: CardFilter) -> str | None:
        """The review card due today with the lowest retrievability (largest elapsed time / stability)."""
        now_ms = utc_ms(now)
        return self._first(
            "state = 2 AND due < ?",
            (utc_ms(day_end), now_ms),
            card_filter,
            "(? - last_review) / stability DESC, due",
            (now_ms,),
        )

    def next_new(self, now: datetime, card_filter: CardFilter) -> str | None:
        """The first new card in deck order."""
        return self._first("state = 0", (utc_ms(now),), card_filter, "ord")

    @guarded
    def count_due(
        self, day_end: datetime, now: datetime, card_filter: CardFilter, by_deck: bool = False
    ) -> dict[str, list[int]]:
        """``[learning, review]`` cards due before ``day_end``: per deck id, or under ``""`` in total."""
        clause, extra = card_filter.sql()
        key, group = ("deck_id", "deck_id, state") if by_deck else ("''", "state")
        counts: dict[str, list[int]] = {}
        for deck_id, state, count in self.conn.execute(
            f"SELECT {key}, state, count(*) FROM cards WHERE state IN (1, 2, 3) AND due < ? AND {_ACTIVE}"
            f"{clause} GROUP BY {group}",
            (utc_ms(day_end), utc_ms(now), *extra),
        ):
            slot = counts.setdefault(deck_id, [0, 0])
            slot[1 if state == StudyState.REVIEW else 0] += count
        return counts

    @guarded
    def count_new(self, now: datetime, card_filter: CardFilter, limit: int) -> int:
        """New cards available, counting at most ``limit``."""
        clause, extra = card_filter.sql()
        row = self.conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM cards WHERE state = 0 AND {_ACTIVE}{clause} LIMIT ?)",
            (utc_ms(now), *extra, max(limit, 0)),
        ).fetchone()
        return int(row[0])

    @guarded
    def next_due(self, now: datetime, card_filter: CardFilter | None = None) -> datetime | None:
        """When the next learning or review card falls due after ``now`` (``None``: no such card)."""
        clause, extra = (card_filter or CardFilter()).sql()
        row = self.conn.execute(
            f"SELECT min(due) FROM cards WHERE state IN (1, 2, 3) AND due > ? AND {_ACTIVE}{clause}",
            (utc_ms(now), utc_ms(now), *extra),
        ).fetchone()
        return None if row[0] is None else datetime.fromtimestamp(row[0] / 1000, UTC)

    @guarded
    def cram_cards(self, card_filter: CardFilter) -> list[str]:
        """Every card that is neither suspended nor retired, in deck order (for cramming)."""
        clause, extra = card_filter.sql()
        return [
            row[0]
            for row in self.conn.execute(
                f"SELECT card_id FROM cards WHERE suspended = 0 AND retired = 0{clause} ORDER BY ord", extra
            )
        ]

    @guarded
    def ahead_cards(self, now: datetime, card_filter: CardFilter) -> list[tuple[str, bool]]:
        """``(card id, is new)`` of every active card, for studying ahead of schedule: studied cards by
        due time, then new cards in deck order."""
        clause, extra = card_filter.sql()
        return [
            (str(card_id), state == StudyState.NEW)
            for card_id, state in self.conn.execute(
                f"SELECT card_id, state FROM cards WHERE {_ACTIVE}{clause} ORDER BY state = 0, due, ord",
                (utc_ms(now), *extra),
            )
        ]
