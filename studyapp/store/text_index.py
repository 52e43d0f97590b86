"""The decks' text in the collection, for searches and Browse in SQL.

``card_text`` holds one row per loaded card, in deck order (``ord``): its question on one line, its
sorted tags, and what free words and ``sim:`` match, in ``studyapp.search.searchable`` form (which
Browse also sorts by: the id is indexed, the question, sorted less often, is not): each field, and
the four that words match joined (``text_folded``), where a word without wildcards is looked for in
one test. It is rewritten
when the loaded decks' text changes (``studyapp.collection.reconcile``), and ``TEXT_FINGERPRINT`` in
``meta`` names the library it holds, so a reader can tell whether it is current.

Browse asks for one search's matches in one order (``fill_browse``): they stay in a temporary table of
this connection, so the rows that come into view are read a page at a time (``browse_rows``) and a
new keystroke costs one query whatever the number of matches.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from studyapp.model import Card, CardState, utc_ms
from studyapp.search import TEXT_SEPARATOR, Node, searchable
from studyapp.store.base import StoreBase, guarded
from studyapp.store.search import SearchContext, compile_condition
from studyapp.store.statistics import ensure_pow

#: Meta key naming the library whose text ``card_text`` holds.
TEXT_FINGERPRINT = "text_fingerprint"
#: Meta key holding the longest question, id and tags of ``card_text``, and its number of rows (JSON).
TEXT_WIDTHS = "text_widths"
_INSERT = (
    "INSERT INTO card_text (ord, card_id, question, tags, sim_folded, question_folded, answer_folded, "
    "details_folded, id_folded, text_folded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
#: Browse's state word (``suspended``, ``buried``, else the study state, then ``, leech``) in SQL;
#: its parameter is now in epoch milliseconds.
STATE_WORD = (
    "(CASE WHEN c.suspended != 0 THEN 'suspended' WHEN coalesce(c.buried_until > ?, 0) THEN 'buried' "
    "WHEN c.state = 0 THEN 'new' WHEN c.state = 1 THEN 'learning' WHEN c.state = 2 THEN 'review' "
    "ELSE 'relearning' END || CASE WHEN c.leech != 0 THEN ', leech' ELSE '' END)"
)
#: The words of the study states, by ``StudyState`` value.
STATE_WORDS = ("new", "learning", "review", "relearning")
#: Browse's orders: the sort key (missing values last), then deck order.
ORDERS = {
    "id": ("tx.id_folded", False),
    "question": ("tx.question_folded", False),
    "state": (STATE_WORD, True),
    "due": ("c.due IS NULL, c.due", True),
    "stability": ("c.stability IS NULL, c.stability", True),
    "lapses": ("c.lapses", True),
}
_CREATE_RESULT = (
    "CREATE TEMP TABLE IF NOT EXISTS browse_result (pos INTEGER PRIMARY KEY, card_id TEXT NOT NULL)"
)


def one_line(text: str) -> str:
    """``text`` with every run of white space made one space."""
    return " ".join(text.split())


def text_rows(cards: Iterable[Card]) -> Iterator[tuple[Any, ...]]:
    """The ``card_text`` rows of ``cards``, in their order."""
    for ord_, card in enumerate(cards):
        fields = [searchable(text) for text in (card.question, card.answer, card.details, card.id)]
        sim = None if card.sim is None else searchable(card.sim)
        row = (ord_, card.id, one_line(card.question), ",".join(sorted(card.tags)), sim, *fields)
        yield (*row, TEXT_SEPARATOR.join(fields))


@dataclass(frozen=True)
class BrowseRecord:
    """One row of Browse: the card's id, question (as written, on one line), tags and study state."""

    card_id: str
    question: str
    tags: str
    state: CardState


class TextIndex(StoreBase):
    """The ``card_text`` table, and Browse's queries over it."""

    @guarded
    def write_text_index(self, rows: Iterable[Sequence[Any]], fingerprint: str) -> None:
        """Replace ``card_text`` with ``rows`` (``text_rows``) and record ``fingerprint``, together."""
        widths = {"question": 0, "id": 0, "tags": 0, "cards": 0}

        def measured() -> Iterator[Sequence[Any]]:
            for row in rows:
                widths.update(
                    id=max(widths["id"], len(row[1])),
                    question=max(widths["question"], len(row[2])),
                    tags=max(widths["tags"], len(row[3])),
                    cards=widths["cards"] + 1,
                )
                yield row

        with self.transaction() as conn:
            conn.execute("DELETE FROM card_text")
            conn.executemany(_INSERT, measured())
            conn.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [(TEXT_FINGERPRINT, fingerprint), (TEXT_WIDTHS, json.dumps(widths))],
            )

    @guarded
    def fill_browse(self, node: Node | None, context: SearchContext, order: str) -> int:
        """Keep the cards ``node`` matches, sorted by ``order`` (a key of ``ORDERS``), for ``browse_rows``;
        returns how many there are. ``card_text`` must hold the loaded decks."""
        condition = compile_condition(node, context, text_alias="tx")
        key, reads_cards = ORDERS[order]
        params = [*condition.params]
        if order == "state":
            params.append(utc_ms(context.now))
        join = ""
        if condition.uses_cards or reads_cards:
            join = "JOIN cards AS c ON c.card_id = tx.card_id AND c.retired = 0"
        if "pow(" in condition.where:
            ensure_pow(self.conn)
        self.conn.execute(_CREATE_RESULT)
        self.conn.execute("DELETE FROM temp.browse_result")
        cursor = self.conn.execute(
            f"INSERT INTO temp.browse_result (card_id) SELECT tx.card_id FROM card_text AS tx {join} "
            f"WHERE {condition.where} ORDER BY {key}, tx.ord",
            params,
        )
        return int(cursor.rowcount)

    @guarded
    def browse_rows(self, start: int, count: int) -> list[BrowseRecord]:
        """Rows ``start`` to ``start + count - 1`` (from 0) of the last ``fill_browse``."""
        rows = self.conn.execute(
            f"SELECT tx.card_id, tx.question, tx.tags, {', '.join(f'c.{c}' for c in CardState.COLUMNS)} "
            "FROM temp.browse_result AS r JOIN card_text AS tx ON tx.card_id = r.card_id "
            "JOIN cards AS c ON c.card_id = r.card_id WHERE r.pos > ? AND r.pos <= ? ORDER BY r.pos",
            (start, start + count),
        )
        return [
            BrowseRecord(card_id, question, tags, CardState.from_row(state))
            for card_id, question, tags, *state in rows
        ]

    @guarded
    def browse_position(self, card_id: str) -> int | None:
        """Where ``card_id`` is (from 0) in the last ``fill_browse``, if it is there."""
        row = self.conn.execute("SELECT pos FROM temp.browse_result WHERE card_id = ?", (card_id,)).fetchone()
        return None if row is None else int(row[0]) - 1

    @guarded
    def browse_widths(self, now_ms: int) -> dict[str, int]:
        """The longest text of each Browse column over every loaded card, in characters (at most:
        the state column fits the longest state word any card has), and under ``cards`` how many
        cards there are. A card's due time has a fixed width: ``due`` is 1 when some card has one."""
        stored = self.get_meta(TEXT_WIDTHS)
        text = json.loads(stored) if stored else {"question": 0, "id": 0, "tags": 0, "cards": 0}
        state, suspended, buried, leech, due, stability, lapses = self.conn.execute(
            "SELECT max(state), max(suspended != 0), max(coalesce(buried_until > ?, 0)), max(leech != 0), "
            "max(due IS NOT NULL), max(stability), max(lapses) FROM cards WHERE retired = 0",
            (now_ms,),
        ).fetchone()
        words = [
            *STATE_WORDS[: (state or 0) + 1],
            *["suspended"] * (suspended or 0),
            *["buried"] * (buried or 0),
        ]
        return {
            **{name: int(value) for name, value in text.items()},
            "state": max(map(len, words)) + len(", leech") * (leech or 0),
            "due": int(due or 0),
            "stability": 0 if stability is None else len(f"{stability:.1f}d"),
            "lapses": len(str(lapses or 0)),
        }
