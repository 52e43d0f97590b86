"""``studyapp cards``: list cards as a table or JSON."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from studyapp.commands import add_card_filters, check_filters, load_decks
from studyapp.content import Library
from studyapp.model import Card
from studyapp.table import format_table


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "cards",
        help="list cards (id, deck, tags, study state, simulation, question)",
        description=(
            "List the cards of every loaded deck with their study state, optionally filtered by deck or tag. "
            "--json adds the answer, details, note (a correction or clarification of the author's words), "
            "simulation preset and headline answers, due time, stability, difficulty, reps and lapses."
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

    return [c for c in library.cards if (deck is None or c.deck == deck) and tagged(c)]


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


def run(args: argparse.Namespace) -> int:
    """Print the selected cards with their study state, as a table or JSON."""
    from studyapp.collection import open_collection

    library = load_decks(args.content)
    check_filters(library, args.deck, args.tag, STATE_TAGS)
    with open_collection(args.db, library=library, for_reading=True) as collection:
        states = {row["id"]: row for row in collection.cards_with_state()}
    cards = select(library, args.deck, args.tag, states)
    objects = [{**card_json(c), **{k: states[c.id][k] for k in STATE_FIELDS}} for c in cards]
    if args.json:
        print(json.dumps(objects, indent=2, ensure_ascii=False))
        return 0
    now = datetime.now(UTC)
    rows = [
        (
            o["id"],
            o["deck"],
            ",".join(o["tags"]),
            shown_state(o, now),
            (o["due"] or "-")[:10],
            o["sim"] or "-",
            o["question"],
        )
        for o in objects
    ]
    print(format_table(["id", "deck", "tags", "state", "due", "sim", "question"], rows))
    return 0
