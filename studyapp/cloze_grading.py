"""Grading a typed answer to a cloze card, and the rating the grade suggests (the learner may choose
another).

Words are graded as the quiz grades a fill-in-the-blank answer (``studyapp.quiz``): synonyms and typos
are fine, a negation or the opposite term is not. A formula must be the same formula
(``studyapp.math.typed``): LaTeX, Unicode or Greek names all do, a changed symbol does not. A card with
several blanks takes one answer per blank, separated by ``;``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from studyapp.cloze import Deletion, hidden, parse_cloze
from studyapp.math import plain_text
from studyapp.math.typed import same_formula
from studyapp.model import Card, Rating
from studyapp.quiz import QuestionKind, grade
from studyapp.quiz.generators import cloze_question

#: What a right and a wrong answer suggest.
SUGGESTED = {True: Rating.GOOD, False: Rating.AGAIN}
SEPARATOR = ";"


@dataclass(frozen=True)
class ClozeGrade:
    """The verdict on a typed cloze answer: right or not, why, what was expected, the suggested rating."""

    correct: bool
    given: str
    expected: str
    feedback: str = ""

    @property
    def suggested(self) -> Rating:
        return SUGGESTED[self.correct]


def blanks_of(card: Card) -> list[Deletion]:
    """The deletions a cloze card hides, in order (``ValueError`` for a card that is not a cloze)."""
    if not card.cloze:
        raise ValueError(f"card {card.id!r} is not a cloze card")
    return hidden(parse_cloze(card.cloze), card.cloze_number)


def _grade_words(card: Card, deletion: Deletion, typed: str) -> tuple[bool, str]:
    """The quiz's fill-in-the-blank grade of ``typed`` for one blank of words."""
    answer = deletion.answer.strip()
    one_blank = replace(card, answer=answer, key_terms=(answer.replace("|", " "),), note="", note_kind="")
    question = cloze_question(one_blank, 0)
    assert question.kind is QuestionKind.SHORT
    result = grade(question, typed)
    return result.correct, result.feedback


def _grade_one(card: Card, deletion: Deletion, typed: str) -> tuple[bool, str]:
    if not typed.strip():
        return False, "no answer given"
    if deletion.formula:
        expected = deletion.answer.strip().strip("$") if not deletion.in_math else deletion.answer
        right = same_formula(expected, typed)
        return right, "" if right else "not the same formula"
    return _grade_words(card, deletion, typed)


def grade_cloze(card: Card, typed: str) -> ClozeGrade:
    """Grade ``typed`` as the answer to cloze card ``card`` (one part per blank, split at ``;``)."""
    blanks = blanks_of(card)
    expected = "; ".join(plain_text(deletion.shown_answer.strip()) for deletion in blanks)
    parts = [typed] if len(blanks) == 1 else typed.split(SEPARATOR)
    given = typed.strip()
    if len(parts) != len(blanks):
        return ClozeGrade(
            False,
            given,
            expected,
            f"this card has {len(blanks)} blanks: type one answer for each, separated by ;",
        )
    verdicts = [_grade_one(card, deletion, part) for deletion, part in zip(blanks, parts, strict=True)]
    wrong = []
    for index, (right, why) in enumerate(verdicts):
        if not right:
            label = f"blank {index + 1}" if len(blanks) > 1 else ""
            wrong.append(": ".join(part for part in (label, why) if part))
    return ClozeGrade(all(right for right, _ in verdicts), given, expected, "; ".join(w for w in wrong if w))
