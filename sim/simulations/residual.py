"""The same deep network with and without identity shortcuts: gradient per layer and training loss."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.nn import fit, init_mlp, mlp_gradients
from sim.plotting import is_compact, quiet_log_axis
from sim.spec import Result

WIDTH = 16
POINTS = 32
BIAS_SCALE = 0.1
VARIANTS = ("plain", "residual")


def network(
    depth: int, rng: np.random.Generator
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, np.ndarray]:
    """Weights shared by both variants (blocks scaled by 1 / sqrt(depth)) and the sin(x) data."""
    weights, biases = init_mlp([1] + [WIDTH] * (depth + 1) + [1], rng, 1.0, BIAS_SCALE)
    for w in weights[1:-1]:  # the WIDTH -> WIDTH blocks
        w /= math.sqrt(depth)
    x = np.linspace(-2.0, 2.0, POINTS)[:, None]
    return weights, biases, x, np.sin(x)


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    activation = params["activation"]
    weights, biases, x, y = network(params["depth"], rng)
    norms: dict[str, np.ndarray] = {}
    losses: dict[str, np.ndarray] = {}
    diverged: dict[str, bool] = {}
    for variant in VARIANTS:
        shortcut = variant == "residual"
        _, dws, _ = mlp_gradients(weights, biases, x, y, activation, residual=shortcut)
        norms[variant] = np.array([np.linalg.norm(dw) for dw in dws])
        run = fit(weights, biases, x, y, params["steps"], params["lr"], activation, residual=shortcut)
        losses[variant] = run.losses
        diverged[variant] = run.diverged
    return Result(
        sim="residual",
        params=dict(params),
        answers={
            "first_layer_gradient_residual": float(norms["residual"][0]),
            "first_layer_gradient_plain": float(norms["plain"][0]),
            "final_loss_residual": float(losses["residual"][-1]),
            "final_loss_plain": float(losses["plain"][-1]),
            "diverged_residual": diverged["residual"],
            "diverged_plain": diverged["plain"],
        },
        data={"norms": norms, "losses": losses, "diverged": diverged},
    )


def plot(fig: Figure, result: Result) -> None:
    small = is_compact(fig)
    grads, curves = fig.subplots(1, 2)
    for variant in VARIANTS:
        norms = result.data["norms"][variant]
        grads.semilogy(np.arange(1, norms.size + 1), norms, label=variant)
        losses = result.data["losses"][variant]
        label = f"{variant} (diverged)" if result.data["diverged"][variant] else variant
        curves.semilogy(np.arange(losses.size), losses, label=label)
    grads.set_title("gradient per layer")
    curves.set_title("training loss")
    if not small:
        grads.legend(loc="best")
        grads.set_xlabel("layer (input → output)")
        grads.set_ylabel("weight-gradient norm")
        curves.set_xlabel("gradient-descent step")
        curves.legend(loc="best")
    for ax in (grads, curves):
        ax.locator_params(axis="x", nbins=4, integer=True)
        quiet_log_axis(ax)
