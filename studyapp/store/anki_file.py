"""Reading an Anki collection file (the SQLite database inside an .apkg or .colpkg), read-only.

Anki's collections come in two schemas: the legacy one keeps note types and decks as JSON in the
``col`` table; the newer one (``collection.anki21b``) keeps them in ``notetypes``, ``fields``,
``templates`` and ``decks`` tables, with their settings as protobuf blobs. This reader returns the
rows as they are; ``studyapp.anki`` interprets them. Every SQLite error becomes ``AnkiFileError``.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, NamedTuple, ParamSpec, TypeVar

from studyapp.errors import UserError
from studyapp.store.base import Closing
from studyapp.store.checks import file_uri

P = ParamSpec("P")
R = TypeVar("R")


class AnkiFileError(UserError):
    """An Anki package or collection that cannot be read; the message says which file and why."""


@dataclass(frozen=True)
class NoteRow:
    """A row of ``notes``: its fields are the ``flds`` column split at Anki's separator."""

    id: int
    guid: str
    notetype_id: int
    tags: str
    fields: tuple[str, ...]


class CardRow(NamedTuple):
    """A row of ``cards``: ``deck_id`` is the home deck (``odid`` for a card in a filtered deck)."""

    id: int
    note_id: int
    deck_id: int
    ord: int
    queue: int


class RevlogRow(NamedTuple):
    """A row of ``revlog``: ``id`` is the review's time in epoch milliseconds, ``time`` its duration in ms,
    ``kind`` Anki's review kind (learning, review, relearning, filtered, manual, rescheduled) and
    ``factor`` the ease factor logged with it (0 for a reset to new and for a review that did not
    reschedule the card)."""

    id: int
    card_id: int
    ease: int
    time: int
    kind: int
    factor: int


@dataclass(frozen=True)
class NotetypeRow:
    """A row of the newer schema's ``notetypes``; ``config`` is a protobuf ``Notetype.Config``."""

    id: int
    name: str
    config: bytes


@dataclass(frozen=True)
class FieldRow:
    """A row of the newer schema's ``fields``."""

    notetype_id: int
    ord: int
    name: str


@dataclass(frozen=True)
class TemplateRow:
    """A row of the newer schema's ``templates``; ``config`` is a protobuf ``Template.Config``."""

    notetype_id: int
    ord: int
    name: str
    config: bytes


FIELD_SEPARATOR = "\x1f"
#: The tables every Anki collection has, in both schemas.
REQUIRED_TABLES = ("col", "notes", "cards", "revlog")
#: The tables that hold note types and decks in the newer schema (``collection.anki21b``).
MODERN_TABLES = ("notetypes", "fields", "templates", "decks")


def _integers(*columns: str) -> str:
    """``columns`` as integers for a ``SELECT`` (a missing value is 0), so rows need no converting."""
    return ", ".join(f"CAST(ifnull({column}, 0) AS INTEGER)" for column in columns)


def _reading(
    method: Callable[Concatenate[AnkiCollectionFile, P], R],
) -> Callable[Concatenate[AnkiCollectionFile, P], R]:
    """Turn SQLite's errors in a reader method into ``AnkiFileError`` naming the file."""

    @functools.wraps(method)
    def wrapper(reader: AnkiCollectionFile, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(reader, *args, **kwargs)
        except sqlite3.Error as error:
            raise reader.error(error) from None

    return wrapper


class AnkiCollectionFile(Closing):
    """An Anki collection database opened read-only; use ``with AnkiCollectionFile(path) as anki``."""

    def __init__(self, path: Path, label: str | None = None) -> None:
        #: The database file (usually a temporary copy taken out of a package).
        self.path = path
        #: How messages name the file (the package it came from).
        self.label = label or str(path)
        try:
            self.conn = sqlite3.connect(file_uri(path.resolve(), "mode=ro&immutable=1"), uri=True)
            tables = self._tables()
        except sqlite3.Error as error:
            raise self.error(error) from None
        missing = [name for name in REQUIRED_TABLES if name not in tables]
        if missing:
            self.conn.close()
            raise AnkiFileError(
                f"{self.label} is not an Anki collection: its database has no {', '.join(missing)} table"
            )
        #: The newer schema: note types and decks in their own tables.
        self.modern = all(name in tables for name in MODERN_TABLES)

    def error(self, error: sqlite3.Error) -> AnkiFileError:
        """The message for a database that SQLite cannot read."""
        return AnkiFileError(
            f"{self.label} holds a damaged Anki collection ({error}); export it again from Anki"
        )

    def close(self) -> None:
        """Close the database."""
        self.conn.close()

    def _tables(self) -> set[str]:
        rows = self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return {str(row[0]) for row in rows}

    def _rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql).fetchall()

    @_reading
    def collection_json(self) -> tuple[str, str, str]:
        """The legacy schema's JSON texts in ``col``: (note types, decks, configuration)."""
        row = self.conn.execute("SELECT models, decks, conf FROM col LIMIT 1").fetchone()
        if row is None:
            raise AnkiFileError(f"{self.label} is not an Anki collection: its col table is empty")
        models, decks, conf = (str(value or "") for value in row)
        return models, decks, conf

    @_reading
    def notes(self) -> list[NoteRow]:
        """Every note, oldest first."""
        return [
            NoteRow(
                int(i), str(guid), int(mid), str(tags or ""), tuple(str(flds or "").split(FIELD_SEPARATOR))
            )
            for i, guid, mid, tags, flds in self._rows(
                "SELECT id, guid, mid, tags, flds FROM notes ORDER BY id"
            )
        ]

    @_reading
    def cards(self) -> list[CardRow]:
        """Every card, by note and then template (or cloze number)."""
        deck = "CASE WHEN odid != 0 THEN odid ELSE did END"
        sql = f"SELECT {_integers('id', 'nid', deck, 'ord', 'queue')} FROM cards ORDER BY nid, ord, id"
        return list(map(CardRow._make, self.conn.execute(sql)))

    @_reading
    def revlog(self) -> list[RevlogRow]:
        """Every review-log entry in the order it was made."""
        sql = f"SELECT {_integers('id', 'cid', 'ease', 'time', 'type', 'factor')} FROM revlog ORDER BY id"
        return list(map(RevlogRow._make, self.conn.execute(sql)))

    @_reading
    def notetypes(self) -> list[NotetypeRow]:
        """The newer schema's note types."""
        rows = self._rows("SELECT id, name, config FROM notetypes ORDER BY id")
        return [NotetypeRow(int(i), str(name), bytes(config or b"")) for i, name, config in rows]

    @_reading
    def fields(self) -> list[FieldRow]:
        """The newer schema's fields of every note type, in order."""
        rows = self._rows("SELECT ntid, ord, name FROM fields ORDER BY ntid, ord")
        return [FieldRow(int(ntid), int(ord_), str(name)) for ntid, ord_, name in rows]

    @_reading
    def templates(self) -> list[TemplateRow]:
        """The newer schema's card templates of every note type, in order."""
        rows = self._rows("SELECT ntid, ord, name, config FROM templates ORDER BY ntid, ord")
        return [TemplateRow(int(n), int(o), str(name), bytes(config or b"")) for n, o, name, config in rows]

    @_reading
    def decks(self) -> dict[int, str]:
        """The newer schema's deck names by id, with Anki's ``::`` between a parent and its subdeck."""
        rows = self._rows("SELECT id, name FROM decks")
        return {int(i): str(name).replace(FIELD_SEPARATOR, "::") for i, name in rows}


def write_anki_database(path: Path, fill: Callable[[sqlite3.Cursor], None]) -> None:
    """Make a new SQLite database at ``path`` and let ``fill`` write Anki's tables into it (genanki's
    ``Package.write_to_db`` does), committed when it returns."""
    conn = sqlite3.connect(path)
    try:
        fill(conn.cursor())
        conn.commit()
    finally:
        conn.close()
