"""Gradient with respect to a logit under cross-entropy and under squared error after a sigmoid."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.networks import mlp_gradients_stacked
from sim.nn import sigmoid
from sim.spec import Result

if TYPE_CHECKING:
    from sim.layout import Layout


POINTS = 121
ONE = np.ones((1, 1))
COLORS = {"ce": "#4e9af1", "mse": "#f28e2b"}


def cross_entropy_at(logits: np.ndarray, target: int) -> tuple[np.ndarray, np.ndarray]:
    """Loss and dL/dz of softmax cross-entropy on the logits (0, z), which is -log sigmoid(z) for y = 1.

    Each logit is the weight of a one-input linear layer fed with 1, so dL/dW is dL/dz; all the
    logits are separate networks, backpropagated side by side.
    """
    count = logits.size
    weights = np.zeros((count, 2, 1))
    weights[:, 1, 0] = logits
    loss, (dw,), _ = mlp_gradients_stacked(
        [weights], [np.zeros((count, 2))], ONE, np.array([target]), loss="cross_entropy"
    )
    return loss, dw[:, 1, 0].copy()


def squared_error_at(logits: np.ndarray, target: int) -> tuple[np.ndarray, np.ndarray]:
    """Loss and dL/dz of (sigmoid(z) - y)^2: each logit feeds one sigmoid unit read out with weight 1."""
    count = logits.size
    loss, (dw, _), _ = mlp_gradients_stacked(
        [logits.reshape(count, 1, 1), np.ones((count, 1, 1))],
        [np.zeros((count, 1)), np.zeros((count, 1))],
        ONE,
        np.array([[float(target)]]),
        "sigmoid",
    )
    return loss, dw[:, 0, 0].copy()


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    z, target = params["logit"], params["target"]
    grid = np.linspace(-params["logit_range"], params["logit_range"], POINTS)
    # The chosen logit and the grid of the curves, in one pass per loss.
    logits = np.append(grid, z)
    ce_losses, ce_gradients = cross_entropy_at(logits, target)
    mse_losses, mse_gradients = squared_error_at(logits, target)
    ce_loss, ce_gradient = float(ce_losses[-1]), float(ce_gradients[-1])
    mse_loss, mse_gradient = float(mse_losses[-1]), float(mse_gradients[-1])
    curves = {
        "ce": np.stack([ce_losses[:-1], ce_gradients[:-1]], axis=1),
        "mse": np.stack([mse_losses[:-1], mse_gradients[:-1]], axis=1),
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


def plot(layout: Layout, result: Result) -> None:
    from sim.plotting import is_compact

    small = is_compact(layout.figure)
    losses, gradients = layout.subplots(1, 2)
    grid, z = result.data["grid"], result.params["logit"]
    labels = {"ce": "cross-entropy", "mse": "squared error"}
    for key, curve in result.data["curves"].items():
        layout.line(losses, grid, curve[:, 0], color=COLORS[key], label=labels[key])
        layout.line(gradients, grid, curve[:, 1], color=COLORS[key], label=labels[key])
        dot: dict[str, Any] = {"color": COLORS[key], "marker": "o", "linestyle": "None"}
        layout.line(losses, [z], [result.answers[f"{key}_loss"]], **dot)
        layout.line(gradients, [z], [result.answers[f"{key}_gradient"]], **dot)
    for ax in (losses, gradients):
        layout.axline(ax, float(z), vertical=True, color="#e15759", linewidth=1.0, linestyle="--")
        ax.locator_params(nbins=4)
    layout.axline(gradients, 0.0, vertical=False, color="#888888", linewidth=0.8)
    losses.set_title(
        f"loss, y = {result.params['target']}" if small else f"loss, target y = {result.params['target']}"
    )
    gradients.set_title("gradient dL/dz")
    if not small:
        layout.legend(losses, loc="best")
    losses.set_xlabel("logit z")
    gradients.set_xlabel("logit z")
    losses.set_ylabel("loss L")
    gradients.set_ylabel("dL/dz")
