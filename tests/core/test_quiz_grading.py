"""Grading: short answers (synonyms and typos accepted, negations and opposite terms rejected), the
checklist of key ideas for answers in the learner's own words, numbers to the figures the question asks
(never "0" for a small non-zero value), the diagnosis of known mistakes on relative error, choices, true or
false (t/f, true/false, a/b, 1/2) and orders. Each known mistake is computed independently here (closed
forms, scipy). The judge's verdicts are in test_judge.py."""

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
from studyapp.quiz.generators import cloze_question, name_question, typed_question
from studyapp.quiz.grading import (
    GRADERS,
    Checklist,
    Grade,
    grade,
    grade_numeric,
    parse_choice,
    parse_covered,
    parse_order,
    parse_truth,
)
from studyapp.quiz.numbers import (
    EXACT,
    THREE_FIGURES,
    TWO_DECIMALS,
    AnswerError,
    Tolerance,
    diagnose,
    parse_number,
)
from studyapp.quiz.numeric import numeric_question
from studyapp.quiz.patterns import Found, Pattern
from studyapp.quiz.questions import Question, QuestionKind
from studyapp.quiz.text import allowed_edits, edit_distance, normalise, read
from studyapp.quiz.words import COMMON_WORDS

NO_USER_DECKS = Path(__file__).parent / "no-user-decks"


@cache
def cards() -> dict[str, Card]:
    return {card.id: card for card in load_library(user_dir=NO_USER_DECKS).cards}


def card(card_id: str) -> Card:
    return cards()[card_id]


# -- reading words ---------------------------------------------------------------------------------


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
    assert [allowed_edits(n) for n in (1, 3, 4, 5, 8, 9, 13, 14, 30)] == [0, 0, 0, 1, 1, 2, 2, 3, 3]


def present(term: str, answer: str) -> bool:
    """Whether key ``term`` (synonyms separated by ``|``) is in ``answer``, not negated."""
    reading = read(answer, COMMON_WORDS)
    return any(Pattern.phrase(s).find(reading) is Found.PRESENT for s in term.split("|"))


MATCHES = [
    # (answer, key term, present?)
    ("it adds non-linearity", "non-linearity|nonlinearity|nonlinear|non-linear", True),
    ("it adds NONLINEARITY", "non-linearity|nonlinearity", True),
    ("it adds non linearity", "nonlinearity", True),
    ("it adds nonlinaerity", "non-linearity", True),  # one swap
    ("a crossentropy loss", "cross-entropy", True),
    ("a cross entropy loss", "crossentropy", True),
    ("multi-layer perceptron", "multilayer", True),
    ("mini batches", "minibatches", True),
    ("updating θ", "θ|theta|weights", True),
    ("updating Theta", "θ|theta|weights", True),
    ("sigmod and tanh", "sigmoid|logistic", True),  # one letter missing
    ("the vanishng gradient", "vanishing|vanishing gradient", True),
    ("the déscent of gradients", "descent", True),  # accents
    ("the steepest ascent", "steepest ascent|uphill", True),
    ("the steepest acsent", "steepest ascent", True),
    ("the steepest descent", "steepest ascent|uphill", False),
    ("we maximise the loss", "minimise|minimize|reduce the loss", False),
    ("it is decreasing", "increasing", False),
    ("a linear activation", "non-linearity|nonlinear", False),
    ("sigma and tanh", "sigmoid", False),
    ("the output", "input", False),
    ("tahn", "tanh", True),
    ("than", "tanh", False),  # a word the reader knows is not taken for a typo
    ("later layers", "layer", True),
    ("later", "layer", False),
    ("may", "many", False),
    ("one hidden layer", "layers|layer", True),
    ("it slides", "slides|slide|sliding", True),
    ("", "anything", False),
]


@pytest.mark.parametrize(("answer", "term", "found"), MATCHES)
def test_terms_are_found_up_to_case_accents_word_breaks_endings_and_typos(
    answer: str, term: str, found: bool
) -> None:
    assert present(term, answer) is found


NEGATIONS = [
    # (answer, pattern, how it is found)
    ("forward, not backward", "backward", Found.NEGATED),
    ("forward, not backward", "forward", Found.PRESENT),
    ("it does not prevent vanishing gradients", "prevent* ...3 vanish*", Found.NEGATED),
    ("it doesn't get stuck", "stuck", Found.NEGATED),
    ("the gradient can't vanish", "not vanish*", Found.PRESENT),  # the negation is part of the pattern
    ("not only smaller but also invariant", "smaller", Found.PRESENT),
    ("using batches instead of the whole dataset makes each step cheaper", "cheaper", Found.PRESENT),
    # "without", "instead of" reach their object only, and neither say nor deny it.
    ("using batches instead of the whole dataset", "whole ...2 dataset", Found.ABSENT),
    ("without them the model is just linear", "linear", Found.PRESENT),
    ("without any nonlinear activation", "nonlinear*", Found.ABSENT),
    ("so without a nonlinearity the depth is useless", "nonlinear*", Found.ABSENT),
    ("small weights do not make the gradient vanish", "small ...6 vanish*", Found.NEGATED),
    ("gradients do not vanish and flow back", "gradient* ...3 flow*", Found.PRESENT),
    ("it is not the weights alone. the activations matter", "activation*", Found.PRESENT),
]


@pytest.mark.parametrize(("answer", "pattern", "found"), NEGATIONS)
def test_a_negation_reaches_the_rest_of_its_clause(answer: str, pattern: str, found: Found) -> None:
    assert Pattern.parse(pattern).find(read(answer, COMMON_WORDS)) is found


def test_the_pattern_language() -> None:
    reading = read("The gradient points where the function increases the fastest. It is a vector.")
    assert Pattern.parse("increas* ...3 fastest").find(reading) is Found.PRESENT
    assert Pattern.parse("increas* fastest").find(reading) is Found.PRESENT  # "the" is dropped
    assert Pattern.parse("points ...1 increas*").find(reading) is Found.ABSENT
    assert Pattern.parse("points ...6 increas*").find(reading) is Found.PRESENT
    assert Pattern.parse("fastest ...3 increas*").find(reading) is Found.ABSENT  # in order
    assert Pattern.parse("vector & increas*").find(reading) is Found.PRESENT  # anywhere, any order
    assert Pattern.parse("gradient_points|arrow").find(reading) is Found.PRESENT
    for bad in ("... ascent", "ascent ...", "a|", "ascent ...x", ""):
        with pytest.raises(ValueError):
            Pattern.parse(bad)


# -- short answers ---------------------------------------------------------------------------------


def cloze(card_id: str, expected: str) -> Question:
    """The fill-in-the-blank question of ``card_id`` whose blank is ``expected``."""
    for seed in range(50):
        question = cloze_question(card(card_id), seed)
        if question.expected == expected:
            return question
    raise AssertionError(f"no blank {expected!r} on card {card_id}")


@pytest.mark.parametrize(
    ("answer", "right"),
    [
        ("steepest ascent", True),
        ("Steepest Ascent", True),
        ("the steepest acsent", True),  # a typo
        ("uphill", True),  # a synonym
        ("fastest increase", True),
        ("increases fastest", True),
        ("the steepest ascent, not descent", True),
        ("steepest descent", False),  # the opposite term
        ("not steepest ascent", False),  # a negation
        ("steepest ascent or descent", False),
        ("direction", False),
        ("", False),
    ],
)
def test_a_blank_accepts_synonyms_and_typos_but_not_negations_or_opposites(answer: str, right: bool) -> None:
    question = cloze("gradient", "steepest ascent")
    assert question.kind is QuestionKind.SHORT and question.form == "short:cloze"
    assert "“The direction of the _____ (uphill).”" in question.prompt
    assert grade(question, answer).correct is right


def test_a_blank_says_why_an_opposite_or_a_negation_is_wrong() -> None:
    question = cloze("gradient", "steepest ascent")
    assert (
        grade(question, "steepest descent").feedback == "“descent” is the opposite of what the blank asks for"
    )
    assert grade(question, "not the steepest ascent").feedback.startswith("a negation")
    assert grade(question, "").feedback == "no answer given"
    nonlinear = cloze("mlp", "nonlinear")
    assert [grade(nonlinear, a).correct for a in ("non-linear", "non linear", "nonlinaer", "linear")] == [
        True,
        True,
        True,
        False,
    ]


def test_name_questions_reject_the_confusable_name() -> None:
    jacobian = name_question(card("jacobian"), 0)
    assert "first-order partial derivatives" in jacobian.prompt
    assert grade(jacobian, "the Jacobian").correct and grade(jacobian, "jacobain").correct
    wrong = grade(jacobian, "Hessian")
    assert not wrong.correct and "second-order" in wrong.feedback
    hessian = name_question(card("hessian"), 0)
    assert grade(hessian, "hessian matrix").correct and not grade(hessian, "jacobian").correct


# -- answers in the learner's own words: the checklist ---------------------------------------------


def test_an_unsure_verdict_waits_for_the_learners_ticks() -> None:
    question = typed_question(card("backpropagation"), 1)
    result = grade(question, "it uses the chain rule going backwards through the network")
    assert not result.correct and result.awaiting and result.checklist is not None
    assert result.checklist.ticked == {1}  # the chain rule backwards was recognised
    incomplete = result.ticked([1])
    assert not incomplete.correct and incomplete.self_graded and not incomplete.awaiting
    assert incomplete.feedback.startswith("your answer covers 1 of 2 key ideas; missing: it computes")
    complete = result.ticked([0, 1])
    assert complete.correct and complete.feedback == "your answer covers all 2 key ideas"


def test_a_confident_verdict_needs_no_ticks() -> None:
    question = typed_question(card("gradient"), 1)
    right = grade(question, "the direction in which the function increases fastest")
    assert right.correct and not right.awaiting and right.verdict == "right"
    wrong = grade(question, "the direction of steepest descent")
    assert not wrong.correct and not wrong.awaiting and wrong.verdict == "wrong"
    assert "the gradient itself points uphill" in wrong.feedback


def test_optional_ideas_are_not_needed() -> None:
    checklist = Checklist(("a", "b", "c"), (True, False, True))
    assert checklist.tick([0, 2]).complete and not checklist.tick([0, 1]).complete
    assert checklist.tick([0]).lines() == ["[x] 1. a", "[ ] 2. b (optional)", "[ ] 3. c"]
    with pytest.raises(ValueError, match="positions from 0 to 2"):
        checklist.tick([3])
    with pytest.raises(ValueError, match="only an answer judged against a rubric"):
        Grade(False, "x").ticked([0])


@pytest.mark.parametrize(
    ("text", "covered"),
    [("", None), ("1 3", [0, 2]), ("3,1", [0, 2]), ("13", [0, 2]), ("0", []), ("none", [])],
)
def test_parse_covered(text: str, covered: list[int] | None) -> None:
    assert parse_covered(text, 3) == covered


@pytest.mark.parametrize("text", ["4", "1 5", "abc", "²", "-1"])
def test_parse_covered_rejects(text: str) -> None:
    with pytest.raises(AnswerError):
        parse_covered(text, 3)


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
    ("given", "expected", "tolerance", "ok"),
    [
        (0.0, -3.30e-5, THREE_FIGURES, False),  # "0" for a small value (seed 133 q9)
        (0.0, -3.58e-4, THREE_FIGURES, False),  # (seed 343 q1)
        (-3.30e-5, -3.2987e-5, THREE_FIGURES, True),
        (-3.3e-5, -3.2987e-5, THREE_FIGURES, True),
        (-3.2e-5, -3.2987e-5, THREE_FIGURES, False),
        (2.33e-10, 0.25**16, THREE_FIGURES, True),
        (2.3e-10, 0.25**16, THREE_FIGURES, False),  # two figures only
        (9.88, 9.876, THREE_FIGURES, True),  # rounded
        (9.87, 9.876, THREE_FIGURES, True),  # truncated
        (9.86, 9.876, THREE_FIGURES, False),
        (0.1235, 0.1234567, THREE_FIGURES, True),
        (0.125, 0.1234567, THREE_FIGURES, False),
        (0.0, 0.0, THREE_FIGURES, True),
        (1e-4, 0.0, THREE_FIGURES, False),
        (1000.41, 1000.4076, TWO_DECIMALS, True),
        (1000.40, 1000.4076, TWO_DECIMALS, False),
        (21.0, 21.0, EXACT, True),
        (20.999, 21.0, EXACT, False),
        (math.inf, math.inf, THREE_FIGURES, True),
        (1e308, math.inf, THREE_FIGURES, False),
    ],
)
def test_tolerance_follows_the_figures_asked(
    given: float, expected: float, tolerance: Tolerance, ok: bool
) -> None:
    assert tolerance.accepts(given, expected) is ok


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: v != 0))
def test_zero_is_never_right_for_a_non_zero_value(value: float) -> None:
    for tolerance in (THREE_FIGURES, Tolerance(figures=2), EXACT):
        assert not tolerance.accepts(0.0, value)


@given(st.floats(min_value=1e-300, max_value=1e300), st.integers(1, 6))
def test_the_value_rounded_to_the_figures_asked_is_right(value: float, figures: int) -> None:
    rounded = float(f"{value:.{figures}g}")
    assert Tolerance(figures=figures).accepts(rounded, value)


def test_tolerances_describe_themselves() -> None:
    assert [t.describe() for t in (THREE_FIGURES, TWO_DECIMALS, EXACT)] == [
        "to 3 significant figures",
        "to 2 decimal places",
        "exactly",
    ]


def test_zero_is_wrong_for_every_small_numeric_answer() -> None:
    """The review found "0" accepted for 31 of 600 cross-entropy and 4 of 600 backprop draws."""
    small = 0
    for kind in ("cross-entropy", "backprop-gradient", "softmax-probability", "activation-gradient"):
        for seed in range(150):
            question = numeric_question(kind, None, seed)
            assert question.value is not None
            if question.value != 0 and abs(question.value) < 1e-2:
                small += 1
                assert not grade(question, "0").correct, (kind, seed, question.value)
    assert small > 20


def test_grade_numeric_names_a_matching_mistake() -> None:
    mistakes = (("forgot the padding", 14.0), ("forgot the +1", 15.0), ("ignored the stride", 15.0))
    assert grade_numeric("16", 16.0, EXACT, mistakes).correct
    assert grade_numeric("16.0", 16.0, EXACT, mistakes).correct
    wrong = grade_numeric("14", 16.0, EXACT, mistakes)
    assert not wrong.correct and wrong.mistake == "forgot the padding"
    assert "forgot the padding" in wrong.feedback
    both = grade_numeric("15", 16.0, EXACT, mistakes)
    assert both.mistake == "forgot the +1 or ignored the stride"
    assert grade_numeric("3", 16.0, EXACT, mistakes).mistake is None
    assert diagnose(0.333, (("used 1/3", 1 / 3),), EXACT) == "used 1/3"


def test_diagnosis_compares_relative_errors() -> None:
    """Seed 6 q2 of the review: 0.0001 against 0.25^16 = 2.3e-10 was told "one layer fewer or σ(0) = 0.5"."""
    mistakes = (("counted one layer fewer", 0.25**15), ("used σ(0) = 0.5", 0.5**16))
    assert diagnose(1e-4, mistakes, THREE_FIGURES) is None
    assert diagnose(9.31e-10, mistakes, THREE_FIGURES) == "counted one layer fewer"
    assert diagnose(1.53e-5, mistakes, THREE_FIGURES) == "used σ(0) = 0.5"
    assert diagnose(0.0, (("dropped the sign", 0.0),), THREE_FIGURES) == "dropped the sign"
    assert diagnose(1e-9, (("dropped the sign", 0.0),), THREE_FIGURES) is None


def test_a_tiny_wrong_answer_to_a_vanishing_gradient_is_not_misdiagnosed() -> None:
    for seed in range(300):
        question = numeric_question("activation-gradient", None, seed)
        if question.params["function"] == "sigmoid" and question.params["layers"] >= 12:
            break
    else:
        raise AssertionError("no sigmoid question with 12 layers or more")
    layers = int(question.params["layers"])
    result = grade(question, "0.0001")
    assert not result.correct and result.mistake is None
    assert diagnosis(question, 0.25 ** (layers - 1)) == "counted one layer fewer"
    assert "σ(0) = 0.5" in (diagnosis(question, 0.5**layers) or "")
    assert grade(question, f"0.25^{layers}").correct


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
    [
        ("t", True),
        ("True", True),
        ("a", True),
        ("A)", True),
        ("1", True),
        ("yes", True),
        ("f", False),
        ("FALSE", False),
        ("b", False),
        ("b.", False),
        ("2", False),
        ("NO", False),
    ],
)
def test_parse_truth_reads_t_f_true_false_a_b_and_1_2(text: str, value: bool) -> None:
    assert parse_truth(text) is value


@pytest.mark.parametrize("text", ["c", "3", "maybe", "", "tf"])
def test_parse_truth_rejects(text: str) -> None:
    with pytest.raises(AnswerError, match=r"type t \(true\) or f \(false\); 1 and 2 or a and b work too"):
        parse_truth(text)


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
    from studyapp.quiz.generators import choice_question, ordering_question, true_false_question

    mlp = card("mlp")
    question = choice_question(mlp, 7)
    right = question.solution[0]
    assert grade(question, "abcd"[right]).correct
    assert grade(question, str(right + 1)).correct
    assert not grade(question, "abcd"[(right + 1) % 4]).correct
    statement = true_false_question(mlp, 3)
    for yes, no in (("t", "f"), ("true", "false"), ("a", "b"), ("1", "2")):
        answer, other = (yes, no) if statement.solution[0] == 0 else (no, yes)
        assert grade(statement, answer).correct and not grade(statement, other).correct
    ordering = ordering_question(mlp, 5)
    assert grade(ordering, "".join(map(str, ordering.solution))).correct
    wrong = grade(ordering, "".join(map(str, reversed(ordering.solution))))
    assert not wrong.correct and "in the right place" in wrong.feedback
    typed = typed_question(mlp, 1)
    assert grade(typed, typed.reference).correct
    assert grade(typed, "a kind of layer").awaiting


# -- the graders, by kind --------------------------------------------------------------------------


def test_every_kind_has_a_grader() -> None:
    assert set(GRADERS) == set(QuestionKind)


def test_a_question_rebuilt_from_a_stored_kind_name_is_graded_by_its_kind() -> None:
    from studyapp.quiz.generators import true_false_question

    statement = true_false_question(card("mlp"), 3)
    rebuilt = Question(**{**vars(statement), "kind": "true-false"})
    assert rebuilt.kind is QuestionKind.TRUE_FALSE and rebuilt == statement
    answer = "t" if statement.solution[0] == 0 else "f"
    assert grade(rebuilt, answer).correct
    with pytest.raises(ValueError, match="'essay' is not a valid QuestionKind"):
        Question(**{**vars(statement), "kind": "essay"})
