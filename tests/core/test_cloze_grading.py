"""Typed answers to cloze cards: words graded by the quiz's short-answer grader, formulas compared as
formulas, the suggested rating; and the bundled cloze cards in quizzes."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from studyapp.cloze_grading import grade_cloze
from studyapp.content import load_library
from studyapp.model import Card, Rating
from studyapp.quiz import QuestionKind, build_quiz, grade
from studyapp.quiz.generators import FORMS, GENERATORS
from studyapp.quiz.grading import grade_term
from studyapp.quiz.patterns import Pattern
from studyapp.quiz.rubric import NameQuestion


@cache
def bundled() -> dict[str, Card]:
    return {card.id: card for card in load_library(user_dir=Path("/nonexistent")).cards}


@pytest.mark.parametrize(
    ("card_id", "typed", "right"),
    [
        ("gradient-direction::c1", "steepest ascent", True),
        ("gradient-direction::c1", "Steepest ascnt", True),  # a typo
        ("gradient-direction::c1", "steepest descent", False),  # the opposite term
        ("gradient-direction::c1", "not steepest ascent", False),  # a negation
        ("gradient-direction::c1", "uphill", False),
        ("gradient-direction::c2", "−∇f", True),
        ("gradient-direction::c2", "-nabla f", True),
        ("gradient-direction::c2", "∇f", False),
        ("residual-block::c2", "residual", True),
        ("residual-block::c2", "residuals", True),
        ("residual-block::c1", "F(x) + x", True),
        ("residual-block::c1", "F(x)*x", False),
        ("sigmoid-derivative::c1", "σ(x)(1−σ(x))", True),
        ("sigmoid-derivative::c1", "sigma(x) * (1 - sigma(x))", True),
        ("sigmoid-derivative::c1", "\\sigma(x)(1-\\sigma(x))", True),
        ("sigmoid-derivative::c1", "σ(x)(1+σ(x))", False),
        ("sigmoid-derivative::c1", "σ(x)1−σ(x)", False),
        ("sigmoid-derivative::c2", "1/4", True),
        ("conv-output-size::c1", "floor((n + 2p - k)/s) + 1", True),
        ("conv-output-size::c1", "⌊(n + 2p − k)/s⌋ + 1", True),
        ("conv-output-size::c1", "(n + 2p - k)/s + 1", False),
        ("log-sum-exp-shift::c1", "max_j z_j", True),
        ("log-sum-exp-shift::c2", "m + log sum_j e^(z_j - m)", True),
        ("log-sum-exp-shift::c2", "m + log sum_j e^(z_j)", False),
        ("cross-entropy-gradient::c1", "p - y", True),
        ("cross-entropy-gradient::c1", "y - p", False),
        ("adam-bias-correction::c2", "m_t/(1 - beta_1^t)", True),
        ("adam-bias-correction::c2", "m_t/1 - beta_1^t", False),
        ("jacobian-hessian-entries::c1", "∂f_i/∂x_j", True),
        ("jacobian-hessian-entries::c2", "∂²f/(∂x_i ∂x_j)", True),
        ("jacobian-hessian-entries::c2", "∂²f/∂x_i²", False),
    ],
)
def test_a_typed_answer_to_a_bundled_cloze_card(card_id: str, typed: str, right: bool) -> None:
    graded = grade_cloze(bundled()[card_id], typed)
    assert graded.correct is right, graded
    assert graded.suggested is (Rating.GOOD if right else Rating.AGAIN)
    assert graded.given == typed.strip()


def test_words_are_graded_exactly_as_the_quiz_grades_a_short_answer() -> None:
    """The same verdicts as the quiz's grader called directly, on answers of every kind."""
    card = bundled()["gradient-direction::c1"]
    accept = NameQuestion("", "steepest ascent", (Pattern.phrase("steepest ascent"),), known=frozenset())
    for typed in ("steepest ascent", "the steepest ascent", "steepst ascent", "ascent", "descent", "idk"):
        assert grade_cloze(card, typed).correct == grade_term(accept, typed).correct, typed


def test_several_blanks_take_one_answer_each(tmp_path: Path) -> None:
    deck = tmp_path / "d.toml"
    deck.write_text(
        '[deck]\nid = "d"\ntitle = "D"\n\n[[cards]]\nid = "acts"\n'
        'text = "Common activations: {{c1::tanh}} and {{c1::sigmoid}}; ReLU is {{c2::max(0, x)}}."\n',
        encoding="utf-8",
    )
    from studyapp.deck_reader import read_deck

    loaded, problems = read_deck(deck)
    assert problems == [] and loaded is not None
    card = loaded.cards[0]
    assert card.answer == "tanh; sigmoid"
    assert grade_cloze(card, "tanh; sigmoid").correct
    both = grade_cloze(card, "tanh; relu")
    assert not both.correct and both.feedback.startswith("blank 2")
    one = grade_cloze(card, "tanh")
    assert not one.correct and "this card has 2 blanks" in one.feedback


def test_an_empty_answer_is_not_right() -> None:
    graded = grade_cloze(bundled()["residual-block::c2"], "  ")
    assert not graded.correct and graded.feedback == "no answer given"


def test_grading_a_card_that_is_not_a_cloze_is_refused() -> None:
    with pytest.raises(ValueError, match="not a cloze card"):
        grade_cloze(bundled()["mlp"], "layers")


def test_cloze_cards_make_quiz_questions_that_their_answer_passes() -> None:
    cards = [card for card in bundled().values() if card.cloze]
    asked = 0
    for card in cards:
        for kind in (QuestionKind.SHORT, QuestionKind.TYPED):
            for form in FORMS[kind](card):
                question = GENERATORS[kind](card, form, 3)
                assert grade(question, question.reference).correct, (card.id, form)
                asked += 1
    assert asked >= 6  # the cards whose blanks hide words
    quiz = build_quiz(list(bundled().values()), 3 * len(bundled()), 1)
    assert {q.card_id for q in quiz} >= {card.id for card in cards}
