"""Pooling simulation: max, average and global pooling, and how little a shift changes the pooled map."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from numpy.lib.stride_tricks import sliding_window_view

from sim.conv import FILTERS, conv2d, global_pool, pool2d
from sim.plotting import is_compact
from sim.simulations.convolution import Panel, image_panels, shapes
from sim.spec import Result

KINDS = ("max", "avg", "global_max", "global_avg")
SHORT_NAMES = {"raw": "input", "max": "max", "avg": "avg", "global_max": "gmax", "global_avg": "gavg"}
MAX_ANNOTATED = 64  # cells; more numbers than this are unreadable even at full size
RATIOS = [3.0, 3.0, 2.4]
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
        },
        data={
            "input": x,
            "output": output,
            "windows": windows(x.shape, kind, window, stride),
            "winners": winners(x, kind, window, stride),
            "relative_changes": {name: relative for name, (_, relative) in changes.items()},
        },
    )


def _annotate(ax: Axes, values: np.ndarray, low: float, high: float) -> None:
    """Write each cell's value on it, dark on bright cells and light on dark ones."""
    span = high - low or 1.0
    for (i, j), value in np.ndenumerate(values):
        colour = "black" if (value - low) / span > 0.6 else "white"
        ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize="small", color=colour)


def plot(fig: Figure, result: Result) -> None:
    compact = is_compact(fig)
    x, output = result.data["input"], result.data["output"]
    kind = str(result.params["kind"])
    low, high = float(x.min()), float(x.max())
    bounds = [(-0.5, -0.5, *x.shape), (-0.5, -0.5, *output.shape)]
    if compact:  # the comparison shares the images' axes: another axes would double the drawing time
        (show_in, show_out, show_bars), _ = image_panels(
            fig, [*bounds, (0.0, 0.0, 1.0, 1.0)], RATIOS, compact
        )
    else:
        (show_in, show_out), (ax_bar,) = image_panels(fig, bounds, RATIOS, compact)
    changes = result.data["relative_changes"]

    show_in.image(x, vmin=low, vmax=high)
    boxes = [Rectangle((left - 0.5, top - 0.5), w, h) for top, left, h, w in result.data["windows"]]
    outlines = PatchCollection(boxes, facecolor="none", edgecolor="white", linewidth=1, alpha=0.7)
    outlines.set_transform(show_in.transform)
    show_in.ax.add_collection(outlines, autolim=False)
    show_in.box(*result.data["windows"][0], edgecolor=HIGHLIGHT, linewidth=2.5)
    picked = result.data["winners"]
    if 0 < len(picked) <= MAX_ANNOTATED:
        fill = WINNER if compact else "none"
        ring: dict[str, Any] = {"markersize": 4 if compact else 15, "markerfacecolor": fill}
        show_in.ax.plot(
            picked[:, 1],
            picked[:, 0],
            "o",
            markeredgecolor=WINNER,
            markeredgewidth=2,
            transform=show_in.transform,
            **ring,
        )
    if not compact and x.size <= MAX_ANNOTATED:
        _annotate(show_in.ax, x, low, high)
    show_in.title("input" if compact else f"input {x.shape[0]}x{x.shape[1]} and windows")

    show_out.image(output, vmin=low, vmax=high)
    show_out.box(0, 0, 1, 1, edgecolor=HIGHLIGHT, linewidth=2.5)
    if not compact and output.size <= MAX_ANNOTATED:
        _annotate(show_out.ax, output, low, high)
    shape = f"{output.shape[0]}x{output.shape[1]}"
    show_out.title(shape if compact else f"{kind.replace('_', ' ')} pooled {shape}")

    if compact:
        _compare_bars(show_bars, changes["raw"], changes[kind])
    else:
        _all_bars(ax_bar, changes, kind, int(result.params["shift"]))


def _compare_bars(panel: Panel, raw: float, pooled: float) -> None:
    """Two bars in a 1 x 1 panel: the input's relative change (grey) and the pooled map's (orange)."""
    top = max(raw, pooled) or 1.0
    bars = [
        Rectangle((0.1 + 0.45 * i, 1.0 - 0.9 * v / top), 0.35, 0.9 * v / top)
        for i, v in enumerate((raw, pooled))
    ]
    collection = PatchCollection(bars, facecolor=[RAW_COLOUR, HIGHLIGHT], edgecolor="none")
    collection.set_transform(panel.transform)
    panel.ax.add_collection(collection, autolim=False)
    panel.ax.plot([0.0, 1.0], [1.0, 1.0], color=RAW_COLOUR, linewidth=1, transform=panel.transform)
    panel.title("shift")


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
    ax.set_xticks(range(len(names)), [SHORT_NAMES[name] for name in names], rotation=30)
    ax.set_title(f"relative change, shift {shift} px")
    ax.grid(axis="x", visible=False)
    ax.locator_params(axis="y", nbins=4)
