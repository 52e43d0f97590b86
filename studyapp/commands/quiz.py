"""``studyapp quiz``: a quiz in the full-screen app, or line by line (``--plain``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from studyapp.commands import add_card_filters, announce_created, check_filters, open_decks, parse_search
from studyapp.errors import UserError

if TYPE_CHECKING:
    from studyapp.collection import Collection
    from studyapp.model import Card
    from studyapp.quiz import Question
    from studyapp.search import Query

DESCRIPTION = """\
Take a quiz: multiple choice (1-4 or a-d), short answers (a term, a name or a blank in the card's
answer: synonyms and typos are forgiven, negations and swapped terms are not), explanations in your own
words (judged by the card's key ideas: when the judge is not sure, you tick the ideas your answer
covered), true or false (t/f, a/b or 1/2), ordering the steps of a process (type e.g. 3142), and
numeric questions with random parameters whose answers the simulations compute, graded to the
significant figures asked. A wrong number that matches a known mistake (forgot the padding, flipped the
kernel, forgot the learning rate...) is named. Every attempt is saved; with the setting
quiz_updates_schedule on, answers also rate the cards.

The same --seed gives the same quiz: questions, order, parameters and choice order. Without --seed a
random one is drawn and printed.

When standard input and output are a terminal the quiz opens in the full-screen app; otherwise, or
with --plain, it runs line by line: one line answers a question, q quits, and the end of input stops
with the summary. After a wrong typed answer one more line is read (r: "I was right"); for an
explanation the judge is unsure of, the key ideas are listed and one line takes the numbers you covered.
"""


def positive_count(text: str) -> int:
    """``-n``: an integer from 1 to the quiz's maximum."""
    from studyapp.quiz.runner import MAX_QUESTIONS

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an integer from 1 to {MAX_QUESTIONS}, got {text!r}"
        ) from None
    if not 1 <= value <= MAX_QUESTIONS:
        raise argparse.ArgumentTypeError(f"must be an integer from 1 to {MAX_QUESTIONS}, got {value}")
    return value


def seed_value(text: str) -> int:
    """``--seed``: a non-negative integer."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {value}")
    return value


def register(subparsers: Any) -> None:
    """Add the ``quiz`` command."""
    from studyapp.quiz.questions import KINDS
    from studyapp.quiz.runner import DEFAULT_QUESTIONS

    parser = subparsers.add_parser(
        "quiz",
        help="take a quiz: multiple choice, typed, true/false, ordering and numeric questions",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--plain", action="store_true", help="line by line on stdin and stdout")
    add_card_filters(parser)
    parser.add_argument(
        "-n",
        dest="count",
        type=positive_count,
        default=DEFAULT_QUESTIONS,
        metavar="N",
        help=f"number of questions (default {DEFAULT_QUESTIONS})",
    )
    parser.add_argument(
        "--seed", type=seed_value, metavar="S", help="the quiz's seed (default: a random one)"
    )
    parser.add_argument(
        "--kind",
        dest="kinds",
        action="append",
        choices=[kind.value for kind in KINDS],
        metavar="KIND",
        help=f"only this kind of question (repeatable): {', '.join(KINDS)}",
    )
    parser.set_defaults(handler=run)


def repeat_options(args: argparse.Namespace) -> list[str]:
    """The options that, with the seed and count, give the same quiz again."""
    options = []
    for flag, value in (("--deck", args.deck), ("--tag", args.tag)):
        if value is not None:
            options += [flag, value]
    if args.search is not None:  # one word: a query may start with '-'
        options.append(f"--search={args.search}")
    for kind in args.kinds or ():
        options += ["--kind", kind]
    return options


def run(args: argparse.Namespace) -> int:
    """Build the quiz and run it in the app (on a terminal) or line by line."""
    from studyapp.deck_json import collector_paused
    from studyapp.quiz import KINDS, new_seed
    from studyapp.quiz.plain import quiz_header, run_plain_quiz
    from studyapp.quiz.runner import quiz_of_library

    seed = args.seed if args.seed is not None else new_seed()
    kinds = tuple(dict.fromkeys(args.kinds)) if args.kinds else KINDS
    query = parse_search(args.search)
    check = partial(check_filters, deck=args.deck, tag=args.tag)
    with open_decks(args.db, args.content, check=check) as collection:
        announce_created(collection.created, collection.path)
        with collector_paused():  # the cards and what the quiz learns of each, kept while it is built
            quiz = partial(build_from, args, collection, seed, kinds, query)
            questions = quiz_of_library(collection.library, args.deck, quiz)
        if not args.plain and sys.stdin.isatty() and sys.stdout.isatty():
            from studyapp.tui.screens.quiz import run_quiz_app

            return run_quiz_app(collection, questions, seed)
        header = quiz_header(args.count, seed, repeat_options(args))
        run_plain_quiz(collection, questions, sys.stdin, sys.stdout, header=header)
    return 0


def build_from(
    args: argparse.Namespace,
    collection: Collection,
    seed: int,
    kinds: Sequence[str],
    query: Query | None,
    cards: Sequence[Card],
) -> list[Question]:
    """The quiz of ``seed`` about those of ``cards`` that ``--deck``, ``--tag`` and ``--search`` choose;
    ``UserError`` if they choose none, or none that a question can be asked about."""
    from studyapp.quiz import build_quiz, select_cards

    chosen = select_cards(cards, args.deck, args.tag)
    if query is not None:
        matched = set(collection.search(query, datetime.now(UTC)))
        chosen = [card for card in chosen if card.id in matched]
        if not chosen:
            raise UserError(f"no card matches --search {args.search!r} (with --deck and --tag)", status=2)
    try:
        return build_quiz(chosen, args.count, seed, kinds)
    except ValueError as error:
        raise UserError(f"cannot build the quiz: {error}", status=2) from None
