"""``studyapp export``, ``import`` and ``backup``: the collection to and from a JSON file, and safe copies.

Decks also go out as an Anki package (``export --format apkg``), and Anki packages and CSV/TSV files
come in as new decks (``import FILE.apkg``); that is ``studyapp.anki``.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from studyapp.commands import announce_created, collection_path, stopped_cleanly
from studyapp.errors import UserError

FORMAT_DOC = "docs/export-format.md"

EXPORT_DESCRIPTION = f"""\
Write everything in the collection to one JSON file: the decks, every card with its study state and
tags, the review log, the quiz attempts and the settings. The format is versioned and documented in
{FORMAT_DOC}. The file is written under a temporary name and renamed when complete, so a failed export
never leaves a partial file. FILE '-' writes to standard output. FILE is never a database: the
collection itself, another collection or any SQLite file (or its -wal file) is refused.

--format apkg (the default for a FILE ending in .apkg) writes the decks instead as an Anki package:
one note per card (cloze notes for cloze cards), formulas as MathJax, the answers of each card's
simulation on its back. Re-importing a later export into Anki updates the notes.
"""

IMPORT_DESCRIPTION = f"""\
Replace the collection's contents with an export: its cards and their study state, review log, quiz
attempts and settings are all replaced by the file's, in one transaction. The file is checked
completely first; a file that is not a valid export ({FORMAT_DOC}) is refused with the place of the
problem and nothing is changed. A collection that already has reviews or quiz attempts is only
replaced with --yes; a backup copy of it is made first and its path printed. FILE '-' reads standard
input.

FILE.apkg, FILE.colpkg (Anki), FILE.csv or FILE.tsv (a header row naming question, answer and tags)
instead becomes a new deck in your deck folder, with media beside it; Anki's review history is replayed
through FSRS so the cards are scheduled from the start. --dry-run prints what would be written. An
existing deck file, deck id or card history is never overwritten.
"""

BACKUP_DESCRIPTION = """\
Copy the collection with SQLite's backup API: a consistent copy even while the app or another command
has the collection open or is writing to it. Without FILE, the copy goes to a new timestamped file in
a 'backups' folder beside the collection. Prints the path of the copy.
"""


def register(subparsers: Any) -> None:
    """Add the ``export``, ``import`` and ``backup`` commands."""
    raw = argparse.RawDescriptionHelpFormatter
    export = subparsers.add_parser(
        "export",
        help="write the whole collection to a JSON file, or the decks to an Anki package",
        description=EXPORT_DESCRIPTION,
        formatter_class=raw,
    )
    export.add_argument(
        "--format",
        choices=["json", "apkg"],
        help="json: the whole collection; apkg: the decks as an Anki package (default: apkg for a FILE "
        "ending in .apkg, else json)",
    )
    export.add_argument(
        "--deck", dest="decks", action="append", metavar="DECK", help="with apkg: only this deck (repeatable)"
    )
    export.add_argument("file", metavar="FILE", help="the file to write ('-': standard output)")
    export.set_defaults(handler=run_export)

    importer = subparsers.add_parser(
        "import",
        help="replace the collection's contents with an export (asks for --yes if it has history), or "
        "bring in an Anki package or a CSV/TSV file as a new deck",
        description=IMPORT_DESCRIPTION,
        formatter_class=raw,
    )
    importer.add_argument(
        "file",
        metavar="FILE",
        help="a file written by `studyapp export` ('-': standard input), or an Anki .apkg/.colpkg or a "
        ".csv/.tsv file to bring in as a new deck",
    )
    importer.add_argument(
        "--yes", action="store_true", help="replace a collection that already has reviews or quiz attempts"
    )
    importer.add_argument(
        "--merge",
        action="store_true",
        help="merge another machine's export into this collection instead of replacing it: the union of "
        "reviews, quiz attempts, predictions and drill answers, each card replayed from the merged history "
        "(see the README)",
    )
    importer.add_argument(
        "--dry-run",
        action="store_true",
        help="with --merge, or for a new deck: print what would come in, write nothing",
    )
    importer.add_argument(
        "--deck",
        metavar="ID",
        help="for a new deck: its id (default: made from the Anki deck's name or FILE's)",
    )
    importer.add_argument("--json", action="store_true", help="with --merge: print the report as JSON")
    importer.set_defaults(handler=run_import)

    backup = subparsers.add_parser(
        "backup",
        help="make a consistent copy of the collection file",
        description=BACKUP_DESCRIPTION,
        formatter_class=raw,
    )
    backup.add_argument(
        "file",
        nargs="?",
        type=Path,
        metavar="FILE",
        help="where to write the copy (default: backups/ beside it)",
    )
    backup.set_defaults(handler=run_backup)


def run_export(args: argparse.Namespace) -> int:
    """Export the collection to FILE or standard output; FILE must not be a database."""
    from studyapp.export_format import check_export_target
    from studyapp.store import Store
    from studyapp.transfer import export_to_file, write_export

    if args.format == "apkg" or (args.format is None and args.file.lower().endswith(".apkg")):
        return run_apkg_export(args)
    if args.decks:
        raise UserError("--deck goes with --format apkg (a JSON export holds the whole collection)", 2)
    db = collection_path(args)
    if not db.is_file():
        raise UserError(f"no collection at {db}; nothing to export")
    if args.file != "-":
        check_export_target(Path(args.file).expanduser(), db)
    with Store.open(db, create=False, read_only=True) as store:
        now = datetime.now(UTC)
        if args.file == "-":
            sys.stdout.flush()
            out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")  # JSON is UTF-8
            try:
                counts = write_export(store, out, now, sys.stderr)
                out.flush()
            finally:
                out.detach()
            print(f"exported {counts}", file=sys.stderr)
        else:
            target = Path(args.file).expanduser()
            counts = export_to_file(store, target, now, sys.stderr)
            print(f"exported {counts} to {target}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Check FILE, then replace the collection's contents with it."""
    from studyapp.anki import DECK_SUFFIXES
    from studyapp.store import Store
    from studyapp.transfer import backup_collection, import_snapshot, read_export

    if Path(args.file).suffix.lower() in DECK_SUFFIXES or args.deck is not None:  # a new deck: studyapp/anki
        with stopped_cleanly():
            return run_deck_import(args)
    if args.merge or args.dry_run or args.json:  # another machine's history into this one: studyapp/merge.py
        from studyapp.merge import merge_file, report_text

        if not args.merge:
            raise UserError("--dry-run and --json go with --merge (a plain import replaces everything)", 2)
        report = merge_file(args.file, collection_path(args), dry_run=args.dry_run)
        announce_created(report.created, collection_path(args))
        print(report_text(report, args.json))
        return 0
    snapshot = read_export(args.file, sys.stderr)
    db = collection_path(args)
    with Store.open(db) as store:
        announce_created(store.created, store.path)
        if store.has_history():
            if not args.yes:
                raise UserError(
                    f"the collection {db} already has reviews or quiz attempts, and importing replaces "
                    "all of its contents; run again with --yes to replace them (a backup copy is made first)"
                )
            saved = backup_collection(db, None, datetime.now(UTC))
            print(f"saved the previous collection to {saved}")
        counts = import_snapshot(store, snapshot, sys.stderr)
    print(f"imported {counts} into {db}")
    return 0


def run_backup(args: argparse.Namespace) -> int:
    """Copy the collection and print the copy's path."""
    from studyapp.transfer import backup_collection

    target = args.file.expanduser() if args.file is not None else None
    print(backup_collection(collection_path(args), target, datetime.now(UTC)))
    return 0


def run_apkg_export(args: argparse.Namespace) -> int:
    """Write the decks (all, or those of --deck) to FILE as an Anki package."""
    from studyapp.anki.export import export_apkg
    from studyapp.commands import load_decks_cached
    from studyapp.export_format import check_export_target

    if args.file == "-":
        raise UserError("an Anki package cannot go to standard output; give a FILE ending in .apkg", 2)
    target = Path(args.file).expanduser()
    check_export_target(target, collection_path(args))
    if not target.parent.is_dir():
        raise UserError(f"cannot write {target}: the folder {target.parent} does not exist")
    library = load_decks_cached(collection_path(args), args.content)
    decks = library.decks
    if args.decks:
        known = {deck.id: deck for deck in decks}
        unknown = [deck_id for deck_id in args.decks if deck_id not in known]
        if unknown:
            raise UserError(f"no deck '{unknown[0]}'; decks: {', '.join(known)}", 2)
        decks = [known[deck_id] for deck_id in dict.fromkeys(args.decks)]
    try:
        counts = export_apkg(decks, target, now=datetime.now(UTC))
    except OSError as error:
        raise UserError(f"cannot write {target}: {error.strerror or error}") from None
    for warning in counts.warnings:
        print(f"studyapp: warning: {warning}", file=sys.stderr)
    print(f"exported {counts} to {target}")
    return 0


def run_deck_import(args: argparse.Namespace) -> int:
    """Bring an Anki package or a CSV/TSV file in as a new deck (or, with --dry-run, say what would come)."""
    from studyapp.anki import DECK_SUFFIXES
    from studyapp.anki.cached import stamp_decks
    from studyapp.anki.importer import Target, import_file
    from studyapp.commands import load_decks_cached, simulation_catalog
    from studyapp.deck_json import collector_paused
    from studyapp.problems import PROBLEMS

    path = Path(args.file).expanduser()
    if path.suffix.lower() not in DECK_SUFFIXES:
        raise UserError(f"--deck is for a new deck from {', '.join(DECK_SUFFIXES)} files, not {path.name}", 2)
    if args.merge or args.yes or args.json:
        raise UserError("--merge, --yes and --json are for studyapp's own exports, not new decks", 2)
    stamps = stamp_decks(args.content)  # before the decks are read, to keep them in the deck cache
    sims = simulation_catalog()
    library = load_decks_cached(collection_path(args), args.content)
    target = Target(collection_path(args), library, args.content, sims=sims, problems=PROBLEMS, stamps=stamps)
    options = {"deck_id": args.deck, "dry_run": args.dry_run, "progress_stream": sys.stderr}
    # The file's notes, cards and answers are millions of objects: they are let go while the collector
    # is still paused, which would otherwise walk them all once more (0.3 s at 500k answers).
    with collector_paused():
        outcome = import_file(path, target, now=datetime.now(UTC), **options)
        created, lines = outcome.created_collection, outcome.lines()
        del outcome
    announce_created(created, target.db_path)
    print("\n".join(lines))
    return 0
