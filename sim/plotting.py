"""Drawing simulations on matplotlib Figures (Agg canvas, never pyplot) and saving them.

``plot`` functions in ``sim.simulations`` draw on a Figure they are given; this module owns
figure creation, the theme (light for files, dark for terminals, compact for small sizes),
rasterising to RGBA and saving PNG/SVG/PDF.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

import matplotlib
import matplotlib.colors
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullLocator

from sim.cell_text import CellText, Taken, collect, place, prepare
from sim.colours import PALETTE, PALETTE_LIGHT
from sim.layout import Layout, LayoutChanged
from sim.registry import get
from sim.spec import Result

SAVE_FORMATS = ("png", "svg", "pdf")
SAVE_SIZE_INCHES = (9.0, 6.0)
SAVE_DPI = 120

#: Below this figure height in pixels the compact theme is used (terminal-sized plots).
COMPACT_HEIGHT = 360

#: Without colour (NO_COLOR), series differ by line style.
LINE_STYLES = ("-", "--", ":", "-.")


def theme(width_px: int, height_px: int, dark: bool = False, monochrome: bool = False) -> dict[str, Any]:
    """rcParams for a figure of this size: bigger fonts and thicker lines when small.

    ``monochrome`` cycles line styles with the colours, for terminals without colour.
    """
    compact = height_px < COMPACT_HEIGHT
    fg, bg = ("#e6e6e6", "#101418") if dark else ("#222222", "#ffffff")
    colours = list(PALETTE if dark else PALETTE_LIGHT)
    cycle = cycler(color=colours)
    if monochrome:
        cycle = cycler(color=colours[:4]) + cycler(linestyle=list(LINE_STYLES))
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
        "axes.prop_cycle": cycle,
        "font.size": base,
        "axes.titlesize": base + 1,
        "axes.labelsize": base,
        "xtick.labelsize": base - 1,
        "ytick.labelsize": base - 1,
        "legend.fontsize": base - 1,
        "legend.framealpha": 0.6,
        "legend.facecolor": bg,
        "legend.edgecolor": grid,
        "lines.linewidth": 2.6 if compact else 1.8,
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


@cache
def colormap(name: str) -> Colormap:
    """The colour map ``name``, looked up once (each lookup in ``matplotlib.colormaps`` builds a new copy)."""
    return matplotlib.colormaps[name]


def is_compact(fig: Figure) -> bool:
    """Whether ``fig`` is terminal-sized, where fine text is unreadable and legends hide the plot."""
    return bool(fig.get_figheight() * fig.dpi < COMPACT_HEIGHT)


def figure_size(fig: Figure) -> str:
    """'full' for saved figures, 'compact' for terminal-sized ones, 'tiny' below 360 pixels wide."""
    width, height = fig.get_size_inches() * fig.dpi
    if height >= COMPACT_HEIGHT:
        return "full"
    return "compact" if width >= 360 else "tiny"


def quiet_log_axis(ax: Axes) -> None:
    """Few major ticks and no minor ticks on the log axes of ``ax``: they crowd small plots and cost time."""
    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() == "log":
            axis.set_major_locator(LogLocator(numticks=5))
            axis.set_minor_locator(NullLocator())


def new_figure(width_px: int, height_px: int, dpi: int = 100) -> Figure:
    """A Figure of the given pixel size with an Agg canvas attached."""
    if width_px < 16 or height_px < 16:
        raise ValueError(f"figure size must be at least 16x16 pixels, got {width_px}x{height_px}")
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


#: Where matplotlib puts an axes' titles.
TITLE_LOCATIONS: tuple[Literal["left", "center", "right"], ...] = ("left", "center", "right")


@dataclass
class Legend:
    """Each axes' title, and the legend's labels with their colours and line styles."""

    titles: list[str] = field(default_factory=list)
    entries: list[tuple[str, str]] = field(default_factory=list)
    #: Each entry's line style ("-", "--", ":", "-.", or "" for a patch or marker).
    styles: list[str] = field(default_factory=list)


def draw(
    target: Figure | Layout,
    result: Result,
    dark: bool = False,
    cells: tuple[float, float] | None = None,
    monochrome: bool = False,
) -> tuple[Legend, Taken | None]:
    """Draw ``result`` on a figure, or on a ``Layout``'s figure, with the theme for the figure's size.

    With ``cells`` (a terminal cell's size in pixels), the text is taken out of the figure to be
    drawn as terminal characters (``sim.cell_text``); the returned ``Taken`` says where it goes,
    once the figure is rasterised, and the Legend carries the legend's entries.
    A redraw of the simulation that drew last on a ``Layout`` reuses its axes and artists (``sim.layout``).
    """
    layout = target if isinstance(target, Layout) else Layout(target, text_as_cells=cells is not None)
    fig = layout.figure
    width, height = (int(v) for v in fig.get_size_inches() * fig.dpi)
    plot = get(result.sim).plot
    theme_params = theme(width, height, dark, monochrome)
    # Log axes over extreme (but valid) data overflow inside matplotlib's autoscaling: not a fault.
    with themed(theme_params), np.errstate(over="ignore", invalid="ignore"):
        try:
            _draw_once(layout, result.sim, plot, result, cells is not None, height)
        except LayoutChanged:
            layout.clear()
            _draw_once(layout, result.sim, plot, result, cells is not None, height)
    legend = Legend()
    for ax in fig.axes:
        legend.titles.extend(title for loc in TITLE_LOCATIONS if (title := ax.get_title(loc)))
        handles, labels = ax.get_legend_handles_labels()
        for handle, label in zip(handles, labels, strict=False):
            if not label.startswith("_") and label not in {text for text, _ in legend.entries}:
                legend.entries.append((label, _colour_of(handle)))
                style = handle.get_linestyle() if hasattr(handle, "get_linestyle") else ""
                legend.styles.append(style if isinstance(style, str) and style in LINE_STYLES else "")
    if cells is None:
        return legend, None
    return legend, prepare(fig, cells)


@contextmanager
def themed(params: dict[str, Any]) -> Iterator[None]:
    """``params`` set in ``matplotlib.rcParams`` for the duration, as ``matplotlib.rc_context`` sets them,
    but restoring only the settings it changed (``rc_context`` copies all of them: most of a millisecond)."""
    rc = cast("dict[str, Any]", matplotlib.rcParams)  # still the RcParams, which validates what it gets
    saved = {name: rc[name] for name in params}
    try:
        rc.update(params)
        yield
    finally:
        rc.update(saved)


def _draw_once(layout: Layout, sim: str, plot: Any, result: Result, bare: bool, height: int) -> None:
    """One draw of ``result`` on ``layout``: on its kept axes, or on the cleared figure."""
    if not layout.begin(sim):
        fig = layout.figure
        fig.set_facecolor(matplotlib.rcParams["figure.facecolor"])
        fig.set_layout_engine("constrained" if height >= COMPACT_HEIGHT and not bare else "none")
    plot(layout, result)
    layout.end()


def _colour_of(handle: Any) -> str:
    for getter in ("get_color", "get_facecolor", "get_edgecolor"):
        if hasattr(handle, getter):
            colour = getattr(handle, getter)()
            try:
                rgba = colour if isinstance(colour, str) else tuple(float(v) for v in np.ravel(colour)[:4])
                return str(matplotlib.colors.to_hex(rgba))  # type: ignore[arg-type]
            except (ValueError, TypeError):
                continue
    return "#888888"


def to_rgba(fig: Figure) -> np.ndarray:
    """Rasterise ``fig`` to an (H, W, 4) uint8 array."""
    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(fig)
    with np.errstate(over="ignore", invalid="ignore"):  # log axes over extreme (valid) data
        canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


class Renderer:
    """Renders results to RGBA at a fixed size, reusing one Figure between redraws.

    With ``cells`` (a terminal cell's size in pixels) the pixels carry no text: ``texts`` then
    holds the figure's text placed on the cell grid, and ``legend`` the legend's entries.
    """

    def __init__(
        self,
        width_px: int,
        height_px: int,
        dark: bool = True,
        dpi: int = 100,
        cells: tuple[float, float] | None = None,
        monochrome: bool = False,
    ) -> None:
        self.size = (width_px, height_px)
        self.dark = dark
        self.cells = cells
        self.monochrome = monochrome
        self.figure = new_figure(width_px, height_px, dpi)
        self.legend = Legend()
        self.texts: list[CellText] = []
        # Live plots redraw on every parameter change: keep their axes and artists between frames.
        self.layout = Layout(self.figure, text_as_cells=cells is not None)

    def render(self, result: Result) -> np.ndarray:
        """Draw ``result`` and return its pixels; ``legend`` and ``texts`` then hold the plot's text."""
        self.legend, taken = draw(self.layout, result, self.dark, self.cells, self.monochrome)
        pixels = to_rgba(self.figure)
        if self.cells is not None and taken is not None:
            width, height = self.size
            cols, rows = int(width / self.cells[0]), int(height / self.cells[1])
            self.texts = place(collect(self.figure, taken, self.cells), cols, rows, self.cells)
        return pixels


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
    draw(Layout(fig), result)
    target.parent.mkdir(parents=True, exist_ok=True)
    with np.errstate(over="ignore", invalid="ignore"):  # log axes over extreme (valid) data
        fig.savefig(target, format=fmt, dpi=SAVE_DPI)
    return target
