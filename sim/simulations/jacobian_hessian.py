"""Gradient field and Hessian eigen-directions of f(x, y); a network's Jacobian and what it costs."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

import contourpy
import numpy as np

from sim.autodiff import Sweep, Tape, backward, evaluate, field, grad, hessian
from sim.colours import PALETTE
from sim.memo import Memo, digest
from sim.simulations.convolution import cell_fontsize
from sim.spec import Result
from sim.specs.jacobian_hessian import MAX_OUTPUTS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path

    from sim.layout import Layout


GRID = 41  # contour grid points per axis
ARROWS = 9  # gradient-field arrows per axis
HIDDEN = 6  # hidden units of the network g
UP, DOWN, GRADIENT = PALETTE[2], PALETTE[3], PALETTE[1]
ARROW = "#1d2b3a"
MATRIX_CMAP = "RdBu_r"
#: The panels' relative widths, and about what part of the figure's width each gets (of 80% in all).
WIDTHS = (1.5, 1.0, 1.1)
SHARE = tuple(0.8 * w / sum(WIDTHS) for w in WIDTHS)
#: Rows of room between the Hessian and the Jacobian below it, for the Jacobian's title and names.
JACOBIAN_GAP = {"full": 2.6, "compact": 2.0, "tiny": 2.0}
#: What contourpy returns for one band: point arrays and their path codes, one pair per polygon.
Pieces = tuple[list[np.ndarray], list[np.ndarray]]


@dataclass(frozen=True)
class Network:
    """g(v) = W2 tanh(W1 v + b) recorded on a tape, one output node per row of W2."""

    tape: Tape
    inputs: list[str]
    outputs: list[int]
    point: dict[str, float]
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray


def record(w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, v: np.ndarray) -> Network:
    """The network g(v) = W2 tanh(W1 v + b) with these weights, recorded on a tape, at the input ``v``."""
    n_inputs, n_outputs = w1.shape[1], w2.shape[0]
    tape = Tape()
    names = [f"v{i + 1}" for i in range(n_inputs)]
    inputs = [tape.var(name) for name in names]
    hidden = []
    for j in range(HIDDEN):
        total = tape.const(float(b1[j]))
        for i, node in enumerate(inputs):
            total = tape.apply("add", total, tape.apply("mul", tape.const(float(w1[j, i])), node))
        hidden.append(tape.apply("tanh", total))
    outputs = []
    for k in range(n_outputs):
        total = tape.apply("mul", tape.const(float(w2[k, 0])), hidden[0])
        for j in range(1, HIDDEN):
            total = tape.apply("add", total, tape.apply("mul", tape.const(float(w2[k, j])), hidden[j]))
        outputs.append(total)
    point = {name: float(value) for name, value in zip(names, v, strict=True)}
    return Network(tape, names, outputs, point, w1, b1, w2)


def _read(net: Network, sweeps: list[Sweep], computed: list[np.ndarray]) -> np.ndarray:
    """Rows of input-adjoint values, one per sweep."""
    return np.array(
        [[float(computed[s.adjoints[net.tape.variables[name]]]) for name in net.inputs] for s in sweeps]
    )


@dataclass(frozen=True)
class Sweeps:
    """The reverse sweeps of one network for 1..MAX_OUTPUTS outputs: every Jacobian row and every VJP."""

    network: Network
    u: np.ndarray
    jacobian: np.ndarray
    vjps: np.ndarray
    jacobian_ops: np.ndarray
    vjp_ops: np.ndarray


@lru_cache(maxsize=16)
def sweeps(n_inputs: int, weights: bytes) -> Sweeps:
    """All sweeps of the network whose weights, input and VJP vector are packed in ``weights``.

    Cached: they cost milliseconds of graph building, and a live plot recomputes with the same seed,
    so the same weights, whenever a parameter other than the number of inputs changes.
    """
    packed = np.frombuffer(weights)
    sizes = np.cumsum([HIDDEN * n_inputs, HIDDEN, MAX_OUTPUTS * HIDDEN, n_inputs])
    w1, b1, w2, v, u = np.split(packed, sizes)
    net = record(w1.reshape(HIDDEN, n_inputs), b1, w2.reshape(MAX_OUTPUTS, HIDDEN), v)
    tape = net.tape
    rows = [backward(tape, out) for out in net.outputs]
    weighted = tape.apply("mul", tape.const(float(u[0])), net.outputs[0])
    vjp_sweeps = [backward(tape, weighted)]
    for k in range(1, MAX_OUTPUTS):
        term = tape.apply("mul", tape.const(float(u[k])), net.outputs[k])
        weighted = tape.apply("add", weighted, term)
        vjp_sweeps.append(backward(tape, weighted))
    computed = evaluate(tape, net.point)
    found = Sweeps(
        net,
        u,
        _read(net, rows, computed),
        _read(net, vjp_sweeps, computed),
        np.cumsum([s.edges for s in rows]),
        np.array([s.edges for s in vjp_sweeps]),
    )
    for arr in (found.jacobian, found.vjps, found.jacobian_ops, found.vjp_ops):
        arr.flags.writeable = False
    return found


def network_costs(rng: np.random.Generator, n_inputs: int, n_outputs: int) -> dict[str, Any]:
    """Jacobian and VJP of a random network by reverse sweeps, with their costs for 1..MAX_OUTPUTS outputs."""
    w1 = rng.normal(size=(HIDDEN, n_inputs)) / np.sqrt(n_inputs)
    b1 = 0.5 * rng.normal(size=HIDDEN)
    w2 = rng.normal(size=(MAX_OUTPUTS, HIDDEN)) / np.sqrt(HIDDEN)
    v = rng.normal(size=n_inputs)
    u = rng.normal(size=MAX_OUTPUTS)
    found = sweeps(n_inputs, np.concatenate([w1.ravel(), b1, w2.ravel(), v, u]).tobytes())
    return {
        "network": found.network,
        "u": found.u[:n_outputs],
        "jacobian": found.jacobian[:n_outputs],
        "vjp": found.vjps[n_outputs - 1],
        "jacobian_ops": found.jacobian_ops,
        "vjp_ops": found.vjp_ops,
    }


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    expression = params["function"]
    point = {"x": params["x"], "y": params["y"]}
    value, gradient = grad(expression, point)
    matrix = hessian(expression, point)
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    span = params["span"]
    axis_x = np.linspace(params["x"] - span, params["x"] + span, GRID)
    axis_y = np.linspace(params["y"] - span, params["y"] + span, GRID)
    xx, yy = np.meshgrid(axis_x, axis_y)
    surface, slope = field(expression, {"x": xx, "y": yy})
    m = params["outputs"]
    costs = network_costs(rng, params["inputs"], m)
    return Result(
        sim="jacobian-hessian",
        params=dict(params),
        answers={
            "hessian": matrix.tolist(),
            "hessian_eigenvalues": eigenvalues.tolist(),
            "gradient": [gradient["x"], gradient["y"]],
            "value": value,
            "jacobian": costs["jacobian"].tolist(),
            "vjp": costs["vjp"].tolist(),
            "vjp_passes": 1,
            "jacobian_passes": len(costs["jacobian"]),
            "vjp_operations": int(costs["vjp_ops"][m - 1]),
            "jacobian_operations": int(costs["jacobian_ops"][m - 1]),
        },
        data={
            "point": (float(params["x"]), float(params["y"]), float(span)),
            "outputs": m,
            "xx": xx,
            "yy": yy,
            "f": surface,
            "slope": (slope["x"], slope["y"]),
            "gradient": np.array([gradient["x"], gradient["y"]]),
            "eigenvalues": eigenvalues,
            "eigenvectors": eigenvectors,
            **costs,
        },
    )


#: The bands of surfaces traced lately: a parameter change that leaves f, the point and the span alone
#: (the network's size) draws the same bands.
BANDS: Memo[tuple[list[Path], list[np.ndarray]]] = Memo(8)


def traced_bands(
    xx: np.ndarray, yy: np.ndarray, surface: np.ma.MaskedArray
) -> tuple[list[Path], list[np.ndarray]]:
    """The paths and colours of ``surface`` filled between its deciles, traced as ``contourf`` traces them."""
    from matplotlib.path import Path

    from sim.plotting import colormap

    levels = np.unique(np.quantile(surface.compressed(), np.linspace(0.0, 1.0, 11)))
    if len(levels) <= 2:
        return [], []
    shades = colormap("Blues")(np.linspace(0.08, 0.62, len(levels) - 1))
    tracer = contourpy.contour_generator(
        xx, yy, surface, name="mpl2014", corner_mask=True, fill_type=contourpy.FillType.OuterCode
    )
    lowers = levels[:-1].copy()
    lowers[0] -= 1  # the lowest band includes the minimum, as in ``contourf``
    paths, colours = [], []
    for lower, upper, shade in zip(lowers, levels[1:], shades, strict=True):
        points, codes = cast(Pieces, tracer.filled(float(lower), float(upper)))
        if len(points):
            paths.append(Path(np.concatenate(points), np.concatenate(codes)))
            colours.append(shade)
    return paths, colours


def bands(layout: Layout, ax: Axes, xx: np.ndarray, yy: np.ndarray, surface: np.ma.MaskedArray) -> None:
    """``surface`` filled between its deciles in shades of blue, as ``contourf`` fills it.

    Traced with contourpy (as ``contourf`` does) and drawn as one collection, without the rest of
    the work ``contourf`` does on every redraw.
    """
    from matplotlib.collections import PathCollection

    key = digest(xx, yy, np.ma.getdata(surface), np.ma.getmaskarray(surface))
    paths, shades = BANDS.get_or_make(key, lambda: traced_bands(xx, yy, surface))
    colours: Any = shades  # RGBA rows
    if not paths:
        return

    def fill() -> PathCollection:
        made = PathCollection(
            paths, facecolors=colours, edgecolors="none", linewidths=0, antialiaseds=False, zorder=1
        )
        ax.add_collection(made, autolim=False)
        return made

    def refill(made: PathCollection) -> None:
        if made.get_paths() is not paths:  # other bands (the same ones are the same list)
            made.set_paths(paths)
            made.set_facecolor(colours)
        ax.add_collection(made, autolim=False)

    layout.artist(ax, "bands", fill, refill)


def _draw_function(layout: Layout, ax: Axes, result: Result, size: str) -> None:
    from sim.arrows import arrows

    data = result.data
    px, py, span = data["point"]
    surface = np.ma.masked_invalid(data["f"])
    if surface.count() > 1 and np.ptp(surface.compressed()) > 0:
        bands(layout, ax, data["xx"], data["yy"], surface)
    step = (GRID - 1) // (ARROWS - 1)
    gx, gy = (s[::step, ::step] for s in data["slope"])
    length = np.hypot(gx, gy)
    with np.errstate(all="ignore"):
        ux, uy = np.where(length > 0, gx / length, 0.0), np.where(length > 0, gy / length, 0.0)
    reach = 1.5 * span / ARROWS
    width = (0.004 if size == "full" else 0.008) * 2 * span  # a fraction of the axes' width
    arrows(layout, ax, data["xx"][::step, ::step], data["yy"][::step, ::step], reach * ux, reach * uy, width,
           facecolors=ARROW, alpha=0.8)  # fmt: skip
    scale = float(np.max(np.abs(data["eigenvalues"]))) or 1.0
    for value, vector in zip(data["eigenvalues"], data["eigenvectors"].T, strict=True):
        half = span * (0.12 + 0.5 * abs(value) / scale) * vector
        colour = UP if value > 0 else DOWN if value < 0 else "#9a9a9a"
        ends = [px - half[0], px + half[0]], [py - half[1], py + half[1]]
        style: dict[str, Any] = {
            "color": colour,
            "linewidth": 3.5,
            "solid_capstyle": "round",
            "label": f"λ = {value:.3g}",
        }
        layout.mark(ax, ends[0], ends[1], **style)
    g = data["gradient"]
    norm = float(np.hypot(*g))
    if norm > 0:
        arrow = 0.55 * span * g / norm
        width = (0.012 if size == "full" else 0.02) * 2 * span
        arrows(layout, ax, px, py, arrow[0], arrow[1], width, facecolors=GRADIENT, label="∇f")
    point: dict[str, Any] = {
        "linestyle": "",
        "marker": "o",
        "color": "white",
        "markeredgecolor": "black",
        "markersize": 6,
    }
    layout.mark(ax, [px], [py], **point)
    ax.set_xlim(px - span, px + span)
    ax.set_ylim(py - span, py + span)
    ax.set_aspect("equal", adjustable="box")
    ax.locator_params(nbins=3)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    if size == "full":
        expression = textwrap.shorten(str(result.params["function"]), 40, placeholder=" …")
        ax.set_title(f"f(x, y) = {expression}\n∇f and the Hessian's curvatures")
        layout.legend(ax, loc="lower left")
    else:
        ax.set_title("f: ∇f, curvature" if size == "compact" else "f: ∇f, λ")


def _draw_matrix(
    layout: Layout,
    ax: Axes,
    matrix: np.ndarray,
    corner: tuple[float, float],
    names: tuple[list[str], list[str]],
    font: float,
) -> None:
    """``matrix`` as coloured cells (blue below zero, red above) with each value written in it, its top-left
    cell centred at ``corner`` (x, y; y grows downwards), its rows and columns named beside and above it."""
    import matplotlib

    from sim.plotting import colormap

    limit = float(np.max(np.abs(matrix))) or 1.0
    n_rows, n_cols = matrix.shape
    left, top = corner
    extent = (left - 0.5, left + n_cols - 0.5, top + n_rows - 0.5, top - 0.5)
    layout.image(ax, matrix, extent, vmin=-limit, vmax=limit, cmap=MATRIX_CMAP, interpolation="nearest")
    labels = [f"{value:.2f}" for value in matrix.ravel()]
    shades = colormap(MATRIX_CMAP)(0.5 + 0.5 * np.clip(matrix.ravel() / limit, -1.0, 1.0))
    bright = shades[:, :3] @ np.array([0.299, 0.587, 0.114]) > 0.5
    cells = [
        (left + c, top + r, label, "black" if light else "white")
        for (r, c), label, light in zip(np.ndindex(n_rows, n_cols), labels, bright, strict=True)
    ]
    layout.texts(ax, cells, ha="center", va="center", fontsize=font)
    size = min(font + 1.0, float(matplotlib.rcParams["xtick.labelsize"]))
    fg = str(matplotlib.rcParams["text.color"])
    rows, cols = names
    row_names = [(left - 0.6, top + r, name, fg) for r, name in enumerate(rows)]
    layout.texts(ax, row_names, ha="right", va="center", fontsize=size)
    column_names = [(left + c, top - 0.6, name, fg) for c, name in enumerate(cols)]
    layout.texts(ax, column_names, ha="center", va="bottom", fontsize=size)


def _draw_matrices(layout: Layout, ax: Axes, result: Result, size: str) -> None:
    """The Hessian of f above the Jacobian of g, on one axis-less axes (one axes each would cost more to
    build than they cost to draw), each with its title, its values and its rows and columns named."""
    import matplotlib

    hessian = np.asarray(result.answers["hessian"], dtype=float)
    jacobian = result.data["jacobian"]
    rows, cols = jacobian.shape
    width = max(cols, 2)
    gap = JACOBIAN_GAP[size]  # rows of room between the two grids for the Jacobian's title and names
    below = 2 + gap  # the Jacobian's first row
    height = below + rows
    ax.set_axis_off()
    ax.set_xlim(-1.3, width - 0.3)
    ax.set_ylim(height - 0.4, -1.1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_autoscale_on(False)
    # The font fits the cells of the room the axes has as laid out (not its current position, which a
    # terminal plot's margins change).
    fig = ax.get_figure(root=True)
    assert fig is not None
    room_w, room_h = SHARE[1] * fig.bbox.width, 0.8 * fig.bbox.height
    cell = min(room_w / (width + 1.0), room_h / (height + 0.7)) * 72 / fig.dpi
    font = cell_fontsize(cell, 5, 10.0 if size == "full" else 8.0)
    _draw_matrix(layout, ax, hessian, ((width - 2) / 2, 0.0), (["x", "y"], ["x", "y"]), font)
    names = [f"g{i + 1}" for i in range(rows)], [f"v{j + 1}" for j in range(cols)]
    _draw_matrix(layout, ax, jacobian, ((width - cols) / 2, below), names, font)
    px, py, _ = result.data["point"]
    if size == "full":
        hessian_title = f"Hessian of f at ({px:g}, {py:g})"
        jacobian_title = f"Jacobian of g, {rows}×{cols}\ng(v) = W2 tanh(W1 v + b)"
    else:
        hessian_title = "Hessian of f" if size == "compact" else "H of f"
        jacobian_title = f"Jacobian of g {rows}×{cols}" if size == "compact" else f"J of g {rows}×{cols}"
    ax.set_title(hessian_title, pad=18 if size == "full" else 9)
    # The second grid's title, bold as titles are where a terminal draws the figure's text.
    title_size = matplotlib.rcParams["axes.titlesize"]
    title = layout.text(ax, (width - 1) / 2, below - 1.25, jacobian_title, ha="center", va="bottom",
                        fontsize=title_size, fontweight="bold", clip_on=False)  # fmt: skip
    title.set_in_layout(False)  # it may be wider than the grid: the layout must not chase it


def _draw_costs(layout: Layout, ax: Any, result: Result, size: str) -> None:
    counts = np.arange(1, MAX_OUTPUTS + 1)
    m = int(result.data["outputs"])
    ops = result.data["jacobian_ops"], result.data["vjp_ops"]
    # Lines made directly, then one autoscale: ``plot`` costs more per line.
    layout.mark(ax, counts, ops[0], data_limits=True, color=PALETTE[3], label="full Jacobian: m passes")
    layout.mark(ax, counts, ops[1], data_limits=True, color=PALETTE[0], label="one VJP: 1 pass")
    ends = [m, m], [ops[1][m - 1], ops[0][m - 1]]
    layout.mark(ax, ends[0], ends[1], data_limits=True, linestyle="", marker="o", color=GRADIENT)
    ax.autoscale_view()
    ax.set_ylim(bottom=0)
    ax.set_xticks([1, MAX_OUTPUTS // 2, MAX_OUTPUTS])
    ax.locator_params(axis="y", nbins=3)
    ax.set_xlabel("outputs m of g")
    ax.set_ylabel("multiply-adds")
    if size == "full":
        ax.set_title("cost of g's derivatives")
        layout.legend(ax, loc="upper left")
    else:
        ax.set_title("g: backward cost" if size == "compact" else "g: cost")
        ax.set_yticks([])  # the slopes tell; tick-free axes draw faster


def plot(layout: Layout, result: Result) -> None:
    from sim.plotting import figure_size

    size = figure_size(layout.figure)
    grid = layout.add_gridspec(1, 3, width_ratios=WIDTHS)
    _draw_function(layout, layout.add_subplot(grid[0]), result, size)
    _draw_matrices(layout, layout.add_subplot(grid[1]), result, size)
    _draw_costs(layout, layout.add_subplot(grid[2]), result, size)
