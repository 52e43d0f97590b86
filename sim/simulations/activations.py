"""Activation functions and their derivatives on a grid."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.spec import Result

FUNCTIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
POINTS = 801  # odd, so x = 0 lies on the grid


def activation(name: str, x: np.ndarray, leak: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """The activation ``name`` and its derivative at ``x`` (ReLU's derivative at 0 is taken as 0)."""
    if name == "sigmoid":
        y = 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic
        return y, y * (1.0 - y)
    if name == "tanh":
        y = np.tanh(x)
        return y, 1.0 - y * y
    if name == "relu":
        return np.maximum(x, 0.0), (x > 0).astype(float)
    if name == "leaky_relu":
        return np.where(x > 0, x, leak * x), np.where(x > 0, 1.0, leak)
    raise ValueError(f"activation must be one of {', '.join(FUNCTIONS)}, got {name!r}")


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
    for ax in (left, right):
        ax.set_xlabel("x")
