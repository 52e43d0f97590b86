"""Export, import and backup of a collection (the format is documented in ``docs/export-format.md``).

An export is one JSON document: the decks, every card with its study state and tags, the review log,
the quiz attempts, the predictions and drill answers (when there are any) and the settings. Times are UTC
ISO 8601 strings with milliseconds, which is the store's own precision, so export -> import -> export is
exact. An import is checked completely before
the collection is touched, then replaces the collection's contents in one transaction.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TextIO

from studyapp.export_format import (
    FORMAT,
    STATE_FIELDS,
    STATE_TIMES,
    VERSION,
    Counts,
    Progress,
    TransferError,
    epoch_ms,
    format_time,
)
from studyapp.export_reader import Snapshot, parse_export, read_export
from studyapp.model import StudyState
from studyapp.scheduler import check_utc
from studyapp.store import Store, copy_collection

__all__ = [
    "Counts",
    "Progress",
    "Snapshot",
    "TransferError",
    "backup_collection",
    "export_to_file",
    "import_snapshot",
    "parse_export",
    "read_export",
    "write_export",
    "written_beside",
]


# -- export ----------------------------------------------------------------------------------------


def _state_json(values: Mapping[str, Any]) -> dict[str, Any]:
    """A study state for the export, from the store's values (times in epoch milliseconds)."""
    state = {name: values[name] for name in STATE_FIELDS}
    state["state"] = StudyState(values["state"]).name.lower()
    for name in ("suspended", "leech"):
        state[name] = bool(values[name])
    for name in STATE_TIMES:
        state[name] = format_time(values[name])
    return state


def _cards(store: Store) -> Iterator[dict[str, Any]]:
    for values, tags in store.card_rows():
        yield {
            "id": values["card_id"],
            "deck": values["deck_id"],
            "position": values["position"],
            "ord": values["ord"],
            "retired": bool(values["retired"]),
            "tags": tags,
            **_state_json(values),
        }


def _flag(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def _state_text(text: str) -> dict[str, Any]:
    return _state_json(json.loads(text))


#: The export's name of a store column, where the two differ.
_RENAMED = {"card_id": "card", "review_id": "review"}
#: How a stored value goes out, for the columns that are not written as stored: times as ISO text, JSON
#: text as JSON, 0/1 as false/true, study states as objects.
_CONVERTED: dict[str, Callable[[Any], Any]] = {
    "at": format_time,
    "reviewed_at": format_time,
    "params": json.loads,
    "correct": _flag,
    "before": _state_text,
    "after": _state_text,
}


def _item(row: Mapping[str, Any], given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A row of the review log, the quiz attempts, the predictions or the drill answers (by column name,
    in the store's order) as an item of the export's list (the same order); ``given``: values of some
    columns already converted."""
    done = given or {}
    item = {}
    for column, value in row.items():
        if column in done:
            value = done[column]
        elif column in _CONVERTED:
            value = _CONVERTED[column](value)
        item[_RENAMED.get(column, column)] = value
    return item


def _reviews(store: Store) -> Iterator[dict[str, Any]]:
    """The review log's items. A review's state before is most often the state after the card's review
    before it, stored as the same text: that state is converted once, not twice (converting is most of
    the time an export of a million reviews takes)."""
    after_of: dict[str, tuple[str, dict[str, Any]]] = {}  # each card's last state after: text, object
    for row in store.review_rows():
        last = after_of.get(row["card_id"])
        before = last[1] if last is not None and last[0] == row["before"] else _state_text(row["before"])
        after = _state_text(row["after"])
        after_of[row["card_id"]] = (row["after"], after)
        yield _item(row, {"before": before, "after": after})


def _quiz_attempts(store: Store) -> Iterator[dict[str, Any]]:
    """Quiz attempts for the export; ``diagnosis`` only where there is one (older readers skip nothing)."""
    for row in store.quiz_attempt_rows():
        item = _item(row)
        if item["diagnosis"] is None:
            del item["diagnosis"]
        yield item


def _predictions(store: Store) -> Iterator[dict[str, Any]]:
    return map(_item, store.prediction_rows())


def _drill_answers(store: Store) -> Iterator[dict[str, Any]]:
    return map(_item, store.drill_rows())


#: One item of a list as JSON (one encoder for them all: ``json.dumps`` with options makes one per call).
_encode_item = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def _write_list(out: IO[str], name: str, items: Iterable[dict[str, Any]], progress: Progress | None) -> int:
    """Write ``"name": [...]`` with one item per line; returns how many items were written."""
    count = 0
    out.write(f"  {json.dumps(name)}: [")
    for item in items:
        out.write(",\n    " if count else "\n    ")
        out.write(_encode_item(item))
        count += 1
        if progress is not None:
            progress.advance()
    out.write("\n  ]" if count else "]")
    return count


def write_export(store: Store, out: IO[str], now: datetime, progress_stream: TextIO | None = None) -> Counts:
    """Write the whole collection to ``out`` as one JSON document, read in one consistent snapshot."""
    with store.read_snapshot():
        progress = Progress(progress_stream, "exporting", store.row_count())
        decks = [
            {"id": deck_id, "title": title, "rank": rank, "retired": retired}
            for deck_id, title, rank, retired in store.deck_rows()
        ]
        out.write("{\n")
        header = {"format": FORMAT, "version": VERSION, "exported_at": format_time(epoch_ms(check_utc(now)))}
        for key, value in header.items():
            out.write(f"  {json.dumps(key)}: {json.dumps(value)},\n")
        _write_list(out, "decks", decks, None)
        out.write(",\n")
        cards = _write_list(out, "cards", _cards(store), progress)
        out.write(",\n")
        reviews = _write_list(out, "reviews", _reviews(store), progress)
        out.write(",\n")
        attempts = _write_list(out, "quiz_attempts", _quiz_attempts(store), progress)
        for name, rows in (("predictions", _predictions), ("drill_answers", _drill_answers)):
            items = list(rows(store))
            if items:  # left out when empty: the file is then exactly what studyapp wrote before them
                out.write(",\n")
                _write_list(out, name, items, None)
        settings = json.dumps(store.stored_settings(), ensure_ascii=False)
        out.write(f',\n  "settings": {settings}\n}}\n')
        progress.finish()
    return Counts(cards, reviews, attempts)


def export_to_file(
    store: Store, target: Path, now: datetime, progress_stream: TextIO | None = None
) -> Counts:
    """Export into ``target`` through a temporary file beside it, renamed when complete."""
    if not target.parent.is_dir():
        raise TransferError(f"cannot write {target}: the folder {target.parent} does not exist")
    with written_beside(target, f"cannot write {target}") as temp, temp.open("x", encoding="utf-8") as out:
        counts = write_export(store, out, now, progress_stream)
        out.flush()
        os.fsync(out.fileno())
    return counts


@contextmanager
def written_beside(target: Path, failure: str) -> Iterator[Path]:
    """A fresh hidden path in ``target``'s folder for the block to write, renamed to ``target`` when the
    block completes and removed otherwise: ``target`` is never left half written. A file-system error
    becomes a ``TransferError`` that starts with ``failure``."""
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        yield temp
        os.replace(temp, target)
    except OSError as error:
        raise TransferError(f"{failure}: {error.strerror or error}") from error
    finally:
        temp.unlink(missing_ok=True)


# -- import: writing -------------------------------------------------------------------------------


def import_snapshot(store: Store, snapshot: Snapshot, progress_stream: TextIO | None = None) -> Counts:
    """Replace the collection's decks, cards, tags, reviews, quiz attempts and settings, in one transaction.

    The next open reconciles the imported cards with the decks on disk.
    """
    counts = snapshot.counts
    progress = Progress(progress_stream, "importing", counts.cards + counts.reviews + counts.quiz_attempts)
    store.replace_all(
        decks=snapshot.decks,
        cards=snapshot.cards,
        tags=snapshot.tags,
        reviews=snapshot.reviews,
        quiz_attempts=snapshot.quiz_attempts,
        settings=snapshot.settings,
        advance=progress.advance,
        predictions=snapshot.predictions,
        drill_answers=snapshot.drill_answers,
    )
    progress.finish()
    return counts


# -- backup ----------------------------------------------------------------------------------------


def default_backup_path(db_path: Path, now: datetime) -> Path:
    """A new file in a ``backups`` folder beside the collection, named after it and the UTC time."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = db_path.parent / "backups"
    candidate, number = folder / f"{db_path.stem}-{stamp}.sqlite3", 1
    while candidate.exists():
        number += 1
        candidate = folder / f"{db_path.stem}-{stamp}-{number}.sqlite3"
    return candidate


def backup_collection(db_path: Path, target: Path | None, now: datetime) -> Path:
    """Copy the collection with SQLite's backup API (consistent while others read or write); returns the copy.

    The copy is written to a temporary file beside ``target`` and renamed when complete.
    """
    if not db_path.is_file():
        raise TransferError(f"no collection at {db_path}; nothing to back up")
    target = target if target is not None else default_backup_path(db_path, now)
    if target.exists():
        raise TransferError(f"{target} already exists; choose another file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise TransferError(f"cannot create the folder {target.parent}: {error.strerror or error}") from error
    with written_beside(target, f"cannot back up {db_path} to {target}") as temp:
        copy_collection(db_path, temp)
    return target
