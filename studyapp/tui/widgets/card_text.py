"""Card text as Rich renderables, formulas drawn as Unicode: inline ones in the text, display ones on
lines of their own with fractions stacked; a cloze card's blank or revealed answer highlighted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.style import Style
from rich.text import Text

from studyapp.cloze import card_text, parse_cloze
from studyapp.math import MARK_END, MARK_START, FormulaPart, has_math, markdown_parts, unicode_text
from studyapp.model import Card

if TYPE_CHECKING:
    from studyapp.cloze_grading import ClozeGrade

#: How a cloze's blank, or its answer once revealed, stands out.
HIGHLIGHT = Style(bold=True, reverse=True)
#: How far display formulas are indented.
FORMULA_INDENT = "  "


def marked_text(text: str, style: str | Style = "", highlight: Style = HIGHLIGHT) -> Text:
    """``text`` as Rich text, the parts between highlight markers in ``highlight``."""
    out = Text(style=style)
    start: int | None = None
    for char in text:
        if char == MARK_START:
            start = len(out)
        elif char == MARK_END:
            if start is not None:
                out.stylize(highlight, start, len(out))
            start = None
        else:
            out.append(char)
    if start is not None:
        out.stylize(highlight, start, len(out))
    return out


def cloze_marked(card: Card, revealed: bool = False) -> str:
    """A cloze card's text with its formulas drawn and its blanks (or revealed answers) marked."""
    deletions = parse_cloze(card.cloze)
    return unicode_text(card_text(card.cloze, deletions, card.cloze_number, revealed))


def question_text(card: Card, style: str = "bold") -> Text:
    """The question as shown in a review: formulas drawn, a cloze card's blanks highlighted."""
    if card.cloze:
        return marked_text(cloze_marked(card), style)
    return Text(unicode_text(card.question) if has_math(card.question) else card.question, style)


def formula_block(part: FormulaPart) -> Text:
    """A display formula's stacked lines, indented, never wrapped."""
    lines = [FORMULA_INDENT + line for line in part.stacked]
    return Text("\n".join(lines), no_wrap=True, overflow="ellipsis")


def markdown(text: str) -> RenderableType:
    """Card Markdown with its formulas: one Markdown renderable without display formulas, else the
    Markdown between them and each formula as a block of its own."""
    if not has_math(text):
        return Markdown(text)
    pieces: list[RenderableType] = [
        formula_block(part) if isinstance(part, FormulaPart) else Markdown(part.markdown)
        for part in markdown_parts(text)
    ]
    return pieces[0] if len(pieces) == 1 else Group(*pieces)


def answer(card: Card, verdict: Text | None = None) -> RenderableType:
    """What revealing a card shows: its answer in bold and its details; for a cloze card, its whole text
    with the answer highlighted, then the verdict on a typed answer and the details."""
    if not card.cloze:
        return markdown(card.answer_markdown())
    pieces: list[RenderableType] = [marked_text(cloze_marked(card, revealed=True))]
    if verdict is not None:
        pieces.append(verdict)
    if card.details:
        pieces.append(markdown(card.details))
    return Group(*pieces)


def markdown_pieces(text: str) -> list[RenderableType | FormulaPart]:
    """Card Markdown in pieces: Markdown, and its display formulas left as ``FormulaPart`` (to be images)."""
    if not has_math(text):
        return [Markdown(text)]
    return [
        part if isinstance(part, FormulaPart) else Markdown(part.markdown) for part in markdown_parts(text)
    ]


def answer_pieces(card: Card, verdict: Text | None = None) -> list[RenderableType | FormulaPart]:
    """``answer`` in pieces, its display formulas left as ``FormulaPart``."""
    if not card.cloze:
        return markdown_pieces(card.answer_markdown())
    pieces: list[RenderableType | FormulaPart] = [marked_text(cloze_marked(card, revealed=True))]
    if verdict is not None:
        pieces.append(verdict)
    return pieces + (markdown_pieces(card.details) if card.details else [])


def verdict(graded: ClozeGrade) -> Text:
    """A typed answer's grade, the rating it suggests and how to choose another."""
    rating = graded.suggested
    take = f"Enter rates {rating.label} ({int(rating)})"
    if graded.correct:
        text = Text.assemble(("✓ Right", "bold green"), f" — {take}")
    else:
        why = f": {graded.feedback}" if graded.feedback else ""
        text = Text.assemble(("✗ Not quite", "bold red"), f"{why} — you typed “{graded.given}”; {take}")
    text.append(" · 1–4 choose another rating", "dim")
    return text
