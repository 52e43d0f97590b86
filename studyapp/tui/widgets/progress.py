"""The review's progress as Anki shows it: the new, learning and due counts, the current card's underlined.

One widget with one line, drawn directly (Textual's line API) and kept until the counts, the current
queue, the width or the theme change: it repaints after every rating, and must cost next to nothing.
"""

from __future__ import annotations

from enum import StrEnum

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from studyapp.model import StudyState
from studyapp.tui.widgets.colours import colour_rules
from studyapp.words import counted


class Queue(StrEnum):
    """The three queues of Anki's review header, named as it names them."""

    NEW = "new"
    LEARNING = "learning"
    DUE = "due"

    @classmethod
    def of(cls, state: StudyState) -> Queue:
        """The queue a card in ``state`` is studied from (relearning cards are learning cards)."""
        return QUEUE_OF_STATE[state]

    @property
    def label(self) -> str:
        """The word shown before the count."""
        return self.value.capitalize()


QUEUE_OF_STATE = {
    StudyState.NEW: Queue.NEW,
    StudyState.LEARNING: Queue.LEARNING,
    StudyState.RELEARNING: Queue.LEARNING,
    StudyState.REVIEW: Queue.DUE,
}
#: The space between two counts.
GAP = "   "


class QueueCounts(Widget):
    """``New 9   Learning 1   Due 12``: the cards left today, in Anki's colours (blue, red, green).

    The queue of the card on screen is underlined and bold. In cram, where nothing is scheduled,
    it shows how many cards are left instead (``12 cards left``).
    """

    COMPONENT_CLASSES = {
        "queue-counts--new",
        "queue-counts--learning",
        "queue-counts--due",
        "queue-counts--current",
        "queue-counts--left",
    }
    #: Not scoped: the colour rules start at the app (``-dark-mode`` or ``-light-mode``).
    SCOPED_CSS = False
    DEFAULT_CSS = """
    QueueCounts { height: 1; padding: 0 1; }
    QueueCounts > .queue-counts--current { text-style: bold underline; }
    QueueCounts > .queue-counts--left { text-style: bold; }
    """ + colour_rules(
        "QueueCounts",
        {"queue-counts--new": "blue", "queue-counts--learning": "red", "queue-counts--due": "green"},
    )

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.counts: dict[Queue, int] = dict.fromkeys(Queue, 0)
        self.current: Queue | None = None
        #: Cards left in cram (``None``: a scheduled review, which shows the three counts).
        self.left: int | None = None
        self._line: tuple[tuple[object, ...], Strip] | None = None
        self._styles: dict[tuple[Queue | None, bool], Style] = {}

    @property
    def text(self) -> str:
        """What the line shows, as plain text."""
        if self.left is not None:
            return f"{counted(self.left, 'card')} left"
        return GAP.join(f"{queue.label} {self.counts[queue]}" for queue in Queue)

    def show(self, new: int, learning: int, due: int, current: Queue | None) -> None:
        """Show the counts of a scheduled review; ``current`` is the queue of the card on screen."""
        counts = {Queue.NEW: new, Queue.LEARNING: learning, Queue.DUE: due}
        if (counts, current, None) != (self.counts, self.current, self.left):
            self.counts, self.current, self.left = counts, current, None
            self.refresh()

    def show_left(self, left: int) -> None:
        """Show only how many cards are left (cram)."""
        if left != self.left:
            self.left, self.current = left, None
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line = None  # the theme changed: the colours may have too
        self._styles.clear()

    def part_style(self, queue: Queue | None, current: bool = False) -> Style:
        """The style of one count (``None``: cram's count), kept: a refresh drops Textual's copies."""
        key = (queue, current)
        if key not in self._styles:
            part = self.get_component_rich_style
            style = part(f"queue-counts--{queue.value}" if queue is not None else "queue-counts--left")
            if current:  # the current queue's text style over the queue's colour
                style += part("queue-counts--current", partial=True)
            self._styles[key] = style
        return self._styles[key]

    def segments(self) -> list[Segment]:
        """The line's pieces: each count in its colour, the current one underlined."""
        if self.left is not None:
            return [Segment(self.text, self.part_style(None))]
        segments: list[Segment] = []
        for queue in Queue:
            if segments:
                segments.append(Segment(GAP, self.rich_style))
            style = self.part_style(queue, queue == self.current)
            segments.append(Segment(f"{queue.label} {self.counts[queue]}", style))
        return segments

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        key = (tuple(self.counts.values()), self.current, self.left, width)
        if self._line is None or self._line[0] != key:
            self._line = (key, Strip(self.segments()).crop_extend(0, width, self.rich_style))
        return self._line[1] if y == 0 else Strip.blank(width, self.rich_style)
