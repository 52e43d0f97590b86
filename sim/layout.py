"""Keep a plot's axes and artists from one draw to the next: a live plot redraws on every parameter change.

Making axes (ticks, spines, clearing) and artists (a line through ``Axes.plot``, a text, an image, a
collection of paths) costs more than drawing them, and a live plot draws the same structure again and
again with new numbers. So a simulation's ``plot(layout, result)`` does not make them on the figure
itself: it asks the ``Layout`` it is given (``sim.plotting.draw`` passes one; ``Layout(fig)`` for a
single draw), which makes them on the first draw and hands them back on a redraw. The rule throughout:
a redraw on kept axes and artists gives exactly the figure (pixels and text) a fresh draw of the same
result gives; ``tests/sim/test_plotting.py`` checks it for every simulation over its parameters.

Axes
    ``layout.subplots``, ``layout.add_gridspec`` and ``layout.add_subplot`` take the arguments of the
    ``Figure`` methods of the same names. A draw records each call and what it returned; a redraw that
    makes the same calls, in the same order with the same arguments, gets the same objects back,
    emptied of what the last draw put on them (``reset_axes``: its artists removed, titles, labels,
    scales, limits, locators and the like as on new axes). A redraw that asks for other axes raises
    ``LayoutChanged``: the caller (``sim.plotting.draw``) then clears the figure and draws afresh.

Artists
    ``layout.line`` (as ``Axes.plot``), ``layout.mark`` (a ``Line2D`` made directly), ``layout.axline``,
    ``layout.text``, ``layout.annotate``, ``layout.image``, ``layout.texts`` (a ``TextBatch``) and
    ``layout.artist`` (any other artist: a collection, a patch) add an artist to an axes. Each request
    is matched with the request at the same place in the same axes' order in the last draw: if that was
    of the same kind with the same style keywords, its artist is reused, its data and the style values
    that changed are set (``set_data``, ``set_text``, ``set_extent``, ...), and it is added to the axes
    again the way a new one is, so that data limits, autoscaling and the drawing order are exactly those
    of a fresh draw. Otherwise a new artist is made. A line's colour (and line style, where the theme
    cycles them) comes from the layout's own turn through the theme's property cycle, the same on every
    draw, so a reused line never shifts the colours of the lines after it.

Legends
    ``layout.legend`` makes one only where the figure draws its own text: a terminal plot lists the
    labelled artists beside the plot instead (``text_as_cells``).

What a plot keeps to
    Whatever it sets on an axes (titles, labels, scales, limits, locators, aspect, grid) it sets on
    every draw: a redraw starts from axes reset as far as they differ from new ones, not from new axes.
    Lines that take their colour from the theme go through ``layout.line`` (a line made with ``ax.plot``
    directly would take the first colour of the cycle again on a redraw). Artists it makes directly are
    taken off on a redraw like the others and simply made again: correct, only not faster.

Everything is public matplotlib API: nothing is attached to or replaced on a matplotlib object; the
``Figure`` methods are called, never swapped.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import matplotlib
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec, SubplotSpec
from matplotlib.image import AxesImage
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Annotation, Text
from matplotlib.ticker import AutoLocator, NullLocator, ScalarFormatter

from sim.text_batch import TextBatch, add_texts

A = TypeVar("A", bound=Artist)


class LayoutChanged(Exception):
    """A redraw asked for other axes than the last draw made: the figure is drawn afresh."""


def _key(value: Any) -> Hashable:
    """What identifies an argument of a layout call."""
    if isinstance(value, SubplotSpec):
        rows, cols = value.rowspan, value.colspan
        return ("spec", rows.start, rows.stop, cols.start, cols.stop)
    if isinstance(value, dict):
        return tuple(sorted((name, _key(item)) for name, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_key(item) for item in value)
    return repr(value)


def _same(one: Any, other: Any) -> bool:
    """Whether two style values are equal (arrays element by element; other objects by identity or ==)."""
    if one is other:
        return True
    if isinstance(one, np.ndarray) or isinstance(other, np.ndarray):
        return bool(np.shape(one) == np.shape(other) and np.array_equal(one, other))
    try:
        return bool(one == other)
    except (TypeError, ValueError):
        return False


@dataclass
class _Kept:
    """An artist a draw made through the layout, with what identifies its request."""

    kind: str
    keys: frozenset[str]
    style: dict[str, Any]
    artist: Any
    visible: bool


def request_autoscale(ax: Axes) -> None:
    """Have ``ax`` fit its view to its data when it is next drawn, as adding an artist with ``plot`` does.

    ``enable=None`` keeps each axis' autoscaling setting (documented; matplotlib's type stub leaves it out).
    """
    ax.autoscale(enable=None)  # type: ignore[arg-type]


def reset_axes(ax: Axes) -> None:
    """Take everything a plot put on ``ax`` off it, and undo its settings as far as they differ from new axes.

    Only what differs is reset: every setter costs time, and some (limits, scales) lay the axes out again.
    """
    for artist in [*ax.lines, *ax.collections, *ax.images, *ax.patches, *ax.texts, *ax.artists, *ax.tables]:
        artist.remove()
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()
    rc = matplotlib.rcParams
    if ax.get_xscale() != "linear":
        ax.set_xscale("linear")
    if ax.get_yscale() != "linear":
        ax.set_yscale("linear")
    # New axes show the view (0, 1) until data asks for more; set before the margins ask for autoscaling.
    ax.set_autoscale_on(True)
    ax.set_xlim(0.0, 1.0, auto=None)
    ax.set_ylim(0.0, 1.0, auto=None)
    if (ax.get_xmargin(), ax.get_ymargin()) != (rc["axes.xmargin"], rc["axes.ymargin"]):
        ax.margins(rc["axes.xmargin"], rc["axes.ymargin"])
    ax.relim()
    ax.set_prop_cycle(None)
    ax.set_axis_on()
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_visible(True)
        if type(axis.get_major_locator()) is not AutoLocator:
            axis.set_major_locator(AutoLocator())
        if not isinstance(axis.get_minor_locator(), NullLocator):
            axis.set_minor_locator(NullLocator())
        if type(axis.get_major_formatter()) is not ScalarFormatter:
            axis.set_major_formatter(ScalarFormatter())
    if any(axis.majorTicks[0].gridline.get_visible() != rc["axes.grid"] for axis in (ax.xaxis, ax.yaxis)):
        ax.grid(False)
        if rc["axes.grid"]:
            ax.grid(True, which=rc["axes.grid.which"], axis=rc["axes.grid.axis"])
    if ax.get_aspect() != "auto":
        ax.set_aspect("auto")
    for loc in ("left", "center", "right"):
        if ax.get_title(loc):
            ax.set_title("", loc=loc)
    ax.title.set_color(rc["axes.titlecolor"] if rc["axes.titlecolor"] != "auto" else rc["text.color"])
    for label in (ax.xaxis.label, ax.yaxis.label):
        if label.get_text():
            label.set_text("")
        label.set_color(rc["axes.labelcolor"])


class Layout:
    """The axes and artists of one figure's plot, kept from one draw to the next (see the module docstring).

    ``text_as_cells``: the figure's text is drawn as terminal characters, not by matplotlib, so legends
    are left out.
    """

    def __init__(self, figure: Figure, text_as_cells: bool = False) -> None:
        self.figure = figure
        self.text_as_cells = text_as_cells
        #: Who drew last (a simulation's name); a draw for someone else starts afresh.
        self.owner: Hashable | None = None
        self._calls: list[tuple[Hashable, Any]] = []
        self._position = 0
        self._replaying = False
        self._kept: dict[Axes, list[_Kept]] = {}
        self._made: dict[Axes, list[_Kept]] = {}
        self._turns: dict[Axes, int] = {}

    # --- one draw -----------------------------------------------------------------------------------

    def begin(self, owner: Hashable) -> bool:
        """Start a draw for ``owner``. True: it redraws on the kept axes (``owner`` drew last); False: the
        figure has been cleared for a fresh draw."""
        self._made, self._turns, self._position = {}, {}, 0
        if owner == self.owner and self._calls:
            for ax in self.figure.axes:
                reset_axes(ax)
            for text in list(self.figure.texts):
                text.remove()
            self._replaying = True
            return True
        self.clear()
        self.owner = owner
        return False

    def end(self) -> None:
        """Finish a draw: a redraw must have asked for every axes the last draw made."""
        if self._replaying and self._position != len(self._calls):
            raise LayoutChanged("fewer axes")
        self._replaying = False
        self._kept, self._made = self._made, {}

    def clear(self) -> None:
        """Forget the kept axes and artists and clear the figure."""
        self.figure.clear()
        self.owner, self._calls, self._kept, self._made = None, [], {}, {}
        self._replaying, self._position = False, 0

    # --- axes ---------------------------------------------------------------------------------------

    def _layout_call(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        key = (method, _key(args), _key(kwargs))
        if self._replaying:
            if self._position >= len(self._calls) or self._calls[self._position][0] != key:
                raise LayoutChanged(method)
            self._position += 1
            return self._calls[self._position - 1][1]
        made = getattr(self.figure, method)(*args, **kwargs)
        self._calls.append((key, made))
        return made

    def subplots(self, *args: Any, **kwargs: Any) -> Any:
        """``Figure.subplots``: the axes of the last draw if it asked for the same."""
        return self._layout_call("subplots", args, kwargs)

    def add_gridspec(self, *args: Any, **kwargs: Any) -> GridSpec:
        """``Figure.add_gridspec``: the grid of the last draw if it asked for the same."""
        grid: GridSpec = self._layout_call("add_gridspec", args, kwargs)
        return grid

    def add_subplot(self, *args: Any, **kwargs: Any) -> Axes:
        """``Figure.add_subplot``: the axes of the last draw if it asked for the same."""
        ax: Axes = self._layout_call("add_subplot", args, kwargs)
        return ax

    # --- artists ------------------------------------------------------------------------------------

    def _reuse(self, ax: Axes, kind: str, style: dict[str, Any]) -> Any | None:
        """The artist of the same request in the last draw (off its axes, the style values that changed
        set), or None; either way the request is noted for the next draw."""
        made = self._made.setdefault(ax, [])
        kept = self._kept.get(ax, [])
        entry = kept[len(made)] if len(made) < len(kept) else None
        if entry is None or entry.kind != kind or entry.keys != frozenset(style):
            made.append(_Kept(kind, frozenset(style), dict(style), None, True))
            return None
        changed = {name: value for name, value in style.items() if not _same(value, entry.style.get(name))}
        if changed:
            try:
                entry.artist.set(**changed)
            except (AttributeError, TypeError, ValueError):  # a keyword only a new artist takes
                made.append(_Kept(kind, frozenset(style), dict(style), None, True))
                return None
        if entry.artist.get_visible() != entry.visible:
            entry.artist.set_visible(entry.visible)
        made.append(_Kept(kind, entry.keys, dict(style), entry.artist, entry.visible))
        return entry.artist

    def _made_artist(self, ax: Axes, artist: A) -> A:
        entry = self._made[ax][-1]
        entry.artist, entry.visible = artist, artist.get_visible()
        return artist

    def _cycled(self, ax: Axes, style: dict[str, Any]) -> dict[str, Any]:
        """``style`` with the keys it leaves out taken from the next entry of the theme's property cycle,
        as ``Axes.plot`` takes them (the cycle moves on only for a line that leaves some out)."""
        cycle = matplotlib.rcParams["axes.prop_cycle"]
        if all(style.get(name) is not None for name in cycle.keys):
            return style
        turn = self._turns.get(ax, 0)
        self._turns[ax] = turn + 1
        entries = list(cycle)
        entry = entries[turn % len(entries)]
        return {**style, **{name: value for name, value in entry.items() if style.get(name) is None}}

    def line(self, ax: Axes, x: Any, y: Any, **style: Any) -> Line2D:
        """``ax.plot(x, y, **style)`` for one line: the colour (and where the theme has one, the line style)
        the style leaves out comes from the theme's property cycle, in the order of the requests."""
        style = self._cycled(ax, style)
        line = self._reuse(ax, "line", style)
        if line is None:
            (made,) = ax.plot(x, y, **style)
            return self._made_artist(ax, made)
        self._readd(ax, line, x, y, "label" in style, data_limits=True)
        request_autoscale(ax)
        return line

    def mark(self, ax: Axes, x: Any, y: Any, data_limits: bool = False, **style: Any) -> Line2D:
        """A ``Line2D(x, y, **style)`` made directly, cheaper than ``plot`` (no property cycle and no
        autoscaling): added with ``ax.add_line`` (``data_limits``: it counts in the data limits) or with
        ``ax.add_artist`` (on axes whose limits the plot sets itself)."""
        line = self._reuse(ax, "mark with limits" if data_limits else "mark", style)
        if line is None:
            made = Line2D(np.atleast_1d(x), np.atleast_1d(y), **style)
            if data_limits:
                ax.add_line(made)
            else:
                ax.add_artist(made)
            return self._made_artist(ax, made)
        self._readd(ax, line, x, y, "label" in style, data_limits)
        return line

    @staticmethod
    def _readd(ax: Axes, line: Line2D, x: Any, y: Any, labelled: bool, data_limits: bool) -> None:
        """Give a kept line its new data and add it to ``ax`` as a new one is added."""
        if not labelled:
            line.set_label("")  # numbered anew, as a new line would be
        line.set_data(np.atleast_1d(x), np.atleast_1d(y))
        if data_limits:
            ax.add_line(line)
        else:
            ax.add_artist(line)

    def axline(self, ax: Axes, at: float, vertical: bool, **style: Any) -> Line2D:
        """``ax.axvline(at, **style)`` or ``ax.axhline(at, **style)``."""
        line = self._reuse(ax, "axvline" if vertical else "axhline", style)
        if line is None:
            made = ax.axvline(at, **style) if vertical else ax.axhline(at, **style)
            return self._made_artist(ax, made)
        if "label" not in style:
            line.set_label("")
        low, high = ax.get_xbound() if vertical else ax.get_ybound()
        if vertical:
            line.set_xdata([at, at])
        else:
            line.set_ydata([at, at])
        ax.add_line(line)
        # As ``axvline`` and ``axhline`` do, the view grows only to take in a line outside it.
        if at < low or at > high:
            on = ax.get_autoscalex_on() if vertical else ax.get_autoscaley_on()
            ax.autoscale(enable=on, axis="x" if vertical else "y")
        return line

    def text(self, ax: Axes, x: float, y: float, text: str, **style: Any) -> Text:
        """``ax.text(x, y, text, **style)``."""
        made = self._reuse(ax, "text", style)
        if made is None:
            return self._made_artist(ax, ax.text(x, y, text, **style))
        made.set_text(text)
        made.set_position((x, y))
        ax.add_artist(made)
        return made

    def annotate(self, ax: Axes, text: str, xy: tuple[float, float], **style: Any) -> Annotation:
        """``ax.annotate(text, xy, **style)`` (with ``xytext``, if any, among the style: it is not data)."""
        made = self._reuse(ax, "annotate", style)
        if made is None:
            return self._made_artist(ax, ax.annotate(text, xy, **style))
        made.set_text(text)
        made.xy = xy
        if "xytext" not in style:
            made.xyann = xy  # the text sits at the point itself
        ax.add_artist(made)
        if not style.get("clip_on", False):  # an annotation is clipped only when asked
            made.set_clip_path(None)
            made.set_clip_box(None)
        return made

    def image(
        self,
        ax: Axes,
        values: Any,
        extent: tuple[float, float, float, float],
        vmin: float | None = None,
        vmax: float | None = None,
        **style: Any,
    ) -> AxesImage:
        """``ax.imshow(values, extent=extent, vmin=vmin, vmax=vmax, **style)``."""
        made = self._reuse(ax, "image", style)
        if made is None:
            image = ax.imshow(values, extent=extent, vmin=vmin, vmax=vmax, **style)
            return self._made_artist(ax, image)
        made.set_data(values)
        if vmin is not None or vmax is not None:
            made.set_clim(vmin, vmax)
        aspect = style.get("aspect")
        transform = style.get("transform")
        if aspect is None and (transform is None or transform.contains_branch(ax.transData)):
            aspect = matplotlib.rcParams["image.aspect"]
        if aspect is not None:
            ax.set_aspect(aspect)
        ax.add_image(made)
        made.set_extent(extent)
        return made

    def texts(self, ax: Axes, items: Sequence[tuple[float, float, str, str]], **style: Any) -> TextBatch:
        """Many small texts as one ``TextBatch`` (``sim.text_batch.add_texts``)."""
        made = self._reuse(ax, "texts", style)
        if made is None:
            return self._made_artist(ax, add_texts(ax, items, **style))
        made.set_items(items)
        ax.add_artist(made)
        return made

    def artist(self, ax: Axes, kind: str, make: Callable[[], A], update: Callable[[A], bool | None]) -> A:
        """Any other artist: ``make()`` makes one and adds it to ``ax`` (a first draw); on a redraw,
        ``update(artist)`` gets last draw's instead, to set its data and add it to ``ax`` again as
        ``make`` would (``ax.add_collection``, ``ax.add_patch``, ...), or to return False, without adding
        it, where it cannot take the new data: ``make()`` then makes a new one.

        ``kind`` names the request: a redraw reuses only an artist made for the same kind.
        """
        made = self._reuse(ax, kind, {})
        if made is None or update(made) is False:
            return self._made_artist(ax, make())
        return made

    def legend(self, ax: Axes, *args: Any, **kwargs: Any) -> Legend | None:
        """``ax.legend(...)`` where the figure draws its own text; None on a terminal plot (it lists the
        labelled artists beside the plot)."""
        if self.text_as_cells:
            return None
        return ax.legend(*args, **kwargs)
