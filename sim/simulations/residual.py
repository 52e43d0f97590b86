"""The same deep network with and without identity shortcuts: gradient per layer and training loss."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.networks import init_mlp
from sim.spec import Result
from sim.training import remembered_fits

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sim.layout import Layout


WIDTH = 16
POINTS = 16  # as few as tell the story: training cost grows with them, and it is redone live
BIAS_SCALE = 0.1
VARIANTS = ("plain", "residual")
#: How the plain network starts: its own standard initialisation, or the residual network's weights.
INITS = ("standard", "residual")
#: Weight gain of the standard initialisation: LeCun/Xavier (1) for tanh and sigmoid, He (sqrt 2) for ReLU.
GAINS = {"tanh": 1.0, "sigmoid": 1.0, "relu": math.sqrt(2.0)}


def network(
    depth: int, activation: str, init: str, rng: np.random.Generator
) -> tuple[dict[str, list[np.ndarray]], list[np.ndarray], np.ndarray, np.ndarray]:
    """Each variant's starting weights, the shared biases and the sin(x) data.

    Both variants come from the same random draws (weights normal with standard deviation
    1 / sqrt(fan_in)). The residual network scales its WIDTH -> WIDTH blocks by 1 / sqrt(depth), as
    deep residual networks are initialised. The plain network gets, with ``init="standard"``, the
    standard initialisation for its activation (the draws times ``GAINS[activation]`` in every layer
    that feeds an activation), or with ``init="residual"`` the residual network's very weights.
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}, got {init!r}")
    drawn, biases = init_mlp([1] + [WIDTH] * (depth + 1) + [1], rng, 1.0, BIAS_SCALE)
    shortcut = [w.copy() for w in drawn]
    for w in shortcut[1:-1]:  # the WIDTH -> WIDTH blocks
        w /= math.sqrt(depth)
    if init == "residual":
        plain = [w.copy() for w in shortcut]
    else:
        gain = GAINS[activation]
        plain = [w * gain for w in drawn[:-1]] + [drawn[-1].copy()]
    x = np.linspace(-2.0, 2.0, POINTS)[:, None]
    return {"plain": plain, "residual": shortcut}, biases, x, np.sin(x)


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    activation = params["activation"]
    starts, biases, x, y = network(params["depth"], activation, params["init"], rng)
    norms: dict[str, np.ndarray] = {}
    losses: dict[str, np.ndarray] = {}
    diverged: dict[str, bool] = {}
    shortcuts = [(activation, variant == "residual") for variant in VARIANTS]
    runs = remembered_fits(
        starts["residual"],
        biases,
        x,
        y,
        params["steps"],
        params["lr"],
        shortcuts,
        starts=[starts[variant] for variant in VARIANTS],
    )
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
    from matplotlib.ticker import MaxNLocator

    if not compact:
        ax.set_yscale("log")
        return np.asarray
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.yaxis.set_major_formatter(_power_of_ten)

    def log10(values: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):  # log10(0) = -inf: a point left out
            return np.log10(values)

    return log10


def plot(layout: Layout, result: Result) -> None:
    from sim.plotting import is_compact, quiet_log_axis

    small = is_compact(layout.figure)
    grads, curves = layout.subplots(1, 2)
    scale_grads, scale_losses = log_scaler(grads, small), log_scaler(curves, small)
    for variant in VARIANTS:
        norms = result.data["norms"][variant]
        layout.line(grads, np.arange(1, norms.size + 1), scale_grads(norms), label=variant)
        losses = result.data["losses"][variant]
        label = f"{variant} (diverged)" if result.data["diverged"][variant] else variant
        layout.line(curves, np.arange(losses.size), scale_losses(losses), label=label)
    init = "standard" if result.params.get("init", "standard") == "standard" else "residual"
    grads.set_title("gradient per layer" if small else f"gradient per layer (plain: {init} init)")
    curves.set_title("training loss")
    grads.set_xlabel("layer" if small else "layer (input → output)")
    grads.set_ylabel("|dL/dW|" if small else "weight-gradient norm")
    curves.set_xlabel("step" if small else "gradient-descent step")
    curves.set_ylabel("loss" if small else "mean squared error")
    if not small:  # on a terminal-sized figure a legend hides the curves; its entries are listed
        layout.legend(grads, loc="best")
        layout.legend(curves, loc="best")
    for ax in (grads, curves):
        ax.locator_params(axis="x", nbins=4, integer=True)
        quiet_log_axis(ax)
