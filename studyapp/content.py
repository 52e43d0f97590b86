"""Read and validate deck files (TOML) into model objects.

Every problem is collected with its file, line and card id, so that ``studyapp check`` can
report all of them in one run. The format is documented in ``content/README.md``.
Headless: stdlib plus the cheap ``sim`` spec registry (no numpy).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studyapp.errors import UserError
from studyapp.model import Card, Deck, Problem
from studyapp.paths import bundled_deck_dir, user_deck_dir

DECK_SUFFIX = ".toml"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_DISTRACTORS = 3

TOP_KEYS = {"deck": "the [deck] table", "cards": "the [[cards]] list"}
DECK_KEYS = {"id": True, "title": True, "description": False}
#: Card keys and whether they are required.
CARD_KEYS = {
    "id": True,
    "question": True,
    "answer": True,
    "details": False,
    "tags": False,
    "sim": False,
    "sim_params": False,
    "distractors": False,
    "key_terms": False,
    "steps": False,
    "multiple_choice": False,
}
TEXT_LISTS = ("distractors", "key_terms", "steps")

#: Python types a preset value may have, by parameter kind (TOML gives typed values).
PRESET_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "choice": (str,),
    "text": (str,),
    "bool": (bool,),
}


@dataclass
class Library:
    """All decks that loaded, in load order, and the problems of the decks that were skipped."""

    decks: list[Deck] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def cards(self) -> list[Card]:
        return [card for deck in self.decks for card in deck.cards]

    def card(self, card_id: str) -> Card:
        """The card with this id; ``KeyError`` if no loaded deck has it."""
        for deck in self.decks:
            for card in deck.cards:
                if card.id == card_id:
                    return card
        raise KeyError(card_id)

    def deck(self, deck_id: str) -> Deck:
        """The deck with this id; ``KeyError`` if none loaded."""
        for deck in self.decks:
            if deck.id == deck_id:
                return deck
        raise KeyError(deck_id)

    @property
    def tags(self) -> list[str]:
        return sorted({tag for card in self.cards for tag in card.tags})


class _Locator:
    """Finds the line of a card, or of a key inside a card, in the raw TOML text."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.card_starts = [
            i + 1 for i, line in enumerate(self.lines) if re.match(r"\s*\[\[\s*cards\s*\]\]", line)
        ]
        deck = [i + 1 for i, line in enumerate(self.lines) if re.match(r"\s*\[\s*deck\s*\]", line)]
        self.deck_start = deck[0] if deck else 1

    def card(self, index: int) -> int:
        return self.card_starts[index] if index < len(self.card_starts) else 0

    def key(self, index: int, key: str) -> int:
        """The line of ``key`` in card ``index`` (or of ``[cards.key]``), else the card's line."""
        start = self.card(index)
        if not start:
            return 0
        end = self.card_starts[index + 1] - 1 if index + 1 < len(self.card_starts) else len(self.lines)
        pattern = re.compile(rf"\s*(\[\s*cards\.)?{re.escape(key)}\s*(=|\])")
        for number in range(start, end + 1):
            if pattern.match(self.lines[number - 1]):
                return number
        return start


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _syntax_problem(path: Path, error: tomllib.TOMLDecodeError) -> Problem:
    match = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
    message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
    line, column = (int(match[1]), int(match[2])) if match else (0, 0)
    return Problem(path, f"TOML syntax error: {message}", line, column)


def _read_text(path: Path) -> tuple[str | None, Problem | None]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        return None, Problem(path, f"cannot read the file: {error.strerror or error}")
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return None, Problem(path, "the file is not UTF-8 text; save it with UTF-8 encoding", line, column)


class _DeckReader:
    """Validates one parsed deck file and builds its Deck, collecting every problem."""

    def __init__(self, path: Path, text: str, bundled: bool) -> None:
        self.path = path
        self.bundled = bundled
        self.locate = _Locator(text)
        self.problems: list[Problem] = []

    def problem(self, message: str, line: int = 0, card: str | None = None) -> None:
        self.problems.append(Problem(self.path, message, line, 0, card))

    def unknown_keys(
        self, table: Mapping[str, Any], known: Iterable[str], where: str, line: int, card: str | None
    ) -> None:
        for key in table:
            if key not in known:
                self.problem(f"unknown key '{key}' in {where}{_suggest(key, known)}", line, card)

    def read(self, data: dict[str, Any]) -> Deck | None:
        self.unknown_keys(data, TOP_KEYS, "the file", 1, None)
        deck_table = data.get("deck")
        if not isinstance(deck_table, dict):
            self.problem("missing the [deck] table with the deck's id and title", 1)
            deck_table = {}
        deck_id, title = self.read_deck_table(deck_table)
        raw_cards = data.get("cards", [])
        if not isinstance(raw_cards, list) or not all(isinstance(c, dict) for c in raw_cards):
            self.problem("'cards' must be a list of [[cards]] tables", 1)
            raw_cards = []
        if not raw_cards:
            self.problem("the deck has no cards; add at least one [[cards]] table", self.locate.deck_start)
        cards = [
            card for i, raw in enumerate(raw_cards) if (card := self.read_card(i, raw, deck_id)) is not None
        ]
        self.check_duplicates(cards)
        if self.problems:
            return None
        description = deck_table.get("description", "")
        return Deck(deck_id, title, tuple(cards), description, self.path, self.bundled)

    def read_deck_table(self, table: Mapping[str, Any]) -> tuple[str, str]:
        line = self.locate.deck_start
        self.unknown_keys(table, DECK_KEYS, "[deck]", line, None)
        for key, required in DECK_KEYS.items():
            value = table.get(key)
            if value is None:
                if required:
                    self.problem(f"[deck] is missing the required key '{key}'", line)
            elif not isinstance(value, str) or not value.strip():
                self.problem(f"[deck] '{key}' must be a non-empty string", line)
        deck_id = table.get("id", "")
        if isinstance(deck_id, str) and deck_id and not SLUG.match(deck_id):
            self.problem(f"deck id '{deck_id}' must be lowercase letters, digits and dashes", line)
        title = table.get("title", "")
        return (deck_id if isinstance(deck_id, str) else "", title if isinstance(title, str) else "")

    def read_card(self, index: int, raw: Mapping[str, Any], deck_id: str) -> Card | None:
        before = len(self.problems)
        raw_id = raw.get("id")
        card_id = raw_id if isinstance(raw_id, str) and raw_id else f"#{index + 1}"
        line = self.locate.card(index)

        def bad(key: str, message: str) -> None:
            self.problem(message, self.locate.key(index, key), card_id)

        self.unknown_keys(raw, CARD_KEYS, "a card", line, card_id)
        for key, required in CARD_KEYS.items():
            if required and key not in raw:
                bad(key, f"missing required key '{key}'")
        if isinstance(raw_id, str) and raw_id and not SLUG.match(raw_id):
            bad("id", f"card id '{raw_id}' must be lowercase letters, digits and dashes (e.g. 'max-pooling')")
        elif "id" in raw and not isinstance(raw_id, str):
            bad("id", "'id' must be a string")
        for key in ("question", "answer"):
            if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
                bad(key, f"'{key}' must be a non-empty string")
        if "details" in raw and not isinstance(raw["details"], str):
            bad("details", "'details' must be a string (Markdown)")
        if "multiple_choice" in raw and not isinstance(raw["multiple_choice"], bool):
            bad("multiple_choice", "'multiple_choice' must be true or false")
        lists = {key: self.text_list(raw, key, bad) for key in ("tags", *TEXT_LISTS)}
        for tag in lists["tags"]:
            if not SLUG.match(tag):
                bad("tags", f"tag '{tag}' must be lowercase letters, digits and dashes")
        distractors = lists["distractors"]
        if raw.get("multiple_choice") is True and len(distractors) < MIN_DISTRACTORS:
            bad("distractors", f"a multiple-choice card needs at least {MIN_DISTRACTORS} distractors")
        elif distractors and len(distractors) < MIN_DISTRACTORS:
            bad("distractors", f"give at least {MIN_DISTRACTORS} distractors, or none")
        sim_name, preset = self.read_sim(raw, bad)
        if len(self.problems) > before:
            return None
        return Card(
            id=card_id,
            deck=deck_id,
            question=raw["question"].strip(),
            answer=raw["answer"].strip(),
            details=raw.get("details", "").strip(),
            tags=tuple(lists["tags"]),
            sim=sim_name,
            sim_params=preset,
            distractors=tuple(distractors),
            key_terms=tuple(lists["key_terms"]),
            steps=tuple(lists["steps"]),
            multiple_choice=raw.get("multiple_choice", False),
            position=index,
            source=self.path,
            line=line,
        )

    @staticmethod
    def text_list(raw: Mapping[str, Any], key: str, bad: Any) -> list[str]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            bad(key, f"'{key}' must be a list of non-empty strings")
            return []
        return [item.strip() for item in value]

    @staticmethod
    def read_sim(raw: Mapping[str, Any], bad: Any) -> tuple[str | None, dict[str, Any]]:
        from sim.registry import NAMES, spec

        name = raw.get("sim")
        preset = raw.get("sim_params", {})
        if not isinstance(preset, dict):
            bad("sim_params", "'sim_params' must be a table of parameter = value")
            return None, {}
        if name is None:
            if preset:
                bad("sim_params", "'sim_params' given without 'sim'")
            return None, {}
        if not isinstance(name, str) or name not in NAMES:
            bad("sim", f"unknown simulation '{name}'{_suggest(str(name), NAMES)}; valid: {', '.join(NAMES)}")
            return None, {}
        declared = spec(name)
        valid_names = [p.name for p in declared.params]
        values: dict[str, Any] = {}
        for key, value in preset.items():
            if key not in valid_names:
                hint = _suggest(key, valid_names) or f"; valid: {', '.join(valid_names)}"
                bad("sim_params", f"simulation '{name}' has no parameter '{key}'{hint}")
                continue
            param = declared.param(key)
            types = PRESET_TYPES.get(param.kind, (object,))
            if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
                bad("sim_params", f"'{key}' of '{name}' must be {param.describe()}, got {value!r}")
                continue
            try:
                values[key] = param.coerce(value)
            except ValueError:
                bad("sim_params", f"'{key}' of '{name}' must be {param.describe()}, got {value!r}")
        return name, values

    def check_duplicates(self, cards: Sequence[Card]) -> None:
        seen: dict[str, Card] = {}
        for card in cards:
            if card.id in seen:
                first = seen[card.id]
                self.problem(
                    f"duplicate card id '{card.id}' (first used on line {first.line})", card.line, card.id
                )
            else:
                seen[card.id] = card


def read_deck(path: Path, bundled: bool = False) -> tuple[Deck | None, list[Problem]]:
    """Load one deck file: the deck if it is valid, and every problem found."""
    text, problem = _read_text(path)
    if text is None:
        return None, [problem] if problem else []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return None, [_syntax_problem(path, error)]
    reader = _DeckReader(path, text, bundled)
    deck = reader.read(data)
    return deck, reader.problems


def deck_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Deck files in ``paths``: files as given, folders expanded to their ``*.toml`` files."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix == DECK_SUFFIX and p.is_file())
        else:
            yield path


def load_paths(paths: Iterable[Path], bundled: Iterable[Path] = ()) -> Library:
    """Load every deck in ``paths``; a deck with any problem, or reusing a deck or card id, is skipped."""
    library = Library()
    bundled_files = {p.resolve() for p in deck_files(bundled)}
    card_origin: dict[str, Card] = {}
    for path in deck_files(paths):
        if not path.exists():
            library.problems.append(Problem(path, "no such file or folder"))
            continue
        deck, problems = read_deck(path, bundled=path.resolve() in bundled_files)
        if deck is not None:
            problems = _clashes(deck, library, card_origin)
        library.problems.extend(problems)
        if deck is not None and not problems:
            library.decks.append(deck)
            card_origin.update((card.id, card) for card in deck.cards)
    return library


def _clashes(deck: Deck, library: Library, card_origin: Mapping[str, Card]) -> list[Problem]:
    """Problems from ids that an already loaded deck uses."""
    assert deck.source is not None
    problems = []
    if any(other.id == deck.id for other in library.decks):
        problems.append(Problem(deck.source, f"deck id '{deck.id}' is already used by another deck", 1))
    for card in deck.cards:
        first = card_origin.get(card.id)
        if first is not None:
            where = f"{first.source}:{first.line}"
            problems.append(
                Problem(
                    deck.source, f"duplicate card id '{card.id}' (also in {where})", card.line, card=card.id
                )
            )
    return problems


def deck_sources(extra_dirs: Sequence[Path] = (), user_dir: Path | None = None) -> list[Path]:
    """Deck sources: the bundled folder, the user's deck folder if it exists, then ``extra_dirs``."""
    user = user_dir if user_dir is not None else user_deck_dir()
    return [bundled_deck_dir(), *([user] if user.is_dir() else []), *extra_dirs]


def load_library(extra_dirs: Sequence[Path] = (), user_dir: Path | None = None) -> Library:
    """The bundled decks, then the user's deck folder, then ``extra_dirs``.

    A broken user deck is skipped and reported in ``Library.problems``; a broken bundled
    deck is an installation fault and raises ``UserError``.
    """
    bundled = bundled_deck_dir()
    library = load_paths(deck_sources(extra_dirs, user_dir), bundled=[bundled])
    broken = [p for p in library.problems if p.path.resolve().parent == bundled.resolve()]
    if broken or not any(deck.bundled for deck in library.decks):
        details = "\n".join(str(p) for p in broken) or f"no deck found in {bundled}"
        raise UserError(f"the bundled decks are damaged; reinstall studyapp.\n{details}")
    return library
