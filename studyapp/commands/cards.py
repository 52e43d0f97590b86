"""``studyapp cards``: list cards as a table or JSON."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from studyapp.commands import add_card_filters, check_filters, open_decks, parse_search
from studyapp.content import Library
from studyapp.math import plain_text
from studyapp.model import Card
from studyapp.table import format_table, shorten


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

    from studyapp.deck_cache import deck_cards

    chosen = library.cards if deck is None else deck_cards(library, deck)  # one deck: the others unread
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


def fit(rows: Sequence[Mapping[str, str]], width: int) -> tuple[list[str], dict[str, int]]:
    """The columns to show within ``width`` and the width of each but the question: every column if the
    question keeps its room, else tags shortened, else the ``OPTIONAL`` columns left out in turn."""
    natural = {h: max([len(h), *(len(row[h]) for row in rows)]) for h in HEADERS}
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


def table(objects: Sequence[Mapping[str, Any]], now: datetime, width: int | None) -> str:
    """The cards as a table, one line per card. Within ``width`` columns the question is shortened with an
    ellipsis, after the tags and, on a narrow terminal, the ``OPTIONAL`` columns (see ``fit``);
    ``None``: every column in full."""
    rows = [
        {
            "id": o["id"],
            "deck": o["deck"],
            "tags": ",".join(o["tags"]),
            "state": shown_state(o, now),
            "due": (o["due"] or "-")[:10],
            "sim": o["sim"] or "-",
            "question": plain_text(o["question"]),  # formulas as Unicode, on one line
        }
        for o in objects
    ]
    if width is None:
        return format_table(HEADERS, [[row[h] for h in HEADERS] for row in rows], width=sys.maxsize)
    shown, widths = fit(rows, width)
    cells = [[shorten(row[h], widths[h]) if h in widths else row[h] for h in shown] for row in rows]
    return "\n".join(clip(line, width) for line in format_table(shown, cells, width=width).splitlines())


def run(args: argparse.Namespace) -> int:
    """Print the selected cards with their study state, as a table or JSON."""
    from studyapp.deck_json import collector_paused

    with collector_paused():  # one row and one object per card, all kept to the end
        return list_cards(args)


def list_cards(args: argparse.Namespace) -> int:
    """``run``'s work: read the cards, their states, and print them."""
    query = parse_search(args.search)
    now = datetime.now(UTC)
    with open_decks(args.db, args.content, for_reading=True) as collection:
        library = collection.library
        check_filters(library, args.deck, args.tag, STATE_TAGS)
        leeches = {row["id"]: row for row in collection.cards_with_state()} if args.tag == "leech" else None
        matched = set(collection.search(query, now)) if query is not None else None
        cards = select(library, args.deck, args.tag, leeches)
        if matched is not None:
            cards = [card for card in cards if card.id in matched]
        states = {row["id"]: row for row in collection.cards_with_state(ids=[card.id for card in cards])}
    objects = [{**card_json(c), **{k: states[c.id][k] for k in STATE_FIELDS}} for c in cards]
    if args.json:
        print(json.dumps(objects, indent=2, ensure_ascii=False))
        return 0
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    print(table(objects, now, width))
    return 0
