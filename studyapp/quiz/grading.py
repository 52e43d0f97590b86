"""Grading quiz answers: lenient text matching, numbers within a tolerance, choices, orders, and the
diagnosis of known mistakes, each kind of question by its grader in ``GRADERS``. Stdlib only.

Whatever a person types, reading it either succeeds or raises ``AnswerError`` with a message for them:
superscripts and other digit-like characters that are not decimal digits (``²``, ``½``, ``①``) are not
numbers, and numbers too long to read are refused before ``int`` or ``float`` could fail on them.

Typed answers are compared after normalising case, accents and punctuation; each key term of the card
must appear (through any of its ``|``-separated synonyms) anywhere in the answer, and small typos are
forgiven: the number of edits allowed grows with the length of the term.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from studyapp.quiz.questions import OPTION_KEYS, Question, QuestionKind

#: The edits (insertions, deletions, substitutions, swaps of neighbours) a word of this many letters may
#: differ by: (longest length, edits allowed), shortest first; longer words allow ``MAX_EDITS``. A word
#: with a typo must still start with the right letter, so "decreasing" never passes for "increasing".
TYPO_STEPS = ((3, 0), (8, 1), (13, 2))
MAX_EDITS = 3
#: A typed answer to a card without key terms counts when it is this similar to the card's answer.
SIMILAR_ENOUGH = 0.8
TRUE_WORDS = frozenset({"t", "true", "y", "yes", "1", "right", "correct"})
FALSE_WORDS = frozenset({"f", "false", "n", "no", "2", "wrong", "incorrect"})
INFINITY_WORDS = {"inf": math.inf, "infinity": math.inf, "∞": math.inf}
#: A wrong answer matches a known mistake when it is this close to it, or closer if the question is stricter.
DIAGNOSIS_TOLERANCE = (5e-3, 5e-4)
#: A typed number longer than this (in characters) is refused unread.
MAX_NUMBER_LENGTH = 100
#: An answer quoted in a message is cut to this many characters.
QUOTED_LENGTH = 24
NUMBER_EXAMPLES = "type e.g. 0.25, -3, 1/4, 2e-3 or 0.5^10"

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?"
_NUMBER_RE = re.compile(rf"^{_NUMBER}$")
_BINARY_RE = re.compile(rf"^({_NUMBER})\s*(/|\^|\*\*)\s*({_NUMBER})$")


class AnswerError(ValueError):
    """An answer that cannot be read (say so and ask again; it is not graded)."""


def quoted(text: str) -> str:
    """``text`` (stripped) in quotes for a message, cut short when long: ``'1111…' (5000 characters)``."""
    cleaned = text.strip()
    if len(cleaned) <= QUOTED_LENGTH:
        return repr(cleaned)
    return f"{cleaned[: QUOTED_LENGTH - 1] + '…'!r} ({len(cleaned)} characters)"


def has_odd_digits(text: str) -> bool:
    """Whether ``text`` holds numeric characters that are not decimal digits: ``²``, ``½``, ``①``, ``Ⅻ``.

    ``str.isdigit`` accepts superscripts, but ``int`` and ``float`` refuse them; decimal digits of any
    script (``٣``, full-width ``３``) are what they read.
    """
    return any(char.isnumeric() and not char.isdecimal() for char in text)


def small_number(word: str, largest: int) -> int | None:
    """The whole number ``word`` is, if it is decimal digits only and at most ``largest``; else ``None``.

    Long numbers are refused by their length, before ``int`` (limited to 4300 digits) reads them.
    """
    if not word.isdecimal():
        return None
    digits = word.lstrip("0") or "0"
    if len(digits) > len(str(largest)):
        return None
    value = int(digits)
    return value if value <= largest else None


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer: whether it is right, the answer as understood, and why.

    ``mistake`` names the known mistake a wrong numeric answer matches, if any.
    """

    correct: bool
    given: str
    feedback: str = ""
    mistake: str | None = None
    overridden: bool = False


# -- text ------------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case without accents or punctuation, single spaces: ``"Non-Linéarité!"`` -> ``non linearite``."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def allowed_edits(length: int) -> int:
    """How many edits a term of ``length`` letters may be off by (0 for short words)."""
    for longest, edits in TYPO_STEPS:
        if length <= longest:
            return edits
    return MAX_EDITS


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


def _close(word: str, target: str, edits: int) -> bool:
    """Equal, or off by at most ``edits`` with the same first letter."""
    if word == target:
        return True
    return (
        edits > 0
        and word[:1] == target[:1]
        and abs(len(word) - len(target)) <= edits
        and edit_distance(word, target) <= edits
    )


def _phrase_in(phrase: str, words: Sequence[str]) -> bool:
    """Whether the normalised ``phrase`` appears in ``words``, up to typos and word breaks.

    Word by word, each word may be off by the edits its length allows. Runs of one word fewer to one word
    more are also compared with their spaces removed ("non-linear", "non linear" and "nonlinear" match
    each other), allowing the edits of the phrase's longest word only, so "steepest descent" never
    passes for "steepest ascent".
    """
    parts = phrase.split()
    if not parts:
        return False
    size = len(parts)
    for start in range(len(words) - size + 1):
        if all(
            _close(w, t, allowed_edits(len(t)))
            for w, t in zip(words[start : start + size], parts, strict=True)
        ):
            return True
    target = "".join(parts)
    edits = allowed_edits(max(len(part) for part in parts))
    for width in range(max(size - 1, 1), size + 2):
        for start in range(len(words) - width + 1):
            if _close("".join(words[start : start + width]), target, edits):
                return True
    return False


def term_present(term: str, answer: str) -> bool:
    """Whether key ``term`` (synonyms separated by ``|``) appears in ``answer``, leniently."""
    words = normalise(answer).split()
    return any(_phrase_in(normalise(synonym), words) for synonym in term.split("|"))


def missing_terms(answer: str, key_terms: Sequence[str]) -> list[str]:
    """The key terms ``answer`` lacks, each shown by its first synonym."""
    return [term.split("|")[0].strip() for term in key_terms if not term_present(term, answer)]


def similarity(a: str, b: str) -> float:
    """How alike two texts are after normalising, from 0 to 1 (difflib's ratio)."""
    import difflib

    return difflib.SequenceMatcher(None, normalise(a), normalise(b)).ratio()


def grade_typed(answer: str, key_terms: Sequence[str], reference: str) -> Grade:
    """Right when every key term is present; without key terms, when close enough to ``reference``."""
    given = answer.strip()
    if not normalise(given):
        return Grade(False, given, "no answer given")
    if not key_terms:
        score = similarity(given, reference)
        if score >= SIMILAR_ENOUGH:
            return Grade(True, given)
        return Grade(False, given, f"only {score:.0%} like the expected answer")
    missing = missing_terms(given, key_terms)
    if not missing:
        return Grade(True, given)
    return Grade(False, given, "missing: " + ", ".join(missing))


# -- numbers ---------------------------------------------------------------------------------------


def parse_number(text: str) -> float:
    """A number typed by a person: ``-1.5``, ``2e-3``, ``1/4``, ``0.25^10``, ``12.5%``, ``inf``, ``0,5``.

    Raises ``AnswerError`` for anything else (nothing is evaluated as code), for a number longer than
    ``MAX_NUMBER_LENGTH`` characters, and for one too large for a float.
    """
    cleaned = text.strip().lower().replace("−", "-").replace("×", "*").replace(" ", "")
    if len(cleaned) > MAX_NUMBER_LENGTH:
        raise AnswerError(f"{quoted(text)} is too long to be a number; {NUMBER_EXAMPLES}")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    sign = -1.0 if cleaned.startswith("-") and cleaned.lstrip("-") in INFINITY_WORDS else 1.0
    if cleaned.lstrip("+-") in INFINITY_WORDS:
        return sign * INFINITY_WORDS[cleaned.lstrip("+-")]
    percent = cleaned.endswith("%")
    body = cleaned.removesuffix("%")
    value: float | None = None
    if _NUMBER_RE.match(body):
        value = _finite(body, text)
    elif match := _BINARY_RE.match(body):
        left, operator, right = _finite(match[1], text), match[2], _finite(match[3], text)
        value = _combine(left, operator, right, text)
    if value is None or math.isnan(value):
        raise AnswerError(f"{quoted(text)} is not a number; {NUMBER_EXAMPLES}")
    return value / 100.0 if percent else value


def _finite(literal: str, text: str) -> float:
    """A number literal matched by ``_NUMBER`` as a float; ``AnswerError`` if it is too large (``1e400``)."""
    value = float(literal)
    if math.isinf(value):
        raise AnswerError(f"{quoted(text)} is out of range; type inf for infinity")
    return value


def _combine(left: float, operator: str, right: float, text: str) -> float:
    if operator == "/":
        if right == 0:
            raise AnswerError(f"{quoted(text)} divides by zero")
        return left / right
    try:
        return float(left**right)
    except (OverflowError, ZeroDivisionError):
        raise AnswerError(f"{quoted(text)} is out of range") from None
    except TypeError:  # a negative base with a fractional power is complex
        raise AnswerError(f"{quoted(text)} is not a real number") from None


def close_enough(given: float, expected: float, rel_tol: float, abs_tol: float) -> bool:
    """Whether ``given`` is within the relative or absolute tolerance of ``expected`` (inf equals inf)."""
    if math.isinf(given) or math.isinf(expected):
        return given == expected
    return math.isclose(given, expected, rel_tol=rel_tol, abs_tol=abs_tol)


def diagnose(
    given: float, mistakes: Sequence[tuple[str, float]], rel_tol: float, abs_tol: float
) -> str | None:
    """The names of the known mistakes whose result ``given`` equals (within tolerance), or ``None``."""
    names = [name for name, value in mistakes if close_enough(given, value, rel_tol, abs_tol)]
    return " or ".join(dict.fromkeys(names)) if names else None


def grade_numeric(
    text: str,
    expected: float,
    rel_tol: float,
    abs_tol: float,
    mistakes: Sequence[tuple[str, float]] = (),
) -> Grade:
    """Grade a typed number; a wrong one that matches a known mistake names it."""
    given = parse_number(text)
    shown = text.strip()
    if close_enough(given, expected, rel_tol, abs_tol):
        return Grade(True, shown)
    mistake = diagnose(
        given, mistakes, max(rel_tol, DIAGNOSIS_TOLERANCE[0]), max(abs_tol, DIAGNOSIS_TOLERANCE[1])
    )
    feedback = f"it looks like you {mistake}" if mistake else ""
    return Grade(False, shown, feedback, mistake)


# -- choices and orders ----------------------------------------------------------------------------


def parse_choice(text: str, count: int) -> int:
    """The 0-based option that ``text`` picks: ``1``..``count`` or ``a``.. (``"b)"`` works too)."""
    word = text.strip().lower().rstrip(").:")
    letters = "abcdefghijklmnopqrstuvwxyz"[:count]
    how = f"type a number from 1 to {count} or a letter from a to {letters[-1]}"
    if has_odd_digits(word):
        raise AnswerError(f"{quoted(text)} is not a number; {how}")
    if word.isdecimal():
        number = small_number(word, count)
        if number is None or number < 1:
            raise AnswerError(f"there is no option {quoted(text)}; {how}")
        return number - 1
    if len(word) == 1 and word in letters:
        return letters.index(word)
    raise AnswerError(how)


def parse_truth(text: str) -> bool:
    """True or false from ``t``/``true``/``yes``/``1`` or ``f``/``false``/``no``/``2``."""
    if has_odd_digits(text):  # normalising would read "²" as "2"
        raise AnswerError(f"{quoted(text)} is not a number; type t (true) or f (false)")
    word = normalise(text)
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise AnswerError("type t (true) or f (false)")


def parse_order(text: str, count: int) -> tuple[int, ...]:
    """An order of ``count`` items typed as ``"3142"``, ``"3 1 4 2"`` or ``"3,1,4,2"`` (1-based)."""
    cleaned = text.strip()
    example = "".join(map(str, range(count, 0, -1)))
    if has_odd_digits(cleaned):
        raise AnswerError(
            f"{quoted(text)} is not a number; type the {count} numbers in order, e.g. {example}"
        )
    parts = re.findall(r"\d+", cleaned)
    if len(parts) == 1 and count <= 9 and len(parts[0]) == count:
        parts = list(parts[0])
    if re.search(r"[^\d\s,;>\-.]", cleaned) or not parts:
        raise AnswerError(f"type the {count} numbers in order, e.g. {example}")
    numbers = [small_number(part, count) for part in parts]
    if None in numbers:
        raise AnswerError(f"{quoted(text)} has a number above {count}; use each of 1 to {count} exactly once")
    order = tuple(number for number in numbers if number is not None)
    if sorted(order) != list(range(1, count + 1)):
        raise AnswerError(f"use each number from 1 to {count} exactly once")
    return order


def placed_right(given: Sequence[int], solution: Sequence[int]) -> int:
    """How many positions of ``given`` hold the right item."""
    return sum(a == b for a, b in zip(given, solution, strict=True))


# -- one question ----------------------------------------------------------------------------------


def grade_choice(question: Question, text: str) -> Grade:
    """A multiple-choice answer: the option's key (``b``) or number (``2``)."""
    index = parse_choice(text, len(question.options))
    given = f"{OPTION_KEYS[index]}) {question.options[index]}"
    return Grade(index == question.solution[0], given)


def grade_truth(question: Question, text: str) -> Grade:
    """A true-or-false answer."""
    index = 0 if parse_truth(text) else 1
    return Grade(index == question.solution[0], question.options[index])


def grade_typed_question(question: Question, text: str) -> Grade:
    """A typed answer, on the question's key terms."""
    return grade_typed(text, question.key_terms, question.reference)


def grade_order(question: Question, text: str) -> Grade:
    """An ordering: right when every item is in its place; the feedback counts those that are."""
    order = parse_order(text, len(question.options))
    right = placed_right(order, question.solution)
    feedback = "" if right == len(order) else f"{right} of {len(order)} in the right place"
    return Grade(right == len(order), "".join(map(str, order)), feedback)


def grade_numeric_question(question: Question, text: str) -> Grade:
    """A numeric answer, within the question's tolerance; a known mistake is named."""
    if question.value is None:
        raise ValueError(f"numeric question {question.form!r} has no value")
    return grade_numeric(text, question.value, question.rel_tol, question.abs_tol, question.mistakes)


Grader = Callable[[Question, str], Grade]
#: The grader of each kind of question.
GRADERS: dict[QuestionKind, Grader] = {
    QuestionKind.CHOICE: grade_choice,
    QuestionKind.TYPED: grade_typed_question,
    QuestionKind.NUMERIC: grade_numeric_question,
    QuestionKind.ORDERING: grade_order,
    QuestionKind.TRUE_FALSE: grade_truth,
}


def grade(question: Question, text: str) -> Grade:
    """Grade ``text`` as the answer to ``question``; ``AnswerError`` if it cannot be read."""
    return GRADERS[question.kind](question, text)
