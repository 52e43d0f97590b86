"""The same deep network with and without identity shortcuts: gradient per layer and training loss."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.networks import init_mlp
from sim.plotting import is_compact, quiet_log_axis
from sim.spec import Result
from sim.training import fit_variants

WIDTH = 16
POINTS = 16  # as few as tell the story: training cost grows with them, and it is redone live
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
    shortcuts = [(activation, variant == "residual") for variant in VARIANTS]
    runs = fit_variants(weights, biases, x, y, params["steps"], params["lr"], shortcuts)
    for variant, run in zip(VARIANTS, runs, strict=True):
        norms[variant] = np.array([np.linalg.norm(dw) for dw in run.start_gradients])
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


def _power_of_ten(exponent: float, _position: object) -> str:
    return f"$10^{{{exponent:g}}}$"


def log_scaler(ax: Axes, compact: bool) -> Callable[[np.ndarray], np.ndarray]:
    """Make the y axis of ``ax`` logarithmic; returns what to apply to the y values plotted on it.

    On terminal-sized (``compact``) figures the axis stays linear and the values become their log10,
    ticked at powers of ten: the same picture, redrawn about 0.5 ms faster per axes, as a live redraw
    on kept axes would otherwise set up a log scale anew every frame. Saved figures get a log axis.
    """
    if not compact:
        ax.set_yscale("log")
        return np.asarray
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.yaxis.set_major_formatter(_power_of_ten)

    def log10(values: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):  # log10(0) = -inf: a point left out
            return np.log10(values)

    return log10


def plot(fig: Figure, result: Result) -> None:
    small = is_compact(fig)
    grads, curves = fig.subplots(1, 2)
    scale_grads, scale_losses = log_scaler(grads, small), log_scaler(curves, small)
    for variant in VARIANTS:
        norms = result.data["norms"][variant]
        grads.plot(np.arange(1, norms.size + 1), scale_grads(norms), label=variant)
        losses = result.data["losses"][variant]
        label = f"{variant} (diverged)" if result.data["diverged"][variant] else variant
        curves.plot(np.arange(losses.size), scale_losses(losses), label=label)
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
