"""Anki's note types, from either schema, and what each card template asks and answers.

A template whose front shows one field and whose back adds another (Basic, each card of Basic and
reversed, Basic with an optional reversed card, however they are named or translated) gives cards
of that question and answer; the note's other fields become details. A Cloze note type
makes one card per cloze number. Any other note type becomes one card per note: the front and back
of its first two fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from studyapp.anki import protobuf
from studyapp.store.anki_file import AnkiFileError, FieldRow, NotetypeRow, TemplateRow

#: ``Notetype.Config.kind`` (field 1) of a Cloze note type; ``Template.Config`` holds the question
#: format in field 1 and the answer format in field 2.
KIND_CLOZE = 1
#: The template words that are not fields.
SPECIAL_FIELDS = frozenset({"FrontSide", "Tags", "Type", "Deck", "Subdeck", "Card", "CardFlag", "CardID"})
_REFERENCE = re.compile(r"\{\{([^{}]+)\}\}")


@dataclass(frozen=True)
class Template:
    """A card template: its name and the HTML of its front and back."""

    name: str
    front: str
    back: str


@dataclass(frozen=True)
class NoteType:
    """A note type: its fields in order, its templates, and whether it is a Cloze type."""

    id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[Template, ...]
    cloze: bool = False


@dataclass(frozen=True)
class Sides:
    """What a card asks and answers: two fields, by index."""

    question: int
    answer: int

    @property
    def shown(self) -> tuple[int, int]:
        return (self.question, self.answer)


def field_references(template: str) -> list[str]:
    """The fields a template shows, in order: ``{{Back}}``, ``{{text:Back}}``, ``{{cloze:Text}}``;
    sections (``{{#F}}``, ``{{^F}}``, ``{{/F}}``) and special words are not shown fields."""
    found: list[str] = []
    for match in _REFERENCE.finditer(template):
        reference = match[1].strip()
        if not reference or reference[0] in "#^/!":
            continue
        name = reference.rsplit(":", 1)[-1].strip()
        if name not in SPECIAL_FIELDS and name not in found:
            found.append(name)
    return found


def template_sides(note_type: NoteType, template: Template) -> Sides | None:
    """The question and answer of cards of ``template``: the one field its front shows and the first other
    field its back shows; ``None`` unless there are such fields."""
    index = {name: i for i, name in enumerate(note_type.fields)}
    front = [index[name] for name in field_references(template.front) if name in index]
    back = [
        index[name] for name in field_references(template.back) if name in index and index[name] not in front
    ]
    if len(front) != 1 or not back:
        return None
    return Sides(front[0], back[0])


def cloze_field(note_type: NoteType) -> int | None:
    """The field a Cloze note type's first template deletes from (``{{cloze:Text}}``)."""
    if not note_type.templates:
        return None
    for match in _REFERENCE.finditer(note_type.templates[0].front):
        reference = match[1].strip()
        if reference.startswith("cloze:") or ":cloze:" in reference:
            name = reference.rsplit(":", 1)[-1].strip()
            if name in note_type.fields:
                return note_type.fields.index(name)
    return 0 if note_type.fields else None


def legacy_note_types(models_json: str, label: str) -> dict[int, NoteType]:
    """The note types of the legacy schema (``col.models``)."""
    try:
        models = json.loads(models_json or "{}")
        note_types = {}
        for key, model in dict(models).items():
            fields = sorted(model.get("flds", []), key=lambda f: int(f.get("ord", 0)))
            templates = sorted(model.get("tmpls", []), key=lambda t: int(t.get("ord", 0)))
            note_types[int(model.get("id", key))] = NoteType(
                id=int(model.get("id", key)),
                name=str(model.get("name", "")),
                fields=tuple(str(f["name"]) for f in fields),
                templates=tuple(
                    Template(str(t.get("name", "")), str(t.get("qfmt", "")), str(t.get("afmt", "")))
                    for t in templates
                ),
                cloze=int(model.get("type", 0)) == KIND_CLOZE,
            )
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise AnkiFileError(f"{label} has damaged note types ({error}); export it again from Anki") from None
    return note_types


def modern_note_types(
    rows: Sequence[NotetypeRow], fields: Sequence[FieldRow], templates: Sequence[TemplateRow], label: str
) -> dict[int, NoteType]:
    """The note types of the newer schema (``notetypes``, ``fields`` and ``templates`` tables)."""
    names: Mapping[int, list[str]] = {row.id: [] for row in rows}
    forms: Mapping[int, list[Template]] = {row.id: [] for row in rows}
    try:
        for field_row in fields:
            if field_row.notetype_id in names:
                names[field_row.notetype_id].append(field_row.name)
        for template in templates:
            if template.notetype_id in forms:
                front = protobuf.first_text(template.config, 1)
                back = protobuf.first_text(template.config, 2)
                forms[template.notetype_id].append(Template(template.name, front, back))
        return {
            row.id: NoteType(
                row.id,
                row.name,
                tuple(names[row.id]),
                tuple(forms[row.id]),
                cloze=protobuf.first_int(row.config, 1) == KIND_CLOZE,
            )
            for row in rows
        }
    except protobuf.ProtobufError as error:
        raise AnkiFileError(f"{label} has damaged note types ({error}); export it again from Anki") from None
