"""Subcommands of the ``studyapp`` command line; each module defines ``register(subparsers)``."""

from typing import Any


def add_card_filters(parser: Any) -> None:
    """The ``--deck`` and ``--tag`` options that the card commands share."""
    parser.add_argument("--deck", metavar="DECK", help="only cards of the deck with this id")
    parser.add_argument("--tag", metavar="TAG", help="only cards with this tag ('leech' for leeches)")
