"""The review header: Anki's new, learning and due counts in blue, red and green, the current queue
underlined; in cram, the cards left. A line drawn directly, kept until something it shows changes."""

from __future__ import annotations

import pytest
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.color import Color

from studyapp.model import StudyState
from studyapp.tui.widgets.progress import Queue, QueueCounts


class CountsApp(App[None]):
    CSS = "QueueCounts { width: 40; }"

    def compose(self) -> ComposeResult:
        yield QueueCounts()


def hue(colour: Color) -> str:
    """Which of blue, red, green or amber a colour is, by its channels (an oracle independent of the CSS)."""
    r, g, b = colour.rgb
    if b > r and b > g:
        return "blue"
    if g > r and g > b:
        return "green"
    if r > g and r > b:
        return "amber" if g > 2 * b and g > r * 0.35 else "red"
    return "grey"


def pieces(counts: QueueCounts) -> dict[str, Segment]:
    """The drawn segments that carry text, by their text."""
    return {segment.text: segment for segment in counts.render_line(0) if segment.text.strip()}


def colour_of(segment: Segment) -> Color:
    assert segment.style is not None and segment.style.color is not None
    return Color.from_rich_color(segment.style.color)


def test_each_study_state_has_its_queue() -> None:
    assert [Queue.of(state) for state in StudyState] == [Queue.NEW, Queue.LEARNING, Queue.DUE, Queue.LEARNING]


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "nord", "gruvbox"])
async def test_counts_are_in_ankis_colours_and_the_current_queue_is_underlined(theme: str) -> None:
    async with CountsApp().run_test() as pilot:
        pilot.app.theme = theme
        await pilot.pause()
        counts = pilot.app.query_one(QueueCounts)
        for current in (*Queue, None):
            counts.show(9, 1, 12, current)
            drawn = pieces(counts)
            assert list(drawn) == ["New 9", "Learning 1", "Due 12"]
            assert counts.text == "New 9   Learning 1   Due 12"
            colours = {text.split()[0]: hue(colour_of(segment)) for text, segment in drawn.items()}
            assert colours == {"New": "blue", "Learning": "red", "Due": "green"}
            underlined = [
                text for text, segment in drawn.items() if segment.style and segment.style.underline
            ]
            assert underlined == ([] if current is None else [f"{current.label} {counts.counts[current]}"])


async def test_the_line_is_kept_until_the_counts_change() -> None:
    async with CountsApp().run_test() as pilot:
        counts = pilot.app.query_one(QueueCounts)
        counts.show(3, 0, 2, Queue.NEW)
        line = counts.render_line(0)
        assert line.cell_length == 40 - 2  # padding on both sides
        counts.show(3, 0, 2, Queue.NEW)
        assert counts.render_line(0) is line
        counts.show(2, 1, 2, Queue.LEARNING)
        assert counts.render_line(0) is not line and counts.text.startswith("New 2   Learning 1")
        assert counts.render_line(1).text.strip() == ""


async def test_cram_shows_only_the_cards_left() -> None:
    async with CountsApp().run_test() as pilot:
        counts = pilot.app.query_one(QueueCounts)
        for left, text in [(27, "27 cards left"), (1, "1 card left"), (0, "0 cards left")]:
            counts.show_left(left)
            assert counts.text == text and list(pieces(counts)) == [text]
            assert counts.current is None
