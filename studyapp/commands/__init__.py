"""Subcommands of the ``studyapp`` command line; each module defines ``register(subparsers)``.

The helpers here are what the card commands share: the ``--deck``/``--tag``/``--search`` options and
their checks, and loading the decks with every problem reported the same way on stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studyapp.errors import UserError

if TYPE_CHECKING:
    import argparse

    from studyapp.collection import Collection
    from studyapp.content import Library, SimCatalog
    from studyapp.model import Problem
    from studyapp.search import Query

SEARCH_HELP = (
    'only cards matching QUERY, in Anki\'s search syntax: words and "phrases" (question, answer, details, '
    "id), tag:T, deck:D, is:new|learn|review|due|suspended|buried|leech, sim:S, prop:r<0.8 (also s, d, "
    "reps, lapses), rated:7 or rated:7:1, -negation, or, (parentheses); a query that starts with - "
    "goes as --search=-..."
)


def add_card_filters(parser: Any) -> None:
    """The ``--deck``, ``--tag`` and ``--search`` options that the card commands share."""
    parser.add_argument("--deck", metavar="DECK", help="only cards of the deck with this id")
    parser.add_argument("--tag", metavar="TAG", help="only cards with this tag ('leech' for leeches)")
    parser.add_argument("--search", metavar="QUERY", help=SEARCH_HELP)


def parse_search(text: str | None) -> Query | None:
    """``--search`` parsed (``None`` without it); a bad query is a bad command line (status 2), with the
    query printed and the problem marked under it."""
    if text is None:
        return None
    from studyapp.search import SearchError, parse

    try:
        return parse(text)
    except SearchError as error:
        raise UserError(f"--search: {error.message}\n{error.pointer()}", status=2) from None


def check_filters(
    library: Library, deck: str | None, tag: str | None, extra_tags: Iterable[str] = ()
) -> None:
    """Refuse an unknown ``--deck`` or ``--tag`` as a bad command line (status 2), listing the valid ones.

    ``extra_tags`` are tags a command understands beyond the cards' own (``leech``).
    """
    decks = library.deck_ids  # without reading cached cards
    if deck is not None and deck not in decks:
        raise UserError(f"no deck '{deck}'; decks: {', '.join(decks) or 'none'}", status=2)
    tags = sorted({*library.tags, *extra_tags})
    if tag is not None and tag not in tags:
        raise UserError(f"no card has the tag '{tag}'; tags: {', '.join(tags) or 'none'}", status=2)


NO_TERMINAL = (
    "the terminal app needs a terminal, but standard input or output is not one; "
    "to study line by line, use `studyapp review --plain` or `studyapp quiz --plain`"
)


def on_terminal() -> bool:
    """Whether standard input and output are both a terminal (the full-screen app needs both)."""
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))


@contextmanager
def stopped_cleanly() -> Iterator[None]:
    """In the block, ``kill`` (SIGTERM) and a closed terminal (SIGHUP) stop the command as Ctrl+C does:
    an exception in the main thread (``SystemExit`` with 128 + the signal's number), so that an open
    transaction is rolled back and an import takes the files it wrote away again, where Python's own
    handling would stop the process where it is."""
    import signal

    def stop(number: int, _frame: object) -> None:
        raise SystemExit(128 + number)

    stopping = (signal.SIGTERM, signal.SIGHUP)
    previous = [signal.signal(number, stop) for number in stopping]
    try:
        yield
    finally:
        for number, handler in zip(stopping, previous, strict=True):
            signal.signal(number, handler)


def announce_created(created: bool, path: Path) -> None:
    """Say so on stderr when opening made a new collection, so a mistyped --db path shows at once."""
    if created:
        print(f"studyapp: created a new collection at {path}", file=sys.stderr)


def simulation_catalog() -> SimCatalog:
    """The simulations cards may link to, from ``sim.registry`` (specs are imported when looked up)."""
    from sim.registry import CATALOG

    return CATALOG


def report_problems(problems: Sequence[Problem], *, fatal: bool = False) -> None:
    """Print every deck problem on stderr, then a summary that says what to do.

    ``fatal`` (``check``) reports them as errors; the other commands warn and go on without those decks.
    """
    if not problems:
        return
    level = "error" if fatal else "warning"
    for problem in problems:
        print(f"studyapp: {level}: {problem}", file=sys.stderr)
    count, files = len(problems), len({p.path for p in problems})
    summary = f"{count} problem{'s' if count != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    fix = f"fix {'it' if count == 1 else 'them'} and run `studyapp check`"
    advice = f"{fix} again" if fatal else f"the other decks are loaded; {fix}"
    print(f"studyapp: {level}: {summary}; {advice}", file=sys.stderr)


def open_decks(
    db: Path | None,
    content: Sequence[Path],
    *,
    for_reading: bool = False,
    check: Callable[[Library], None] | None = None,
) -> Collection:
    """Open the collection with the bundled decks, the user's deck folder and the ``--content`` folders
    (from the deck cache when no deck file changed), checked against the simulations and problems;
    every broken deck and missing folder is reported on stderr (and skipped).

    ``check`` (for example of ``--deck`` and ``--tag``) sees the decks before a missing collection is
    created, so that a bad command line creates nothing."""
    from studyapp.collection import open_collection
    from studyapp.paths import default_db_path
    from studyapp.problems import PROBLEMS

    library = None
    if check is not None and not for_reading and not (db or default_db_path()).exists():
        library = load_decks(content)
        check(library)
    collection = open_collection(
        db, content, library=library, sims=simulation_catalog(), problems=PROBLEMS, for_reading=for_reading
    )
    if library is None:
        report_problems(collection.library.problems)
        if check is not None:
            try:
                check(collection.library)
            except UserError:
                collection.close()
                raise
    return collection


def collection_path(args: argparse.Namespace) -> Path:
    """The collection file chosen by ``--db``, ``$STUDYAPP_DB`` or the default."""
    from studyapp.paths import default_db_path

    return Path(args.db).expanduser() if args.db is not None else default_db_path()


def load_decks_cached(db: Path, content: Sequence[Path]) -> Library:
    """``load_decks``, taken from the deck cache of the collection at ``db`` when no deck file changed
    since it was written (problems reported the same way)."""
    from studyapp.anki.cached import cached_decks
    from studyapp.problems import PROBLEMS

    library = cached_decks(db, content, None, {"sims": simulation_catalog(), "problems": PROBLEMS})
    if library is None:
        return load_decks(content)
    report_problems(library.problems)
    return library


def load_decks(content: Sequence[Path]) -> Library:
    """The bundled decks, the user's deck folder and the ``--content`` folders, checked against the
    simulations; every broken deck and missing folder is reported on stderr (and skipped)."""
    from studyapp.content import load_library
    from studyapp.problems import PROBLEMS

    library = load_library(content, sims=simulation_catalog(), problems=PROBLEMS)
    report_problems(library.problems)
    return library
