"""Activation functions and their derivatives on a grid."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.nn import activation
from sim.plotting import is_compact
from sim.spec import Result

FUNCTIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
POINTS = 801  # odd, so x = 0 lies on the grid


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    x = np.linspace(-params["x_range"], params["x_range"], POINTS)
    curves = {name: activation(name, x, params["leak"]) for name in FUNCTIONS}
    y, dy = curves[params["function"]]
    max_derivative = float(dy.max())
    return Result(
        sim="activations",
        params=dict(params),
        answers={
            "max_derivative": max_derivative,
            "gradient_factor": max_derivative ** params["layers"],
            "derivative_at_zero": float(dy[POINTS // 2]),
            "output_min": float(y.min()),
            "output_max": float(y.max()),
        },
        data={"x": x, "curves": curves},
    )


def plot(fig: Figure, result: Result) -> None:
    chosen = result.params["function"]
    x = result.data["x"]
    left, right = fig.subplots(1, 2)
    for name, (y, dy) in result.data["curves"].items():
        width, alpha = (3.0, 1.0) if name == chosen else (1.2, 0.45)
        left.plot(x, y, label=name, linewidth=width, alpha=alpha)
        right.plot(x, dy, label=name, linewidth=width, alpha=alpha)
    left.set_title("activation f(x)")
    right.set_title("derivative f'(x)")
    peak = result.answers["max_derivative"]
    right.axhline(peak, color="#e15759", linestyle="--", linewidth=1)
    right.annotate(f"max {peak:.3g}", (x[0], peak), va="bottom", fontsize="small")
    left.legend(loc="upper left")
    if not is_compact(fig):
        for ax in (left, right):
            ax.set_xlabel("x")
