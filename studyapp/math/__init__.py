"""Formulas in card text: LaTeX between ``$…$`` (inline) and ``$$…$$`` (display), ``\\$`` a dollar
sign. Parsed and checked (``check``), drawn as Unicode text (``unicode_text``, ``markdown_parts``)
and, in terminals with graphics, as images (``studyapp.math.images``, which imports matplotlib).
Stdlib only, apart from pylatexenc's table of symbols, imported when a symbol is first drawn.
"""

from studyapp.math.latex import MARK_END, MARK_START, LatexError, LocatedError, parse
from studyapp.math.segments import Part, Segment, check, has_math, split
from studyapp.math.text import (
    FormulaPart,
    MarkdownPart,
    escape_markdown,
    formula_lines,
    formula_text,
    markdown_parts,
    plain_text,
    strip_markers,
    unicode_text,
)

__all__ = [
    "MARK_END",
    "MARK_START",
    "FormulaPart",
    "LatexError",
    "LocatedError",
    "MarkdownPart",
    "Part",
    "Segment",
    "check",
    "escape_markdown",
    "formula_lines",
    "formula_text",
    "has_math",
    "markdown_parts",
    "parse",
    "plain_text",
    "split",
    "strip_markers",
    "unicode_text",
]
