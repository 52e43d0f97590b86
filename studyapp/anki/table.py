"""CSV and TSV files as cards: a header row names the columns ``question``, ``answer`` and, optionally,
``tags`` (separated by spaces) and ``details``. Text is taken as written (Markdown)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from studyapp.anki.source import CardKind, NewCard, Source, slug_tags
from studyapp.store.anki_file import AnkiFileError

DELIMITERS = {".csv": ",", ".tsv": "\t"}
REQUIRED_COLUMNS = ("question", "answer")
OPTIONAL_COLUMNS = ("tags", "details")


class TableError(AnkiFileError):
    """A CSV or TSV file that cannot be imported; the message names the file and the row."""


def _rows(path: Path, delimiter: str) -> list[tuple[int, list[str]]]:
    """Each row with the line it starts on."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TableError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise TableError(f"{path} is a folder, not a {path.suffix[1:].upper()} file") from None
    except UnicodeDecodeError as error:
        raise TableError(
            f"{path} is not UTF-8 text (byte {error.start}); save it as UTF-8 and import it again"
        ) from None
    except OSError as error:
        raise TableError(f"cannot read {path}: {error.strerror or error}") from None
    if "\x00" in text:
        raise TableError(f"{path} is not a text file (it holds NUL bytes)")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows, line = [], 1
    try:
        for row in reader:
            rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as error:
        raise TableError(
            f"{path}:{reader.line_num}: not a valid {path.suffix[1:].upper()} row: {error}"
        ) from None
    return rows


def _columns(path: Path, header: list[str]) -> dict[str, int]:
    names = [name.strip().lower() for name in header]
    expected = ", ".join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise TableError(
            f"{path}: the first row must be a header that names the columns ({expected}); "
            f"it has no {' or '.join(repr(name) for name in missing)} column (first row: {header!r})"
        )
    unknown = [name for name in names if name not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]
    if unknown:
        raise TableError(
            f"{path}: unknown column {unknown[0]!r} in the header; the columns are {expected} "
            "(remove or rename the others, so that nothing is left behind)"
        )
    repeated = [name for name in set(names) if names.count(name) > 1]
    if repeated:
        raise TableError(f"{path}: the header names the column {repeated[0]!r} twice")
    return {name: index for index, name in enumerate(names)}


def table_source(path: Path) -> Source:
    """The cards of a CSV or TSV file, one per row; blank rows are skipped."""
    delimiter = DELIMITERS[path.suffix.lower()]
    rows = _rows(path, delimiter)
    if not rows:
        raise TableError(f"{path} is empty; its first row must name the columns question, answer and tags")
    columns = _columns(path, rows[0][1])
    source = Source(
        label=path.name, title=path.stem.replace("_", " ").replace("-", " ").capitalize(), notes=0
    )
    for number, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            raise TableError(
                f"{path}:{number}: the row has {len(row)} cells but the header names {len(columns)} columns "
                "(quote a cell that holds the separator)"
            )
        cells = {name: row[index].strip() if index < len(row) else "" for name, index in columns.items()}
        for name in REQUIRED_COLUMNS:
            if not cells[name]:
                raise TableError(
                    f"{path}:{number}: the {name} is empty; every row needs a question and an answer"
                )
        tags = slug_tags(cells.get("tags", "").split(), source)
        source.notes += 1
        card = NewCard(
            CardKind.ROW, cells["question"], cells["answer"], details=cells.get("details", ""), tags=tags
        )
        source.cards.append(card)
    if not source.cards:
        raise TableError(f"{path} has a header but no rows of cards")
    return source
