"""A bar of key choices (``1 Again · 10m    2 Hard · 1d …``) or a hint, wrapped between choices.

A choice may have a tone: the four ratings are coloured as in Anki (Again red, Hard amber, Good
green, Easy blue).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from studyapp.tui.widgets.colours import colour_rules

GAP = "    "
#: The gap between choices when the wide one would make the bar wrap.
NARROW_GAP = "  "
#: Drawn texts kept (each at one width): the review needs two at a time.
KEPT = 8
#: The tones a choice can have, and their colours (names of ``colours.PALETTE``).
TONES = {"again": "red", "hard": "amber", "good": "green", "easy": "blue"}


class ChoiceBar(Widget):
    """Shows ``(key, label)`` choices, each in its tone's colour if it has one, or a dimmed hint.

    It draws its lines directly (Textual's line API) and keeps them per text and width: the review
    goes back and forth between the same hint and a few choices on every card, and a Static
    would parse, wrap and style its text again each time.
    """

    COMPONENT_CLASSES = {
        "choice-bar--key",
        "choice-bar--label",
        "choice-bar--hint",
        *(f"choice-bar--{tone}" for tone in TONES),
    }
    #: Not scoped: the colour rules start at the app (``-dark-mode`` or ``-light-mode``).
    SCOPED_CSS = False
    DEFAULT_CSS = """
    ChoiceBar { height: auto; }
    ChoiceBar > .choice-bar--key { text-style: bold; }
    ChoiceBar > .choice-bar--hint { text-style: dim; }
    """ + colour_rules("ChoiceBar", {f"choice-bar--{tone}": colour for tone, colour in TONES.items()})

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.choices: tuple[tuple[str, str], ...] = ()
        #: Each choice's tone (a key of ``TONES``), or ``None`` for the plain colours.
        self.tones: tuple[str | None, ...] = ()
        self.hint = ""
        self._lines: dict[tuple[object, int], list[Strip]] = {}

    @property
    def text(self) -> str:
        """What the bar shows, as plain text on one line."""
        return self.hint or GAP.join(f"{key} {label}" for key, label in self.choices)

    def show_choices(self, choices: Sequence[tuple[str, str]], tones: Sequence[str | None] = ()) -> None:
        """Show ``key label`` for each choice, in the colour of its tone (``tones``, in the same order)."""
        unknown = set(tones) - {*TONES, None}
        if unknown:
            raise ValueError(f"unknown tones {sorted(map(str, unknown))}; tones: {', '.join(TONES)}")
        padded = (*tones[: len(choices)], *(None,) * (len(choices) - len(tones)))
        self._show(tuple(choices), padded, "")

    def show_hint(self, hint: str) -> None:
        """Show a dimmed line of text instead of choices (cut at the bar's width)."""
        self._show((), (), hint)

    def _show(self, choices: tuple[tuple[str, str], ...], tones: tuple[str | None, ...], hint: str) -> None:
        if (choices, tones, hint) == (self.choices, self.tones, self.hint):
            return
        width = self.content_size.width
        height = len(self.lines(width))
        self.choices, self.tones, self.hint = choices, tones, hint
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
        key = ((self.choices, self.tones, self.hint), width)
        if key not in self._lines:
            if len(self._lines) >= KEPT:
                self._lines.clear()
            self._lines[key] = [strip.crop_extend(0, width, self.rich_style) for strip in self._layout(width)]
        return self._lines[key]

    def _layout(self, width: int) -> list[Strip]:
        style = self.get_component_rich_style
        if self.hint:
            return [Strip([Segment(self.hint, style("choice-bar--hint"))])] if width else []
        pieces = []
        for (key, label), tone in zip(self.choices, self.tones, strict=True):
            colour = Style() if tone is None else style(f"choice-bar--{tone}", partial=True)
            pieces.append(
                [
                    Segment(key, style("choice-bar--key") + colour),
                    Segment(f" {label}", style("choice-bar--label") + colour),
                ]
            )
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
