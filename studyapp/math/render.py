"""Formulas drawn as Unicode text: on one line (``σ′(x) = σ(x)(1 − σ(x))``), or for display math on
several, with fractions stacked over a rule and tall brackets around them. Stdlib only.

Sub- and superscripts use Unicode's small letters where every character has one (``θₜ₊₁``, ``β₁ᵗ``),
and ``_(…)``/``^(…)`` otherwise. Inline fractions are ``a/b``, with brackets where they are needed
to keep the meaning (``mₜ/(1 − β₁ᵗ)``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from studyapp.math.latex import (
    MARK_END,
    MARK_START,
    MARKERS,
    Atom,
    Delimited,
    Fraction,
    Group,
    Node,
    Root,
    Scripts,
    Styled,
    TextRun,
    kind_of,
)
from studyapp.math.symbols import (
    ACCENTS,
    CHAR_UNICODE,
    DELIMITERS,
    ESCAPES,
    SPACES,
    Kind,
    latex_to_text,
    symbol_text,
)

SUBSCRIPTS = dict(
    zip("0123456789+−=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ", strict=True)
)
SUPERSCRIPTS = dict(
    zip(
        "0123456789+−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθιφχ′⊤",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᶥᵠᵡ′ᵀ",
        strict=True,
    )
)
ROOTS = {"": "√", "3": "∛", "4": "∜"}
#: Tall delimiters: (top, middle, bottom, the piece at the baseline).
TALL = {
    "(": ("⎛", "⎜", "⎝", "⎜"),
    ")": ("⎞", "⎟", "⎠", "⎟"),
    "[": ("⎡", "⎢", "⎣", "⎢"),
    "]": ("⎤", "⎥", "⎦", "⎥"),
    "⌊": ("⎢", "⎢", "⎣", "⎢"),
    "⌋": ("⎥", "⎥", "⎦", "⎥"),
    "⌈": ("⎡", "⎢", "⎢", "⎢"),
    "⌉": ("⎤", "⎥", "⎥", "⎥"),
    "{": ("⎧", "⎪", "⎩", "⎨"),
    "}": ("⎫", "⎪", "⎭", "⎬"),
    "|": ("│", "│", "│", "│"),
    "‖": ("‖", "‖", "‖", "‖"),
    "⟨": ("╱", "│", "╲", "⟨"),
    "⟩": ("╲", "│", "╱", "⟩"),
    "/": ("╱", "╱", "╱", "╱"),
}
RULE = "─"


def highlighted(box: Box) -> Box:
    """``box`` with every line between highlight markers."""
    return Box(tuple(f"{MARK_START}{line}{MARK_END}" for line in box.lines), box.baseline)


def width(text: str) -> int:
    """Terminal cells ``text`` takes: combining characters and highlight markers take none, wide ones two."""
    cells = 0
    for char in text:
        if char in MARKERS or unicodedata.combining(char) or char == "\u200b":
            continue
        cells += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return cells


@dataclass(frozen=True)
class Box:
    """Lines of the same width; ``baseline`` is the line the box sits on in a row."""

    lines: tuple[str, ...]
    baseline: int = 0

    @property
    def width(self) -> int:
        return max((width(line) for line in self.lines), default=0)

    @property
    def height(self) -> int:
        return len(self.lines)

    @property
    def flat(self) -> bool:
        return self.height == 1

    def padded(self, cells: int, centred: bool = False) -> Box:
        """Every line as wide as ``cells`` (the box centred in them, or on the left)."""
        out = []
        for line in self.lines:
            spare = cells - width(line)
            left = spare // 2 if centred else 0
            out.append(" " * left + line + " " * (spare - left))
        return Box(tuple(out), self.baseline)


def text_box(text: str) -> Box:
    return Box((text,))


def row(boxes: list[Box]) -> Box:
    """Boxes side by side, on one baseline."""
    if all(box.flat for box in boxes):
        return text_box("".join(box.lines[0] for box in boxes))
    above = max(box.baseline for box in boxes)
    below = max(box.height - box.baseline - 1 for box in boxes)
    columns = []
    for box in boxes:
        filled = box.padded(box.width)
        blank = " " * box.width
        top = [blank] * (above - box.baseline)
        bottom = [blank] * (below - (box.height - box.baseline - 1))
        columns.append([*top, *filled.lines, *bottom])
    lines = tuple("".join(column[i] for column in columns) for i in range(above + below + 1))
    return Box(lines, above)


# -- symbols ------------------------------------------------------------------------------------------


def atom_text(atom: Atom) -> str:
    """The Unicode of a character or symbol command."""
    source = atom.source
    if atom.kind is Kind.MARKER:
        return source
    if source in ESCAPES:
        return ESCAPES[source][0]
    if source in SPACES:
        return SPACES[source]
    if source.startswith("\\"):
        return symbol_text(source)
    return CHAR_UNICODE.get(source, source)


def scripted(text: str, table: dict[str, str]) -> str | None:
    """``text`` in small raised or lowered letters, or ``None`` if one of its characters has none."""
    out = []
    for char in text:
        if char in MARKERS:
            out.append(char)
        elif char in table:
            out.append(table[char])
        else:
            return None
    return "".join(out)


def accented(text: str, mark: str) -> str:
    """``text`` with the combining ``mark`` on each of its characters (markers left alone)."""
    return "".join(char if char in MARKERS else char + mark for char in text)


def in_font(command: str, text: str) -> str:
    """``text`` in the alphabet of a font command; unchanged for what the alphabet lacks."""
    if command in ("\\mathit",) or not text.isascii() or not text.isalnum():
        return text
    name = "\\mathbf" if command == "\\boldsymbol" else command
    return latex_to_text(f"{name}{{{text}}}") or text


# -- layout -------------------------------------------------------------------------------------------


class Renderer:
    """Draws a formula's tree; ``display`` stacks fractions on several lines."""

    def __init__(self, display: bool) -> None:
        self.display = display

    def box(self, node: Node, script: bool = False) -> Box:
        if isinstance(node, Atom):
            return text_box(atom_text(node))
        if isinstance(node, Group):
            return self.sequence(node.items, script)
        if isinstance(node, Scripts):
            return self.scripts(node, script)
        if isinstance(node, Fraction):
            return self.fraction(node, script)
        if isinstance(node, Root):
            return self.root(node, script)
        if isinstance(node, Styled):
            return self.styled(node, script)
        if isinstance(node, TextRun):
            return text_box(node.text)
        return self.delimited(node, script)

    def line(self, node: Node) -> str:
        """``node`` on one line, tight (as in a script)."""
        return Renderer(False).sequence(node.items if isinstance(node, Group) else (node,), True).lines[0]

    def sequence(self, items: tuple[Node, ...], script: bool) -> Box:
        """Items in a row, with spaces around relations and binary operators (not in scripts)."""
        kinds = [kind_of(item) for item in items]
        shown = [i for i, kind in enumerate(kinds) if kind is not Kind.MARKER]
        boxes: list[Box] = []
        outer: list[list[Box]] = []  # the rows around highlighted parts
        previous: Kind | None = None
        for index, item in enumerate(items):
            kind = kinds[index]
            if kind is Kind.MARKER:
                marker = atom_text(item) if isinstance(item, Atom) else ""
                if marker == MARK_START:
                    outer.append(boxes)
                    boxes = []
                elif outer:
                    inner = row(boxes) if boxes else text_box("")
                    boxes = outer.pop()
                    boxes.append(highlighted(inner))
                continue
            box = self.box(item, script)
            if script:
                boxes.append(box)
            else:
                following = next((kinds[j] for j in shown if j > index), None)
                boxes.extend(self.spaced(box, kind, previous, following))
            previous = kind
        while outer:  # a highlight that is never closed runs to the end
            inner = row(boxes) if boxes else text_box("")
            boxes = [*outer.pop(), highlighted(inner)]
        return row(boxes) if boxes else text_box("")

    @staticmethod
    def spaced(box: Box, kind: Kind, previous: Kind | None, following: Kind | None) -> list[Box]:
        """``box`` with the spaces its kind takes between ``previous`` and ``following``."""
        space = text_box(" ")
        if kind is Kind.REL and previous is not None:
            return [space, box, space] if following is not None else [space, box]
        if kind is Kind.BIN and previous not in (None, Kind.BIN, Kind.REL, Kind.OPEN, Kind.PUNCT, Kind.OP):
            return [space, box, space] if following is not None else [space, box]
        if kind is Kind.PUNCT and following is not None:
            return [box, space]
        if kind in (Kind.OP, Kind.FUNC):
            before = [space] if previous in (Kind.ORD, Kind.CLOSE) else []
            after = [] if following in (None, Kind.OPEN, Kind.CLOSE, Kind.PUNCT, Kind.REL) else [space]
            return [*before, box, *after]
        return [box]

    def scripts(self, node: Scripts, script: bool) -> Box:
        base = self.box(node.base, script)
        if not base.flat:
            return self.tall_scripts(base, node)
        text = base.lines[0]
        if needs_brackets(node.base) and not (text.startswith("(") and text.endswith(")")):
            text = f"({text})"
        if node.sub is not None:
            text += attached(self.line(node.sub), SUBSCRIPTS, "_")
        if node.sup is not None:
            text += attached(self.line(node.sup), SUPERSCRIPTS, "^")
        return text_box(text)

    def tall_scripts(self, base: Box, node: Scripts) -> Box:
        """Scripts beside a tall base: the superscript at its top, the subscript at its bottom."""
        sup = attached(self.line(node.sup), SUPERSCRIPTS, "^") if node.sup is not None else ""
        sub = attached(self.line(node.sub), SUBSCRIPTS, "_") if node.sub is not None else ""
        lines = list(base.padded(base.width).lines)
        side = max(width(sup), width(sub))
        lines = [line + " " * side for line in lines]
        if sup:
            lines[0] = lines[0][: len(lines[0]) - side] + sup + " " * (side - width(sup))
        if sub:
            lines[-1] = lines[-1][: len(lines[-1]) - side] + sub + " " * (side - width(sub))
        return Box(tuple(lines), base.baseline)

    def fraction(self, node: Fraction, script: bool) -> Box:
        numerator = self.box(node.numerator, script)
        denominator = self.box(node.denominator, script)
        if self.display and not script:
            cells = max(numerator.width, denominator.width) + 2
            lines = (
                *numerator.padded(cells, centred=True).lines,
                RULE * cells,
                *denominator.padded(cells, centred=True).lines,
            )
            return Box(lines, numerator.height)
        top = self.flat_text(numerator)
        bottom = self.flat_text(denominator)
        if needs_brackets(node.numerator):
            top = f"({top})"
        if needs_brackets(node.denominator):
            bottom = f"({bottom})"
        return text_box(f"{top}/{bottom}")

    def flat_text(self, box: Box) -> str:
        return box.lines[0] if box.flat else " ".join(line.strip() for line in box.lines)

    def root(self, node: Root, script: bool) -> Box:
        body = self.box(node.body, script)
        index = self.line(node.index) if node.index is not None else ""
        sign = ROOTS.get(index) or (attached(index, SUPERSCRIPTS, "^").lstrip("^") + "√")
        if not body.flat:
            return row([text_box(sign), *self.tall_brackets(body, "(", ")")])
        text = body.lines[0]
        return text_box(sign + (f"({text})" if needs_brackets(node.body) else text))

    def styled(self, node: Styled, script: bool) -> Box:
        body = self.box(node.body, script)
        if node.command in ACCENTS:
            return Box(tuple(accented(line, ACCENTS[node.command]) for line in body.lines), body.baseline)
        if body.flat:
            return text_box(in_font(node.command, body.lines[0]))
        return body

    def delimited(self, node: Delimited, script: bool) -> Box:
        body = self.sequence(node.body.items, script)
        left, right = DELIMITERS[node.left], DELIMITERS[node.right]
        if body.flat:
            return text_box(left + body.lines[0] + right)
        return row(self.tall_brackets(body, left, right))

    @staticmethod
    def tall_brackets(body: Box, left: str, right: str) -> list[Box]:
        """``body`` between delimiters as tall as it is."""

        def tall(char: str) -> Box:
            if not char:
                return Box(("",) * body.height, body.baseline)
            top, middle, bottom, centre = TALL.get(char, (char, char, char, char))
            pieces = [middle] * body.height
            pieces[0], pieces[-1] = top, bottom
            if 0 < body.baseline < body.height - 1:
                pieces[body.baseline] = centre
            return Box(tuple(pieces), body.baseline)

        return [tall(left), body, tall(right)]


def needs_brackets(node: Node) -> bool:
    """Whether ``node`` needs brackets as a fraction's part, a root's body or a script's base: when it
    has several items and one is an operator, a relation, a fraction or a big operator."""
    if isinstance(node, Fraction):
        return True
    if not isinstance(node, Group):
        return False
    items = [item for item in node.items if kind_of(item) is not Kind.MARKER]
    if len(items) < 2:
        return bool(items) and needs_brackets(items[0])
    loose = (Kind.BIN, Kind.REL, Kind.PUNCT, Kind.OP, Kind.SPACE, Kind.FUNC)
    return any(kind_of(item) in loose or isinstance(item, Fraction) for item in items)


def attached(text: str, table: dict[str, str], sign: str) -> str:
    """A script in small letters where it can be, else ``_x`` or ``_(…)``."""
    small = scripted(text, table)
    if small is not None:
        return small
    return f"{sign}{text}" if width(text) == 1 else f"{sign}({text})"


def draw(tree: Group, display: bool) -> list[str]:
    """The lines of a formula's tree (one unless ``display`` stacks a fraction), right ends trimmed."""
    box = Renderer(display).box(tree)
    return [line.rstrip() for line in box.lines]
