"""Six optimisers race on one 2-D test function: trajectories, loss curves and steps to a tolerance."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.functions import Function2D, make
from sim.optim import newton, optimize
from sim.plotting import is_compact, quiet_log_axis
from sim.simulations.gradient_descent import draw_landscape, drawable, evaluate, finite_prefix, floored
from sim.spec import Result

METHODS = ("sgd", "momentum", "adagrad", "rmsprop", "adam", "newton")
LABELS = {
    "sgd": "SGD",
    "momentum": "momentum",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "newton": "Newton",
}
COLOURS = {
    "sgd": "#4e9af1",
    "momentum": "#f28e2b",
    "adagrad": "#59a14f",
    "rmsprop": "#b07aa1",
    "adam": "#e15759",
    "newton": "#76b7b2",
}
NEVER = -1


class NoisyGradient:
    """The function's gradient plus the same pre-drawn noise sequence for every method."""

    def __init__(self, function: Function2D, noise: np.ndarray) -> None:
        self.function = function
        self.noise = noise
        self.calls = 0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        g = self.function.gradient(x) + self.noise[self.calls]
        self.calls += 1
        return g


def trajectory(method: str, function: Function2D, params: dict[str, Any], noise: np.ndarray) -> np.ndarray:
    """The path of ``method`` from the function's start with the simulation's hyperparameters."""
    grad = NoisyGradient(function, noise)
    start, steps = function.start, int(params["steps"])
    if method == "newton":
        return newton(grad, function.hessian, start, steps)
    if method in ("sgd", "momentum"):
        hyper = {"momentum": params["momentum"]} if method == "momentum" else {}
        return optimize(method, grad, start, params["lr"], steps, **hyper)
    return optimize(method, grad, start, params["adaptive_lr"], steps)


def steps_to_reach(gaps: np.ndarray, tolerance: float) -> int:
    """The first step whose loss gap is within ``tolerance``, or ``NEVER``."""
    hits = np.flatnonzero(gaps <= tolerance)
    return int(hits[0]) if hits.size else NEVER


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    function = make(params["function"])
    steps, tolerance = int(params["steps"]), float(params["tolerance"])
    noise = params["noise"] * rng.standard_normal((steps, 2))
    tail = max(1, steps // 10)
    paths, gaps, reached, final = {}, {}, {}, []
    for method in METHODS:
        path = trajectory(method, function, params, noise)
        path, losses, blew_up = finite_prefix(path, evaluate(function, path))
        paths[method], gaps[method] = path, losses - function.min_value
        reached[method] = steps_to_reach(gaps[method], tolerance)
        final.append(NEVER if blew_up else float(np.mean(gaps[method][-tail:])))
    arrived = {m: n for m, n in reached.items() if n != NEVER}
    answers: dict[str, Any] = {"fastest": min(arrived, key=arrived.__getitem__) if arrived else "none"}
    answers.update({f"steps_{m}": reached[m] for m in METHODS})
    answers["final_gap"] = final
    return Result(sim="optimizers", params=dict(params), answers=answers, data={"paths": paths, "gaps": gaps})


def plot(fig: Figure, result: Result) -> None:
    function = make(str(result.params["function"]))
    surface, curve = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.15]})
    draw_landscape(surface, function)
    x0, y0 = function.start
    surface.plot(x0, y0, "o", color="#edc948", markersize=6)
    for method in METHODS:
        path, gaps = result.data["paths"][method], result.data["gaps"][method]
        shown = drawable(path, function.view)
        style = {"color": COLOURS[method], "linewidth": 1.4, "label": LABELS[method]}
        surface.plot(shown[:, 0], shown[:, 1], **style)
        surface.plot(*path[-1], "o", color=COLOURS[method], markersize=4)
        curve.semilogy(np.arange(len(gaps)), floored(gaps), **style)
    quiet_log_axis(curve)
    tolerance = float(result.params["tolerance"])
    curve.axhline(tolerance, color="#888888", linestyle="--", linewidth=1, label="tolerance")
    surface.set_title("paths")
    curve.set_title("loss - min")
    curve.set_xlabel("step")
    curve.set_xlim(0, int(result.params["steps"]))
    curve.set_ylim(bottom=tolerance * 1e-3)
    if not is_compact(fig):
        curve.legend(loc="lower left", ncols=2)
