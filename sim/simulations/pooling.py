"""Pooling simulation: max, average and global pooling, and how little a shift changes the pooled map."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from sim.conv import FILTERS, conv2d, global_pool, pool2d
from sim.simulations.convolution import Panel, annotate_cells, image_panels, shapes
from sim.spec import Result

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import PatchCollection

    from sim.layout import Layout


KINDS = ("max", "avg", "global_max", "global_avg")
SHORT_NAMES = {
    "raw": "input",
    "max": "max",
    "avg": "avg",
    "global_max": "global\nmax",
    "global_avg": "global\navg",
}
MAX_ANNOTATED = 64  # cells; more numbers than this are unreadable even at full size
RATIOS = [3.0, 3.0, 2.4]
BACKWARD_RATIOS = [3.0, 3.0, 3.0]
GRADIENT_CMAP = "magma"
HIGHLIGHT = "#f28e2b"
RAW_COLOUR = "#9aa0a6"
OTHER_COLOUR = "#4e9af1"
WINNER = "#e15759"


def pool(x: np.ndarray, kind: str, window: int, stride: int) -> np.ndarray:
    """Pool ``x`` with one of ``KINDS``; global kinds give a 1x1 map."""
    if kind in ("global_max", "global_avg"):
        return np.array([[global_pool(x, kind.removeprefix("global_"))]])
    return pool2d(x, window, stride, kind)


def input_map(name: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """A size x size input: random integers 0-9, or the rectified vertical edges of a scene of shapes."""
    if name == "integers":
        return rng.integers(0, 10, (size, size)).astype(np.float64)
    if name == "edges":
        return np.maximum(conv2d(shapes(size + 2), FILTERS["sobel_vertical"]), 0.0)
    raise ValueError(f"input must be integers or edges, got {name!r}")


def windows(shape: tuple[int, int], kind: str, window: int, stride: int) -> list[tuple[int, int, int, int]]:
    """(top, left, height, width) of every pooling window, row by row."""
    if kind.startswith("global_"):
        return [(0, 0, shape[0], shape[1])]
    rows = (shape[0] - window) // stride + 1
    cols = (shape[1] - window) // stride + 1
    return [(r * stride, c * stride, window, window) for r in range(rows) for c in range(cols)]


def winners(x: np.ndarray, kind: str, window: int, stride: int) -> np.ndarray:
    """(row, col) of the input pixel each max-pooling window keeps; empty for average pooling."""
    if kind == "global_max":
        return np.array([np.unravel_index(int(np.argmax(x)), x.shape)])
    if kind != "max":
        return np.empty((0, 2), dtype=int)
    patches = sliding_window_view(x, (window, window))[::stride, ::stride]
    best = patches.reshape(*patches.shape[:2], -1).argmax(axis=2)
    top = np.arange(patches.shape[0])[:, None] * stride + best // window
    left = np.arange(patches.shape[1])[None, :] * stride + best % window
    return np.stack([top.ravel(), left.ravel()], axis=1)


def input_gradient(x: np.ndarray, kind: str, window: int, stride: int) -> np.ndarray:
    """dL/dx for L = the sum of the pooled map: every pooled value sends gradient 1 back to its window.

    Max pooling routes it to the window's maximum (the first one, row by row, on a tie, as PyTorch
    does) and the other pixels get 0; average pooling spreads it equally, 1 / window² to each pixel.
    Where windows overlap, a pixel adds up what each of its windows sends.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    if kind == "global_avg":
        grad += 1.0 / x.size
    elif kind in ("max", "global_max"):
        picked = winners(x, kind, window, stride)
        np.add.at(grad, (picked[:, 0], picked[:, 1]), 1.0)
    elif kind == "avg":
        rows = (x.shape[0] - window) // stride + 1
        cols = (x.shape[1] - window) // stride + 1
        for i in range(window):
            for j in range(window):
                grad[i : i + stride * (rows - 1) + 1 : stride, j : j + stride * (cols - 1) + 1 : stride] += (
                    1.0 / (window * window)
                )
    else:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    return grad


def shift_change(before: np.ndarray, after: np.ndarray) -> tuple[float, float]:
    """Mean absolute change between two maps, and that change relative to the first map's mean magnitude."""
    change = float(np.mean(np.abs(after - before)))
    scale = float(np.mean(np.abs(before)))
    return change, (change / scale if scale > 0 else 0.0)


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    kind, window, stride, shift = params["kind"], params["window"], params["stride"], params["shift"]
    x = input_map(params["input"], params["map_size"], rng)
    shifted = np.roll(x, shift, axis=1)
    changes = {"raw": shift_change(x, shifted)}
    for name in KINDS:
        changes[name] = shift_change(pool(x, name, window, stride), pool(shifted, name, window, stride))
    output = pool(x, kind, window, stride)
    gradient = input_gradient(x, kind, window, stride)
    return Result(
        sim="pooling",
        params=dict(params),
        answers={
            "output": output.tolist(),
            "output_shape": list(output.shape),
            "raw_shift_change": changes["raw"][0],
            "pooled_shift_change": changes[kind][0],
            "raw_relative_change": changes["raw"][1],
            "pooled_relative_change": changes[kind][1],
            "shift_reduces_change": changes[kind][1] < changes["raw"][1],
            "input_gradient": gradient.tolist(),
            "gradient_receivers": int(np.count_nonzero(gradient)),
        },
        data={
            "input": x,
            "output": output,
            "windows": windows(x.shape, kind, window, stride),
            "winners": winners(x, kind, window, stride),
            "relative_changes": {name: relative for name, (_, relative) in changes.items()},
            "gradient": gradient,
        },
    )


def _values(values: np.ndarray) -> list[str]:
    """Each cell's value as text, row by row."""
    return [f"{value:.3g}" for value in values.ravel()]


def _rings(panel: Panel, picked: np.ndarray) -> None:
    """A ring around each pixel that max pooling keeps, sized to the pixel cells."""
    cell = panel.cell
    panel.layout.line(
        panel.ax, picked[:, 1], picked[:, 0], marker="o", linestyle="None", markerfacecolor="none",
        markeredgecolor=WINNER, markeredgewidth=1.5 if cell < 12 else 2.0, markersize=0.85 * cell,
        transform=panel.transform,
    )  # fmt: skip


def plot(layout: Layout, result: Result) -> None:
    import matplotlib
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    from sim.plotting import is_compact

    compact = is_compact(layout.figure)
    backward = result.params.get("view", "forward") == "backward"
    x, output = result.data["input"], result.data["output"]
    kind = str(result.params["kind"])
    low, high = float(x.min()), float(x.max())
    bounds = [(-0.5, -0.5, *x.shape), (-0.5, -0.5, *output.shape)]
    ax_bar: Axes | None = None
    if backward:
        (show_in, show_out, show_grad), _ = image_panels(
            layout, [*bounds, (-0.5, -0.5, *x.shape)], BACKWARD_RATIOS, compact
        )
    elif compact:  # the comparison shares the images' axes: another axes would double the drawing time
        (show_in, show_out, show_bars), _ = image_panels(
            layout, [*bounds, (0.0, 0.0, 1.0, 1.0)], RATIOS, compact
        )
    else:
        (show_in, show_out), (ax_bar,) = image_panels(layout, bounds, RATIOS, compact)
    changes = result.data["relative_changes"]
    cmap = str(matplotlib.rcParams["image.cmap"])

    show_in.image(x, vmin=low, vmax=high)
    boxes = [Rectangle((left - 0.5, top - 0.5), w, h) for top, left, h, w in result.data["windows"]]

    def outlines() -> PatchCollection:
        made = PatchCollection(boxes, facecolor="none", edgecolor="white", linewidth=1, alpha=0.7)
        made.set_transform(show_in.transform)
        show_in.ax.add_collection(made, autolim=False)
        return made

    def redraw(made: PatchCollection) -> None:
        made.set_paths(boxes)
        made.set_transform(show_in.transform)
        show_in.ax.add_collection(made, autolim=False)

    layout.artist(show_in.ax, "windows", outlines, redraw)
    show_in.box(*result.data["windows"][0], edgecolor=HIGHLIGHT, linewidth=2.5)
    picked = result.data["winners"]
    if 0 < len(picked) <= MAX_ANNOTATED:
        _rings(show_in, picked)
    if x.size <= MAX_ANNOTATED:
        annotate_cells(show_in, x, _values(x), cmap, low, high)
    show_in.title("input" if compact else f"input {x.shape[0]}x{x.shape[1]} and windows")

    show_out.image(output, vmin=low, vmax=high)
    show_out.box(0, 0, 1, 1, edgecolor=HIGHLIGHT, linewidth=2.5)
    if output.size <= MAX_ANNOTATED:
        annotate_cells(show_out, output, _values(output), cmap, low, high)
    shape = f"{output.shape[0]}x{output.shape[1]}"
    if backward:
        show_out.title(
            f"{shape}, each ∂L/∂y = 1" if compact else f"{kind.replace('_', ' ')} {shape}, ∂L/∂y = 1 each"
        )
        _gradient(show_grad, result, compact)
        return
    show_out.title(shape if compact else f"{kind.replace('_', ' ')} pooled {shape}")
    if ax_bar is None:
        _compare_bars(show_bars, changes["raw"], changes[kind], kind)
    else:
        _all_bars(ax_bar, changes, kind, int(result.params["shift"]))


def _gradient(panel: Panel, result: Result, compact: bool) -> None:
    """The gradient reaching each input pixel, with the kept maxima ringed."""
    gradient = result.data["gradient"]
    top = float(gradient.max()) or 1.0
    panel.image(gradient, cmap=GRADIENT_CMAP, vmin=0.0, vmax=top)
    picked = result.data["winners"]
    if 0 < len(picked) <= MAX_ANNOTATED:
        _rings(panel, picked)
    if gradient.size <= MAX_ANNOTATED:
        annotate_cells(panel, gradient, _values(gradient), GRADIENT_CMAP, 0.0, top)
    panel.title("∂L/∂input" if compact else "gradient to the input, ∂L/∂x")


def _compare_bars(panel: Panel, raw: float, pooled: float, kind: str) -> None:
    """Two bars in a 1 x 1 panel: the input's relative change (grey) and the pooled map's (orange)."""
    import matplotlib
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    top = max(raw, pooled) or 1.0
    bars = [
        Rectangle((0.1 + 0.45 * i, 1.0 - 0.9 * v / top), 0.35, 0.9 * v / top)
        for i, v in enumerate((raw, pooled))
    ]
    ax, layout = panel.ax, panel.layout

    def made() -> PatchCollection:
        collection = PatchCollection(bars, facecolor=[RAW_COLOUR, HIGHLIGHT], edgecolor="none")
        collection.set_transform(panel.transform)
        ax.add_collection(collection, autolim=False)
        return collection

    def regrow(collection: PatchCollection) -> None:
        collection.set_paths(bars)
        collection.set_transform(panel.transform)
        ax.add_collection(collection, autolim=False)

    layout.artist(ax, "bars", made, regrow)
    layout.line(ax, [0.0, 1.0], [1.0, 1.0], color=RAW_COLOUR, linewidth=1, transform=panel.transform)
    size = matplotlib.rcParams["xtick.labelsize"]
    for i, name in enumerate(("input", SHORT_NAMES[kind].replace("\n", " "))):
        layout.text(ax, 0.275 + 0.45 * i, 1.02, name, ha="center", va="top", fontsize=size,
                    transform=panel.transform, clip_on=False)  # fmt: skip
    panel.title("shift change")


def _all_bars(ax: Axes, changes: dict[str, float], kind: str, shift: int) -> None:
    """Relative change of the input and of every pooling kind, the chosen one highlighted."""
    names = list(changes)
    values = [changes[name] for name in names]
    colours = [
        RAW_COLOUR if name == "raw" else (HIGHLIGHT if name == kind else OTHER_COLOUR) for name in names
    ]
    ax.bar(range(len(names)), values, color=colours)
    # A thick cap on every bar keeps a change of exactly zero (global pooling) visible.
    ax.scatter(range(len(names)), values, c=colours, marker="_", s=400, linewidths=3)
    ax.set_xticks(range(len(names)), [SHORT_NAMES[name] for name in names])
    ax.set_title(f"relative change, shift {shift} px")
    ax.set_ylabel("mean |change| / mean |map|")
    ax.grid(axis="x", visible=False)
    ax.locator_params(axis="y", nbins=4)
