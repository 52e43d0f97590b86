"""The search language shared by Browse and ``--search``: Anki's syntax, parsed to a small tree. Stdlib only.

================================  =================================================================
``dog``                           cards whose question, answer, details or id contain "dog" (any case)
``"max pooling"``                 the exact phrase, spaces included
``d*g`` / ``d_g``                 ``*`` any run of characters, ``_`` any one (``\\*``, ``\\_`` literal)
``tag:cnn``                       the tag cnn (wildcards allowed); ``tag:leech`` also the leeches;
                                  ``tag:none`` cards without tags
``deck:deep-learning``            the deck with this id (wildcards allowed)
``sim:pooling``                   cards that open this simulation (wildcards allowed)
``is:new`` / ``learn`` / ...      new, learn (incl. relearning), review (incl. relearning), due
                                  (today), suspended, buried, leech
``prop:r<0.8``                    retrievability now; also ``s`` (stability, days), ``d`` (difficulty
                                  0-1, Anki's scale), ``reps``, ``lapses``, ``due`` (days until a
                                  studied card is due: 0 today, 1 tomorrow, -1 yesterday);
                                  ``< <= > >= = !=``
``rated:1`` / ``rated:7:1``       reviewed today / rated Again (1-4) in the last 7 days
``a b`` / ``a and b``             both
``a or b``                        either
``-a``                            not a
``( ... )``                       grouping
``gradient::c1``                  a cloze card's id (a word before ``::c`` and a number is no field)
================================  =================================================================

Precedence, as in Anki: ``-`` binds tightest, then ``and`` (also implied by juxtaposition), then
``or``: ``a b or c`` is ``(a b) or c``. A backslash makes the next character literal (``\\:``,
``\\-``, ``\\"``, ``\\(``); quotes group words with spaces, and ``"deck:my deck"`` equals
``deck:"my deck"``. A bad query raises ``SearchError``, whose message names the problem and its
column.

Free words, phrases and ``sim:`` match the decks' text. The collection keeps that text in a table
in ``searchable`` form (one representative of the letters ``re.IGNORECASE`` treats as one), so a whole
query compiles to one SQL query (``Pattern.glob``): case-blind matching becomes exact, case-sensitive
``GLOB``. ``resolve`` is the reference in Python: it replaces text terms with the ids of the cards
they match, for a collection whose text table does not hold the loaded decks (read-only, for one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum, StrEnum

from studyapp.errors import UserError
from studyapp.model import Card, Rating


class SearchError(UserError):
    """A query that cannot be parsed; ``column`` (1-based) and ``length`` locate the problem."""

    def __init__(self, message: str, query: str, column: int, length: int = 1) -> None:
        super().__init__(message, status=2)
        self.query = query
        self.column = column
        self.length = max(length, 1)

    def pointer(self, indent: str = "  ") -> str:
        """The query on one line and carets under the problem on the next."""
        return f"{indent}{self.query}\n{indent}{' ' * (self.column - 1)}{'^' * self.length}"


# -- case-blind text as SQL sees it ---------------------------------------------------------------------

#: Joins a card's searchable fields into one text, in which a pattern without wildcards is looked for
#: at once: ``searchable`` leaves it in no text, so a match never spans two fields.
TEXT_SEPARATOR = "\x1f"
#: Lowercase letters that ``re.IGNORECASE`` takes for one another ("ſ" matches "s", "ς" matches "σ"):
#: Python's own table of such letters (``Lib/re/_casefix.py``), as groups; ``searchable`` writes each
#: letter of a group as the group's first. Tested against ``re`` over every cased character.
CASE_GROUPS = (
    "\u0069\u0131", "\u0073\u017f", "\u00b5\u03bc", "\u0345\u03b9\u1fbe", "\u0390\u1fd3", "\u03b0\u1fe3",
    "\u03b2\u03d0", "\u03b5\u03f5", "\u03b8\u03d1", "\u03ba\u03f0", "\u03c0\u03d6", "\u03c1\u03f1",
    "\u03c2\u03c3", "\u03c6\u03d5", "\u0432\u1c80", "\u0434\u1c81", "\u043e\u1c82", "\u0441\u1c83",
    "\u0442\u1c84\u1c85", "\u044a\u1c86", "\u0463\u1c87", "\u1c88\ua64b", "\u1e61\u1e9b", "\ufb05\ufb06",
)  # fmt: skip
_SAME_LETTER = str.maketrans(
    {member: group[0] for group in CASE_GROUPS for member in group[1:]}
    | dict.fromkeys(("\0", "\ufffe"), "\U0010fffe")  # GLOB stops at a NUL
    | dict.fromkeys((TEXT_SEPARATOR, "\uffff"), "\U0010ffff")  # no text holds the separator
)  # and SQLite reads U+FFFE and U+FFFF as U+FFFD: noncharacters (never in text) stand for all three
_GLOB_SPECIAL = re.compile(r"[*?[]")


def searchable(text: str) -> str:
    """``text`` with each letter written as the one ``re.IGNORECASE`` takes it for, character for
    character (``_`` still counts one): ``searchable(a) == searchable(b)`` exactly when ``a`` and ``b``
    have the same length and match each other case-insensitively.

    ``str.lower`` changes one letter's length ("İ" becomes "i̇"), which is written "i" first, as the
    regular expressions lower it; "σ" at a word's end, which ``lower`` writes "ς", is one of a group.
    The exceptions, characters no card text holds: NUL, U+FFFE and U+10FFFE are written alike, and so
    are ``TEXT_SEPARATOR``, U+FFFF and U+10FFFF.
    """
    if text.isascii() and "\0" not in text and TEXT_SEPARATOR not in text:
        return text.lower()  # the only ASCII characters written otherwise are those two
    return text.replace("İ", "i").lower().translate(_SAME_LETTER)


# -- the tree ---------------------------------------------------------------------------------------


class Wild(Enum):
    """A wildcard in a pattern: ``*`` any run of characters, ``_`` exactly one."""

    ANY = "*"
    ONE = "_"


@dataclass(frozen=True)
class Pattern:
    """Text to match, case-insensitively: literal chunks and wildcards."""

    parts: tuple[str | Wild, ...]

    @classmethod
    def literal(cls, text: str) -> Pattern:
        """A pattern without wildcards."""
        return cls((text,))

    def regex(self, *, anchored: bool) -> re.Pattern[str]:
        """The pattern as a case-insensitive regular expression (``anchored``: the whole text)."""
        body = "".join(
            ".*" if part is Wild.ANY else "." if part is Wild.ONE else re.escape(part) for part in self.parts
        )
        return re.compile(rf"\A(?:{body})\Z" if anchored else body, re.IGNORECASE | re.DOTALL)

    def glob(self, *, anchored: bool) -> str:
        """The pattern for SQL ``GLOB`` against ``searchable`` text (``anchored``: the whole text)."""
        body = "".join(
            "*"
            if part is Wild.ANY
            else "?"
            if part is Wild.ONE
            else _GLOB_SPECIAL.sub(r"[\g<0>]", searchable(part))
            for part in self.parts
        )
        return body if anchored else f"*{body}*"

    def like(self) -> str:
        """The pattern for SQL ``LIKE ... ESCAPE '\\'``."""
        out = []
        for part in self.parts:
            if isinstance(part, Wild):
                out.append("%" if part is Wild.ANY else "_")
            else:
                out.append(part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"))
        return "".join(out)

    def fullmatch(self, text: str) -> bool:
        """Whether the whole of ``text`` matches."""
        return self.regex(anchored=True).match(text) is not None


class CardIs(StrEnum):
    """The values of ``is:``."""

    NEW = "new"
    LEARN = "learn"
    REVIEW = "review"
    DUE = "due"
    SUSPENDED = "suspended"
    BURIED = "buried"
    LEECH = "leech"


class Property(StrEnum):
    """The values of ``prop:``: retrievability, stability, difficulty, reps, lapses and days until due."""

    R = "r"
    S = "s"
    D = "d"
    REPS = "reps"
    LAPSES = "lapses"
    DUE = "due"


class Compare(StrEnum):
    """The comparisons of ``prop:`` (two-character ones first, for parsing)."""

    LE = "<="
    GE = ">="
    NE = "!="
    LT = "<"
    GT = ">"
    EQ = "="


@dataclass(frozen=True)
class Text:
    """A free word or quoted phrase: in the question, answer, details or id."""

    pattern: Pattern


@dataclass(frozen=True)
class Tag:
    """``tag:``: a whole tag (``tag:leech`` also the leeches); ``None`` stands for ``tag:none``."""

    pattern: Pattern | None


@dataclass(frozen=True)
class Deck:
    """``deck:``: the deck id."""

    pattern: Pattern


@dataclass(frozen=True)
class Sim:
    """``sim:``: the simulation the card opens."""

    pattern: Pattern


@dataclass(frozen=True)
class Is:
    """``is:``: a study state."""

    state: CardIs


@dataclass(frozen=True)
class Prop:
    """``prop:``: a number of the card's schedule compared with ``value`` (``d`` on Anki's 0-1 scale)."""

    prop: Property
    compare: Compare
    value: float


@dataclass(frozen=True)
class Rated:
    """``rated:``: reviewed in the last ``days`` study days (today is day 1), with ``rating`` if given."""

    days: int
    rating: Rating | None = None


@dataclass(frozen=True)
class Ids:
    """The cards with these ids: a term on the decks' text, already matched (see ``resolve``)."""

    ids: frozenset[str]


@dataclass(frozen=True)
class Not:
    """Every card that ``node`` does not match."""

    node: Node


@dataclass(frozen=True)
class And:
    """The cards every node matches."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """The cards any node matches."""

    nodes: tuple[Node, ...]


Term = Text | Tag | Deck | Sim | Is | Prop | Rated | Ids
Node = Term | Not | And | Or

#: The fields, in the order the error messages list them.
FIELDS = ("tag", "deck", "is", "sim", "prop", "rated")
#: The most days ``rated:`` looks back (a hundred years).
MAX_RATED_DAYS = 36500


@dataclass(frozen=True)
class Query:
    """A parsed query: its text and tree (``root`` ``None``: the empty query, which matches every card)."""

    text: str
    root: Node | None

    def terms(self) -> Iterator[Term]:
        """Every term of the tree."""
        return walk(self.root) if self.root is not None else iter(())

    @property
    def uses_retrievability(self) -> bool:
        """Whether a ``prop:r`` term needs fsrs's forgetting curve."""
        return any(isinstance(term, Prop) and term.prop is Property.R for term in self.terms())


def walk(node: Node) -> Iterator[Term]:
    """The terms under ``node``, left to right."""
    if isinstance(node, Not):
        yield from walk(node.node)
    elif isinstance(node, And | Or):
        for child in node.nodes:
            yield from walk(child)
    else:
        yield node


# -- tokens -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Char:
    """One character of a word: where it stands in the query, and whether a backslash made it literal."""

    char: str
    column: int
    literal: bool = False


@dataclass(frozen=True)
class _Token:
    """``(``, ``)``, ``-``, ``or``, ``and``, or a word (its characters, quotes removed)."""

    kind: str
    column: int
    end: int
    chars: tuple[_Char, ...] = ()

    @property
    def text(self) -> str:
        return "".join(c.char for c in self.chars)


_BREAK = frozenset("()")


class _Lexer:
    """Splits a query into tokens."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.index = 0

    def error(self, message: str, column: int, length: int = 1) -> SearchError:
        return SearchError(message, self.query, column, length)

    def tokens(self) -> list[_Token]:
        query, found = self.query, []
        while self.index < len(query):
            char = query[self.index]
            column = self.index + 1
            if char.isspace():
                self.index += 1
            elif char in "()":
                found.append(_Token(char, column, column))
                self.index += 1
            elif char == "-":
                found.append(_Token("-", column, column))
                self.index += 1
            else:
                found.append(self.word())
        return found

    def word(self) -> _Token:
        """A word up to a space or parenthesis outside quotes; quoted parts may hold both."""
        query, start, chars = self.query, self.index, list[_Char]()
        quoted_any = False
        quote: int | None = None
        while self.index < len(query):
            char = query[self.index]
            column = self.index + 1
            if char == "\\":
                if self.index + 1 == len(query):
                    raise self.error(
                        f"'\\' at column {column} escapes nothing; write \\\\ for a backslash", column
                    )
                chars.append(_Char(query[self.index + 1], column + 1, literal=True))
                self.index += 2
                continue
            if char == '"':
                quote = None if quote is not None else column
                quoted_any = True
                self.index += 1
                continue
            if quote is None and (char.isspace() or char in _BREAK):
                break
            chars.append(_Char(char, column))
            self.index += 1
        if quote is not None:
            raise self.error(f"unclosed quote '\"' at column {quote}", quote)
        text = "".join(c.char for c in chars)
        keyword = not quoted_any and all(not c.literal for c in chars) and text.lower() in ("or", "and")
        kind = text.lower() if keyword else ("phrase" if quoted_any else "word")
        return _Token(kind, start + 1, self.index, tuple(chars))


# -- parsing ------------------------------------------------------------------------------------------


def _pattern(chars: Iterable[_Char]) -> Pattern:
    """Characters as a pattern: unescaped ``*`` and ``_`` are wildcards."""
    parts: list[str | Wild] = []
    literal: list[str] = []
    for c in chars:
        if not c.literal and c.char in "*_":
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(Wild(c.char))
        else:
            literal.append(c.char)
    if literal or not parts:
        parts.append("".join(literal))
    return Pattern(tuple(parts))


_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)\Z")
#: What follows a note id's first colon in the id of one of its cloze cards (``gradient::c1``): a word
#: before it is no field, and the whole term is text, which finds the card by its id.
_CLOZE_ID_END = re.compile(r":c\d+")


class _Parser:
    """Recursive descent over the tokens: or > and > - > atom."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _Lexer(query).tokens()
        self.position = 0

    def error(self, message: str, column: int, length: int = 1) -> SearchError:
        return SearchError(message, self.query, column, length)

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    @staticmethod
    def starts_term(token: _Token | None) -> bool:
        return token is not None and token.kind in ("word", "phrase", "-", "(")

    def parse(self) -> Query:
        if not self.tokens:
            return Query(self.query, None)
        root = self.parse_or()
        extra = self.peek()
        if extra is not None:  # only a ')' can stop parse_or early
            raise self.error(f"unmatched ')' at column {extra.column}", extra.column)
        return Query(self.query, root)

    def parse_or(self) -> Node:
        nodes = [self.parse_and()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            if not self.starts_term(self.peek()):
                raise self.operator_error(token)
            nodes.append(self.parse_and())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def operator_error(self, token: _Token) -> SearchError:
        return self.error(
            f"'{token.text}' at column {token.column} needs a search term on each side",
            token.column,
            token.end - token.column + 1,
        )

    def parse_and(self) -> Node:
        token = self.peek()
        if not self.starts_term(token):
            raise self.missing_term(token)
        nodes = [self.parse_unary()]
        while True:
            token = self.peek()
            if token is not None and token.kind == "and":
                self.take()
                if not self.starts_term(self.peek()):
                    raise self.operator_error(token)
            elif not self.starts_term(token):
                break
            nodes.append(self.parse_unary())
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def missing_term(self, token: _Token | None) -> SearchError:
        """The error for a place where a term should start but ``token`` (or the end) is there."""
        if token is None:
            return self.error("the query ends where a search term should be", len(self.query) + 1)
        if token.kind in ("or", "and"):
            return self.operator_error(token)
        return self.error(f"unmatched ')' at column {token.column}", token.column)

    def parse_unary(self) -> Node:
        token = self.peek()
        if token is not None and token.kind == "-":
            self.take()
            following = self.peek()
            if not self.starts_term(following) or (
                following is not None and following.column > token.end + 1
            ):
                raise self.error(
                    f"'-' at column {token.column} must be followed directly by a search term "
                    '(write \\- or "-" for a hyphen)',
                    token.column,
                )
            return Not(self.parse_unary())
        return self.parse_atom()

    def parse_atom(self) -> Node:
        token = self.take()
        if token.kind == "(":
            following = self.peek()
            if following is not None and following.kind == ")":
                raise self.error(f"empty parentheses at column {token.column}", token.column, 2)
            if following is None:
                raise self.error(f"unclosed '(' at column {token.column}", token.column)
            node = self.parse_or()
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise self.error(f"unclosed '(' at column {token.column}", token.column)
            self.take()
            return node
        return self.term(token)

    # -- terms --------------------------------------------------------------------------------------

    def term(self, token: _Token) -> Term:
        chars = token.chars
        colon = next((i for i, c in enumerate(chars) if c.char == ":" and not c.literal), None)
        name = "".join(c.char for c in chars[:colon]) if colon else ""
        if colon is None or not name.isalpha() or not name.isascii() or any(c.literal for c in chars[:colon]):
            return Text(_pattern(chars))
        field = name.lower()
        value = chars[colon + 1 :]
        if field not in FIELDS:
            rest = "".join(c.char for c in value)
            if _CLOZE_ID_END.fullmatch(rest):  # a one-word note's cloze card: gradient::c1
                return Text(_pattern(chars))
            cloze = " or a cloze card's whole id, e.g. gradient::c1" if rest.startswith(":") else ""
            raise self.error(
                f"unknown field '{name}:' at column {token.column}; fields: {', '.join(FIELDS)} "
                f"(write \\: for a colon in the text{cloze})",
                token.column,
                colon + 1,
            )
        if not value:
            raise self.error(
                f"'{field}:' at column {token.column} needs a value, e.g. {EXAMPLES[field]}",
                token.column,
                colon + 1,
            )
        return getattr(self, f"field_{field}")(value)

    def field_tag(self, value: tuple[_Char, ...]) -> Tag:
        text = "".join(c.char for c in value)
        if text.lower() == "none" and not any(c.literal for c in value):
            return Tag(None)
        return Tag(_pattern(value))

    def field_deck(self, value: tuple[_Char, ...]) -> Deck:
        return Deck(_pattern(value))

    def field_sim(self, value: tuple[_Char, ...]) -> Sim:
        return Sim(_pattern(value))

    def field_is(self, value: tuple[_Char, ...]) -> Is:
        text = "".join(c.char for c in value)
        try:
            return Is(CardIs(text.lower()))
        except ValueError:
            raise self.error(
                f"unknown state '{text}' at column {value[0].column}; is: takes {', '.join(CardIs)}",
                value[0].column,
                len(value),
            ) from None

    def field_prop(self, value: tuple[_Char, ...]) -> Prop:
        text = "".join(c.char for c in value)
        name = re.match(r"[A-Za-z]*", text)
        assert name is not None
        prop_name = name.group()
        column = value[0].column
        if not prop_name or prop_name.lower() not in list(Property):
            shown = prop_name or text
            raise self.error(
                f"unknown property '{shown}' at column {column}; prop: takes {', '.join(Property)}, "
                "e.g. prop:r<0.8",
                column,
                len(shown),
            )
        prop = Property(prop_name.lower())
        rest = text[len(prop_name) :]
        compare = next((c for c in Compare if rest.startswith(c.value)), None)
        if compare is None:
            where = value[len(prop_name)].column if rest else column + len(prop_name)
            raise self.error(
                f"prop:{prop} at column {where} needs a comparison (<, <=, >, >=, = or !=) and a number, "
                f"e.g. {PROP_EXAMPLES[prop]}",
                where,
            )
        number = rest[len(compare.value) :]
        offset = len(prop_name) + len(compare.value)
        where = value[offset].column if number else value[-1].column + 1
        return Prop(prop, compare, self.prop_number(prop, number, where))

    def prop_number(self, prop: Property, number: str, column: int) -> float:
        """The number of a ``prop:`` term, checked for its property."""
        example = PROP_EXAMPLES[prop]
        if not _NUMBER.match(number):
            shown = f"bad number '{number}'" if number else "missing number"
            raise self.error(
                f"{shown} at column {column}: prop:{prop} takes a number, e.g. {example}", column, len(number)
            )
        parsed = float(number)
        if prop in (Property.R, Property.D) and not 0 <= parsed <= 1:
            raise self.error(
                f"prop:{prop} takes a number from 0 to 1, got {number} at column {column}",
                column,
                len(number),
            )
        if prop in (Property.REPS, Property.LAPSES, Property.DUE) and not parsed.is_integer():
            raise self.error(
                f"prop:{prop} takes a whole number, got {number} at column {column}", column, len(number)
            )
        return parsed

    def field_rated(self, value: tuple[_Char, ...]) -> Rated:
        text = "".join(c.char for c in value)
        days_text, separator, rating_text = text.partition(":")
        column = value[0].column
        if not days_text.isdigit() or not 1 <= int(days_text) <= MAX_RATED_DAYS:
            raise self.error(
                f"bad number of days '{days_text}' at column {column}: rated: takes days from 1 to "
                f"{MAX_RATED_DAYS} and optionally a rating 1-4, e.g. rated:7:1",
                column,
                len(days_text),
            )
        if not separator:
            return Rated(int(days_text))
        rating_column = value[len(days_text) + 1].column if rating_text else value[-1].column + 1
        rating = Rating.from_word(rating_text) if rating_text.isdigit() else None
        if rating is None:
            raise self.error(
                f"bad rating '{rating_text}' at column {rating_column}: the rating after rated:{days_text}: "
                "is 1 (again), 2 (hard), 3 (good) or 4 (easy)",
                rating_column,
                len(rating_text),
            )
        return Rated(int(days_text), rating)


#: An example of each field, for the messages.
EXAMPLES = {
    "tag": "tag:cnn",
    "deck": "deck:deep-learning",
    "is": "is:due",
    "sim": "sim:pooling",
    "prop": "prop:r<0.8",
    "rated": "rated:7:1",
}
PROP_EXAMPLES = {
    Property.R: "prop:r<0.8",
    Property.S: "prop:s>10",
    Property.D: "prop:d>0.5",
    Property.REPS: "prop:reps>5",
    Property.LAPSES: "prop:lapses>2",
    Property.DUE: "prop:due<=3",
}


def parse(query: str) -> Query:
    """The query's tree; ``SearchError`` (a ``UserError`` with status 2) locates what is wrong."""
    return _Parser(query).parse()


# -- matching the decks' text ---------------------------------------------------------------------------


def searched_text(card: Card) -> tuple[str, ...]:
    """What free words and phrases are matched against: the question, answer, details and id."""
    return (card.question, card.answer, card.details, card.id)


def resolve(node: Node, cards: Iterable[Card]) -> Node:
    """``node`` with every free word, phrase and ``sim:`` term replaced by the ids of the ``cards`` it
    matches, so the rest of the query can run in the collection."""
    cards = list(cards)

    def ids(matches: Iterable[bool]) -> Ids:
        return Ids(frozenset(card.id for card, hit in zip(cards, matches, strict=True) if hit))

    def visit(node: Node) -> Node:
        if isinstance(node, Text):
            regex = node.pattern.regex(anchored=False)
            return ids(any(regex.search(text) for text in searched_text(c)) for c in cards)
        if isinstance(node, Sim):
            full = node.pattern.regex(anchored=True)
            return ids(c.sim is not None and full.match(c.sim) is not None for c in cards)
        if isinstance(node, Not):
            return Not(visit(node.node))
        if isinstance(node, And):
            return And(tuple(visit(child) for child in node.nodes))
        if isinstance(node, Or):
            return Or(tuple(visit(child) for child in node.nodes))
        return node

    return visit(node)
