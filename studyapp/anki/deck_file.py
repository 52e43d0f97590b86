"""The new deck an import makes: its id, its cards' ids, its TOML text, and its files on disk.

The deck file is written as tomlkit writes it, together with what TOML reads from it, which the real
loader checks before the file exists. It and the media folder beside it are written under hidden names
and put in their places only once the import's history is committed (``Written.place``), never over
anything; ``Written.remove`` takes them away again when a later step of the import fails.
"""

from __future__ import annotations

import os
import re
import shutil
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import tomlkit

from studyapp.anki.source import Source
from studyapp.authoring import card_table, slugify
from studyapp.deck_reader import SLUG
from studyapp.deck_text import note_id
from studyapp.errors import UserError
from studyapp.placing import Move, check_free, hidden_name, move

DECK_ID_WORDS = 6
MEDIA_SUFFIX = "-media"
FALLBACK_DECK_ID = "imported"


class ImportRefused(UserError):
    """An import that would overwrite a deck or touch existing history; nothing was written."""


def deck_id_for(title: str) -> str:
    """A deck id from a title's first meaningful words ("Deep Learning Basics" -> "deep-learning-basics")."""
    slug = slugify(title, max_words=DECK_ID_WORDS)
    return slug if any(c.isalnum() for c in title.encode("ascii", "ignore").decode()) else FALLBACK_DECK_ID


def media_folder_name(deck_id: str) -> str:
    """The folder beside the deck file that holds its images and sounds."""
    return f"{deck_id}{MEDIA_SUFFIX}"


def entry_ids(texts: Iterable[str], taken: set[str]) -> list[str]:
    """An id per card (or cloze note) made from the words of its text, never one in ``taken`` (nor the
    note of a cloze card id there) nor one given before."""
    used = set(taken) | {note_id(card_id) for card_id in taken}
    ids = []
    for text in texts:
        base = slugify(text)
        candidate, number = base, 1
        while candidate in used:
            number += 1
            candidate = f"{base}-{number}"
        used.add(candidate)
        ids.append(candidate)
    return ids


@dataclass(frozen=True)
class Plan:
    """Where and how a source becomes a deck."""

    source: Source
    deck_id: str
    path: Path
    #: The id of each ``[[cards]]`` table, in the order of ``source.cards``.
    entry_ids: tuple[str, ...]

    @property
    def card_ids(self) -> list[str]:
        """The ids of every card the deck makes (a cloze note's cards are ``note::c1``, ...)."""
        pairs = zip(self.entry_ids, self.source.cards, strict=True)
        return [card_id for entry, card in pairs for card_id in card.card_ids(entry)]

    def without(self, refused: set[str]) -> Plan:
        """The plan without the tables whose ids are in ``refused``."""
        pairs = zip(self.entry_ids, self.source.cards, strict=True)
        kept = [(entry, card) for entry, card in pairs if entry not in refused]
        self.source.cards = [card for _, card in kept]
        return replace(self, entry_ids=tuple(entry for entry, _ in kept))

    @property
    def media_dir(self) -> Path:
        """The folder of the deck's media files (made only when there are some)."""
        return self.path.with_name(media_folder_name(self.deck_id))


def check_deck_slug(deck_id: str) -> None:
    """Refuse a deck id that is not lowercase letters, digits and dashes (a bad command line)."""
    if not SLUG.match(deck_id):
        raise ImportRefused(
            f"deck id '{deck_id}' must be lowercase letters, digits and dashes (e.g. 'my-deck')", status=2
        )


def check_deck_id(deck_id: str, loaded: dict[str, Path | None], path: Path) -> None:
    """Refuse a deck id that is not a slug, whose file or media folder exists, or that a loaded deck uses."""
    another = "choose another id with --deck ID"
    check_deck_slug(deck_id)
    media = path.with_name(media_folder_name(deck_id))
    for existing in (path, media):
        if existing.exists() or existing.is_symlink():
            raise ImportRefused(
                f"{existing} already exists (imported before?) and is never overwritten; {another}, "
                "or move it away"
            )
    if deck_id in loaded:
        where = f" ({loaded[deck_id]})" if loaded[deck_id] else ""
        raise ImportRefused(f"the deck id '{deck_id}' is already used by a deck{where}; {another}")


#: The longest list of tags ``card_table`` writes on one line (its texts plus four characters each).
ONE_LINE_LIST = 80
#: The characters a one-line basic TOML string escapes (control characters, quotes, backslashes).
_ESCAPED = re.compile(r'[\x00-\x1f\x7f"\\]')
#: What a multi-line basic TOML string escapes: control characters but the line break, backslashes and
#: three quotes in a row.
_ESCAPED_IN_LINES = re.compile(r'[\x00-\x09\x0b-\x1f\x7f\\]|"""')


def toml_string(text: str) -> str:
    """``text`` as tomlkit writes it as a one-line basic string: between quotes as it is when nothing in
    it needs an escape (nearly every text), else through tomlkit."""
    if _ESCAPED.search(text) is None:
        return f'"{text}"'
    return tomlkit.string(text).as_string()


def _toml_text(text: str) -> tuple[str, str] | None:
    """``text`` as ``card_table`` writes it: a one-line string, or lines between triple quotes that start
    on the line after them and end with a line break; ``None`` for lines that need an escape. With the
    string TOML reads from it (a line break added at the end of lines that have none)."""
    if "\n" not in text:
        return toml_string(text), text
    if _ESCAPED_IN_LINES.search(text) is not None:
        return None
    ending = "" if text.endswith("\n") else "\n"
    return f'"""\n{text}{ending}"""', text + ending


def _card_toml(entry_id: str, values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The ``[[cards]]`` table of one card, as ``card_table`` writes it, and the table TOML reads from it.
    A card whose texts of several lines need no escape and whose tags fit on one line (nearly every
    imported card) is written here, about thirty times faster than through tomlkit's tables; any other
    goes through ``card_table`` (and is read back with ``tomllib``)."""
    lines = [f"id = {toml_string(entry_id)}"]
    read: dict[str, Any] = {"id": entry_id}
    for key, value in values.items():
        if value in ("", []):
            continue
        written = _toml_text(value) if isinstance(value, str) else None
        if written is not None:
            lines.append(f"{key} = {written[0]}")
            read[key] = written[1]
        elif isinstance(value, list) and sum(len(item) + 4 for item in value) <= ONE_LINE_LIST:
            lines.append(f"{key} = [{', '.join(toml_string(item) for item in value)}]")
            read[key] = list(value)
        else:
            table = card_table(entry_id, values).as_string()
            return table, tomllib.loads(table)
    return "\n".join(lines) + "\n", read


@dataclass(frozen=True)
class DeckDocument:
    """The new deck's TOML text, and what TOML reads from it (``tomllib.loads(text)``), made together."""

    text: str
    data: dict[str, Any]


def deck_document(plan: Plan, now: datetime) -> DeckDocument:
    """The TOML text of the new deck, with a comment that says where it came from, and its data."""
    document = tomlkit.document()
    document.add(
        tomlkit.comment(f"Imported from {plan.source.label} by `studyapp import` on {now:%Y-%m-%d}.")
    )
    document.add(tomlkit.comment("Edit freely, but keep each card's id: its study history is kept by id."))
    document.add(
        tomlkit.comment("The format is described in content/README.md; check it with `studyapp check`.")
    )
    header = {
        "id": plan.deck_id,
        "title": plan.source.title,
        "description": f"Imported from {plan.source.label}.",
    }
    deck = tomlkit.table()
    for key, value in header.items():
        deck.add(key, value)
    document.add("deck", deck)
    tables = [tomlkit.dumps(document)]
    cards = []
    for entry_id, card in zip(plan.entry_ids, plan.source.cards, strict=True):
        sides = {"text": card.text} if card.text else {"question": card.question, "answer": card.answer}
        table, read = _card_toml(entry_id, {**sides, "details": card.details, "tags": list(card.tags)})
        tables.append(f"\n[[cards]]\n{table}")
        cards.append(read)
    return DeckDocument("".join(tables), {"deck": header, "cards": cards})


def deck_text(plan: Plan, now: datetime) -> str:
    """The TOML text of the new deck (``deck_document``'s)."""
    return deck_document(plan, now).text


def _safe_name(name: str) -> bool:
    return (
        bool(name) and name == Path(name).name and not name.startswith(".") and not set(name) & {"\\", "\x00"}
    )


def keep_safe_media(source: Source, available: Iterable[str]) -> None:
    """Keep in ``source.media`` only the files that can be copied; note the others as left out."""
    available = set(available)
    missing = {name for name in source.media if name not in available}
    unsafe = {name for name in source.media - missing if not _safe_name(name)}
    source.leave_out("media files the notes use that are not in the file (their links stay)", len(missing))
    source.leave_out("media files with names that are not plain file names, not copied", len(unsafe))
    source.leave_out("media files in the file that no imported note uses", len(available - source.media))
    source.media = source.media - missing - unsafe


class NotPlaced(UserError):
    """The history was committed, but the deck's files could not be put in their places."""


def not_written(plan: Plan, error: OSError) -> ImportRefused:
    """The refusal of an import whose deck could not be written (or put in place before its history)."""
    return ImportRefused(
        f"cannot write the deck {plan.path}: {error.strerror or error}; nothing was imported"
    )


@dataclass
class Written:
    """The files an import wrote: under hidden names beside their places until ``place`` puts them there,
    once the history is committed, so that an import stopped before leaves no deck without its history.
    ``remove`` takes them away again, wherever they are."""

    plan: Plan
    #: Where the deck file is now.
    deck: Path
    #: Where the media folder is now (``None``: the deck has no media).
    media: Path | None = None

    @property
    def placed(self) -> bool:
        return self.deck == self.plan.path

    @property
    def moves(self) -> list[Move]:
        """The moves that put the files in their places and are not made yet: the media folder's first."""
        moves = [] if self.placed else [(self.deck, self.plan.path)]
        if self.media is not None and self.media != self.plan.media_dir:
            moves.insert(0, (self.media, self.plan.media_dir))
        return moves

    def place(self) -> None:
        """Put the media folder, then the deck file in their places, where nothing else may be (again
        after a stop half-way: what is in place already stays)."""
        for now, place in self.moves:
            move(now, place)
            if now == self.media:
                self.media = place
            else:
                self.deck = place

    def place_committed(self) -> None:
        """``place``, once the deck's history is committed: a failure leaves the files where they are and
        says where to move them (``NotPlaced``); the next open of the collection puts them there once the
        places are free."""
        try:
            self.place()
        except OSError as error:
            todo = " and ".join(f"{now} to {place}" for now, place in self.moves)
            raise NotPlaced(
                f"the deck's cards and history are in the collection, but its files could not be put in "
                f"place: {error.strerror or error}. Move {todo}, or free the place and start studyapp "
                "again, which puts them there: the deck's cards are back with their history once its "
                "file is"
            ) from None

    def remove(self) -> None:
        """Delete what was written (the deck file, then the media folder), wherever it is."""
        self.deck.unlink(missing_ok=True)
        if self.media is not None:
            shutil.rmtree(self.media, ignore_errors=True)


def write_files(plan: Plan, text: str, collection: str) -> Written:
    """Write the media folder with the source's media files and the deck file, each under a hidden name
    beside its place, tagged with the ``collection`` their history goes into (``Written.place`` puts them
    there); neither place may be taken. On a failure, what was written is removed again."""
    source = plan.source
    written: Written | None = None
    try:
        plan.path.parent.mkdir(parents=True, exist_ok=True)
        for taken in (plan.path, plan.media_dir) if source.media else (plan.path,):
            check_free(taken)
        media = hidden_name(plan.media_dir, collection) if source.media else None
        written = Written(plan, _create(hidden_name(plan.path, collection), text), media)
        if media is not None:
            assert source.read_media is not None
            media.mkdir(parents=False)
            for name in sorted(source.media):
                chunks = source.read_media(name)
                if chunks is not None:
                    with (media / name).open("xb") as out:
                        for chunk in chunks:
                            out.write(chunk)
    except OSError as error:
        if written is not None:
            written.remove()
        raise not_written(plan, error) from None
    except BaseException:
        if written is not None:
            written.remove()
        raise
    return written


def _create(path: Path, text: str) -> Path:
    """Write ``path``, which must not exist, and sync it; returns it."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask's permissions
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
