"""Export, import and backup of a collection (the format is documented in ``docs/export-format.md``).

An export is one JSON document: the decks, every card with its study state and tags, the review log,
the quiz attempts and the settings. Times are UTC ISO 8601 strings with milliseconds, which is the
store's own precision, so export -> import -> export is exact. An import is checked completely before
the collection is touched, then replaces the collection's contents in one transaction.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
from studyapp.migrations import check_existing_file, copy_database
from studyapp.model import Settings, StudyState
from studyapp.scheduler import check_utc
from studyapp.store import LIBRARY_FINGERPRINT, Store

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
]

BATCH = 2000
_CARD_COLUMNS = (
    "card_id, deck_id, position, ord, retired, state, step, stability, difficulty, due, last_review, "
    "reps, lapses, suspended, buried_until, leech"
)
_QUIZ_COLUMNS = "id, at, kind, card_id, seed, params, question, given, expected, correct, duration_ms"


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


def _cards(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    tags: dict[str, list[str]] = {}
    for card_id, tag in conn.execute("SELECT card_id, tag FROM card_tags ORDER BY card_id, tag"):
        tags.setdefault(card_id, []).append(tag)
    names = [name.strip() for name in _CARD_COLUMNS.split(",")]
    for row in conn.execute(f"SELECT {_CARD_COLUMNS} FROM cards ORDER BY ord, card_id"):
        values = dict(zip(names, row, strict=True))
        yield {
            "id": values["card_id"],
            "deck": values["deck_id"],
            "position": values["position"],
            "ord": values["ord"],
            "retired": bool(values["retired"]),
            "tags": tags.get(values["card_id"], []),
            **_state_json(values),
        }


def _reviews(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    query = "SELECT id, card_id, rating, reviewed_at, duration_ms, before, after FROM reviews ORDER BY id"
    for review_id, card_id, rating, reviewed_at, duration_ms, before, after in conn.execute(query):
        yield {
            "id": review_id,
            "card": card_id,
            "rating": rating,
            "reviewed_at": format_time(reviewed_at),
            "duration_ms": duration_ms,
            "before": _state_json(json.loads(before)),
            "after": _state_json(json.loads(after)),
        }


def _quiz_attempts(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    for row in conn.execute(f"SELECT {_QUIZ_COLUMNS} FROM quiz_attempts ORDER BY id"):
        attempt_id, at, kind, card_id, seed, params, question, given, expected, correct, duration_ms = row
        yield {
            "id": attempt_id,
            "at": format_time(at),
            "kind": kind,
            "card": card_id,
            "seed": seed,
            "params": json.loads(params),
            "question": question,
            "given": given,
            "expected": expected,
            "correct": bool(correct),
            "duration_ms": duration_ms,
        }


def _write_list(out: IO[str], name: str, items: Iterable[dict[str, Any]], progress: Progress | None) -> int:
    """Write ``"name": [...]`` with one item per line; returns how many items were written."""
    count = 0
    out.write(f"  {json.dumps(name)}: [")
    for item in items:
        out.write(",\n    " if count else "\n    ")
        out.write(json.dumps(item, ensure_ascii=False, allow_nan=False))
        count += 1
        if progress is not None:
            progress.advance()
    out.write("\n  ]" if count else "]")
    return count


def write_export(store: Store, out: IO[str], now: datetime, progress_stream: TextIO | None = None) -> Counts:
    """Write the whole collection to ``out`` as one JSON document, read in one consistent snapshot."""
    conn = store.conn
    own_snapshot = not conn.in_transaction
    if own_snapshot:
        conn.execute("BEGIN")
    try:
        total = sum(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("cards", "reviews", "quiz_attempts")
        )
        progress = Progress(progress_stream, "exporting", total)
        decks = [
            {"id": deck_id, "title": title, "rank": rank, "retired": bool(retired)}
            for deck_id, title, rank, retired in conn.execute(
                "SELECT deck_id, title, rank, retired FROM decks ORDER BY rank, deck_id"
            )
        ]
        out.write("{\n")
        header = {"format": FORMAT, "version": VERSION, "exported_at": format_time(epoch_ms(check_utc(now)))}
        for key, value in header.items():
            out.write(f"  {json.dumps(key)}: {json.dumps(value)},\n")
        _write_list(out, "decks", decks, None)
        out.write(",\n")
        cards = _write_list(out, "cards", _cards(conn), progress)
        out.write(",\n")
        reviews = _write_list(out, "reviews", _reviews(conn), progress)
        out.write(",\n")
        attempts = _write_list(out, "quiz_attempts", _quiz_attempts(conn), progress)
        settings = json.dumps(_stored_settings(conn), ensure_ascii=False)
        out.write(f',\n  "settings": {settings}\n}}\n')
        progress.finish()
    finally:
        if own_snapshot and conn.in_transaction:
            conn.execute("COMMIT")
    return Counts(cards, reviews, attempts)


def _stored_settings(conn: sqlite3.Connection) -> dict[str, Any]:
    """The settings the user has set (valid ones; the others take their defaults), by name."""
    settings = {}
    for key, text in conn.execute("SELECT key, value FROM settings ORDER BY key"):
        try:
            settings[key] = Settings.check(key, json.loads(text))
        except ValueError:
            continue
    return settings


def export_to_file(
    store: Store, target: Path, now: datetime, progress_stream: TextIO | None = None
) -> Counts:
    """Export into ``target`` through a temporary file beside it, renamed when complete."""
    if not target.parent.is_dir():
        raise TransferError(f"cannot write {target}: the folder {target.parent} does not exist")
    temp = _temp_beside(target)
    try:
        with temp.open("x", encoding="utf-8") as out:
            counts = write_export(store, out, now, progress_stream)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except OSError as error:
        raise TransferError(f"cannot write {target}: {error.strerror or error}") from error
    finally:
        temp.unlink(missing_ok=True)
    return counts


def _temp_beside(target: Path) -> Path:
    """A fresh hidden name in ``target``'s folder, for writing a file and renaming it when complete."""
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")


# -- import: writing -------------------------------------------------------------------------------


def has_history(store: Store) -> bool:
    """Whether the collection holds any review or quiz attempt (what an import would replace)."""
    row = store.conn.execute(
        "SELECT EXISTS (SELECT 1 FROM reviews) OR EXISTS (SELECT 1 FROM quiz_attempts)"
    ).fetchone()
    return bool(row[0])


def _insert(conn: sqlite3.Connection, sql: str, rows: Sequence[tuple[Any, ...]], progress: Progress) -> None:
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        conn.executemany(sql, batch)
        progress.advance(len(batch))


def import_snapshot(store: Store, snapshot: Snapshot, progress_stream: TextIO | None = None) -> Counts:
    """Replace the collection's decks, cards, tags, reviews, quiz attempts and settings, in one transaction.

    The next open reconciles the imported cards with the decks on disk (the library fingerprint is
    cleared, so it runs).
    """
    counts = snapshot.counts
    progress = Progress(progress_stream, "importing", counts.cards + counts.reviews + counts.quiz_attempts)
    with store.transaction() as conn:
        for table in ("card_tags", "cards", "reviews", "quiz_attempts", "settings", "decks"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("DELETE FROM meta WHERE key = ?", (LIBRARY_FINGERPRINT,))
        conn.executemany(
            "INSERT INTO decks (deck_id, title, rank, retired) VALUES (?, ?, ?, ?)", snapshot.decks
        )
        _insert(conn, f"INSERT INTO cards ({_CARD_COLUMNS}) VALUES ({_marks(16)})", snapshot.cards, progress)
        conn.executemany("INSERT INTO card_tags (card_id, tag) VALUES (?, ?)", snapshot.tags)
        _insert(
            conn,
            "INSERT INTO reviews (id, card_id, rating, reviewed_at, duration_ms, state_before, state_after, "
            f"before, after) VALUES ({_marks(9)})",
            snapshot.reviews,
            progress,
        )
        _insert(
            conn,
            f"INSERT INTO quiz_attempts ({_QUIZ_COLUMNS}) VALUES ({_marks(11)})",
            snapshot.quiz_attempts,
            progress,
        )
        conn.executemany(
            "INSERT INTO settings (key, value) VALUES (?, ?)",
            [(key, json.dumps(value)) for key, value in snapshot.settings.items()],
        )
    progress.finish()
    return counts


def _marks(count: int) -> str:
    return ", ".join("?" * count)


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
    check_existing_file(db_path)
    target = target if target is not None else default_backup_path(db_path, now)
    if target.exists():
        raise TransferError(f"{target} already exists; choose another file name")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise TransferError(f"cannot create the folder {target.parent}: {error.strerror or error}") from error
    temp = _temp_beside(target)
    source = sqlite3.connect(db_path, timeout=5)
    try:
        copy_database(source, temp)
        os.replace(temp, target)
    except (OSError, sqlite3.Error) as error:
        raise TransferError(f"cannot back up {db_path} to {target}: {error}") from error
    finally:
        source.close()
        temp.unlink(missing_ok=True)
    return target
