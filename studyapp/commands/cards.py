"""``studyapp cards``: list cards as a table or JSON."""

from __future__ import annotations

import argparse
import json
from typing import Any

from studyapp.commands import add_card_filters
from studyapp.content import Library, load_library
from studyapp.errors import UserError
from studyapp.model import Card
from studyapp.table import format_table


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "cards",
        help="list cards (id, deck, tags, study state, simulation, question)",
        description=(
            "List the cards of every loaded deck with their study state, optionally filtered by deck or tag. "
            "--json adds the answer, details, simulation preset, due time, stability, difficulty, reps and "
            "lapses."
        ),
    )
    add_card_filters(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON list of card objects")
    parser.set_defaults(handler=run)


def select(library: Library, deck: str | None, tag: str | None) -> list[Card]:
    """The cards matching ``deck`` and ``tag``; an unknown deck or tag is a UserError listing valid ones."""
    if deck is not None and deck not in {d.id for d in library.decks}:
        raise UserError(f"no deck '{deck}'; decks: {', '.join(d.id for d in library.decks)}")
    if tag is not None and tag not in library.tags:
        raise UserError(f"no card is tagged '{tag}'; tags: {', '.join(library.tags)}")
    return [c for c in library.cards if (deck is None or c.deck == deck) and (tag is None or tag in c.tags)]


def card_json(card: Card) -> dict[str, Any]:
    """The JSON object for one card's content."""
    return {
        "id": card.id,
        "deck": card.deck,
        "question": card.question,
        "answer": card.answer,
        "details": card.details,
        "tags": list(card.tags),
        "sim": card.sim,
        "sim_params": dict(card.sim_params),
        "multiple_choice": card.multiple_choice,
    }


STATE_FIELDS = ("state", "due", "stability", "difficulty", "reps", "lapses", "suspended", "leech")


def run(args: argparse.Namespace) -> int:
    from studyapp.collection import open_collection

    library = load_library(args.content)
    cards = select(library, args.deck, args.tag)
    with open_collection(args.db, library=library) as collection:
        states = {row["id"]: row for row in collection.cards_with_state()}
    objects = [{**card_json(c), **{k: states[c.id][k] for k in STATE_FIELDS}} for c in cards]
    if args.json:
        print(json.dumps(objects, indent=2, ensure_ascii=False))
        return 0
    rows = [
        (
            o["id"],
            o["deck"],
            ",".join(o["tags"]),
            o["state"],
            (o["due"] or "-")[:10],
            o["sim"] or "-",
            o["question"],
        )
        for o in objects
    ]
    print(format_table(["id", "deck", "tags", "state", "due", "sim", "question"], rows))
    return 0
