"""Card text with its formulas drawn as Unicode, for every place that shows card text. Stdlib only.

Inline formulas become text in place. Display formulas (``$$…$$``) go on lines of their own: stacked
(fractions over a rule) in the terminal app, or on one line for ``--plain`` and screen readers. A
formula that cannot be read is shown as written (``studyapp check`` reports it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from studyapp.math.latex import MARK_END, MARK_START, LatexError, parse
from studyapp.math.render import draw
from studyapp.math.segments import Part, Segment, has_math, split

#: How far display formulas are indented under the text.
INDENT = "  "
_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")


@lru_cache(maxsize=1024)
def formula_lines(source: str, display: bool = False) -> tuple[str, ...]:
    """A formula (LaTeX without dollars) as Unicode lines: one, unless ``display`` stacks a fraction.
    ``LatexError`` if it cannot be read."""
    return tuple(draw(parse(source), display))


def formula_text(source: str) -> str:
    """A formula on one line."""
    return formula_lines(source)[0]


def _segments(text: str) -> list[Segment]:
    """The text's segments; a text whose dollars do not pair up is all text."""
    if not has_math(text):
        return [Segment(Part.TEXT, text, 0)]
    try:
        return split(text)
    except LatexError:
        return [Segment(Part.TEXT, text, 0)]


def _drawn(segment: Segment, display: bool) -> tuple[str, ...] | None:
    try:
        return formula_lines(segment.text, display)
    except LatexError:
        return None


def _as_written(segment: Segment) -> str:
    fence = "$$" if segment.part is Part.DISPLAY else "$"
    return f"{fence}{segment.text}{fence}"


def _on_own_lines(before: str, block: str) -> str:
    """``block`` after ``before``, starting on a line of its own."""
    before = before.rstrip(" \t")
    return f"{before}{'' if not before or before.endswith(chr(10)) else chr(10)}{block}"


def unicode_text(text: str, *, stacked: bool = True) -> str:
    """``text`` with its formulas as Unicode; display formulas on lines of their own, indented, with
    fractions stacked when ``stacked`` (else on one line, as screen readers need)."""
    out = ""
    after_block = False
    for segment in _segments(text):
        if segment.part is Part.TEXT:
            piece = segment.text
            if after_block:
                piece = piece.lstrip(" \t")
                piece = piece if piece.startswith("\n") or not piece else "\n" + piece
            out += piece
            after_block = False
            continue
        lines = _drawn(segment, stacked and segment.part is Part.DISPLAY)
        if lines is None:
            out += _as_written(segment)
        elif segment.part is Part.INLINE:
            out += lines[0]
        else:
            out = _on_own_lines(out, "\n".join(INDENT + line for line in lines))
            after_block = True
            continue
        after_block = False
    return out


def strip_markers(text: str, start: str = "", end: str = "") -> str:
    """``text`` with the highlight markers replaced by ``start`` and ``end`` (by nothing by default)."""
    return text.replace(MARK_START, start).replace(MARK_END, end)


def plain_text(text: str) -> str:
    """``text`` on one line per line of the original, formulas as Unicode and no markers: for tables,
    lists and search results."""
    return strip_markers(unicode_text(text, stacked=False))


# -- Markdown -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkdownPart:
    """Markdown whose inline formulas are already Unicode (escaped, so Markdown leaves them as they are)."""

    markdown: str


@dataclass(frozen=True)
class FormulaPart:
    """A display formula: its LaTeX, and its Unicode lines (stacked and on one line)."""

    source: str
    stacked: tuple[str, ...]
    linear: str


def escape_markdown(text: str) -> str:
    """``text`` with every ASCII punctuation character escaped for Markdown."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_parts(markdown: str) -> list[MarkdownPart | FormulaPart]:
    """Markdown split at its display formulas, its inline formulas turned into Unicode."""
    parts: list[MarkdownPart | FormulaPart] = []
    pending = ""
    for segment in _segments(markdown):
        if segment.part is Part.TEXT:
            pending += segment.text
            continue
        stacked = _drawn(segment, segment.part is Part.DISPLAY)
        if stacked is None:
            pending += escape_markdown(_as_written(segment))
        elif segment.part is Part.INLINE:
            pending += escape_markdown(stacked[0])
        else:
            if pending.strip():
                parts.append(MarkdownPart(pending))
            pending = ""
            parts.append(FormulaPart(segment.text, stacked, formula_text(segment.text)))
    if pending.strip() or not parts:
        parts.append(MarkdownPart(pending))
    return parts
