"""Cloze notes, Anki's syntax: ``{{c1::steepest ascent}}`` hides "steepest ascent", ``{{c1::…::hint}}``
shows the hint in the blank, and each number is a card of its own (every deletion with that number
is hidden on it; the others are shown). Deletions work inside formulas too:
``$\\sigma'(x) = {{c1::\\sigma(x)(1-\\sigma(x))}}$``. Stdlib only.

Braces inside a deletion pair up, so ``{{c1::\\frac{a}{b}}}`` holds ``\\frac{a}{b}``. A card's text marks
its blank, or its revealed answer, with ``studyapp.math``'s highlight markers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from studyapp.math import MARK_END, MARK_START, LatexError, LocatedError, Part, split, strip_markers

#: The blank of a deletion without a hint.
BLANK = "[…]"
#: The same blank inside a formula (LaTeX).
MATH_BLANK = "[\\ldots]"
#: A cloze card's id: its note's id, ``::c`` and the deletion's number.
ID_SEPARATOR = "::c"
_OPENING = re.compile(r"\{\{c(\d*)(::)?")
_LATEX_TEXT_SPECIAL = re.compile(r"([{}$%#_])")
#: Characters a hint inside a formula cannot hold (``\text{…}`` has no way to write them).
_NOT_IN_MATH_TEXT = str.maketrans({"\\": "/", "&": "+", "^": "", "~": " "})


class ClozeError(LocatedError):
    """Cloze markup that cannot be read; ``offset`` is in the note's text."""


@dataclass(frozen=True)
class Deletion:
    """One ``{{cN::answer::hint}}``: where it is in the note's text (``start`` to ``end``, the
    answer from ``answer_start``), and whether it is inside a formula."""

    number: int
    answer: str
    hint: str
    start: int
    end: int
    answer_start: int
    in_math: bool = False

    @property
    def formula(self) -> bool:
        """Whether the answer is a formula: inside one, or a whole ``$…$`` of its own."""
        text = self.answer.strip()
        return self.in_math or (len(text) > 1 and text.startswith("$") and text.endswith("$"))

    @property
    def shown_answer(self) -> str:
        """The answer as card text (a formula's answer keeps its dollars)."""
        return f"${self.answer}$" if self.in_math else self.answer


def card_id(note_id: str, number: int) -> str:
    """The id of card ``number`` of note ``note_id``: ``note-id::c1``."""
    return f"{note_id}{ID_SEPARATOR}{number}"


def _body_end(text: str, start: int) -> tuple[int, int]:
    """Where the answer (and hint) of a deletion whose body starts at ``start`` end: the index of its
    closing ``}}`` and of its ``::`` before the hint (``-1`` if none). ``ClozeError`` for a nested one."""
    depth, index, separator = 0, start, -1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        nested = _OPENING.match(text, index)
        if nested is not None and nested[1] and nested[2]:
            raise ClozeError("a cloze inside another cloze is not supported", index, len(nested[0]))
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0 and text.startswith("}}", index):
                return index, separator
            depth = max(depth - 1, 0)
        elif depth == 0 and separator < 0 and text.startswith("::", index):
            separator = index
            index += 2
            continue
        index += 1
    return -1, separator


def parse_cloze(text: str) -> list[Deletion]:
    """The deletions of a note's text, in order; ``ClozeError`` for markup that cannot be read, or a text
    without any deletion."""
    deletions: list[Deletion] = []
    index = 0
    while (found := text.find("{{c", index)) >= 0:
        opening = _OPENING.match(text, found)
        assert opening is not None
        digits, separator = opening[1], opening[2]
        if not digits or not separator:
            raise ClozeError(
                "malformed cloze: write {{c1::answer}} or {{c1::answer::hint}}", found, opening.end() - found
            )
        number = int(digits)
        if number < 1:
            raise ClozeError(
                f"cloze number {digits} must be 1 or more, as in {{{{c1::…}}}}", found + 3, len(digits)
            )
        end, hint_at = _body_end(text, opening.end())
        if end < 0:
            raise ClozeError(
                f"unclosed cloze '{opening[0]}': close it with '}}}}'", found, opening.end() - found
            )
        answer_end = hint_at if hint_at >= 0 else end
        answer = text[opening.end() : answer_end]
        if not answer.strip():
            raise ClozeError(
                f"empty cloze '{opening[0]}': put what to remember after '::'", found, end + 2 - found
            )
        hint = text[hint_at + 2 : end].strip() if hint_at >= 0 else ""
        deletions.append(Deletion(number, answer, hint, found, end + 2, opening.end()))
        index = end + 2
    if not deletions:
        raise ClozeError("a cloze card's text needs at least one deletion, such as {{c1::a term}}", 0, 1)
    return _placed(text, deletions)


def _assemble(text: str, deletions: list[Deletion]) -> tuple[str, list[int], list[tuple[int, int]]]:
    """The note's text with every answer in place of its markup, where each character came from, and
    where each answer is in it."""
    out: list[str] = []
    origin: list[int] = []
    spans: list[tuple[int, int]] = []
    index = 0
    for deletion in deletions:
        out.append(text[index : deletion.start])
        origin.extend(range(index, deletion.start))
        spans.append((len(origin), len(origin) + len(deletion.answer)))
        out.append(deletion.answer)
        origin.extend(range(deletion.answer_start, deletion.answer_start + len(deletion.answer)))
        index = deletion.end
    out.append(text[index:])
    origin.extend(range(index, len(text) + 1))  # one past the end, for problems at the end
    return "".join(out), origin, spans


def full_text(text: str, deletions: list[Deletion]) -> tuple[str, list[int]]:
    """The note's text with every answer in place of its markup, and where each character came from
    (one entry more than characters: the end)."""
    full, origin, _ = _assemble(text, deletions)
    return full, origin


def _placed(text: str, deletions: list[Deletion]) -> list[Deletion]:
    """The deletions with ``in_math`` set; ``ClozeError`` for one that is partly inside a formula."""
    full, _, answers = _assemble(text, deletions)
    try:
        segments = split(full)
    except LatexError:
        return deletions  # the unclosed dollar is reported as a formula problem
    formulas = [(s.start, s.start + len(s.text)) for s in segments if s.part is not Part.TEXT]
    placed = []
    for deletion, (start, stop) in zip(deletions, answers, strict=True):
        inside = any(low <= start and stop <= high for low, high in formulas)
        crossing = [(low, high) for low, high in formulas if low < stop and start < high]
        if not inside and not all(start < low and high < stop for low, high in crossing):
            raise ClozeError(
                "a cloze must be wholly inside a formula or wholly outside one",
                deletion.start,
                deletion.end - deletion.start,
            )
        placed.append(replace(deletion, in_math=inside))
    return placed


def numbers(deletions: list[Deletion]) -> list[int]:
    """The card numbers of a note, in order."""
    return sorted({deletion.number for deletion in deletions})


def _blank(deletion: Deletion) -> str:
    if not deletion.in_math:
        return f"[{deletion.hint}]" if deletion.hint else BLANK
    if not deletion.hint:
        return MATH_BLANK
    escaped = _LATEX_TEXT_SPECIAL.sub(r"\\\1", deletion.hint.translate(_NOT_IN_MATH_TEXT))
    return f"[\\text{{{escaped}}}]"


def card_text(text: str, deletions: list[Deletion], number: int, revealed: bool = False) -> str:
    """The note's text as card ``number`` shows it: its deletions blanked (or, ``revealed``, shown),
    each between highlight markers; the other deletions' answers in place."""
    out: list[str] = []
    index = 0
    for deletion in deletions:
        out.append(text[index : deletion.start])
        if deletion.number != number:
            out.append(deletion.answer)
        else:
            shown = deletion.answer if revealed else _blank(deletion)
            out.append(f"{MARK_START}{shown}{MARK_END}")
        index = deletion.end
    out.append(text[index:])
    return "".join(out)


def question_text(text: str, deletions: list[Deletion], number: int) -> str:
    """Card ``number``'s question: the note's text with its blanks, no markers."""
    return strip_markers(card_text(text, deletions, number))


def hidden(deletions: list[Deletion], number: int) -> list[Deletion]:
    """The deletions card ``number`` hides, in order."""
    return [deletion for deletion in deletions if deletion.number == number]


def answer_text(deletions: list[Deletion], number: int) -> str:
    """Card ``number``'s answer: what its blanks hide, in order, separated by ``;``."""
    return "; ".join(deletion.shown_answer.strip() for deletion in hidden(deletions, number))
