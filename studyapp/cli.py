"""The ``studyapp`` command line: global options, subcommands, and the TUI when none is given.

Each module in ``studyapp.commands`` defines ``register(subparsers)``, which adds its parsers and
sets ``handler`` to a function ``(args) -> int``. Only the module of the command being run is
imported (all of them for ``--help``), and command modules import heavy libraries inside their
handlers, so start-up stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from studyapp import __version__
from studyapp.commands import NO_TERMINAL, on_terminal
from studyapp.errors import UserError

#: Every subcommand and the module of ``studyapp.commands`` that registers it, in help order.
COMMANDS = {
    "check": "check",
    "cards": "cards",
    "review": "review",
    "quiz": "quiz",
    "stats": "stats",
    "plan": "plan",
    "optimize": "optimize",
    "sim": "sim",
    "add": "authoring",
    "edit": "authoring",
    "export": "transfer",
    "import": "transfer",
    "backup": "transfer",
}
_OPTIONS_WITH_VALUES = ("--db", "--content")


def requested_command(argv: Sequence[str]) -> str | None:
    """The first positional word of ``argv`` (the subcommand, if any), skipping global option values."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in _OPTIONS_WITH_VALUES:
            skip = True
        elif not token.startswith("-"):
            return token
    return None


def build_parser(modules: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser with the subcommands of ``modules`` (default: every command)."""
    parser = argparse.ArgumentParser(
        prog="studyapp",
        description=(
            "Study Deep Learning Basics, Optimisation & CNNs: spaced-repetition flashcards, quizzes "
            "and live simulations. Without a command, opens the terminal app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"studyapp {__version__}")
    parser.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="the SQLite collection file (default: $STUDYAPP_DB, else the user data folder)",
    )
    parser.add_argument(
        "--content",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="also load decks from DIR (repeatable); the user deck folder is always read",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    wanted = dict.fromkeys(COMMANDS.values()) if modules is None else dict.fromkeys(modules)
    for module in wanted:
        importlib.import_module(f"studyapp.commands.{module}").register(subparsers)
    return parser


def parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    """A parser that knows just enough: the requested command's module, or all of them for help and typos."""
    command = requested_command(argv)
    if command in COMMANDS:
        return build_parser([COMMANDS[command]])
    if command is None and not {"-h", "--help"} & set(argv):
        return build_parser([])
    return build_parser()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = parser_for(arguments).parse_args(arguments)
    try:
        handler = getattr(args, "handler", None)
        if handler is None:
            if not on_terminal():
                raise UserError(NO_TERMINAL, status=2)
            from studyapp.tui.launch import launch_tui

            return launch_tui(args)
        status: int = handler(args)
        return status
    except UserError as error:
        print(f"studyapp: error: {error.message}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
