"""Redraw a plot on the axes it built last time.

Building axes (ticks, spines, clearing) costs more than drawing a simulation's lines and images,
so a live plot that redraws after every parameter change keeps its axes: the first draw records
the figure-layout calls a ``plot`` function makes (``subplots``, ``add_gridspec``, ``add_subplot``),
and later draws empty those axes and hand them back to the same calls. When a redraw asks for a
different layout, ``LayoutChanged`` tells the caller to start over on a cleared figure.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.gridspec import SubplotSpec
from matplotlib.ticker import AutoLocator, NullLocator

LAYOUT_METHODS = ("subplots", "add_gridspec", "add_subplot")


class LayoutChanged(Exception):
    """The plot asked for other axes than the ones recorded."""


def _key(value: Any) -> Hashable:
    if isinstance(value, SubplotSpec):
        rows, cols = value.rowspan, value.colspan
        return ("spec", rows.start, rows.stop, cols.start, cols.stop)
    if isinstance(value, dict):
        return tuple(sorted((name, _key(item)) for name, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_key(item) for item in value)
    return repr(value)


def call_key(method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Hashable:
    """What identifies one layout call: the method and its arguments."""
    return (method, _key(args), _key(kwargs))


def empty_axes(fig: Figure) -> None:
    """Remove what a plot drew, keeping the axes themselves, and undo per-plot axes settings."""
    for ax in fig.axes:
        for artist in [
            *ax.lines,
            *ax.collections,
            *ax.images,
            *ax.patches,
            *ax.texts,
            *ax.artists,
            *ax.tables,
        ]:
            artist.remove()
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        ax.set_prop_cycle(None)
        ax.set_axis_on()
        if ax.get_xscale() != "linear":
            ax.set_xscale("linear")
        if ax.get_yscale() != "linear":
            ax.set_yscale("linear")
        ax.set_aspect("auto")
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_locator(), NullLocator):  # left by a bare render's text stripping
                axis.set_major_locator(AutoLocator())
        ax.set_title("")
        ax.set_xlabel("")
        ax.set_ylabel("")
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label):  # a plot may colour them
            text.set_color(matplotlib.rcParams["text.color"])
        ax.xaxis.label.set_color(matplotlib.rcParams["axes.labelcolor"])
        ax.yaxis.label.set_color(matplotlib.rcParams["axes.labelcolor"])
        ax.relim()
        ax.set_autoscale_on(True)
    for text in list(fig.texts):
        text.remove()


class LayoutCache:
    """The layout calls of the last full draw on one figure, and the objects they returned."""

    def __init__(self) -> None:
        self.sim: str | None = None
        self.calls: list[tuple[Hashable, Any]] = []

    @contextmanager
    def _patched(
        self, fig: Figure, make: Callable[[str, Callable[..., Any]], Callable[..., Any]]
    ) -> Iterator[None]:
        for method in LAYOUT_METHODS:
            setattr(fig, method, make(method, getattr(Figure, method).__get__(fig)))
        try:
            yield
        finally:
            for method in LAYOUT_METHODS:
                delattr(fig, method)

    @contextmanager
    def recording(self, fig: Figure, sim: str) -> Iterator[None]:
        """Let the plot build its axes, remembering each layout call."""
        self.sim, self.calls = None, []
        depth = (
            0  # ``subplots`` calls ``add_gridspec`` and ``add_subplot`` itself: record only the outer call
        )

        def make(method: str, real: Callable[..., Any]) -> Callable[..., Any]:
            def record(*args: Any, **kwargs: Any) -> Any:
                nonlocal depth
                depth += 1
                try:
                    made = real(*args, **kwargs)
                finally:
                    depth -= 1
                if depth == 0:
                    self.calls.append((call_key(method, args, kwargs), made))
                return made

            return record

        with self._patched(fig, make):
            yield
        self.sim = sim

    @contextmanager
    def replaying(self, fig: Figure) -> Iterator[None]:
        """Answer the plot's layout calls with the recorded axes; ``LayoutChanged`` if they differ."""
        position = 0

        def make(method: str, real: Callable[..., Any]) -> Callable[..., Any]:
            def replay(*args: Any, **kwargs: Any) -> Any:
                nonlocal position
                if position >= len(self.calls) or self.calls[position][0] != call_key(method, args, kwargs):
                    raise LayoutChanged(method)
                position += 1
                return self.calls[position - 1][1]

            return replay

        with self._patched(fig, make):
            yield
        if position != len(self.calls):
            raise LayoutChanged("fewer axes")
