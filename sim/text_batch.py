"""Many small texts as one artist: the numbers in matrix cells, and the names of rows and columns.

A matrix of up to 8x8 has up to 64 numbers. As ``Text`` artists, building them costs more than drawing
the whole figure, and a live plot builds them again on every parameter change. ``TextBatch`` keeps the
positions, strings and colours as arrays and makes ``Text`` artists only when it is drawn into pixels
(a saved PNG or SVG). A terminal plot never draws it: ``sim.cell_text`` hides it and places its
strings on the cell grid straight from the arrays, through the batch's transform.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from matplotlib.artist import Artist, allow_rasterization
from matplotlib.backend_bases import RendererBase
from matplotlib.text import Text


class TextBatch(Artist):
    """Texts sharing one transform, alignment and font: ``items`` are ``(x, y, text, colour)``."""

    zorder = 3  # as ``Text``: over images, lines and collections

    def __init__(
        self,
        items: Sequence[tuple[float, float, str, str]],
        *,
        ha: str = "center",
        va: str = "center",
        fontsize: float | str | None = None,
        **style: Any,
    ) -> None:
        super().__init__()
        self.set_items(items)
        self.ha, self.va, self.fontsize = ha, va, fontsize
        self.style = style
        self.set_in_layout(False)  # labels of cells, not of the axes: the layout leaves them be

    def set_items(self, items: Sequence[tuple[float, float, str, str]]) -> None:
        """Replace the texts: ``(x, y, text, colour)`` each."""
        self.positions = np.array([(x, y) for x, y, _, _ in items], dtype=float).reshape(-1, 2)
        self.strings = [text for _, _, text, _ in items]
        self.colours = [colour for _, _, _, colour in items]
        self.stale = True

    def set_ha(self, ha: str) -> None:
        """Horizontal alignment of every text."""
        self.ha, self.stale = ha, True

    def set_va(self, va: str) -> None:
        """Vertical alignment of every text."""
        self.va, self.stale = va, True

    def set_fontsize(self, fontsize: float | str | None) -> None:
        """Font size of every text."""
        self.fontsize, self.stale = fontsize, True

    def texts(self) -> Iterator[Text]:
        """The batch as ``Text`` artists (made on demand, for drawing pixels)."""
        figure = self.get_figure()
        for (x, y), text, colour in zip(self.positions, self.strings, self.colours, strict=True):
            artist = Text(
                x,
                y,
                text,
                color=colour,
                ha=self.ha,
                va=self.va,
                fontsize=self.fontsize,
                transform=self.get_transform(),
                clip_on=False,
                **self.style,
            )
            if figure is not None:
                artist.set_figure(figure)
            yield artist

    def display_positions(self) -> np.ndarray:
        """Each text's anchor in display pixels (from the bottom-left), as an (n, 2) array."""
        if not len(self.positions):
            return self.positions
        return np.asarray(self.get_transform().transform(self.positions), dtype=float)

    @allow_rasterization
    def draw(self, renderer: RendererBase) -> None:
        if not self.get_visible():
            return
        for text in self.texts():
            text.draw(renderer)
        self.stale = False


def add_texts(ax: Any, items: Sequence[tuple[float, float, str, str]], **style: Any) -> TextBatch:
    """Add ``items`` (``(x, y, text, colour)``) to ``ax`` as one ``TextBatch``; ``transform`` defaults to
    the axes' data coordinates."""
    transform = style.pop("transform", ax.transData)
    batch = TextBatch(items, **style)
    batch.set_transform(transform)
    ax.add_artist(batch)
    return batch
