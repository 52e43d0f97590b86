"""Decks as an Anki package (.apkg), written with genanki.

Each deck becomes an Anki deck and each card a note: the question on the front; the answer, its
details, the card's note and its simulation's answers on the back (one field each). Deck and note
type ids are derived from their names and note GUIDs from the card ids, so importing a later export
into Anki updates the notes instead of adding copies. Formulas go to MathJax; images a deck links to
beside its file go into the package.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import re
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from studyapp.anki.markup import markdown_html, plain_html
from studyapp.cloze import parse_cloze
from studyapp.deck_text import note_id
from studyapp.model import Card, Deck
from studyapp.store.anki_file import write_anki_database
from studyapp.transfer import written_beside

if TYPE_CHECKING:
    import genanki

#: The simulation answers the export shows, at most: as many as the review shows.
HEADLINE_ROWS = 4
BASIC_FIELDS = ("Front", "Back", "Details", "Note", "Simulation")
CLOZE_FIELDS = ("Text", "Back Extra", "Note", "Simulation")
BASIC_MODEL_NAME = "studyapp Basic"
CLOZE_MODEL_NAME = "studyapp Cloze"
CSS = """\
.card { font-family: sans-serif; font-size: 20px; text-align: left; color: black; background: white; }
.details, .note, .simulation { margin-top: 1em; font-size: 16px; }
.note { border-left: 3px solid #c90; padding-left: .5em; }
.simulation { color: #246; }
"""
_BACK_SECTIONS = (
    "{{#Note}}<div class=note>{{Note}}</div>{{/Note}}"
    "{{#Simulation}}<div class=simulation>{{Simulation}}</div>{{/Simulation}}"
)
_IMAGE_SOURCE = re.compile(r'(<img src=")([^"]*)(")')

#: The headline answers of a card's simulation as (label, value) rows; raises ``ValueError`` with the
#: reason when the simulation cannot run.
SimAnswers = Callable[[Card], Sequence[tuple[str, str]]]


def anki_id(kind: str, name: str) -> int:
    """A stable id for a deck or note type, in the range genanki recommends (2**30 to 2**31)."""
    digest = hashlib.sha256(f"studyapp:{kind}:{name}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:8], "big") % (1 << 30)


def note_guid(card_id: str) -> str:
    """The Anki GUID of a card's note: the same in every export of that card."""
    import genanki

    return str(genanki.guid_for("studyapp", card_id))


def _note_type(
    name: str, fields: Sequence[str], template: str, front: str, back: str, *, cloze: bool = False
) -> genanki.Model:
    """A note type of studyapp's: its fields, one card template (``back`` then the note and simulation
    sections) and the styling; a Cloze type (one card per cloze number) when ``cloze``."""
    import genanki

    kind = genanki.Model.CLOZE if cloze else genanki.Model.FRONT_BACK
    return genanki.Model(
        anki_id("model", name),
        name,
        fields=[{"name": field_name} for field_name in fields],
        templates=[{"name": template, "qfmt": front, "afmt": back + _BACK_SECTIONS}],
        css=CSS,
        model_type=kind,
    )


def basic_model() -> genanki.Model:
    """The note type of front/back cards."""
    back = "{{FrontSide}}<hr id=answer>{{Back}}{{#Details}}<div class=details>{{Details}}</div>{{/Details}}"
    return _note_type(BASIC_MODEL_NAME, BASIC_FIELDS, "Card 1", "{{Front}}", back)


def cloze_model() -> genanki.Model:
    """The note type of cloze cards: one Anki card per cloze number of the text."""
    back = "{{cloze:Text}}{{#Back Extra}}<div class=details>{{Back Extra}}</div>{{/Back Extra}}"
    return _note_type(CLOZE_MODEL_NAME, CLOZE_FIELDS, "Cloze", "{{cloze:Text}}", back, cloze=True)


def simulation_answers(card: Card) -> list[tuple[str, str]]:
    """The answers the review shows beside ``card``: its simulation run by the review's own worker code
    with the card's preset, its ``headline`` keys (in order), at most ``HEADLINE_ROWS``."""
    from studyapp.sim_worker import reply

    assert card.sim is not None
    request = {"op": "answers", "sim": card.sim, "params": dict(card.sim_params), "keys": list(card.headline)}
    answer = reply(request)
    if "error" in answer:
        raise ValueError(str(answer["error"]))
    return [(str(label), str(value)) for label, value in answer["rows"][:HEADLINE_ROWS]]


@dataclass
class ExportCounts:
    """What an export wrote, and the simulations that could not run."""

    decks: int = 0
    notes: int = 0
    cards: int = 0
    media: int = 0
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        media = f", {_count(self.media, 'media file')}" if self.media else ""
        notes, cards, decks = (
            _count(self.notes, "note"),
            _count(self.cards, "card"),
            _count(self.decks, "deck"),
        )
        return f"{notes} ({cards}) in {decks}{media}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


class _Exporter:
    """Builds the genanki decks, keeping the media files found and the simulation answers computed."""

    def __init__(self, answers: SimAnswers | None, media_dir: Path) -> None:
        self.answers = answers
        self.media_dir = media_dir
        self.media: dict[Path, str] = {}
        self.counts = ExportCounts()
        self.simulations: dict[str, str] = {}
        self.basic = basic_model()
        self.cloze = cloze_model()

    def with_media(self, field_html: str, card: Card) -> str:
        """``field_html`` with each image beside the deck file put in the package, by its name there."""
        if card.source is None:
            return field_html

        def packed(match: re.Match[str]) -> str:
            src = match[2]
            if not src or urlsplit(src).scheme or src.startswith("/"):
                return match[0]
            assert card.source is not None
            path = (card.source.parent / unquote(html.unescape(src))).resolve()
            if not path.is_file():
                return match[0]
            if path not in self.media:
                name = path.name
                if name in self.media.values():
                    name = f"{path.stem}-{secrets.token_hex(4)}{path.suffix}"
                shutil.copyfile(path, self.media_dir / name)
                self.media[path] = name
            return f"{match[1]}{html.escape(self.media[path])}{match[3]}"

        return _IMAGE_SOURCE.sub(packed, field_html)

    def markdown(self, text: str, card: Card) -> str:
        return self.with_media(markdown_html(text), card) if text.strip() else ""

    def note_field(self, card: Card) -> str:
        if not card.note:
            return ""
        label = (card.note_kind or "note").capitalize()
        return f"<b>{label}</b> (added to the course notes)<br>{self.markdown(card.note, card)}"

    def simulation_field(self, card: Card) -> str:
        """The card's simulation, its headline answers and the command that reruns it."""
        if card.sim is None:
            return ""
        key = repr((card.sim, sorted(card.sim_params.items()), card.headline))
        if key not in self.simulations:
            command = " ".join(
                ["studyapp sim run", card.sim, *(f"--set {k}={v}" for k, v in card.sim_params.items())]
            )
            lines = [f"<b>simulation {html.escape(card.sim)}</b>"]
            if self.answers is not None:
                try:
                    rows = self.answers(card)
                    lines += [f"{html.escape(label)}: <b>{html.escape(value)}</b>" for label, value in rows]
                except (ValueError, ArithmeticError, KeyError, TypeError) as error:
                    self.counts.warnings.append(
                        f"card {card.id}: the simulation {card.sim} could not run: {error}"
                    )
                    lines.append(f"the simulation could not run: {html.escape(str(error))}")
            lines.append(f"<code>{html.escape(command)}</code>")
            self.simulations[key] = "<br>".join(lines)
        return self.simulations[key]

    def basic_note(self, card: Card, due: int) -> genanki.Note:
        """A front/back note: question, answer, details, note and simulation."""
        import genanki

        fields = [
            self.with_media(plain_html(card.question), card),
            self.markdown(card.answer, card),
            self.markdown(card.details, card),
            self.note_field(card),
            self.simulation_field(card),
        ]
        return genanki.Note(self.basic, fields, tags=list(card.tags), guid=note_guid(card.id), due=due)

    def cloze_note(self, card: Card, due: int) -> genanki.Note:
        """The cloze note of ``card``'s note (one Anki card per deletion number), with its details as the
        extra; its GUID is the note's id's."""
        import genanki

        text = self.with_media(plain_html(anki_cloze(card.cloze)), card)
        fields = [text, self.markdown(card.details, card), self.note_field(card), self.simulation_field(card)]
        guid = note_guid(note_id(card.id))
        return genanki.Note(self.cloze, fields, tags=list(card.tags), guid=guid, due=due)

    def deck(self, deck: Deck) -> genanki.Deck:
        import genanki

        anki_deck = genanki.Deck(
            anki_id("deck", deck.id), deck.title, description=html.escape(deck.description)
        )
        notes = set()
        for card in deck.cards:
            if card.cloze and note_id(card.id) in notes:
                continue  # a cloze note is one Anki note for all its cards
            notes.add(note_id(card.id))
            due = self.counts.notes
            note = self.cloze_note(card, due) if card.cloze else self.basic_note(card, due)
            anki_deck.add_note(note)
            self.counts.notes += 1
            self.counts.cards += len(note.cards)
        self.counts.decks += 1
        return anki_deck


def anki_cloze(text: str) -> str:
    """A cloze note's text as Anki reads it: a deletion that ends with ``}`` (LaTeX) gets a space before
    its closing ``}}``, since Anki's cloze ends at the first ``}}``."""
    out, index = [], 0
    for deletion in parse_cloze(text):
        body = deletion.answer + (f"::{deletion.hint}" if deletion.hint else "")
        space = " " if body.endswith("}") else ""
        out.append(f"{text[index : deletion.start]}{{{{c{deletion.number}::{body}{space}}}}}")
        index = deletion.end
    out.append(text[index:])
    return "".join(out)


def export_apkg(
    decks: Sequence[Deck], target: Path, *, answers: SimAnswers | None = simulation_answers, now: datetime
) -> ExportCounts:
    """Write ``decks`` to the Anki package ``target``, through a temporary file renamed when complete.

    The package is what genanki's ``Package.write_to_file`` writes (``collection.anki2``, the ``media``
    list and the numbered media files), made here so that its database is written in a folder that is
    removed afterwards."""
    import genanki

    with tempfile.TemporaryDirectory(prefix="studyapp-apkg-") as name:
        folder = Path(name)
        (folder / "media").mkdir()
        exporter = _Exporter(answers, folder / "media")
        package = genanki.Package([exporter.deck(deck) for deck in decks])
        media = list(exporter.media.values())
        exporter.counts.media = len(media)
        database = folder / "collection.anki2.sqlite3"
        ids = itertools.count(int(now.timestamp() * 1000))
        write_anki_database(database, lambda cursor: package.write_to_db(cursor, now.timestamp(), ids))
        with (
            written_beside(target, f"cannot write {target}") as temporary,
            zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as out,
        ):
            out.write(database, "collection.anki2")
            out.writestr("media", json.dumps({str(index): file for index, file in enumerate(media)}))
            for index, file in enumerate(media):
                out.write(folder / "media" / file, str(index))
    return exporter.counts
