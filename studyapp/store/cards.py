"""Cards: their records and study states, and reconciling them with the decks on disk."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from studyapp.model import CardRecord, CardState
from studyapp.store.base import LIBRARY_FINGERPRINT, StoreBase, guarded
from studyapp.store.deck_order import OrdShift, shift_ords
from studyapp.store.tag_sets import tag_set

STATE_COLUMNS = ", ".join(CardState.COLUMNS)
_SET_STATE = ", ".join(f"{column} = ?" for column in CardState.COLUMNS)
_RECORD = f"SELECT card_id, deck_id, position, ord, retired, {STATE_COLUMNS} FROM cards"


def _record(row: Sequence[Any], tags: Sequence[str]) -> CardRecord:
    card_id, deck_id, position, ord_, retired, *state = row
    return CardRecord(card_id, deck_id, position, ord_, tuple(tags), bool(retired), CardState.from_row(state))


class CardStore(StoreBase):
    """The ``cards``, ``card_tags`` and ``decks`` tables."""

    @guarded
    def card(self, card_id: str) -> CardRecord | None:
        """One card's record, or ``None`` if the collection has never seen it."""
        row = self.conn.execute(f"{_RECORD} WHERE card_id = ?", (card_id,)).fetchone()
        if row is None:
            return None
        tags = self.conn.execute("SELECT tag FROM card_tags WHERE card_id = ? ORDER BY tag", (card_id,))
        return _record(row, [tag for (tag,) in tags])

    @guarded
    def card_ids(self) -> set[str]:
        """The id of every card the collection knows, retired ones included."""
        return {card_id for (card_id,) in self.conn.execute("SELECT card_id FROM cards")}

    @guarded
    def retired_card_ids(self) -> set[str]:
        """The ids of the cards that left every deck but keep their history."""
        return {card_id for (card_id,) in self.conn.execute("SELECT card_id FROM cards WHERE retired != 0")}

    @guarded
    def card_state(self, card_id: str) -> CardState:
        """A card's study state; ``KeyError`` for an unknown card."""
        row = self.conn.execute(f"SELECT {STATE_COLUMNS} FROM cards WHERE card_id = ?", (card_id,)).fetchone()
        if row is None:
            raise KeyError(card_id)
        return CardState.from_row(row)

    @guarded
    def cards(self, include_retired: bool = True) -> list[CardRecord]:
        """Every card in deck order (retired ones too unless ``include_retired`` is false)."""
        tags: dict[str, list[str]] = {}
        for card_id, tag in self.conn.execute("SELECT card_id, tag FROM card_tags ORDER BY card_id, tag"):
            tags.setdefault(card_id, []).append(tag)
        where = "" if include_retired else "WHERE retired = 0"
        rows = self.conn.execute(f"{_RECORD} {where} ORDER BY ord").fetchall()
        return [_record(row, tags.get(row[0], ())) for row in rows]

    @guarded
    def set_state(self, card_id: str, state: CardState) -> None:
        """Overwrite a card's study state (bury, suspend, undo)."""
        with self.transaction():
            cursor = self.conn.execute(
                f"UPDATE cards SET {_SET_STATE} WHERE card_id = ?", (*state.to_row(), card_id)
            )
            if cursor.rowcount != 1:
                raise KeyError(card_id)

    # -- content sync ----------------------------------------------------------------------------

    @guarded
    def card_index(
        self, card_ids: Iterable[str] | None = None
    ) -> dict[str, tuple[str, int, int, bool, frozenset[str]]]:
        """``card_id -> (deck_id, position, ord, retired, tags)`` for every card (or those of ``card_ids``
        the collection has), to reconcile with decks."""
        where, params = "", []
        if card_ids is not None:
            where = " WHERE card_id IN (SELECT value FROM json_each(?))"
            params = [json.dumps(sorted(card_ids))]
        tags: dict[str, set[str]] = {}
        for card_id, tag in self.conn.execute(f"SELECT card_id, tag FROM card_tags{where}", params):
            tags.setdefault(card_id, set()).add(tag)
        return {
            card_id: (deck_id, position, ord_, bool(retired), frozenset(tags.get(card_id, ())))
            for card_id, deck_id, position, ord_, retired in self.conn.execute(
                f"SELECT card_id, deck_id, position, ord, retired FROM cards{where}", params
            )
        }

    @guarded
    def apply_sync(
        self,
        *,
        decks: Sequence[tuple[str, str]],
        insert: Sequence[tuple[str, str, int, int]],
        update: Sequence[tuple[str, str, int, int]],
        retire: Sequence[str],
        tags: Mapping[str, frozenset[str]],
        fingerprint: str,
        shifts: Sequence[OrdShift] = (),
    ) -> None:
        """Write one reconciliation: decks ``(id, title)`` in order; whole decks at another rank
        (``shifts`` of their cards' ``ord``); new and changed cards as ``(card_id, deck_id, position,
        ord)`` (changed ones come back if retired); cards to retire; new tag sets."""
        with self.transaction() as conn:
            shift_ords(conn, "cards", shifts, only="retired = 0")  # before cards take the places left
            conn.execute("UPDATE decks SET retired = 1")
            conn.executemany(
                "INSERT INTO decks (deck_id, title, rank, retired) VALUES (?, ?, ?, 0) ON CONFLICT (deck_id) "
                "DO UPDATE SET title = excluded.title, rank = excluded.rank, retired = 0",
                [(deck_id, title, rank) for rank, (deck_id, title) in enumerate(decks)],
            )
            conn.executemany(
                "INSERT INTO cards (card_id, deck_id, position, ord, tag_set) VALUES (?, ?, ?, ?, ?)",
                [(*row, tag_set(tags.get(row[0], ()))) for row in insert],
            )
            conn.executemany(
                "UPDATE cards SET deck_id = ?, position = ?, ord = ?, retired = 0 WHERE card_id = ?",
                [(deck_id, position, ord_, card_id) for card_id, deck_id, position, ord_ in update],
            )
            conn.executemany("UPDATE cards SET retired = 1 WHERE card_id = ?", [(c,) for c in retire])
            conn.executemany("DELETE FROM card_tags WHERE card_id = ?", [(c,) for c in tags])
            conn.executemany(
                "INSERT INTO card_tags (card_id, tag) VALUES (?, ?)",
                [(card_id, tag) for card_id, names in tags.items() for tag in sorted(names)],
            )
            inserted = {row[0] for row in insert}
            conn.executemany(
                "UPDATE cards SET tag_set = ? WHERE card_id = ?",
                [(tag_set(names), card_id) for card_id, names in tags.items() if card_id not in inserted],
            )
            self.set_meta(LIBRARY_FINGERPRINT, fingerprint)
