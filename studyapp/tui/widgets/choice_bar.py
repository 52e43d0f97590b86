"""A bar of key choices (``1 Again · 10m    2 Hard · 1d …``) or a hint, wrapped between choices."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

GAP = "    "
#: The gap between choices when the wide one would make the bar wrap.
NARROW_GAP = "  "
#: Drawn texts kept (each at one width): the review needs two at a time.
KEPT = 8


class ChoiceBar(Widget):
    """Shows ``(key, label)`` choices, or a dimmed hint.

    It draws its lines directly (Textual's line API) and keeps them per text and width: the review
    goes back and forth between the same hint and a few choices on every card, and a Static
    would parse, wrap and style its text again each time.
    """

    COMPONENT_CLASSES = {"choice-bar--key", "choice-bar--label", "choice-bar--hint"}
    DEFAULT_CSS = """
    ChoiceBar { height: auto; }
    ChoiceBar > .choice-bar--key { text-style: bold; }
    ChoiceBar > .choice-bar--hint { text-style: dim; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.choices: tuple[tuple[str, str], ...] = ()
        self.hint = ""
        self._lines: dict[tuple[object, int], list[Strip]] = {}

    @property
    def text(self) -> str:
        """What the bar shows, as plain text on one line."""
        return self.hint or GAP.join(f"{key} {label}" for key, label in self.choices)

    def show_choices(self, choices: Sequence[tuple[str, str]]) -> None:
        """Show ``key label`` for each choice."""
        self._show(tuple(choices), "")

    def show_hint(self, hint: str) -> None:
        """Show a dimmed line of text instead of choices (cut at the bar's width)."""
        self._show((), hint)

    def _show(self, choices: tuple[tuple[str, str], ...], hint: str) -> None:
        if (choices, hint) == (self.choices, self.hint):
            return
        width = self.content_size.width
        height = len(self.lines(width))
        self.choices, self.hint = choices, hint
        # A layout pass only when the bar's height may change.
        self.refresh(layout=not width or len(self.lines(width)) != height)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()  # the theme changed: the colours may have too

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        lines = self.lines(width)
        return lines[y] if y < len(lines) else Strip.blank(width, self.rich_style)

    def lines(self, width: int) -> list[Strip]:
        """The lines at ``width`` cells: whole choices, as many per line as fit (closer together first)."""
        key = ((self.choices, self.hint), width)
        if key not in self._lines:
            if len(self._lines) >= KEPT:
                self._lines.clear()
            self._lines[key] = [strip.crop_extend(0, width, self.rich_style) for strip in self._layout(width)]
        return self._lines[key]

    def _layout(self, width: int) -> list[Strip]:
        style = self.get_component_rich_style
        if self.hint:
            return [Strip([Segment(self.hint, style("choice-bar--hint"))])] if width else []
        pieces = [
            [Segment(key, style("choice-bar--key")), Segment(f" {label}", style("choice-bar--label"))]
            for key, label in self.choices
        ]
        sizes = [sum(segment.cell_length for segment in piece) for piece in pieces]
        gap = GAP if sum(sizes) + len(GAP) * (len(sizes) - 1) <= width else NARROW_GAP
        lines: list[list[Segment]] = []
        used = 0
        for piece, size in zip(pieces, sizes, strict=True):
            if lines and used + len(gap) + size <= width:
                lines[-1] += [Segment(gap, self.rich_style), *piece]
                used += len(gap) + size
            else:
                lines.append(list(piece))
                used = size
        return [Strip(line) for line in lines]
