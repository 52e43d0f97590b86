"""``studyapp review``: review due cards line by line (``--plain``)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from functools import partial
from typing import Any

from studyapp.commands import add_card_filters, announce_created, check_filters, open_decks, parse_search

DESCRIPTION = """\
Review the cards due now. With --plain, review line by line on standard input and output: the
question is printed; an empty line shows the answer with the interval each rating gives; then type
1-4 (or again/hard/good/easy) to rate, u to undo, s to skip, q to quit. Each rating is saved before
the next line is printed, so it works from pipes, scripts and screen readers.

Without --plain, on a terminal, the full-screen app opens on the review of the same cards; when
standard input or output is not a terminal, the review runs line by line as with --plain.

--search keeps the review to the cards the query matches when it starts (like Anki's filtered decks);
it works line by line for now (--plain, or without a terminal).
"""


def register(subparsers: Any) -> None:
    """Add the ``review`` command."""
    parser = subparsers.add_parser(
        "review",
        help="review due cards (--plain: line by line on stdin/stdout)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--plain", action="store_true", help="line-by-line review on stdin and stdout")
    add_card_filters(parser)
    parser.add_argument(
        "--cram",
        action="store_true",
        help="go through every card of the deck or tag ahead of schedule, without changing the schedule",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Review in the full-screen app on a terminal, else (or with ``--plain``) line by line."""
    query = parse_search(args.search)
    in_app = not args.plain and sys.stdin.isatty() and sys.stdout.isatty()
    check = partial(check_filters, deck=args.deck, tag=args.tag, extra_tags=("leech",))
    with open_decks(args.db, args.content, check=check) as collection:
        announce_created(collection.created, collection.path)
        session = collection.session(
            deck=args.deck, tag=args.tag, cram=args.cram, search=query, now=datetime.now(UTC)
        )
        if in_app:
            from studyapp.tui.launch import run_app

            def review_screen() -> Any:
                from studyapp.tui.screens.review import ReviewScreen

                return ReviewScreen(deck=args.deck, tag=args.tag, cram=args.cram, search=query)

            return run_app(collection, review_screen)
        from studyapp.plain_review import run_plain_review

        run_plain_review(session, sys.stdin, sys.stdout)
    return 0
