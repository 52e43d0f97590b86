"""Comparing a typed formula with the expected one. Stdlib only.

A learner may type LaTeX (``\\sigma(x)(1-\\sigma(x))``), Unicode (``σ(x)(1−σ(x))``) or plain words
(``sigma(x)(1-sigma(x))``). Both sides are parsed and written in one canonical form: no spaces or
fonts, multiplication signs dropped (``a·b`` is ``ab``), every script in braces, ``a/b`` the fraction
``\\frac{a}{b}`` (brackets around a whole numerator or denominator do not count), Greek letters and
symbols as Unicode, ``\\le`` the same as ``\\leq`` and ``≤``. Two formulas are the same when their
canonical forms are: typos are not forgiven, since a changed symbol is a different formula.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from studyapp.math.latex import (
    Atom,
    Fraction,
    Group,
    LatexError,
    Node,
    Root,
    Scripts,
    Styled,
    TextRun,
    kind_of,
    parse,
)
from studyapp.math.render import SUBSCRIPTS, SUPERSCRIPTS, atom_text, in_font
from studyapp.math.symbols import ACCENTS, DELIMITERS, GREEK, SYMBOL_KINDS, Kind

#: Signs of multiplication, which a canonical form leaves out.
TIMES = frozenset({"·", "×", "∗", "*", "⋅"})
#: Fonts that change a letter's meaning (ℝ is not R); the others are dropped.
MEANINGFUL_FONTS = frozenset({"\\mathbb", "\\mathcal", "\\mathfrak"})
#: Words a typed formula may use for a symbol (``sigma``, ``sum``, ``partial``).
SYMBOL_WORDS = (*GREEK, "sum", "prod", "nabla", "partial", "infty")
_SYMBOL_WORD = re.compile(
    r"(?<![\\A-Za-z])(" + "|".join(sorted(SYMBOL_WORDS, key=len, reverse=True)) + r")(?![A-Za-z])"
)
#: ``floor(x)``, ``ceil(x)`` and ``sqrt(x)`` typed as functions, and what they stand for.
_BRACKET_WORDS = {
    "floor": ("\\lfloor ", "\\rfloor "),
    "ceil": ("\\lceil ", "\\rceil "),
    "sqrt": ("\\sqrt{", "}"),
}
_BRACKETED = re.compile(r"(?<![\\A-Za-z])(floor|ceil|sqrt)\s*\(|([_^])\(")


def canonical(node: Node) -> str:
    """The canonical form of a formula's tree."""
    if isinstance(node, Atom):
        if node.kind in (Kind.MARKER, Kind.SPACE):
            return ""
        text = atom_text(node)
        return "" if text in TIMES else text
    if isinstance(node, Group):
        return "".join(canonical(item) for item in _with_fractions(node.items))
    if isinstance(node, Scripts):
        sub = f"_{{{canonical(node.sub)}}}" if node.sub is not None else ""
        sup = f"^{{{canonical(node.sup)}}}" if node.sup is not None else ""
        return canonical(node.base) + sub + sup
    if isinstance(node, Fraction):
        return f"frac{{{canonical(_unwrapped(node.numerator))}}}{{{canonical(_unwrapped(node.denominator))}}}"
    if isinstance(node, Root):
        index = f"[{canonical(node.index)}]" if node.index is not None else ""
        return f"√{index}({canonical(node.body)})"
    if isinstance(node, Styled):
        body = canonical(node.body)
        if node.command in ACCENTS:
            return f"{body}{ACCENTS[node.command]}"
        return in_font(node.command, body) if node.command in MEANINGFUL_FONTS else body
    if isinstance(node, TextRun):
        return "".join(node.text.split())
    body = canonical(node.body)
    return f"{DELIMITERS[node.left]}{body}{DELIMITERS[node.right]}"


def _is(node: Node, text: str) -> bool:
    return isinstance(node, Atom) and node.source == text


def _matching(items: tuple[Node, ...], start: int, step: int) -> int:
    """The index of the bracket that matches the one at ``items[start]`` (searching by ``step``), or -1."""
    opening, closing = ("(", ")") if step > 0 else (")", "(")
    depth = 0
    for index in range(start, len(items) if step > 0 else -1, step):
        depth += 1 if _is(items[index], opening) else -1 if _is(items[index], closing) else 0
        if depth == 0:
            return index
    return -1


def _unwrapped(node: Node) -> Node:
    """``node`` without one pair of brackets around all of it."""
    items = node.items if isinstance(node, Group) else (node,)
    if len(items) >= 2 and _is(items[0], "(") and _matching(items, 0, 1) == len(items) - 1:
        return Group(items[1:-1])
    return node


def _operand(items: tuple[Node, ...], at: int, step: int) -> int:
    """Where the operand of a slash at ``at`` ends (``step`` -1: before it, +1: after it): a bracketed
    group, or the run of items up to an operator, relation or punctuation."""
    index = at + step
    if 0 <= index < len(items) and _is(items[index], "(" if step > 0 else ")"):
        end = _matching(items, index, step)
        return end if end >= 0 else index
    while 0 <= index + step < len(items) and not _ends_operand(items[index + step]):
        index += step
    return index


def _ends_operand(node: Node) -> bool:
    """Whether ``node`` ends the operand of a slash: an operator, relation, punctuation, bracket or slash."""
    kind = kind_of(node)
    return kind in (Kind.BIN, Kind.REL, Kind.PUNCT, Kind.OPEN, Kind.CLOSE) or _is(node, "/")


def _with_fractions(items: tuple[Node, ...]) -> tuple[Node, ...]:
    """``items`` with every ``a/b`` made a fraction, as ``\\frac{a}{b}`` is (``a/b/c`` is ``(a/b)/c``)."""
    items = tuple(items)
    while (slash := next((i for i, item in enumerate(items) if _is(item, "/")), None)) is not None:
        first, last = _operand(items, slash, -1), _operand(items, slash, 1)
        if first < 0 or last >= len(items) or first == slash or last == slash:
            break
        fraction = Fraction(
            _unwrapped(Group(items[first:slash])), _unwrapped(Group(items[slash + 1 : last + 1]))
        )
        items = (*items[:first], fraction, *items[last + 1 :])
    return items


@cache
def _unicode_commands() -> dict[str, str]:
    """Symbol characters and the command that writes each (the first command wins)."""
    found: dict[str, str] = {}
    for command, kind in SYMBOL_KINDS.items():
        if kind is Kind.FUNC:
            continue
        text = atom_text(Atom(command, kind))
        if len(text) == 1 and not text.isascii():
            found.setdefault(text, command)
    return found


_SMALL = {**{v: ("^", k) for k, v in SUPERSCRIPTS.items()}, **{v: ("_", k) for k, v in SUBSCRIPTS.items()}}
_ACCENT_COMMANDS = {mark: command for command, mark in reversed(list(ACCENTS.items()))}


def typed_latex(text: str) -> str:
    """A typed formula (LaTeX, Unicode or Greek names as words) as LaTeX."""
    text = _SYMBOL_WORD.sub(r"\\\1 ", _unbracketed(text.strip().strip("$").strip()))
    commands = _unicode_commands()
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in _SMALL and char != "′":
            sign = _SMALL[char][0]
            run = []
            while index < len(text) and text[index] in _SMALL and _SMALL[text[index]][0] == sign:
                run.append(_SMALL[text[index]][1])
                index += 1
            out.append(f"{sign}{{{''.join(run).replace('−', '-')}}}")
            continue
        if unicodedata.combining(char) and char in _ACCENT_COMMANDS and out:
            out[-1] = f"{_ACCENT_COMMANDS[char]}{{{out[-1]}}}"
        elif char == "√":
            out.append("\\sqrt")
            if text.startswith("(", index + 1):
                end = _closing_bracket(text, index + 1)
                if end > 0:
                    out.append("{" + typed_latex(text[index + 2 : end]) + "}")
                    index = end + 1
                    continue
        elif char in commands:
            out.append(commands[char] + " ")
        else:
            out.append({"−": "-", "′": "'", "‖": "\\|"}.get(char, char))
        index += 1
    return "".join(out)


def _unbracketed(text: str) -> str:
    """``floor(…)``, ``ceil(…)``, ``sqrt(…)``, ``^(…)`` and ``_(…)`` written as LaTeX
    (``\\lfloor … \\rfloor``, ``^{…}``)."""
    out = ""
    while (found := _BRACKETED.search(text)) is not None:
        opening = found.end() - 1
        closing = _closing_bracket(text, opening)
        if closing < 0:
            break
        inner = _unbracketed(text[opening + 1 : closing])
        if found[1]:
            left, right = _BRACKET_WORDS[found[1]]
            out += text[: found.start()] + left + inner + right
        else:
            out += text[: found.start()] + found[2] + "{" + inner + "}"
        text = text[closing + 1 :]
    return out + text


def _closing_bracket(text: str, start: int) -> int:
    depth = 0
    for index in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return index
    return -1


def canonical_text(latex: str) -> str | None:
    """The canonical form of a formula written in LaTeX, or ``None`` if it cannot be read."""
    try:
        return canonical(parse(latex))
    except LatexError:
        return None


def same_formula(expected: str, typed: str) -> bool:
    """Whether ``typed`` writes the formula ``expected`` (LaTeX) — see the module's documentation."""
    want = canonical_text(expected)
    got = canonical_text(typed_latex(typed))
    if want is None or got is None:
        return "".join(expected.split()) == "".join(typed.split())
    return want == got
