"""A figure's text as terminal characters, for plots drawn with half-blocks.

Half-block pixels are far too coarse for glyphs, so a terminal plot is drawn in two layers from the
same matplotlib figure that makes the saved PNG/SVG:

1. ``prepare`` (after the simulation's ``plot`` has drawn, before rasterising) takes the text out
   of the figure: panel titles, axis labels, tick labels, ``ax.text``/``ax.annotate`` artists and
   figure texts are hidden or blanked, and the margins are set in terminal cells so that the
   characters have room. Ticks get a locator sized to the axis' length in cells.
2. The figure is rasterised without its text (``sim.plotting``).
3. ``collect`` then asks matplotlib's transforms where each text belongs: tick positions through
   ``transData``, titles and labels around each axes' bounding box, the window extent of each
   ``Text`` artist (laid out, never drawn), and the positions of a ``TextBatch``'s texts through its
   transform, all at once (the numbers in matrix cells). ``place`` turns those anchors into cell positions,
   dropping a text that would overlap one placed before it (titles first, tick labels last).

The terminal then draws each ``CellText`` as real characters over the half-block cells. Nothing here
knows about the terminal beyond the size of a cell in pixels.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

import matplotlib.colors
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text
from matplotlib.ticker import AutoLocator, Locator, MaxNLocator, NullLocator

from sim.text_batch import TextBatch

#: Which text wins where two would overlap: lower ranks are placed first.
RANK_TITLE, RANK_LABEL, RANK_ANNOTATION, RANK_TICK = 0, 1, 2, 3
#: Margins of the figure and gaps between panels, in cells: room for tick labels, titles and labels.
LEFT_CELLS, RIGHT_CELLS, TOP_ROWS, BOTTOM_ROWS = 7, 2, 1, 2
GAP_CELLS, GAP_ROWS = 9, 3
_SUPERSCRIPTS = str.maketrans("0123456789-−+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁻⁺")


@dataclass(frozen=True)
class PlacedText:
    """A piece of the figure's text and where it belongs.

    ``x``, ``y``: the anchor in figure pixels from the top-left corner; ``ha`` is ``left``,
    ``center`` or ``right`` and ``va`` is ``top``, ``center`` or ``bottom``, relative to the anchor.
    """

    text: str
    x: float
    y: float
    ha: str
    va: str
    colour: str
    rank: int
    bold: bool = False


@dataclass(frozen=True)
class CellText:
    """A run of characters at a terminal cell: row and column from the top-left of the plot."""

    row: int
    col: int
    text: str
    colour: str
    bold: bool = False


@dataclass
class _AxesText:
    """What ``prepare`` took out of one axes, to be placed by ``collect``."""

    ax: Axes
    titles: dict[str, tuple[str, str]] = field(default_factory=dict)
    xlabel: tuple[str, str] = ("", "")
    ylabel: tuple[str, str] = ("", "")
    tick_sides: tuple[str, ...] = ()
    tick_colour: str = "#888888"
    locators: tuple[Locator, Locator] | None = None


@dataclass
class Taken:
    """The text taken out of a figure by ``prepare``."""

    axes: list[_AxesText] = field(default_factory=list)
    artists: list[tuple[Text, int]] = field(default_factory=list)
    batches: list[TextBatch] = field(default_factory=list)
    suptitle: tuple[str, str] = ("", "")


def hex_colour(colour: object) -> str:
    """Any matplotlib colour as ``#rrggbb``."""
    if isinstance(colour, str):
        return _hex_of_name(colour)
    try:
        return str(matplotlib.colors.to_hex(colour, keep_alpha=False))  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return "#888888"


@functools.lru_cache(maxsize=256)
def _hex_of_name(colour: str) -> str:
    """A colour given by name or hex string as ``#rrggbb`` (the same few come up in every frame)."""
    try:
        return str(matplotlib.colors.to_hex(colour, keep_alpha=False))
    except ValueError:
        return "#888888"


def plain_text(text: str) -> str:
    """Tick and label text without mathtext markup: ``$10^{-2}$`` -> ``10⁻²``."""
    if "$" not in text:
        return text
    text = text.replace("\\mathdefault", "").replace("\\times", "×").replace("\\cdot", "·")
    text = re.sub(r"\^\{([^}]*)\}", lambda match: match.group(1).translate(_SUPERSCRIPTS), text)
    text = re.sub(r"\^(\S)", lambda match: match.group(1).translate(_SUPERSCRIPTS), text)
    return text.replace("$", "").replace("{", "").replace("}", "").replace("\\", "")


def _tick_sides(ax: Axes) -> tuple[str, ...]:
    """Which sides of ``ax`` show tick labels (``bottom``, ``top``, ``left``, ``right``)."""
    if not ax.axison:
        return ()
    sides = []
    for axis, (first, second) in ((ax.xaxis, ("bottom", "top")), (ax.yaxis, ("left", "right"))):
        ticks = axis.get_major_ticks(1)
        if ticks and ticks[0].label1.get_visible():
            sides.append(first)
        if ticks and ticks[0].label2.get_visible():
            sides.append(second)
    return tuple(sides)


def prepare(fig: Figure, cell: tuple[float, float]) -> Taken:
    """Take the text out of ``fig`` (see the module docstring) and set its margins in cells."""
    width, height = fig.get_size_inches() * fig.dpi
    cell_w, cell_h = cell
    taken = Taken()
    suptitle = fig.get_suptitle()
    if suptitle:
        taken.suptitle = (suptitle, hex_colour(matplotlib.rcParams["text.color"]))
        fig.suptitle("")
    top = TOP_ROWS + (1 if suptitle else 0)
    margins = {
        "left": min(LEFT_CELLS * cell_w / width, 0.3),
        "right": 1 - min(RIGHT_CELLS * cell_w / width, 0.1),
        "bottom": min(BOTTOM_ROWS * cell_h / height, 0.3),
        "top": 1 - min(top * cell_h / height, 0.3),
        "wspace": _gap(fig, GAP_CELLS * cell_w, width, columns=True),
        "hspace": _gap(fig, GAP_ROWS * cell_h, height, columns=False),
    }
    if any(getattr(fig.subplotpars, name) != value for name, value in margins.items()):
        fig.subplots_adjust(**margins)  # kept axes already sit where these margins put them: not again
    for ax in fig.axes:
        item = _AxesText(ax)
        for loc in ("left", "center", "right"):
            title = ax.get_title(loc)
            if title:
                item.titles[loc] = (title, hex_colour(ax.title.get_color()))
                ax.set_title("", loc=loc)
        item.xlabel = (ax.get_xlabel(), hex_colour(ax.xaxis.label.get_color()))
        item.ylabel = (ax.get_ylabel(), hex_colour(ax.yaxis.label.get_color()))
        ax.set_xlabel("")
        ax.set_ylabel("")
        item.tick_sides = _tick_sides(ax)
        if item.tick_sides:
            ticks = ax.xaxis.get_major_ticks(1)
            item.tick_colour = hex_colour(ticks[0].label1.get_color()) if ticks else item.tick_colour
            item.locators = _take_locators(ax, cell)
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_visible(False)  # no ticks, labels or grid lines left to draw: skip laying them out
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()  # its entries are drawn as text beside the plot
        for text in ax.texts:
            if text.get_visible() and text.get_text().strip():
                taken.artists.append((text, RANK_ANNOTATION))
                text.set_visible(False)
        for artist in ax.artists:
            if isinstance(artist, TextBatch) and artist.get_visible():
                taken.batches.append(artist)
                artist.set_visible(False)
        taken.axes.append(item)
    for text in fig.texts:
        if text.get_visible() and text.get_text().strip():
            taken.artists.append((text, RANK_LABEL))
            text.set_visible(False)
    return taken


def _gap(fig: Figure, gap_px: float, size_px: float, columns: bool) -> float:
    """``wspace``/``hspace`` (a fraction of the mean panel size) that leaves ``gap_px`` between panels."""
    panels = 1
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        if spec is not None:
            rows, cols = spec.get_gridspec().get_geometry()
            panels = max(panels, cols if columns else rows)
    if panels == 1:
        return 0.2
    usable = size_px * 0.8
    panel = max((usable - (panels - 1) * gap_px) / panels, 1.0)
    return min(gap_px / panel, 1.5)


def _take_locators(ax: Axes, cell: tuple[float, float]) -> tuple[Locator, Locator]:
    """The axes' tick locators, for ``collect``; the axes itself then draws no ticks or grid lines
    (they would cost most of a frame, and the tick labels are terminal text).

    Where the plot left matplotlib's automatic ticks, there are few enough for their labels to fit:
    one per ~10 columns across, one per ~4 rows up.
    """
    bbox = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches() * ax.figure.dpi  # type: ignore[union-attr]
    bins = (bbox.width * fig_w / cell[0] / 10, bbox.height * fig_h / cell[1] / 4)
    taken = []
    for axis, count in zip((ax.xaxis, ax.yaxis), bins, strict=True):
        locator = axis.get_major_locator()
        if axis.get_scale() == "linear" and isinstance(locator, AutoLocator):
            locator = MaxNLocator(nbins=max(int(count), 1), steps=[1, 2, 2.5, 5, 10])
            locator.set_axis(axis)
        taken.append(locator)
        axis.set_major_locator(NullLocator())
        axis.set_minor_locator(NullLocator())
    return taken[0], taken[1]


def collect(fig: Figure, taken: Taken, cell: tuple[float, float]) -> list[PlacedText]:
    """Where each text taken by ``prepare`` belongs, once the figure has been drawn."""
    height = fig.get_size_inches()[1] * fig.dpi
    cell_w, cell_h = cell
    placed: list[PlacedText] = []
    if taken.suptitle[0]:
        placed.append(
            PlacedText(taken.suptitle[0], fig.bbox.width / 2, 0, "center", "top", taken.suptitle[1], 0, True)
        )
    for item in taken.axes:
        box = item.ax.bbox
        top, bottom = height - box.y1, height - box.y0
        above = top - cell_h / 2
        for loc, (title, colour) in item.titles.items():
            x = {"left": box.x0, "center": (box.x0 + box.x1) / 2, "right": box.x1}[loc]
            placed.append(PlacedText(title, x, above, loc, "center", colour, RANK_TITLE, True))
        if item.ylabel[0]:
            side_x = box.x0 if "right" not in item.tick_sides or "left" in item.tick_sides else box.x1
            ha = "left" if side_x == box.x0 else "right"
            placed.append(PlacedText(f"↑ {item.ylabel[0]}", side_x, above, ha, "center", item.ylabel[1], 1))
        ticks_below = "bottom" in item.tick_sides
        if item.xlabel[0]:
            y = bottom + cell_h * (1.5 if ticks_below else 0.5)
            x = (box.x0 + box.x1) / 2
            placed.append(PlacedText(f"{item.xlabel[0]} →", x, y, "center", "center", item.xlabel[1], 1))
        placed.extend(_tick_labels(item, height, cell_w, cell_h))
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for text, rank in taken.artists:
        anchor = _anchor(text, renderer)
        if anchor is None:
            continue
        x, y = anchor[0], height - anchor[1]
        bold = _is_bold(text.get_fontweight())
        colour = hex_colour(text.get_color())
        placed.append(PlacedText(plain_text(text.get_text()), x, y, "center", "center", colour, rank, bold))
    for batch in taken.batches:
        placed.extend(_batch_texts(batch, height))
    return placed


def _is_bold(weight: object) -> bool:
    text = str(weight)
    return text in ("bold", "heavy", "black", "semibold") or (text.isdigit() and int(text) >= 600)


#: Matplotlib's vertical alignments as the cell grid's.
_VERTICAL = {"top": "top", "bottom": "bottom", "baseline": "bottom", "center": "center"}


def _batch_texts(batch: TextBatch, height: float) -> list[PlacedText]:
    """A ``TextBatch``'s texts, anchored as the batch aligns them."""
    bold = _is_bold(batch.style.get("fontweight", "normal"))
    ha, va, rank = batch.ha, _VERTICAL.get(batch.va, "center"), RANK_ANNOTATION
    return [
        PlacedText(plain_text(text), float(x), height - float(y), ha, va, hex_colour(colour), rank, bold)
        for (x, y), text, colour in zip(batch.display_positions(), batch.strings, batch.colours, strict=True)
        if math.isfinite(x) and math.isfinite(y) and text.strip()
    ]


#: Where a laid-out text's centre lies from its anchor, by everything its layout depends on. A text's
#: extent is its layout moved to its anchor, so a text met again (a panel's title, on every redraw)
#: is not laid out again.
_CENTRES: dict[tuple[object, ...], tuple[float, float]] = {}


def _layout_key(text: Text, renderer: RendererBase) -> tuple[object, ...] | None:
    """What the layout of ``text`` depends on; None where it depends on more (wrapping, an offset)."""
    if (
        isinstance(text, Annotation)
        or text.get_wrap()
        or text.get_usetex()
        or text.get_transform_rotates_text()
    ):
        return None
    font = text.get_fontproperties()
    typeface = (
        font.get_family(),
        font.get_style(),
        font.get_variant(),
        font.get_weight(),
        font.get_stretch(),
    )
    size = (font.get_size_in_points(), font.get_file(), font.get_math_fontfamily())
    alignment = (text.get_horizontalalignment(), text.get_verticalalignment(), text.get_rotation())
    spacing = (text.get_rotation_mode(), text.get_linespacing(), text.get_parse_math())
    return (text.get_text(), repr(typeface), size, alignment, spacing, renderer.points_to_pixels(72.0))


def _anchor(text: Text, renderer: RendererBase) -> tuple[float, float] | None:
    """The centre of ``text`` in display pixels (from the bottom-left), or ``None`` off the figure.

    A text centred on its position needs no layout: its position through its transform is its centre.
    Others (aligned to a side, rotated, or an annotation placed at an offset) are laid out (never
    drawn) to find their extent, once for each layout (``_CENTRES``).
    """
    centred = text.get_horizontalalignment() == "center" and text.get_verticalalignment() in (
        "center",
        "center_baseline",
    )
    if centred and not isinstance(text, Annotation) and not text.get_rotation():
        x, y = text.get_transform().transform(text.get_position())
        return (float(x), float(y)) if math.isfinite(x) and math.isfinite(y) else None
    key = _layout_key(text, renderer)
    if key is not None and key in _CENTRES:
        x, y = text.get_transform().transform(text.get_position())
        dx, dy = _CENTRES[key]
        x, y = x + dx, y + dy
    else:
        text.set_visible(True)
        try:
            extent = text.get_window_extent(renderer)
        finally:
            text.set_visible(False)
        x, y = (extent.x0 + extent.x1) / 2, (extent.y0 + extent.y1) / 2
        if key is not None and math.isfinite(x) and math.isfinite(y):
            ax, ay = text.get_transform().transform(text.get_position())
            if len(_CENTRES) > 4096:
                _CENTRES.clear()
            _CENTRES[key] = (x - ax, y - ay)
    return (float(x), float(y)) if math.isfinite(x) and math.isfinite(y) else None


def _tick_labels(item: _AxesText, height: float, cell_w: float, cell_h: float) -> list[PlacedText]:
    ax, box, placed = item.ax, item.ax.bbox, list[PlacedText]()
    if item.locators is None:
        return placed
    for axis, sides, locator in zip(
        (ax.xaxis, ax.yaxis), (("bottom", "top"), ("left", "right")), item.locators, strict=True
    ):
        shown = [side for side in sides if side in item.tick_sides]
        if not shown:
            continue
        low, high = sorted(axis.get_view_interval())
        slack = 1e-9 * abs(high - low)
        locs = [loc for loc in locator.tick_values(low, high) if low - slack <= loc <= high + slack]
        if not locs:
            continue
        labels = axis.get_major_formatter().format_ticks(locs)
        for loc, label in zip(locs, labels, strict=True):
            label = plain_text(label)
            if not label:
                continue
            if axis is ax.xaxis:
                x = ax.transData.transform((loc, ax.get_ylim()[0]))[0]
                for side in shown:
                    y = height - box.y0 + cell_h / 2 if side == "bottom" else height - box.y1 - cell_h / 2
                    placed.append(PlacedText(label, x, y, "center", "center", item.tick_colour, RANK_TICK))
            else:
                y = height - ax.transData.transform((ax.get_xlim()[0], loc))[1]
                for side in shown:
                    x, ha = (
                        (box.x0 - cell_w / 2, "right") if side == "left" else (box.x1 + cell_w / 2, "left")
                    )
                    placed.append(PlacedText(label, x, y, ha, "center", item.tick_colour, RANK_TICK))
    return placed


def place(texts: list[PlacedText], cols: int, rows: int, cell: tuple[float, float]) -> list[CellText]:
    """Terminal cells for ``texts`` on a ``cols`` x ``rows`` grid; overlapping or clipped texts are dropped.

    Texts are placed by rank (titles, labels, annotations, then tick labels), so a tick label never
    hides a title. A text wider than the grid is cut with an ellipsis.
    """
    cell_w, cell_h = cell
    taken = [bytearray(cols) for _ in range(rows)]
    cells: list[CellText] = []
    for item in sorted(texts, key=lambda text: text.rank):
        lines = item.text.split("\n")
        first_row = _first_row(item, len(lines), cell_h)
        if item.rank == RANK_TITLE and len(item.text) > cols:
            lines = [_fit(line, cols) for line in lines]
        spots: list[tuple[int, int, str]] = []
        for offset, line in enumerate(lines):
            row = first_row + offset
            col = _first_col(item, len(line), cell_w)
            if item.rank != RANK_TICK:  # keep whole labels on the grid rather than dropping them
                col = min(max(col, 0), max(cols - len(line), 0))
                line = _fit(line, cols - col)
            if not line or row < 0 or row >= rows or col < 0 or col + len(line) > cols:
                spots = []
                break
            if any(taken[row][col : col + len(line)]):
                spots = []
                break
            spots.append((row, col, line))
        for row, col, line in spots:
            taken[row][col : col + len(line)] = b"\x01" * len(line)
            cells.append(CellText(row, col, line, item.colour, item.bold))
    return cells


def _fit(line: str, width: int) -> str:
    if width <= 0:
        return ""
    return line if len(line) <= width else line[: max(width - 1, 0)] + "…"


def _first_row(item: PlacedText, lines: int, cell_h: float) -> int:
    row = item.y / cell_h
    if item.va == "top":
        return math.floor(row)
    if item.va == "bottom":
        return math.floor(row) - lines + 1
    return math.floor(row - (lines - 1) / 2)


def _first_col(item: PlacedText, length: int, cell_w: float) -> int:
    col = item.x / cell_w
    if item.ha == "left":
        return round(col)
    if item.ha == "right":
        return round(col) - length
    return round(col - length / 2)
