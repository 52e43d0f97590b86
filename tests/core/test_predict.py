"""Predict, then run: which numbers can be predicted, how a prediction is graded, diagnosed and turned into a
suggested rating. Every expected value is computed here independently (closed forms with ``math``)."""

from __future__ import annotations

import math

import pytest

import sim
from studyapp.model import Rating
from studyapp.predict import KNOWN_MISTAKE, Target, grade_prediction, run_targets, targets
from studyapp.quiz.numbers import EXACT, THREE_FIGURES, AnswerError

#: The bundled "loss-function" card's preset: a logit of −2 for the true class 1.
LOGIT, TRUE_CLASS = -2.0, 1


def cross_entropy_loss() -> float:
    """−log σ(z) for the true class 1, in closed form: log(1 + e^(−z))."""
    return math.log1p(math.exp(-LOGIT))


def loss_target() -> Target:
    params, found = run_targets("cross-entropy", {"logit": LOGIT, "target": TRUE_CLASS}, ["ce_loss"])
    assert params["logit"] == LOGIT and [t.key for t in found] == ["ce_loss"]
    return found[0]


def test_the_numbers_of_a_run_are_its_numeric_answers_and_short_lists() -> None:
    result = sim.run(
        "convolution", {"image": "shapes", "size": 32, "filter": "blur", "padding": 1, "stride": 2}
    )
    labels = sim.registry.spec("convolution").answers
    found = targets(
        "convolution", result.params, result.answers, labels, ["output_shape", "kernel", "max_value"]
    )
    keys = [t.key for t in found]
    # The kernel (a list of lists) is no number to predict; the shape gives one target per entry.
    assert keys == ["output_shape[0]", "output_shape[1]", "max_value"]
    side = (32 + 2 * 1 - 3) // 2 + 1  # floor((n + 2p − k)/s) + 1
    assert [t.value for t in found[:2]] == [side, side]
    assert found[0].tolerance == EXACT and found[0].kind == "conv-output-size"
    assert found[2].tolerance == THREE_FIGURES and found[2].kind == ""
    mistakes = dict(found[0].mistakes)
    # Each known mistake computed the way it is made; "padded one side only" gives the right size here
    # ((32 + 1 − 3)//2 + 1 = 16), so it cannot be told apart and is left out.
    assert mistakes == {
        "forgot the padding": (32 - 3) // 2 + 1,
        "forgot the +1 in floor((n + 2p − k) / s) + 1": (32 + 2 - 3) // 2,
        "ignored the stride": 32 + 2 - 3 + 1,
        "forgot to round down": (32 + 2 - 3) / 2 + 1,
    }


def test_yes_no_answers_and_unknown_keys_are_not_targets() -> None:
    found = targets(
        "x", {}, {"flag": True, "name": "relu", "n": 3, "inf": math.inf}, {}, ["flag", "name", "n", "gone"]
    )
    assert [(t.key, t.value, t.tolerance) for t in found] == [("n", 3.0, EXACT)]


def test_the_cross_entropy_loss_takes_the_quiz_kinds_mistakes() -> None:
    target = loss_target()
    p = 1 / (1 + math.exp(-LOGIT))
    assert target.value == pytest.approx(cross_entropy_loss(), rel=1e-12)
    assert dict(target.mistakes) == pytest.approx(
        {
            "forgot the minus sign": math.log(p),
            "used log base 10": -math.log10(p),
            "took the probability of the other class": -math.log(1 - p),
        }
    )


def test_within_tolerance_suggests_good() -> None:
    target = loss_target()
    grade = grade_prediction(target, "2.13")  # 2.12693 to 3 significant figures
    assert grade.correct and grade.diagnosis is None and grade.suggested == Rating.GOOD
    assert grade.predicted == 2.13 and grade.given == "2.13"
    assert "within tolerance (to 3 significant figures)" in grade.lines()[1]


def test_close_but_outside_the_tolerance_suggests_hard_with_the_percentage() -> None:
    target = loss_target()
    grade = grade_prediction(target, "2.2")
    share = (2.2 - cross_entropy_loss()) / cross_entropy_loss() * 100
    assert not grade.correct and grade.suggested == Rating.HARD
    assert grade.diagnosis == f"too high by {share:.2g}%" == "too high by 3.4%"


@pytest.mark.parametrize(
    ("typed", "diagnosis"),
    [
        ("-2.127", "the sign is wrong"),
        ("21.27", "off by a power of ten (10 times too large)"),
        ("0.002127", "off by a power of ten (1,000 times too small)"),
        ("1", "too low by 53%"),
        ("0", "too low by 100%"),
    ],
)
def test_wrong_predictions_are_diagnosed_and_suggest_again(typed: str, diagnosis: str) -> None:
    without_known_mistakes = Target("loss", "loss", cross_entropy_loss())
    grade = grade_prediction(without_known_mistakes, typed)
    assert not grade.correct and grade.diagnosis == diagnosis and grade.suggested == Rating.AGAIN


def test_a_known_mistake_is_named_before_the_other_diagnoses() -> None:
    p = 1 / (1 + math.exp(-LOGIT))
    grade = grade_prediction(loss_target(), f"{-math.log10(p):.4f}")
    assert grade.diagnosis == f"{KNOWN_MISTAKE}used log base 10" and grade.suggested == Rating.AGAIN
    flipped = grade_prediction(loss_target(), "-2.127")  # the sign is wrong, and that is a known mistake
    assert flipped.diagnosis == f"{KNOWN_MISTAKE}forgot the minus sign"


def test_an_exact_answer_must_be_exact_and_its_mistakes_are_named() -> None:
    target = Target("side", "side", 16.0, EXACT, (("forgot the padding", 15.0),), "conv-output-size")
    assert grade_prediction(target, "16").correct
    wrong = grade_prediction(target, "15")
    assert wrong.diagnosis == f"{KNOWN_MISTAKE}forgot the padding" and wrong.suggested == Rating.AGAIN
    close = grade_prediction(target, "17")  # within 10% and no known mistake: the idea is there
    assert close.diagnosis == "too high by 6.2%" and close.suggested == Rating.HARD


def test_a_value_of_zero_is_missed_by_the_difference() -> None:
    target = Target("gap", "gap", 0.0)
    assert grade_prediction(target, "0").correct
    assert grade_prediction(target, "0.5").diagnosis == "too high by 0.5"


@pytest.mark.parametrize("typed", ["", "abc", "1/0", "²"])
def test_text_that_is_no_number_is_refused_unread(typed: str) -> None:
    with pytest.raises(AnswerError):
        grade_prediction(loss_target(), typed)
