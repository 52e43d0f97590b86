"""Finding the formulas in a card's text: ``$…$`` inline, ``$$…$$`` on lines of their own, ``\\$`` a
dollar sign. Dollars inside Markdown code spans (`` `…` ``) are text. Stdlib only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from studyapp.math.latex import LatexError, parse

#: What ends a formula (a dollar) or escapes the character after it.
_DOLLAR_OR_ESCAPE = re.compile(r"[\\\\$]")
#: The characters that may start something other than text: an escape, code, a formula.
_SPECIAL = re.compile(r"[\\\\`$]")


class Part(Enum):
    TEXT = "text"
    INLINE = "inline"
    DISPLAY = "display"


@dataclass(frozen=True)
class Segment:
    """A run of text, or a formula's LaTeX (without its dollars); ``start`` is where it begins in the
    text it came from."""

    part: Part
    text: str
    start: int


def _code_span_end(text: str, index: int) -> int:
    """The index after the code span that starts at ``text[index]`` (a backtick), or ``-1`` if it is
    not closed (then the backticks are text)."""
    run = len(text[index:]) - len(text[index:].lstrip("`"))
    fence = "`" * run
    search = index + run
    while True:
        found = text.find(fence, search)
        if found < 0:
            return -1
        after = found + run
        if after < len(text) and text[after] == "`":  # a longer run is not the closing fence
            search = after + len(text[after:]) - len(text[after:].lstrip("`"))
            continue
        return after


def split(text: str) -> list[Segment]:
    """``text`` as runs of text and formulas; ``LatexError`` (offset in ``text``) for a ``$`` or ``$$``
    that is never closed."""
    segments: list[Segment] = []
    plain: list[str] = []
    plain_start = 0
    index = 0

    def flush(at: int) -> None:
        nonlocal plain_start
        if plain:
            segments.append(Segment(Part.TEXT, "".join(plain), plain_start))
            plain.clear()
        plain_start = at

    while index < len(text):
        found = _SPECIAL.search(text, index)
        if found is None:
            plain.append(text[index:])
            index = len(text)
            break
        plain.append(text[index : found.start()])
        index = found.start()
        char = text[index]
        if char == "\\":
            escaped = text.startswith("\\$", index)
            plain.append("$" if escaped else "\\")
            index += 2 if escaped else 1
        elif char == "`":
            end = _code_span_end(text, index)
            stop = end if end > 0 else index + 1
            plain.append(text[index:stop])
            index = stop
        else:
            display = text.startswith("$$", index)
            fence = "$$" if display else "$"
            start = index + len(fence)
            end = _closing(text, start, fence)
            if end < 0:
                what = "'$$' (a formula on its own lines)" if display else "'$' (a formula)"
                fix = f"close it with {fence}, or write \\$ for a dollar sign"
                raise LatexError(f"unclosed {what}: {fix}", index)
            flush(index)
            segments.append(Segment(Part.DISPLAY if display else Part.INLINE, text[start:end], start))
            index = end + len(fence)
            plain_start = index
    flush(index)
    return segments


def _closing(text: str, start: int, fence: str) -> int:
    """Where the closing ``fence`` of a formula starting at ``start`` is (escaped dollars skipped)."""
    index = start
    while (found := _DOLLAR_OR_ESCAPE.search(text, index)) is not None:
        index = found.start()
        if text[index] == "\\":
            index += 2
            continue
        if text.startswith(fence, index):
            return index
        index += 1
    return -1


def has_math(text: str) -> bool:
    """Whether ``text`` may hold a formula (a cheap test before splitting it)."""
    return "$" in text


def check(text: str) -> list[LatexError]:
    """Every formula of ``text`` that cannot be read, offsets in ``text`` (at most one error each)."""
    if not has_math(text):
        return []
    try:
        segments = split(text)
    except LatexError as error:
        return [error]
    errors = []
    for segment in segments:
        if segment.part is Part.TEXT:
            continue
        try:
            parse(segment.text)
        except LatexError as error:
            errors.append(LatexError(error.message, segment.start + error.offset, error.length))
        else:
            if not segment.text.strip():
                errors.append(LatexError("an empty formula; write \\$ for a dollar sign", segment.start))
    return errors
