"""Writing cards into the learner's deck files, headless: the add form, the edit flow and their commands.

A new card is appended to a user deck file with tomlkit, so the file's comments and layout stay as
they were; the file is made (with its ``[deck]`` table) when the deck is new. The result is checked
with the real loader (``studyapp.deck_reader``) before and after it replaces the file, and a file the
loader refuses is put back. A card's id is made from its question and never reuses an id in use.

Bundled decks are read-only: editing one of their cards makes an override copy with the same id in
the user's deck folder (``<bundled deck id>-edits.toml``), so the card keeps its history.
The simulations a preset is checked against are passed in (``sims``), as for the loader.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
import tempfile
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomlkit
from tomlkit.items import Item, Table

from studyapp.content import (
    Library,
    ProblemCatalog,
    SimCatalog,
    deck_read_from,
    deck_sources,
    load_library,
    with_deck_read_again,
    with_deck_written,
)
from studyapp.deck_reader import SLUG, read_deck_appended, read_deck_edited, read_deck_text
from studyapp.errors import UserError
from studyapp.model import Card, Deck, Problem, text_digest
from studyapp.paths import bundled_deck_dir, user_deck_dir

if TYPE_CHECKING:
    from studyapp.collection import Collection, Fingerprints, SyncReport
    from studyapp.session import LibraryView

#: Words left out of an id made from a question ("What does max pooling keep?" -> "max-pooling-keep").
STOP_WORDS = frozenset({
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "what", "which", "who", "whom", "whose",
    "why", "how", "when", "where", "does", "do", "did", "of", "in", "on", "to", "for", "and", "or", "with",
    "by", "from", "as", "at", "it", "its", "this", "that", "these", "those", "can", "could", "should",
    "would", "will",
})  # fmt: skip
ID_WORDS = 6
ID_LENGTH = 40
#: The suffix of the user deck that holds the override copies of a bundled deck's cards.
EDITS_SUFFIX = "-edits"
NEW_DECK_HEADER = (
    "Your own cards. Edit freely, but keep each card's id: its study history is kept by id.\n"
    "The format is described in content/README.md; check the file with `studyapp check`."
)
#: The start of a card id in a deck's text: ``id = "..."`` (for files the loader skipped).
_ID_LINE = r'^\s*id\s*=\s*["\']{}["\']'
_CARD_HEADER = re.compile(r"\s*\[\[\s*cards\s*\]\]")
_PRESET_KEY = re.compile(r"(?:^|(?<=[\s,;]))([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)")


class AuthoringError(UserError):
    """A card that cannot be written as asked.

    ``fields`` maps a form field (``deck``, ``question``, ``answer``, ``tags``, ``sim``, ``preset``)
    to what is wrong with it; ``problems`` are the loader's problems, with their file and line.
    """

    def __init__(
        self,
        message: str,
        *,
        fields: Mapping[str, str] | None = None,
        problems: Sequence[Problem] = (),
        status: int = 1,
    ) -> None:
        details = "\n".join(str(p) for p in problems)
        super().__init__(f"{message}\n{details}" if details else message, status=status)
        self.summary = message
        self.fields = dict(fields or {})
        self.problems = tuple(problems)


@dataclass(frozen=True)
class CardDraft:
    """A card as typed in the add form or on the command line, before it has an id."""

    question: str
    answer: str
    details: str = ""
    tags: tuple[str, ...] = ()
    sim: str | None = None
    sim_params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Saved:
    """Where a card was written, and the library reloaded after it."""

    card_id: str
    path: Path
    line: int
    library: Library


# --- ids, tags and presets --------------------------------------------------------------------------


def slugify(text: str, max_words: int = ID_WORDS, max_length: int = ID_LENGTH) -> str:
    """A card id from ``text``: its first meaningful words, lowercase ASCII joined by dashes."""
    if "'" in text or "\u2019" in text:  # most texts have no apostrophe: the two searches are skipped
        text = re.sub(r"['\u2019]s\b", "", text)  # "ReLU's output" -> "relu-output"
        text = re.sub(r"(\w)['\u2019](\w)", r"\1\2", text)  # "don't" -> "dont"
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain)
    kept = [word for word in words if word not in STOP_WORDS] or words
    slug = ""
    for word in kept[:max_words]:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > max_length:
            break
        slug = longer
    return slug or (kept[0][:max_length] if kept else "card")


def unique_id(question: str, taken: Iterable[str]) -> str:
    """The id made from ``question``, with ``-2``, ``-3``... added when it is already in ``taken``."""
    used = set(taken)
    base = slugify(question)
    candidate, number = base, 1
    while candidate in used:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def parse_tags(text: str | Iterable[str]) -> tuple[str, ...]:
    """Tags separated by commas or spaces, lowercased; ``ValueError`` for one that is not a slug."""
    items = [text] if isinstance(text, str) else list(text)
    tags = [tag.lower() for item in items for tag in re.split(r"[\s,]+", item) if tag]
    for tag in tags:
        if not SLUG.match(tag):
            raise ValueError(f"tag '{tag}' must be lowercase letters, digits and dashes (e.g. 'max-pooling')")
    return tuple(dict.fromkeys(tags))


def split_preset(text: str, sim: str | None, sims: SimCatalog) -> list[tuple[str, str]]:
    """``name=value`` pairs from one line, separated by commas or spaces.

    A value of a text parameter may itself hold ``x=1, y=2``: a ``name=`` that is not one of the
    simulation's parameters continues the text value before it. ``ValueError`` for stray text.
    """
    spec = sims.get(sim) if sim else None
    kinds = {p.name: p.kind for p in spec.params} if spec is not None else {}
    starts: list[re.Match[str]] = []
    for match in _PRESET_KEY.finditer(text):
        name = match[1]
        if starts and name not in kinds and kinds.get(starts[-1][1]) == "text":
            continue
        starts.append(match)
    if not starts:
        if text.strip():
            raise ValueError(f"expected name=value pairs, got '{text.strip()}'")
        return []
    if text[: starts[0].start()].strip(" ,;\t"):
        raise ValueError(f"expected name=value, got '{text[: starts[0].start()].strip()}'")
    pairs = []
    for match, after in zip(starts, [*starts[1:], None], strict=True):
        value = text[match.end() : after.start() if after is not None else len(text)].strip().rstrip(",;")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        pairs.append((match[1], value))
    return pairs


def check_preset(sim: str | None, pairs: Iterable[tuple[str, str]], sims: SimCatalog) -> dict[str, Any]:
    """Typed preset values for ``sim`` from ``(name, text)`` pairs, checked against its spec.

    ``ValueError`` with the spec's message for an unknown simulation or parameter, or a bad value.
    """
    pairs = list(pairs)
    if sim is None:
        if pairs:
            raise ValueError("a preset needs a simulation: choose one first")
        return {}
    spec = sims.get(sim)
    if spec is None:
        raise ValueError(f"unknown simulation '{sim}'; valid: {', '.join(sims)}")
    params = {p.name: p for p in spec.params}
    values: dict[str, Any] = {}
    for name, text in pairs:
        param = params.get(name)
        if param is None:
            raise ValueError(
                f"simulation '{sim}' has no parameter '{name}'; valid parameters: {', '.join(params)}"
            )
        if name in values:
            raise ValueError(f"the preset gives '{name}' more than once; keep the one you mean")
        values[name] = param.coerce(text.strip())  # the parameter's own message on a bad value
    return values


def parse_preset(text: str, sim: str | None, sims: SimCatalog) -> dict[str, Any]:
    """A preset typed on one line (``lr=0.1, steps=50``), checked against ``sim``'s spec."""
    return check_preset(sim, split_preset(text, sim, sims), sims)


# --- TOML -------------------------------------------------------------------------------------------


def _text(value: str) -> Item:
    """A TOML string: basic on one line, or multi-line starting on the line after its quotes."""
    if "\n" not in value:
        return tomlkit.string(value)
    raw = tomlkit.string(value if value.endswith("\n") else value + "\n", multiline=True).as_string()
    body = raw[3:] if raw[3:].startswith("\n") else "\n" + raw[3:]  # tomlkit keeps a leading newline
    item: Item = tomlkit.parse(f'x = """{body}\n')["x"]
    return item


def _value(value: Any) -> Any:
    """A TOML item for a card value: text, a list of texts (one per line when long), a table, a scalar."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list | tuple):
        array = tomlkit.array()
        array.extend(value)
        if sum(len(str(v)) + 4 for v in value) > 80:
            array.multiline(True)
        return array
    if isinstance(value, Mapping):
        table = tomlkit.inline_table()
        table.update(value)
        return table
    return value


def card_table(card_id: str, values: Mapping[str, Any], comment: str | None = None) -> Table:
    """The ``[[cards]]`` table of one card: ``id`` first, then ``values`` in their order."""
    table = tomlkit.table()
    if comment:
        for line in comment.splitlines():
            table.add(tomlkit.comment(line))
    table.add("id", card_id)
    for key, value in values.items():
        if key != "id" and value not in (None, "", (), [], {}):
            table.add(key, _value(value))
    return table


def draft_values(draft: CardDraft) -> dict[str, Any]:
    """A draft's keys as the deck format names them."""
    return {
        "question": draft.question.strip(),
        "answer": draft.answer.strip(),
        "details": draft.details.strip().replace("\r\n", "\n"),
        "tags": list(draft.tags),
        "sim": draft.sim,
        "sim_params": dict(draft.sim_params),
    }


def appended(text: str | None, deck_id: str, title: str, table: Table) -> str:
    """``text`` (a deck file, or ``None`` for a new one) with ``table`` appended as its last card.

    Everything already in the file stays as written; a new file starts with a comment and its
    ``[deck]`` table.
    """
    if text is None:
        document = tomlkit.document()
        for line in NEW_DECK_HEADER.splitlines():
            document.add(tomlkit.comment(line))
        deck = tomlkit.table()
        deck.add("id", deck_id)
        deck.add("title", title)
        document.add("deck", deck)
    else:
        document = tomlkit.parse(_spaced(text))
    cards = document.get("cards")
    if cards is None:
        aot = tomlkit.aot()
        aot.append(table)
        document.add("cards", aot)
    elif isinstance(cards, tomlkit.items.AoT):
        cards.append(table)
    elif isinstance(cards, tomlkit.items.Array):  # cards = [ {...}, ... ]
        inline = tomlkit.inline_table()
        inline.update(table.unwrap())
        cards.append(inline)
    else:
        raise AuthoringError("'cards' in this file is not a list of cards; fix it with `studyapp check`")
    return tomlkit.dumps(document)


def appended_block(text: str, table: Table) -> str:
    """``text`` with ``table`` written after it as a ``[[cards]]`` block: in a deck file whose cards are
    ``[[cards]]`` tables, the same file ``appended`` makes, without parsing and writing the whole file
    again (tens of thousands of cards take minutes that way). A file whose cards are written otherwise
    (``cards = [...]``) is not valid TOML with the block: ``appended`` is its way."""
    block = tomlkit.document()
    cards = tomlkit.aot()
    cards.append(table)
    block.add("cards", cards)
    return _spaced(text) + tomlkit.dumps(block)


def _spaced(text: str) -> str:
    """``text`` ending with a blank line, for the card written after it."""
    if text.strip() and not text.endswith("\n\n"):
        text += "\n" if text.endswith("\n") else "\n\n"
    return text


# --- deck files -------------------------------------------------------------------------------------


def _inside(path: Path, folder: Path) -> bool:
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))


def _problems_of(library: LibraryView) -> Sequence[Problem]:
    return library.problems if isinstance(library, Library) else ()


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise AuthoringError(f"cannot read {path}: {error}") from None


def deck_title(deck_id: str) -> str:
    """The title of a new deck: its id in words ("my-cards" -> "My cards")."""
    return deck_id.replace("-", " ").capitalize()


def deck_file(deck_id: str, library: LibraryView, user_dir: Path | None = None) -> Path:
    """The file a card of deck ``deck_id`` is written to: the deck's own file if it is loaded and not
    bundled, else ``<user deck dir>/<deck_id>.toml``. ``AuthoringError`` for a bundled deck."""
    if not SLUG.match(deck_id):
        raise AuthoringError(
            f"deck id '{deck_id}' must be lowercase letters, digits and dashes (e.g. 'my-cards')",
            fields={"deck": "lowercase letters, digits and dashes, e.g. 'my-cards'"},
            status=2,
        )
    for deck in library.decks:
        if deck.id == deck_id:
            if deck.bundled or deck.source is None:
                message = f"deck '{deck_id}' is bundled with studyapp and read-only; choose another deck id"
                raise AuthoringError(message, fields={"deck": message}, status=2)
            return deck.source
    path = (user_dir if user_dir is not None else user_deck_dir()) / f"{deck_id}.toml"
    text = _read(path)
    if text is not None:
        try:
            table = tomllib.loads(text).get("deck")
        except (tomllib.TOMLDecodeError, RecursionError, ValueError):
            table = None  # the loader reports the file's own problems
        written = table.get("id") if isinstance(table, dict) else None
        if isinstance(written, str) and written != deck_id:
            message = f"{path} holds the deck '{written}', not '{deck_id}'; use '{written}' or another id"
            raise AuthoringError(message, fields={"deck": message}, status=2)
    return path


def user_decks(library: LibraryView) -> list[Deck]:
    """The loaded decks cards may be added to: every deck that is not bundled."""
    return [deck for deck in library.decks if not deck.bundled and deck.source is not None]


def ids_in_files(paths: Iterable[Path]) -> set[str]:
    """The card ids written in deck files, including files the loader skipped (unreadable ones count none)."""
    found: set[str] = set()
    for path in paths:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError, ValueError):
            continue
        cards = data.get("cards")
        if isinstance(cards, list):
            found.update(c["id"] for c in cards if isinstance(c, dict) and isinstance(c.get("id"), str))
    return found


def taken_ids(library: LibraryView, user_dir: Path | None = None, reserved: Iterable[str] = ()) -> set[str]:
    """Every card id a new card must not take: the loaded cards, the ids written in the user's deck
    files (loaded or not: a loaded one's are its cards', so it is not read again), the files the loader
    skipped, and ``reserved`` (e.g. retired cards)."""
    folder = user_dir if user_dir is not None else user_deck_dir()
    files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    files += [p.path for p in _problems_of(library) if p.path.suffix == ".toml"]
    loaded = {os.path.realpath(deck.source) for deck in library.decks if deck.source is not None}
    unread = [path for path in files if os.path.realpath(path) not in loaded]
    return {card.id for card in library.cards} | ids_in_files(unread) | set(reserved)


def problems_in(library: LibraryView, path: Path) -> list[Problem]:
    """The problems ``library`` reports for the deck file ``path``."""
    real = os.path.realpath(path)
    return [p for p in _problems_of(library) if os.path.realpath(p.path) == real]


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` (the file a link points to) with ``text`` in one step: a crash leaves the old
    file or the new one, never half of it. A new file's folder is created."""
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():  # made empty first, so that it gets the permissions the umask gives
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    mode = stat.S_IMODE(target.stat().st_mode)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_card(
    path: Path,
    deck_id: str,
    table: Table,
    *,
    sims: SimCatalog | None,
    reload: Callable[[Deck | None], Library],
    title: str | None = None,
    allow_problems: bool = False,
    known: Deck | None = None,
    problems: ProblemCatalog | None = None,
) -> Library:
    """Append ``table`` to the deck file ``path`` (made if missing), check it with the loader, and
    return ``reload(deck)``'s library (``deck``: what the loader read from the file written); a file
    the loader refuses is put back as it was. ``known`` is the file's deck as the loader read it
    before: if the file is still what it was read from, only the card is read and checked.

    ``allow_problems`` keeps a file whose only problems are across decks (an override copy,
    which the loader may refuse as a duplicate id until it allows overrides). ``sims`` and
    ``problems`` are the catalogs the loader checks with, as for ``load_library``.
    """

    def read(text: str) -> tuple[Deck | None, list[Problem]]:
        return read_deck_text(path, text, sims=sims, problems=problems)

    original = _read(path)
    if original is not None and not original.strip():
        original = None  # an empty file is made into a deck
    text, deck, found = "", None, None
    if original is not None:
        text = appended_block(original, table)
        alone = (
            read_deck_appended(known, original, text, sims, problems)
            if known and known.source == path
            else None
        )
        if alone is not None and alone[1]:  # the file was read without problems: they are the card's
            raise AuthoringError("the card is not valid; nothing was written", problems=alone[1])
        deck, found = alone if alone is not None else read(text)
    if found is None or found:  # a new file, or the block did not do: the file checked, then all of it
        if original is not None and (before := read(original)[1]):
            raise AuthoringError(f"{path} has problems; fix them first (`studyapp check`)", problems=before)
        text = appended(original, deck_id, title or deck_title(deck_id), table)
        deck, found = read(text)
    if found:
        raise AuthoringError("the card is not valid; nothing was written", problems=found)
    try:
        write_atomically(path, text)
    except OSError as error:
        if original is None:
            Path(os.path.realpath(path)).unlink(missing_ok=True)
        raise AuthoringError(f"cannot write {path}: {error.strerror or error}") from None
    library = reload(deck)
    after = problems_in(library, path)
    if after and not allow_problems:
        if original is None:
            Path(os.path.realpath(path)).unlink(missing_ok=True)
        else:
            write_atomically(path, original)
        raise AuthoringError(f"the loader refused {path} with the card; it is as it was", problems=after)
    return library


def library_sources(library: LibraryView, user_dir: Path | None = None) -> list[Path]:
    """The extra deck paths ``library`` was loaded from (``--content``): every deck file, and every
    path with a problem, outside the bundled and the user's deck folders."""
    folders = (bundled_deck_dir(), user_dir if user_dir is not None else user_deck_dir())
    paths = [deck.source for deck in library.decks if deck.source is not None]
    paths += [problem.path for problem in _problems_of(library)]
    outside = [p for p in paths if not any(_inside(p, folder) for folder in folders)]
    return list(dict.fromkeys(outside))


def add_card(
    deck_id: str,
    draft: CardDraft,
    *,
    library: LibraryView,
    sims: SimCatalog | None,
    user_dir: Path | None = None,
    extra_dirs: Sequence[Path] | None = None,
    reserved: Iterable[str] = (),
    problems: ProblemCatalog | None = None,
) -> Saved:
    """Append ``draft`` as a new card of the user deck ``deck_id`` and reload the decks.

    The id comes from the question and avoids every id in ``taken_ids``. ``extra_dirs`` are the
    ``--content`` paths to reload with (default: those ``library`` was loaded from), and ``sims`` and
    ``problems`` the catalogs ``library`` was checked with.
    ``AuthoringError`` names the field, or the loader's problems, when the card cannot be written.
    """
    fields = check_draft(draft, sims)
    try:
        path = deck_file(deck_id, library, user_dir)
    except AuthoringError as error:
        if not error.fields:
            raise
        fields = {**error.fields, **fields}
    if fields:
        raise AuthoringError(
            "; ".join(f"{name}: {message}" for name, message in fields.items()), fields=fields, status=2
        )
    card_id = unique_id(draft.question, taken_ids(library, user_dir, reserved))
    extra = library_sources(library, user_dir) if extra_dirs is None else extra_dirs

    def reload(written: Deck | None) -> Library:
        return read_again(library, path, extra, user_dir, sims, written, problems)

    table = card_table(card_id, draft_values(draft))
    known = deck_read_from(library, path) if isinstance(library, Library) else None
    loaded = write_card(path, deck_id, table, sims=sims, reload=reload, known=known, problems=problems)
    card = next((c for c in loaded.cards if c.id == card_id), None)
    return Saved(card_id, card.source if card and card.source else path, card.line if card else 0, loaded)


def read_again(
    known: LibraryView,
    path: Path,
    extra_dirs: Sequence[Path],
    user_dir: Path | None,
    sims: SimCatalog | None,
    written: Deck | None = None,
    problems: ProblemCatalog | None = None,
) -> Library:
    """What ``load_library(extra_dirs, user_dir, sims=sims, problems=problems)`` loads now that the deck
    file ``path`` was written, given ``known``, what it loaded before: that file's deck (``written``,
    what the loader read from the text written, or the file read again) in its place when that tells
    (``studyapp.content.with_deck_read_again``), else every deck."""
    before, sources = (
        Library(list(known.decks), list(_problems_of(known))),
        deck_sources(extra_dirs, user_dir),
    )
    if written is not None:
        again = with_deck_written(before, path, written, sources)
    else:
        again = with_deck_read_again(before, path, sources, sims, problems)
    return again if again is not None else load_library(extra_dirs, user_dir, sims=sims, problems=problems)


def check_draft(draft: CardDraft, sims: SimCatalog | None) -> dict[str, str]:
    """What is wrong with a draft, by field (empty when it can be written)."""
    fields = {}
    for name in ("question", "answer"):
        if not getattr(draft, name).strip():
            fields[name] = f"the {name} must not be empty"
    for tag in draft.tags:
        if not SLUG.match(tag):
            fields["tags"] = f"tag '{tag}' must be lowercase letters, digits and dashes"
    if sims is not None and draft.sim is not None:
        if draft.sim not in sims:
            fields["sim"] = f"unknown simulation '{draft.sim}'; valid: {', '.join(sims)}"
        else:
            params = {p.name: p for p in sims[draft.sim].params}
            for name, value in draft.sim_params.items():
                try:
                    if name not in params:
                        raise ValueError(
                            f"simulation '{draft.sim}' has no parameter '{name}'; "
                            f"valid parameters: {', '.join(params)}"
                        )
                    params[name].coerce(value)
                except ValueError as error:
                    fields["preset"] = str(error)
                    break
    elif draft.sim is None and draft.sim_params:
        fields["preset"] = "a preset needs a simulation: choose one first"
    return fields


# --- editing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where a card is written: its file, the line of its ``[[cards]]`` header, and whether that file is
    bundled (read-only)."""

    card_id: str
    path: Path
    line: int
    bundled: bool = False
    deck: Deck | None = None


def card_line(path: Path, card_id: str) -> int:
    """The line of the ``[[cards]]`` header of ``card_id`` in ``path`` as it is now (0 if not found)."""
    text = _read(path)
    if text is None:
        return 0
    lines = text.splitlines()
    headers = [i + 1 for i, line in enumerate(lines) if _CARD_HEADER.match(line)]
    try:
        cards = tomllib.loads(text).get("cards")
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        cards = None
    if isinstance(cards, list):
        for index, raw in enumerate(cards):
            if isinstance(raw, dict) and raw.get("id") == card_id and index < len(headers):
                return headers[index]
    pattern = re.compile(_ID_LINE.format(re.escape(card_id)))
    matches = [i + 1 for i, line in enumerate(lines) if pattern.match(line)]
    if not matches:
        return 0
    above = [h for h in headers if h <= matches[0]]
    return above[-1] if above else matches[0]


def _line_now(deck: Deck, card: Card, source: Path) -> int:
    """The line of ``card``'s ``[[cards]]`` header in its file as it is now: the line the loader read, when
    the file is still the text ``deck`` was read from (a big deck takes seconds to parse), else found
    again (``card_line``)."""
    text = _read(source) if source == deck.source and deck.digest else None
    if text is not None and text_digest(text) == deck.digest:
        return card.line
    return card_line(source, card.id) or card.line


def find_card(library: LibraryView, card_id: str, user_dir: Path | None = None) -> Location:
    """Where card ``card_id`` is written: in a loaded deck, else in a deck file the loader skipped
    (so a broken file can be opened to fix it). ``AuthoringError`` if no deck file has it."""
    for deck in library.decks:
        for card in deck.cards:
            if card.id == card_id and card.source is not None:
                line = _line_now(deck, card, card.source)
                bundled = deck.bundled and card.source == deck.source  # not a user's override copy
                return Location(card_id, card.source, line, bundled, deck)
    folder = user_dir if user_dir is not None else user_deck_dir()
    candidates = [p.path for p in _problems_of(library)]
    candidates += sorted(folder.glob("*.toml")) if folder.is_dir() else []
    for path in dict.fromkeys(candidates):
        line = card_line(path, card_id) if path.suffix == ".toml" else 0
        if line:
            return Location(card_id, path, line)
    raise AuthoringError(f"no deck has a card '{card_id}'; `studyapp cards` lists the card ids", status=2)


def edits_deck(deck: Deck) -> tuple[str, str]:
    """The id and title of the user deck that holds override copies of ``deck``'s cards."""
    return f"{deck.id}{EDITS_SUFFIX}", f"{deck.title} (your edits)"


def override_copy(
    library: LibraryView,
    card_id: str,
    *,
    sims: SimCatalog | None,
    user_dir: Path | None = None,
    problems: ProblemCatalog | None = None,
) -> Location:
    """Copy bundled card ``card_id``, with the same id and therefore its history, into the user's
    deck folder (``<bundled deck id>-edits.toml``), and return where the copy is.

    The copy keeps every key of the bundled card as written. A copy that already exists is reused.
    """
    location = find_card(library, card_id, user_dir)
    if not location.bundled or location.deck is None:
        return location
    deck_id, title = edits_deck(location.deck)
    path = (user_dir if user_dir is not None else user_deck_dir()) / f"{deck_id}.toml"
    note_id = card_id.partition("::")[0]  # a cloze card is copied as its whole note, each card keeping its id
    line = card_line(path, note_id)
    if line:
        return Location(card_id, path, line)
    try:
        bundled = tomllib.loads(location.path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise AuthoringError(f"cannot read the bundled card in {location.path}: {error}") from None
    raw = next((c for c in bundled.get("cards", []) if isinstance(c, dict) and c.get("id") == note_id), None)
    if raw is None:
        raise AuthoringError(f"card '{card_id}' is not in {location.path} any more; reload the decks")
    comment = (
        f"Your copy of the bundled card '{card_id}' ({location.path.name}, line {location.line}).\n"
        "It replaces that card and keeps its history, as long as its id stays the same."
    )
    table = card_table(note_id, raw, comment=comment)

    def reload(written: Deck | None) -> Library:
        return load_library(library_sources(library, user_dir), user_dir, sims=sims, problems=problems)

    write_card(
        path, deck_id, table, sims=sims, reload=reload, title=title, allow_problems=True, problems=problems
    )
    return Location(card_id, path, card_line(path, note_id))


def editor_command(path: Path, line: int, environ: Mapping[str, str] | None = None) -> list[str]:
    """The command that opens ``path`` at ``line``: ``$EDITOR``, else ``$VISUAL``, else ``vi``; the
    variable may hold options (``EDITOR="vim -u NONE"``)."""
    env = os.environ if environ is None else environ
    editor = env.get("EDITOR") or env.get("VISUAL") or "vi"
    return [*shlex.split(editor), *([f"+{line}"] if line > 0 else []), str(path)]


def run_editor(command: Sequence[str]) -> int:
    """Run the editor in the foreground and return its exit status; ``AuthoringError`` if it cannot start."""
    import subprocess

    try:
        return subprocess.run(list(command), check=False).returncode
    except OSError as error:
        raise AuthoringError(
            f"cannot run the editor '{command[0]}': {error.strerror or error}; set $EDITOR to your editor"
        ) from None


@dataclass(frozen=True)
class Checked:
    """A deck file checked after an edit: its problems, whether the card is still in it, the new library."""

    path: Path
    card_id: str
    problems: tuple[Problem, ...]
    card: Card | None
    library: Library

    @property
    def ok(self) -> bool:
        return not self.problems

    def message(self) -> str:
        """One line for people: the first problem, or what the check found."""
        if self.problems:
            more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            return f"{self.problems[0]}{more}"
        if self.card is None:
            return (
                f"card '{self.card_id}' is no longer in {self.path}; its history is kept and comes back "
                "if a card with that id returns"
            )
        return f"{self.path}:{self.card.line}: card '{self.card_id}' checked, no problems"


def check_after_edit(
    path: Path,
    card_id: str,
    *,
    sims: SimCatalog | None,
    user_dir: Path | None = None,
    extra_dirs: Sequence[Path] = (),
    known: LibraryView | None = None,
    problems: ProblemCatalog | None = None,
    before: str | None = None,
) -> Checked:
    """Reload the decks and report the edited file's problems, each with its file:line. With ``known``,
    what was loaded before the edit, only the edited file is read again when that tells what loads
    (``studyapp.content.with_deck_read_again``); with ``before``, the file's text then, only the
    ``[[cards]]`` tables the edit changed are read when that tells (``read_deck_edited``)."""
    if known is not None:
        edited = _edited_deck(known, path, before, sims, problems) if before is not None else None
        library = read_again(known, path, extra_dirs, user_dir, sims, edited, problems)
    else:
        library = load_library(extra_dirs, user_dir, sims=sims, problems=problems)
    card = next((c for c in library.cards if c.id == card_id), None)
    return Checked(path, card_id, tuple(problems_in(library, path)), card, library)


def _edited_deck(
    known: LibraryView, path: Path, before: str, sims: SimCatalog | None, problems: ProblemCatalog | None
) -> Deck | None:
    """The deck of the file ``path``, edited from the text ``before``, read by the tables that changed;
    ``None`` when only a whole read tells, or finds problems (and says where each is)."""
    deck = deck_read_from(known, path) if isinstance(known, Library) else None
    edited = _read(path) if deck is not None else None
    read = read_deck_edited(deck, before, edited, sims, problems) if deck and edited is not None else None
    return read[0] if read is not None and not read[1] else None


def edit_card(
    library: LibraryView,
    card_id: str,
    *,
    sims: SimCatalog | None,
    user_dir: Path | None = None,
    extra_dirs: Sequence[Path] | None = None,
    copy_bundled: bool = False,
    environ: Mapping[str, str] | None = None,
    run: Callable[[Sequence[str]], int] = run_editor,
    problems: ProblemCatalog | None = None,
) -> Checked:
    """Open card ``card_id`` in the editor at its line, then check its deck again.

    A bundled card is edited in its override copy when ``copy_bundled``, else ``AuthoringError``.
    ``run(command) -> status`` runs the editor (the app runs it with the terminal handed over).
    """
    location = find_card(library, card_id, user_dir)
    if location.bundled:
        if not copy_bundled:
            raise AuthoringError(
                f"card '{card_id}' is in the bundled deck, which is read-only; edit your own copy with "
                f"`studyapp edit {card_id} --copy` (same id, it keeps its history)"
            )
        location = override_copy(library, card_id, sims=sims, user_dir=user_dir, problems=problems)
    extra = library_sources(library, user_dir) if extra_dirs is None else extra_dirs
    before = _read(location.path)
    status = run(editor_command(location.path, location.line, environ))
    checked = check_after_edit(
        location.path,
        card_id,
        sims=sims,
        user_dir=user_dir,
        extra_dirs=extra,
        known=library,
        problems=problems,
        before=before,
    )
    if status:
        raise AuthoringError(
            f"the editor exited with status {status}; {checked.message()}", problems=checked.problems
        )
    return checked


# --- the collection ---------------------------------------------------------------------------------


def adopt(collection: Collection, library: Library, fingerprints: Fingerprints | None = None) -> SyncReport:
    """Make ``library`` the collection's decks, reconciled by card id (new cards appear as new, edited
    ones keep their history); ``fingerprints`` are the library's, when known. A collection error leaves
    the collection on its old decks."""
    from studyapp.collection import Fingerprints, reconcile

    known = collection.known
    before = known[1] if known is not None and known[0] is collection.library else None
    fingerprints = fingerprints or Fingerprints.of(library)
    report = reconcile(collection.store, library, fingerprints, collection.library, before)
    collection.library = library
    collection.known = (library, fingerprints)
    collection.sync = report
    return report


def retired_ids(collection: Collection) -> set[str]:
    """The ids of cards that left every deck but keep their history (a new card must not take one)."""
    return collection.retired_ids()
