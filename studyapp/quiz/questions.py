"""Quiz questions: the kinds (``QuestionKind``), the ``Question`` model, the generators that need only
the card's text (multiple choice, true or false, typed answer, ordering), and the tables that map every
kind to its forms, its generator and its option keys. Stdlib only (numeric questions import numpy lazily).

Every generator takes the card and an integer seed and is deterministic: the same seed gives the same
question, with the same choice or step order.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from studyapp.model import Card


class QuestionKind(StrEnum):
    """A kind of quiz question, in the order a quiz cycles through them.

    The value is the name stored in the ``kind`` column of quiz attempts and typed after ``--kind``:
    it must never change, or existing collections would no longer match.
    """

    CHOICE = "choice"
    TYPED = "typed"
    NUMERIC = "numeric"
    ORDERING = "ordering"
    TRUE_FALSE = "true-false"

    @property
    def label(self) -> str:
        """The kind for people: "Multiple choice", "Numeric", ..."""
        return KIND_LABELS[self]

    @property
    def keyed(self) -> bool:
        """Whether it is answered with one key per option (no input line)."""
        return self in (QuestionKind.CHOICE, QuestionKind.TRUE_FALSE)


#: Every kind of question, in the order a quiz cycles through them.
KINDS: tuple[QuestionKind, ...] = tuple(QuestionKind)
KIND_LABELS: dict[QuestionKind, str] = {
    QuestionKind.CHOICE: "Multiple choice",
    QuestionKind.TYPED: "Typed answer",
    QuestionKind.NUMERIC: "Numeric",
    QuestionKind.ORDERING: "Ordering",
    QuestionKind.TRUE_FALSE: "True or false",
}
#: Options of a multiple-choice question: the answer and up to this many distractors.
MAX_DISTRACTORS = 3
MIN_STEPS = 3
#: The keys of a multiple-choice question's options (``1``-``4`` choose them too) ...
OPTION_KEYS = "abcd"
#: ... and of a true-or-false question's (``1`` and ``2`` too).
TRUTH_KEYS = "tf"


@dataclass(frozen=True)
class Question:
    """One quiz question, complete with what grading and feedback need.

    ``options`` are the choices in the order shown (true or false: ``("True", "False")``; ordering:
    the steps as shown) and ``solution`` the right ones: ``(index,)`` for a choice, the 1-based shown
    numbers in the right order for an ordering. A numeric question has ``value`` with its tolerances and
    the values known ``mistakes`` would give. ``sim``, ``sim_params`` and ``sim_seed`` reproduce the
    setting in the live simulation; ``params`` are the generator's inputs, stored with every attempt.
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
    key_terms: tuple[str, ...] = ()
    reference: str = ""
    value: float | None = None
    rel_tol: float = 0.0
    abs_tol: float = 0.0
    mistakes: tuple[tuple[str, float], ...] = ()
    explanation: str = ""
    sim: str | None = None
    sim_params: Mapping[str, Any] = field(default_factory=dict)
    sim_seed: int = 0
    params: Mapping[str, Any] = field(default_factory=dict)

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
        if self.sim is not None:
            data.update(sim=self.sim, sim_params=dict(self.sim_params), sim_seed=self.sim_seed)
        return data


def _base(card: Card, kind: QuestionKind, seed: int) -> dict[str, Any]:
    return {
        "kind": kind,
        "form": kind,
        "seed": seed,
        "card_id": card.id,
        "card_question": card.question,
        "tags": card.tags,
        "sim": card.sim,
        "sim_params": dict(card.sim_params),
    }


def choice_question(card: Card, seed: int) -> Question:
    """The card's answer among up to three of its distractors, shuffled."""
    if not card.distractors:
        raise ValueError(f"card {card.id!r} has no distractors for a multiple-choice question")
    rng = random.Random(seed)
    picked = rng.sample(card.distractors, min(MAX_DISTRACTORS, len(card.distractors)))
    options = [card.answer, *picked]
    rng.shuffle(options)
    right = options.index(card.answer)
    return Question(
        **_base(card, QuestionKind.CHOICE, seed),
        prompt=card.question,
        expected=f"{OPTION_KEYS[right]}) {card.answer}",
        options=tuple(options),
        solution=(right,),
        params={"options": [_option_id(card, text) for text in options]},
    )


def _option_id(card: Card, text: str) -> str:
    """``answer`` or ``distractor N``: which authored text an option is."""
    return "answer" if text == card.answer else f"distractor {card.distractors.index(text) + 1}"


def true_false_question(card: Card, seed: int) -> Question:
    """A statement that is the card's answer or one of its distractors (even odds): true or false?"""
    if not card.distractors:
        raise ValueError(f"card {card.id!r} has no distractors for a true-or-false question")
    rng = random.Random(seed)
    truth = rng.random() < 0.5
    statement = card.answer if truth else rng.choice(card.distractors)
    expected = "True" if truth else f"False. The answer is: {card.answer}"
    return Question(
        **_base(card, QuestionKind.TRUE_FALSE, seed),
        prompt=f"True or false? {card.question}\n“{statement}”",
        expected=expected,
        options=("True", "False"),
        solution=(0 if truth else 1,),
        params={"statement": _option_id(card, statement)},
    )


def typed_question(card: Card, seed: int) -> Question:
    """Answer in your own words; graded on the card's key terms."""
    hint = "\n(in your own words"
    if card.key_terms:
        hint += f"; mention {len(card.key_terms)} key idea{'s' if len(card.key_terms) != 1 else ''}"
    hint += ")"
    return Question(
        **_base(card, QuestionKind.TYPED, seed),
        prompt=f"{card.question}{hint}",
        expected=card.answer,
        key_terms=card.key_terms,
        reference=card.answer,
    )


def ordering_question(card: Card, seed: int) -> Question:
    """The card's steps, shuffled (never already in order); type their right order."""
    count = len(card.steps)
    if count < MIN_STEPS:
        raise ValueError(f"card {card.id!r} needs at least {MIN_STEPS} steps for an ordering question")
    rng = random.Random(seed)
    shown = list(range(count))
    while shown == sorted(shown):
        rng.shuffle(shown)
    # The i-th step in the right order is shown as number position(i) + 1.
    solution = tuple(shown.index(step) + 1 for step in range(count))
    return Question(
        **_base(card, QuestionKind.ORDERING, seed),
        prompt=f"Put these in the right order.\nAbout: {card.question}",
        expected="".join(map(str, solution)) + ": " + " → ".join(card.steps),
        options=tuple(card.steps[i] for i in shown),
        solution=solution,
        params={"shown": shown},
    )


def check_seed(seed: int) -> int:
    """``seed`` if it is an integer >= 0; ``ValueError`` otherwise."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    return seed


TextGenerator = Callable[[Card, int], Question]
#: The generators that need only a card's text, by kind.
TEXT_GENERATORS: dict[QuestionKind, TextGenerator] = {
    QuestionKind.CHOICE: choice_question,
    QuestionKind.TYPED: typed_question,
    QuestionKind.ORDERING: ordering_question,
    QuestionKind.TRUE_FALSE: true_false_question,
}
#: Whether a card has what each kind of text question needs.
TEXT_NEEDS: dict[QuestionKind, Callable[[Card], bool]] = {
    QuestionKind.CHOICE: lambda card: bool(card.distractors),
    QuestionKind.TYPED: lambda card: bool(card.key_terms),
    QuestionKind.ORDERING: lambda card: len(card.steps) >= MIN_STEPS,
    QuestionKind.TRUE_FALSE: lambda card: bool(card.distractors),
}


# -- every kind: its forms, its generator, its option keys -----------------------------------------

FormFinder = Callable[[Card], list[str]]
#: ``make(card, form, seed)``: the question of one kind in ``form`` about ``card``, drawn with ``seed``.
Generator = Callable[[Card, str, int], Question]


def _text_forms(kind: QuestionKind) -> FormFinder:
    """A text kind has one form, named after it, for the cards that have what it needs."""

    def find(card: Card) -> list[str]:
        return [kind.value] if TEXT_NEEDS[kind](card) else []

    return find


def _text_generator(kind: QuestionKind) -> Generator:
    """A text kind's generator (its only form needs no name)."""
    generator = TEXT_GENERATORS[kind]

    def make(card: Card, form: str, seed: int) -> Question:
        return generator(card, seed)

    return make


def numeric_forms(card: Card) -> list[str]:
    """The numeric kinds (forms) that suit ``card``; imports numpy, so only when a quiz is built."""
    from studyapp.quiz.numeric import numeric_kinds_for

    return numeric_kinds_for(card)


def numeric_generator(card: Card, form: str, seed: int) -> Question:
    """The numeric question of kind ``form`` about ``card`` (imports numpy)."""
    from studyapp.quiz.numeric import numeric_question

    return numeric_question(form, card, seed)


#: The forms of each kind a card suits: the kind's name for a text kind, the numeric kinds for numeric.
FORMS: dict[QuestionKind, FormFinder] = {
    **{kind: _text_forms(kind) for kind in TEXT_GENERATORS},
    QuestionKind.NUMERIC: numeric_forms,
}
#: The generator of each kind.
GENERATORS: dict[QuestionKind, Generator] = {
    **{kind: _text_generator(kind) for kind in TEXT_GENERATORS},
    QuestionKind.NUMERIC: numeric_generator,
}
#: The keys shown beside the options of each kind, for a question with that many options.
OPTION_LABELS: dict[QuestionKind, Callable[[int], tuple[str, ...]]] = {
    QuestionKind.CHOICE: lambda count: tuple(OPTION_KEYS[:count]),
    QuestionKind.TRUE_FALSE: lambda count: tuple(TRUTH_KEYS[:count]),
    QuestionKind.ORDERING: lambda count: tuple(str(n) for n in range(1, count + 1)),
    QuestionKind.TYPED: lambda count: (),
    QuestionKind.NUMERIC: lambda count: (),
}
