"""Grading quiz answers, each kind of question by its grader in ``GRADERS``. Stdlib only.

- Choices, true or false and orders are read from keys and numbers.
- Numbers must be as close as the question asks (``studyapp.quiz.numbers``); a wrong one that matches a
  known mistake names it.
- Short answers (a term, a name) are graded automatically: synonyms and typos are accepted, a negation
  ("not steepest ascent") or the opposite term ("steepest descent") is not.
- Answers in the learner's own words are judged against the card's rubric (``studyapp.quiz.judge``): a
  confident verdict is given with its reason, and when the judge is unsure the learner ticks the key
  ideas their answer covered (``Checklist``), the recognised ones pre-ticked; the ticks give the grade.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from studyapp.quiz.judge import NO_ANSWERS, Judgement, Verdict, judge_answer
from studyapp.quiz.numbers import (
    AnswerError,
    Tolerance,
    diagnose,
    has_odd_digits,
    parse_number,
    quoted,
    small_number,
)
from studyapp.quiz.patterns import Found, best
from studyapp.quiz.questions import OPTION_KEYS, Question, QuestionKind
from studyapp.quiz.rubric import NameQuestion
from studyapp.quiz.text import normalise, read

__all__ = ["AnswerError", "Checklist", "Grade", "grade", "parse_number"]

TRUE_WORDS = frozenset({"t", "true", "a", "1", "y", "yes", "right", "correct"})
FALSE_WORDS = frozenset({"f", "false", "b", "2", "n", "no", "wrong", "incorrect"})
TRUTH_HELP = "type t (true) or f (false); 1 and 2 or a and b work too"


@dataclass(frozen=True)
class Checklist:
    """A rubric's key ideas for the learner to tick: which a right answer needs, and which are ticked."""

    ideas: tuple[str, ...]
    required: tuple[bool, ...]
    ticked: frozenset[int] = frozenset()

    @classmethod
    def of(cls, judgement: Judgement) -> Checklist:
        """The judgement's ideas, the recognised ones ticked."""
        return cls(judgement.ideas, judgement.required, frozenset(judgement.ticked))

    def tick(self, covered: Iterable[int]) -> Checklist:
        """The same ideas with exactly ``covered`` (0-based positions) ticked."""
        chosen = frozenset(covered)
        if not chosen <= set(range(len(self.ideas))):
            raise ValueError(
                f"covered must be positions from 0 to {len(self.ideas) - 1}, got {sorted(chosen)}"
            )
        return replace(self, ticked=chosen)

    @property
    def complete(self) -> bool:
        """Whether every required idea is ticked."""
        return all(i in self.ticked for i, needed in enumerate(self.required) if needed)

    def lines(self) -> list[str]:
        """One line per idea: ``[x] 1. the idea`` (optional ones say so)."""
        return [
            f"[{'x' if i in self.ticked else ' '}] {i + 1}. {idea}{'' if needed else ' (optional)'}"
            for i, (idea, needed) in enumerate(zip(self.ideas, self.required, strict=True))
        ]

    def summary(self) -> str:
        """What the ticks say: all the key ideas covered, or which are missing."""
        needed = [i for i, required in enumerate(self.required) if required]
        covered = [i for i in needed if i in self.ticked]
        if len(covered) == len(needed):
            every = "the key idea" if len(needed) == 1 else f"all {len(needed)} key ideas"
            return f"your answer covers {every}"
        missing = "; ".join(self.ideas[i] for i in needed if i not in self.ticked)
        return f"your answer covers {len(covered)} of {len(needed)} key ideas; missing: {missing}"


def parse_covered(text: str, count: int) -> list[int] | None:
    """The ideas a learner says their answer covered, 0-based, from ``"1 3"``, ``"1,3"`` or ``"13"``;
    ``None`` for an empty line (keep the ticks); ``[]`` for ``0``, ``none`` or ``-``."""
    cleaned = text.strip().lower()
    if not cleaned:
        return None
    if cleaned in ("0", "none", "-", "no"):
        return []
    example = " ".join(str(n) for n in range(1, min(count, 3) + 1))
    how = (
        f"type the numbers of the ideas your answer covered (e.g. {example}), 0 for none, "
        "or Enter to keep the ticks"
    )
    if has_odd_digits(cleaned) or re.search(r"[^\d\s,;]", cleaned):
        raise AnswerError(how)
    parts = re.findall(r"\d+", cleaned)
    if len(parts) == 1 and count <= 9 and len(parts[0]) > 1:
        parts = list(parts[0])
    numbers = [small_number(part, count) for part in parts]
    if any(number is None or number < 1 for number in numbers):
        raise AnswerError(f"there are ideas 1 to {count}; {how}")
    return sorted({number - 1 for number in numbers if number is not None})


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer: whether it is right, the answer as understood, and why.

    ``mistake`` names the known mistake a wrong numeric answer matches, if any. An answer in the
    learner's own words has the judge's ``verdict`` and a ``checklist`` of the rubric's key ideas; while
    ``awaiting`` (the judge was unsure) the learner still has to tick them, and ``self_graded`` once they
    did.
    """

    correct: bool
    given: str
    feedback: str = ""
    mistake: str | None = None
    overridden: bool = False
    verdict: str = ""
    checklist: Checklist | None = None
    self_graded: bool = False

    @property
    def awaiting(self) -> bool:
        """Whether the learner still has to tick the ideas their answer covered."""
        return self.verdict == Verdict.UNSURE and not self.self_graded

    def ticked(self, covered: Iterable[int]) -> Grade:
        """The grade the learner's ticks give: right when every required idea is ticked."""
        if self.checklist is None:
            raise ValueError("only an answer judged against a rubric has ideas to tick")
        checklist = self.checklist.tick(covered)
        return replace(
            self,
            correct=checklist.complete,
            feedback=checklist.summary(),
            checklist=checklist,
            self_graded=True,
            overridden=False,
        )


# -- text ------------------------------------------------------------------------------------------


def grade_typed(question: Question, text: str) -> Grade:
    """An answer in the learner's own words, judged against the question's rubric."""
    if question.rubric is None:
        raise ValueError(f"typed question {question.form!r} has no rubric")
    judgement = judge_answer(question.rubric, text)
    checklist = Checklist.of(judgement)
    given = text.strip()
    if judgement.verdict is Verdict.UNSURE:
        return Grade(
            False,
            given,
            "check your answer against the key ideas",
            verdict=judgement.verdict,
            checklist=checklist,
        )
    return Grade(
        judgement.verdict is Verdict.RIGHT,
        given,
        judgement.reason,
        verdict=judgement.verdict,
        checklist=checklist,
    )


def grade_term(short: NameQuestion, text: str) -> Grade:
    """A short answer: right when it names an accepted term (synonyms and typos are fine), not negated,
    and names none of the rejected ones (the opposite term, a confusable name)."""
    given = text.strip()
    if normalise(given) in NO_ANSWERS:
        return Grade(False, given, "no answer given")
    reading = read(given, short.known)
    for rejected in short.reject:
        if best(rejected.patterns, reading) is Found.PRESENT:
            return Grade(False, given, rejected.reason)
    found = best(short.accept, reading)
    if found is Found.NEGATED:
        return Grade(False, given, "a negation: the question asks for the term itself")
    return Grade(found is Found.PRESENT, given)


def grade_short(question: Question, text: str) -> Grade:
    """A short answer to a fill-in-the-blank or "name the ..." question."""
    if question.short is None:
        raise ValueError(f"short question {question.form!r} has nothing to accept")
    return grade_term(question.short, text)


# -- numbers ---------------------------------------------------------------------------------------


def grade_numeric(
    text: str, expected: float, tolerance: Tolerance, mistakes: Sequence[tuple[str, float]] = ()
) -> Grade:
    """Grade a typed number; a wrong one that matches a known mistake names it."""
    given = parse_number(text)
    shown = text.strip()
    if tolerance.accepts(given, expected):
        return Grade(True, shown)
    mistake = diagnose(given, mistakes, tolerance)
    feedback = f"it looks like you {mistake}" if mistake else ""
    return Grade(False, shown, feedback, mistake)


def grade_numeric_question(question: Question, text: str) -> Grade:
    """A numeric answer, as close as the question asks; a known mistake is named."""
    if question.value is None:
        raise ValueError(f"numeric question {question.form!r} has no value")
    return grade_numeric(text, question.value, question.tolerance, question.mistakes)


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
    """True or false from ``t``/``true``/``a``/``1`` or ``f``/``false``/``b``/``2`` (and yes or no)."""
    if has_odd_digits(text):  # normalising would read "²" as "2"
        raise AnswerError(f"{quoted(text)} is not a number; {TRUTH_HELP}")
    word = normalise(text.strip().rstrip(").:"))
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise AnswerError(TRUTH_HELP)


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


def grade_choice(question: Question, text: str) -> Grade:
    """A multiple-choice answer: the option's key (``b``) or number (``2``)."""
    index = parse_choice(text, len(question.options))
    given = f"{OPTION_KEYS[index]}) {question.options[index]}"
    return Grade(index == question.solution[0], given)


def grade_truth(question: Question, text: str) -> Grade:
    """A true-or-false answer."""
    index = 0 if parse_truth(text) else 1
    return Grade(index == question.solution[0], question.options[index])


def grade_order(question: Question, text: str) -> Grade:
    """An ordering: right when every item is in its place; the feedback counts those that are."""
    order = parse_order(text, len(question.options))
    right = placed_right(order, question.solution)
    feedback = "" if right == len(order) else f"{right} of {len(order)} in the right place"
    return Grade(right == len(order), "".join(map(str, order)), feedback)


Grader = Callable[[Question, str], Grade]
#: The grader of each kind of question.
GRADERS: dict[QuestionKind, Grader] = {
    QuestionKind.CHOICE: grade_choice,
    QuestionKind.TYPED: grade_typed,
    QuestionKind.NUMERIC: grade_numeric_question,
    QuestionKind.ORDERING: grade_order,
    QuestionKind.TRUE_FALSE: grade_truth,
    QuestionKind.SHORT: grade_short,
}


def grade(question: Question, text: str) -> Grade:
    """Grade ``text`` as the answer to ``question``; ``AnswerError`` if it cannot be read."""
    return GRADERS[question.kind](question, text)
