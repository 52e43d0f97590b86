"""Numeric questions about optimisation: gradients, gradient-descent and Adam steps, batching, data splits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

import sim
from sim.functions import make
from sim.spec import Result
from studyapp.quiz.numeric_base import (
    EXACT,
    SIGNIFICANT,
    Numeric,
    NumericKind,
    answer,
    answer_list,
    factor,
    number,
    pick,
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

    def question(
        self, prompt: str, value: float, candidates: list[tuple[str, float]], explanation: str
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
    return at.question(
        f"Gradient descent on f(x, y) = {at.formula} starts at (x, y) = ({x0}, {y0}) with learning rate "
        f"{shown(lr)}. What is {name} after one step? ({SIGNIFICANT})",
        value,
        candidates,
        f"{name} ← {name} − lr·∂f/∂{name} = {shown(start)} − {shown(lr)}·{factor(g)} = {shown(value)}",
    )


def partial_derivative(rng: np.random.Generator, seed: int) -> Numeric:
    """A partial derivative of the simulation's bowl or saddle at its starting point."""
    at = _surface(rng)
    name, other, gradient = at.name, AXES[1 - at.axis], at.gradient
    value = gradient[at.axis]
    candidates = [(f"gave ∂f/∂{other} instead", gradient[1 - at.axis])]
    if at.params["function"] == "bowl":
        candidates.append(("dropped the ½ in front of f", 2.0 * value))
    x0, y0 = shown(at.params["x0"]), shown(at.params["y0"])
    return at.question(
        f"f(x, y) = {at.formula}. What is the partial derivative ∂f/∂{name} at (x, y) = ({x0}, {y0})? "
        f"({SIGNIFICANT})",
        value,
        candidates,
        f"Differentiate with respect to {name}, holding {other} constant, then put in the point: "
        f"∂f/∂{name} = {shown(value)}; the gradient is ({shown(gradient[0])}, {shown(gradient[1])}).",
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
            f"coordinate by lr·g/(|g| + ε) ≈ lr against its gradient's sign (here g = {shown(g)}): "
            f"{shown(value)}."
        ),
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
        explanation=f"ceil({samples} / {batch}) = {per_epoch[1]} updates per epoch"
        + (f", × {epochs}" if whole else ""),
        tolerance=EXACT,
    )


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
        (f"gave the {SPLITS[other]} set's size", sizes[other]),
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
        explanation=f"training {sizes[0]}, validation {sizes[1]}, test {sizes[2]}",
        tolerance=EXACT,
    )


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
