"""``studyapp review``: review due cards line by line (``--plain``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from studyapp.errors import UserError

DESCRIPTION = """\
Review the cards due now. With --plain, review line by line on standard input and output: the
question is printed; an empty line shows the answer with the interval each rating gives; then type
1-4 (or again/hard/good/easy) to rate, u to undo, s to skip, q to quit. Each rating is saved before
the next line is printed, so it works from pipes, scripts and screen readers.

Without --plain this command only points you to the full-screen app: run `studyapp` with no
command to review there.
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
    parser.add_argument("--deck", metavar="DECK", help="only cards of the deck with this id")
    parser.add_argument("--tag", metavar="TAG", help="only cards with this tag ('leech' for leeches)")
    parser.add_argument(
        "--cram",
        action="store_true",
        help="go through every card of the deck or tag ahead of schedule, without changing the schedule",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run a plain review session; without ``--plain``, explain where the full-screen review is."""
    if not args.plain:
        raise UserError(
            "the full-screen review is in the app: run `studyapp` with no command, "
            "or use `studyapp review --plain` for line-by-line review",
            status=2,
        )
    from studyapp.collection import open_collection
    from studyapp.plain_review import run_plain_review

    with open_collection(args.db, args.content) as collection:
        for problem in getattr(collection.library, "problems", ()):
            print(f"studyapp: warning: skipped deck: {problem}", file=sys.stderr)
        session = collection.session(deck=args.deck, tag=args.tag, cram=args.cram)
        run_plain_review(session, sys.stdin, sys.stdout)
    return 0
