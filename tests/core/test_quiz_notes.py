"""No question presents as true what a card's note corrects (the review's list), over 500 quiz seeds.

The corrected claims are written here as plain regular expressions, independently of the rubrics' own
list, and checked against everything a question presents as true: the right option of a choice, a true
statement, a blank filled in, steps in order, the expected answer, a rubric's key ideas, a numeric
question's prompt and explanation.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from studyapp.content import load_library
from studyapp.model import Card
from studyapp.quiz import build_quiz
from studyapp.quiz.generators import BLANK, FORMS
from studyapp.quiz.questions import Question, QuestionKind

NO_USER_DECKS = Path(__file__).parent / "no-user-decks"
SEEDS = range(500)
#: Numeric questions run simulations: fewer seeds.
NUMERIC_SEEDS = range(25)
TEXT_KINDS = tuple(kind for kind in QuestionKind if kind is not QuestionKind.NUMERIC)

#: What the bundled cards' notes correct, by card (the review's list).
CORRECTED: dict[str, list[str]] = {
    # Batches prevent vanishing (and exploding) gradients.
    "batch-training": [
        r"prevent\w*[^.]{0,60}(vanishing|exploding)",
        r"(vanishing|exploding)[^.]{0,80}by training in batches",
    ],
    # Pooling has no gradients (no backpropagation through it).
    "pooling": [
        r"no gradients",
        r"no backpropagation",
        r"gradients? (do not|don.t|cannot|can.t) (flow|pass)",
    ],
    # SGD does not get stuck in local minima; batch gradient descent is "computationally efficient".
    "batching-methods": [
        r"(doesn.t|does not|never|won.t) get\w* stuck",
        r"avoids? getting stuck",
        r"batch gradient descent[^.]{0,60}computationally efficient",
        r"advantage: computationally efficient",
    ],
    # Vanishing gradients blamed on the weights alone; a 10-layer rule of thumb.
    "vanishing-exploding": [r"weights are either too small or too big", r"10 layers", r"rule of thumb"],
    # Backpropagation described as the training loop.
    "backpropagation": [
        r"train\w* an mlp",
        r"updating θ",
        r"update the weights",
        r"take a batch of training data",
        r"until convergence",
    ],
    # The loss-function card never defines a loss: its answer (and its training-loop steps) presented
    # as what a loss function is.
    "loss-function": [
        r"dependent on the activation function and the target",
        r"scale the gradients",
        r"iterate until the loss",
    ],
}


@cache
def cards() -> tuple[Card, ...]:
    return tuple(load_library(user_dir=NO_USER_DECKS).cards)


def asserted(question: Question) -> list[str]:
    """Everything ``question`` presents as true."""
    texts = [question.expected, question.explanation]
    if question.kind is QuestionKind.CHOICE:
        texts.append(question.options[question.solution[0]])
    if question.kind is QuestionKind.TRUE_FALSE and question.solution[0] == 0:
        texts.append(question.prompt)
    if question.kind is QuestionKind.SHORT:
        texts.append(question.prompt.replace(BLANK, question.expected))
    if question.kind is QuestionKind.ORDERING:
        texts.extend(question.options)
    if question.rubric is not None:
        texts.extend(question.rubric.labels)
    if question.kind is QuestionKind.NUMERIC:
        texts.append(question.prompt)
    return [text.lower() for text in texts if text]


def claims_asserted(question: Question) -> list[str]:
    """The corrected claims of the question's card that the question presents as true."""
    found = []
    for pattern in CORRECTED.get(question.card_id or "", []):
        found += [f"{pattern!r} in {text!r}" for text in asserted(question) if re.search(pattern, text)]
    return found


def test_the_claims_are_what_the_seed_says() -> None:
    """Each corrected claim is in the seed's words (answer, details or steps), so the check is not empty."""
    by_id = {card.id: card for card in cards()}
    for card_id, patterns in CORRECTED.items():
        card = by_id[card_id]
        seed_text = " ".join([card.answer, card.details, *card.steps]).lower()
        matched = [p for p in patterns if re.search(p, seed_text)]
        assert matched, card_id


def test_no_question_asserts_a_corrected_claim_over_500_seeds() -> None:
    problems: list[str] = []
    asked: set[tuple[str | None, QuestionKind]] = set()
    for seed in SEEDS:
        for question in build_quiz(cards(), len(cards()), seed, TEXT_KINDS):
            asked.add((question.card_id, question.kind))
            problems += [f"seed {seed}: {problem}" for problem in claims_asserted(question)]
    assert not problems, problems[:5]
    # The corrected cards are still asked about, in the kinds that do not assert their claims.
    for card_id in CORRECTED:
        assert (card_id, QuestionKind.TYPED) in asked and (card_id, QuestionKind.SHORT) in asked, card_id


def test_no_numeric_question_asserts_a_corrected_claim() -> None:
    corrected = [card for card in cards() if card.id in CORRECTED]
    for seed in NUMERIC_SEEDS:
        for question in build_quiz(corrected, len(corrected), seed, (QuestionKind.NUMERIC,)):
            assert not claims_asserted(question), seed


@pytest.mark.parametrize("card_id", ["batch-training", "backpropagation"])
def test_no_true_or_false_question_makes_false_wrong_for_a_corrected_answer(card_id: str) -> None:
    """Seed 3 q4 (batch-training) and seed 2 q4 (backpropagation) marked "False" as wrong."""
    card = next(c for c in cards() if c.id == card_id)
    assert FORMS[QuestionKind.TRUE_FALSE](card) == [] and FORMS[QuestionKind.CHOICE](card) == []
    for seed in (2, 3):
        quiz = build_quiz(cards(), 20, seed)
        assert not [q for q in quiz if q.card_id == card_id and q.kind is QuestionKind.TRUE_FALSE]


def test_a_users_card_with_a_correction_note_is_never_asked_in_its_own_words() -> None:
    """Without a lecturer's list of what the note corrects, the card's answer, key terms and steps are
    all suspect: only questions that assert none of them are asked."""
    card = replace(
        next(c for c in cards() if c.id == "mlp"),
        id="user-mlp",
        sim=None,
        note="The answer is wrong: see the lecture.",
        note_kind="correction",
    )
    assert {kind: finder(card) for kind, finder in FORMS.items() if finder(card)} == {}
    clarified = replace(card, note_kind="clarification")
    assert FORMS[QuestionKind.CHOICE](clarified) == ["choice"]
    assert FORMS[QuestionKind.TYPED](clarified) == ["typed"]


def test_the_feedback_shows_the_cards_note() -> None:
    from studyapp.quiz.generators import typed_question
    from studyapp.quiz.grading import grade
    from studyapp.quiz.plain import feedback_lines

    card = next(c for c in cards() if c.id == "backpropagation")
    question = typed_question(card, 1)
    lines = feedback_lines(question, grade(question, question.reference))
    assert (
        lines[0]
        == "Right. It covers the key ideas: "
        + "; ".join(question.rubric.labels if question.rubric else ())
        + "."
    )
    assert any(
        line.startswith("Correction: This answer describes the whole training loop.") for line in lines
    )
    assert f"A model answer: {question.reference}" in lines
