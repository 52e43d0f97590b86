"""Convolution simulation: a named or custom kernel slid over a photo or a synthetic scene."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from PIL import Image

from sim.conv import FILTERS, conv2d, pad
from sim.spec import Result

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.collections import PolyCollection
    from matplotlib.image import AxesImage
    from matplotlib.patches import Rectangle
    from matplotlib.transforms import Transform

    from sim.layout import Layout


MAX_KERNEL = 7
#: Room kept right of a terminal plot's feature map for its colour scale, in map sides.
SCALE_ROOM = 0.4
SCALE_STEPS = 32
PHOTO = "grace_hopper.jpg"
PROBE_COLOUR = "#f28e2b"
PEAK_COLOUR = "#59a14f"


@cache
def _photo_grey() -> Image.Image:
    """The bundled sample photo as an 8-bit grey image (decoded once)."""
    from matplotlib import cbook

    with Image.open(cbook.get_sample_data(PHOTO, asfileobj=False)) as picture:
        return picture.convert("L")


@lru_cache(maxsize=32)
def photo(rows: int) -> np.ndarray:
    """The sample photo downscaled to ``rows`` pixels high (aspect kept), grey values in [0, 1], read-only."""
    if rows < 2:
        raise ValueError(f"rows must be at least 2, got {rows}")
    full = _photo_grey()
    cols = max(2, round(rows * full.width / full.height))
    small = np.asarray(full.resize((cols, rows), Image.Resampling.BOX), dtype=np.float64) / 255.0
    small.setflags(write=False)
    return small


def shapes(size: int) -> np.ndarray:
    """A size x size synthetic scene: a rectangle, a disk, a triangle and a bar on a dark background."""
    if size < 2:
        raise ValueError(f"size must be at least 2, got {size}")
    v, u = (np.mgrid[0:size, 0:size] + 0.5) / size  # v: down, u: right, both in (0, 1)
    scene = np.full((size, size), 0.15)
    scene[(u >= 0.08) & (u < 0.45) & (v >= 0.08) & (v < 0.4)] = 0.9
    scene[(u - 0.72) ** 2 + (v - 0.27) ** 2 < 0.18**2] = 0.6
    scene[(v >= 0.55) & (v < 0.92) & (np.abs(u - 0.28) <= 0.65 * (v - 0.55))] = 0.75
    scene[(v >= 0.7) & (v < 0.8) & (u >= 0.58) & (u < 0.95)] = 1.0
    return scene


def parse_kernel(text: str) -> np.ndarray:
    """A kernel from text: rows separated by ';' (or new lines), numbers by spaces or commas.

    Without ';', a perfect square count of numbers (1, 4, 9, ... 49) makes a square kernel.
    """
    rows_text = [row for row in re.split(r"[;\n]", text) if row.strip()]
    try:
        rows = [[float(item) for item in re.split(r"[\s,]+", row.strip())] for row in rows_text]
    except ValueError:
        raise ValueError(f"kernel must contain only numbers, got {text!r}") from None
    if len(rows) == 1:
        side = round(len(rows[0]) ** 0.5)
        if side * side != len(rows[0]):
            raise ValueError(
                f"kernel must have a square number of values (9 for 3x3) or rows separated by ';', "
                f"got {len(rows[0])} values"
            )
        rows = [rows[0][i : i + side] for i in range(0, len(rows[0]), side)]
    if not rows or len({len(row) for row in rows}) != 1:
        raise ValueError(f"kernel rows must all have the same number of values, got {text!r}")
    kernel = np.array(rows, dtype=np.float64)
    if max(kernel.shape) > MAX_KERNEL:
        raise ValueError(
            f"kernel must be at most {MAX_KERNEL}x{MAX_KERNEL}, got {kernel.shape[0]}x{kernel.shape[1]}"
        )
    if not np.isfinite(kernel).all():
        raise ValueError(f"kernel must contain only finite numbers, got {text!r}")
    return kernel


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    custom = parse_kernel(params["kernel"])
    kernel = custom if params["filter"] == "custom" else FILTERS[params["filter"]]
    base = photo(params["size"]) if params["image"] == "photo" else shapes(params["size"])
    image = base + params["noise"] * rng.standard_normal(base.shape)
    stride, padding, mode = params["stride"], params["padding"], params["padding_mode"]
    output = conv2d(image, kernel, stride=stride, padding=padding, padding_mode=mode)
    probe = (min(params["row"], output.shape[0] - 1), min(params["col"], output.shape[1] - 1))
    peak = np.unravel_index(int(np.argmax(output)), output.shape)
    return Result(
        sim="convolution",
        params=dict(params),
        answers={
            "output_shape": list(output.shape),
            "input_shape": list(image.shape),
            "probe": list(probe),
            "probe_value": float(output[probe]),
            "max_location": [int(peak[0]), int(peak[1])],
            "max_value": float(output[peak]),
            "kernel": kernel.tolist(),
        },
        data={
            "image": image,
            "padded": pad(image, padding, mode),
            "kernel": kernel,
            "output": output,
            "probe": probe,
            "peak": (int(peak[0]), int(peak[1])),
        },
    )


def diverging_cmap() -> str:
    """A diverging colour map whose centre (zero) matches the current theme's background."""
    import matplotlib
    from matplotlib.colors import to_rgb

    dark = sum(to_rgb(matplotlib.rcParams["axes.facecolor"])) < 1.5
    if dark:
        return "berlin" if "berlin" in matplotlib.colormaps else "coolwarm"
    return "RdBu_r"


@dataclass(frozen=True)
class Panel:
    """Where one image is drawn. Artists pass ``transform`` and use pixel coordinates (x = col, y = row)."""

    layout: Layout
    ax: Axes
    transform: Transform
    aspect: Literal["equal", "auto"]
    title_at: tuple[float, float] | None = None
    #: The side of one image pixel in points (about, at full size): for fitting text and markers to it.
    cell: float = 10.0

    def image(self, values: np.ndarray, left: float = -0.5, top: float = -0.5, **style: Any) -> AxesImage:
        """Show ``values`` with its top-left pixel corner at (left, top)."""
        extent = (left, left + values.shape[1], top + values.shape[0], top)
        return self.layout.image(
            self.ax, values, extent, transform=self.transform, aspect=self.aspect, interpolation="nearest",
            **style,
        )  # fmt: skip

    def box(self, top: float, left: float, height: float, width: float, **style: Any) -> Rectangle:
        """Outline the pixels from (top, left) spanning height x width."""
        from matplotlib.patches import Rectangle

        ax = self.ax
        # Where the limits are fixed, working out the patch's extent for them only costs time.
        add = ax.add_patch if ax.get_autoscale_on() else ax.add_artist

        def outline() -> Rectangle:
            made = Rectangle(
                (left - 0.5, top - 0.5), width, height, fill=False, transform=self.transform, **style
            )
            add(made)
            return made

        def move(made: Rectangle) -> None:
            made.set_bounds(left - 0.5, top - 0.5, width, height)
            made.set(transform=self.transform, **style)
            add(made)

        return self.layout.artist(ax, f"box {sorted(style)}", outline, move)

    def title(self, text: str) -> None:
        import matplotlib

        if self.title_at is None:
            self.ax.set_title(text)
        else:
            size = matplotlib.rcParams["axes.titlesize"]
            # Bold marks it as a panel's title where the terminal draws the figure's text as characters.
            self.layout.text(
                self.ax, *self.title_at, text, ha="center", va="bottom", fontsize=size, fontweight="bold",
                clip_on=False,
            )  # fmt: skip


def cell_fontsize(cell: float, chars: int, largest: float = 10.0) -> float:
    """A font size (points) at which ``chars`` characters fit in a cell ``cell`` points wide."""
    return float(np.clip(min(0.9 * cell / (0.62 * max(chars, 1)), 0.7 * cell), 3.0, largest))


def annotate_cells(
    panel: Panel, values: np.ndarray, labels: list[str], cmap: str, low: float, high: float, **style: Any
) -> None:
    """Write ``labels`` (one per cell, row by row) on the cells of ``values`` shown with ``cmap`` from
    ``low`` to ``high``: black on bright colours, white on dark ones, in a font that fits the cells."""
    from sim.plotting import colormap

    rows, cols = values.shape
    chars = max((len(label) for label in labels), default=1)
    size = cell_fontsize(panel.cell, chars)
    span = high - low or 1.0
    shades = colormap(cmap)(np.clip((values.ravel() - low) / span, 0.0, 1.0))
    bright = shades[:, :3] @ np.array([0.299, 0.587, 0.114]) > 0.5
    items = [
        (j, i, label, "black" if light else "white")
        for (i, j), label, light in zip(np.ndindex(rows, cols), labels, bright, strict=True)
    ]
    panel.layout.texts(
        panel.ax, items, ha="center", va="center", fontsize=size, transform=panel.transform, **style
    )


#: Where terminal-sized image panels go, as fractions of the figure: fixed, so that a redraw on kept
#: axes lays them out exactly as a fresh draw does, whatever margins the figure has been given since.
COMPACT_BOX = {"left": 0.005, "right": 0.995, "bottom": 0.01, "top": 0.99}


def image_panels(
    layout: Layout, bounds: list[tuple[float, float, float, float]], ratios: list[float], compact: bool
) -> tuple[list[Panel], list[Axes]]:
    """Side-by-side panels for images, then ordinary axes for the rest.

    ``bounds`` holds each image's (top, left, height, width) in pixel coordinates, pixel centres being
    integers (an image with its first pixel at (0, 0) has its corner at (-0.5, -0.5)).
    ``ratios`` gives every column's relative width, images first. At full size each image gets its own
    axes with ticks; at terminal size the images share one axis-less axes, because each axes costs more
    to create, clear and draw than the images themselves. Its place is fixed (``COMPACT_BOX``), as are
    the ordinary axes' beside it there.
    """
    import matplotlib
    from matplotlib.ticker import MaxNLocator
    from matplotlib.transforms import Affine2D

    count = len(bounds)
    fig = layout.figure
    dpi = fig.dpi
    fig_w, fig_h = fig.bbox.width, fig.bbox.height
    if not compact:
        grid = layout.add_gridspec(1, len(ratios), width_ratios=ratios)
        axes = [layout.add_subplot(grid[0, i]) for i in range(len(ratios))]
        panels = []
        for ax, ratio, (_, _, rows, cols) in zip(axes, ratios, bounds, strict=False):
            ax.grid(False)
            for axis in (ax.xaxis, ax.yaxis):
                axis.set_major_locator(MaxNLocator(nbins=4, integer=True, min_n_ticks=1))
            ax.set_xlabel("column")
            ax.set_ylabel("row")
            # Nominal room for the image (the layout engine settles it when drawing).
            side = min(0.8 * fig_w * ratio / sum(ratios) / cols, 0.7 * fig_h / rows)
            panels.append(Panel(layout, ax, ax.transData, "equal", cell=side * 72 / dpi))
        return panels, axes[count:]
    grid = layout.add_gridspec(1, len(ratios), width_ratios=ratios, wspace=0.0, **COMPACT_BOX)
    shared = layout.add_subplot(grid[0, :count])
    spare = [layout.add_subplot(grid[0, i]) for i in range(count, len(ratios))]
    box = shared.get_position()
    shared.set_axis_off()
    width, height = box.width * fig_w, box.height * fig_h
    shared.set_xlim(0.0, width)
    shared.set_ylim(height, 0.0)
    shared.set_autoscale_on(False)
    room = 1.6 * matplotlib.rcParams["font.size"] * dpi / 72  # title height in pixels
    slots = np.cumsum([0.0, *ratios[:count]]) / sum(ratios[:count]) * width
    panels = []
    for (corner_top, corner_left, rows, cols), start, end in zip(bounds, slots[:-1], slots[1:], strict=True):
        scale = min((end - start - 6) / cols, (height - room - 4) / rows)
        left = (start + end - cols * scale) / 2
        top = room + (height - room - rows * scale) / 2
        to_slot = Affine2D().translate(-corner_left, -corner_top).scale(scale).translate(left, top)
        transform = to_slot + shared.transData
        panels.append(
            Panel(layout, shared, transform, "auto", ((start + end) / 2, top - 2), scale * 72 / dpi)
        )
    return panels, spare


def plot(layout: Layout, result: Result) -> None:
    from sim.plotting import is_compact

    compact = is_compact(layout.figure)
    cmap = diverging_cmap()
    image, padded, kernel, output = (result.data[k] for k in ("image", "padded", "kernel", "output"))
    stride, pad_px = int(result.params["stride"]), int(result.params["padding"])
    probe, peak = result.data["probe"], result.data["peak"]
    rows, cols = image.shape
    corner = -pad_px - 0.5
    # The colour scale: at terminal size in the feature map's slot, which keeps room for it on the
    # right; at full size on an axes of its own, a narrow column beside the feature map.
    out_rows, out_cols = output.shape
    room = SCALE_ROOM * max(out_cols, out_rows) if compact else 0.0
    bounds = [
        (corner, corner, *padded.shape),
        (-0.5, -0.5, *kernel.shape),
        (-0.5, -0.5, out_rows, out_cols + room),
    ]
    (show_in, show_k, show_out), _ = image_panels(layout, bounds, [3.0, 1.4, 3.0], compact)

    show_in.image(padded, corner, corner, cmap="gray", vmin=padded.min(), vmax=padded.max())
    show_in.box(0, 0, rows, cols, edgecolor="#4e9af1", linestyle="--")
    kh, kw = kernel.shape
    for (r, c), colour in ((probe, PROBE_COLOUR), (peak, PEAK_COLOUR)):
        show_in.box(r * stride - pad_px, c * stride - pad_px, kh, kw, edgecolor=colour, linewidth=2)
    handles: list[Artist] = []
    if probe[1] + 1 < output.shape[1]:  # the next position along the row shows the stride
        top, left = probe[0] * stride - pad_px, (probe[1] + 1) * stride - pad_px
        label = f"next (stride {stride})"
        handles.append(
            show_in.box(top, left, kh, kw, edgecolor=PROBE_COLOUR, linewidth=2, linestyle=":", label=label)
        )
    mode = result.params["padding_mode"]
    show_in.title("input" if compact else f"input {rows}x{cols} + padding {pad_px} ({mode})")

    limit = float(np.abs(kernel).max()) or 1.0
    show_k.image(kernel, cmap=cmap, vmin=-limit, vmax=limit)
    annotate_cells(show_k, kernel, [f"{weight:.3g}" for weight in kernel.ravel()], cmap, -limit, limit)
    show_k.title("kernel" if compact else str(result.params["filter"]).replace("_", " "))
    if not compact:
        show_k.ax.set_axis_off()  # its weights are written in its cells

    if output.min() < 0:
        # Scale to the 99th percentile so that a few extreme pixels don't leave the edges too faint to see.
        magnitude = np.abs(output)
        spread = float(np.percentile(magnitude, 99)) or float(magnitude.max()) or 1.0
        out_cmap, low, high = cmap, -spread, spread
    else:
        out_cmap, low, high = "gray", float(output.min()), float(output.max())
    show_out.image(output, cmap=out_cmap, vmin=low, vmax=high)
    marker: dict[str, Any] = {
        "transform": show_out.transform,
        "markeredgewidth": 2,
        "markersize": 6 if compact else 8,
        "linestyle": "",
    }
    probe_text, peak_text = f"({probe[0]}, {probe[1]})", f"({peak[0]}, {peak[1]})"
    probe_mark = layout.line(
        show_out.ax, [probe[1]], [probe[0]], marker="o", markerfacecolor="none", markeredgecolor=PROBE_COLOUR,
        color=PROBE_COLOUR, label=f"reported {probe_text}", **marker,
    )  # fmt: skip
    peak_mark = layout.line(
        show_out.ax, [peak[1]], [peak[0]], marker="x", color=PEAK_COLOUR, label=f"strongest {peak_text}",
        **marker,
    )  # fmt: skip
    shape = f"{output.shape[0]}x{output.shape[1]}"
    show_out.title(shape if compact else f"feature map {shape} (stride {stride})")
    colour_scale(show_out, out_cmap, low, high, out_rows, out_cols)
    legend = layout.legend(  # below the kernel
        show_k.ax,
        handles=[probe_mark, peak_mark, *handles],
        loc="lower center" if compact else "upper center",
        bbox_to_anchor=None if compact else (0.5, -0.04),
        fontsize="x-small" if compact else "small",
        handlelength=1.2,
        borderaxespad=0.2,
    )
    if legend is not None:
        legend.set_in_layout(False)  # it may be wider than the kernel's column: the layout must not chase it


def colour_scale(panel: Panel, cmap: str, low: float, high: float, rows: int, cols: int) -> None:
    """A colour bar from ``low`` to ``high`` right of the ``rows`` x ``cols`` image in ``panel``, its
    ends (and zero) written beside it.

    It needs no axes of its own (an axes costs more to build than the whole bar). At terminal size it
    sits in the room the image's slot keeps for it; at full size just outside the image's axes, as
    high as the axes, a fixed number of points to its right (so that the layout engine, which makes
    room for it, finds the same layout on a redraw as on a fresh figure).
    """
    import matplotlib
    from matplotlib.collections import PolyCollection
    from matplotlib.transforms import Affine2D, Affine2DBase, ScaledTranslation, blended_transform_factory

    from sim.plotting import colormap

    if panel.aspect == "auto":  # a slot of the terminal-sized shared axes
        side = max(rows, cols)
        transform, x0, width = panel.transform, cols - 0.5 + 0.04 * side, 0.06 * side
        y0, y1 = rows - 0.5, -0.5
    else:  # x in points from the axes' right edge, y from the axes' bottom (0) to its top (1)
        fig = panel.ax.get_figure(root=True)
        assert fig is not None
        box = panel.ax.transAxes
        assert isinstance(box, Affine2DBase)
        right = Affine2D().scale(fig.dpi / 72.0, 1.0) + ScaledTranslation(1.0, 0.0, box)
        transform = blended_transform_factory(right, panel.ax.transAxes)
        x0, width, y0, y1 = 6.0, 9.0, 0.0, 1.0
    steps = np.linspace(0.0, 1.0, SCALE_STEPS + 1)
    heights = y0 + (y1 - y0) * steps
    # Built from vertex arrays: a Rectangle patch per step costs more than drawing the whole figure's text.
    strip = [((x0, a), (x0 + width, a), (x0 + width, b), (x0, b)) for a, b in itertools.pairwise(heights)]
    shades: Any = colormap(cmap)((steps[:-1] + steps[1:]) / 2)  # RGBA rows
    ax = panel.ax

    def bar() -> PolyCollection:
        made = PolyCollection(strip, facecolors=shades, edgecolors="none", transform=transform, clip_on=False)
        ax.add_collection(made, autolim=False)
        return made

    def repaint(made: PolyCollection) -> None:
        paths = made.get_paths()
        same = (
            len(paths) == len(strip)
            and np.array_equal(np.asarray(paths[0].vertices)[:4], strip[0])
            and np.array_equal(np.asarray(paths[-1].vertices)[:4], strip[-1])
        )
        if not (same and np.array_equal(made.get_facecolor(), shades)):  # new vertices cost more than a check
            made.set_verts(strip)
            made.set_facecolor(shades)
        made.set_transform(transform)
        ax.add_collection(made, autolim=False)

    panel.layout.artist(ax, "colour scale", bar, repaint)
    size = matplotlib.rcParams["ytick.labelsize"]
    for fraction in (0.0, 0.5, 1.0) if low < 0 < high else (0.0, 1.0):
        value = low + fraction * (high - low)
        panel.layout.text(
            ax, x0 + 1.3 * width, y0 + fraction * (y1 - y0), f"{value:.3g}", ha="left", va="center",
            fontsize=size, transform=transform, clip_on=False,
        )  # fmt: skip
