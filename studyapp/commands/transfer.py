"""``studyapp export``, ``import`` and ``backup``: the collection to and from a JSON file, and safe copies."""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from studyapp.commands import announce_created
from studyapp.errors import UserError

FORMAT_DOC = "docs/export-format.md"

EXPORT_DESCRIPTION = f"""\
Write everything in the collection to one JSON file: the decks, every card with its study state and
tags, the review log, the quiz attempts and the settings. The format is versioned and documented in
{FORMAT_DOC}. The file is written under a temporary name and renamed when complete, so a failed export
never leaves a partial file. FILE '-' writes to standard output. FILE is never a database: the
collection itself, another collection or any SQLite file (or its -wal file) is refused.
"""

IMPORT_DESCRIPTION = f"""\
Replace the collection's contents with an export: its cards and their study state, review log, quiz
attempts and settings are all replaced by the file's, in one transaction. The file is checked
completely first; a file that is not a valid export ({FORMAT_DOC}) is refused with the place of the
problem and nothing is changed. A collection that already has reviews or quiz attempts is only
replaced with --yes; a backup copy of it is made first and its path printed. FILE '-' reads standard
input.
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
        help="write the whole collection to a JSON file",
        description=EXPORT_DESCRIPTION,
        formatter_class=raw,
    )
    export.add_argument("--format", choices=["json"], default="json", help="the file format (default: json)")
    export.add_argument("file", metavar="FILE", help="the file to write ('-': standard output)")
    export.set_defaults(handler=run_export)

    importer = subparsers.add_parser(
        "import",
        help="replace the collection's contents with an export (asks for --yes if it has history)",
        description=IMPORT_DESCRIPTION,
        formatter_class=raw,
    )
    importer.add_argument(
        "file", metavar="FILE", help="a file written by `studyapp export` ('-': standard input)"
    )
    importer.add_argument(
        "--yes", action="store_true", help="replace a collection that already has reviews or quiz attempts"
    )
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


def collection_path(args: argparse.Namespace) -> Path:
    """The collection file chosen by ``--db``, ``$STUDYAPP_DB`` or the default."""
    from studyapp.paths import default_db_path

    return Path(args.db).expanduser() if args.db is not None else default_db_path()


def run_export(args: argparse.Namespace) -> int:
    """Export the collection to FILE or standard output; FILE must not be a database."""
    from studyapp.export_format import check_export_target
    from studyapp.store import Store
    from studyapp.transfer import export_to_file, write_export

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
    from studyapp.store import Store
    from studyapp.transfer import backup_collection, import_snapshot, read_export

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
