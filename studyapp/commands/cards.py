"""``studyapp cards``: list cards as a table or JSON."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from studyapp.commands import add_card_filters, check_filters, open_decks, parse_search
from studyapp.content import Library
from studyapp.math import plain_text
from studyapp.model import Card
from studyapp.store.text_index import one_line
from studyapp.table import shorten

if TYPE_CHECKING:
    from studyapp.collection import Collection
    from studyapp.search import Query


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "cards",
        help="list cards (id, deck, tags, study state, simulation, question)",
        description=(
            "List the cards of every loaded deck with their study state, optionally filtered by deck, tag or "
            "search. On a terminal each card takes one line: the question is shortened to fit, and on a "
            "narrow one the sim, deck, tags and due columns are left out in turn; piped, everything is "
            "printed in full. --json adds the answer, details, note (a correction or "
            "clarification of the author's words), simulation preset and headline answers, due time, "
            "stability, difficulty, reps and lapses."
        ),
    )
    add_card_filters(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON list of card objects")
    parser.set_defaults(handler=run)


#: Tags that name a study state rather than a tag written in a deck.
STATE_TAGS = ("leech",)


def select(
    library: Library, deck: str | None, tag: str | None, states: Mapping[str, Mapping[str, Any]] | None = None
) -> list[Card]:
    """The cards matching ``deck`` and ``tag`` (``leech``: the leeches in ``states``).

    An unknown deck or tag is a bad command line: ``UserError`` (status 2) listing the valid ones.
    """
    check_filters(library, deck, tag, STATE_TAGS)

    def tagged(card: Card) -> bool:
        if tag is None or tag in card.tags:
            return True
        return tag == "leech" and states is not None and bool(states.get(card.id, {}).get("leech"))

    chosen = library.cards if deck is None else library.deck_cards(deck)  # one deck: the others unread
    return [c for c in chosen if tagged(c)]


def card_json(card: Card) -> dict[str, Any]:
    """The JSON object for one card's content."""
    return {
        "id": card.id,
        "deck": card.deck,
        "question": card.question,
        "answer": card.answer,
        "details": card.details,
        "note": card.note,
        "note_kind": card.note_kind,
        "tags": list(card.tags),
        "sim": card.sim,
        "sim_params": dict(card.sim_params),
        "headline": list(card.headline),
        "multiple_choice": card.multiple_choice,
    }


STATE_FIELDS = (
    "state",
    "due",
    "stability",
    "difficulty",
    "reps",
    "lapses",
    "suspended",
    "buried_until",
    "leech",
)


#: The study state of a card the collection has not seen (the rest of ``STATE_FIELDS`` are ``None``).
UNSEEN = {"state": "new", "reps": 0, "lapses": 0, "suspended": False, "leech": False}


def shown_state(card: Mapping[str, Any], now: datetime) -> str:
    """The state column: ``suspended`` or ``buried`` when the card is out of the queue, else its state."""
    if card["suspended"]:
        return "suspended"
    buried_until = card["buried_until"]
    if buried_until is not None and datetime.fromisoformat(buried_until) > now:
        return "buried"
    return str(card["state"])


HEADERS = ("id", "deck", "tags", "state", "due", "sim", "question")
#: On a narrow terminal these columns are left out, first to last, until the question has room.
OPTIONAL = ("sim", "deck", "tags", "due")
#: The question's room on a terminal: at least this or a third of the width (its whole length if shorter).
MIN_QUESTION = 24
#: The narrowest the tags column gets before it is left out.
MIN_TAGS = 10


def clip(line: str, width: int) -> str:
    """``line`` cut to ``width`` characters, an ellipsis marking the cut."""
    return line if len(line) <= width else line[: max(width - 1, 0)] + "…"


def table_row(card: Mapping[str, Any], now: datetime) -> tuple[str, ...]:
    """The ``HEADERS`` columns of one card object (content and state), the question as plain text."""
    return (
        card["id"],
        card["deck"],
        ",".join(card["tags"]),
        shown_state(card, now),
        (card["due"] or "-")[:10],
        card["sim"] or "-",
        one_line(plain_text(card["question"])),  # formulas as Unicode, on one line, as SQL lists it
    )


def longest(rows: Sequence[Sequence[str]]) -> dict[str, int]:
    """The longest value of each column of ``rows`` (0 when there are none)."""
    return {h: max((len(row[i]) for row in rows), default=0) for i, h in enumerate(HEADERS)}


def fit(natural: Mapping[str, int], width: int) -> tuple[list[str], dict[str, int]]:
    """The columns to show within ``width`` and the width of each but the question (``natural``: each
    column's widest value, its header included): every column if the question keeps its room, else
    tags shortened, else the ``OPTIONAL`` columns left out in turn."""
    question = min(natural["question"], max(MIN_QUESTION, width // 3))
    for dropped in range(len(OPTIONAL) + 1):
        shown = [h for h in HEADERS if h not in OPTIONAL[:dropped]]
        widths = {h: natural[h] for h in shown if h != "question"}
        spare = width - question - 2 * (len(shown) - 1) - sum(widths.values())
        if "tags" in widths and spare < 0:
            widths["tags"] = max(widths["tags"] + spare, min(MIN_TAGS, natural["tags"]))
            spare = width - question - 2 * (len(shown) - 1) - sum(widths.values())
        if spare >= 0:
            break
    return shown, widths


def table_lines(
    lengths: Mapping[str, int], rows: Iterable[Sequence[str]], width: int | None
) -> tuple[list[str], Iterator[str]]:
    """The table's header lines, and its lines of ``rows`` (in ``HEADERS`` order; ``lengths``: each
    column's longest value), one per card. Within ``width`` columns the question is shortened with an
    ellipsis, after the tags and, on a narrow terminal, the ``OPTIONAL`` columns (see ``fit``); ``None``:
    every column in full."""
    natural = {h: max(len(h), lengths[h]) for h in HEADERS}
    if width is None:
        shown, widths = list(HEADERS), {h: natural[h] for h in HEADERS if h != "question"}
    else:
        shown, widths = fit(natural, width)
    fixed = sum(widths.values()) + 2 * (len(shown) - 1)
    widths["question"] = max(min(natural["question"], (width or sys.maxsize) - fixed), 10)
    columns = [(HEADERS.index(h), widths[h]) for h in shown]

    def line(cells: Sequence[str]) -> str:
        text = "  ".join(shorten(cells[i], w).ljust(w) for i, w in columns).rstrip()
        return text if width is None else clip(text, width)

    rule = "  ".join("-" * w for _i, w in columns)
    head = [line(HEADERS), rule if width is None else clip(rule, width)]
    return head, (line(row) for row in rows)


def table(objects: Sequence[Mapping[str, Any]], now: datetime, width: int | None) -> str:
    """The cards as a table, one line per card (see ``table_lines``)."""
    rows = [table_row(o, now) for o in objects]
    head, body = table_lines(longest(rows), rows, width)
    return "\n".join([*head, *body])


def print_lines(head: Sequence[str], body: Iterable[str], batch: int = 500) -> None:
    """Print the header at once, then the rest ``batch`` lines at a time."""
    print("\n".join(head), flush=True)
    chunk: list[str] = []
    for text in body:
        chunk.append(text)
        if len(chunk) == batch:
            print("\n".join(chunk))
            chunk = []
    if chunk:
        print("\n".join(chunk))


def run(args: argparse.Namespace) -> int:
    """Print the selected cards with their study state, as a table or JSON."""
    from studyapp.deck_json import collector_paused

    with collector_paused():  # one row and one object per card, all kept to the end
        return list_cards(args)


def list_cards(args: argparse.Namespace) -> int:
    """``run``'s work: read the cards, their states, and print them."""
    query = parse_search(args.search)
    now = datetime.now(UTC)
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    with open_decks(args.db, args.content, for_reading=True) as collection:
        check_filters(collection.library, args.deck, args.tag, STATE_TAGS)
        listing = None if args.json else collection.card_listing(query, now, deck=args.deck, tag=args.tag)
        if listing is not None:  # the table, read from SQL as it is printed: the first lines come at once
            print_lines(*table_lines(listing.widths(), listing.rows(), width))
            return 0
        objects = card_objects(collection, query, now, args.deck, args.tag)
    if args.json:
        print(json.dumps(objects, indent=2, ensure_ascii=False))
    else:
        print(table(objects, now, width))
    return 0


def card_objects(
    collection: Collection, query: Query | None, now: datetime, deck: str | None, tag: str | None
) -> list[dict[str, Any]]:
    """The JSON objects (content and study state) of the cards in ``deck`` with ``tag`` that ``query``
    matches at ``now``, in deck order, from the loaded decks."""
    leeches = {row["id"]: row for row in collection.cards_with_state()} if tag == "leech" else None
    matched = set(collection.search(query, now)) if query is not None else None
    cards = select(collection.library, deck, tag, leeches)
    if matched is not None:
        cards = [card for card in cards if card.id in matched]
    states = {row["id"]: row for row in collection.cards_with_state(ids=[card.id for card in cards])}
    unseen = dict.fromkeys(STATE_FIELDS) | UNSEEN  # a read-only collection may not know a new card yet
    return [{**card_json(c), **{k: states.get(c.id, unseen)[k] for k in STATE_FIELDS}} for c in cards]
