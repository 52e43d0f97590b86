"""Plain gradient descent on a 2-D test function: the gradient arrow, the path and the loss."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

import contourpy
import numpy as np

from sim.functions import Function2D, grid, make
from sim.optim import optimize_2d
from sim.spec import Result

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path

    from sim.layout import Layout


#: Loss gaps below this are drawn at this floor on the log axis.
GAP_FLOOR = 1e-16
#: Path points farther than this many view widths from the view's centre are not drawn.
DRAW_LIMIT = 20.0
UPHILL = "#e15759"
PATH = "#f28e2b"
MINIMUM = "#edc948"
#: What contourpy returns for one level: point arrays and their path codes, one pair per piece.
Pieces = tuple[list[np.ndarray], list[np.ndarray]]
#: The gradient arrow's shaft width, as a part of the view's width.
ARROW_WIDTH = 0.014
#: Opacity of the grey shading under the contours.
SHADE_ALPHA = 0.5


def finite_prefix(path: np.ndarray, losses: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """``path`` and ``losses`` up to the first non-finite point or loss, and whether any was cut."""
    ok = np.all(np.isfinite(path), axis=1) & np.isfinite(losses)
    bad = np.flatnonzero(~ok)
    if bad.size == 0:
        return path, losses, False
    return path[: bad[0]], losses[: bad[0]], True


def evaluate(function: Function2D, path: np.ndarray) -> np.ndarray:
    """The function's value along ``path``, with overflow giving inf quietly."""
    with np.errstate(all="ignore"):
        return np.asarray(function(path), dtype=float)


def far(points: np.ndarray, view: tuple[float, float, float, float]) -> np.ndarray:
    """Whether each point lies more than ``DRAW_LIMIT`` view widths from the view's centre."""
    x0, x1, y0, y1 = view
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    reach = DRAW_LIMIT * max(x1 - x0, y1 - y0)
    return np.any(np.abs(points - centre) > reach, axis=-1)


def drawable(path: np.ndarray, view: tuple[float, float, float, float]) -> np.ndarray:
    """The part of ``path`` before it first strays far outside ``view`` (huge coordinates upset drawing)."""
    cut = np.flatnonzero(far(path, view))
    return path if cut.size == 0 else path[: cut[0] + 1]


@lru_cache(maxsize=32)
def shading(function: Function2D, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Each grid value's rank in [0, 1) (shades any scale evenly) and contour heights at log-spaced ranks."""
    _, _, values = grid(function)
    ranks = np.argsort(np.argsort(values, axis=None)).reshape(values.shape) / values.size
    heights = np.percentile(values, np.geomspace(0.5, 60.0, levels))
    # A contour through each saddle point shows where the basins meet.
    saddles = np.array(function.saddle_points).reshape(-1, 2)
    heights = np.unique(np.concatenate([heights, function(saddles)]))
    for arr in (ranks, heights):
        arr.flags.writeable = False
    return ranks, heights


@dataclass(frozen=True)
class Landscape:
    """What ``draw_landscape`` draws of one function, computed once: shading pixels and contour lines."""

    image: np.ndarray
    contours: tuple[Path, ...]
    colours: np.ndarray


@lru_cache(maxsize=32)
def landscape(function: Function2D, levels: int) -> Landscape:
    """The shading as RGBA pixels and the contour lines (one path per height) with their colours.

    The function never changes between redraws of a live plot, so its contours are traced once
    (``contour`` would trace them again on every parameter change) and drawn as one collection.
    """
    import matplotlib
    from matplotlib.colors import Normalize
    from matplotlib.path import Path

    xs, ys, values = grid(function)
    ranks, heights = shading(function, levels)
    image = matplotlib.colormaps["Greys_r"](ranks, alpha=SHADE_ALPHA, bytes=True)
    # The lines and colours ``Axes.contour`` makes: a level's colour is its height on the viridis scale.
    gx, gy = np.meshgrid(xs, ys)
    tracer = contourpy.contour_generator(
        gx, gy, values, name="mpl2014", corner_mask=True, line_type=contourpy.LineType.SeparateCode
    )
    norm = Normalize(float(heights[0]), float(heights[-1]))
    paths, colours = [], []
    for height in heights:
        vertices, codes = cast(Pieces, tracer.lines(float(height)))
        if len(vertices):
            paths.append(Path(np.concatenate(vertices), np.concatenate(codes)))
            colours.append(matplotlib.colormaps["viridis"](norm(height)))
    shades = np.array(colours).reshape(-1, 4)
    for arr in (image, shades):
        arr.flags.writeable = False
    return Landscape(image, tuple(paths), shades)


def draw_landscape(layout: Layout, ax: Axes, function: Function2D, levels: int = 9) -> None:
    """``function`` over its view: shaded and contoured by rank of value (so any scale reads), minima."""
    from matplotlib.collections import PathCollection

    x0, x1, y0, y1 = function.view
    drawn = landscape(function, levels)
    layout.image(ax, drawn.image, function.view, origin="lower", aspect="auto")

    colours: Any = drawn.colours  # an (n, 4) array of RGBA rows

    def contours() -> PathCollection:
        lines = PathCollection(
            drawn.contours, facecolors="none", edgecolors=colours, linewidths=1.0, alpha=0.8, zorder=2
        )
        ax.add_collection(lines, autolim=False)
        return lines

    def recontour(lines: PathCollection) -> None:
        lines.set_paths(drawn.contours)
        lines.set_edgecolor(colours)
        ax.add_collection(lines, autolim=False)

    layout.artist(ax, "contours", contours, recontour)
    minima = np.array(function.minima)
    star: dict[str, Any] = {"linestyle": "", "marker": "*", "markersize": 11, "color": MINIMUM}
    layout.mark(ax, minima[:, 0], minima[:, 1], label="minimum", **star)
    saddles = np.array(function.saddle_points).reshape(-1, 2)
    if len(saddles):
        cross: dict[str, Any] = {"linestyle": "", "marker": "X", "markersize": 8, "color": MINIMUM}
        layout.mark(ax, saddles[:, 0], saddles[:, 1], label="saddle point", **cross)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xticks([x0, 0.0, x1] if x0 < 0 < x1 else [x0, x1])
    ax.set_yticks([y0, 0.0, y1] if y0 < 0 < y1 else [y0, y1])


def floored(gaps: np.ndarray) -> np.ndarray:
    """Loss gaps floored for a log axis."""
    return np.maximum(gaps, GAP_FLOOR)


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    function = make(params["function"], params["conditioning"])
    start = np.array([params["x0"], params["y0"]])
    # ``optimize`` on two Python floats: the same path, several times faster than on arrays.
    path = optimize_2d("sgd", function.gradient_at, start, params["lr"], params["steps"])
    path, losses, blew_up = finite_prefix(path, evaluate(function, path))
    gradient = function.gradient(start)
    after_one = start - params["lr"] * gradient
    end = path[-1]
    distance = min(float(np.hypot(*(end - np.array(m)))) for m in function.minima)
    return Result(
        sim="gradient-descent",
        params=dict(params),
        answers={
            "gradient": gradient.tolist(),
            "gradient_norm": float(np.hypot(*gradient)),
            "next_x": float(after_one[0]),
            "next_y": float(after_one[1]),
            "loss_start": float(losses[0]),
            "loss_final": float(losses[-1]),
            "diverged": bool(blew_up or losses[-1] > losses[0]),
            "distance_to_minimum": distance,
        },
        data={"path": path, "losses": losses},
    )


def plot(layout: Layout, result: Result) -> None:
    from sim.arrows import arrows
    from sim.plotting import is_compact, quiet_log_axis

    function = make(str(result.params["function"]), float(result.params["conditioning"]))
    path, losses = result.data["path"], result.data["losses"]
    surface, curve = layout.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1.0]})
    draw_landscape(layout, surface, function)
    shown = drawable(path, function.view)
    marker = "o" if len(shown) <= 60 else "None"
    path_style: dict[str, Any] = {"color": PATH, "marker": marker, "markersize": 3, "linewidth": 1.6}
    layout.mark(surface, shown[:, 0], shown[:, 1], label="path", **path_style)
    start = path[0]
    gradient = np.asarray(result.answers["gradient"])
    norm = float(np.hypot(*gradient))
    if norm > 0:
        x0, x1, _, _ = function.view
        reach = 0.12 * (x1 - x0) * gradient / norm
        # A polygon in data coordinates (x and y are drawn to one scale): cheaper to draw than a patch.
        width = ARROW_WIDTH * (x1 - x0)
        arrows(
            layout, surface, start[0], start[1], reach[0], reach[1], width, facecolors=UPHILL, clip_on=False
        )
    dot: dict[str, Any] = {"marker": "o", "color": UPHILL, "markersize": 6}
    layout.mark(surface, start[0], start[1], label="start, gradient (uphill)", **dot)
    small = is_compact(layout.figure)
    if not small:  # on a terminal-sized figure the legend would hide the path; its entries are listed
        layout.legend(surface, loc="upper right")
    # Equal scales on x and y, so that the gradient arrow is seen at right angles to the contours.
    surface.set_aspect("equal", adjustable="box")
    surface.set_title("path of x - lr * grad f")
    surface.set_xlabel("x")
    surface.set_ylabel("y")
    steps = np.arange(len(losses))
    curve.set_yscale("log")
    layout.line(curve, steps, floored(losses - function.min_value), color=PATH)
    quiet_log_axis(curve)
    if result.answers["diverged"]:
        curve.set_title("loss - min: diverged", color=UPHILL)
    else:
        curve.set_title("loss - min")
    curve.set_xlabel("step")
    curve.set_ylabel("f - min f" if small else "f(x, y) - minimum")
    curve.set_xlim(0, max(int(result.params["steps"]), 1))
