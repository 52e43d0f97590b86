"""Whole decks moved among the decks: their cards' deck positions (``ord``) shifted in SQL.

A card's ``ord`` is its deck's rank times ``studyapp.collection.DECK_ORD_STEP`` plus its index in the
deck, in ``cards`` and in ``card_text`` (where it is the rowid, so unique). A deck added before others,
or taken away, changes the rank of every deck after it: their cards are the same, only further on or
back. One ``UPDATE`` per such deck moves its rows, without reading or comparing its cards.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import NamedTuple


class OrdShift(NamedTuple):
    """The rows at deck positions ``first`` to ``first + size - 1``, moved by ``by``: a deck of ``size``
    cards kept as it was, at another rank."""

    first: int
    size: int
    by: int


def shift_ords(conn: sqlite3.Connection, table: str, shifts: Sequence[OrdShift], only: str = "") -> None:
    """Move the rows of ``table`` (``only``: an SQL condition they also meet) by each of ``shifts``.

    Each shift lands where no row is left, even when ``ord`` is unique: shifts all one way start with the
    deck furthest that way (each deck moves into the places the one after it just left); shifts both
    ways (decks that changed places) go through negative positions, which no row has."""
    if not shifts:
        return
    condition = f"ord >= ? AND ord < ?{f' AND {only}' if only else ''}"
    if all(shift.by > 0 for shift in shifts) or all(shift.by < 0 for shift in shifts):
        ordered = sorted(shifts, key=lambda shift: shift.first, reverse=shifts[0].by > 0)
        conn.executemany(
            f"UPDATE {table} SET ord = ord + ? WHERE {condition}",
            [(shift.by, shift.first, shift.first + shift.size) for shift in ordered],
        )
        return
    conn.executemany(
        f"UPDATE {table} SET ord = -1 - (ord + ?) WHERE {condition}",
        [(shift.by, shift.first, shift.first + shift.size) for shift in shifts],
    )
    conn.execute(f"UPDATE {table} SET ord = -1 - ord WHERE ord < 0")
