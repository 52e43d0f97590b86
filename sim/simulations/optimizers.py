"""Six optimisers race on one 2-D test function: trajectories, loss curves and steps to a tolerance."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.functions import Function2D, make
from sim.optim import newton_2d, optimize_2d
from sim.simulations.gradient_descent import (
    draw_landscape,
    drawable,
    evaluate,
    far,
    finite_prefix,
    floored,
)
from sim.spec import Result

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import LineCollection, PathCollection

    from sim.layout import Layout


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


def shown_methods(show: str) -> tuple[str, ...]:
    """The optimisers a ``show`` choice names, in the order of ``METHODS``."""
    if show == "all":
        return METHODS
    names = set(show.split(","))
    unknown = names - set(METHODS)
    if unknown:
        raise ValueError(f"show must name optimisers among {', '.join(METHODS)}, got {show!r}")
    return tuple(method for method in METHODS if method in names)


class NoisyGradient:
    """The function's gradient plus the same pre-drawn noise sequence for every method, on Python floats.

    It calls the function's formula on two floats (``gradient_at``): a numpy array of two numbers
    would cost several times more per step, for the same IEEE arithmetic.
    """

    def __init__(self, function: Function2D, noise: list[list[float]]) -> None:
        self.gradient = function.gradient_at
        self.noise = noise
        self.calls = 0

    def __call__(self, x: float, y: float) -> tuple[Any, Any]:
        gx, gy = self.gradient(x, y)
        nx, ny = self.noise[self.calls]
        self.calls += 1
        return gx + nx, gy + ny


def hessian(function: Function2D) -> Callable[[float, float], list[list[Any]]]:
    """The function's exact Hessian at ``(x, y)`` on floats, as ``function.hessian`` computes it."""

    def at(x: float, y: float) -> list[list[Any]]:
        hxx, hxy, hyy = function.hessian_at(x, y)
        return [[hxx, hxy], [hxy, hyy]]

    return at


def trajectory(
    method: str, function: Function2D, lr: float, momentum: float, steps: int, noise: list[list[float]]
) -> np.ndarray:
    """The path of ``method`` from the function's start (``momentum`` is used by ``momentum`` only)."""
    grad = NoisyGradient(function, noise)
    if method == "newton":
        return newton_2d(grad, hessian(function), function.start, steps)
    hyper = {"momentum": momentum} if method == "momentum" else {}
    return optimize_2d(method, grad, function.start, lr, steps, **hyper)


@lru_cache(maxsize=128)
def race(
    method: str, function: Function2D, lr: float, momentum: float, steps: int, noise: bytes
) -> tuple[np.ndarray, np.ndarray, bool]:
    """``method``'s path and loss gaps up to the first non-finite point, and whether it blew up.

    Cached (read-only arrays): a change of one learning rate reruns only the methods that use it.
    ``noise`` is the bytes of the ``(steps, 2)`` gradient-noise array.
    """
    shared = np.frombuffer(noise).reshape(steps, 2).tolist()
    path = trajectory(method, function, lr, momentum, steps, shared)
    path, losses, blew_up = finite_prefix(path, evaluate(function, path))
    gaps = losses - function.min_value
    for arr in (path, gaps):
        arr.flags.writeable = False
    return path, gaps, blew_up


def hyperparameters(method: str, params: dict[str, Any]) -> tuple[float, float]:
    """The learning rate and momentum ``method`` runs with (momentum 0 where it has none)."""
    if method in ("sgd", "momentum"):
        return float(params["lr"]), float(params["momentum"]) if method == "momentum" else 0.0
    if method == "newton":
        return 1.0, 0.0
    return float(params["adaptive_lr"]), 0.0


def steps_to_reach(gaps: np.ndarray, tolerance: float) -> int:
    """The first step whose loss gap is within ``tolerance``, or ``NEVER``."""
    hits = np.flatnonzero(gaps <= tolerance)
    return int(hits[0]) if hits.size else NEVER


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    function = make(params["function"])
    steps, tolerance = int(params["steps"]), float(params["tolerance"])
    noise = (params["noise"] * rng.standard_normal((steps, 2))).tobytes()
    tail = max(1, steps // 10)
    paths, gaps, reached, final = {}, {}, {}, []
    for method in METHODS:
        path, gap, blew_up = race(method, function, *hyperparameters(method, params), steps, noise)
        paths[method], gaps[method] = path, gap
        reached[method] = steps_to_reach(gap, tolerance)
        final.append(NEVER if blew_up else float(np.mean(gap[-tail:])))
    arrived = {m: n for m, n in reached.items() if n != NEVER}
    answers: dict[str, Any] = {"fastest": min(arrived, key=arrived.__getitem__) if arrived else "none"}
    answers.update({f"steps_{m}": reached[m] for m in METHODS})
    answers["final_gap"] = final
    data = {"paths": paths, "gaps": gaps, "reached": reached}
    return Result(sim="optimizers", params=dict(params), answers=answers, data=data)


def ends(layout: Layout, ax: Axes, points: np.ndarray, colours: list[str], size: float) -> None:
    """One round marker of ``size`` points at each of ``points``, coloured in turn: one artist for all."""
    from matplotlib.collections import PathCollection
    from matplotlib.markers import MarkerStyle
    from matplotlib.transforms import IdentityTransform

    def dots() -> PathCollection:
        circle = MarkerStyle("o")
        made = PathCollection(
            (circle.get_path().transformed(circle.get_transform()),), sizes=[size**2], offsets=points,
            offset_transform=ax.transData, facecolors=colours, edgecolors=colours, linewidths=1.0, zorder=2,
        )  # fmt: skip
        made.set_transform(IdentityTransform())
        ax.add_collection(made, autolim=False)
        return made

    def move(made: PathCollection) -> None:
        made.set_offsets(points)
        made.set_sizes([size**2])
        made.set_facecolor(colours)
        made.set_edgecolor(colours)
        ax.add_collection(made, autolim=False)

    layout.artist(ax, "ends", dots, move)


def plot(layout: Layout, result: Result) -> None:
    from matplotlib.collections import LineCollection

    from sim.plotting import is_compact, quiet_log_axis

    small = is_compact(layout.figure)
    function = make(str(result.params["function"]))
    methods = shown_methods(str(result.params.get("show", "all")))
    surface, curve = layout.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.15]})
    draw_landscape(layout, surface, function)
    x0, y0 = function.start
    layout.mark(surface, x0, y0, linestyle="", marker="o", color="#edc948", markersize=6)
    # Few artists, as each costs more to make than to draw: the paths are one collection, their ends
    # another, and the labelled loss curves carry the legend.
    paths = [result.data["paths"][method] for method in methods]
    colours = [COLOURS[method] for method in methods]
    shown = [drawable(path, function.view) for path in paths]

    def trails() -> LineCollection:
        made = LineCollection(shown, colors=colours, linewidths=1.4)
        surface.add_collection(made, autolim=False)
        return made

    def retrace(made: LineCollection) -> None:
        made.set_segments(shown)
        made.set_color(colours)
        surface.add_collection(made, autolim=False)

    layout.artist(surface, "paths", trails, retrace)
    ended = [i for i, path in enumerate(paths) if not far(path[-1], function.view)]
    if ended:
        ends(layout, surface, np.array([paths[i][-1] for i in ended]), [colours[i] for i in ended], 4.0)
    curve.set_yscale("log")
    for method in methods:
        gaps = floored(result.data["gaps"][method])
        layout.mark(curve, np.arange(len(gaps)), gaps, data_limits=True, color=COLOURS[method], linewidth=1.4,
                    label=LABELS[method])  # fmt: skip
    quiet_log_axis(curve)
    tolerance, steps = float(result.params["tolerance"]), int(result.params["steps"])
    layout.mark(curve, [0, steps], [tolerance] * 2, data_limits=True, color="#888888", linestyle="--",
                linewidth=1, label="tolerance")  # fmt: skip
    # Where each method first reaches the tolerance: also Newton's, whose curve drops out of sight at once.
    reached = {m: float(result.data["reached"][m]) for m in methods if result.data["reached"][m] != NEVER}
    if reached:
        points = np.array([[step, tolerance] for step in reached.values()])
        ends(layout, curve, points, [COLOURS[m] for m in reached], 5.0)
    surface.set_title("paths")
    surface.set_xlabel("x")
    surface.set_ylabel("y")
    curve.set_title("loss - min")
    curve.set_xlabel("step")
    curve.set_ylabel("f - min f" if small else "f(x, y) - minimum")
    curve.set_xlim(0, steps)
    curve.autoscale_view(scalex=False)  # ``add_line`` leaves the limits to us
    curve.set_ylim(bottom=tolerance * 1e-3)
    if not small:  # on a terminal-sized figure a legend hides the curves; its entries are listed
        layout.legend(curve, loc="lower left", ncols=2)
