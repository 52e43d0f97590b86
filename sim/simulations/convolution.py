"""Convolution simulation: a named or custom kernel slid over a photo or a synthetic scene."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Literal

import matplotlib
import numpy as np
from matplotlib import cbook
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Affine2D, Transform
from PIL import Image

from sim.conv import FILTERS, conv2d, pad
from sim.plotting import is_compact
from sim.spec import Result

MAX_KERNEL = 7
PHOTO = "grace_hopper.jpg"
PROBE_COLOUR = "#f28e2b"
PEAK_COLOUR = "#59a14f"


@cache
def _photo_grey() -> Image.Image:
    """The bundled sample photo as an 8-bit grey image (decoded once)."""
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
    dark = sum(to_rgb(matplotlib.rcParams["axes.facecolor"])) < 1.5
    if dark:
        return "berlin" if "berlin" in matplotlib.colormaps else "coolwarm"
    return "RdBu_r"


@dataclass(frozen=True)
class Panel:
    """Where one image is drawn. Artists pass ``transform`` and use pixel coordinates (x = col, y = row)."""

    ax: Axes
    transform: Transform
    aspect: Literal["equal", "auto"]
    title_at: tuple[float, float] | None = None

    def image(self, values: np.ndarray, left: float = -0.5, top: float = -0.5, **style: Any) -> None:
        """Show ``values`` with its top-left pixel corner at (left, top)."""
        extent = (left, left + values.shape[1], top + values.shape[0], top)
        self.ax.imshow(
            values,
            extent=extent,
            transform=self.transform,
            aspect=self.aspect,
            interpolation="nearest",
            **style,
        )

    def box(self, top: float, left: float, height: float, width: float, **style: Any) -> None:
        """Outline the pixels from (top, left) spanning height x width."""
        corner = (left - 0.5, top - 0.5)
        self.ax.add_patch(Rectangle(corner, width, height, fill=False, transform=self.transform, **style))

    def title(self, text: str) -> None:
        if self.title_at is None:
            self.ax.set_title(text)
        else:
            size = matplotlib.rcParams["axes.titlesize"]
            self.ax.text(*self.title_at, text, ha="center", va="bottom", fontsize=size, clip_on=False)


def image_panels(
    fig: Figure, bounds: list[tuple[float, float, float, float]], ratios: list[float], compact: bool
) -> tuple[list[Panel], list[Axes]]:
    """Side-by-side panels for images, then ordinary axes for the rest.

    ``bounds`` holds each image's (top, left, height, width) in pixel coordinates, pixel centres being
    integers (an image with its first pixel at (0, 0) has its corner at (-0.5, -0.5)).
    ``ratios`` gives every column's relative width, images first. At full size each image gets its own
    axes with ticks; at terminal size the images share one axis-less axes, because each axes costs more
    to create, clear and draw than the images themselves.
    """
    grid = fig.add_gridspec(1, len(ratios), width_ratios=ratios)
    count = len(bounds)
    if not compact:
        axes = [fig.add_subplot(grid[0, i]) for i in range(len(ratios))]
        for ax in axes[:count]:
            ax.grid(False)
            for axis in (ax.xaxis, ax.yaxis):
                axis.set_major_locator(MaxNLocator(nbins=4, integer=True, min_n_ticks=1))
        return [Panel(ax, ax.transData, "equal") for ax in axes[:count]], axes[count:]
    shared = fig.add_subplot(grid[0, :count])
    spare = [fig.add_subplot(grid[0, i]) for i in range(count, len(ratios))]
    box = shared.get_position()
    shared.set_position((0.005, 0.01, box.x1 - 0.005, 0.98))
    shared.set_axis_off()
    width, height = (box.x1 - 0.005) * fig.bbox.width, 0.98 * fig.bbox.height
    shared.set_xlim(0.0, width)
    shared.set_ylim(height, 0.0)
    shared.set_autoscale_on(False)
    room = 1.6 * matplotlib.rcParams["font.size"] * fig.dpi / 72  # title height in pixels
    slots = np.cumsum([0.0, *ratios[:count]]) / sum(ratios[:count]) * width
    panels = []
    for (corner_top, corner_left, rows, cols), start, end in zip(bounds, slots[:-1], slots[1:], strict=True):
        scale = min((end - start - 6) / cols, (height - room - 4) / rows)
        left = (start + end - cols * scale) / 2
        top = room + (height - room - rows * scale) / 2
        to_slot = Affine2D().translate(-corner_left, -corner_top).scale(scale).translate(left, top)
        transform = to_slot + shared.transData
        panels.append(Panel(shared, transform, "auto", ((start + end) / 2, top - 2)))
    return panels, spare


def plot(fig: Figure, result: Result) -> None:
    compact = is_compact(fig)
    cmap = diverging_cmap()
    image, padded, kernel, output = (result.data[k] for k in ("image", "padded", "kernel", "output"))
    stride, pad_px = int(result.params["stride"]), int(result.params["padding"])
    probe, peak = result.data["probe"], result.data["peak"]
    rows, cols = image.shape
    corner = -pad_px - 0.5
    bounds = [(corner, corner, *padded.shape), (-0.5, -0.5, *kernel.shape), (-0.5, -0.5, *output.shape)]
    (show_in, show_k, show_out), _ = image_panels(fig, bounds, [3, 1.4, 3], compact)

    show_in.image(padded, corner, corner, cmap="gray", vmin=padded.min(), vmax=padded.max())
    show_in.box(0, 0, rows, cols, edgecolor="#4e9af1", linestyle="--")
    kh, kw = kernel.shape
    for (r, c), colour in ((probe, PROBE_COLOUR), (peak, PEAK_COLOUR)):
        show_in.box(r * stride - pad_px, c * stride - pad_px, kh, kw, edgecolor=colour, linewidth=2)
    if probe[1] + 1 < output.shape[1]:  # the next position along the row shows the stride
        top, left = probe[0] * stride - pad_px, (probe[1] + 1) * stride - pad_px
        show_in.box(top, left, kh, kw, edgecolor=PROBE_COLOUR, linewidth=2, linestyle=":")
    mode = result.params["padding_mode"]
    show_in.title("input" if compact else f"input {rows}x{cols} + padding {pad_px} ({mode})")

    limit = float(np.abs(kernel).max()) or 1.0
    show_k.image(kernel, cmap=cmap, vmin=-limit, vmax=limit)
    if not compact and kernel.size <= 25:
        for (i, j), weight in np.ndenumerate(kernel):
            colour = "white" if abs(weight) > 0.6 * limit else "black"
            show_k.ax.text(j, i, f"{weight:.3g}", ha="center", va="center", fontsize="small", color=colour)
    show_k.title("kernel" if compact else str(result.params["filter"]).replace("_", " "))

    if output.min() < 0:
        # Scale to the 99th percentile so that a few extreme pixels don't leave the edges too faint to see.
        magnitude = np.abs(output)
        spread = float(np.percentile(magnitude, 99)) or float(magnitude.max()) or 1.0
        show_out.image(output, cmap=cmap, vmin=-spread, vmax=spread)
    else:
        show_out.image(output, cmap="gray")
    marker: dict[str, Any] = {
        "transform": show_out.transform,
        "markeredgewidth": 2,
        "markersize": 6 if compact else 8,
    }
    show_out.ax.plot(
        [probe[1]], [probe[0]], "o", markerfacecolor="none", markeredgecolor=PROBE_COLOUR, **marker
    )
    show_out.ax.plot([peak[1]], [peak[0]], "x", color=PEAK_COLOUR, **marker)
    shape = f"{output.shape[0]}x{output.shape[1]}"
    show_out.title(shape if compact else f"feature map {shape} (stride {stride})")
