"""Grading: lenient typed answers, numbers with tolerance, choices and orders, and the diagnosis of the
known mistakes, each computed independently here (closed forms, scipy)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.signal import convolve2d

from studyapp.content import load_library
from studyapp.model import Card
from studyapp.quiz.grading import (
    GRADERS,
    AnswerError,
    allowed_edits,
    close_enough,
    diagnose,
    edit_distance,
    grade,
    grade_numeric,
    grade_typed,
    missing_terms,
    normalise,
    parse_choice,
    parse_number,
    parse_order,
    parse_truth,
    term_present,
)
from studyapp.quiz.numeric import numeric_question
from studyapp.quiz.questions import (
    Question,
    QuestionKind,
    choice_question,
    ordering_question,
    true_false_question,
    typed_question,
)

NO_USER_DECKS = Path(__file__).parent / "no-user-decks"


@cache
def cards() -> dict[str, Card]:
    return {card.id: card for card in load_library(user_dir=NO_USER_DECKS).cards}


def card(card_id: str) -> Card:
    return cards()[card_id]


# -- text ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Non-Linéarité!", "non linearite"),
        ("  ReLU,   Sigmoid;TANH ", "relu sigmoid tanh"),
        ("It’s the derivative (∂f/∂x)", "it s the derivative f x"),
        ("θ_1 = θ_0 − lr·g", "θ 1 θ 0 lr g"),
        ("", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@cache
def osa_reference(a: str, b: str) -> int:
    """The optimal-string-alignment distance by its recursive definition."""
    if not a or not b:
        return len(a) + len(b)
    best = min(
        osa_reference(a[:-1], b) + 1,
        osa_reference(a, b[:-1]) + 1,
        osa_reference(a[:-1], b[:-1]) + (a[-1] != b[-1]),
    )
    if len(a) > 1 and len(b) > 1 and a[-1] == b[-2] and a[-2] == b[-1]:
        best = min(best, osa_reference(a[:-2], b[:-2]) + 1)
    return best


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("kitten", "sitting", 3), ("tanh", "tahn", 1), ("ca", "abc", 3), ("", "abc", 3), ("same", "same", 0)],
)
def test_edit_distance_examples(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance


@given(st.text("abcd", max_size=7), st.text("abcd", max_size=7))
def test_edit_distance_matches_its_definition(a: str, b: str) -> None:
    assert edit_distance(a, b) == osa_reference(a, b) == edit_distance(b, a)


def test_allowed_edits_grow_with_word_length() -> None:
    assert [allowed_edits(n) for n in (1, 3, 4, 8, 9, 13, 14, 30)] == [0, 0, 1, 1, 2, 2, 3, 3]


MATCHES = [
    # (answer, key term, present?)
    ("it adds non-linearity", "non-linearity|nonlinearity|nonlinear|non-linear", True),
    ("it adds NONLINEARITY", "non-linearity|nonlinearity", True),
    ("it adds non linearity", "nonlinearity", True),
    ("it adds nonlinaerity", "non-linearity", True),  # one swap
    ("a crossentropy loss", "cross-entropy", True),
    ("a cross entropy loss", "crossentropy", True),
    ("multi-layer perceptron", "multilayer", True),
    ("updating θ", "θ|theta|weights", True),
    ("updating Theta", "θ|theta|weights", True),
    ("sigmod and tanh", "sigmoid|logistic", True),  # one letter missing
    ("the vanishng gradient", "vanishing|vanishing gradient", True),
    ("the déscent of gradients", "descent", True),  # accents
    ("the steepest ascent", "steepest ascent|uphill", True),
    ("the steepest descent", "steepest ascent|uphill", False),
    ("we maximise the loss", "minimise|minimize|reduce the loss", False),
    ("it is decreasing", "increasing", False),
    ("a linear activation", "non-linearity|nonlinear", False),
    ("sigma and tanh", "sigmoid", False),
    ("the output", "input", False),
    ("tahn", "tanh", True),
    ("than", "tanh", False),
    ("one hidden layer", "layers|layer", True),
    ("it slides", "slides|slide|sliding", True),
    ("", "anything", False),
]


@pytest.mark.parametrize(("answer", "term", "present"), MATCHES)
def test_term_present(answer: str, term: str, present: bool) -> None:
    assert term_present(term, answer) is present


def test_typed_grading_ignores_order_case_accents_and_punctuation() -> None:
    terms = card("common-activations").key_terms
    assert grade_typed("VANISHING gradients are why ReLU beats Sigmoid and Tanh!", terms, "").correct
    assert grade_typed("tanh, sigmoïd; relu - vanishing", terms, "").correct
    result = grade_typed("ReLU and tanh", terms, "")
    assert not result.correct
    assert result.feedback == "missing: sigmoid, vanishing"


def test_typed_grading_needs_every_key_term() -> None:
    terms = card("why-activations").key_terms
    assert grade_typed("They add non-linearity to the network", terms, "").correct
    assert grade_typed("nonlinearity between the layers", terms, "").correct
    assert not grade_typed("They add non-linearity", terms, "").correct
    assert missing_terms("They add non-linearity", terms) == ["network"]


def test_typed_grading_without_key_terms_compares_with_the_answer() -> None:
    reference = "The largest value in each window."
    assert grade_typed("the largest value in each window", (), reference).correct
    assert grade_typed("The largest value of each window", (), reference).correct
    assert not grade_typed("the smallest one", (), reference).correct


def test_an_empty_typed_answer_is_wrong() -> None:
    result = grade_typed("  ", card("mlp").key_terms, card("mlp").answer)
    assert not result.correct and result.feedback == "no answer given"


def test_every_card_answer_passes_its_own_key_terms() -> None:
    for one in cards().values():
        assert missing_terms(one.answer, one.key_terms) == [], one.id


# -- numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.25", 0.25),
        ("-3", -3.0),
        ("+.5", 0.5),
        ("−2", -2.0),
        ("1/4", 0.25),
        ("0.25^10", 0.25**10),
        ("2 ** -3", 0.125),
        ("1e-3", 1e-3),
        ("2E3", 2000.0),
        ("12.5%", 0.125),
        ("0,5", 0.5),
        ("inf", math.inf),
        ("-infinity", -math.inf),
        ("∞", math.inf),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    ["", "abc", "1/0", "nan", "1+1", "2*3", "__import__('os')", "(-8)^(1/3)", "-8^0.5", "10^400", "1.2.3"],
)
def test_parse_number_rejects(text: str) -> None:
    with pytest.raises(AnswerError):
        parse_number(text)


@pytest.mark.parametrize(
    ("given", "expected", "rel", "abs_", "ok"),
    [
        (1.004, 1.0, 5e-3, 0.0, True),
        (1.006, 1.0, 5e-3, 0.0, False),
        (0.0004, 0.0, 5e-3, 5e-4, True),
        (0.0006, 0.0, 5e-3, 5e-4, False),
        (21.0, 21.0, 0.0, 1e-9, True),
        (20.999, 21.0, 0.0, 1e-9, False),
        (9.5e-7, 0.25**10, 5e-3, 0.0, True),
        (math.inf, math.inf, 5e-3, 0.0, True),
        (1e308, math.inf, 5e-3, 0.0, False),
    ],
)
def test_numeric_tolerance(given: float, expected: float, rel: float, abs_: float, ok: bool) -> None:
    assert close_enough(given, expected, rel, abs_) is ok


def test_grade_numeric_names_a_matching_mistake() -> None:
    mistakes = (("forgot the padding", 14.0), ("forgot the +1", 15.0), ("ignored the stride", 15.0))
    assert grade_numeric("16", 16.0, 0.0, 1e-9, mistakes).correct
    assert grade_numeric("16.0", 16.0, 0.0, 1e-9, mistakes).correct
    wrong = grade_numeric("14", 16.0, 0.0, 1e-9, mistakes)
    assert not wrong.correct and wrong.mistake == "forgot the padding"
    assert "forgot the padding" in wrong.feedback
    both = grade_numeric("15", 16.0, 0.0, 1e-9, mistakes)
    assert both.mistake == "forgot the +1 or ignored the stride"
    assert grade_numeric("3", 16.0, 0.0, 1e-9, mistakes).mistake is None
    assert diagnose(0.333, (("used 1/3", 1 / 3),), 5e-3, 0.0) == "used 1/3"


# -- each known mistake, computed independently ----------------------------------------------------


def numeric(kind: str, accept: Callable[[Mapping[str, Any]], bool], limit: int = 400) -> Question:
    """The first question of ``kind`` whose parameters satisfy ``accept``."""
    for seed in range(limit):
        question = numeric_question(kind, None, seed)
        if accept(question.params):
            return question
    raise AssertionError(f"no seed below {limit} gives the wanted {kind} question")


def diagnosis(question: Question, value: float) -> str | None:
    """The mistake named for answering ``value`` (which must be wrong)."""
    result = grade(question, repr(float(value)))
    assert not result.correct
    return result.mistake


def test_diagnoses_forgetting_the_padding_and_the_plus_one() -> None:
    question = numeric("conv-output-size", lambda p: p["padding"] >= 2 and p["stride"] == 1)
    n, k, pad, s = (int(question.params[key]) for key in ("n", "kernel", "padding", "stride"))
    assert "forgot the padding" in (diagnosis(question, (n - k) // s + 1) or "")
    assert "forgot the +1" in (diagnosis(question, (n + 2 * pad - k) // s) or "")


def window_values(question: Question) -> list[float]:
    """The input window behind the pooled output (row, col), regenerated from the simulation's seed."""
    p = question.params
    size, window, stride = int(p["map_size"]), int(p["window"]), int(p["stride"])
    x = np.random.default_rng(question.sim_seed).integers(0, 10, (size, size))
    r, c = int(p["row"]) * stride, int(p["col"]) * stride
    return [float(x[r + i, c + j]) for i in range(window) for j in range(window)]


@pytest.mark.parametrize(
    ("kind", "mistake"),
    [("max", "used average instead of max pooling"), ("avg", "used max instead of average pooling")],
)
def test_diagnoses_swapping_max_and_average_pooling(kind: str, mistake: str) -> None:
    def differs(p: Mapping[str, Any]) -> bool:
        return bool(p["kind"] == kind)

    for seed in range(300):
        question = numeric_question("pool-value", None, seed)
        if not differs(question.params):
            continue
        values = window_values(question)
        mean = sum(values) / len(values)
        if mean != max(values):
            assert diagnosis(question, mean if kind == "max" else max(values)) == mistake
            return
    raise AssertionError(f"no {kind}-pooling question found")


SOBEL_VERTICAL = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float)


def test_diagnoses_a_flipped_kernel() -> None:
    def flip_matters(p: Mapping[str, Any]) -> bool:
        patch = np.array(p["patch"], dtype=float)
        return (
            p["filter"] == "sobel_vertical"
            and convolve2d(patch, SOBEL_VERTICAL, "valid")[p["row"], p["col"]] != 0
        )

    question = numeric("conv-filter-cell", flip_matters)
    p = question.params
    flipped = convolve2d(np.array(p["patch"], dtype=float), SOBEL_VERTICAL, mode="valid")[p["row"], p["col"]]
    named = diagnosis(question, flipped) or ""
    assert "flipped the kernel (true convolution instead of cross-correlation)" in named


def test_diagnoses_forgetting_the_learning_rate_and_a_wrong_sign() -> None:
    question = numeric("gd-step", lambda p: p["function"] == "bowl" and p["axis"] == "y")
    p = question.params
    g = float(p["conditioning"]) * float(p["y0"])  # the gradient of ½(x² + k y²) along y
    y0, lr = float(p["y0"]), float(p["lr"])
    assert diagnosis(question, y0 - g) == "forgot the learning rate (took a whole gradient step)"
    assert diagnosis(question, y0 + lr * g) == "got the sign of the step wrong (stepped uphill)"


# -- choices, truth, orders ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "index"), [("1", 0), ("4", 3), ("a", 0), ("D", 3), (" b) ", 1), ("c.", 2)])
def test_parse_choice(text: str, index: int) -> None:
    assert parse_choice(text, 4) == index


@pytest.mark.parametrize("text", ["0", "5", "e", "ab", "", "one"])
def test_parse_choice_rejects(text: str) -> None:
    with pytest.raises(AnswerError, match="1 to 4"):
        parse_choice(text, 4)


@pytest.mark.parametrize(
    ("text", "value"),
    [("t", True), ("True", True), ("yes", True), ("1", True), ("f", False), ("NO", False), ("2", False)],
)
def test_parse_truth(text: str, value: bool) -> None:
    assert parse_truth(text) is value


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("3142", (3, 1, 4, 2)),
        ("3 1 4 2", (3, 1, 4, 2)),
        ("3,1,4,2", (3, 1, 4, 2)),
        ("3 > 1 > 4 > 2", (3, 1, 4, 2)),
    ],
)
def test_parse_order(text: str, order: tuple[int, ...]) -> None:
    assert parse_order(text, 4) == order


@pytest.mark.parametrize("text", ["314", "31422", "3144", "5142", "abcd", "", "3 1 4 2 5"])
def test_parse_order_rejects(text: str) -> None:
    with pytest.raises(AnswerError):
        parse_order(text, 4)


def test_grade_each_text_kind() -> None:
    mlp = card("mlp")
    question = choice_question(mlp, 7)
    right = question.solution[0]
    assert grade(question, "abcd"[right]).correct
    assert grade(question, str(right + 1)).correct
    assert not grade(question, "abcd"[(right + 1) % 4]).correct
    statement = true_false_question(mlp, 3)
    answer = "t" if statement.solution[0] == 0 else "f"
    assert grade(statement, answer).correct and not grade(statement, "tf".replace(answer, "")).correct
    ordering = ordering_question(mlp, 5)
    assert grade(ordering, "".join(map(str, ordering.solution))).correct
    wrong = grade(ordering, "".join(map(str, reversed(ordering.solution))))
    assert not wrong.correct and "in the right place" in wrong.feedback
    typed = typed_question(mlp, 1)
    assert grade(typed, mlp.answer).correct
    assert not grade(typed, "a kind of layer").correct


# -- the graders, by kind --------------------------------------------------------------------------


def test_every_kind_has_a_grader() -> None:
    assert set(GRADERS) == set(QuestionKind)


def test_a_question_rebuilt_from_a_stored_kind_name_is_graded_by_its_kind() -> None:
    statement = true_false_question(card("mlp"), 3)
    rebuilt = Question(**{**vars(statement), "kind": "true-false"})
    assert rebuilt.kind is QuestionKind.TRUE_FALSE and rebuilt == statement
    answer = "t" if statement.solution[0] == 0 else "f"
    assert grade(rebuilt, answer).correct
    with pytest.raises(ValueError, match="'essay' is not a valid QuestionKind"):
        Question(**{**vars(statement), "kind": "essay"})
