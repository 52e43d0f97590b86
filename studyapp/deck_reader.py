"""Read and check one deck file (TOML) into a ``Deck``.

Every problem is collected with its file, line and card id, so that ``studyapp check`` can
report all of them in one run; a formula or cloze markup that cannot be read is located at its own line
and column inside the string. A cloze note (``text``) becomes one card per deletion number
(``studyapp.deck_text``). The format is documented in ``content/README.md``. A file read before can be
read again by the tables that changed (``read_deck_appended``, ``read_deck_edited``).
Headless (stdlib and ``studyapp.model``): the simulations and problems a card may name are given by the
caller (``studyapp.content.SimCatalog``, ``ProblemCatalog``).
"""

from __future__ import annotations

import difflib
import re
import reprlib
import stat
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studyapp.deck_text import NOT_FOR_CLOZE, check_formulas, cloze_cards, note_id, read_cloze
from studyapp.model import Card, Deck, Problem, RunningDigest, bytes_digest, digest_length, text_digest
from studyapp.paths import path_status
from studyapp.toml_strings import line_and_column, value_positions

if TYPE_CHECKING:
    from studyapp.content import ProblemCatalog, SimCatalog

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_DISTRACTORS = 3

TOP_KEYS = {"deck": "the [deck] table", "cards": "the [[cards]] list"}
DECK_KEYS = {"id": True, "title": True, "description": False}
#: Card keys and whether they are required (a cloze card has `text` instead of `question` and `answer`).
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
    "note": False,
    "note_kind": False,
    "headline": False,
    "text": False,
    "problem": False,
}
#: The keys a drill card (``problem``) may have: its question and answer are made for each review.
DRILL_KEYS = ("id", "problem", "tags", "details", "note", "note_kind")
#: What a missing question or answer may mean.
CLOZE_HINT = " (or 'text' for a cloze card, e.g. text = \"… {{c1::a term}} …\")"
TEXT_LISTS = ("distractors", "key_terms", "steps")
#: What a card's ``note`` does to the author's words, which stay as written.
NOTE_KINDS = ("correction", "clarification")

#: Nesting deeper than this is reported at the place where it starts when the TOML reader runs out of stack.
NESTING_LIMIT = 100
#: A run of more digits than this is a number Python refuses to convert (``sys.get_int_max_str_digits``).
LONG_NUMBER = re.compile(r"[0-9][0-9_]{4300,}")

#: Python types a preset value may have, by parameter kind (TOML gives typed values).
PRESET_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "choice": (str,),
    "text": (str,),
    "bool": (bool,),
}


_CARDS_HEADER = re.compile(r"\s*\[\[\s*cards\s*\]\]")
#: ``cards = [...]``, the other way of writing a deck's cards (the key quoted or not).
_CARDS_ARRAY = re.compile(r"""^[ \t]*(["']?)cards\1[ \t]*=""", re.MULTILINE)
#: What every ``_CARDS_ARRAY`` match holds, found in a big text six times faster (it starts with words).
_CARDS_ASSIGNED = re.compile(r"""cards["']?[ \t]*=""")
_DECK_HEADER = re.compile(r"\s*\[\s*deck\s*\]")


class _Locator:
    """Finds the line of a card, or of a key inside a card, in the raw TOML text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines()
        # one pass over the lines; only a line with the word is matched against the header's pattern
        self.card_starts = [
            number
            for number, line in enumerate(self.lines, 1)
            if "cards" in line and _CARDS_HEADER.match(line)
        ]
        deck = (
            number for number, line in enumerate(self.lines, 1) if "deck" in line and _DECK_HEADER.match(line)
        )
        self.deck_start = next(deck, 1)

    def card(self, index: int) -> int:
        return self.card_starts[index] if index < len(self.card_starts) else 0

    def end(self, index: int) -> int:
        """The last line of card ``index``."""
        return self.card_starts[index + 1] - 1 if index + 1 < len(self.card_starts) else len(self.lines)

    def key(self, index: int, key: str) -> int:
        """The line of ``key`` in card ``index`` (or of ``[cards.key]``), else the card's line."""
        start = self.card(index)
        if not start:
            return 0
        pattern = re.compile(rf"\s*(\[\s*cards\.)?{re.escape(key)}\s*(=|\])")
        for number in range(start, self.end(index) + 1):
            if pattern.match(self.lines[number - 1]):
                return number
        return start

    def place(self, index: int, key: str, item: str | None = None) -> tuple[int, int]:
        """Line and column of the quoted string ``item`` in the value of ``key`` (which may span lines),
        else of ``key`` itself; ``(0, 0)`` if the card is not found."""
        line = self.key(index, key)
        if not line:
            return 0, 0
        if item is not None:
            for number in range(line, self.end(index) + 1):
                text = self.lines[number - 1]
                found = [i for i in (text.find(f'"{item}"'), text.find(f"'{item}'")) if i >= 0]
                if found:
                    return number, min(found) + 1
        text = self.lines[line - 1]
        return line, len(text) - len(text.lstrip()) + 1

    def inside(self, index: int, key: str, value: str, offset: int) -> tuple[int, int]:
        """Line and column of character ``offset`` of ``value`` (the string of ``key``, stripped of the
        whitespace around it), else of ``key`` itself."""
        start = self.card(index)
        positions = value_positions(self.text, start, self.end(index), key, value) if start else None
        if positions is None:
            return self.place(index, key)
        stripped = len(value) - len(value.lstrip())
        at = min(offset + stripped, len(positions) - 1)
        return line_and_column(self.text, positions[at]) if positions else self.place(index, key)


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _syntax_problem(path: Path, error: tomllib.TOMLDecodeError) -> Problem:
    match = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
    message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
    line, column = (int(match[1]), int(match[2])) if match else (0, 0)
    return Problem(path, f"TOML syntax error: {message}", line, column)


def _position(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of ``text[index]``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _skip_string(text: str, index: int) -> int:
    """The index just after the TOML string that starts at ``text[index]`` (a quote)."""
    quote = text[index] * 3 if text.startswith(text[index] * 3, index) else text[index]
    index += len(quote)
    while index < len(text) and not text.startswith(quote, index):
        if text[index] == "\\" and quote[0] == '"':
            index += 1
        elif text[index] == "\n" and len(quote) == 1:
            return index
        index += 1
    return index + len(quote)


def _deep_nesting(text: str, limit: int = NESTING_LIMIT) -> tuple[int, int]:
    """Line and column of the first ``[`` or ``{`` nested deeper than ``limit``, outside strings and
    comments; ``(0, 0)`` if there is none."""
    depth = index = 0
    while index < len(text):
        char = text[index]
        if char == "#":
            end = text.find("\n", index)
            index = len(text) if end < 0 else end
            continue
        if char in "\"'":
            index = _skip_string(text, index)
            continue
        if char in "[{":
            depth += 1
            if depth > limit:
                return _position(text, index)
        elif char in "]}":
            depth = max(depth - 1, 0)
        index += 1
    return 0, 0


def _unreadable_problem(path: Path, text: str, error: RecursionError | ValueError) -> Problem:
    """The problem for TOML that is valid in form but too deep or too long for Python to read."""
    if isinstance(error, RecursionError):
        line, column = _deep_nesting(text)
        where = f" (more than {NESTING_LIMIT} levels from here)" if line else ""
        message = f"arrays or tables are nested too deeply to read{where}; flatten them"
        return Problem(path, message, line, column)
    match = LONG_NUMBER.search(text)
    if match:
        line, column = _position(text, match.start())
        return Problem(path, "a number has too many digits to read; shorten it", line, column)
    return Problem(path, f"cannot read the TOML: {error}")


def _shown(value: Any) -> str:
    """``repr(value)`` cut short, safe for huge integers and deeply nested tables."""
    if isinstance(value, int) and value.bit_length() > 128:
        return "an integer too large to show"
    return reprlib.repr(value)


def _not_regular(path: Path, mode: int) -> Problem:
    """The problem for a path that is neither a folder nor a regular file (it is never opened)."""
    kinds = (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    )
    kind = next((name for test, name in kinds if test(mode)), "not a file")
    return Problem(path, f"is not a regular file ({kind}); give a .toml deck file or a folder of them")


def _read_text(path: Path) -> tuple[str | None, Problem | None]:
    status, problem = path_status(path)
    if status is None:
        return None, problem
    if stat.S_ISDIR(status.st_mode):
        return None, Problem(path, "is a folder, not a deck file; give a .toml file")
    if not stat.S_ISREG(status.st_mode):
        return None, _not_regular(path, status.st_mode)
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

    def __init__(
        self,
        path: Path,
        text: str,
        bundled: bool,
        sims: SimCatalog | None = None,
        problem_names: ProblemCatalog | None = None,
    ) -> None:
        self.path = path
        self.bundled = bundled
        self.sims = sims
        self.problem_names = problem_names
        self.locate = _Locator(text)
        self.problems: list[Problem] = []

    def problem(self, message: str, line: int = 0, card: str | None = None, column: int = 0) -> None:
        self.problems.append(Problem(self.path, message, line, column, card))

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
        cards = [card for i, raw in enumerate(raw_cards) for card in self.read_card(i, raw, deck_id)]
        self.check_duplicates(cards)
        if self.problems:
            return None
        description = deck_table.get("description", "")
        digest = text_digest(self.locate.text)
        return Deck(deck_id, title, tuple(cards), description, self.path, self.bundled, digest)

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

    def read_card(self, index: int, raw: Mapping[str, Any], deck_id: str) -> list[Card]:
        """The cards of one ``[[cards]]`` table: one card, or a cloze note's cards; none if it has a
        problem."""
        before = len(self.problems)
        raw_id = raw.get("id")
        card_id = raw_id if isinstance(raw_id, str) and raw_id else f"#{index + 1}"
        line = self.locate.card(index)
        cloze = "text" in raw
        drill = "problem" in raw

        def bad(key: str, message: str) -> None:
            self.problem(message, self.locate.key(index, key), card_id)

        self.unknown_keys(raw, CARD_KEYS, "a card", line, card_id)
        for key in (k for k in raw if drill and k in CARD_KEYS and k not in DRILL_KEYS):
            bad(key, f"a drill card has no '{key}': each review shows a fresh instance of its 'problem'")
        problem = self.read_problem(raw, bad) if drill else None
        for key in ("id",) if cloze or drill else ("id", "question", "answer"):
            if key not in raw:
                bad(key, f"missing required key '{key}'" + ("" if key == "id" else CLOZE_HINT))
        if isinstance(raw_id, str) and raw_id and not SLUG.match(raw_id):
            bad("id", f"card id '{raw_id}' must be lowercase letters, digits and dashes (e.g. 'max-pooling')")
        elif "id" in raw and not isinstance(raw_id, str):
            bad("id", "'id' must be a string")
        for key in ("text",) if cloze else () if drill else ("question", "answer"):
            if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
                bad(key, f"'{key}' must be a non-empty string")
        for key in NOT_FOR_CLOZE if cloze else ():
            if key in raw:
                bad(
                    key,
                    f"a cloze card has no '{key}': its 'text' holds the card, {{{{c1::…}}}} what to remember",
                )
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
        sim_name, preset = self.read_sim(raw, bad, self.sims)

        def bad_at(key: str, message: str, item: str | None = None) -> None:
            line, column = self.locate.place(index, key, item)
            self.problem(message, line, card_id, column)

        def bad_inside(key: str, value: str, message: str, offset: int) -> None:
            line, column = self.locate.inside(index, key, value, offset)
            self.problem(message, line, card_id, column)

        note, note_kind = self.read_note(raw, bad_at)
        headline = self.read_headline(raw, bad_at, sim_name)
        check_formulas(raw, bad_inside)
        text = raw.get("text")
        deletions = read_cloze(text, bad_inside) if cloze and isinstance(text, str) and text.strip() else None
        if len(self.problems) > before:
            return []
        question, answer = (
            problem if problem is not None else (raw.get("question", ""), raw.get("answer", ""))
        )
        card = Card(
            id=card_id,
            deck=deck_id,
            question=question.strip(),
            answer=answer.strip(),
            details=raw.get("details", "").strip(),
            tags=tuple(lists["tags"]),
            sim=sim_name,
            sim_params=preset,
            distractors=tuple(distractors),
            key_terms=tuple(lists["key_terms"]),
            steps=tuple(lists["steps"]),
            multiple_choice=raw.get("multiple_choice", False),
            note=note,
            note_kind=note_kind,
            headline=headline,
            position=index,
            source=self.path,
            line=line,
            cloze=text.strip() if isinstance(text, str) else "",
            problem=raw["problem"] if drill else "",
        )
        return cloze_cards(card, deletions) if deletions is not None else [card]

    @staticmethod
    def text_list(raw: Mapping[str, Any], key: str, bad: Any) -> list[str]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            bad(key, f"'{key}' must be a list of non-empty strings")
            return []
        return [item.strip() for item in value]

    @staticmethod
    def read_sim(
        raw: Mapping[str, Any], bad: Any, sims: SimCatalog | None
    ) -> tuple[str | None, dict[str, Any]]:
        """The card's simulation and its preset, checked against ``sims`` (only their form without it)."""
        name = raw.get("sim")
        preset = raw.get("sim_params", {})
        if not isinstance(preset, dict):
            bad("sim_params", "'sim_params' must be a table of parameter = value")
            return None, {}
        if name is None:
            if preset:
                bad("sim_params", "'sim_params' given without 'sim'")
            return None, {}
        if sims is None:
            return _DeckReader.read_unchecked_sim(name, preset, bad)
        names = list(sims)
        declared = sims.get(name) if isinstance(name, str) else None
        if declared is None:
            shown = _shown(name)
            bad("sim", f"unknown simulation {shown}{_suggest(str(name), names)}; valid: {', '.join(names)}")
            return None, {}
        params = {p.name: p for p in declared.params}
        values: dict[str, Any] = {}
        for key, value in preset.items():
            param = params.get(key)
            if param is None:
                hint = _suggest(key, params) or f"; valid: {', '.join(params)}"
                bad("sim_params", f"simulation '{name}' has no parameter '{key}'{hint}")
                continue
            types = PRESET_TYPES.get(param.kind, (object,))
            wrong = f"'{key}' of '{name}' must be {param.describe()}, got {_shown(value)}"
            if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
                bad("sim_params", wrong)
                continue
            try:
                values[key] = param.coerce(value)
            except ValueError:
                bad("sim_params", wrong)
        return name, values

    def read_problem(self, raw: Mapping[str, Any], bad: Any) -> tuple[str, str] | None:
        """A drill card's problem, checked against the known problems when there is a catalog: the text
        that stands for its question and answer in lists (``None`` if it has a problem)."""
        name = raw["problem"]
        if not isinstance(name, str) or not SLUG.match(name):
            bad("problem", "'problem' must be the name of a generated problem, e.g. 'conv-output-size'")
            return None
        known = self.problem_names
        if known is not None and name not in known:
            hint = _suggest(name, known) or f"; valid: {', '.join(known)}"
            bad("problem", f"unknown problem '{name}'{hint}")
            return None
        title = known[name] if known is not None else name
        return (
            f"Drill: {title} (a new problem each review)",
            "Computed for each problem, with a worked solution.",
        )

    @staticmethod
    def read_note(raw: Mapping[str, Any], bad: Any) -> tuple[str, str]:
        """The card's ``note`` (Markdown) and its ``note_kind``; both or neither."""
        note, kind = raw.get("note"), raw.get("note_kind")
        if note is not None and (not isinstance(note, str) or not note.strip()):
            bad("note", "'note' must be a non-empty string (Markdown)")
        kinds = " or ".join(f"'{k}'" for k in NOTE_KINDS)
        if kind is None:
            if note is not None:
                bad("note", f"a card with a 'note' needs 'note_kind': {kinds}")
        elif not isinstance(kind, str) or kind not in NOTE_KINDS:
            shown = kind if isinstance(kind, str) else None
            hint = _suggest(kind, NOTE_KINDS) if isinstance(kind, str) else ""
            bad("note_kind", f"'note_kind' must be {kinds}, got {_shown(kind)}{hint}", shown)
        elif note is None:
            bad("note_kind", "'note_kind' given without 'note'")
        if isinstance(note, str) and isinstance(kind, str) and kind in NOTE_KINDS:
            return note.strip(), kind
        return "", ""

    def read_headline(self, raw: Mapping[str, Any], bad: Any, sim_name: str | None) -> tuple[str, ...]:
        """The answer keys of the card's simulation that its review shows, checked against the
        simulation's answers when there is a catalog."""
        if "headline" not in raw:
            return ()
        keys = raw["headline"]
        if not isinstance(keys, list) or not all(isinstance(k, str) and k.strip() for k in keys):
            bad("headline", "'headline' must be a list of answer keys (see `studyapp sim show NAME`)")
            return ()
        if "sim" not in raw:
            bad("headline", "'headline' given without 'sim'")
            return ()
        for key in dict.fromkeys(k for k in keys if keys.count(k) > 1):
            bad("headline", f"'headline' lists '{key}' more than once", key)
        declared = self.sims.get(sim_name) if self.sims is not None and sim_name is not None else None
        if declared is not None:
            answers = list(declared.answers)
            for key in keys:
                if key not in answers:
                    hint = _suggest(key, answers) or f"; valid: {', '.join(answers)}"
                    bad("headline", f"simulation '{sim_name}' has no answer '{key}'{hint}", key)
        return tuple(keys)

    @staticmethod
    def read_unchecked_sim(name: Any, preset: dict[str, Any], bad: Any) -> tuple[str | None, dict[str, Any]]:
        """Without a catalog: a non-empty name and plain values, kept as written."""
        if not isinstance(name, str) or not name.strip():
            bad("sim", "'sim' must be the name of a simulation (see `studyapp sim list`)")
            return None, {}
        plain = (str, int, float, bool)
        for key, value in preset.items():
            if not isinstance(value, plain):
                bad("sim_params", f"'{key}' of '{name}' must be a string, number or true/false")
                return None, {}
        return name, dict(preset)

    def check_duplicates(self, cards: Sequence[Card]) -> None:
        """Report a card id used twice (a cloze note's id counts as its cards' id)."""
        seen: dict[str, Card] = {}
        reported: set[int] = set()
        for card in cards:
            written = note_id(card.id)
            first = seen.setdefault(written, card)
            if first.line != card.line and card.line not in reported:
                reported.add(card.line)
                self.problem(
                    f"duplicate card id '{written}' (first used on line {first.line})", card.line, written
                )


def read_deck(
    path: Path,
    bundled: bool = False,
    sims: SimCatalog | None = None,
    problems: ProblemCatalog | None = None,
) -> tuple[Deck | None, list[Problem]]:
    """Load one deck file: the deck if it is valid, and every problem found.

    ``sims`` maps the simulation names a card may link to onto their specs, to check presets;
    without it a card's ``sim`` and ``sim_params`` are kept as written. ``problems`` (name to title)
    are the problems a drill card may name; without it any name is kept. A path that is not a
    regular file (a folder, a FIFO, a device) is reported without being opened.
    """
    text, problem = _read_text(path)
    if text is None:
        return None, [problem] if problem else []
    return read_deck_text(path, text, bundled, sims, problems)


def read_deck_again(
    path: Path,
    before: Deck | None,
    sims: SimCatalog | None = None,
    problems: ProblemCatalog | None = None,
) -> tuple[Deck | None, list[Problem]]:
    """``read_deck`` of a file whose deck was read before as ``before``: when the file is the text that
    was read then with ``[[cards]]`` tables after it (cards added), only those are parsed and checked
    (``read_deck_appended``)."""
    text, problem = _read_text(path)
    if text is None:
        return None, [problem] if problem else []
    if before is not None and before.digest:
        start = text.encode()[: digest_length(before.digest)]
        if bytes_digest(start) == before.digest:
            try:
                grown = read_deck_appended(before, start.decode(), text, sims, problems)
            except UnicodeDecodeError:  # only if two texts had the same checksums
                grown = None
            if grown is not None:
                return grown
    return read_deck_text(path, text, sims=sims, problems=problems)


def read_deck_text(
    path: Path,
    text: str,
    bundled: bool = False,
    sims: SimCatalog | None = None,
    problems: ProblemCatalog | None = None,
) -> tuple[Deck | None, list[Problem]]:
    """The deck file ``path`` holding ``text``, read and checked as ``read_deck`` reads the file: a
    program about to write the text checks it first, and keeps the deck it reads."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return None, [_syntax_problem(path, error)]
    except (RecursionError, ValueError) as error:  # nesting too deep, a number too long for int()
        return None, [_unreadable_problem(path, text, error)]
    return read_deck_data(path, text, data, bundled, sims, problems)


def read_deck_appended(
    deck: Deck,
    text: str,
    whole: str,
    sims: SimCatalog | None = None,
    problems: ProblemCatalog | None = None,
) -> tuple[Deck | None, list[Problem]] | None:
    """``read_deck_text`` of ``deck``'s file holding ``whole``: ``text``, what ``deck`` was read from,
    followed by ``[[cards]]`` tables. Only those are parsed and checked (with the deck's cards, for
    duplicate ids): a deck of tens of thousands of cards takes seconds to parse. ``None`` when only
    reading ``whole`` tells: ``deck`` was not read from ``text``, or its cards are written otherwise
    (``cards = [...]``, which takes no ``[[cards]]`` table after it), or the tail is not only cards."""
    if deck.source is None or not whole.startswith(text) or (read_from := _read_from(deck, text)) is None:
        return None
    tail = whole[len(text) :]
    raw_cards = _only_card_tables(tail)
    if not raw_cards:
        return None
    reader = _DeckReader(deck.source, whole, deck.bundled, sims, problems)
    tables = _table_count(deck)
    if len(reader.locate.card_starts) != tables + len(raw_cards):
        return None  # a [[cards]] line inside a string: only a whole read places the cards
    added = [card for i, raw in enumerate(raw_cards, tables) for card in reader.read_card(i, raw, deck.id)]
    reader.check_duplicates([*deck.cards, *added])
    if reader.problems:
        return None, reader.problems
    digest = read_from.add(tail.encode()).hex()  # text_digest(whole), from text's on
    return replace(deck, cards=(*deck.cards, *added), digest=digest), []


def read_deck_edited(
    deck: Deck,
    text: str,
    edited: str,
    sims: SimCatalog | None = None,
    problems: ProblemCatalog | None = None,
) -> tuple[Deck | None, list[Problem]] | None:
    """``read_deck_text`` of ``deck``'s file holding ``edited``: ``text``, what ``deck`` was read from, with
    some of its ``[[cards]]`` tables changed, added or taken away. Only those tables are parsed and
    checked (with the deck's other cards, for duplicate ids); the cards of the others are kept, in their
    new places: a deck of tens of thousands of cards takes seconds to parse. ``None`` when only reading
    ``edited`` tells: ``deck`` was not read from ``text``, its cards are written otherwise, or what
    changed is not only whole tables (the ``[deck]`` table, or a string across tables)."""
    if deck.source is None or _read_from(deck, text) is None or _cards_array(edited):
        return None
    head, before = _card_tables(_Locator(text))
    if len(before) != _table_count(deck):
        return None  # a [[cards]] line inside a string: only a whole read places the cards
    reader = _DeckReader(deck.source, edited, deck.bundled, sims, problems)
    edited_head, after = _card_tables(reader.locate)
    if edited_head != head:
        return None
    both = min(len(before), len(after))
    first = next((i for i in range(both) if before[i] != after[i]), both)  # the tables kept at the start
    last = next(
        (i for i in range(both - first) if before[-1 - i] != after[-1 - i]), both - first
    )  # at the end
    changed = range(first, len(after) - last)
    raw_cards = _only_card_tables("".join(after[first : len(after) - last]))
    if raw_cards is None or len(raw_cards) != len(changed):
        return None
    moved = len(after) - len(before)
    new = [
        card for i, raw in zip(changed, raw_cards, strict=True) for card in reader.read_card(i, raw, deck.id)
    ]
    cards = [card for card in deck.cards if card.position < first]
    cards += new
    for card in deck.cards:
        if card.position >= len(before) - last:
            line = reader.locate.card(card.position + moved)
            same = moved == 0 and line == card.line
            cards.append(card if same else replace(card, position=card.position + moved, line=line))
    reader.check_duplicates(cards)
    if reader.problems:
        return None, reader.problems
    return replace(deck, cards=tuple(cards), digest=text_digest(edited)), []


def _read_from(deck: Deck, text: str) -> RunningDigest | None:
    """The digest of ``text`` when ``deck``, with cards, was read from it, written as ``[[cards]]``
    tables (not ``cards = [...]``); else ``None``."""
    if not deck.cards or _cards_array(text):
        return None
    read_from = RunningDigest().add(text.encode())
    return read_from if read_from.hex() == deck.digest else None


def _cards_array(text: str) -> bool:
    """Whether ``text`` writes a deck's cards as ``cards = [...]``."""
    return bool(_CARDS_ASSIGNED.search(text) and _CARDS_ARRAY.search(text))


def _table_count(deck: Deck) -> int:
    """How many ``[[cards]]`` tables ``deck``'s cards came from (a cloze note's table makes several)."""
    return max(card.position for card in deck.cards) + 1


def _only_card_tables(text: str) -> list[dict[str, Any]] | None:
    """The ``[[cards]]`` tables of ``text`` parsed, when that is all it holds (none for no text); else
    ``None``."""
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return None
    tables = data.get("cards", [])
    if list(data) not in ([], ["cards"]) or not isinstance(tables, list):
        return None
    return tables if all(isinstance(table, dict) for table in tables) else None


def _card_tables(locate: _Locator) -> tuple[str, list[str]]:
    """The located text up to its first ``[[cards]]`` line, and the text of each ``[[cards]]`` table from
    its line to the next one."""
    lines = locate.text.splitlines(keepends=True)
    starts = [number - 1 for number in locate.card_starts]
    ends = [*starts[1:], len(lines)]
    tables = ["".join(lines[start:end]) for start, end in zip(starts, ends, strict=True)]
    return "".join(lines[: starts[0] if starts else len(lines)]), tables


def read_deck_data(
    path: Path,
    text: str,
    data: dict[str, Any],
    bundled: bool = False,
    sims: SimCatalog | None = None,
    problems: ProblemCatalog | None = None,
) -> tuple[Deck | None, list[Problem]]:
    """The deck file ``path`` whose ``text`` TOML reads as ``data`` (what ``tomllib.loads(text)`` gives),
    checked as ``read_deck`` checks it: the deck if it is valid, and every problem, located in ``text``.
    A program that wrote the text itself passes the data it wrote, so the text is not read again."""
    reader = _DeckReader(path, text, bundled, sims, problems)
    deck = reader.read(data)
    return deck, reader.problems
