"""Reading an export: every field is checked before the collection is touched."""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn, TextIO

from studyapp.export_format import (
    DRILL_FIELDS,
    END_TIME_MS,
    FIRST_TIME_MS,
    FORMAT,
    INT64,
    MAX_DIFFICULTY,
    MAX_PARAMS_DEPTH,
    MAX_STABILITY,
    MIN_DIFFICULTY,
    OPTIONAL_TOP_LEVEL,
    PREDICTION_FIELDS,
    QUIZ_FIELDS,
    QUIZ_OPTIONAL_FIELDS,
    STATE_FIELDS,
    STATE_NAMES,
    TOP_LEVEL,
    VERSION,
    Counts,
    Progress,
    TransferError,
    epoch_ms,
    format_time,
)
from studyapp.export_stream import ChangedWhileRead, StreamedList, streamed_document
from studyapp.model import Rating, Settings, StudyState, state_json

#: How many times read ``_Reader.time`` remembers at most.
_KEPT_TIMES = 1 << 16


class _Reader:
    """Typed reads from parsed JSON; each failure names the file and the place, like ``reviews[3].rating``."""

    def __init__(self, source: str) -> None:
        self.source = source
        #: Times already read, by their text (a review's time is also its state's last review).
        self._times: dict[str, int] = {}

    def fail(self, where: str, message: str) -> NoReturn:
        raise TransferError(f"{self.source}: {where}: {message}")

    def fields(
        self, value: Any, where: str, fields: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """``value`` as an object with every one of ``fields``, and nothing else but ``optional`` ones."""
        if type(value) is dict and value.keys() == _names(fields):  # the common case, in one comparison
            return value
        if not isinstance(value, dict):
            self.fail(where, f"must be an object, got {_kind(value)}")
        missing = [name for name in fields if name not in value]
        if missing:
            self.fail(where, f"missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
        unknown = sorted(set(value) - set(fields) - set(optional))
        if unknown:
            self.fail(where, f"unknown field {unknown[0]!r}; fields: {', '.join([*fields, *optional])}")
        return value

    def items(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(where, f"must be a list, got {_kind(value)}")
        return value

    def integer(self, value: Any, where: str, low: int = -INT64, high: int = INT64 - 1) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"must be an integer, got {_kind(value)}")
        if not low <= value <= high:
            self.fail(where, f"must be from {low} to {high}, got {value}")
        return value

    def maybe_integer(self, value: Any, where: str, low: int = -INT64) -> int | None:
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
        """An ISO 8601 time with a time zone and whole milliseconds, as epoch milliseconds.

        Only times from 1970 to 8999 (UTC) are accepted: outside them, converting to a local time or
        scheduling from them leaves the calendar.
        """
        if value is None and nullable:
            return None
        known = self._times.get(value) if type(value) is str else None
        if known is not None:
            return known
        text = self.text(value, where)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.fail(where, f"must be an ISO 8601 time like 2025-03-03T12:00:00.000Z, got {text!r}")
        if moment.utcoffset() is None:
            self.fail(where, f"must include a time zone (e.g. a trailing Z for UTC), got {text!r}")
        if moment.microsecond % 1000:
            self.fail(where, f"must have at most millisecond precision, got {text!r}")
        try:
            ms = epoch_ms(moment)
        except OverflowError:  # its UTC time is before the year 1 or after 9999
            ms = END_TIME_MS
        if not FIRST_TIME_MS <= ms < END_TIME_MS:
            first, last = format_time(FIRST_TIME_MS), format_time(END_TIME_MS - 1)
            self.fail(where, f"must be from {first} to {last}, got {text!r}")
        if len(self._times) >= _KEPT_TIMES:
            self._times.clear()
        self._times[text] = ms
        return ms

    def state(self, value: Any, where: str, owner: str) -> tuple[Any, ...]:
        """A study state FSRS can review, as the store's column values (times in epoch milliseconds).

        ``owner`` names the card or review the state belongs to, for messages about FSRS's ranges.
        """
        data = self.fields(value, where, STATE_FIELDS)
        name = data["state"]
        if not isinstance(name, str) or name not in STATE_NAMES:
            self.fail(f"{where}.state", f"must be one of {', '.join(STATE_NAMES)}, got {_kind(name)}")
        state = STATE_NAMES[name]
        step = self.maybe_integer(data["step"], f"{where}.step", 0)
        stability = self.number(data["stability"], f"{where}.stability", positive=True)
        difficulty = self.number(data["difficulty"], f"{where}.difficulty")
        if stability is not None and stability > MAX_STABILITY:
            self.fail(
                f"{where}.stability", f"must be at most {MAX_STABILITY:g} days, got {stability:g} ({owner})"
            )
        if difficulty is not None and not MIN_DIFFICULTY <= difficulty <= MAX_DIFFICULTY:
            self.fail(
                f"{where}.difficulty",
                f"must be from {MIN_DIFFICULTY:g} to {MAX_DIFFICULTY:g} (FSRS cannot review a card outside "
                f"that range), got {_kind(data['difficulty'])} ({owner})",
            )
        if state != StudyState.NEW:
            for field, number in (("stability", stability), ("difficulty", difficulty)):
                if number is None:
                    self.fail(
                        f"{where}.{field}",
                        f"must be a number for a {name} card (FSRS schedules its next review from it; "
                        f"only a new card has none), got null ({owner})",
                    )
        if state in (StudyState.LEARNING, StudyState.RELEARNING) and step is None:
            self.fail(
                f"{where}.step",
                f"must be an integer >= 0 for a {name} card (its learning step), got null ({owner})",
            )
        return (
            int(state),
            step,
            stability,
            difficulty,
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


@lru_cache(maxsize=64)
def _names(fields: tuple[str, ...]) -> frozenset[str]:
    """The field names of ``fields`` as a set, made once per tuple of names."""
    return frozenset(fields)


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
    """The store's JSON snapshot of a state given as column values (``CardState.to_json``'s text, written
    from the values as they are: no times are converted)."""
    state, step, stability, difficulty, due, last_review, reps, lapses, suspended, buried, leech = values
    flags = (bool(suspended), buried, bool(leech))
    return state_json((state, step, stability, difficulty, due, last_review, reps, lapses, *flags))


@dataclass(frozen=True)
class Snapshot:
    """A checked export, as rows ready for the store's tables."""

    decks: list[tuple[Any, ...]]
    cards: list[tuple[Any, ...]]
    tags: list[tuple[str, str]]
    reviews: list[tuple[Any, ...]]
    quiz_attempts: list[tuple[Any, ...]]
    settings: dict[str, Any]
    #: Rows of ``predictions`` and ``drill_answers`` (``studyapp.store.predictions``' column order).
    predictions: list[tuple[Any, ...]] = field(default_factory=list)
    drill_answers: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def counts(self) -> Counts:
        """How many cards, reviews and quiz attempts it holds."""
        return Counts(len(self.cards), len(self.reviews), len(self.quiz_attempts))


def parse_export(text: str, source: str, progress_stream: TextIO | None = None) -> Snapshot:
    """Check an export document completely; ``TransferError`` names the first problem and its place.

    Everything the import will write is checked here, so a refused file changes nothing and makes no
    backup: JSON syntax, nesting, that all text is valid Unicode, the fields, types and ranges, and
    the references between decks, cards, reviews and quiz attempts.
    """
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise TransferError(f"{source}:{error.lineno}:{error.colno}: not valid JSON ({error.msg})") from error
    except ValueError as error:
        raise TransferError(f"{source}: not valid JSON ({error})") from error
    except RecursionError as error:
        raise TransferError(
            f"{source}: lists and objects are nested too deeply to read (an export nests them only a few "
            "levels); check that the file is an export written by studyapp"
        ) from error
    return checked_export(data, source, progress_stream, may_hold_surrogates=_may_hold_surrogates(text))


def checked_export(
    data: Any, source: str, progress_stream: TextIO | None = None, *, may_hold_surrogates: bool
) -> Snapshot:
    """``parse_export``'s checks of the parsed document ``data``, whose ``reviews`` may be a
    ``StreamedList`` (read from the file as they are checked); ``may_hold_surrogates``: whether its
    text may hold a lone surrogate, to look for."""
    read = _Reader(source)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        read.fail("format", f"not a studyapp export (the top level must be an object with format {FORMAT!r})")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):  # 1.0 and true are not the version 1
        read.fail("version", f"must be {VERSION}, got {_kind(version)}")
    if version > VERSION:
        raise TransferError(
            f"{source} was written by a newer studyapp (export version {version}; this studyapp reads "
            f"version {VERSION}): upgrade studyapp to import it"
        )
    if version != VERSION:
        read.fail("version", f"must be {VERSION}, got {_kind(version)}")
    if may_hold_surrogates:
        _check_text(read, data)
    read.fields(data, "top level", TOP_LEVEL, OPTIONAL_TOP_LEVEL)
    read.time(data["exported_at"], "exported_at", nullable=False)
    deck_items, card_items = read.items(data["decks"], "decks"), read.items(data["cards"], "cards")
    review_items = data["reviews"]
    if not isinstance(review_items, StreamedList):
        review_items = read.items(review_items, "reviews")
    attempt_items = read.items(data["quiz_attempts"], "quiz_attempts")
    progress = Progress(
        progress_stream, "checking ", len(card_items) + len(review_items) + len(attempt_items)
    )
    decks = _read_decks(read, deck_items)
    cards, tags = _read_cards(read, card_items, {row[0] for row in decks}, progress)
    card_ids = {row[0] for row in cards}
    reviews = _read_reviews(read, review_items, card_ids, progress)
    attempts = _read_attempts(read, attempt_items, card_ids, progress)
    progress.finish()
    settings = _read_settings(read, data["settings"])
    review_cards = {row[0]: row[1] for row in reviews}
    predictions = _read_predictions(
        read, read.items(data.get("predictions", []), "predictions"), card_ids, review_cards
    )
    drills = _read_drills(read, read.items(data.get("drill_answers", []), "drill_answers"), review_cards)
    return Snapshot(decks, cards, tags, reviews, attempts, settings, predictions, drills)


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


#: A JSON escape of a UTF-16 surrogate (``\ud800``-``\udfff``): valid only as half of a pair.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


#: A surrogate code point itself (text decoded from UTF-8 holds none; a ``str`` given directly may).
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _may_hold_surrogates(text: str) -> bool:
    """Whether the parsed document can contain a lone surrogate (a quick test of the whole text, which
    makes no copy of it)."""
    return bool(_SURROGATE_ESCAPE.search(text) or _SURROGATE.search(text))


def _check_text(read: _Reader, data: Any) -> None:
    """Refuse the first string or field name (in document order) that is not valid Unicode.

    JSON can escape half of a surrogate pair alone (``"\\ud800"``); such a string cannot be stored in
    UTF-8, so the collection (and every later export) would fail on it.
    """
    pending: list[tuple[Any, str]] = [(data, "")]
    while pending:
        value, where = pending.pop()
        if isinstance(value, str):
            _check_utf8(read, value, where, "")
        elif isinstance(value, dict):
            children = []
            for key, item in value.items():
                _check_utf8(read, key, where or "top level", f"the field name {key!r} ")
                children.append((item, f"{where}.{key}" if where else key))
            pending.extend(reversed(children))
        elif isinstance(value, list):
            pending.extend((item, f"{where}[{i}]") for i, item in reversed(list(enumerate(value))))


def _check_utf8(read: _Reader, text: str, where: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        read.fail(
            where,
            f"{what}contains a lone surrogate {text[error.start]!r} at character {error.start}, which is not "
            "valid text (a \\ud800-\\udfff escape is only valid as half of a pair); fix or remove it",
        )


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (0 for a number or string), without recursion."""
    depth, level = 0, [value]
    while level := [item for item in level if isinstance(item, dict | list)]:
        depth += 1
        if depth > MAX_PARAMS_DEPTH:
            break
        level = [child for item in level for child in (item.values() if isinstance(item, dict) else item)]
    return depth


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
                *read.state(state, where, f"card {card_id!r}"),
            )
        )
        progress.advance()
    return rows, tag_rows


def _read_reviews(
    read: _Reader, items: Iterable[Any], card_ids: set[str], progress: Progress
) -> list[tuple[Any, ...]]:
    fields = ("id", "card", "rating", "reviewed_at", "duration_ms", "before", "after")
    rows, seen = [], set[int]()
    # A review's state before is most often the state after the card's review before it: read once.
    after_of: dict[str, tuple[Any, tuple[Any, ...], str]] = {}  # card id: as given, as read, as stored
    ratings = ", ".join(f"{int(rating)} ({rating.name.lower()})" for rating in Rating)
    for i, item in enumerate(items):
        where = f"reviews[{i}]"
        review = read.fields(item, where, fields)
        review_id = read.integer(review["id"], f"{where}.id", 1)
        read.unique(seen, review_id, f"{where}.id")
        card_id = read.text(review["card"], f"{where}.card")
        if card_id not in card_ids:
            read.fail(f"{where}.card", f"unknown card {card_id!r} (not in cards)")
        rating = review["rating"]
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= len(Rating):
            read.fail(f"{where}.rating", f"must be one of {ratings}; got {_kind(rating)}")
        owner = f"review {review_id} of card {card_id!r}"
        last = after_of.get(card_id)
        if last is not None and _identical(last[0], review["before"]):  # read as the last state after
            before, before_text = last[1], last[2]
        else:
            before = read.state(review["before"], f"{where}.before", owner)
            before_text = _stored_state(before)
        after = read.state(review["after"], f"{where}.after", owner)
        after_text = _stored_state(after)
        after_of[card_id] = (review["after"], after, after_text)
        rows.append(
            (
                review_id,
                card_id,
                rating,
                read.time(review["reviewed_at"], f"{where}.reviewed_at", nullable=False),
                read.maybe_integer(review["duration_ms"], f"{where}.duration_ms", 0),
                before[0],
                after[0],
                before_text,
                after_text,
            )
        )
        progress.advance()
    return rows


def _identical(one: Any, other: Any) -> bool:
    """Whether two study states as the file gives them are the same object with the same plain values,
    each of the same JSON type (``1``, ``1.0`` and ``true`` compare equal in Python, not here)."""
    if not isinstance(one, dict) or not isinstance(other, dict) or one.keys() != other.keys():
        return False
    plain = (str, int, float, bool, type(None))
    return all(
        type(value) in plain and type(value) is type(other[key]) and value == other[key]
        for key, value in one.items()
    )


def _read_attempts(
    read: _Reader, items: list[Any], card_ids: set[str], progress: Progress
) -> list[tuple[Any, ...]]:
    rows, seen = [], set[int]()
    for i, item in enumerate(items):
        where = f"quiz_attempts[{i}]"
        attempt = read.fields(item, where, QUIZ_FIELDS, QUIZ_OPTIONAL_FIELDS)
        attempt_id = read.integer(attempt["id"], f"{where}.id", 1)
        read.unique(seen, attempt_id, f"{where}.id")
        card_id = attempt["card"]
        if card_id is not None and (not isinstance(card_id, str) or card_id not in card_ids):
            read.fail(f"{where}.card", f"unknown card {_kind(card_id)} (not in cards)")
        if not isinstance(attempt["params"], dict):
            read.fail(f"{where}.params", f"must be an object, got {_kind(attempt['params'])}")
        if _depth(attempt["params"]) > MAX_PARAMS_DEPTH:
            read.fail(
                f"{where}.params",
                f"nested more than {MAX_PARAMS_DEPTH} levels deep (a quiz writes a few levels at most)",
            )
        diagnosis = attempt.get("diagnosis")
        if diagnosis is not None:
            diagnosis = read.text(diagnosis, f"{where}.diagnosis", non_empty=True)
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
                diagnosis,
            )
        )
        progress.advance()
    return rows


def _read_params(read: _Reader, value: Any, where: str) -> str:
    """An object of parameters nested at most ``MAX_PARAMS_DEPTH`` levels, as the stored JSON text."""
    if not isinstance(value, dict):
        read.fail(where, f"must be an object, got {_kind(value)}")
    if _depth(value) > MAX_PARAMS_DEPTH:
        read.fail(
            where, f"nested more than {MAX_PARAMS_DEPTH} levels deep (studyapp writes a few levels at most)"
        )
    return json.dumps(value, sort_keys=True)


def _read_predictions(
    read: _Reader, items: list[Any], card_ids: set[str], review_cards: dict[int, str]
) -> list[tuple[Any, ...]]:
    rows, seen = [], set[int]()
    for i, item in enumerate(items):
        where = f"predictions[{i}]"
        entry = read.fields(item, where, PREDICTION_FIELDS)
        prediction_id = read.integer(entry["id"], f"{where}.id", 1)
        read.unique(seen, prediction_id, f"{where}.id")
        card_id = entry["card"]
        if card_id is not None and (not isinstance(card_id, str) or card_id not in card_ids):
            read.fail(f"{where}.card", f"unknown card {_kind(card_id)} (not in cards)")
        review_id = read.maybe_integer(entry["review"], f"{where}.review", 1)
        if review_id is not None and review_cards.get(review_id) != card_id:
            read.fail(
                f"{where}.review", f"must be the id of a review of card {_kind(card_id)}, got {review_id}"
            )
        numbers = [read.number(entry[name], f"{where}.{name}") for name in ("predicted", "expected")]
        for name, number in zip(("predicted", "expected"), numbers, strict=True):
            if number is None:
                read.fail(f"{where}.{name}", "must be a finite number, got null")
        diagnosis = entry["diagnosis"]
        rows.append(
            (
                prediction_id,
                read.time(entry["at"], f"{where}.at", nullable=False),
                card_id,
                review_id,
                read.text(entry["sim"], f"{where}.sim", non_empty=True),
                read.text(entry["answer"], f"{where}.answer", non_empty=True),
                _read_params(read, entry["params"], f"{where}.params"),
                read.text(entry["given"], f"{where}.given"),
                *numbers,
                int(read.boolean(entry["correct"], f"{where}.correct")),
                None if diagnosis is None else read.text(diagnosis, f"{where}.diagnosis", non_empty=True),
            )
        )
    return rows


def _read_drills(read: _Reader, items: list[Any], review_cards: dict[int, str]) -> list[tuple[Any, ...]]:
    rows, seen = [], set[int]()
    for i, item in enumerate(items):
        where = f"drill_answers[{i}]"
        entry = read.fields(item, where, DRILL_FIELDS)
        review_id = read.integer(entry["review"], f"{where}.review", 1)
        read.unique(seen, review_id, f"{where}.review")
        card_id = read.text(entry["card"], f"{where}.card", non_empty=True)
        if review_cards.get(review_id) != card_id:
            read.fail(f"{where}.review", f"must be the id of a review of card {card_id!r}, got {review_id}")
        correct, diagnosis = entry["correct"], entry["diagnosis"]
        rows.append(
            (
                review_id,
                card_id,
                read.text(entry["problem"], f"{where}.problem", non_empty=True),
                read.integer(entry["seed"], f"{where}.seed", 0),
                read.text(entry["given"], f"{where}.given"),
                None if correct is None else int(read.boolean(correct, f"{where}.correct")),
                None if diagnosis is None else read.text(diagnosis, f"{where}.diagnosis", non_empty=True),
            )
        )
    return rows


def _read_settings(read: _Reader, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        read.fail("settings", f"must be an object, got {_kind(value)}")
    settings = {}
    for key, item in value.items():
        if isinstance(item, dict) or (isinstance(item, list) and key != "fsrs_parameters"):
            read.fail(f"settings.{key}", f"must be a number, string or boolean, got {_kind(item)}")
        try:
            settings[key] = Settings.check(key, item)
        except ValueError as error:
            read.fail(f"settings.{key}", str(error))
    return settings


#: From this size on, an export file is read with its reviews streamed: read whole, it takes about five
#: times its size in memory (1.7 GB for 495k reviews); streamed, less than one and a half times its size,
#: in half again the time.
STREAM_FROM = 64 << 20


def read_export(path: str, progress_stream: TextIO | None = None, stream_from: int = STREAM_FROM) -> Snapshot:
    """Read and check the export at ``path`` (``-``: standard input). A file of ``stream_from`` bytes or
    more is read with its reviews streamed (``studyapp.export_stream``) when it can be; else, and from
    standard input, it is read whole (``parse_export``). Both give the same snapshot or problem."""
    source = "<stdin>" if path == "-" else path
    if path != "-" and _size(path) >= stream_from:
        document = streamed_document(Path(path))
        if document is not None:
            try:
                return checked_export(document, source, progress_stream, may_hold_surrogates=False)
            except ChangedWhileRead:
                raise TransferError(f"{source} changed while it was read; import it again") from None
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        text = data.decode("utf-8-sig")
        del data  # (the bytes are not needed while the text is parsed: half the memory of a big file)
    except FileNotFoundError as error:
        raise TransferError(f"{source}: no such file") from error
    except UnicodeDecodeError as error:
        raise TransferError(
            f"{source}: not a text file in UTF-8 ({error.reason} at byte {error.start})"
        ) from error
    except OSError as error:
        raise TransferError(f"cannot read {source}: {error.strerror or error}") from error
    return parse_export(text, source, progress_stream)


def _size(path: str) -> int:
    """The size of the file at ``path`` (-1 if it cannot be read: the whole-text reader says why)."""
    try:
        return Path(path).stat().st_size
    except OSError:
        return -1
