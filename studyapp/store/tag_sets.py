"""Each card's tags as one value, ``cards.tag_set``, beside the ``card_tags`` rows they mirror.

Mastery per tag groups the cards by it, reading each card once in the covering index ``cards_mastery``,
instead of looking a card up once for each of its tags. Every write of a card's tags writes its
``tag_set`` with them, made here.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

#: ``cards.tag_set`` of a card without tags.
NO_TAGS = "[]"


def tag_set(tags: Iterable[str]) -> str:
    """A card's tags as ``cards.tag_set`` holds them: a JSON array, sorted."""
    return json.dumps(sorted(tags), ensure_ascii=False, separators=(",", ":"))


def tag_sets(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The ``tag_set`` of each card of ``(card_id, tag)`` pairs."""
    tags: dict[str, list[str]] = {}
    for card_id, tag in pairs:
        tags.setdefault(card_id, []).append(tag)
    return {card_id: tag_set(names) for card_id, names in tags.items()}


def write_tag_sets(conn: sqlite3.Connection, pairs: Iterable[tuple[str, str]]) -> None:
    """Set the ``tag_set`` of each card of ``(card_id, tag)`` pairs, its every tag among them (the other
    cards keep theirs)."""
    conn.executemany(
        "UPDATE cards SET tag_set = ? WHERE card_id = ?",
        [(names, card_id) for card_id, names in tag_sets(pairs).items()],
    )
