"""Numeric questions about optimisation: gradients, gradient-descent and Adam steps, batching, data splits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

import sim
from sim.functions import make
from sim.spec import Result
from studyapp.quiz.chain_rule import worked_formula
from studyapp.quiz.numeric_base import (
    EXACT,
    FULL,
    SIGNIFICANT,
    Numeric,
    NumericKind,
    Step,
    answer,
    answer_list,
    exact,
    factor,
    minus,
    number,
    pick,
    pretty,
    shown,
)

#: Starting coordinates: multiples of 0.5 in the gradient-descent simulation's range, never 0.
HALVES = (-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0)
CONDITIONING = (1.0, 2.0, 4.0, 5.0, 10.0)
LEARNING_RATES = (0.05, 0.1, 0.2, 0.25, 0.5)
ADAM_RATES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
AXES = ("x", "y")
ADAM_FUNCTIONS = {"ravine": "½(x² + 100y²)", "rosenbrock": "(1 − x)² + 10(y − x²)²"}
#: The partial derivatives of the test functions as a textbook writes them (in ``sim``'s syntax); the
#: bowl's y-derivative is its conditioning times y. Each one shown is checked against ``sim``.
GRADIENTS = {
    "saddle": ("x", "y**3 - y"),
    "ravine": ("x", "100*y"),
    "rosenbrock": ("-2*(1 - x) - 40*x*(y - x**2)", "20*(y - x**2)"),
}
TRAIN_FRACTIONS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
SPLITS = ("training", "validation", "test")


@dataclass(frozen=True)
class _Surface:
    """A random start on the gradient-descent simulation's bowl or saddle, and what the simulation says."""

    params: dict[str, Any]
    formula: str
    axis: int
    result: Result
    gradient: list[float]

    @property
    def name(self) -> str:
        return AXES[self.axis]

    @property
    def point(self) -> dict[str, float]:
        """The starting point as variable values."""
        return {"x": float(self.params["x0"]), "y": float(self.params["y0"])}

    @property
    def derivative(self) -> str:
        """∂f/∂(this axis) in ``sim``'s syntax."""
        if self.params["function"] == "bowl":
            return ("x", f"{number(self.params['conditioning'])}*y")[self.axis]
        return GRADIENTS[str(self.params["function"])][self.axis]

    def derivative_steps(self) -> list[Step]:
        """∂f/∂(this axis) worked out at the start, ending in the simulation's value."""
        return worked_formula(self.derivative, self.point, f"∂f/∂{self.name}", self.gradient[self.axis])

    def question(
        self,
        prompt: str,
        value: float,
        candidates: list[tuple[str, float]],
        explanation: str,
        solution: tuple[Step, ...],
    ) -> Numeric:
        """The numeric question about this start; opening it shows this very run."""
        return Numeric(
            prompt=prompt,
            value=value,
            params={**self.params, "axis": self.name},
            sim="gradient-descent",
            sim_params=dict(self.params),
            mistakes=tuple(candidates),
            explanation=explanation,
            solution=solution,
        )


def _surface(rng: np.random.Generator) -> _Surface:
    """Random parameters of the gradient-descent simulation, the formula of f, an axis, and the run."""
    function = str(pick(rng, ("bowl", "bowl", "bowl", "saddle")))
    k = float(pick(rng, CONDITIONING))
    params: dict[str, Any] = {
        "function": function,
        "x0": float(pick(rng, HALVES)),
        "y0": float(pick(rng, HALVES)),
        "lr": float(pick(rng, LEARNING_RATES)),
        "conditioning": k,
    }
    formula = "x²/2 + y⁴/4 − y²/2" if function == "saddle" else f"½(x² + {'' if k == 1 else number(k)}y²)"
    axis = int(rng.integers(2))
    result = sim.run("gradient-descent", params)
    return _Surface(params, formula, axis, result, [float(g) for g in answer_list(result, "gradient")])


def gradient_step(rng: np.random.Generator, seed: int) -> Numeric:
    """A coordinate after one gradient-descent step on the simulation's bowl or saddle."""
    at = _surface(rng)
    name, gradient = at.name, at.gradient
    value = answer(at.result, f"next_{name}")
    start, lr, g = float(at.params[f"{name}0"]), float(at.params["lr"]), gradient[at.axis]
    candidates = [
        ("forgot the learning rate (took a whole gradient step)", start - g),
        ("got the sign of the step wrong (stepped uphill)", start + lr * g),
        ("used the other coordinate's gradient", start - lr * gradient[1 - at.axis]),
    ]
    x0, y0 = shown(at.params["x0"]), shown(at.params["y0"])
    label, rule = f"{name} after one step", f"{name} − lr·∂f/∂{name}"
    solution = (
        Step(label, rule, f"{shown(start)} − {shown(lr)}·∂f/∂{name}({x0}, {y0})", value),
        *at.derivative_steps(),
        Step("lr·∂f/∂" + name, "", f"{shown(lr)}·{factor(g, FULL)}", lr * g),
        Step(label, rule, f"{shown(start)} {minus(lr * g, FULL)}", value),
    )
    return at.question(
        f"Gradient descent on f(x, y) = {at.formula} starts at (x, y) = ({x0}, {y0}) with learning rate "
        f"{shown(lr)}. What is {name} after one step? ({SIGNIFICANT})",
        value,
        candidates,
        f"Gradient descent moves {name} against its partial derivative, by the learning rate times it.",
        solution,
    )


def partial_derivative(rng: np.random.Generator, seed: int) -> Numeric:
    """A partial derivative of the simulation's bowl or saddle at its starting point."""
    at = _surface(rng)
    name, other, gradient = at.name, AXES[1 - at.axis], at.gradient
    value = gradient[at.axis]
    candidates = [("gave the partial derivative with respect to the other variable", gradient[1 - at.axis])]
    if at.params["function"] == "bowl":
        candidates.append(("dropped the ½ in front of f", 2.0 * value))
    x0, y0 = shown(at.params["x0"]), shown(at.params["y0"])
    solution = (
        Step(f"∂f/∂{name}", f"∂/∂{name} [{at.formula}]", f"{pretty(at.derivative)} at ({x0}, {y0})", value),
        *at.derivative_steps(),
    )
    return at.question(
        f"f(x, y) = {at.formula}. What is the partial derivative ∂f/∂{name} at (x, y) = ({x0}, {y0})? "
        f"({SIGNIFICANT})",
        value,
        candidates,
        f"Differentiate with respect to {name}, holding {other} constant, then put in the point; the "
        f"gradient is ({shown(gradient[0])}, {shown(gradient[1])}).",
        solution,
    )


def adam_first_step(rng: np.random.Generator, seed: int) -> Numeric:
    """A coordinate after Adam's first step on the optimizers simulation's ravine or Rosenbrock valley."""
    name = str(pick(rng, tuple(ADAM_FUNCTIONS)))
    lr = float(pick(rng, ADAM_RATES))
    axis = int(rng.integers(2))
    function = make(name)
    start = np.array(function.start, dtype=np.float64)
    value = float(sim.optimize("adam", function.gradient, start, lr, 1)[1, axis])
    g = float(function.gradient(start)[axis])
    beta1, beta2 = ADAM_BETAS
    uncorrected = start[axis] - lr * (1.0 - beta1) * g / (math.sqrt((1.0 - beta2) * g * g) + ADAM_EPS)
    candidates = [
        (
            "took a plain gradient-descent step (no division by √v̂)",
            sim.optimize("sgd", function.gradient, start, lr, 1)[1, axis],
        ),
        (
            "got the sign of the step wrong",
            sim.optimize("adam", lambda p: -function.gradient(p), start, lr, 1)[1, axis],
        ),
        ("forgot the learning rate", sim.optimize("adam", function.gradient, start, 1.0, 1)[1, axis]),
        ("forgot the bias correction", uncorrected),
    ]
    coordinate = AXES[axis]
    x0, y0 = (shown(v) for v in function.start)
    return Numeric(
        prompt=(
            f"Adam (β1 = {beta1}, β2 = {beta2}, ε = 1e-8, with bias correction) minimises "
            f"f(x, y) = {ADAM_FUNCTIONS[name]} from (x, y) = ({x0}, {y0}) with learning rate {shown(lr)}. "
            f"What is {coordinate} after its first step? ({SIGNIFICANT})"
        ),
        value=value,
        params={"function": name, "lr": lr, "axis": coordinate},
        sim="optimizers",
        sim_params={"function": name, "adaptive_lr": lr, "noise": 0.0},
        mistakes=tuple(candidates),
        explanation=(
            "On the first step the bias-corrected moments are m̂ = g and v̂ = g², so Adam moves every "
            "coordinate by lr·g/(|g| + ε) ≈ lr against its gradient's sign, however large the gradient."
        ),
        solution=adam_steps(name, axis, start, lr, g, value),
    )


def adam_steps(
    name: str, axis: int, start: np.ndarray, lr: float, g: float, value: float
) -> tuple[Step, ...]:
    """Adam's first step on one coordinate: the gradient, both moments, their bias correction, the step."""
    beta1, beta2 = ADAM_BETAS
    m, v = (1.0 - beta1) * g, (1.0 - beta2) * g * g
    m_hat, v_hat = m / (1.0 - beta1), v / (1.0 - beta2)
    step = lr * m_hat / (math.sqrt(v_hat) + ADAM_EPS)
    coordinate = AXES[axis]
    point = {"x": float(start[0]), "y": float(start[1])}
    label, rule = f"{coordinate} after one step", f"{coordinate} − lr·m̂/(√v̂ + ε)"
    given = f"with g = ∂f/∂{coordinate}({shown(point['x'])}, {shown(point['y'])})"
    return (
        Step(label, rule, f"{shown(start[axis])} − {shown(lr)}·m̂/(√v̂ + 1e-8) {given}", value),
        *worked_formula(GRADIENTS[name][axis], point, "g", g),
        Step("m", f"(1 − {beta1})·g", f"(1 − {beta1})·{factor(g, FULL)}", m),
        Step("v", f"(1 − {beta2})·g²", f"(1 − {beta2})·{factor(g, FULL)}²", v),
        Step("m̂", f"m/(1 − {beta1})", f"{exact(m)}/(1 − {beta1})", m_hat),
        Step("v̂", f"v/(1 − {beta2})", f"{exact(v)}/(1 − {beta2})", v_hat),
        Step("lr·m̂/(√v̂ + ε)", "", f"{shown(lr)}·{factor(m_hat, FULL)}/(√{exact(v_hat)} + 1e-8)", step),
        Step(label, f"{coordinate} − lr·m̂/(√v̂ + ε)", f"{shown(start[axis])} {minus(step, FULL)}", value),
    )


def minibatch_updates(rng: np.random.Generator, seed: int) -> Numeric:
    """Weight updates of minibatch gradient descent in one epoch or several (batching simulation)."""
    samples = int(rng.integers(32, 257))
    batch = int(rng.integers(2, 65))
    epochs = int(rng.integers(1, 4))
    whole = bool(rng.integers(2))
    params = {"samples": samples, "batch_size": batch, "epochs": epochs}
    result = sim.run("batching", params, seed)
    per_epoch = [int(n) for n in answer_list(result, "updates_per_epoch")]
    times = epochs if whole else 1
    value = per_epoch[1] * times
    candidates = [
        ("dropped the last, smaller batch", samples // batch * times),
        ("gave stochastic gradient descent's count (one update per example)", per_epoch[2] * times),
    ]
    if whole:
        candidates.append(("counted one epoch only", per_epoch[1]))
    span = f"in {epochs} epoch{'s' if epochs != 1 else ''}" if whole else "in one epoch"
    return Numeric(
        prompt=(
            f"Minibatch gradient descent on {samples} training examples with batch size {batch} "
            f"(the last, smaller batch is kept): how many weight updates does it make {span}?"
        ),
        value=float(value),
        params={**params, "whole_run": whole},
        sim="batching",
        sim_params={**params, "epochs": epochs if whole else 1},  # the run the question is about
        sim_seed=seed,
        mistakes=tuple(candidates),
        explanation=(
            "Each batch gives one update, and the last, smaller batch counts too: the number of batches "
            "is the number of examples over the batch size, rounded up."
        ),
        tolerance=EXACT,
        solution=minibatch_steps(samples, batch, epochs if whole else None, per_epoch[1], value),
    )


def minibatch_steps(
    samples: int, batch: int, epochs: int | None, per_epoch: int, value: int
) -> tuple[Step, ...]:
    """Batches per epoch (N/B rounded up), times the epochs when the question asks about several."""
    rule = "⌈N/B⌉" if epochs is None else "⌈N/B⌉·E"
    numbers = f"⌈{samples}/{batch}⌉" + ("" if epochs is None else f"·{epochs}")
    ratio = samples / batch
    steps = [
        Step("updates", rule, numbers, value),
        Step("N/B", "", f"{samples}/{batch}", ratio),
        Step("updates per epoch", "⌈N/B⌉", f"⌈{shown(ratio)}⌉", per_epoch),
    ]
    if epochs is not None:
        steps.append(Step("updates", rule, f"{per_epoch}·{epochs}", value))
    else:
        steps[-1] = Step("updates", "⌈N/B⌉", f"⌈{shown(ratio)}⌉", value)
    return tuple(steps)


def split_size(rng: np.random.Generator, seed: int) -> Numeric:
    """The size of the validation or test set of the data-splits simulation."""
    samples = int(pick(rng, range(20, 201, 10)))
    fraction = float(pick(rng, TRAIN_FRACTIONS))
    asked = int(pick(rng, (1, 2)))
    params = {"samples": samples, "train_fraction": fraction}
    result = sim.run("data-splits", params, seed)
    sizes = [int(n) for n in answer_list(result, "split_sizes")]
    value = sizes[asked]
    other = 3 - asked
    candidates = [
        ("gave the other held-out set's size (validation and test swapped)", sizes[other]),
        ("gave the training set's size", sizes[0]),
        ("split all the data into three equal sets", samples / 3),
    ]
    return Numeric(
        prompt=(
            f"{samples} samples are split at random: {fraction:.0%} for training, and the validation and "
            f"test sets share the rest equally (the test set takes any odd one out). How many samples are "
            f"in the {SPLITS[asked]} set?"
        ),
        value=float(value),
        params={**params, "set": SPLITS[asked]},
        sim="data-splits",
        sim_params=params,
        sim_seed=seed,
        mistakes=tuple(candidates),
        explanation=(
            f"Training takes its share first (rounded to a whole sample); validation and test halve the "
            f"rest: training {sizes[0]}, validation {sizes[1]}, test {sizes[2]}."
        ),
        tolerance=EXACT,
        solution=split_steps(samples, fraction, SPLITS[asked], sizes),
    )


def split_steps(samples: int, fraction: float, asked: str, sizes: list[int]) -> tuple[Step, ...]:
    """The training set's size, the rest, its half for validation, and what is left for the test set."""
    train, validation, test = sizes
    rest = samples - train
    share = fraction * samples
    half = f"⌊({samples} − round({shown(fraction)}·{samples}))/2⌋"
    if asked == "validation":
        first = Step("validation", "⌊(N − round(f·N))/2⌋", half, validation)
    else:
        first = Step(
            "test",
            "N − round(f·N) − ⌊(N − round(f·N))/2⌋",
            f"{samples} − round({shown(fraction)}·{samples}) − {half}",
            test,
        )
    steps = [
        first,
        Step("f·N", "", f"{shown(fraction)}·{samples}", share),
        Step("training", "round(f·N)", f"round({exact(share)})", train),
        Step("rest", "N − training", f"{samples} − {train}", rest),
        Step("validation", "⌊rest/2⌋", f"⌊{rest}/2⌋", validation),
    ]
    if asked == "test":
        steps.append(Step("test", "rest − validation", f"{rest} − {validation}", test))
    return tuple(steps)


KINDS = (
    NumericKind(
        "gd-step",
        "One gradient-descent step",
        ("gradient-descent",),
        gradient_step,
        ("gradient descent", "learning rate"),
    ),
    NumericKind(
        "partial-derivative",
        "A partial derivative",
        ("gradient-descent",),
        partial_derivative,
        ("partial derivative",),
    ),
    NumericKind("adam-first-step", "Adam's first step", ("optimizers",), adam_first_step),
    NumericKind("minibatch-updates", "Updates per epoch", ("batching",), minibatch_updates),
    NumericKind("split-size", "Sizes of the data splits", ("data-splits",), split_size),
)
