"""A parsed search (``studyapp.search``) as one SQL query, and a study-queue filter by its matches.

Free words, phrases and ``sim:`` are ``GLOB`` conditions on the ``card_text`` table, which holds the
loaded decks' text in ``searchable`` form (``studyapp.store.text_index``); terms already matched in
Python arrive as id sets (``Ids``) and join as ``card_id IN (SELECT value FROM json_each(?))``; the rest
are conditions on the ``cards``, ``card_tags`` and ``reviews`` tables. Every condition is 0 or 1, never
NULL, so ``NOT`` is exactly the complement (a new card has no retrievability: ``prop:r<0.8`` leaves it
out and ``-prop:r<0.8`` keeps it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from studyapp.model import utc_ms
from studyapp.search import (
    And,
    CardIs,
    Deck,
    Ids,
    Is,
    Node,
    Not,
    Or,
    Prop,
    Property,
    Rated,
    Sim,
    Tag,
    Text,
    Wild,
)
from studyapp.store.base import StoreBase, guarded
from studyapp.store.queue import CardFilter
from studyapp.store.statistics import ensure_pow

_DAY_MS = 86_400_000
#: fsrs's retrievability of a studied card at ``now`` (elapsed whole days, as fsrs counts them); NULL if new.
_RETRIEVABILITY = (
    "CASE WHEN c.state != 0 AND c.last_review IS NOT NULL AND c.stability > 0 "
    "THEN pow(1 + ? * (max(0, ? - c.last_review) / 86400000) / c.stability, ?) END"
)
#: Study days from today until a card is due (0: today, 1: tomorrow, -1: yesterday), in whole-day
#: integer arithmetic from the end of today (SQLite's division truncates toward zero).
_DAYS_UNTIL_DUE = (
    f"CASE WHEN c.due >= ? THEN (c.due - ?) / {_DAY_MS} + 1 ELSE -((? - c.due - 1) / {_DAY_MS}) END"
)
_COLUMNS = {
    Property.S: "c.stability",
    Property.D: "c.difficulty",
    Property.REPS: "c.reps",
    Property.LAPSES: "c.lapses",
}
_STATES = {
    CardIs.NEW: "c.state = 0",
    CardIs.LEARN: "c.state IN (1, 3)",
    CardIs.REVIEW: "c.state IN (2, 3)",
    CardIs.SUSPENDED: "c.suspended != 0",
    CardIs.LEECH: "c.leech != 0",
}


@dataclass(frozen=True)
class SearchContext:
    """When a search runs: ``now``, the end of the study day (``is:due``, ``rated:``), and fsrs's
    forgetting curve (``factor``, ``decay``) for ``prop:r``."""

    now: datetime
    day_end: datetime
    factor: float = 0.0
    decay: float = 0.0


#: The ``card_text`` columns that free words and phrases search (question, answer, details, id).
TEXT_COLUMNS = ("question_folded", "answer_folded", "details_folded", "id_folded")
#: The ``card_text`` columns that may be NULL.
NULLABLE = frozenset({"sim_folded"})


class _Compiler:
    """Builds the WHERE clause and its parameters, in order.

    Text terms test the ``card_text`` row ``text_alias`` when the query has one, else look the
    matches up in ``card_text``. ``uses_cards`` tells whether the clause reads the ``cards`` row ``c``.
    """

    def __init__(self, context: SearchContext, text_alias: str | None = None) -> None:
        self.context = context
        self.now_ms = utc_ms(context.now)
        self.day_end_ms = utc_ms(context.day_end)
        self.params: list[Any] = []
        self.text_alias = text_alias
        self.uses_cards = False

    def text(self, columns: tuple[str, ...], pattern: str) -> str:
        """Whether any of the ``card_text`` ``columns`` matches the ``GLOB`` ``pattern`` (0 or 1; a
        NULL column, a card without simulation, does not match)."""
        self.params += [pattern] * len(columns)
        alias = f"{self.text_alias}." if self.text_alias else ""
        test = " OR ".join(f"{alias}{column} GLOB ?" for column in columns)
        if self.text_alias:
            return f"coalesce({test}, 0)" if NULLABLE.intersection(columns) else f"({test})"
        self.uses_cards = True
        return f"c.card_id IN (SELECT card_id FROM card_text WHERE {test})"

    def sql(self, node: Node) -> str:
        if isinstance(node, Not):
            return f"NOT ({self.sql(node.node)})"
        if isinstance(node, And | Or):
            joiner = " AND " if isinstance(node, And) else " OR "
            return "(" + joiner.join(self.sql(child) for child in node.nodes) + ")"
        if isinstance(node, Text):
            wild = any(isinstance(part, Wild) for part in node.pattern.parts)
            columns = TEXT_COLUMNS if wild else ("text_folded",)  # a wildcard could span two fields
            return self.text(columns, node.pattern.glob(anchored=False))
        if isinstance(node, Sim):
            return self.text(("sim_folded",), node.pattern.glob(anchored=True))
        self.uses_cards = True
        if isinstance(node, Ids):
            if not node.ids:
                return "0"
            self.params.append(json.dumps(sorted(node.ids)))
            return "c.card_id IN (SELECT value FROM json_each(?))"
        if isinstance(node, Is):
            return self.state(node)
        if isinstance(node, Tag):
            return self.tag(node)
        if isinstance(node, Deck):
            self.params.append(node.pattern.like())
            return "c.deck_id LIKE ? ESCAPE '\\'"
        if isinstance(node, Prop):
            return self.prop(node)
        if isinstance(node, Rated):
            return self.rated(node)
        raise TypeError(f"not a search node: {node!r}")

    def state(self, node: Is) -> str:
        if node.state is CardIs.DUE:
            self.params += [self.day_end_ms, self.now_ms]
            return (
                "(c.state IN (1, 2, 3) AND coalesce(c.due < ?, 0) AND c.suspended = 0 "
                "AND (c.buried_until IS NULL OR c.buried_until <= ?))"
            )
        if node.state is CardIs.BURIED:
            self.params.append(self.now_ms)
            return "coalesce(c.buried_until > ?, 0)"
        return _STATES[node.state]

    def tag(self, node: Tag) -> str:
        if node.pattern is None:  # tag:none
            return "(c.leech = 0 AND NOT EXISTS (SELECT 1 FROM card_tags t WHERE t.card_id = c.card_id))"
        self.params.append(node.pattern.like())
        # The tags that match, found once in the tag index, rather than each card's tags looked up in turn.
        clause = "c.card_id IN (SELECT card_id FROM card_tags WHERE tag LIKE ? ESCAPE '\\')"
        return f"({clause} OR c.leech != 0)" if node.pattern.fullmatch("leech") else clause

    def prop(self, node: Prop) -> str:
        compare = node.compare.value
        if node.prop is Property.R:
            self.params += [self.context.factor, self.now_ms, self.context.decay, node.value]
            return f"coalesce(({_RETRIEVABILITY}) {compare} ?, 0)"
        if node.prop is Property.DUE:
            self.params += [self.day_end_ms, self.day_end_ms, self.day_end_ms, node.value]
            return f"coalesce(c.state != 0 AND ({_DAYS_UNTIL_DUE}) {compare} ?, 0)"
        value = 1 + 9 * node.value if node.prop is Property.D else node.value  # Anki's 0-1 scale to fsrs's
        self.params.append(value)
        return f"coalesce({_COLUMNS[node.prop]} {compare} ?, 0)"

    def rated(self, node: Rated) -> str:
        assert self.day_end_ms is not None
        self.params.append(self.day_end_ms - node.days * _DAY_MS)  # as Anki: whole days back from tomorrow
        rating = ""
        if node.rating is not None:
            rating = " AND rating = ?"
            self.params.append(int(node.rating))
        return f"c.card_id IN (SELECT card_id FROM reviews WHERE reviewed_at >= ?{rating})"


@dataclass(frozen=True)
class Condition:
    """A compiled search: the WHERE condition, its parameters, and whether it reads ``cards AS c``."""

    where: str
    params: list[Any]
    uses_cards: bool


def compile_condition(node: Node | None, context: SearchContext, text_alias: str | None = None) -> Condition:
    """``node`` as a condition on ``cards AS c`` (and on ``card_text AS {text_alias}`` if given);
    ``None`` matches every card."""
    if node is None:
        return Condition("1", [], False)
    compiler = _Compiler(context, text_alias)
    where = compiler.sql(node)
    return Condition(where, compiler.params, compiler.uses_cards)


def compile_search(node: Node | None, context: SearchContext) -> tuple[str, list[Any]]:
    """The WHERE condition (on ``cards AS c``) for ``node`` and its parameters; ``None`` matches all."""
    condition = compile_condition(node, context)
    return condition.where, condition.params


class SearchQueries(StoreBase):
    """Searches over the cards (see ``studyapp.search``)."""

    @guarded
    def search_cards(self, node: Node | None, context: SearchContext) -> list[str]:
        """The ids of the cards in the decks (not retired) that ``node`` matches, in deck order.

        Text terms match ``card_text``, which must hold the decks' text (``TextIndex``), unless they
        were resolved to ``Ids`` in Python (``studyapp.search.resolve``).
        """
        where, params = compile_search(node, context)
        if "pow(" in where:
            ensure_pow(self.conn)
        rows = self.conn.execute(
            f"SELECT c.card_id FROM cards AS c WHERE c.retired = 0 AND ({where}) ORDER BY c.ord", params
        )
        return [str(card_id) for (card_id,) in rows]


@dataclass(frozen=True, eq=False)
class CardSet:
    """A fixed set of card ids for a queue filter; its JSON form is made once."""

    ids: frozenset[str] = field(default_factory=frozenset)

    @cached_property
    def json(self) -> str:
        """The ids as a JSON array, for ``json_each``."""
        return json.dumps(sorted(self.ids))


@dataclass(frozen=True)
class SearchFilter(CardFilter):
    """A ``CardFilter`` that also keeps to ``cards`` (a search's matches) when given."""

    cards: CardSet | None = None

    def sql(self) -> tuple[str, list[Any]]:
        """An ``AND ...`` clause and its parameters."""
        clause, params = super().sql()
        if self.cards is not None:
            clause += " AND card_id IN (SELECT value FROM json_each(?))"
            params.append(self.cards.json)
        return clause, params
