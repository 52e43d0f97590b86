"""Gradient with respect to a logit under cross-entropy and under squared error after a sigmoid."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.nn import mlp_gradients, sigmoid
from sim.plotting import is_compact
from sim.spec import Result

POINTS = 121
ONE = np.ones((1, 1))
COLORS = {"ce": "#4e9af1", "mse": "#f28e2b"}


def cross_entropy_at(logit: float, target: int) -> tuple[float, float]:
    """Loss and dL/dz of softmax cross-entropy on the logits (0, z), which is -log sigmoid(z) for y = 1.

    The logit is the weight of a one-input linear layer fed with 1, so dL/dW is dL/dz.
    """
    loss, (dw,), _ = mlp_gradients(
        [np.array([[0.0], [logit]])], [np.zeros(2)], ONE, np.array([target]), loss="cross_entropy"
    )
    return loss, float(dw[1, 0])


def squared_error_at(logit: float, target: int) -> tuple[float, float]:
    """Loss and dL/dz of (sigmoid(z) - y)^2: the logit feeds one sigmoid unit read out with weight 1."""
    loss, (dw, _), _ = mlp_gradients(
        [np.array([[logit]]), ONE], [np.zeros(1), np.zeros(1)], ONE, np.array([[float(target)]]), "sigmoid"
    )
    return loss, float(dw[0, 0])


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    z, target = params["logit"], params["target"]
    ce_loss, ce_gradient = cross_entropy_at(z, target)
    mse_loss, mse_gradient = squared_error_at(z, target)
    grid = np.linspace(-params["logit_range"], params["logit_range"], POINTS)
    curves = {
        "ce": np.array([cross_entropy_at(float(g), target) for g in grid]),
        "mse": np.array([squared_error_at(float(g), target) for g in grid]),
    }
    return Result(
        sim="cross-entropy",
        params=dict(params),
        answers={
            "ce_gradient": ce_gradient,
            "mse_gradient": mse_gradient,
            "gradient_ratio": abs(ce_gradient) / abs(mse_gradient),
            "ce_loss": ce_loss,
            "mse_loss": mse_loss,
            "probability": float(sigmoid(z)[0]),
        },
        data={"grid": grid, "curves": curves},
    )


def plot(fig: Figure, result: Result) -> None:
    small = is_compact(fig)
    losses, gradients = fig.subplots(1, 2)
    grid, z = result.data["grid"], result.params["logit"]
    labels = {"ce": "cross-entropy", "mse": "squared error"}
    for key, curve in result.data["curves"].items():
        losses.plot(grid, curve[:, 0], color=COLORS[key], label=labels[key])
        gradients.plot(grid, curve[:, 1], color=COLORS[key], label=labels[key])
        losses.plot([z], [result.answers[f"{key}_loss"]], "o", color=COLORS[key])
        gradients.plot([z], [result.answers[f"{key}_gradient"]], "o", color=COLORS[key])
    for ax in (losses, gradients):
        ax.axvline(z, color="#e15759", linewidth=1.0, linestyle="--")
        ax.locator_params(nbins=4)
    gradients.axhline(0.0, color="#888888", linewidth=0.8)
    losses.set_title(
        f"loss, y = {result.params['target']}" if small else f"loss, target y = {result.params['target']}"
    )
    gradients.set_title("gradient dL/dz")
    if not small:
        losses.legend(loc="best")
        losses.set_xlabel("logit z")
        gradients.set_xlabel("logit z")
