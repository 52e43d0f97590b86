"""The text of a deck's cards, for the deck reader (``studyapp.deck_reader``): formulas that cannot be
read and cloze markup that cannot be parsed, each reported at its place in the value; and cloze notes
expanded into their cards. Stdlib only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from studyapp import math
from studyapp.cloze import (
    ClozeError,
    Deletion,
    answer_text,
    card_id,
    full_text,
    hidden,
    numbers,
    parse_cloze,
    question_text,
)
from studyapp.model import Card

#: The card text that may hold formulas.
TEXT_KEYS = ("question", "answer", "details", "note", "text")
#: Keys a cloze card does without: its ``text`` holds question and answer.
NOT_FOR_CLOZE = ("question", "answer", "distractors", "key_terms", "steps", "multiple_choice")

#: ``report(key, value, message, offset)`` records a problem at character ``offset`` of the value of
#: ``key`` (``value``, as read; the offset counts from its first character that is not whitespace).
Report = Callable[[str, str, str, int], None]


def check_formulas(raw: Mapping[str, Any], report: Report) -> None:
    """Report every formula of the card's text that cannot be read (a cloze's text is checked with its
    answers in place, by ``read_cloze``)."""
    for key in TEXT_KEYS:
        value = raw.get(key)
        if key != "text" and isinstance(value, str):
            for error in math.check(value.strip()):
                report(key, value, f"cannot read the formula: {error.message}", error.offset)


def read_cloze(value: str, report: Report) -> list[Deletion] | None:
    """The deletions of a cloze card's ``text``; ``None`` after reporting its problems (its markup, or
    a formula that cannot be read with the answers in place)."""
    text = value.strip()
    try:
        deletions = parse_cloze(text)
    except ClozeError as error:
        report("text", value, error.message, error.offset)
        return None
    full, origin = full_text(text, deletions)
    unreadable = math.check(full)
    for formula in unreadable:
        report("text", value, f"cannot read the formula: {formula.message}", origin[formula.offset])
    return None if unreadable else deletions


def cloze_cards(note: Card, deletions: list[Deletion]) -> list[Card]:
    """A cloze note's cards, one per deletion number, each with its own id (``note-id::c1``).

    ``note`` holds what they share (``cloze`` is the note's text). A card's key terms are the words its
    blanks hide (formulas aside), so quizzes can ask for them too.
    """
    cards = []
    for number in numbers(deletions):
        words = tuple(d.answer.strip() for d in hidden(deletions, number) if not d.formula)
        cards.append(
            replace(
                note,
                id=card_id(note.id, number),
                question=question_text(note.cloze, deletions, number),
                answer=answer_text(deletions, number),
                key_terms=words,
                cloze_number=number,
            )
        )
    return cards


def note_id(card_id_: str) -> str:
    """The id of the note a card comes from: a cloze card's note, else the card itself."""
    return card_id_.partition("::")[0]
