"""A table whose rows are fetched as they come into view, for tens of thousands of cards.

A Line API widget (``ScrollView.render_line``): the header stays on the first line, and every other
line shows the row at the scroll position, asked of ``fetch(start, count)`` a block at a time and
kept until the rows change (``reset``). A cursor, zebra stripes and dimmed rows, drawn as Textual's
``DataTable`` draws them; ↑ ↓ PgUp PgDn Home End move the cursor, Enter or a click on the cursor's
row selects it, and a click on a column's header asks to sort by that column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip


@dataclass(frozen=True)
class Column:
    """A column: its key, its header and its width in cells (without the padding around it)."""

    key: str
    label: str
    width: int


@dataclass(frozen=True)
class TableRow:
    """A row: its key, the text of each column, and whether it is dimmed."""

    key: str
    cells: tuple[str, ...]
    dim: bool = False


#: ``fetch(start, count)``: up to ``count`` rows from row ``start`` (0 is the first).
Fetch = Callable[[int, int], Sequence[TableRow]]


def fitted(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells with an ellipsis, or padded to them."""
    if text.isascii() and text.isprintable():  # one cell per character: no need to measure
        return text.ljust(width) if len(text) <= width else text[: max(width - 1, 0)] + "…"[:width]
    if text.isprintable():  # measured in cells (wide and combining characters), without a Text
        cells = cell_len(text)
        if cells <= width:
            return text + " " * (width - cells)
        return set_cell_size(text, width - 1) + "…" if width else ""
    line = Text(text)
    line.truncate(width, overflow="ellipsis", pad=True)
    return line.plain


class CardTable(ScrollView, can_focus=True):
    """Rows fetched a block at a time as they are shown, under a fixed header."""

    #: Rows fetched at once (a page and a half of a 40-line terminal: a new search fetches only what it
    #: shows first), and how many blocks are kept.
    BLOCK = 50
    KEPT_BLOCKS = 80
    COMPONENT_CLASSES = {
        "card-table--header",
        "card-table--cursor",
        "card-table--even-row",
        "card-table--odd-row",
    }
    DEFAULT_CSS = """
    CardTable {
        background: $surface;
        color: $foreground;
        &:focus {
            & > .card-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .card-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .card-table--even-row {
            background: $surface-lighten-1 50%;
        }
        &:dark > .card-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .card-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    class RowSelected(Message):
        """Enter, or a click on the cursor's row: row ``index`` with ``key``."""

        def __init__(self, index: int, key: str) -> None:
            super().__init__()
            self.index, self.key = index, key

    class HeaderSelected(Message):
        """A click on the header of column ``key``."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, fetch: Fetch, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fetch = fetch
        self.columns: list[Column] = []
        self.row_count = 0
        self.cursor_row = 0
        self._blocks: dict[int, Sequence[TableRow]] = {}
        self._lines: dict[tuple[int, bool, int], Strip] = {}
        self._styles: dict[str, Style] = {}

    # -- contents ------------------------------------------------------------------------------

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Show ``columns`` (their widths may have changed)."""
        self.columns = list(columns)
        self._lines.clear()
        self._resize_virtual()
        self.refresh()

    def reset(self, count: int, cursor: int = 0) -> None:
        """The rows changed: there are ``count`` now; put the cursor on row ``cursor``."""
        self.row_count = count
        self._blocks.clear()
        self._lines.clear()
        self._resize_virtual()
        self.cursor_row = min(max(cursor, 0), max(count - 1, 0))
        self.scroll_to_cursor()
        self.refresh()

    def forget_rows(self) -> None:
        """Fetch the rows again when they are shown (their contents changed, not their order)."""
        self._blocks.clear()
        self._lines.clear()
        self.refresh()

    def _resize_virtual(self) -> None:
        width = sum(column.width + 2 for column in self.columns)
        self.virtual_size = Size(width, self.row_count + 1)

    def row_at(self, index: int) -> TableRow | None:
        """Row ``index`` (fetched with its block if it is not yet), ``None`` past the end."""
        if not 0 <= index < self.row_count:
            return None
        block = index // self.BLOCK
        rows = self._blocks.get(block)
        if rows is None:
            if len(self._blocks) >= self.KEPT_BLOCKS:
                self._blocks.clear()
                self._lines.clear()
            rows = self._blocks[block] = self.fetch(block * self.BLOCK, self.BLOCK)
        offset = index - block * self.BLOCK
        return rows[offset] if offset < len(rows) else None

    @property
    def cursor_key(self) -> str | None:
        """The key of the cursor's row (``None`` without rows)."""
        row = self.row_at(self.cursor_row)
        return None if row is None else row.key

    @property
    def page_rows(self) -> int:
        """How many rows fit under the header."""
        return max(self.scrollable_content_region.height - 1, 1)

    def visible_rows(self) -> list[TableRow]:
        """The rows on screen, top to bottom."""
        top = round(self.scroll_offset.y)
        rows = (self.row_at(index) for index in range(top, min(top + self.page_rows, self.row_count)))
        return [row for row in rows if row is not None]

    # -- drawing -------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        end = scroll_x + self.scrollable_content_region.width
        if y == 0:
            strip = self._line(-1, end)
        else:
            index = scroll_y + y - 1
            strip = self._line(index, end) if index < self.row_count else Strip.blank(0)
        return strip.crop_extend(scroll_x, end, self._style(""))

    def _style(self, name: str) -> Style:
        """The widget's style with component class ``card-table--{name}`` over it ("" for none), looked
        up once until the styles change (they are asked for on every line)."""
        style = self._styles.get(name)
        if style is None:
            style = self.rich_style
            if name:
                style += self.get_component_rich_style(f"card-table--{name}")
            self._styles[name] = style
        return style

    def _line(self, index: int, end: int) -> Strip:
        """Row ``index`` (-1: the header) as a strip of its columns that start before cell ``end``, one
        segment each (the columns out of view are not drawn, and cropping measures only the last)."""
        cursor = index == self.cursor_row and self.row_count > 0
        cached = self._lines.get((index, cursor, end))
        if cached is not None:
            return cached
        if index < 0:
            style = self._style("header")
            cells: Sequence[str] = [column.label for column in self.columns]
            dim = False
        else:
            row = self.row_at(index)
            if row is None:
                return Strip.blank(0)
            style = self._style("cursor" if cursor else ("even-row" if index % 2 else "odd-row"))
            cells, dim = row.cells, row.dim
        if dim:
            style += Style(dim=True)
        segments, start = [], 0
        for column, cell in zip(self.columns, cells, strict=False):
            if start >= end:
                break
            segments.append(Segment(f" {fitted(cell, column.width)} ", style))
            start += column.width + 2
        strip = Strip(segments, start)
        self._lines[(index, cursor, end)] = strip
        return strip

    def on_focus(self) -> None:
        self._restyle()

    def on_blur(self) -> None:
        self._restyle()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._restyle()

    def _restyle(self) -> None:
        """Draw every line again in the styles as they are now (focus, theme)."""
        self._styles.clear()
        self._lines.clear()
        self.refresh()

    # -- the cursor ----------------------------------------------------------------------------

    def move_cursor(self, index: int) -> None:
        """Put the cursor on row ``index`` (kept within the rows) and scroll it into view."""
        index = min(max(index, 0), max(self.row_count - 1, 0))
        if index != self.cursor_row:
            self.cursor_row = index
            self.refresh()
        self.scroll_to_cursor()

    def scroll_to_cursor(self) -> None:
        """Scroll as little as needed to show the cursor's row, and fetch the rows a page further on
        once that is painted."""
        top, rows = round(self.scroll_offset.y), self.page_rows
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + rows:
            self.scroll_to(y=self.cursor_row - rows + 1, animate=False)
        self.call_after_refresh(self.prefetch)

    def prefetch(self) -> None:
        """Fetch the rows of the pages before and after the one shown, if they are not here yet."""
        top, rows = round(self.scroll_offset.y), self.page_rows
        for index in (top - rows, top + 2 * rows):
            self.row_at(min(max(index, 0), self.row_count - 1))

    def action_move(self, step: int) -> None:
        self.move_cursor(self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        rows = self.page_rows
        self.scroll_to(y=round(self.scroll_offset.y) + direction * rows, animate=False)
        self.move_cursor(self.cursor_row + direction * rows)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self.row_count - 1)

    def action_select(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self.cursor_row, key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = offset.x + round(self.scroll_offset.x)
            for column in self.columns:
                if x < column.width + 2:
                    self.post_message(self.HeaderSelected(column.key))
                    return
                x -= column.width + 2
            return
        index = round(self.scroll_offset.y) + offset.y - 1
        if index >= self.row_count:
            return
        if index == self.cursor_row:
            self.action_select()
        else:
            self.move_cursor(index)
