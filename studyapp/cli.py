"""The ``studyapp`` command line: global options, subcommands, and the TUI when none is given.

Each module in ``studyapp.commands`` defines ``register(subparsers)``, which adds its parser and
sets ``handler`` to a function ``(args) -> int``. Command modules import heavy libraries inside
their handlers, so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from studyapp import __version__, commands
from studyapp.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every subcommand found in ``studyapp.commands``."""
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
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"studyapp.commands.{info.name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        handler = getattr(args, "handler", None)
        if handler is None:
            from studyapp.tui.launch import launch_tui

            return launch_tui(args)
        status: int = handler(args)
        return status
    except UserError as error:
        print(f"studyapp: error: {error.message}", file=sys.stderr)
        return error.status
    except sqlite3.DatabaseError as error:
        print(
            f"studyapp: error: the collection could not be read or written ({error}); "
            "check the file and its folder, or restore a backup made with `studyapp backup`.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
