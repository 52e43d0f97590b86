"""Export, import and backup of a collection (the format is documented in ``docs/export-format.md``).

An export is one JSON document: the decks, every card with its study state and tags, the review log,
the quiz attempts and the settings. Times are UTC ISO 8601 strings with milliseconds, which is the
store's own precision, so export -> import -> export is exact. An import is checked completely before
the collection is touched, then replaces the collection's contents in one transaction.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, NoReturn, TextIO

from studyapp.errors import UserError
from studyapp.migrations import check_existing_file, copy_database
from studyapp.model import CardState, Settings, StudyState
from studyapp.scheduler import RATINGS, check_utc
from studyapp.store import LIBRARY_FINGERPRINT, Store

FORMAT = "studyapp-export"
VERSION = 1
TOP_LEVEL = ("format", "version", "exported_at", "decks", "cards", "reviews", "quiz_attempts", "settings")
#: The fields of a study state, in the store's snapshot order (``CardState.to_json``).
STATE_FIELDS: tuple[str, ...] = tuple(json.loads(CardState().to_json()))
STATE_NAMES = {state.name.lower(): state for state in StudyState}
BATCH = 2000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_INT64 = 2**63
_STATE_TIMES = ("due", "last_review", "buried_until")
_CARD_COLUMNS = (
    "card_id, deck_id, position, ord, retired, state, step, stability, difficulty, due, last_review, "
    "reps, lapses, suspended, buried_until, leech"
)
_QUIZ_COLUMNS = "id, at, kind, card_id, seed, params, question, given, expected, correct, duration_ms"


class TransferError(UserError):
    """An export, import or backup that cannot be done; the message says what, where and why."""


# -- progress --------------------------------------------------------------------------------------


class Progress:
    """A one-line text progress bar on ``stream``; silent unless ``stream`` is a terminal."""

    def __init__(self, stream: TextIO | None, label: str, total: int, width: int = 30) -> None:
        self.stream = stream
        self.label, self.total, self.width = label, total, width
        self.done = 0
        self.active = stream is not None and total > 0 and stream.isatty()
        self._shown = -1

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more items done; redraws when the whole percentage changes."""
        self.done = min(self.done + count, self.total)
        if not self.active or self.stream is None:
            return
        percent = self.done * 100 // self.total
        if percent != self._shown:
            self._shown = percent
            filled = self.done * self.width // self.total
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {percent:3d}% ({self.done}/{self.total})")
            self.stream.flush()

    def finish(self) -> None:
        """End the bar's line."""
        if self.active and self.stream is not None and self._shown >= 0:
            self.stream.write("\n")
            self.stream.flush()


# -- times -----------------------------------------------------------------------------------------


def format_time(ms: int | None) -> str | None:
    """Epoch milliseconds as ``2025-03-03T12:00:00.000Z`` (``None`` stays ``None``)."""
    if ms is None:
        return None
    return (_EPOCH + ms * _MS).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _time_of(ms: int | None) -> datetime | None:
    return None if ms is None else _EPOCH + ms * _MS


# -- export ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """How many cards, reviews and quiz attempts an export or import moved."""

    cards: int
    reviews: int
    quiz_attempts: int

    def __str__(self) -> str:
        return f"{self.cards} cards, {self.reviews} reviews and {self.quiz_attempts} quiz attempts"


def _state_json(values: Mapping[str, Any]) -> dict[str, Any]:
    """A study state for the export, from the store's values (times in epoch milliseconds)."""
    state = {name: values[name] for name in STATE_FIELDS}
    state["state"] = StudyState(values["state"]).name.lower()
    for name in ("suspended", "leech"):
        state[name] = bool(values[name])
    for name in _STATE_TIMES:
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
        header = {"format": FORMAT, "version": VERSION, "exported_at": format_time(_ms(check_utc(now)))}
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


def _ms(moment: datetime) -> int:
    return (moment.astimezone(UTC) - _EPOCH) // _MS


# -- import: checking ------------------------------------------------------------------------------


class _Reader:
    """Typed reads from parsed JSON; each failure names the file and the place, like ``reviews[3].rating``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> NoReturn:
        raise TransferError(f"{self.source}: {where}: {message}")

    def fields(self, value: Any, where: str, fields: Sequence[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, f"must be an object, got {_kind(value)}")
        missing = [name for name in fields if name not in value]
        if missing:
            self.fail(where, f"missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
        unknown = sorted(set(value) - set(fields))
        if unknown:
            self.fail(where, f"unknown field {unknown[0]!r}; fields: {', '.join(fields)}")
        return value

    def items(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(where, f"must be a list, got {_kind(value)}")
        return value

    def integer(self, value: Any, where: str, low: int = -_INT64, high: int = _INT64 - 1) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"must be an integer, got {_kind(value)}")
        if not low <= value <= high:
            self.fail(where, f"must be from {low} to {high}, got {value}")
        return value

    def maybe_integer(self, value: Any, where: str, low: int = -_INT64) -> int | None:
        return None if value is None else self.integer(value, where, low)

    def number(self, value: Any, where: str, positive: bool = False) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(where, f"must be a finite number or null, got {_kind(value)}")
        if positive and value <= 0:
            self.fail(where, f"must be greater than 0, got {value}")
        return float(value)

    def text(self, value: Any, where: str, non_empty: bool = False) -> str:
        if not isinstance(value, str):
            self.fail(where, f"must be a string, got {_kind(value)}")
        if non_empty and not value:
            self.fail(where, "must not be empty")
        return value

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            self.fail(where, f"must be true or false, got {_kind(value)}")
        return value

    def time(self, value: Any, where: str, nullable: bool = True) -> int | None:
        """An ISO 8601 time with a time zone and whole milliseconds, as epoch milliseconds."""
        if value is None and nullable:
            return None
        text = self.text(value, where)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.fail(where, f"must be an ISO 8601 time like 2025-03-03T12:00:00.000Z, got {text!r}")
        if moment.utcoffset() is None:
            self.fail(where, f"must include a time zone (e.g. a trailing Z for UTC), got {text!r}")
        if moment.microsecond % 1000:
            self.fail(where, f"must have at most millisecond precision, got {text!r}")
        return _ms(moment)

    def state(self, value: Any, where: str) -> tuple[Any, ...]:
        """A study state, as the store's column values (times in epoch milliseconds)."""
        data = self.fields(value, where, STATE_FIELDS)
        name = data["state"]
        if not isinstance(name, str) or name not in STATE_NAMES:
            self.fail(f"{where}.state", f"must be one of {', '.join(STATE_NAMES)}, got {_kind(name)}")
        return (
            int(STATE_NAMES[name]),
            self.maybe_integer(data["step"], f"{where}.step", 0),
            self.number(data["stability"], f"{where}.stability", positive=True),
            self.number(data["difficulty"], f"{where}.difficulty"),
            self.time(data["due"], f"{where}.due"),
            self.time(data["last_review"], f"{where}.last_review"),
            self.integer(data["reps"], f"{where}.reps", 0),
            self.integer(data["lapses"], f"{where}.lapses", 0),
            int(self.boolean(data["suspended"], f"{where}.suspended")),
            self.time(data["buried_until"], f"{where}.buried_until"),
            int(self.boolean(data["leech"], f"{where}.leech")),
        )

    def unique(self, seen: set[Any], value: Any, where: str) -> None:
        if value in seen:
            self.fail(where, f"duplicate {value!r}")
        seen.add(value)


def _kind(value: Any) -> str:
    """A short description of a JSON value for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else "a long string"
    return "a list" if isinstance(value, list) else "an object"


def _stored_state(values: Sequence[Any]) -> str:
    """The store's JSON snapshot of a state given as column values."""
    state, step, stability, difficulty, due, last_review, reps, lapses, suspended, buried, leech = values
    return CardState(
        state=StudyState(state),
        step=step,
        stability=stability,
        difficulty=difficulty,
        due=_time_of(due),
        last_review=_time_of(last_review),
        reps=reps,
        lapses=lapses,
        suspended=bool(suspended),
        buried_until=_time_of(buried),
        leech=bool(leech),
    ).to_json()


@dataclass(frozen=True)
class Snapshot:
    """A checked export, as rows ready for the store's tables."""

    decks: list[tuple[Any, ...]]
    cards: list[tuple[Any, ...]]
    tags: list[tuple[str, str]]
    reviews: list[tuple[Any, ...]]
    quiz_attempts: list[tuple[Any, ...]]
    settings: dict[str, Any]

    @property
    def counts(self) -> Counts:
        """How many cards, reviews and quiz attempts it holds."""
        return Counts(len(self.cards), len(self.reviews), len(self.quiz_attempts))


def parse_export(text: str, source: str, progress_stream: TextIO | None = None) -> Snapshot:
    """Check an export document completely; ``TransferError`` names the first problem and its place."""
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise TransferError(f"{source}:{error.lineno}:{error.colno}: not valid JSON ({error.msg})") from error
    except ValueError as error:
        raise TransferError(f"{source}: not valid JSON ({error})") from error
    read = _Reader(source)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        read.fail("format", f"not a studyapp export (the top level must be an object with format {FORMAT!r})")
    version = data.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise TransferError(
            f"{source} was written by a newer studyapp (export version {version}; this studyapp reads "
            f"version {VERSION}): upgrade studyapp to import it"
        )
    if version != VERSION or isinstance(version, bool):
        read.fail("version", f"must be {VERSION}, got {_kind(version)}")
    read.fields(data, "top level", TOP_LEVEL)
    read.time(data["exported_at"], "exported_at", nullable=False)
    lists = {name: read.items(data[name], name) for name in ("decks", "cards", "reviews", "quiz_attempts")}
    checked = len(lists["cards"]) + len(lists["reviews"]) + len(lists["quiz_attempts"])
    progress = Progress(progress_stream, "checking ", checked)
    decks = _read_decks(read, lists["decks"])
    cards, tags = _read_cards(read, lists["cards"], {row[0] for row in decks}, progress)
    card_ids = {row[0] for row in cards}
    reviews = _read_reviews(read, lists["reviews"], card_ids, progress)
    attempts = _read_attempts(read, lists["quiz_attempts"], card_ids, progress)
    progress.finish()
    settings = _read_settings(read, data["settings"])
    return Snapshot(decks, cards, tags, reviews, attempts, settings)


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _read_decks(read: _Reader, items: list[Any]) -> list[tuple[Any, ...]]:
    rows, seen = [], set[str]()
    for i, item in enumerate(items):
        where = f"decks[{i}]"
        deck = read.fields(item, where, ("id", "title", "rank", "retired"))
        deck_id = read.text(deck["id"], f"{where}.id", non_empty=True)
        read.unique(seen, deck_id, f"{where}.id")
        rows.append(
            (
                deck_id,
                read.text(deck["title"], f"{where}.title"),
                read.integer(deck["rank"], f"{where}.rank"),
                int(read.boolean(deck["retired"], f"{where}.retired")),
            )
        )
    return rows


def _read_cards(
    read: _Reader, items: list[Any], deck_ids: set[str], progress: Progress
) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]]]:
    fields = ("id", "deck", "position", "ord", "retired", "tags", *STATE_FIELDS)
    rows, tag_rows, seen = [], list[tuple[str, str]](), set[str]()
    for i, item in enumerate(items):
        where = f"cards[{i}]"
        card = read.fields(item, where, fields)
        card_id = read.text(card["id"], f"{where}.id", non_empty=True)
        read.unique(seen, card_id, f"{where}.id")
        deck_id = read.text(card["deck"], f"{where}.deck", non_empty=True)
        if deck_id not in deck_ids:
            read.fail(f"{where}.deck", f"unknown deck {deck_id!r} (not in decks)")
        card_tags = set[str]()
        for j, tag in enumerate(read.items(card["tags"], f"{where}.tags")):
            read.unique(card_tags, read.text(tag, f"{where}.tags[{j}]", non_empty=True), f"{where}.tags[{j}]")
        tag_rows.extend((card_id, tag) for tag in sorted(card_tags))
        state = {name: card[name] for name in STATE_FIELDS}
        rows.append(
            (
                card_id,
                deck_id,
                read.integer(card["position"], f"{where}.position", 0),
                read.integer(card["ord"], f"{where}.ord"),
                int(read.boolean(card["retired"], f"{where}.retired")),
                *read.state(state, where),
            )
        )
        progress.advance()
    return rows, tag_rows


def _read_reviews(
    read: _Reader, items: list[Any], card_ids: set[str], progress: Progress
) -> list[tuple[Any, ...]]:
    fields = ("id", "card", "rating", "reviewed_at", "duration_ms", "before", "after")
    rows, seen = [], set[int]()
    ratings = ", ".join(f"{value} ({name})" for value, name in RATINGS.items())
    for i, item in enumerate(items):
        where = f"reviews[{i}]"
        review = read.fields(item, where, fields)
        review_id = read.integer(review["id"], f"{where}.id", 1)
        read.unique(seen, review_id, f"{where}.id")
        card_id = read.text(review["card"], f"{where}.card")
        if card_id not in card_ids:
            read.fail(f"{where}.card", f"unknown card {card_id!r} (not in cards)")
        rating = review["rating"]
        if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
            read.fail(f"{where}.rating", f"must be one of {ratings}; got {_kind(rating)}")
        before = read.state(review["before"], f"{where}.before")
        after = read.state(review["after"], f"{where}.after")
        rows.append(
            (
                review_id,
                card_id,
                rating,
                read.time(review["reviewed_at"], f"{where}.reviewed_at", nullable=False),
                read.maybe_integer(review["duration_ms"], f"{where}.duration_ms", 0),
                before[0],
                after[0],
                _stored_state(before),
                _stored_state(after),
            )
        )
        progress.advance()
    return rows


def _read_attempts(
    read: _Reader, items: list[Any], card_ids: set[str], progress: Progress
) -> list[tuple[Any, ...]]:
    fields = ("id", "at", "kind", "card", "seed", "params", "question", "given", "expected", "correct")
    rows, seen = [], set[int]()
    for i, item in enumerate(items):
        where = f"quiz_attempts[{i}]"
        attempt = read.fields(item, where, (*fields, "duration_ms"))
        attempt_id = read.integer(attempt["id"], f"{where}.id", 1)
        read.unique(seen, attempt_id, f"{where}.id")
        card_id = attempt["card"]
        if card_id is not None and (not isinstance(card_id, str) or card_id not in card_ids):
            read.fail(f"{where}.card", f"unknown card {_kind(card_id)} (not in cards)")
        if not isinstance(attempt["params"], dict):
            read.fail(f"{where}.params", f"must be an object, got {_kind(attempt['params'])}")
        rows.append(
            (
                attempt_id,
                read.time(attempt["at"], f"{where}.at", nullable=False),
                read.text(attempt["kind"], f"{where}.kind", non_empty=True),
                card_id,
                read.maybe_integer(attempt["seed"], f"{where}.seed"),
                json.dumps(attempt["params"], sort_keys=True),
                read.text(attempt["question"], f"{where}.question"),
                read.text(attempt["given"], f"{where}.given"),
                read.text(attempt["expected"], f"{where}.expected"),
                int(read.boolean(attempt["correct"], f"{where}.correct")),
                read.maybe_integer(attempt["duration_ms"], f"{where}.duration_ms", 0),
            )
        )
        progress.advance()
    return rows


def _read_settings(read: _Reader, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        read.fail("settings", f"must be an object, got {_kind(value)}")
    settings = {}
    for key, item in value.items():
        try:
            settings[key] = Settings.check(key, item)
        except ValueError as error:
            read.fail(f"settings.{key}", str(error))
    return settings


def read_export(path: str, progress_stream: TextIO | None = None) -> Snapshot:
    """Read and check the export at ``path`` (``-``: standard input)."""
    source = "<stdin>" if path == "-" else path
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        text = data.decode("utf-8-sig")
    except FileNotFoundError as error:
        raise TransferError(f"{source}: no such file") from error
    except UnicodeDecodeError as error:
        raise TransferError(
            f"{source}: not a text file in UTF-8 ({error.reason} at byte {error.start})"
        ) from error
    except OSError as error:
        raise TransferError(f"cannot read {source}: {error.strerror or error}") from error
    return parse_export(text, source, progress_stream)


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
