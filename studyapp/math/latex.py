"""A parser for the LaTeX math that decks write between ``$…$``: a tree of small nodes, or a
``LatexError`` that says what is wrong and where. Stdlib only.

The language is the common core of LaTeX math that both the Unicode renderer and matplotlib's
mathtext draw: symbols (``\\alpha``, ``\\sum``, ``\\le``), ``^`` and ``_``, primes, ``\\frac``,
``\\sqrt``, ``\\left … \\right``, fonts (``\\mathbb``), accents (``\\hat``) and text
(``\\text``, ``\\operatorname``). Spaces in a formula do not matter, as in LaTeX.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from studyapp.math.symbols import (
    ACCENTS,
    CHAR_KINDS,
    CHAR_UNICODE,
    DELIMITERS,
    ESCAPES,
    FONTS,
    FRACTIONS,
    SPACES,
    SYMBOL_KINDS,
    TEXT_COMMANDS,
    Kind,
    known_commands,
)

#: Private-use characters that mark where a highlighted part (a cloze) starts and ends.
MARK_START = "\ue000"
MARK_END = "\ue001"
MARKERS = MARK_START + MARK_END


class LocatedError(ValueError):
    """Text that cannot be read, with the place of the problem: ``offset`` (0-based) and ``length``."""

    def __init__(self, message: str, offset: int, length: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.length = max(length, 1)


class LatexError(LocatedError):
    """A formula that cannot be parsed; ``offset`` is in the formula."""


# -- the tree -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Atom:
    """A character or a symbol command: ``source`` as written, drawn by its kind."""

    source: str
    kind: Kind


@dataclass(frozen=True)
class Group:
    """Items in a row (a ``{…}`` group, or the whole formula)."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Scripts:
    """A base with a subscript, a superscript or both (primes are part of the superscript)."""

    base: Node
    sub: Node | None = None
    sup: Node | None = None


@dataclass(frozen=True)
class Fraction:
    numerator: Node
    denominator: Node


@dataclass(frozen=True)
class Root:
    body: Node
    index: Node | None = None


@dataclass(frozen=True)
class Styled:
    """A font (``\\mathbb``) or an accent (``\\hat``) on its argument."""

    command: str
    body: Node


@dataclass(frozen=True)
class TextRun:
    """Text set upright as written (``\\text{…}``, ``\\mathrm``, ``\\operatorname``)."""

    command: str
    text: str


@dataclass(frozen=True)
class Delimited:
    """``\\left X … \\right Y``: the delimiters as written (``.`` for none) around the body."""

    left: str
    body: Group
    right: str


Node = Atom | Group | Scripts | Fraction | Root | Styled | TextRun | Delimited


def kind_of(node: Node) -> Kind:
    """The kind of symbol a node is for spacing (a script keeps its base's kind)."""
    if isinstance(node, Atom):
        return node.kind
    if isinstance(node, Scripts):
        return kind_of(node.base)
    if isinstance(node, TextRun):
        return TEXT_COMMANDS[node.command]
    return Kind.ORD


# -- tokens -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """A command (``\\frac``), a control symbol (``\\{``), a special character or any other character."""

    text: str
    offset: int

    @property
    def is_command(self) -> bool:
        return self.text.startswith("\\")


#: Characters with a meaning of their own in LaTeX that formulas here do not support, and why.
UNSUPPORTED = {
    "&": "'&' (alignment) is not supported in a formula; write \\text{and}",
    "#": "'#' is not supported in a formula; write \\# for the sign",
    "%": "'%' starts a comment in LaTeX; write \\% for a percent sign",
}


#: Characters that a TOML string in double quotes makes of ``\b``, ``\t``, ``\n``, ``\f`` and ``\r``
#: (``"\theta"`` is a tab and "heta"), with their names.
ESCAPED_BY_TOML = {
    "\b": ("b", "backspace"),
    "\t": ("t", "tab"),
    "\n": ("n", "line break"),
    "\f": ("f", "form feed"),
    "\r": ("r", "carriage return"),
}


def _check_toml_escape(source: str, index: int) -> None:
    """Refuse a control character that a TOML escape made of a command's backslash (a line break only
    where the letters after it complete a command: ``\\nabla``)."""
    letter, name = ESCAPED_BY_TOML[source[index]]
    end = index + 1
    while end < len(source) and source[end].isascii() and source[end].isalpha():
        end += 1
    command = f"\\{letter}{source[index + 1 : end]}"
    if letter == "n" and command not in known_commands():
        return
    known = command in known_commands()
    meant = f" (meant {command}?)" if known else ""
    fix = f"\\{command}" if known else f"\\\\{letter}…"
    raise LatexError(
        f"a {name} in the formula{meant}: between double quotes TOML reads \\{letter} as a {name}; "
        f"write {fix} (two backslashes) or put the text between single quotes ('…' or '''…''')",
        index,
    )


def tokenize(source: str) -> list[Token]:
    """The tokens of ``source``, spaces dropped (a space after a command name ends it)."""
    tokens: list[Token] = []
    index = 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            if index + 1 == len(source):
                raise LatexError("a lone '\\' ends the formula; write \\backslash for the sign", index)
            end = index + 1
            if source[end].isascii() and source[end].isalpha():
                while end < len(source) and source[end].isascii() and source[end].isalpha():
                    end += 1
            else:
                end += 1
            tokens.append(Token(source[index:end], index))
            index = end
        elif char in UNSUPPORTED:
            raise LatexError(UNSUPPORTED[char], index)
        elif char in ESCAPED_BY_TOML:
            _check_toml_escape(source, index)
            index += 1
        elif char.isspace() or char == "~":
            index += 1
        else:
            tokens.append(Token(char, index))
            index += 1
    return tokens


# -- parsing ------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.position = 0

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def parse(self) -> Group:
        group = self.sequence(closing=None)
        return group

    def sequence(self, closing: str | None, opened: Token | None = None) -> Group:
        """Items up to ``closing`` (``}`` or ``\\right``), or to the end when ``None``."""
        items: list[Node] = []
        while (token := self.peek()) is not None:
            if token.text == "}":
                if closing == "}":
                    return Group(tuple(items))
                raise LatexError("unmatched '}'", token.offset)
            if token.text == "\\right":
                if closing == "\\right":
                    return Group(tuple(items))
                raise LatexError("\\right without a \\left before it", token.offset, len(token.text))
            if token.text in ("^", "_", "'"):
                base = items.pop() if items and not self.is_marker(items[-1]) else Group(())
                items.append(self.scripts(base))
                continue
            items.append(self.item())
        if opened is not None:
            what = "'{'" if closing == "}" else "\\left"
            fix = "close it with '}'" if closing == "}" else "close it with \\right (\\right. for none)"
            raise LatexError(f"unclosed {what}: {fix}", opened.offset, len(opened.text))
        return Group(tuple(items))

    @staticmethod
    def is_marker(node: Node) -> bool:
        return isinstance(node, Atom) and node.kind is Kind.MARKER

    def scripts(self, base: Node) -> Scripts:
        """``base`` with the ``^``, ``_`` and primes that follow it."""
        sub: Node | None = None
        sup: list[Node] = []
        has_sup = False
        while (token := self.peek()) is not None and token.text in ("^", "_", "'"):
            self.take()
            if token.text == "'":
                if has_sup:
                    raise LatexError("a prime after a superscript; write x'^2, not x^2'", token.offset)
                sup.append(Atom("'", Kind.ORD))
            elif token.text == "_":
                if sub is not None:
                    raise LatexError("double subscript: group it as x_{ab}", token.offset)
                sub = self.argument(token, "_")
            else:
                if has_sup:
                    raise LatexError("double superscript: group it as x^{ab}", token.offset)
                sup.append(self.argument(token, "^"))
                has_sup = True
        superscript = None if not sup else sup[0] if len(sup) == 1 else Group(tuple(sup))
        return Scripts(base, sub, superscript)

    def argument(self, owner: Token, name: str, number: int = 1, count: int = 1) -> Node:
        """The next argument: a ``{…}`` group or one token."""
        token = self.peek()
        if token is None or token.text in ("}", "\\right", "^", "_", "'"):
            needs = (
                "an argument"
                if count == 1
                else f"{count} arguments (the {('first', 'second')[number - 1]} is missing)"
            )
            example = {"^": "x^{2}", "_": "x_{i}"}.get(name, name + "{…}" * count)
            offset = token.offset if token is not None else owner.offset
            raise LatexError(f"{name} needs {needs}, e.g. {example}", offset)
        return self.item()

    def braced(self, opening: Token) -> Group:
        """The items after the taken ``{`` ``opening``, up to its ``}`` (taken too)."""
        group = self.sequence("}", opening)
        self.take()
        return group

    def item(self) -> Node:
        token = self.take()
        text = token.text
        if text == "{":
            return self.braced(token)
        if text in MARKERS:
            return Atom(text, Kind.MARKER)
        if not token.is_command:
            return Atom(text, CHAR_KINDS.get(text) or CHAR_KINDS.get(CHAR_UNICODE.get(text, text), Kind.ORD))
        if text in SYMBOL_KINDS:
            return Atom(text, SYMBOL_KINDS[text])
        if text in ESCAPES:
            return Atom(text, ESCAPES[text][1])
        if text in SPACES:
            return Atom(text, Kind.SPACE)
        if text in FRACTIONS:
            numerator = self.argument(token, text, 1, 2)
            return Fraction(numerator, self.argument(token, text, 2, 2))
        if text == "\\sqrt":
            return self.root(token)
        if text in TEXT_COMMANDS:
            return TextRun(text, self.text_argument(token))
        if text in FONTS or text in ACCENTS:
            return Styled(text, self.argument(token, text))
        if text == "\\left":
            return self.delimited(token)
        raise self.unknown(token)

    def root(self, token: Token) -> Root:
        index = None
        following = self.peek()
        if following is not None and following.text == "[":
            self.take()
            items: list[Node] = []
            while (inner := self.peek()) is not None and inner.text != "]":
                items.append(self.item())
            if self.peek() is None:
                raise LatexError("unclosed '[' of \\sqrt[n]{…}: close it with ']'", following.offset)
            self.take()
            index = Group(tuple(items))
        return Root(self.argument(token, "\\sqrt"), index)

    def text_argument(self, token: Token) -> str:
        """The argument of ``\\text`` and the like, as written (escaped braces kept as braces)."""
        opening = self.peek()
        if opening is None or opening.text != "{":
            raise LatexError(
                f"{token.text} needs its text in braces, e.g. {token.text}{{in}}",
                token.offset,
                len(token.text),
            )
        start = opening.offset + 1
        depth, index = 1, start
        while index < len(self.source):
            char = self.source[index]
            if char == "\\" and index + 1 < len(self.source):
                index += 2
                continue
            depth += {"{": 1, "}": -1}.get(char, 0)
            if depth == 0:
                break
            index += 1
        else:
            raise LatexError(f"unclosed '{{' of {token.text}: close it with '}}'", opening.offset)
        while self.peek() is not None and self.tokens[self.position].offset <= index:
            self.position += 1
        raw = self.source[start:index]
        for escaped in ("\\{", "\\}", "\\$", "\\%", "\\#", "\\_"):
            raw = raw.replace(escaped, escaped[1])
        return raw

    def delimiter(self, token: Token) -> str:
        following = self.peek()
        if following is None or following.text not in DELIMITERS:
            offset = following.offset if following is not None else token.offset
            raise LatexError(
                f"{token.text} needs a delimiter after it: ( [ | \\{{ \\lfloor \\langle …, or . for none",
                offset,
            )
        return self.take().text

    def delimited(self, token: Token) -> Delimited:
        left = self.delimiter(token)
        body = self.sequence("\\right", token)
        right_token = self.take()
        return Delimited(left, body, self.delimiter(right_token))

    @staticmethod
    def unknown(token: Token) -> LatexError:
        close = difflib.get_close_matches(token.text, sorted(known_commands()), n=1, cutoff=0.7)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return LatexError(f"unknown command {token.text}{hint}", token.offset, len(token.text))


def parse(source: str) -> Group:
    """The tree of the formula ``source`` (without its dollars); ``LatexError`` if it cannot be read."""
    return _Parser(source).parse()
