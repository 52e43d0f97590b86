"""Reading a learner's words: normalising, sentences and clauses, typo-tolerant word matching and
negation, for the patterns of ``studyapp.quiz.patterns``. Stdlib only.

Words are compared after normalising (lower case, no accents or punctuation; "a", "an" and "the" are
dropped; "doesn't" reads "does not"), with plurals and similar endings, typos in words the reader does not
know (one edit in 5 to 8 letters, two in 9 to 13, a swap of neighbours in 4; always the same first letter,
so "descent" never passes for "ascent"), and word breaks ("non-linear", "non linear", "nonlinear").

A match is negated when a negating word ("not", "no", "never" ...) comes before one of its words in the
same clause and is not itself part of the pattern: "forward, not backward" negates "backward", and "does
not prevent vanishing" negates "prevent ... vanishing". "Without", "unlike", "instead of" and "rather
than" reach only their object, which is then neither said nor denied ("without a non-linearity the depth
is useless" does not deny non-linearity).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

#: Words that negate the rest of their clause.
NEGATORS = frozenset(
    {"not", "no", "never", "without", "neither", "nor", "none", "nothing", "unlike", "lack", "lacks"}
)
#: Negating words that reach only their object, the next few words ("without them", "unlike sigmoid").
SHORT_NEGATORS = frozenset({"without", "unlike", "lack", "lacks"})
#: How many words a short negation reaches.
OBJECT_WORDS = 3
#: Two-word negators ("instead of X", "rather than X"); they reach their object only.
NEGATOR_PAIRS = frozenset({("instead", "of"), ("rather", "than")})
#: A negator followed by one of these does not negate ("not only", "not just").
NOT_NEGATING_NEXT = frozenset({"only", "just", "merely", "matter", "necessarily", "exactly"})
#: Words that start a new clause (the scope of a negation ends there).
CLAUSE_WORDS = frozenset(
    {"but", "and", "or", "whereas", "while", "although", "though", "however", "so", "because", "since"}
    | {"which", "yet", "then", "hence", "thus", "therefore"}
)
#: Prefixes written apart or with a hyphen that are joined to the next word ("non-linear", "mini batch").
PREFIXES = frozenset({"non", "mini", "multi"})
#: Words dropped before matching.
DROPPED = frozenset({"a", "an", "the"})
#: Endings that make a word another form of the same word ("layer" -> "layers", "computed").
ENDINGS = ("s", "es", "d", "ed", "ing", "ly", "er", "ers")
#: The default and the largest gap of ``...``.
DEFAULT_GAP = 3
MAX_GAP = 12

_CONTRACTIONS = (
    (re.compile(r"\bcan[’']t\b"), "can not"),
    (re.compile(r"\bwon[’']t\b"), "will not"),
    (re.compile(r"n[’']t\b"), " not"),
    (re.compile(r"\bcannot\b"), "can not"),
    (re.compile(r"\bw\.r\.t\.?", re.IGNORECASE), "wrt"),
    (re.compile(r"\b(e\.g|i\.e|etc|vs|resp|approx|cf)\.", re.IGNORECASE), r"\1"),
)
_SENTENCE_RE = re.compile(r"[.!?;](?:\s|$)|[\n!?;]")
_CLAUSE_RE = re.compile(r"[,:()\[\]{}—–]|\s-\s|→|=>")
_WORD_RE = re.compile(r"\w+")


def plain(text: str) -> str:
    """Lower case without accents: ``"Non-Linéarité!"`` -> ``"non-linearite!"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def normalise(text: str) -> str:
    """Lower case without accents or punctuation, single spaces: ``"Non-Linéarité!"`` -> ``non linearite``."""
    return " ".join(re.sub(r"[\W_]+", " ", plain(text)).split())


# -- words -----------------------------------------------------------------------------------------


def allowed_edits(length: int) -> int:
    """How many edits a word of ``length`` letters may be off by: 0 up to 4 letters (4 allows one swap of
    neighbours), 1 up to 8, 2 up to 13, then 3."""
    if length <= 4:
        return 0
    if length <= 8:
        return 1
    return 2 if length <= 13 else 3


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps."""
    if a == b:
        return 0
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _swapped_once(a: str, b: str) -> bool:
    """Whether ``a`` is ``b`` with two neighbouring letters swapped."""
    if len(a) != len(b):
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def typo_of(token: str, word: str) -> bool:
    """Whether ``token`` is ``word`` with a typo: the same first letter and few enough edits."""
    if token == word:
        return True
    if token[:1] != word[:1] or len(word) < 4:
        return False
    if len(word) == 4:
        return _swapped_once(token, word)
    edits = allowed_edits(len(word))
    return abs(len(token) - len(word)) <= edits and edit_distance(token, word) <= edits


def inflected(token: str, word: str) -> bool:
    """Whether ``token`` is ``word`` or ``word`` with a common ending ("layers", "computed")."""
    if token == word:
        return True
    if token.startswith(word):
        return token[len(word) :] in ENDINGS
    if word.endswith("e") and token.startswith(word[:-1]):
        return token[len(word) - 1 :] in ("ed", "ing", "er", "ers")
    return word.endswith("y") and token == word[:-1] + "ies"


@lru_cache(maxsize=65536)
def word_matches(token: str, word: str, known: bool) -> bool:
    """Whether ``token`` (a word of the answer) is pattern word ``word`` (``"increas*"`` is a stem).

    A ``known`` token (a real word the reader knows) must be the word, one of its forms or, for a stem,
    start with it; an unknown one may also be a typo of it.
    """
    if word.endswith("*"):
        stem = word[:-1]
        if token.startswith(stem):
            return True
        if known or len(stem) < 5:
            return False
        edits = allowed_edits(len(stem))
        low, high = max(1, len(stem) - edits), min(len(token), len(stem) + edits)
        return any(typo_of(token[:size], stem) for size in range(low, high + 1))
    if inflected(token, word):
        return True
    if known:
        return False
    return typo_of(token, word) or any(
        typo_of(token, word + ending) for ending in ("s", "es") if len(token) > len(word)
    )


# -- reading a text --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """One sentence's words, the clause of each, and the negating words that reach each word.

    ``negated_by[i]`` holds the positions of the negating words whose scope covers word ``i``; those in
    ``weak`` ("without", "instead of") only reach their object, and what they reach is neither said nor
    denied ("without a non-linearity the depth is useless" does not deny non-linearity).
    """

    words: tuple[str, ...]
    clauses: tuple[int, ...]
    negated_by: tuple[tuple[int, ...], ...]
    weak: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Reading:
    """A text read for matching: its sentences, and the words the reader knows (no typo correction)."""

    sentences: tuple[Sentence, ...]
    known: frozenset[str] = frozenset()

    @property
    def words(self) -> list[str]:
        """Every word, in order."""
        return [word for sentence in self.sentences for word in sentence.words]


def _words(fragment: str) -> list[str]:
    """The words of a fragment: ``PREFIXES`` joined to the next word, ``DROPPED`` words left out."""
    raw = _WORD_RE.findall(fragment.replace("_", " "))
    joined: list[str] = []
    skip = False
    for i, word in enumerate(raw):
        if skip:
            skip = False
            continue
        if word in PREFIXES and i + 1 < len(raw):
            joined.append(word + raw[i + 1])
            skip = True
        elif word not in DROPPED:
            joined.append(word)
    return joined


def words_of(text: str) -> list[str]:
    """The normalised words of ``text`` as the reader sees them ("non-linear" is one word)."""
    return _words(normalise(text))


def _sentence(text: str) -> Sentence | None:
    words: list[str] = []
    clauses: list[int] = []
    clause = 0
    for fragment in _CLAUSE_RE.split(text):
        for word in _words(fragment):
            if word in CLAUSE_WORDS:
                clause += 1
                continue
            words.append(word)
            clauses.append(clause)
        clause += 1
    if not words:
        return None
    # Each negating word and the last position it reaches: the rest of its clause, or its object only.
    reach: dict[int, int] = {}
    weak: list[int] = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) and clauses[i + 1] == clauses[i] else ""
        if word in NEGATORS and following not in NOT_NEGATING_NEXT:
            short, start = word in SHORT_NEGATORS, i
        elif (word, following) in NEGATOR_PAIRS:
            short, start = True, i + 1
        else:
            continue
        end = i
        while end + 1 < len(words) and clauses[end + 1] == clauses[i]:
            end += 1
        reach[i] = min(end, start + OBJECT_WORDS) if short else end
        if short:
            weak.append(i)
    negated_by = tuple(tuple(j for j, last in reach.items() if j < i <= last) for i in range(len(words)))
    return Sentence(tuple(words), tuple(clauses), negated_by, frozenset(weak))


def read(text: str, known: Iterable[str] = ()) -> Reading:
    """``text`` split into sentences and clauses of normalised words, ready for ``Pattern.find``."""
    lowered = plain(text).replace("’", "'")
    for pattern, replacement in _CONTRACTIONS:
        lowered = pattern.sub(replacement, lowered)
    sentences = [_sentence(part) for part in _SENTENCE_RE.split(lowered)]
    return Reading(tuple(s for s in sentences if s is not None), frozenset(known))


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Every normalised word of ``texts`` (the words a reader knows and does not correct as typos)."""
    return frozenset(word for text in texts for word in normalise(text).split())
