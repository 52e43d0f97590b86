"""The computational graph of a typed expression with forward values and backward gradients."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.autodiff import Graph, field, parse_values, trace
from sim.colours import PALETTE
from sim.spec import Result

if TYPE_CHECKING:
    from matplotlib.collections import PathCollection, PolyCollection
    from matplotlib.quiver import Quiver

    from sim.layout import Layout


BOX_WIDTH = 0.72
BOX_HEIGHT = 0.62
CONSTANT_COLOUR = "#9a9a9a"
MIN_FONT, MAX_FONT = 5.5, 11.0  # points: below MIN_FONT the boxes leave out their gradient
SMALLEST_FONT = 3.0  # points: operation and value are written at any size (terminals draw them as text)


def layout(graph: Graph) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of every node: x is the layer (inputs left, output right), y spreads a layer out.

    A node sits one layer left of its nearest consumer (as late as possible), and nodes of a layer
    are ordered by the mean height of their consumers to keep arrows from crossing.
    """
    count = len(graph.nodes)
    consumers: list[list[int]] = [[] for _ in range(count)]
    for source, target in graph.edges():
        consumers[source].append(target)
    longest = [0] * count
    for index, node in enumerate(graph.nodes):
        longest[index] = 1 + max((longest[i] for i in node.inputs), default=-1)
    depth = [0] * count
    depth[-1] = longest[-1]
    for index in range(count - 2, -1, -1):
        depth[index] = min(depth[c] for c in consumers[index]) - 1
    ys = np.zeros(count)
    for layer in range(depth[-1] - 1, -1, -1):
        members = [i for i in range(count) if depth[i] == layer]
        wanted = {i: float(np.mean([ys[c] for c in consumers[i]])) for i in members}
        members.sort(key=lambda i: (wanted[i], i))
        placed: list[float] = []
        for i in members:
            placed.append(wanted[i] if not placed else max(wanted[i], placed[-1] + 1.0))
        shift = float(np.mean([wanted[i] for i in members]) - np.mean(placed))
        for i, y in zip(members, placed, strict=True):
            ys[i] = y + shift
    return np.asarray(depth, dtype=float), ys


def finite_differences(expression: str, values: dict[str, float], step: float) -> list[float]:
    """Central differences (f(v + h) - f(v - h)) / 2h for every variable, in one vectorised evaluation."""
    names = list(values)
    if not names:
        return []
    shifts = np.zeros((len(names), 2 * len(names)))
    for j in range(len(names)):
        shifts[j, 2 * j], shifts[j, 2 * j + 1] = step, -step
    arrays = {name: values[name] + shifts[j] for j, name in enumerate(names)}
    f, _ = field(expression, arrays)
    if not np.all(np.isfinite(f)):
        raise ValueError(f"the expression is not finite within fd_step={step:g} of the values")
    return [float((f[2 * j] - f[2 * j + 1]) / (2 * step)) for j in range(len(names))]


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    values = parse_values(params["values"])
    graph = trace(params["expression"], values)
    gradient = graph.gradient
    numeric = finite_differences(params["expression"], values, params["fd_step"])
    errors = [abs(gradient[name] - fd) for name, fd in zip(values, numeric, strict=True)]
    xs, ys = layout(graph)
    return Result(
        sim="backprop",
        params=dict(params),
        answers={
            "gradient": [gradient[name] for name in values],
            "variables": list(values),
            "value": graph.value,
            "fd_max_error": max(errors, default=0.0),
            "nodes": len(graph.nodes),
            "backward_edges": graph.backward_edges,
        },
        data={"graph": graph, "x": xs, "y": ys, "fd": numeric, "names": list(values), "gradient": gradient},
    )


def _node_colours(graph: Graph) -> list[Any]:
    from sim.plotting import colormap

    grads = np.array([np.nan if n.grad is None else n.grad for n in graph.nodes])
    known = ~np.isnan(grads)
    scale = float(np.max(np.abs(grads[known]), initial=0.0)) or 1.0
    shades = colormap("RdBu_r")(0.5 + 0.36 * np.clip(np.where(known, grads, 0.0) / scale, -1, 1))
    return [tuple(shade) if grad else CONSTANT_COLOUR for shade, grad in zip(shades, known, strict=True)]


def _box_font(ax: Any, xs: np.ndarray, ys: np.ndarray, texts: list[str]) -> float:
    """The largest font size (points, at most MAX_FONT) at which every text fits inside its box."""
    fig = ax.figure
    box = ax.get_position()
    points_per_unit_x = box.width * fig.get_figwidth() * 72 / (np.ptp(xs) + 1.2)
    points_per_unit_y = box.height * fig.get_figheight() * 72 / (np.ptp(ys) + 1.2)
    lines = max(text.count("\n") + 1 for text in texts)
    chars = max(len(line) for text in texts for line in text.splitlines())
    by_height = BOX_HEIGHT * points_per_unit_y / (1.2 * lines)
    by_width = BOX_WIDTH * points_per_unit_x / (0.55 * chars)
    return float(min(by_height, by_width, MAX_FONT))


def _operation_and_value(label: str, value: float) -> str:
    """A node's operation (or name) over its value; a constant is its value, written once."""
    shown = f"{value:.3g}"
    return label if label == shown else f"{label}\n{shown}"


def _draw_graph(layout: Layout, ax: Any, graph: Graph, xs: np.ndarray, ys: np.ndarray, size: str) -> None:
    import matplotlib
    from matplotlib.collections import PathCollection
    from matplotlib.patches import BoxStyle
    from matplotlib.quiver import Quiver

    fg = matplotlib.rcParams["text.color"]
    edges = sorted(set(graph.edges()))
    if edges:
        src = np.array([s for s, _ in edges])
        dst = np.array([d for _, d in edges])
        x0, y0 = xs[src] + BOX_WIDTH / 2, ys[src]
        x1, y1 = xs[dst] - BOX_WIDTH / 2, ys[dst]

        def quiver() -> Quiver:
            arrows = Quiver(
                ax, x0, y0, x1 - x0, y1 - y0, angles="xy", scale_units="xy", scale=1, color=fg, alpha=0.55,
                width=0.003 if size == "full" else 0.006, headwidth=4, headlength=5, headaxislength=4.5,
            )  # fmt: skip
            ax.add_collection(arrows, autolim=False)  # the limits are set below
            return arrows

        def keep(arrows: Quiver) -> bool:
            """The same arrows (the graph's shape alone places them), or False for another graph's."""
            same = np.array_equal(arrows.get_offsets(), np.column_stack([x0, y0])) and np.array_equal(
                np.ravel(arrows.U), x1 - x0
            )
            if same and np.array_equal(np.ravel(arrows.V), y1 - y0):
                ax.add_collection(arrows, autolim=False)
                return True
            return False

        layout.artist(ax, "arrows", quiver, keep)
    # Rounded boxes as one collection of paths: the paths FancyBboxPatch draws, without a patch each.
    rounded = BoxStyle.Round(pad=0, rounding_size=0.1)
    corners = zip(xs - BOX_WIDTH / 2, ys - BOX_HEIGHT / 2, strict=True)
    boxes = [rounded(x, y, BOX_WIDTH, BOX_HEIGHT, 1.0) for x, y in corners]
    widths = [1.0] * len(boxes)
    widths[-1] = 2.5
    colours = _node_colours(graph)

    def nodes() -> PathCollection:
        made = PathCollection(boxes, facecolors=colours, edgecolors=fg, linewidths=widths)
        ax.add_collection(made, autolim=False)  # the limits are set below
        return made

    def refill(made: PathCollection) -> None:
        made.set_paths(boxes)
        made.set_facecolor(colours)
        made.set_linewidth(widths)
        ax.add_collection(made, autolim=False)

    layout.artist(ax, "nodes", nodes, refill)
    # Every node shows its operation and its value; with room, also its gradient.
    texts = [_operation_and_value(n.label, n.value) for n in graph.nodes]
    font = max(_box_font(ax, xs, ys, texts), SMALLEST_FONT)
    legend = "per node: value; colour: ∂f/∂node (blue < 0 < red)"
    if size == "full":
        detailed = [
            f"{n.label}\n{n.value:.3g}\n∂ {n.grad:.3g}"
            if n.grad is not None
            else _operation_and_value(n.label, n.value)
            for n in graph.nodes
        ]
        detailed_font = _box_font(ax, xs, ys, detailed)
        if detailed_font >= MIN_FONT:
            texts, font, legend = detailed, detailed_font, "per node: value, ∂ = ∂f/∂node"
    items = [(x, y, text, "black") for text, x, y in zip(texts, xs, ys, strict=True)]
    layout.texts(ax, items, ha="center", va="center", fontsize=font, linespacing=1.0)
    ax.set_xlim(xs.min() - 0.6, xs.max() + 0.6)
    ax.set_ylim(ys.min() - 0.6, ys.max() + 0.6)
    ax.set_axis_off()
    if size == "full":
        expression = textwrap.shorten(graph.expression, 70, placeholder=" …")
        ax.set_title(f"f = {expression}\n{legend}", fontsize="medium")
    else:
        ax.set_title("→ values  ← gradients" if size == "compact" else "← gradients", loc="left")


def _draw_check(layout: Layout, ax: Any, result: Result, size: str) -> None:
    import matplotlib
    from matplotlib.collections import PolyCollection

    names: list[str] = result.data["names"]
    rows = np.arange(len(names))
    series = (
        (rows - 0.18, list(result.data["gradient"].values()), PALETTE[0], "backprop"),
        (rows + 0.18, result.data["fd"], PALETTE[1], "finite diff."),
    )
    for centres, values, colour, label in series:
        if size == "full":
            ax.barh(centres, values, height=0.36, color=colour, label=label)
            continue
        # One collection of rectangles per series draws several times faster than a patch per bar.
        low, high = centres - 0.18, centres + 0.18
        ends = np.asarray(values, dtype=float)
        corners = [[(0.0, a), (0.0, b), (v, b), (v, a)] for a, b, v in zip(low, high, ends, strict=True)]

        def bars(corners: list[Any] = corners, colour: str = colour, label: str = label) -> PolyCollection:
            made = PolyCollection(corners, facecolors=colour, edgecolors="none", label=label)
            made.sticky_edges.x.append(0.0)  # as for bars: no margin beyond the zero line
            ax.add_collection(made)
            return made

        def rebar(made: PolyCollection, corners: list[Any] = corners) -> None:
            made.set_verts(corners)
            ax.add_collection(made)

        layout.artist(ax, f"bars {label}", bars, rebar)
    layout.axline(ax, 0.0, vertical=True, color=matplotlib.rcParams["axes.edgecolor"], linewidth=0.8)
    ax.set_ylim(len(names) - 0.5, -0.5)
    if size != "full":
        # Tick-free axes draw several times faster; the names go beside the zero line.
        ax.set_axis_off()
        low = ax.get_xlim()[0]
        fg = matplotlib.rcParams["text.color"]
        names_at = [(low, float(row), name, fg) for row, name in zip(rows, names, strict=True)]
        layout.texts(ax, names_at, ha="right", va="center", fontsize="small")
        ax.set_title("∂f/∂v", loc="right")
        return
    ax.set_yticks(rows, names)
    ax.locator_params(axis="x", nbins=3)
    ax.set_title(f"∂f/∂v  (max diff {result.answers['fd_max_error']:.1e})")
    ax.set_xlabel("∂f/∂v")
    layout.legend(ax, loc="best")


def plot(layout: Layout, result: Result) -> None:
    from sim.plotting import figure_size

    fig = layout.figure
    size = figure_size(fig)
    # Fixed margins, so that the box fonts can be sized from the final axes geometry.
    fig.set_layout_engine("none")
    top = 0.88
    grid = layout.add_gridspec(
        1, 2, width_ratios=(3.2, 1.0), left=0.01, right=0.98, bottom=0.07, top=top, wspace=0.1
    )
    graph_ax, check_ax = layout.add_subplot(grid[0]), layout.add_subplot(grid[1])
    _draw_graph(layout, graph_ax, result.data["graph"], result.data["x"], result.data["y"], size)
    _draw_check(layout, check_ax, result, size)
