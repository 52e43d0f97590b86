"""``studyapp add`` and ``studyapp edit``: write cards into your own decks from the command line.

``add`` appends a card to a user deck (made if new) and prints its id and file; ``edit`` opens a
card in ``$EDITOR`` at its line, then checks its deck again. Both check with the real loader.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from studyapp.commands import collection_path, load_decks_cached, on_terminal, open_decks, simulation_catalog
from studyapp.errors import CollectionBusy, CollectionError, CollectionMissing, UserError

if TYPE_CHECKING:
    from studyapp.collection import Collection
    from studyapp.content import Library


def register(subparsers: Any) -> None:
    add = subparsers.add_parser(
        "add",
        help="add a card to one of your decks",
        description=(
            "Append a card to your deck DECK (~/.local/share/studyapp/decks/DECK.toml, made if new), keeping "
            "the file's comments and layout. The card's id is made from the question; it and the file are "
            "printed. The card is checked like `studyapp check` before it is written."
        ),
    )
    add.add_argument("--deck", required=True, metavar="DECK", help="your deck's id (new or existing)")
    add.add_argument("--question", required=True, metavar="TEXT", help="the question")
    add.add_argument("--answer", required=True, metavar="TEXT", help="the short answer")
    add.add_argument("--details", default="", metavar="TEXT", help="Markdown shown after the answer")
    add.add_argument(
        "--tag", dest="tags", action="append", default=[], metavar="TAG", help="a topic tag (repeatable)"
    )
    add.add_argument("--sim", metavar="NAME", help="the card's simulation (see `studyapp sim list`)")
    add.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a preset parameter of --sim (repeatable), e.g. --set kind=max",
    )
    add.add_argument("--json", action="store_true", help='print {"id": ..., "file": ..., "line": ...}')
    add.set_defaults(handler=run_add)

    edit = subparsers.add_parser(
        "edit",
        help="edit a card in $EDITOR, then check it",
        description=(
            "Open the file of card CARD_ID in $EDITOR (else $VISUAL, else vi) at the card's line; when the "
            "editor exits, check the deck again. A problem is printed as file:line with exit status 1. "
            "Bundled cards are read-only: --copy (or answering yes) edits your own copy, with the same id "
            "and so the same history."
        ),
    )
    edit.add_argument("card_id", metavar="CARD_ID", help="the card's id (see `studyapp cards`)")
    edit.add_argument(
        "--copy", action="store_true", help="for a bundled card, make and edit your own copy without asking"
    )
    edit.set_defaults(handler=run_edit)


def _collection_to_write_to(args: argparse.Namespace) -> tuple[Collection | None, str]:
    """The collection, opened to take a new or edited card at once, so that its deck cache stays current
    and the next start reads no deck file again; else ``None`` (the card is then only written to its deck
    file), and why when another program is writing to it: the next start takes the card. (``add``
    reports a collection that cannot be read at all with ``_known_ids``.)"""
    try:
        return open_decks(collection_path(args), args.content, for_reading=True), ""
    except CollectionBusy as error:
        return None, _why_not(error)
    except CollectionError:
        return None, ""


def _taken(collection: Collection, library: Library) -> str:
    """Make ``library``, the decks with the new card, the collection's; ``""``, or why it cannot be written
    now."""
    from studyapp import authoring

    if collection.store.read_only:
        return "it cannot be written now"
    try:
        authoring.adopt(collection, library)
    except CollectionError as error:
        return _why_not(error)
    return ""


def _say_not_taken(why: str, saved: str) -> None:
    """Say that what was ``saved`` comes into the collection on its next start, and ``why`` not now."""
    if why:
        print(f"studyapp: note: {saved}; the collection takes it on its next start ({why})", file=sys.stderr)


def _why_not(error: CollectionError) -> str:
    """Why the collection could not take a card now (not "try again": the card is saved)."""
    return "another program is writing to it" if isinstance(error, CollectionBusy) else error.message


def _known_ids(args: argparse.Namespace) -> set[str]:
    """Every card id the collection knows, retired ones included (a new id must not take a history), read
    without writing; none when there is no collection yet."""
    from studyapp.store import Store

    try:
        with Store.open(collection_path(args), create=False, read_only=True) as store:
            return store.card_ids()
    except CollectionMissing:
        return set()
    except CollectionError as error:
        print(f"studyapp: warning: retired card ids not checked: {error.message}", file=sys.stderr)
        return set()


def run_add(args: argparse.Namespace) -> int:
    """Append the card, then print its id and file (or JSON)."""
    from studyapp import authoring
    from studyapp.problems import PROBLEMS

    sims = simulation_catalog()
    if args.sim is not None and args.sim not in sims:
        raise UserError(f"unknown simulation '{args.sim}'; valid: {', '.join(sims)}", status=2)
    try:
        tags = authoring.parse_tags(args.tags)
        pairs = []
        for item in args.overrides:
            key, sep, text = item.partition("=")
            if not sep or not key.strip():
                raise ValueError(f"--set expects KEY=VALUE, got '{item}'")
            pairs.append((key.strip(), text))
        preset = authoring.check_preset(args.sim, pairs, sims)
    except ValueError as error:
        raise UserError(str(error), status=2) from None
    draft = authoring.CardDraft(args.question, args.answer, args.details, tags, args.sim, preset)
    collection, not_taken = _collection_to_write_to(args)
    try:
        if collection is None:
            library, reserved = load_decks_cached(collection_path(args), args.content), _known_ids(args)
        else:
            library, reserved = collection.library, collection.store.card_ids()
        saved = authoring.add_card(
            args.deck,
            draft,
            library=library,
            sims=sims,
            extra_dirs=args.content,
            reserved=reserved,
            problems=PROBLEMS,
        )
        if collection is not None:
            not_taken = _taken(collection, saved.library)
    finally:
        if collection is not None:
            collection.close()  # which keeps the decks with the new card in the deck cache
    _say_not_taken(not_taken, "the card is saved in its deck file")
    if args.json:
        print(json.dumps({"id": saved.card_id, "file": str(saved.path), "line": saved.line}))
    else:
        print(f"{saved.card_id} {saved.path}:{saved.line}")
    return 0


def _confirm_copy(card_id: str, path: str) -> bool:
    """Ask on the terminal whether to edit an override copy of a bundled card."""
    if not on_terminal():
        return False
    answer = input(
        f"Card '{card_id}' is bundled with studyapp and read-only. Make your own copy in {path} "
        "(same id, it keeps its history) and edit that? [y/N] "
    )
    return answer.strip().lower() in ("y", "yes")


def run_edit(args: argparse.Namespace) -> int:
    """Edit the card in $EDITOR, then check its deck: status 1 with file:line on a problem. The collection
    takes the edited deck at once (and keeps it in its deck cache), so the next start does not read it
    again."""
    from studyapp import authoring
    from studyapp.content import load_library
    from studyapp.paths import user_deck_dir
    from studyapp.problems import PROBLEMS

    sims = simulation_catalog()
    collection, not_taken = _collection_to_write_to(args)
    try:
        # The edited file's own problems are reported after: the cached decks serve when none has one.
        if collection is None or collection.library.problems:
            library = load_library(args.content, sims=sims, problems=PROBLEMS)
        else:
            library = collection.library
        location = authoring.find_card(library, args.card_id)
        copy = args.copy
        if location.bundled and location.deck is not None and not copy:
            deck_id, _title = authoring.edits_deck(location.deck)
            copy = _confirm_copy(args.card_id, f"{user_deck_dir() / deck_id}.toml")
        checked = authoring.edit_card(
            library, args.card_id, sims=sims, extra_dirs=args.content, copy_bundled=copy, problems=PROBLEMS
        )
        if checked.ok and collection is not None:
            not_taken = _taken(collection, checked.library)
    finally:
        if collection is not None:
            collection.close()  # which keeps the edited deck in the deck cache
    if not checked.ok:
        for problem in checked.problems:
            print(f"studyapp: error: {problem}", file=sys.stderr)
        print(f"studyapp: error: fix it with `studyapp edit {args.card_id}`", file=sys.stderr)
        return 1
    _say_not_taken(not_taken, "the edit is saved in its deck file")
    print(checked.message())
    return 0
