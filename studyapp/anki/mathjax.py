"""Formulas between a deck's dollars and Anki's MathJax delimiters.

Decks write LaTeX between ``$…$`` (inline) and ``$$…$$`` (display), with ``\\$`` for a dollar sign
and code spans left alone (``studyapp.math`` reads them). Anki shows ``\\(…\\)`` and ``\\[…\\]`` with
MathJax, and a dollar sign is just a dollar sign. On the way in, a formula that ``studyapp.math``
cannot read is kept as text (its dollars escaped), so the deck still loads.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from studyapp import math
from studyapp.cloze import ClozeError, full_text, parse_cloze


def _delimited(latex: str, display: bool) -> str:
    return rf"\[{latex}\]" if display else rf"\({latex}\)"


def _pieces(text: str) -> list[tuple[str, bool, bool]]:
    """``text`` as ``(text, is formula, is display)`` runs; a text whose dollars do not pair is all text."""
    try:
        segments = math.split(text)
    except math.LatexError:
        return [(text, False, False)]
    return [(s.text, s.part is not math.Part.TEXT, s.part is math.Part.DISPLAY) for s in segments]


def to_mathjax(text: str) -> str:
    """``text`` with ``$…$`` as ``\\(…\\)``, ``$$…$$`` as ``\\[…\\]`` and ``\\$`` as ``$``."""
    return "".join(_delimited(part, display) if formula else part for part, formula, display in _pieces(text))


def render_with_math(text: str, render: Callable[[str], str]) -> str:
    """``render(text)`` (Markdown or plain text to HTML) with each formula kept out of the renderer and
    put back in MathJax's delimiters, HTML-escaped (so ``a_1 * b_2`` is never emphasis)."""
    pieces = _pieces(text)
    token = "MATHJAXFORMULA"
    while token in text:
        token += "X"
    formulas = [_delimited(part, display) for part, formula, display in pieces if formula]
    kept, number = [], 0
    for part, formula, _ in pieces:
        if formula:
            kept.append(f"{token}{number}{token}")
            number += 1
        else:
            kept.append(part)
    rendered = render("".join(kept))
    return re.sub(rf"{token}(\d+){token}", lambda m: html.escape(formulas[int(m[1])], quote=False), rendered)


def readable(latex: str) -> bool:
    """Whether ``studyapp.math`` can draw a formula (with any cloze answers in place)."""
    try:
        if "{{c" in latex:
            latex = full_text(latex, parse_cloze(latex))[0]
        math.parse(latex)
    except (math.LatexError, ClozeError):
        return False
    return bool(latex.strip())


_MATHJAX = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.DOTALL)


def from_mathjax(text: str, unreadable: Callable[[str], None] | None = None) -> str:
    """Anki's text with ``\\(…\\)`` as ``$…$``, ``\\[…\\]`` as ``$$…$$`` and each dollar sign as ``\\$``.
    A formula ``studyapp.math`` cannot read stays text, as written (``unreadable(latex)`` is told)."""
    out, last = [], 0
    for match in _MATHJAX.finditer(text):
        out.append(text[last : match.start()].replace("$", "\\$"))
        inline, display = match[1], match[2]
        latex = (inline if inline is not None else display).strip()
        if readable(latex):
            out.append(f"${latex}$" if inline is not None else f"$${latex}$$")
        else:
            out.append(match[0].replace("$", "\\$"))
            if unreadable is not None:
                unreadable(latex)
        last = match.end()
    out.append(text[last:].replace("$", "\\$"))
    return "".join(out)
