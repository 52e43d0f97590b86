"""Question generators: every numeric answer against an independent oracle (closed forms, finite
differences, scipy, torch when installed) over many seeds, valid simulation parameters, each card's
numeric questions about its own topic, explanations and worked solutions that write signs as a
mathematician would, reproducible quizzes, and coverage of every card."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.signal import correlate2d
from scipy.special import expit, logsumexp, softmax

import sim
from studyapp.content import load_library
from studyapp.model import Card
from studyapp.quiz import GENERATORS, GRADERS, KIND_LABELS, KINDS, build_quiz, grade
from studyapp.quiz.generators import FORMS, choice_question, ordering_question, true_false_question
from studyapp.quiz.numeric import NUMERIC_KINDS, generate, numeric_kinds_for, numeric_question
from studyapp.quiz.numeric_base import MINUS
from studyapp.quiz.plain import ANSWER_HELP
from studyapp.quiz.questions import OPTION_LABELS, Question, QuestionKind
from studyapp.quiz.rubric import answer_stands
from studyapp.quiz.runner import forms, make_question
from studyapp.quiz.worked import solution_lines

SEEDS = range(200)
#: Kinds whose simulation trains a model get fewer seeds, to keep the file fast.
FEWER = range(60)
NO_USER_DECKS = Path(__file__).parent / "no-user-decks"


@cache
def deck_cards() -> tuple[Card, ...]:
    """The seed's cards. (The cloze cards added to the course notes have no distractors or steps; their
    quiz questions are tested in tests/core/test_cloze_grading.py. The drill cards are quiz questions
    themselves, tested in tests/core/test_problems.py.)"""
    return tuple(
        card for card in load_library(user_dir=NO_USER_DECKS).cards if not card.cloze and not card.problem
    )


def questions(kind: str, seeds: range = SEEDS) -> list[Question]:
    return [numeric_question(kind, None, seed) for seed in seeds]


# -- independent oracles ---------------------------------------------------------------------------

KERNELS = {
    "sobel_vertical": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_horizontal": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "laplacian_diagonal": [[1, 1, 1], [1, -8, 1], [1, 1, 1]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
}


def gradient_2d(function: str, x: float, y: float, k: float = 10.0) -> tuple[float, float]:
    """Closed-form gradients of the simulations' test functions."""
    if function == "bowl":
        return x, k * y
    if function == "saddle":
        return x, y**3 - y
    if function == "ravine":
        return x, 100.0 * y
    if function == "rosenbrock":  # (1 - x)^2 + 10 (y - x^2)^2
        return -2.0 * (1.0 - x) - 40.0 * x * (y - x * x), 20.0 * (y - x * x)
    raise ValueError(function)


Fn = Callable[[Mapping[str, float]], float]
EXPRESSIONS: dict[str, Fn] = {
    "(w*x + b - y)**2": lambda v: (v["w"] * v["x"] + v["b"] - v["y"]) ** 2,
    "sigmoid(w*x + b)": lambda v: float(expit(v["w"] * v["x"] + v["b"])),
    "(sigmoid(w*x + b) - y)**2": lambda v: (float(expit(v["w"] * v["x"] + v["b"])) - v["y"]) ** 2,
    "w*x*x + b*x": lambda v: v["w"] * v["x"] ** 2 + v["b"] * v["x"],
    "log(1 + exp(w*x))": lambda v: math.log1p(math.exp(v["w"] * v["x"])),
    "tanh(w*x + b)*v": lambda v: math.tanh(v["w"] * v["x"] + v["b"]) * v["v"],
    "x + w*tanh(x)": lambda v: v["x"] + v["w"] * math.tanh(v["x"]),
    "x + w*sigmoid(x)": lambda v: v["x"] + v["w"] * float(expit(v["x"])),
    "x + tanh(w*x)": lambda v: v["x"] + math.tanh(v["w"] * v["x"]),
    "x + w*x**2": lambda v: v["x"] + v["w"] * v["x"] ** 2,
    "x*y": lambda v: v["x"] * v["y"],
    "x + y**2": lambda v: v["x"] + v["y"] ** 2,
    "x**2*y": lambda v: v["x"] ** 2 * v["y"],
    "sin(x) + y": lambda v: math.sin(v["x"]) + v["y"],
    "exp(x*y)": lambda v: math.exp(v["x"] * v["y"]),
    "x - y": lambda v: v["x"] - v["y"],
    "x*x + y": lambda v: v["x"] ** 2 + v["y"],
    "x*y*y": lambda v: v["x"] * v["y"] ** 2,
    "x**2*y + y**3": lambda v: v["x"] ** 2 * v["y"] + v["y"] ** 3,
    "x*y + x**3": lambda v: v["x"] * v["y"] + v["x"] ** 3,
    "x**2 + 3*x*y + 2*y**2": lambda v: v["x"] ** 2 + 3 * v["x"] * v["y"] + 2 * v["y"] ** 2,
    "0.25*x**4 - x**2 + y**2 + x*y": lambda v: (
        0.25 * v["x"] ** 4 - v["x"] ** 2 + v["y"] ** 2 + v["x"] * v["y"]
    ),
    "x**3*y**2": lambda v: v["x"] ** 3 * v["y"] ** 2,
}


def partial(f: Fn, values: Mapping[str, float], name: str, h: float = 1e-6) -> float:
    """Central finite difference of ``f`` in ``name``."""
    up, down = dict(values), dict(values)
    up[name] += h
    down[name] -= h
    return (f(up) - f(down)) / (2 * h)


def second_partial(f: Fn, values: Mapping[str, float], a: str, b: str, h: float = 1e-4) -> float:
    """Central second difference of ``f`` in ``a`` and ``b``."""

    def shifted(da: float, db: float) -> float:
        moved = dict(values)
        moved[a] += da
        moved[b] += db
        return f(moved)

    if a == b:
        return (shifted(h, 0) - 2 * f(values) + shifted(-h, 0)) / (h * h)
    return (shifted(h, h) - shifted(h, -h) - shifted(-h, h) + shifted(-h, -h)) / (4 * h * h)


def values_of(text: str) -> dict[str, float]:
    """``"w=0.5, x=1"`` -> ``{"w": 0.5, "x": 1.0}``."""
    return {name.strip(): float(value) for name, value in (part.split("=") for part in text.split(","))}


# -- every numeric kind against its oracle ---------------------------------------------------------


def test_conv_output_size_against_the_closed_form_and_the_simulation() -> None:
    for q in questions("conv-output-size"):
        p = q.params
        assert q.value == (p["n"] + 2 * p["padding"] - p["kernel"]) // p["stride"] + 1
        assert sim.run("convolution", q.sim_params).answers["output_shape"] == [q.value, q.value]


def test_filter_cell_against_scipy_correlate2d() -> None:
    for q in questions("conv-filter-cell"):
        p = q.params
        out = correlate2d(np.array(p["patch"], dtype=float), np.array(KERNELS[p["filter"]], float), "valid")
        assert q.value == out[p["row"], p["col"]]


def test_pooled_value_against_windows_of_the_regenerated_input() -> None:
    for q in questions("pool-value"):
        p = q.params
        x = np.random.default_rng(q.sim_seed).integers(0, 10, (p["map_size"], p["map_size"])).tolist()
        if p["kind"].startswith("global_"):
            window = [v for row in x for v in row]
        else:
            top, left = p["row"] * p["stride"], p["col"] * p["stride"]
            window = [x[top + i][left + j] for i in range(p["window"]) for j in range(p["window"])]
        expected = max(window) if p["kind"].endswith("max") else sum(window) / len(window)
        assert q.value == pytest.approx(expected, rel=1e-12)


def test_gradient_step_and_partial_derivative_against_closed_forms() -> None:
    for kind in ("gd-step", "partial-derivative"):
        for q in questions(kind):
            p = q.params
            gradient = gradient_2d(p["function"], p["x0"], p["y0"], p["conditioning"])
            axis = "xy".index(p["axis"])
            start = (p["x0"], p["y0"])[axis]
            expected = start - p["lr"] * gradient[axis] if kind == "gd-step" else gradient[axis]
            assert q.value == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_adam_first_step_against_its_closed_form_and_the_simulation() -> None:
    starts = {"ravine": (-2.0, 1.0), "rosenbrock": (-1.0, 1.5)}
    for seed, q in enumerate(questions("adam-first-step")):
        p = q.params
        axis = "xy".index(p["axis"])
        g = gradient_2d(p["function"], *starts[p["function"]])[axis]
        # Bias-corrected first step: m̂ = g, v̂ = g², so the step is lr · g / (|g| + eps).
        assert q.value == pytest.approx(
            starts[p["function"]][axis] - p["lr"] * g / (abs(g) + 1e-8), rel=1e-12
        )
        if seed < 5:
            path = sim.run("optimizers", q.sim_params).data["paths"]["adam"]
            assert path[1][axis] == pytest.approx(q.value, rel=1e-12)


def test_adam_first_step_against_torch() -> None:
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    starts = {"ravine": (-2.0, 1.0), "rosenbrock": (-1.0, 1.5)}
    for q in questions("adam-first-step", range(20)):
        p = q.params
        point = torch.tensor(starts[p["function"]], dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.Adam([point], lr=p["lr"])
        x, y = point[0], point[1]
        loss = 0.5 * (x**2 + 100 * y**2) if p["function"] == "ravine" else (1 - x) ** 2 + 10 * (y - x**2) ** 2
        loss.backward()
        optimizer.step()
        assert float(point.detach()[("xy".index(p["axis"]))]) == pytest.approx(q.value, rel=1e-12)


def test_minibatch_updates_against_the_closed_form() -> None:
    for q in questions("minibatch-updates", FEWER):
        p = q.params
        per_epoch = math.ceil(p["samples"] / p["batch_size"])
        assert q.value == per_epoch * (p["epochs"] if p["whole_run"] else 1)


def test_split_sizes_against_the_closed_form() -> None:
    for q in questions("split-size", FEWER):
        p = q.params
        train = int(Fraction(str(p["train_fraction"])) * p["samples"])  # an exact integer by construction
        validation = (p["samples"] - train) // 2
        expected = validation if p["set"] == "validation" else p["samples"] - train - validation
        assert q.value == expected


def test_activation_gradient_against_the_peak_derivative() -> None:
    peaks = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0}
    for q in questions("activation-gradient"):
        assert q.value == pytest.approx(peaks[q.params["function"]] ** q.params["layers"], rel=1e-12)


def test_per_layer_factor_against_the_root_of_the_ratio() -> None:
    for q in questions("per-layer-factor", FEWER):
        p = q.params
        assert q.value == pytest.approx((p["first"] / p["last"]) ** (1 / p["depth"]), rel=1e-9)
        assert p["first"] > 0


@pytest.mark.parametrize("kind", ["residual-gradient", "backprop-gradient", "jacobian-entry"])
def test_gradients_against_finite_differences(kind: str) -> None:
    for q in questions(kind):
        p = q.params
        if kind == "residual-gradient":
            f, values, name = EXPRESSIONS[p["expression"]], {"x": p["x"], "w": p["w"]}, "x"
        elif kind == "backprop-gradient":
            f, values, name = EXPRESSIONS[p["expression"]], values_of(p["values"]), p["asked"]
        else:
            f, values = EXPRESSIONS[(p["f1"], p["f2"])[p["row"]]], {"x": p["x"], "y": p["y"]}
            name = "xy"[p["col"]]
        assert q.value == pytest.approx(partial(f, values, name), rel=1e-6, abs=1e-7)
        # The simulation it opens shows the same number.
        shown = sim.run(q.sim or "", q.sim_params)
        assert name in shown.answers["variables"]  # type: ignore[operator]


def test_hessian_entry_against_second_differences_and_the_simulation() -> None:
    for seed, q in enumerate(questions("hessian-entry")):
        p = q.params
        values = {"x": p["x"], "y": p["y"]}
        a, b = p["entry"]
        expected = second_partial(EXPRESSIONS[p["function"]], values, a, b)
        assert q.value == pytest.approx(expected, rel=1e-4, abs=1e-4)
        if seed < 5:
            hessian = sim.run("jacobian-hessian", q.sim_params).answers["hessian"]
            assert hessian["xy".index(a)]["xy".index(b)] == pytest.approx(q.value, rel=1e-12)  # type: ignore[index]


def test_mlp_parameters_against_the_layer_sizes_and_the_simulation() -> None:
    for seed, q in enumerate(questions("mlp-parameters")):
        width = 2 if q.params["target"] == "xor" else 1
        hidden = q.params["hidden"]
        assert q.value == width * hidden + hidden + hidden * width + width
        if seed < 3:
            assert sim.run("mlp", q.sim_params).answers["parameters"] == q.value


def test_log_sum_exp_against_scipy() -> None:
    for q in questions("log-sum-exp"):
        logits = q.params["logits"]
        assert q.value == pytest.approx(float(logsumexp(logits)), rel=1e-14)
        assert max(logits) - min(logits) <= 3


def test_softmax_probability_against_scipy() -> None:
    for q in questions("softmax-probability"):
        expected = softmax(np.array(q.params["logits"]))[q.params["class"] - 1]
        assert q.value == pytest.approx(float(expected), rel=1e-12)


def test_cross_entropy_against_closed_forms() -> None:
    for q in questions("cross-entropy", FEWER):
        z, y, asked = q.params["logit"], q.params["target"], q.params["asked"]
        p = float(expit(z))
        expected = {
            "ce_loss": -math.log(p if y == 1 else 1 - p),
            "ce_gradient": p - y,
            "mse_gradient": 2 * (p - y) * p * (1 - p),
        }[asked]
        assert q.value == pytest.approx(expected, rel=1e-9, abs=1e-15)


# -- every numeric kind: valid, reproducible, recordable -------------------------------------------


@pytest.mark.parametrize("kind", sorted(NUMERIC_KINDS))
def test_numeric_questions_are_valid_and_reproducible(kind: str) -> None:
    seeds = (
        FEWER if kind in ("minibatch-updates", "split-size", "cross-entropy", "per-layer-factor") else SEEDS
    )
    for seed in seeds[:40]:
        q = numeric_question(kind, None, seed)
        assert q.kind == QuestionKind.NUMERIC and q.form == f"numeric:{kind}" and q.prompt
        assert q.value is not None and math.isfinite(q.value)
        assert q.sim in sim.NAMES
        sim.spec(q.sim).resolve(q.sim_params)  # raises ValueError for an invalid parameter
        for name, value in q.mistakes:
            assert name and not q.tolerance.accepts(value, q.value)
        json.dumps(q.record(), allow_nan=False)
        assert numeric_question(kind, None, seed) == q
        assert grade(q, repr(q.value)).correct


def test_numeric_generation_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="name must be one of"):
        generate("no-such-kind", 1)
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        generate("log-sum-exp", -1)


def test_every_simulation_has_a_numeric_question() -> None:
    covered = {name for kind in NUMERIC_KINDS.values() for name in kind.sims}
    assert covered == set(sim.NAMES)


# -- text questions --------------------------------------------------------------------------------


def test_choice_questions_hold_the_answer_once_among_distractors() -> None:
    for card in (c for c in deck_cards() if answer_stands(c)):
        orders = set()
        for seed in range(20):
            q = choice_question(card, seed)
            assert len(q.options) == 4 and len(set(q.options)) == 4
            assert q.options.count(card.answer) == 1 and q.options[q.solution[0]] == card.answer
            assert set(q.options) - {card.answer} <= set(card.distractors)
            orders.add(q.options)
            assert choice_question(card, seed) == q
        assert len(orders) > 1, card.id


def test_true_false_states_the_answer_or_a_distractor() -> None:
    card = deck_cards()[0]
    truths = []
    for seed in range(40):
        q = true_false_question(card, seed)
        truth = q.solution[0] == 0
        truths.append(truth)
        assert (card.answer in q.prompt) is truth
    assert any(truths) and not all(truths)


def test_ordering_solution_restores_the_authored_steps() -> None:
    for card in (c for c in deck_cards() if len(c.steps) >= 3):
        for seed in range(10):
            q = ordering_question(card, seed)
            assert tuple(q.options[i - 1] for i in q.solution) == card.steps
            assert q.options != card.steps


# -- quizzes ---------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_quiz() -> None:
    cards = deck_cards()
    first = build_quiz(cards, 12, 7)
    assert build_quiz(cards, 12, 7) == first
    assert [q.seed for q in build_quiz(cards, 12, 8)] != [q.seed for q in first]
    assert len(first) == 12
    assert {q.kind for q in first} == set(KINDS)


def test_a_short_quiz_has_every_kind_about_different_cards() -> None:
    for seed in range(20):
        quiz = build_quiz(deck_cards(), len(KINDS), seed)
        assert {q.kind for q in quiz} == set(KINDS)
        assert len({q.card_id for q in quiz}) == len(KINDS)


def test_a_quiz_keeps_to_the_chosen_kinds() -> None:
    quiz = build_quiz(deck_cards(), 8, 3, kinds=(QuestionKind.NUMERIC, QuestionKind.TYPED))
    assert {q.kind for q in quiz} == {QuestionKind.NUMERIC, QuestionKind.TYPED}


@pytest.mark.parametrize(
    ("count", "seed", "kinds", "message"),
    [
        (0, 1, KINDS, "count must be an integer from 1 to 200"),
        (201, 1, KINDS, "count must be an integer from 1 to 200"),
        (5, -1, KINDS, "seed must be an integer >= 0"),
        (5, 1, ("essay",), "kinds must be some of"),
    ],
)
def test_build_quiz_rejects_bad_arguments(
    count: int, seed: int, kinds: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_quiz(deck_cards(), count, seed, kinds)


def right_answer(q: Question) -> str:
    """The answer that must be graded right."""
    if q.kind == QuestionKind.CHOICE:
        return "abcd"[q.solution[0]]
    if q.kind == QuestionKind.TRUE_FALSE:
        return "t" if q.solution[0] == 0 else "f"
    if q.kind == QuestionKind.ORDERING:
        return "".join(map(str, q.solution))
    if q.kind == QuestionKind.NUMERIC:
        return repr(q.value)
    return q.reference  # typed (a model answer) and short


def test_every_card_has_three_forms_each_of_which_makes_a_gradable_question() -> None:
    cards = deck_cards()
    assert len(cards) == 27
    for card in cards:
        available: Mapping[str, Any] = forms(card)
        distinct = [(kind, form) for kind, names in available.items() for form in names]
        assert len({kind for kind, _ in distinct}) >= 3, card.id
        for kind, form in distinct:
            q = make_question(card, kind, form, 11)
            assert q.card_id == card.id and q.tags == card.tags
            assert grade(q, right_answer(q)).correct, (card.id, form)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_three_rounds_ask_about_every_card_in_three_kinds(seed: int) -> None:
    cards = deck_cards()
    quiz = build_quiz(cards, 3 * len(cards), seed)
    seen: dict[str | None, set[str]] = {}
    for q in quiz:
        seen.setdefault(q.card_id, set()).add(q.kind)
    assert set(seen) == {card.id for card in cards}
    assert all(len(kinds) >= 3 for kinds in seen.values()), seen


def test_importing_the_quiz_package_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import json, sys, studyapp.quiz; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out))
    assert not loaded & {"numpy", "textual", "matplotlib"}


# -- the kinds and their tables --------------------------------------------------------------------


def test_kinds_keep_the_names_stored_in_existing_collections() -> None:
    assert [kind.value for kind in QuestionKind] == [
        "choice",
        "typed",
        "numeric",
        "ordering",
        "true-false",
        "short",
    ]
    assert tuple(QuestionKind) == KINDS
    assert QuestionKind("true-false") is QuestionKind.TRUE_FALSE
    assert str(QuestionKind.TRUE_FALSE) == f"{QuestionKind.TRUE_FALSE}" == "true-false"


def test_every_kind_is_in_every_table() -> None:
    for table in (FORMS, GENERATORS, GRADERS, OPTION_LABELS, ANSWER_HELP, KIND_LABELS):
        assert set(table) == set(QuestionKind), table


def test_kinds_may_be_given_by_their_stored_names() -> None:
    cards = deck_cards()
    by_name = build_quiz(cards, 8, 3, kinds=("numeric", "typed"))
    assert by_name == build_quiz(cards, 8, 3, kinds=(QuestionKind.NUMERIC, QuestionKind.TYPED))
    assert all(type(q.kind) is QuestionKind for q in by_name)
    card = next(c for c in cards if c.distractors)
    assert make_question(card, "choice", "choice", 1) == choice_question(card, 1)
    with pytest.raises(
        ValueError, match="kind must be one of choice, typed, numeric, ordering, true-false, short"
    ):
        make_question(card, "essay", "essay", 1)


def test_a_quiz_without_numeric_questions_does_not_load_numpy() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from studyapp.content import load_library;"
        "from studyapp.quiz import build_quiz;"
        f"cards = load_library(user_dir=Path({str(NO_USER_DECKS)!r})).cards;"
        "build_quiz(cards, 6, 1, ('choice', 'typed', 'ordering', 'true-false', 'short'));"
        "print('numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# -- each card's numeric questions are about its own topic -----------------------------------------


def card_by_id(card_id: str) -> Card:
    return next(card for card in deck_cards() if card.id == card_id)


@pytest.mark.parametrize(
    ("card_id", "kinds"),
    [
        ("jacobian", ["jacobian-entry"]),
        ("hessian", ["hessian-entry"]),
        ("partial-derivative", ["partial-derivative"]),
        ("padding-striding", ["conv-output-size"]),
        ("filter-kinds", ["conv-filter-cell"]),
        ("cnn", ["conv-output-size", "conv-filter-cell"]),
        ("loss-function", ["cross-entropy"]),
        ("cross-entropy", ["softmax-probability", "cross-entropy"]),
        ("log-sum-exp", ["log-sum-exp", "softmax-probability"]),
        ("vanishing-exploding", ["activation-gradient", "per-layer-factor"]),
    ],
)
def test_each_card_gets_the_numeric_questions_of_its_own_topic(card_id: str, kinds: list[str]) -> None:
    """The Jacobian and Hessian cards share a simulation but no longer each other's questions."""
    assert numeric_kinds_for(card_by_id(card_id)) == kinds


def test_every_card_with_a_simulation_has_a_numeric_question_about_it() -> None:
    for card in deck_cards():
        if card.sim is not None:
            made = [name for name, kind in NUMERIC_KINDS.items() if card.sim in kind.sims]
            assert set(numeric_kinds_for(card)) <= set(made) and numeric_kinds_for(card), card.id


def test_a_quiz_asks_the_jacobian_card_about_jacobians_only() -> None:
    cards = [card_by_id("jacobian"), card_by_id("hessian")]
    quiz = build_quiz(cards, 12, 5, kinds=(QuestionKind.NUMERIC,))
    assert {(q.card_id, q.form) for q in quiz} == {
        ("jacobian", "numeric:jacobian-entry"),
        ("hessian", "numeric:hessian-entry"),
    }


# -- explanations agree with their answers, and write signs as a mathematician would ---------------


def test_the_gradient_through_a_residual_block_never_vanishes() -> None:
    """Seed 86 q14 of the review expected 0 while the explanation said the gradient cannot vanish."""
    for q in questions("residual-gradient", range(600)):
        assert q.value is not None and q.value >= 1.0, q.params
        assert "stays at least 1" in q.explanation


#: A hyphen written as a minus sign: before a digit or a bracket, not inside a word or an exponent (2e-10).
HYPHEN_MINUS = re.compile(r"(?<![A-Za-z])-(?=[\d(.])")
BAD_SIGNS = ("+ -", "- -", "− -", "·-", "+ −", "− −", "·−", "= -", "(-", "e^-", "^-")


@pytest.mark.parametrize("kind", sorted(NUMERIC_KINDS))
def test_explanations_write_signs_as_a_mathematician_would(kind: str) -> None:
    seeds = (
        range(20)
        if kind in ("minibatch-updates", "split-size", "cross-entropy", "per-layer-factor")
        else SEEDS
    )
    for seed in seeds:
        q = numeric_question(kind, None, seed)
        for text in (q.explanation, q.expected, *solution_lines(q.worked)):
            assert not any(bad in text for bad in BAD_SIGNS), (kind, seed, text)
            assert not HYPHEN_MINUS.search(text), (kind, seed, text)


def test_a_negative_factor_is_bracketed() -> None:
    for q in questions("gd-step"):
        p = q.params
        gradient = gradient_2d(p["function"], p["x0"], p["y0"], p["conditioning"])["xy".index(p["axis"])]
        if gradient < 0:
            text = "\n".join(solution_lines(q.worked))
            assert f"·({MINUS}" in text and f" {MINUS} " in text, text
            return
    raise AssertionError("no gradient-descent step with a negative gradient")
