"""The small pattern language that rubrics and short answers are written in, and matching it against a
text read by ``studyapp.quiz.text.read``. Stdlib only.

A pattern is one or more parts joined by ``" & "``; every part must match somewhere in the text, in any
order. A part is a sequence of slots separated by spaces, matched in order on adjacent words:

- ``a|b|c`` is one of its alternatives; ``many_inputs`` is the two adjacent words "many inputs";
- ``increas*`` is any word that starts with "increas";
- ``...`` lets up to 3 words come between two slots, ``...6`` up to 6.

A match is negated when a negating word outside it reaches one of its words (see ``studyapp.quiz.text``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from studyapp.quiz.text import DEFAULT_GAP, MAX_GAP, Reading, Sentence, normalise, word_matches, words_of

# -- patterns --------------------------------------------------------------------------------------


class Found(Enum):
    """How a pattern is in a text: not at all, only negated, or as it is."""

    ABSENT = 0
    NEGATED = 1
    PRESENT = 2


@dataclass(frozen=True)
class _Gap:
    most: int


Alternative = tuple[str, ...]
Slot = tuple[Alternative, ...]
Part = tuple["Slot | _Gap", ...]


def _parse_slot(text: str, source: str) -> Slot | _Gap:
    if text.startswith("..."):
        size = text[3:]
        if size and not size.isdecimal():
            raise ValueError(f"bad gap {text!r} in pattern {source!r}")
        return _Gap(min(int(size), MAX_GAP) if size else DEFAULT_GAP)
    alternatives = []
    for alternative in text.split("|"):
        words = tuple(w for w in alternative.split("_") if w)
        if not words or any(not re.fullmatch(r"[\w']+\*?", w) for w in words):
            raise ValueError(f"bad alternative {alternative!r} in pattern {source!r}")
        alternatives.append(
            tuple(normalise(w.rstrip("*")).replace(" ", "") + w[len(w.rstrip("*")) :] for w in words)
        )
    return tuple(alternatives)


@dataclass(frozen=True)
class Pattern:
    """A compiled pattern (see the module's documentation); ``Pattern.parse("steepest ... ascent")``."""

    source: str
    parts: tuple[Part, ...]

    @classmethod
    def parse(cls, source: str) -> Pattern:
        """Compile ``source``; ``ValueError`` for a malformed one."""
        parts = []
        for part in source.split(" & "):
            slots = [_parse_slot(token, source) for token in part.split()]
            if not slots or isinstance(slots[0], _Gap) or isinstance(slots[-1], _Gap):
                raise ValueError(f"pattern {source!r} has an empty part or starts or ends with a gap")
            parts.append(tuple(slots))
        return cls(source, tuple(parts))

    @classmethod
    def phrase(cls, text: str) -> Pattern:
        """The pattern of a plain phrase: its words, adjacent (``"steepest ascent"``)."""
        words = words_of(text)
        if not words:
            raise ValueError(f"phrase {text!r} has no words")
        return cls(text, (((tuple(words),),),))

    def find(self, reading: Reading) -> Found:
        """Whether the pattern is in ``reading``, and if so whether only negated.

        Each part is looked for in every sentence; the pattern is present when every part is present
        somewhere, and only negated when every part is found but some part only negated.
        """
        result = Found.PRESENT
        for part in self.parts:
            found = Found.ABSENT
            for sentence in reading.sentences:
                ways = {_negation(sentence, used) for used in _part_matches(part, sentence, reading.known)}
                if Found.PRESENT in ways:
                    found = Found.PRESENT
                    break
                if Found.NEGATED in ways:
                    found = Found.NEGATED
            if found is Found.ABSENT:
                return found
            if found is Found.NEGATED:
                result = found
        return result


def _negation(sentence: Sentence, used: Sequence[int]) -> Found:
    """How a match stands: ``PRESENT`` when no negating word outside it reaches its words, ``NEGATED``
    when a negating word of the rest of its clause does, ``ABSENT`` when only a weak one does."""
    taken = set(used)
    negators = {j for i in used for j in sentence.negated_by[i] if j not in taken}
    if not negators:
        return Found.PRESENT
    return Found.ABSENT if negators <= sentence.weak else Found.NEGATED


def _alternative_at(alternative: Alternative, sentence: Sentence, at: int, known: frozenset[str]) -> int:
    """How many words from position ``at`` the alternative matches (0: none)."""
    words = sentence.words
    size = len(alternative)

    def same(token: str, word: str) -> bool:
        return word_matches(token, word, token in known)

    if at + size <= len(words) and all(same(words[at + k], alternative[k]) for k in range(size)):
        return size
    if size > 1 and not any(w.endswith("*") for w in alternative) and same(words[at], "".join(alternative)):
        return 1
    if size == 1 and at + 1 < len(words) and sentence.clauses[at] == sentence.clauses[at + 1]:
        joined = words[at] + words[at + 1]
        if len(alternative[0].rstrip("*")) >= 6 and word_matches(joined, alternative[0], joined in known):
            return 2
    return 0


def _part_matches(part: Part, sentence: Sentence, known: frozenset[str]) -> Iterable[list[int]]:
    """Every way ``part`` matches in ``sentence``, as the positions of the words its slots took."""

    def extend(index: int, start: int, slack: int, used: list[int]) -> Iterable[list[int]]:
        if index == len(part):
            yield used
            return
        slot = part[index]
        if isinstance(slot, _Gap):
            yield from extend(index + 1, start, slack + slot.most, used)
            return
        for at in range(start, min(start + slack, len(sentence.words) - 1) + 1):
            for alternative in slot:
                taken = _alternative_at(alternative, sentence, at, known)
                if taken:
                    yield from extend(index + 1, at + taken, 0, [*used, *range(at, at + taken)])

    for first in range(len(sentence.words)):
        yield from extend(0, first, 0, [])


def compile_all(sources: Iterable[str]) -> tuple[Pattern, ...]:
    """Compile each pattern of ``sources``."""
    return tuple(Pattern.parse(source) for source in sources)


def best(patterns: Iterable[Pattern], reading: Reading) -> Found:
    """The strongest way any of ``patterns`` is in ``reading``."""
    found = Found.ABSENT
    for pattern in patterns:
        result = pattern.find(reading)
        if result is Found.PRESENT:
            return result
        found = max(found, result, key=lambda f: f.value)
    return found
