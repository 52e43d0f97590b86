"""Activation functions and their derivatives on a grid."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.nn import activation
from sim.spec import Result

if TYPE_CHECKING:
    from sim.layout import Layout


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


#: Line styles that keep ReLU and leaky ReLU apart where they coincide (for x > 0).
STYLES = {"leaky_relu": (0, (4, 2))}


def plot(layout: Layout, result: Result) -> None:
    import matplotlib

    from sim.plotting import is_compact

    small = is_compact(layout.figure)
    chosen = result.params["function"]
    x = result.data["x"]
    left, right = layout.subplots(1, 2)
    # Where the theme already tells the curves apart by line style (no colour), it keeps its own.
    styled = "linestyle" in matplotlib.rcParams["axes.prop_cycle"].keys
    for name, (y, dy) in result.data["curves"].items():
        width, alpha = (3.0, 1.0) if name == chosen else (1.6, 0.6)
        style: dict[str, Any] = {} if styled or name not in STYLES else {"linestyle": STYLES[name]}
        layout.line(left, x, y, label=name, linewidth=width, alpha=alpha, **style)
        layout.line(right, x, dy, label=name, linewidth=width, alpha=alpha, **style)
    left.set_title("activation f(x)")
    right.set_title("derivative f'(x)")
    peak = float(result.answers["max_derivative"])  # type: ignore[arg-type]
    layout.axline(right, peak, vertical=False, color="#888888", linestyle="--", linewidth=1)
    layout.annotate(right, f"max {peak:.3g}", (float(x[0]), peak), va="bottom", fontsize="small")
    layout.legend(left, loc="upper left", fontsize="small" if small else None)
    for ax in (left, right):
        ax.set_xlabel("x")
    left.set_ylabel("f(x)")
    right.set_ylabel("f'(x)")
