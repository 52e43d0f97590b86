"""Each deck's part of the library's fingerprints (``studyapp.collection.Fingerprints``), kept by deck.

A deck's parts are two digests: of what reconciliation stores of its cards (ids, deck, places, tags),
and of their text. Each is the digest of the JSON list of its cards' values, kept without the list's
closing ``]`` (``RunningDigest``), so that a deck that grew from a kept one (cards added to its file:
``grew_from``) is digested by going on with its new cards alone. Decks are immutable, so a deck's
parts are made once; the deck cache keeps them with the decks (``DeckParts.values``), and a deck read
from it has them at once (``remember``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from studyapp.model import Deck, RunningDigest, grew_from


class DeckParts(NamedTuple):
    """A deck's parts: the digests of its cards' stored values and of their text, each of the JSON list
    of them without its closing ``]``."""

    deck: Deck
    stored: RunningDigest
    text: RunningDigest

    def digests(self) -> tuple[str, str]:
        """The two digests of the whole lists."""
        return self.stored.add(b"]").hex(), self.text.add(b"]").hex()

    def values(self) -> list[int]:
        """The parts as six numbers, for the deck cache (``remember`` takes them back)."""
        return [*self.stored, *self.text]


#: The parts of the decks digested lately (or read from the deck cache), by the deck. The deck is held,
#: so that its ``id`` is not another's while it is kept.
_KEPT: dict[int, DeckParts] = {}
_KEPT_AT_MOST = 256


def deck_parts(deck: Deck) -> DeckParts:
    """``deck``'s parts: kept, else made (from the kept parts of the deck it grew from, if any)."""
    kept = known_parts(deck)
    if kept is not None:
        return kept
    earlier = next((parts for parts in _KEPT.values() if grew_from(parts.deck, deck)), None)
    new = deck.cards[len(earlier.deck.cards) :] if earlier is not None else deck.cards
    stored = [(card.id, card.deck, card.position, sorted(card.tags)) for card in new]
    text = [(c.id, c.question, c.answer, c.details, c.sim, c.tags) for c in new]
    parts = DeckParts(
        deck,
        _listed(earlier.stored if earlier is not None else None, stored),
        _listed(earlier.text if earlier is not None else None, text),
    )
    _keep(parts)
    return parts


def known_parts(deck: Deck) -> DeckParts | None:
    """``deck``'s parts if they are kept, without making them."""
    kept = _KEPT.get(id(deck))
    return kept if kept is not None and kept.deck is deck else None


def remember(deck: Deck, values: Sequence[int]) -> None:
    """Keep ``values`` (``DeckParts.values`` of a deck equal to ``deck``) as ``deck``'s parts."""
    if known_parts(deck) is None and len(values) == 6:
        _keep(DeckParts(deck, RunningDigest(*values[:3]), RunningDigest(*values[3:])))


def _keep(parts: DeckParts) -> None:
    if len(_KEPT) >= _KEPT_AT_MOST:
        _KEPT.clear()
    _KEPT[id(parts.deck)] = parts


def _listed(before: RunningDigest | None, items: list[Any]) -> RunningDigest:
    """The digest of the JSON list of ``items`` without its closing ``]``, or of the list ``before`` is the
    digest of with ``items`` after its own."""
    listed = json.dumps(items)[1:-1]
    if before is None:
        return RunningDigest().add(f"[{listed}".encode())
    return before.add(f", {listed}".encode()) if listed else before
