"""The decks' text in the collection, for searches and Browse in SQL.

``card_text`` holds one row per loaded card, in deck order (``ord``): its question on one line, its
sorted tags, and what free words and ``sim:`` match, in ``studyapp.search.searchable`` form (which
Browse also sorts by): each field, and the four that words match joined (``text_folded``), where a
word without wildcards is looked for in one test. It also holds what ``studyapp cards`` lists: the
question as plain text on one line (formulas as Unicode), the tags as written and the simulation, so
that the list is read a page at a time, after one query for its column widths (``listing_widths``,
``listing_page``). It is rewritten when the loaded decks' text changes
(``studyapp.collection.reconcile``), and ``TEXT_FINGERPRINT`` in ``meta`` names the library it holds,
so a reader can tell whether it is current.

One index (``card_text_search``) holds the id, the deck position and ``text_folded``, in that order: a
search for words in Browse's default order (by id) reads that narrow index alone, already sorted,
instead of every card's whole row. Every card in that order comes from the index of the id alone
(``card_text_by_id``), a fifth of the size. The question, sorted by less often, is not indexed.

Browse asks for one search's matches in one order (``fill_browse``): their deck positions (``ord``,
the rowid of ``card_text``) stay in a temporary table of this connection, so the rows that come into
view are read a page at a time (``browse_rows``) and a new keystroke costs one query whatever the
number of matches.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from studyapp.model import Card, CardState, StudyState, utc_ms
from studyapp.search import TEXT_SEPARATOR, Node, searchable
from studyapp.store.base import StoreBase, guarded
from studyapp.store.deck_order import OrdShift, shift_ords
from studyapp.store.search import Condition, SearchContext, compile_condition
from studyapp.store.statistics import ensure_pow

#: Meta key naming the library whose text ``card_text`` holds.
TEXT_FINGERPRINT = "text_fingerprint"
#: Meta key holding the longest question, id and tags of ``card_text``, its number of rows, and the longest
#: listed question and simulation (JSON).
TEXT_WIDTHS = "text_widths"
#: The columns of ``card_text``, in the order of a ``text_rows`` row.
_COLUMNS = (
    "ord, card_id, question, tags, sim_folded, question_folded, answer_folded, details_folded, id_folded, "
    "text_folded, listed_question, listed_tags, sim"
)
_INSERT = f"INSERT INTO card_text ({_COLUMNS}) VALUES ({', '.join('?' * 13)})"
#: A card's state word (``suspended``, ``buried``, else the study state) in SQL; its parameter is now
#: in epoch milliseconds.
SHOWN_STATE = (
    "(CASE WHEN c.suspended != 0 THEN 'suspended' WHEN coalesce(c.buried_until > ?, 0) THEN 'buried' "
    "WHEN c.state = 0 THEN 'new' WHEN c.state = 1 THEN 'learning' WHEN c.state = 2 THEN 'review' "
    "ELSE 'relearning' END)"
)
#: Browse's state word: ``SHOWN_STATE``, then ``, leech``.
STATE_WORD = f"({SHOWN_STATE} || CASE WHEN c.leech != 0 THEN ', leech' ELSE '' END)"
#: The columns ``studyapp cards`` lists, in SQL (``SHOWN_STATE`` takes now in epoch milliseconds): the
#: id, deck, tags as written, state, due day (UTC), simulation and question as plain text.
LISTED = {
    "id": "tx.card_id",
    "deck": "c.deck_id",
    "tags": "tx.listed_tags",
    "state": SHOWN_STATE,
    "due": "coalesce(date(c.due / 1000, 'unixepoch'), '-')",
    "sim": "coalesce(tx.sim, '-')",
    "question": "tx.listed_question",
}
_LISTED_FROM = "FROM card_text AS tx JOIN cards AS c ON c.card_id = tx.card_id AND c.retired = 0"
#: The words of the study states, by ``StudyState`` value.
STATE_WORDS = ("new", "learning", "review", "relearning")
#: Whether some card not retired shows each word of ``SHOWN_STATE`` (``:now`` in epoch milliseconds), and
#: whether one has a due day, each found in an index: the study queue's (the cards neither suspended nor
#: retired, by state, then due), the suspended cards' and the buried cards'. (Reading every card to
#: tell took 13 ms at 50,000 cards; these take a few pages each.)
_QUEUED = "SELECT 1 FROM cards INDEXED BY cards_queue_due WHERE suspended = 0 AND retired = 0"
_SUSPENDED = "SELECT 1 FROM cards INDEXED BY cards_suspended WHERE suspended != 0 AND retired = 0"
_SHOWN_WORDS = {
    "suspended": _SUSPENDED,
    "buried": "SELECT 1 FROM cards INDEXED BY cards_buried WHERE suspended = 0 AND retired = 0 "
    "AND buried_until > :now",
    **{
        word: f"{_QUEUED} AND state = {state} AND (buried_until IS NULL OR buried_until <= :now)"
        for state, word in enumerate(STATE_WORDS)
    },
}
_STATES = ", ".join(str(int(state)) for state in StudyState)
_DUE_SHOWN = (
    f"{_QUEUED} AND state IN ({_STATES}) AND due IS NOT NULL UNION ALL {_SUSPENDED} AND due IS NOT NULL"
)
#: The longest deck id of the cards not retired: of the decks loaded (reconciliation retires every other
#: deck, and the cards of every other deck) that have one.
_DECK_WIDTH = (
    "SELECT max(length(d.deck_id)) FROM decks AS d WHERE d.retired = 0 "
    "AND EXISTS (SELECT 1 FROM cards AS c WHERE c.deck_id = d.deck_id AND c.retired = 0)"
)
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
    "CREATE TEMP TABLE IF NOT EXISTS browse_result (pos INTEGER PRIMARY KEY, ord INTEGER NOT NULL)"
)


def one_line(text: str) -> str:
    """``text`` with every run of white space made one space."""
    return " ".join(text.split())


def text_rows_at(placed: Iterable[tuple[int, Card]]) -> Iterator[tuple[Any, ...]]:
    """The ``card_text`` row of each card at its deck position (``ord``)."""
    from studyapp.math import plain_text

    for ord_, card in placed:
        fields = [searchable(text) for text in (card.question, card.answer, card.details, card.id)]
        sim = None if card.sim is None else searchable(card.sim)
        row = (ord_, card.id, one_line(card.question), ",".join(sorted(card.tags)), sim, *fields)
        listed = (one_line(plain_text(card.question)), ",".join(card.tags), card.sim)
        yield (*row, TEXT_SEPARATOR.join(fields), *listed)


@dataclass(frozen=True)
class BrowseRecord:
    """One row of Browse: the card's id, question (as ``studyapp cards`` lists it: plain text on one line,
    formulas as Unicode), tags and study state."""

    card_id: str
    question: str
    tags: str
    state: CardState


class TextIndex(StoreBase):
    """The ``card_text`` table, and Browse's queries over it."""

    @guarded
    def write_text_index(
        self,
        rows: Iterable[Sequence[Any]],
        fingerprint: str,
        moved: Sequence[tuple[int, str]] = (),
        dropped: Iterable[str] | None = None,
        shifts: Sequence[OrdShift] = (),
    ) -> bool:
        """Write ``rows`` (``text_rows_at``) to ``card_text`` in place of every row, or, given ``dropped``,
        in place of the rows of the cards it names (the other rows stay as they are, or move by
        ``shifts``: whole decks at another rank), and record ``fingerprint``, together. The rows it
        holds now of the cards ``moved`` names (``(ord, card_id)``, dropped from where they are) come
        back at those deck positions. Returns ``False``, and changes nothing, when a moved card has no
        row."""
        with self.transaction() as conn:
            if moved and not self._copy_moved(conn, moved):
                return False
            if dropped is None:
                conn.execute("DELETE FROM card_text")
            else:
                conn.execute(
                    "DELETE FROM card_text WHERE card_id IN (SELECT value FROM json_each(?))",
                    (json.dumps(list(dropped)),),
                )
                shift_ords(conn, "card_text", shifts)  # into the places the dropped rows left
            if moved:
                conn.execute(f"INSERT INTO card_text ({_COLUMNS}) SELECT {_COLUMNS} FROM temp.text_moved")
                conn.execute("DROP TABLE temp.text_moved")
            conn.executemany(_INSERT, rows)
            conn.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [(TEXT_FINGERPRINT, fingerprint), (TEXT_WIDTHS, json.dumps(self._widths(conn)))],
            )
        return True

    @staticmethod
    def _widths(conn: sqlite3.Connection) -> dict[str, int]:
        """The longest question, id, tags, listed question and simulation of ``card_text``, and its rows."""
        cards, question, card_id, tags, listed, sim = conn.execute(
            "SELECT count(*), max(length(question)), max(length(card_id)), max(length(tags)), "
            "max(length(listed_question)), max(length(coalesce(sim, '-'))) FROM card_text"
        ).fetchone()
        widths = {"question": question, "id": card_id, "tags": tags, "cards": cards}
        widths.update(listed_question=listed, sim=sim)
        return {name: int(width or 0) for name, width in widths.items()}

    @staticmethod
    def _copy_moved(conn: sqlite3.Connection, moved: Sequence[tuple[int, str]]) -> bool:
        """Copy the rows of the ``moved`` cards to ``temp.text_moved``, each at its new deck position;
        ``False`` (and nothing copied) when one has no row."""
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS text_placed (ord INTEGER PRIMARY KEY, card_id TEXT NOT NULL)"
        )
        conn.execute("DELETE FROM temp.text_placed")
        conn.executemany("INSERT INTO temp.text_placed (ord, card_id) VALUES (?, ?)", moved)
        (found,) = conn.execute(
            "SELECT count(*) FROM temp.text_placed AS p JOIN card_text AS t ON t.card_id = p.card_id"
        ).fetchone()
        if found == len(moved):
            conn.execute("DROP TABLE IF EXISTS temp.text_moved")
            others = ", ".join(f"t.{column}" for column in _COLUMNS.split(", ")[1:])
            conn.execute(
                f"CREATE TEMP TABLE text_moved AS SELECT p.ord AS ord, {others} FROM temp.text_placed AS p "
                "JOIN card_text AS t ON t.card_id = p.card_id"
            )
        conn.execute("DELETE FROM temp.text_placed")
        return found == len(moved)

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
            f"INSERT INTO temp.browse_result (ord) SELECT tx.ord FROM card_text AS tx {join} "
            f"WHERE {condition.where} ORDER BY {key}, tx.ord",
            params,
        )
        return int(cursor.rowcount)

    @guarded
    def browse_rows(self, start: int, count: int) -> list[BrowseRecord]:
        """Rows ``start`` to ``start + count - 1`` (from 0) of the last ``fill_browse``."""
        rows = self.conn.execute(
            "SELECT tx.card_id, tx.listed_question, tx.tags, "
            f"{', '.join(f'c.{c}' for c in CardState.COLUMNS)} "
            "FROM temp.browse_result AS r JOIN card_text AS tx ON tx.ord = r.ord "
            "JOIN cards AS c ON c.card_id = tx.card_id WHERE r.pos > ? AND r.pos <= ? ORDER BY r.pos",
            (start, start + count),
        )
        return [
            BrowseRecord(card_id, question, tags, CardState.from_row(state))
            for card_id, question, tags, *state in rows
        ]

    @guarded
    def browse_position(self, card_id: str) -> int | None:
        """Where ``card_id`` is (from 0) in the last ``fill_browse``, if it is there."""
        row = self.conn.execute(
            "SELECT pos FROM temp.browse_result WHERE ord = (SELECT ord FROM card_text WHERE card_id = ?)",
            (card_id,),
        ).fetchone()
        return None if row is None else int(row[0]) - 1

    @guarded
    def cards_per_sim(self) -> dict[str, int]:
        """How many cards of ``card_text`` link to each simulation, by its name."""
        rows = self.conn.execute("SELECT sim, count(*) FROM card_text WHERE sim IS NOT NULL GROUP BY sim")
        return {str(sim): int(count) for sim, count in rows}

    @guarded
    def browse_widths(self, now_ms: int) -> dict[str, int]:
        """The longest text of each Browse column over every loaded card, in characters (at most:
        the state column fits the longest state word any card has), and under ``cards`` how many
        cards there are. A card's due time has a fixed width: ``due`` is 1 when some card has one."""
        stored = self.get_meta(TEXT_WIDTHS)
        text = json.loads(stored) if stored else {"question": 0, "id": 0, "tags": 0, "cards": 0}
        # Each flag is one lookup in a partial index (a suspended card's word is "suspended", whatever
        # its state), and the largest stability and lapses are read from the end of their indexes.
        state, suspended, buried, leech, due, stability, lapses = self.conn.execute(
            "SELECT (SELECT max(state) FROM cards WHERE suspended = 0 AND retired = 0), "
            "EXISTS (SELECT 1 FROM cards WHERE suspended != 0 AND retired = 0), "
            "EXISTS (SELECT 1 FROM cards WHERE buried_until > ? AND suspended = 0 AND retired = 0), "
            "EXISTS (SELECT 1 FROM cards WHERE leech != 0 AND retired = 0), "
            "EXISTS (SELECT 1 FROM cards WHERE due IS NOT NULL AND retired = 0), "
            "(SELECT max(stability) FROM cards WHERE retired = 0), "
            "(SELECT max(lapses) FROM cards WHERE retired = 0)",
            (now_ms,),
        ).fetchone()
        words = [
            *STATE_WORDS[: (state or 0) + 1],
            *["suspended"] * (suspended or 0),
            *["buried"] * (buried or 0),
        ]
        return {
            **{name: int(value) for name, value in text.items()},
            "question": int(text.get("listed_question", text["question"])),  # the question as it is shown
            "state": max(map(len, words)) + len(", leech") * (leech or 0),
            "due": int(due or 0),
            "stability": 0 if stability is None else len(f"{stability:.1f}d"),
            "lapses": len(str(lapses or 0)),
        }

    @guarded
    def listing_widths(self, condition: Condition, now_ms: int) -> dict[str, int]:
        """The longest value of each ``LISTED`` column over the cards ``condition`` keeps (0 when none);
        for every card (``"1"``), from the widths measured as the text was written. ``card_text`` must
        hold the loaded decks."""
        if condition.where == "1":  # every card: their text was measured as it was written
            stored = json.loads(self.get_meta(TEXT_WIDTHS) or "{}")
            if "listed_question" in stored:
                return self._listing_widths_of_all(stored, now_ms)
        lengths = ", ".join(f"coalesce(max(length({column})), 0)" for column in LISTED.values())
        if "pow(" in condition.where:
            ensure_pow(self.conn)
        row = self.conn.execute(
            f"SELECT {lengths} {_LISTED_FROM} WHERE {condition.where}", [now_ms, *condition.params]
        ).fetchone()
        return dict(zip(LISTED, map(int, row), strict=True))

    def _listing_widths_of_all(self, stored: dict[str, int], now_ms: int) -> dict[str, int]:
        """The widths of every card's columns: the text's as measured when it was written, the others
        found in indexes (``_SHOWN_WORDS``, ``_DUE_SHOWN``, ``_DECK_WIDTH``), not by reading every card."""
        shown = ", ".join(f"EXISTS ({sql})" for sql in _SHOWN_WORDS.values())
        deck, due, *words = self.conn.execute(
            f"SELECT ({_DECK_WIDTH}), EXISTS ({_DUE_SHOWN}), {shown}", {"now": now_ms}
        ).fetchone()
        state = max((len(word) for word, found in zip(_SHOWN_WORDS, words, strict=True) if found), default=0)
        return {
            "id": stored["id"],
            "deck": deck or 0,
            "tags": stored["tags"],
            "state": state,
            "due": 10 if due else (1 if stored["cards"] else 0),
            "sim": stored["sim"],
            "question": stored["listed_question"],
        }

    @guarded
    def listing_page(
        self, condition: Condition, now_ms: int, after: int, limit: int
    ) -> list[tuple[Any, ...]]:
        """Up to ``limit`` rows of the cards ``condition`` keeps after deck position ``after`` (-1: from
        the first), in deck order: each is its position, then the ``LISTED`` columns."""
        if "pow(" in condition.where:
            ensure_pow(self.conn)
        rows = self.conn.execute(
            f"SELECT tx.ord, {', '.join(LISTED.values())} {_LISTED_FROM} "
            f"WHERE tx.ord > ? AND ({condition.where}) ORDER BY tx.ord LIMIT ?",
            [now_ms, after, *condition.params, limit],
        )
        return rows.fetchall()
