"""Quiz questions: the kinds (``QuestionKind``), the ``Question`` model and the keys that answer each
kind. Stdlib only; the generators are in ``studyapp.quiz.generators`` (numeric ones import numpy lazily).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from studyapp.model import Card
from studyapp.quiz.numbers import EXACT, Tolerance
from studyapp.quiz.rubric import NameQuestion, Rubric
from studyapp.quiz.worked import Step


class QuestionKind(StrEnum):
    """A kind of quiz question, in the order a quiz cycles through them.

    The value is the name stored in the ``kind`` column of quiz attempts and typed after ``--kind``:
    it must never change, or existing collections would no longer match. ``typed`` is a free answer in
    the learner's own words, judged against the card's rubric; ``short`` a term, a name or a formula.
    """

    CHOICE = "choice"
    TYPED = "typed"
    NUMERIC = "numeric"
    ORDERING = "ordering"
    TRUE_FALSE = "true-false"
    SHORT = "short"

    @property
    def label(self) -> str:
        """The kind for people: "Multiple choice", "Numeric", ..."""
        return KIND_LABELS[self]

    @property
    def keyed(self) -> bool:
        """Whether it is answered with one key per option (no input line)."""
        return self in (QuestionKind.CHOICE, QuestionKind.TRUE_FALSE)

    @property
    def written(self) -> bool:
        """Whether it is answered with words (typed or short), where "I was right" can overrule a grade."""
        return self in (QuestionKind.TYPED, QuestionKind.SHORT)


#: Every kind of question, in the order a quiz cycles through them.
KINDS: tuple[QuestionKind, ...] = tuple(QuestionKind)
KIND_LABELS: dict[QuestionKind, str] = {
    QuestionKind.CHOICE: "Multiple choice",
    QuestionKind.TYPED: "In your own words",
    QuestionKind.NUMERIC: "Numeric",
    QuestionKind.ORDERING: "Ordering",
    QuestionKind.TRUE_FALSE: "True or false",
    QuestionKind.SHORT: "Short answer",
}
#: Seeds of quizzes and questions are drawn below this bound.
SEED_LIMIT = 2**31
#: Options of a multiple-choice question: the answer and up to this many distractors.
MAX_DISTRACTORS = 3
MIN_STEPS = 3
#: The keys of a multiple-choice question's options (``1``-``4`` choose them too) ...
OPTION_KEYS = "abcd"
#: ... and of a true-or-false question's (``1`` and ``2``, ``a`` and ``b`` too).
TRUTH_KEYS = "tf"


@dataclass(frozen=True)
class Question:
    """One quiz question, complete with what grading and feedback need.

    ``options`` are the choices in the order shown (true or false: ``("True", "False")``; ordering:
    the steps as shown) and ``solution`` the right ones: ``(index,)`` for a choice, the 1-based shown
    numbers in the right order for an ordering. A numeric question has ``value``, the ``tolerance`` its
    prompt asks for, the values known ``mistakes`` would give, and its ``worked`` solution. A typed
    question has the card's ``rubric``; a short one the terms it ``accept``s and rejects (``short``);
    ``reference`` is an answer graded right. ``note`` is the card's note, shown with the feedback.
    ``sim``, ``sim_params`` and ``sim_seed`` reproduce the setting in the live simulation; ``params``
    are the generator's inputs, stored with every attempt. A ``practice`` question was added after a
    recurring mistake.
    """

    kind: QuestionKind
    form: str
    prompt: str
    expected: str
    seed: int
    card_id: str | None = None
    card_question: str = ""
    tags: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    solution: tuple[int, ...] = ()
    reference: str = ""
    rubric: Rubric | None = None
    short: NameQuestion | None = None
    value: float | None = None
    tolerance: Tolerance = EXACT
    mistakes: tuple[tuple[str, float], ...] = ()
    explanation: str = ""
    worked: tuple[Step, ...] = ()
    note: str = ""
    note_kind: str = ""
    sim: str | None = None
    sim_params: Mapping[str, Any] = field(default_factory=dict)
    sim_seed: int = 0
    params: Mapping[str, Any] = field(default_factory=dict)
    practice: bool = False

    def __post_init__(self) -> None:
        # A kind given by its stored name ("choice") becomes the enum member; an unknown one is refused.
        object.__setattr__(self, "kind", QuestionKind(self.kind))

    @property
    def label(self) -> str:
        """The kind for people: "Multiple choice", "Numeric", ..."""
        return self.kind.label

    @property
    def option_keys(self) -> tuple[str, ...]:
        """The key shown beside each option: ``a``-``d`` for a choice, ``t``/``f``, or ``1``, ``2``, ..."""
        return OPTION_LABELS[self.kind](len(self.options))

    def record(self) -> dict[str, Any]:
        """The JSON-ready parameters stored with an attempt: enough to ask the very same question again."""
        data: dict[str, Any] = {"form": self.form, **self.params}
        if self.practice:
            data["practice"] = True
        if self.sim is not None:
            data.update(sim=self.sim, sim_params=dict(self.sim_params), sim_seed=self.sim_seed)
        return data


def card_fields(card: Card, kind: QuestionKind, seed: int, form: str = "") -> dict[str, Any]:
    """The fields every question about ``card`` shares."""
    return {
        "kind": kind,
        "form": form or kind.value,
        "seed": seed,
        "card_id": card.id,
        "card_question": card.question,
        "tags": card.tags,
        "note": card.note,
        "note_kind": card.note_kind,
        "sim": card.sim,
        "sim_params": dict(card.sim_params),
    }


def check_seed(seed: int) -> int:
    """``seed`` if it is an integer >= 0; ``ValueError`` otherwise."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    return seed


#: The keys shown beside the options of each kind, for a question with that many options.
OPTION_LABELS: dict[QuestionKind, Callable[[int], tuple[str, ...]]] = {
    QuestionKind.CHOICE: lambda count: tuple(OPTION_KEYS[:count]),
    QuestionKind.TRUE_FALSE: lambda count: tuple(TRUTH_KEYS[:count]),
    QuestionKind.ORDERING: lambda count: tuple(str(n) for n in range(1, count + 1)),
    QuestionKind.TYPED: lambda count: (),
    QuestionKind.NUMERIC: lambda count: (),
    QuestionKind.SHORT: lambda count: (),
}
