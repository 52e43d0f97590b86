"""Problems as cards: a drill card names a generated problem (``problem = NAME``, one of the numeric quiz
kinds), and each review shows a fresh instance of it.

**Seeds.** The instance is drawn from a seed the study session picks for each review
(``StudySession.problem_seed``); it is stored with the review, in the ``drill_answers`` table under the
review's id, together with the answer typed (``studyapp.store.predictions.DrillAnswer``). So the review
history can make every instance shown again (``history``), and undo deletes the seed with the review;
the card then shows the same instance again.

**Grading** is the quiz's (``studyapp.quiz.grade``: the question's tolerance and known mistakes), the
worked solution is the question's, and the grade suggests a rating as a prediction does
(``studyapp.predict.suggested_rating``: Good when right, Hard when close, else Again), which the learner
may override. A review where nothing was typed suggests nothing.

``PROBLEMS`` names every problem with its title, without importing the quiz (decks are read at start-up;
the quiz's generators import numpy): a test keeps it equal to the quiz's ``NUMERIC_KINDS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from studyapp.model import Rating

if TYPE_CHECKING:
    from studyapp.collection import Collection
    from studyapp.quiz.questions import Question
    from studyapp.store.predictions import DrillAnswer

#: The problems a drill card may name, with their titles (the numeric quiz kinds).
PROBLEMS: dict[str, str] = {
    "conv-output-size": "Output size of a convolution",
    "conv-filter-cell": "A filter's response",
    "pool-value": "A pooled value",
    "gd-step": "One gradient-descent step",
    "partial-derivative": "A partial derivative",
    "adam-first-step": "Adam's first step",
    "minibatch-updates": "Updates per epoch",
    "split-size": "Sizes of the data splits",
    "activation-gradient": "Gradient left after L layers",
    "per-layer-factor": "Gradient change per layer",
    "mlp-parameters": "Weights and biases of an MLP",
    "residual-gradient": "Gradient through a residual block",
    "backprop-gradient": "A gradient by backpropagation",
    "jacobian-entry": "A Jacobian entry",
    "hessian-entry": "A Hessian entry",
    "log-sum-exp": "Log-sum-exp of large logits",
    "softmax-probability": "A softmax probability",
    "cross-entropy": "Cross-entropy loss and gradients",
}


@dataclass(frozen=True)
class Drill:
    """One instance of a problem: the quiz question drawn with ``seed``."""

    problem: str
    seed: int
    question: Question

    @property
    def prompt(self) -> str:
        return self.question.prompt

    def solution_lines(self) -> list[str]:
        """The worked solution, then the answer, as text lines."""
        from studyapp.quiz.worked import solution_lines

        answer = f"Answer: {self.question.expected} ({self.question.tolerance.describe()})"
        return [*solution_lines(self.question.worked), answer]

    def answer(self, grade: DrillGrade | None = None) -> DrillAnswer:
        """What the collection keeps of this instance and its answer (none typed: ``grade`` is ``None``)."""
        from studyapp.store.predictions import DrillAnswer

        if grade is None:
            return DrillAnswer(self.problem, self.seed)
        return DrillAnswer(self.problem, self.seed, grade.given, grade.correct, grade.diagnosis)


@dataclass(frozen=True)
class DrillGrade:
    """The quiz's verdict on a drill answer, why it is wrong, and the rating it suggests."""

    given: str
    correct: bool
    diagnosis: str | None
    suggested: Rating

    @property
    def verdict(self) -> str:
        """ "right", or "not right: <why>"."""
        return "right" if self.correct else f"not right: {self.diagnosis}"


def prepare() -> None:
    """Import the quiz's generators (numpy) ahead of the first drill card, for example in a thread, so
    that showing the card does not wait for the import."""
    import studyapp.quiz.numeric  # noqa: F401


def make_drill(problem: str, seed: int) -> Drill:
    """The instance of ``problem`` drawn with ``seed``: the same seed gives the same instance.
    ``ValueError`` for an unknown problem."""
    from studyapp.quiz.numeric import numeric_question

    if problem not in PROBLEMS:
        raise ValueError(f"unknown problem {problem!r}; valid: {', '.join(PROBLEMS)}")
    return Drill(problem, seed, numeric_question(problem, None, seed))


def grade_drill(drill: Drill, text: str) -> DrillGrade:
    """Grade the typed ``text`` as the quiz does; ``AnswerError`` if it is not a number."""
    from studyapp.predict import Target, diagnosis_of, suggested_rating
    from studyapp.quiz import grade
    from studyapp.quiz.numbers import parse_number

    question = drill.question
    graded = grade(question, text)
    assert question.value is not None
    target = Target(
        drill.problem, PROBLEMS[drill.problem], question.value, question.tolerance, question.mistakes
    )
    given = parse_number(text)
    diagnosis = None if graded.correct else diagnosis_of(target, given)
    suggested = suggested_rating(question.value, given, graded.correct, diagnosis)
    return DrillGrade(graded.given, graded.correct, diagnosis, suggested)


def history(collection: Collection, card_id: str) -> list[tuple[int, Drill, DrillAnswer]]:
    """Every instance a drill card showed, made again from its stored seed, with the answer stored:
    ``(review id, instance, answer)``, oldest first."""
    return [
        (review_id, make_drill(answer.problem, answer.seed), answer)
        for review_id, answer in collection.store.drill_answers(card_id)
    ]
