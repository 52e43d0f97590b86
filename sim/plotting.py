"""Drawing simulations on matplotlib Figures (Agg canvas, never pyplot) and saving them.

``plot`` functions in ``sim.simulations`` draw on a Figure they are given; this module owns
figure creation, the theme (light for files, dark for terminals, compact for small sizes),
rasterising to RGBA and saving PNG/SVG/PDF.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.registry import get
from sim.spec import Result

SAVE_FORMATS = ("png", "svg", "pdf")
SAVE_SIZE_INCHES = (9.0, 6.0)
SAVE_DPI = 120

#: Below this figure height in pixels the compact theme is used (terminal-sized plots).
COMPACT_HEIGHT = 360

PALETTE = ("#4e9af1", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7")


def theme(width_px: int, height_px: int, dark: bool = False) -> dict[str, Any]:
    """rcParams for a figure of this size: bigger fonts and thicker lines when small."""
    compact = height_px < COMPACT_HEIGHT
    fg, bg = ("#e6e6e6", "#101418") if dark else ("#222222", "#ffffff")
    grid = "#3a4048" if dark else "#dddddd"
    base = 8.5 if compact else 10.0
    return {
        "figure.facecolor": bg,
        "axes.facecolor": bg,
        "savefig.facecolor": bg,
        "axes.edgecolor": fg,
        "axes.labelcolor": fg,
        "text.color": fg,
        "xtick.color": fg,
        "ytick.color": fg,
        "grid.color": grid,
        "axes.grid": True,
        "axes.prop_cycle": cycler(color=list(PALETTE)),
        "font.size": base,
        "axes.titlesize": base + 1,
        "axes.labelsize": base,
        "xtick.labelsize": base - 1,
        "ytick.labelsize": base - 1,
        "legend.fontsize": base - 1,
        "legend.framealpha": 0.6,
        "legend.facecolor": bg,
        "legend.edgecolor": grid,
        "lines.linewidth": 2.2 if compact else 1.8,
        "lines.markersize": 5 if compact else 6,
        "xtick.major.size": 2 if compact else 3.5,
        "ytick.major.size": 2 if compact else 3.5,
        "axes.titlepad": 3 if compact else 6,
        # Constrained layout costs ~40 ms a frame; small live plots use fixed margins instead.
        "figure.constrained_layout.use": not compact,
        "figure.subplot.left": 0.08,
        "figure.subplot.right": 0.98,
        "figure.subplot.bottom": 0.12,
        "figure.subplot.top": 0.9,
        "figure.subplot.wspace": 0.25,
        "figure.subplot.hspace": 0.35,
        "image.cmap": "viridis",
        "svg.fonttype": "none",
    }


def new_figure(width_px: int, height_px: int, dpi: int = 100) -> Figure:
    """A Figure of the given pixel size with an Agg canvas attached."""
    if width_px < 16 or height_px < 16:
        raise ValueError(f"figure size must be at least 16x16 pixels, got {width_px}x{height_px}")
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def draw(fig: Figure, result: Result, dark: bool = False) -> None:
    """Clear ``fig`` and draw ``result`` on it with the theme for the figure's size."""
    width, height = (int(v) for v in fig.get_size_inches() * fig.dpi)
    fig.clear()
    with matplotlib.rc_context(theme(width, height, dark)):  # type: ignore[arg-type]
        fig.set_facecolor(matplotlib.rcParams["figure.facecolor"])
        fig.set_layout_engine("constrained" if height >= COMPACT_HEIGHT else "none")
        get(result.sim).plot(fig, result)


def to_rgba(fig: Figure) -> np.ndarray:
    """Rasterise ``fig`` to an (H, W, 4) uint8 array."""
    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


class Renderer:
    """Renders results to RGBA at a fixed size, reusing one Figure between redraws."""

    def __init__(self, width_px: int, height_px: int, dark: bool = True, dpi: int = 100) -> None:
        self.size = (width_px, height_px)
        self.dark = dark
        self.figure = new_figure(width_px, height_px, dpi)

    def render(self, result: Result) -> np.ndarray:
        """Draw ``result`` and return its pixels."""
        draw(self.figure, result, self.dark)
        return to_rgba(self.figure)


def render(result: Result, width_px: int = 800, height_px: int = 520, dark: bool = False) -> np.ndarray:
    """Draw ``result`` on a fresh figure of the given size and return its RGBA pixels."""
    return Renderer(width_px, height_px, dark).render(result)


def save(result: Result, path: str | Path, size_inches: tuple[float, float] = SAVE_SIZE_INCHES) -> Path:
    """Save the plot of ``result`` as PNG, SVG or PDF, chosen by the file's suffix."""
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in SAVE_FORMATS:
        raise ValueError(f"cannot save '{target.name}': the file must end in .png, .svg or .pdf")
    fig = new_figure(int(size_inches[0] * SAVE_DPI), int(size_inches[1] * SAVE_DPI), SAVE_DPI)
    draw(fig, result)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, format=fmt, dpi=SAVE_DPI)
    return target
