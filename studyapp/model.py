"""Plain data types shared by the whole app. Stdlib only."""

from __future__ import annotations

import json
import math
import operator
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from pathlib import Path
from typing import Any, ClassVar, NamedTuple


@dataclass(frozen=True)
class Card:
    """One flashcard as authored in a deck file.

    ``key_terms`` are what a typed answer must mention; each term may list synonyms
    separated by ``|`` (for example ``"non-linearity|nonlinear"``). ``choices`` marks a
    card that is asked as multiple choice in review too; ``steps`` is an ordered list
    for ordering questions. ``note`` corrects or clarifies the author's words, which stay
    verbatim (``note_kind`` is ``"correction"`` or ``"clarification"``); ``headline`` names the
    answers of the card's simulation that the review shows after the answer (their keys).
    A cloze card (``studyapp.cloze``) keeps its note's text in ``cloze`` and its deletion's number in
    ``cloze_number``; its ``question`` is that text with the blanks, its ``answer`` what they hide.
    A drill card names a generated ``problem`` (a numeric quiz kind): each review shows a fresh instance,
    so its ``question`` and ``answer`` only describe it in lists.
    """

    id: str
    deck: str
    question: str
    answer: str
    details: str = ""
    tags: tuple[str, ...] = ()
    sim: str | None = None
    sim_params: Mapping[str, Any] = field(default_factory=dict)
    distractors: tuple[str, ...] = ()
    key_terms: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    multiple_choice: bool = False
    note: str = ""
    note_kind: str = ""
    headline: tuple[str, ...] = ()
    position: int = 0
    source: Path | None = None
    line: int = 0
    cloze: str = ""
    cloze_number: int = 0
    problem: str = ""

    def answer_markdown(self) -> str:
        """The answer in bold, then its details, as Markdown."""
        return f"**{self.answer}**\n\n{self.details}" if self.details else f"**{self.answer}**"


@dataclass(frozen=True)
class Deck:
    """A deck file: an id, a title and its cards in authored order."""

    id: str
    title: str
    cards: tuple[Card, ...]
    description: str = ""
    source: Path | None = None
    bundled: bool = False
    #: The ``text_digest`` of the text it was read from, if it was read from a file.
    digest: str = ""


def grew_from(before: Deck, deck: Deck) -> bool:
    """Whether ``deck`` is ``before`` with cards added after its own, read from the same file."""
    count = len(before.cards)
    return (
        before.source is not None
        and before.source == deck.source
        and 0 < count < len(deck.cards)
        and all(map(operator.is_, before.cards, deck.cards[:count]))
    )


def text_digest(text: str) -> str:
    """Two checksums of ``text`` (as UTF-8) and its length: enough to notice any edit, without hashlib's
    ~15 ms import at start-up."""
    return bytes_digest(text.encode())


def bytes_digest(data: bytes) -> str:
    """``text_digest`` of the text whose UTF-8 bytes are ``data``."""
    return RunningDigest().add(data).hex()


class RunningDigest(NamedTuple):
    """``bytes_digest`` of bytes given a part at a time: ``RunningDigest().add(a).add(b).hex()`` is
    ``bytes_digest(a + b)``, so a digest of text that grew goes on from the digest of what it was."""

    crc: int = 0
    adler: int = 1
    length: int = 0

    def add(self, data: bytes) -> RunningDigest:
        crc, adler = zlib.crc32(data, self.crc), zlib.adler32(data, self.adler)
        return RunningDigest(crc, adler, self.length + len(data))

    def hex(self) -> str:
        return f"{self.crc:08x}{self.adler:08x}{self.length:x}"


def digest_length(digest: str) -> int:
    """The length in bytes of the text a ``text_digest`` is of."""
    return int(digest[16:], 16)


@dataclass(frozen=True)
class Problem:
    """A located, actionable problem found in a deck file."""

    path: Path
    message: str
    line: int = 0
    column: int = 0
    card: str | None = None

    def __str__(self) -> str:
        where = str(self.path)
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        card = f" [card {self.card}]" if self.card else ""
        return f"{where}:{card} {self.message}"


class StudyState(IntEnum):
    """Where a card is in its study life; 1-3 are fsrs's ``State`` values."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


class Rating(IntEnum):
    """A learner's answer to "did you remember it?", as fsrs numbers it (Anki's keys 1-4)."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        """The name shown to the learner: "Again", "Hard", "Good" or "Easy"."""
        return self.name.capitalize()

    @classmethod
    def parse(cls, value: object) -> Rating:
        """A rating from 1-4 (an int, not a bool); anything else raises ``ValueError``."""
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
            raise ValueError(f"rating must be 1 (again), 2 (hard), 3 (good) or 4 (easy), got {value!r}")
        return cls(value)

    @classmethod
    def from_word(cls, word: str) -> Rating | None:
        """The rating named by ``word`` ("1"-"4" or "again", "hard", "good", "easy"), else ``None``."""
        word = word.strip().lower()
        if word in ("1", "2", "3", "4"):
            return cls(int(word))
        return cls.__members__.get(word.upper())


def _utc_from_ms(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1000, UTC)


def utc_ms(value: datetime | None) -> int | None:
    """Milliseconds since the epoch of an aware datetime (``None`` stays ``None``)."""
    return None if value is None else round(value.timestamp() * 1000)


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))


def _json_value(value: object) -> str:
    """``value`` as ``json.dumps`` writes it in a compact object (numbers and null without the encoder)."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is float and math.isfinite(value):
        return float.__repr__(value)
    return _COMPACT_JSON.encode(value)


def state_json(values: Sequence[object]) -> str:
    """``CardState.to_json`` of the values of ``CardState.COLUMNS``, in that order, with the times as epoch
    milliseconds and the flags as they are: the same text, written without building a dictionary (a
    replay writes hundreds of thousands). Plain values (ints, finite floats, bools, ``None``) are
    written as they are; any other goes through ``json``."""
    state, step, stability, difficulty, due, last_review, reps, lapses, suspended, buried, leech = values
    if (
        type(state) is int
        and type(reps) is int
        and type(lapses) is int
        and type(suspended) is bool
        and type(leech) is bool
        and (step is None or type(step) is int)
        and (due is None or type(due) is int)
        and (last_review is None or type(last_review) is int)
        and (buried is None or type(buried) is int)
        and (stability is None or (type(stability) is float and math.isfinite(stability)))
        and (difficulty is None or (type(difficulty) is float and math.isfinite(difficulty)))
    ):
        null = "null"
        return _state_object(
            state,
            null if step is None else step,
            null if stability is None else repr(stability),
            null if difficulty is None else repr(difficulty),
            null if due is None else due,
            null if last_review is None else last_review,
            reps,
            lapses,
            "true" if suspended else "false",
            null if buried is None else buried,
            "true" if leech else "false",
        )
    return _state_object(*map(_json_value, values))


def _state_object(*parts: object) -> str:
    """The JSON object of a state from its values written as JSON (an exact int writes itself)."""
    state, step, stability, difficulty, due, last_review, reps, lapses, suspended, buried_until, leech = parts
    return (
        f'{{"state":{state},"step":{step},"stability":{stability},"difficulty":{difficulty},"due":{due},'
        f'"last_review":{last_review},"reps":{reps},"lapses":{lapses},"suspended":{suspended},'
        f'"buried_until":{buried_until},"leech":{leech}}}'
    )


@dataclass(frozen=True)
class CardState:
    """Everything a review, bury or suspend can change about one card; snapshotted for undo."""

    state: StudyState = StudyState.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0
    suspended: bool = False
    buried_until: datetime | None = None
    leech: bool = False

    #: The order of ``to_row`` and ``from_row`` (the collection's column names).
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "state",
        "step",
        "stability",
        "difficulty",
        "due",
        "last_review",
        "reps",
        "lapses",
        "suspended",
        "buried_until",
        "leech",
    )

    def to_row(self) -> tuple[Any, ...]:
        """The values for ``COLUMNS``: times as epoch milliseconds, flags as 0/1."""
        return (
            int(self.state),
            self.step,
            self.stability,
            self.difficulty,
            utc_ms(self.due),
            utc_ms(self.last_review),
            self.reps,
            self.lapses,
            int(self.suspended),
            utc_ms(self.buried_until),
            int(self.leech),
        )

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> CardState:
        """The state from values in ``COLUMNS`` order."""
        return cls(
            StudyState(row[0]),
            row[1],
            row[2],
            row[3],
            _utc_from_ms(row[4]),
            _utc_from_ms(row[5]),
            row[6],
            row[7],
            bool(row[8]),
            _utc_from_ms(row[9]),
            bool(row[10]),
        )

    def to_json(self) -> str:
        """A compact JSON object; times are epoch milliseconds, so it round-trips exactly."""
        return state_json(
            (
                int(self.state),
                self.step,
                self.stability,
                self.difficulty,
                utc_ms(self.due),
                utc_ms(self.last_review),
                self.reps,
                self.lapses,
                self.suspended,
                utc_ms(self.buried_until),
                self.leech,
            )
        )

    @classmethod
    def from_json(cls, text: str) -> CardState:
        """The state that ``to_json`` wrote."""
        data = json.loads(text)
        return cls(
            state=StudyState(data["state"]),
            step=data["step"],
            stability=data["stability"],
            difficulty=data["difficulty"],
            due=_utc_from_ms(data["due"]),
            last_review=_utc_from_ms(data["last_review"]),
            reps=data["reps"],
            lapses=data["lapses"],
            suspended=data["suspended"],
            buried_until=_utc_from_ms(data["buried_until"]),
            leech=data["leech"],
        )


@dataclass(frozen=True)
class CardRecord:
    """A card as the collection knows it: its place in the decks and its study state."""

    card_id: str
    deck_id: str
    position: int
    ord: int
    tags: tuple[str, ...]
    retired: bool
    state: CardState


@dataclass(frozen=True, slots=True)
class LoggedAnswer:
    """One review of the log without the card's states around it: what fitting FSRS to the history and
    checking its health read (a million are read in seconds, where ``ReviewRecord``'s states take
    tens)."""

    id: int
    card_id: str
    rating: Rating
    reviewed_at: datetime
    state_before: StudyState

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> LoggedAnswer:
        """From ``(id, card_id, rating, reviewed_at ms, state_before)`` (a million are made at once: the
        enums are looked up in tables, not called)."""
        at = _utc_from_ms(row[3])
        assert at is not None
        return cls(row[0], row[1], _RATING_OF[row[2]], at, _STATE_OF[row[4]])


#: The enums by their stored values.
_RATING_OF = {int(rating): rating for rating in Rating}
_STATE_OF = {int(state): state for state in StudyState}


@dataclass(frozen=True)
class ReviewRecord:
    """One row of the append-only review log.

    ``reviewed_at`` is the time the scheduler used: the clock at the rating, or the card's
    previous review time when the clock had moved behind it.
    """

    id: int
    card_id: str
    rating: Rating
    reviewed_at: datetime
    duration_ms: int | None
    before: CardState
    after: CardState

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> ReviewRecord:
        """From ``(id, card_id, rating, reviewed_at ms, duration_ms, before JSON, after JSON)``."""
        at = _utc_from_ms(row[3])
        assert at is not None
        return cls(
            row[0],
            row[1],
            Rating(row[2]),
            at,
            row[4],
            CardState.from_json(row[5]),
            CardState.from_json(row[6]),
        )


@dataclass(frozen=True)
class QuizAttempt:
    """One answered quiz question; ``diagnosis`` names the known mistake a wrong answer matched."""

    id: int
    at: datetime
    kind: str
    card_id: str | None
    seed: int | None
    params: Mapping[str, Any]
    question: str
    given: str
    expected: str
    correct: bool
    duration_ms: int | None
    diagnosis: str | None = None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> QuizAttempt:
        """From a row in field order, with ``at`` in epoch milliseconds and ``params`` as JSON."""
        at = _utc_from_ms(row[1])
        assert at is not None
        kind, card_id, seed, params, question, given, expected, correct, duration_ms, *rest = row[2:]
        return cls(
            row[0],
            at,
            kind,
            card_id,
            seed,
            json.loads(params),
            question,
            given,
            expected,
            bool(correct),
            duration_ms,
            rest[0] if rest else None,
        )


#: The settings a deck may set for itself; the global setting of the same name is the default.
DECK_LIMITS = ("new_per_day", "review_limit")
#: The on/off settings a deck may set for itself (``predict``: ask for a prediction before the answer).
DECK_SWITCHES = ("predict",)
DECK_SETTINGS = (*DECK_LIMITS, *DECK_SWITCHES)
DECK_KEY_PREFIX = "deck:"

#: How the diagnosis of a wrong drill answer or prediction starts when it names a known mistake.
KNOWN_MISTAKE = "a known mistake: "
#: How the form of a drill card's problem starts: the quiz records its numeric questions as
#: ``numeric:NAME``, and a drill card's problem is one of them.
PROBLEM_FORM_PREFIX = "numeric:"


def deck_setting_key(deck_id: str, name: str) -> str:
    """The stored key of one deck's own value of setting ``name`` (``deck:ID:NAME``)."""
    return f"{DECK_KEY_PREFIX}{deck_id}:{name}"


def split_deck_key(key: str) -> tuple[str, str] | None:
    """``(deck id, setting name)`` for a per-deck key, ``None`` for a global one; ``ValueError`` if bad."""
    if not key.startswith(DECK_KEY_PREFIX):
        return None
    deck_id, _, name = key.removeprefix(DECK_KEY_PREFIX).rpartition(":")
    if not deck_id or name not in DECK_SETTINGS:
        raise ValueError(
            f"unknown deck setting {key!r}; a deck may set {', '.join(DECK_SETTINGS[:-1])} or "
            f"{DECK_SETTINGS[-1]} as deck:DECK_ID:NAME"
        )
    return deck_id, name


@dataclass(frozen=True)
class Settings:
    """The user's settings, with their defaults; ``check`` validates one value."""

    desired_retention: float = 0.9
    new_per_day: int = 10
    day_start_hour: int = 4
    plot_renderer: str = "auto"
    theme: str = "textual-dark"
    quiz_updates_schedule: bool = False
    review_limit: int = 200
    #: Ask for a prediction of a card's simulated number before its answer (each deck may differ).
    predict: bool = True
    #: FSRS's 21 parameters fitted to the learner's history (``studyapp optimize``); empty: the defaults.
    fsrs_parameters: tuple[float, ...] = ()

    #: The range of each FSRS parameter that py-fsrs schedules with (its LOWER/UPPER_BOUNDS_PARAMETERS).
    FSRS_PARAMETER_BOUNDS: ClassVar[tuple[tuple[float, float], ...]] = (
        *((0.001, 100.0),) * 4,
        (1.0, 10.0), (0.001, 4.0), (0.001, 4.0), (0.001, 0.75), (0.0, 4.5), (0.0, 0.8), (0.001, 3.5),
        (0.001, 5.0), (0.001, 0.25), (0.001, 0.9), (0.0, 4.0), (0.0, 1.0), (1.0, 6.0), (0.0, 2.0),
        (0.0, 2.0), (0.0, 0.8), (0.1, 0.8),
    )  # fmt: skip

    @classmethod
    def check(cls, key: str, value: Any) -> Any:
        """``value`` if it is valid for setting ``key`` (global, or a deck's own as ``deck:ID:NAME``);
        otherwise ``ValueError`` naming the valid range."""
        deck_key = split_deck_key(key)
        if deck_key is not None:
            return cls.check(deck_key[1], value)
        kinds: dict[str, tuple[type, ...]] = {
            "desired_retention": (float, int),
            "new_per_day": (int,),
            "day_start_hour": (int,),
            "plot_renderer": (str,),
            "theme": (str,),
            "quiz_updates_schedule": (bool,),
            "review_limit": (int,),
            "predict": (bool,),
            "fsrs_parameters": (tuple, list),
        }
        if key not in kinds:
            raise ValueError(f"unknown setting {key!r}; valid settings: {', '.join(kinds)}")
        if key == "fsrs_parameters":
            return cls._check_fsrs_parameters(value)
        ranges = {
            "desired_retention": (0.7, 0.99),
            "new_per_day": (0, 9999),
            "day_start_hour": (0, 23),
            "review_limit": (0, 99999),
        }
        wrong_type = not isinstance(value, kinds[key]) or (isinstance(value, bool) and bool not in kinds[key])
        if key in ranges:
            low, high = ranges[key]
            if wrong_type or not low <= value <= high:
                raise ValueError(f"{key} must be a number from {low} to {high}, got {value!r}")
            return float(value) if key == "desired_retention" else value
        if wrong_type:
            raise ValueError(f"{key} must be of type {kinds[key][0].__name__}, got {value!r}")
        if isinstance(value, str) and not value.strip():
            raise ValueError(f"{key} must be a non-empty string")
        return value

    @classmethod
    def _check_fsrs_parameters(cls, value: Any) -> tuple[float, ...]:
        """21 finite numbers within FSRS's ranges (or none: the defaults), as a tuple of floats."""
        count = len(cls.FSRS_PARAMETER_BOUNDS)
        if not isinstance(value, list | tuple) or len(value) not in (0, count):
            raise ValueError(f"fsrs_parameters must be a list of {count} numbers (or empty), got {value!r}")
        for index, (number, (low, high)) in enumerate(zip(value, cls.FSRS_PARAMETER_BOUNDS, strict=False)):
            if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
                raise ValueError(f"fsrs_parameters[{index}] must be a finite number, got {number!r}")
            if not low <= number <= high:
                raise ValueError(f"fsrs_parameters[{index}] must be from {low} to {high}, got {number!r}")
        return tuple(float(number) for number in value)


@dataclass(frozen=True)
class DeckLimits:
    """A deck's daily limits and switches: its own values where it set them, else the global settings'."""

    new_per_day: int
    review_limit: int
    #: The names of the settings the deck set for itself.
    own: frozenset[str] = frozenset()
    #: Whether the review asks for a prediction of the card's simulated number before the answer.
    predict: bool = True

    @classmethod
    def of(cls, settings: Settings, own: Mapping[str, int | bool]) -> DeckLimits:
        """The settings of a deck that set ``own`` (by name), under the global ``settings``."""
        values = {name: own.get(name, getattr(settings, name)) for name in DECK_SETTINGS}
        return cls(**values, own=frozenset(own))


@dataclass(frozen=True)
class RateResult:
    """What a rating did: the states before and after, its log row, and whether the card became a leech."""

    card_id: str
    rating: Rating
    before: CardState
    after: CardState
    review_id: int | None
    became_leech: bool
    reviewed_at: datetime

    @property
    def interval(self) -> timedelta:
        """Time until the card is due again (zero when the schedule was not touched)."""
        if self.after.due is None:
            return timedelta(0)
        return max(self.after.due - self.reviewed_at, timedelta(0))
