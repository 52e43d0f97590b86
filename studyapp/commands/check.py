"""``studyapp check [PATH...]``: validate decks and summarise them."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from studyapp.commands import report_problems, simulation_catalog
from studyapp.content import Library, deck_sources, load_paths
from studyapp.paths import bundled_deck_dir
from studyapp.problems import PROBLEMS
from studyapp.table import format_table


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate deck files and summarise them",
        description=(
            "Validate deck files and print the decks, the cards per deck and per tag. "
            "Without PATH, checks the bundled decks, your deck folder and any --content folders. "
            "Every problem is reported with its file:line:column and card id (a formula that cannot be read, "
            "cloze markup that cannot be parsed, at the character); the exit status is 1 if there is any."
        ),
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="deck files or folders to check")
    parser.set_defaults(handler=run)


def summary(library: Library) -> str:
    """The decks with their card counts, then the cards per tag."""
    decks = format_table(
        ["deck", "cards", "title", "file"],
        [(d.id, len(d.cards), d.title, d.source) for d in library.decks],
        width=200,
    )
    tags = Counter(tag for card in library.cards for tag in card.tags)
    tag_lines = format_table(["tag", "cards"], sorted(tags.items()), width=200)
    total = len(library.cards)
    head = f"{total} cards in {len(library.decks)} deck{'s' if len(library.decks) != 1 else ''}"
    cloze = [card for card in library.cards if card.cloze]
    if cloze:
        notes = len({(card.source, card.line) for card in cloze})
        head += f" ({len(cloze)} of them from {notes} cloze note{'s' if notes != 1 else ''})"
    return f"{decks}\n\n{tag_lines}\n\n{head}"


def run(args: argparse.Namespace) -> int:
    """Load the decks, print their summary and every problem; status 1 if there is any problem."""
    sources = args.paths or deck_sources(args.content)
    library = load_paths(sources, bundled=[bundled_deck_dir()], sims=simulation_catalog(), problems=PROBLEMS)
    if library.decks:
        print(summary(library))
    if library.problems:
        report_problems(library.problems, fatal=True)
        return 1
    if not library.decks:
        print(
            "studyapp: error: no deck files found; give a .toml deck file or a folder of them",
            file=sys.stderr,
        )
        return 1
    return 0
