"""Text search in SQL gives exactly what the reference filter in Python gives.

The reference (``studyapp.search.resolve``) matches free words, phrases and ``sim:`` with Python's
case-insensitive regular expressions over the loaded cards; the collection runs them as ``GLOB`` on
the decks' text in ``searchable`` form. Compared on the bundled decks and on a generated deck full of
Unicode (final sigma, dotted and dotless i, long s, Kelvin sign, ligatures, combining marks, emoji,
CJK) and of the characters the query syntax and ``GLOB`` give a meaning to.
"""

from __future__ import annotations

import collections
import random
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from studyapp.collection import Collection, open_collection
from studyapp.content import Library
from studyapp.model import Card, Deck
from studyapp.search import CASE_GROUPS, TEXT_SEPARATOR, parse, resolve, searchable
from studyapp.store.search import SearchContext

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
#: Letters and marks that case-insensitive matching treats specially, written as escapes so that no
#: editor normalises them: final sigma, dotted capital I, dotless i, long s, Kelvin sign, sharp s,
#: the "st" ligatures, iota subscript forms, micro sign, Greek with dialytika and tonos, titlecase dz,
#: a combining acute accent, an emoji, CJK, and full-width Latin.
SPECIAL = (
    "\u03a3\u03c3\u03c2 \u0130\u0131iI \u017fsS \u212akK \u00df\u1e9e \ufb05\ufb06 \u0345\u03b9\u1fbe "
    "\u00b5\u03bc\u039c \u0390\u1fd3 \u01c4\u01c5\u01c6 e\u0301\u00e9 \U0001f600 \u5b66\u7fd2 \uff21\uff41"
)
#: What the query syntax or GLOB give a meaning to, the control characters the text table writes in
#: its own way (NUL, which GLOB stops at, and the separator of a card's joined fields), and the
#: replacement character, which SQLite also reads for U+FFFE and U+FFFF.
PUNCTUATION = "*_%?[]^\\\"'()-:.,;!/&|~`$#@+=<>{}\x00\x1f\ufffd"
WORD_TEXT = (
    "gradient descent Convolution POOLING résumé naïve Straße ΟΔΟΣ οδός İstanbul ıi "
    "Schrödinger Ǆemal ﬅop façade σ-algebra 50% under_score star* [bracket] back\\slash"
)
WORDS = WORD_TEXT.split()


#: The characters ``searchable`` writes alike in pairs (GLOB stops at NUL, SQLite reads U+FFFE and U+FFFF
#: as U+FFFD, and the separator of a card's joined fields must be in no text): no card text holds them.
NONCHARACTERS = ("\0", "\ufffe", "\U0010fffe", TEXT_SEPARATOR, "\uffff", "\U0010ffff")


def reference(collection: Collection, query: str) -> list[str]:
    """The matches of ``query`` with the text terms resolved in Python over the loaded cards."""
    parsed = parse(query)
    cards = collection.library.cards
    root = resolve(parsed.root, cards) if parsed.root is not None else None
    matched = set(collection.store.search_cards(root, SearchContext(NOW, NOW)))
    return [card.id for card in cards if card.id in matched]


def quoted(text: str) -> str:
    """``text`` as one phrase of the query language: quoted, with ``\\``, ``"``, ``:``, ``*`` and ``_``
    literal (a colon names a field even inside quotes)."""
    return '"' + re.sub(r'([\\":*_])', r"\\\1", text) + '"'


def random_case(text: str, rng: random.Random) -> str:
    """``text`` with some letters upper-cased, some lower-cased (as ``str`` does, length may change)."""
    return "".join(rng.choice((c, c.upper(), c.lower(), c.swapcase())) for c in text)


def queries_from(cards: list[Card], rng: random.Random, count: int) -> Iterator[str]:
    """Phrases cut from the cards' text, in random case, some with ``*`` and ``_`` wildcards, alone and
    combined with ``-``, ``or`` and state terms."""
    texts = [text for card in cards for text in (card.question, card.answer, card.details, card.id) if text]
    for _ in range(count):
        text = rng.choice(texts)
        start = rng.randrange(len(text))
        piece = random_case(text[start : start + rng.randint(1, 6)], rng)
        kind = rng.randrange(6)
        if kind == 0 and len(piece) > 1:  # one character: any
            at = rng.randrange(len(piece))
            yield quoted(piece[:at]) + "_" + quoted(piece[at + 1 :])
        elif kind == 1:  # a run of characters between two pieces
            other = rng.choice(texts)
            yield quoted(piece) + "*" + quoted(other[: rng.randint(1, 3)])
        elif kind == 2:
            yield f"-{quoted(piece)}"
        elif kind == 3:
            yield f"{quoted(piece)} or is:new -{quoted(random_case(rng.choice(texts)[:2], rng))}"
        else:
            yield quoted(piece)


def generated_library(rng: random.Random) -> Library:
    """A deck of cards made of ``WORDS``, ``SPECIAL`` letters and ``PUNCTUATION``, some with simulations."""
    alphabet = SPECIAL.replace(" ", "") + PUNCTUATION

    def text(length: int) -> str:
        parts = [
            rng.choice(WORDS) if rng.random() < 0.6 else "".join(rng.choices(alphabet, k=3))
            for _ in range(length)
        ]
        return " ".join(parts)

    cards = tuple(
        Card(
            id=f"u-{i:03d}",
            deck="unicode",
            question=text(rng.randint(2, 7)),
            answer=text(rng.randint(1, 4)),
            details=text(rng.randint(0, 5)) + ("\nsecond line\twith a tab" if i % 7 == 0 else ""),
            tags=("unicode",),
            sim=rng.choice([None, "pooling", "Gradient-Descent", "\u0130talic\u03c3"]),
            position=i,
        )
        for i in range(300)
    )
    return Library([Deck("unicode", "Unicode and punctuation", cards)])


@pytest.fixture
def unicode_collection(tmp_path: Path) -> Iterator[Collection]:
    with open_collection(tmp_path / "unicode.sqlite3", library=generated_library(random.Random(7))) as opened:
        yield opened


@pytest.fixture
def bundled(tmp_path: Path) -> Iterator[Collection]:
    with open_collection(tmp_path / "bundled.sqlite3", user_dir=tmp_path / "no-decks") as opened:
        yield opened


def test_sql_search_matches_the_reference_on_the_bundled_decks(bundled: Collection) -> None:
    assert bundled.in_sync()  # so the search below runs in SQL
    fixed = [
        "pooling", "POOL*", "p_ol", '"max pooling"', "gradient -descent", "relu or sigmoid", "sim:pool*",
        "sim:POOLING", "-sim:*", "d*g", "conv* tag:cnn", "(adam or momentum) -is:suspended", "_", '""',
        "log-sum-exp", "x", "\\*", "\\_",
    ]  # fmt: skip
    random_ones = list(queries_from(bundled.library.cards, random.Random(1), 300))
    for query in fixed + random_ones:
        assert bundled.search(query, NOW) == reference(bundled, query), query


def test_sql_search_matches_the_reference_on_unicode_and_punctuation(unicode_collection: Collection) -> None:
    assert unicode_collection.in_sync()
    cards = unicode_collection.library.cards
    fixed = [quoted(word) for word in WORDS] + [quoted(random_case(word, random.Random(3))) for word in WORDS]
    fixed += [quoted(c) for c in SPECIAL + PUNCTUATION if c != " "]
    fixed += [
        "sim:*\u03a3",
        "sim:\u0131TALIC*",
        "sim:gradient_descent",
        '"\u03bf\u03b4\u03bf\u03c3"',
        "STRASSE",
    ]
    matched_any = 0
    for query in fixed + list(queries_from(cards, random.Random(2), 600)):
        found = unicode_collection.search(query, NOW)
        assert found == reference(unicode_collection, query), query
        matched_any += bool(found)
    assert matched_any > 300  # the queries find cards, not only nothing


def test_final_sigma_dotless_i_and_long_s_match_their_letters(unicode_collection: Collection) -> None:
    # What Python's case-insensitive regular expressions say, checked above, in a few words.
    ids = {card.id for card in unicode_collection.library.cards if "ΟΔΟΣ" in card.question}
    assert ids and ids <= set(unicode_collection.search('"\u03bf\u03b4\u03bf\u03c3"', NOW))  # οδοσ
    assert ids <= set(unicode_collection.search('"\u03bf\u03b4\u03bf\u03c2"', NOW))  # οδος
    assert re.search("ſ", "S", re.IGNORECASE) and searchable("ſ") == searchable("S")
    assert searchable("\u0130") == searchable("i") and len(searchable("\u0130stanbul")) == 8


def test_searchable_writes_each_character_as_one_that_re_ignorecase_takes_for_it() -> None:
    # For every character: one character comes out, and the regular expression of each matches the other.
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        folded = searchable(char)
        assert len(folded) == 1, hex(code)
        if char not in NONCHARACTERS:  # see searchable's docstring
            assert re.fullmatch(re.escape(char), folded, re.IGNORECASE), hex(code)
            assert re.fullmatch(re.escape(folded), char, re.IGNORECASE), hex(code)


def test_searchable_writes_a_text_character_for_character() -> None:
    # ASCII text takes a shorter way: the same characters come out as one at a time.
    texts = ["Max Pooling", "a\0b", f"x{TEXT_SEPARATOR}y", "ASCII only 123 !?", "Straße İstanbul ſ", ""]
    for text in texts:
        assert searchable(text) == "".join(searchable(char) for char in text), repr(text)


def test_characters_that_re_ignorecase_tells_apart_stay_apart() -> None:
    # Among every character whose case can change, and the characters those become, two are written
    # the same exactly when each one's regular expression matches the other.
    cased = {chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF}
    cased = {c for c in cased if c.lower() != c or c.upper() != c or c.casefold() != c}
    cased |= {x for c in cased for x in c.lower() + c.upper() + c.casefold()}
    text = "".join(sorted(cased))
    by_fold = collections.defaultdict(set)
    for char in text:
        by_fold[searchable(char)].add(char)
    for char in text:
        matching = set(re.compile(re.escape(char), re.IGNORECASE).findall(text))
        assert matching == by_fold[searchable(char)], hex(ord(char))


def test_case_groups_are_the_letters_python_takes_for_one_another() -> None:
    # Python's rule (Tools/build/generate_re_casefix.py): lowercase letters sharing an uppercase.
    same_upper = collections.defaultdict(set)
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if len(char.lower()) == 1:
            same_upper[char.upper()].add(char.lower())
    groups = {"".join(sorted(group)) for group in same_upper.values() if len(group) > 1}
    assert groups == {"".join(sorted(group)) for group in CASE_GROUPS}
