"""Decks as JSON, generically over the fields of ``Card``, ``Deck`` and ``Problem`` (for the deck cache).

Each field is written as JSON and read back by its annotated type (tuples, paths, mappings, optional
values), so a field added to a dataclass needs no code here; a type it cannot store raises
``Unsupported``. A value every card of a deck shares is stored once, with the deck. Cards come back
the way ``pickle`` restores an object, their attributes set without running ``__init__`` (unless the
class has a ``__post_init__``): making tens of thousands of cards is the cost of reading a big library.
"""

from __future__ import annotations

import gc
import json
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from studyapp.model import Card, Deck, Problem


def schema_fingerprint() -> str:
    """The fields of the cached dataclasses, by name and annotated type."""
    return ";".join(
        f"{cls.__name__}(" + ",".join(f"{f.name}:{f.type}" for f in fields(cls)) + ")"
        for cls in (Card, Deck, Problem)
    )


Decoder = Callable[[Any], Any]


class Unsupported(TypeError):
    """A field whose annotated type the cache cannot store: such libraries are not cached."""


#: Types whose values are their own JSON (exactly these types: a subclass takes the general way).
_PLAIN = frozenset({str, int, float, bool, type(None)})


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:  # most values: checked first, by their exact type
        return value
    if kind is tuple:
        return [_encode(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _encode(item) for key, item in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise Unsupported(f"cannot cache a value of type {type(value).__name__}")


def _decoder(hint: Any) -> Decoder | None:
    """How to turn the JSON of a value annotated ``hint`` back into it (``None``: as it is)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Path:
        return Path
    if origin in (typing.Union, types.UnionType):
        inner = [arg for arg in args if arg is not type(None)]
        decode = _decoder(inner[0]) if len(inner) == 1 else None
        if len(inner) != 1 or decode is None:
            if any(_decoder(arg) is not None for arg in inner):
                raise Unsupported(f"cannot cache a value of type {hint}")
            return None
        return lambda value: None if value is None else decode(value)
    if origin is tuple:
        item = _decoder(args[0]) if args else None
        return tuple if item is None else lambda value: tuple(item(v) for v in value)
    if origin in (dict, Mapping) or hint in (str, int, float, bool, Any, type(None)):
        return None
    raise Unsupported(f"cannot cache a value of type {hint}")


class _Codec:
    """One dataclass's fields as a JSON list and back (``skip``: fields handled by the caller)."""

    def __init__(self, cls: type, skip: tuple[str, ...] = ()) -> None:
        hints = typing.get_type_hints(cls)
        self.cls = cls
        self.names = [f.name for f in fields(cls) if f.name not in skip]
        self.decoders = {
            name: decoder for name in self.names if (decoder := _decoder(hints[name])) is not None
        }
        self.factories = {f.name for f in fields(cls) if f.default_factory is not MISSING}
        self.restore_state = "__post_init__" not in vars(cls) and hasattr(cls, "__dict__")

    def encode(self, item: Any) -> list[Any]:
        plain, values = _PLAIN, (getattr(item, name) for name in self.names)
        return [value if type(value) in plain else _encode(value) for value in values]

    def decode(self, values: Sequence[Any], **extra: Any) -> Any:
        state = dict(zip(self.names, values, strict=True))
        for name, decoder in self.decoders.items():
            state[name] = decoder(state[name])
        return self.cls(**state, **extra)


_codecs: dict[tuple[type, tuple[str, ...]], _Codec] = {}


def codec(cls: type, skip: tuple[str, ...] = ()) -> _Codec:
    """The codec of dataclass ``cls`` (``skip``: fields its caller handles)."""
    if (cls, skip) not in _codecs:
        _codecs[cls, skip] = _Codec(cls, skip)
    return _codecs[cls, skip]


def _encoded_column(values: list[Any]) -> list[Any]:
    """One field's values over a deck's cards as JSON values (most columns hold plain values only)."""
    if set(map(type, values)) <= _PLAIN:
        return values
    return [_encode(value) for value in values]


def _encode_deck(deck: Deck) -> dict[str, Any]:
    """A deck's own fields, the card values every card shares, and each card's other values.

    The cards are read a field at a time, and a field's values are checked together: 0.37 s for 50,000
    cards, where reading them a card at a time took 1.29 s (the callers pause the collector, too).
    """
    names, cards = codec(Card).names, deck.cards
    own = codec(Deck, ("cards",)).encode(deck)
    if not cards:
        return {"deck": own, "shared": {}, "varying": list(names), "cards": []}
    columns = [_encoded_column([getattr(card, name) for card in cards]) for name in names]
    shared = {
        name: column[0]
        for name, column in zip(names, columns, strict=True)
        if column.count(column[0]) == len(column)  # each value == the first (and the first itself)
    }
    varying = [column for name, column in zip(names, columns, strict=True) if name not in shared]
    return {
        "deck": own,
        "shared": shared,
        "varying": [name for name in names if name not in shared],
        "cards": [list(row) for row in zip(*varying, strict=True)] if varying else [[] for _card in cards],
    }


class _DeckCards:
    """The cards of one encoded deck (``_encode_deck``'s dict), made from its rows."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        card = codec(Card)
        self.decoders = card.decoders
        self.shared = {
            name: card.decoders[name](v) if name in card.decoders else v for name, v in data["shared"].items()
        }
        # A default_factory value is each card's own.
        self.fresh = [name for name in card.factories if name in self.shared]
        self.varying: list[str] = data["varying"]
        self.rows: list[list[Any]] = data["cards"]
        self.make = _restored if card.restore_state else lambda state: Card(**state)

    def cards(self, rows: Iterable[Sequence[Any]]) -> list[Card]:
        """The cards of ``rows`` (the hot loop of a big library: kept to dictionary operations)."""
        shared, varying, fresh = self.shared, self.varying, self.fresh
        decoders = [(name, self.decoders[name]) for name in varying if name in self.decoders]
        states = []
        for row in rows:
            state = shared.copy()
            state.update(zip(varying, row, strict=True))
            for name, decoder in decoders:
                state[name] = decoder(state[name])
            for name in fresh:
                state[name] = state[name].copy()
            states.append(state)
        return list(map(self.make, states))

    def where(self, wanted: CardsWith) -> list[Card]:
        """The cards ``wanted`` keeps; the others are never made. A value every card shares is looked at
        once for the whole deck, and each card's own values one column at a time."""
        shared = self.shared
        if any(shared.get(name) for name in wanted.fields) or any(
            name in shared and shared[name] in allowed for name, allowed in wanted.values.items()
        ):
            return self.cards(self.rows)
        rows, kept = self.rows, set[int]()
        for at, name in enumerate(self.varying):
            decode = self.decoders.get(name)
            column = (row[at] for row in rows) if decode is None else (decode(row[at]) for row in rows)
            if name in wanted.fields:
                kept.update(number for number, value in enumerate(column) if value)
            elif name in wanted.values:
                allowed = wanted.values[name]
                kept.update(number for number, value in enumerate(column) if value in allowed)
        return self.cards([rows[number] for number in sorted(kept)])


@dataclass(frozen=True)
class CardsWith:
    """Which cards to make of a deck: those that set any of ``fields`` (to a true value: a text, a
    non-empty tuple...), and those whose field ``name`` has one of the values ``values[name]`` (a field
    of hashable values: an id, a simulation's name...)."""

    fields: tuple[str, ...] = ()
    values: Mapping[str, frozenset[Any]] = field(default_factory=dict)

    def keeps(self, card: Card) -> bool:
        """Whether ``card`` is one of them."""
        return any(getattr(card, name) for name in self.fields) or any(
            getattr(card, name) in allowed for name, allowed in self.values.items()
        )


#: A deck's card with a given id, if it has one.
CardLookup = Callable[[str], Card | None]


def _decode_deck(data: Mapping[str, Any]) -> Deck:
    cards = _DeckCards(data)
    return codec(Deck, ("cards",)).decode(data["deck"], cards=tuple(cards.cards(cards.rows)))


def _restored(state: dict[str, Any]) -> Card:
    """A card with ``state`` as its attributes, made as ``pickle`` makes one (``__init__`` not run)."""
    card: Card = object.__new__(Card)
    object.__setattr__(card, "__dict__", state)
    return card


def encode_decks(decks: Sequence[Deck]) -> str:
    """The decks as JSON text (``decode_decks`` reads it; the collector paused, as there)."""
    with collector_paused():
        return json.dumps([_encode_deck(deck) for deck in decks], ensure_ascii=False, separators=(",", ":"))


def encode_deck(deck: Deck) -> str:
    """One deck as JSON text: an item of ``encode_decks``' list (``decode_deck`` reads it)."""
    with collector_paused():
        return json.dumps(_encode_deck(deck), ensure_ascii=False, separators=(",", ":"))


def encode_grown_deck(text: str, deck: Deck, kept: int) -> str | None:
    """``encode_deck(deck)`` made from ``text``, the ``encode_deck`` of a deck whose cards were the first
    ``kept`` of ``deck``'s (cards were added to its file): the other cards' rows are appended, each checked
    to come back equal to itself. ``None`` when a new card does not share a value the text shares (only
    encoding the whole deck tells then). Only the deck's own fields and the card values the text shares
    are read from it: the rows already there are copied as text (a big deck is neither read nor written
    again as JSON for one card)."""
    layout = _grown_layout(text)
    if layout is None or len(deck.cards) <= kept:
        return None
    own_end, shared, varying = layout
    cards, deck_codec = codec(Card), codec(Deck, ("cards",))
    at = {name: i for i, name in enumerate(cards.names)}
    rows = []
    for card in deck.cards[kept:]:
        values = cards.encode(card)
        if any(values[at[name]] != value for name, value in shared.items()):
            return None
        rows.append([values[at[name]] for name in varying])
    own = deck_codec.encode(deck)
    new_cards_back = _DeckCards({"shared": shared, "varying": varying, "cards": rows}).cards(rows)
    deck_back = deck_codec.decode(own, cards=())
    if new_cards_back != list(deck.cards[kept:]) or deck_back != replace(deck, cards=()):
        return None
    return f'{{"deck":{_compact(own)}{text[own_end:-2]},{_compact(rows)[1:-1]}]}}'


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _grown_layout(text: str) -> tuple[int, dict[str, Any], list[str]] | None:
    """Where the deck's own fields end in ``encode_deck``'s ``text``, and the card values it shares and the
    names of those it varies, read without reading its rows; ``None`` if ``text`` is not laid out as
    ``encode_deck`` writes a deck with cards."""
    decoder = json.JSONDecoder()
    try:
        if not text.startswith('{"deck":'):
            return None
        own_end = decoder.raw_decode(text, len('{"deck":'))[1]
        if not text.startswith(',"shared":', own_end):
            return None
        shared, end = decoder.raw_decode(text, own_end + len(',"shared":'))
        if not text.startswith(',"varying":', end):
            return None
        varying, end = decoder.raw_decode(text, end + len(',"varying":'))
    except json.JSONDecodeError:
        return None
    if not (text.startswith(',"cards":[[', end) and text.endswith("]]}")):
        return None
    return own_end, shared, varying


def decode_decks(text: str) -> list[Deck]:
    """The decks that ``encode_decks`` wrote (the collector paused: it would walk the new cards again
    and again while they are made)."""
    with collector_paused():
        return [_decode_deck(deck) for deck in json.loads(text)]


def decode_deck(text: str) -> Deck:
    """One deck of the list ``encode_decks`` wrote, given as its own JSON text."""
    with collector_paused():
        return _decode_deck(json.loads(text))


def card_lookup(text: str) -> CardLookup:
    """The cards of one deck, given as its own JSON text (``encode_deck``), by id: the text is read at once,
    and a card is made only when it is looked up (a study session shows a few cards of a big deck)."""
    cards = _DeckCards(json.loads(text))
    if "id" in cards.varying:
        at = cards.varying.index("id")
        rows = {row[at]: row for row in cards.rows}
    else:  # ids are unique: one card, or none
        rows = {cards.shared["id"]: cards.rows[0]} if cards.rows else {}

    def lookup(card_id: str) -> Card | None:
        row = rows.get(card_id)
        return None if row is None else cards.cards([row])[0]

    return lookup


def decode_cards_where(text: str, wanted: CardsWith) -> list[Card]:
    """The cards ``wanted`` keeps of the decks ``encode_decks`` wrote (or of one deck, given as its own
    JSON text): the others are never made."""
    data = json.loads(text)
    with collector_paused():
        decks = data if isinstance(data, list) else [data]
        return [card for deck in decks for card in _DeckCards(deck).where(wanted)]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while many lasting objects are made (cards, their rows):
    each collection would walk all of them again. Reference counting still frees what is dropped."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
