"""TextBlock: Rich text wrapped once per text and width, for both the layout and the drawing."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.color import Color

from studyapp.tui.widgets.text_block import TextBlock

from .conftest import near


class BlockApp(App[None]):
    CSS = "TextBlock { width: 20; color: $accent; }"

    def compose(self) -> ComposeResult:
        yield TextBlock()


def shown(block: TextBlock) -> list[str]:
    return [block.render_line(y).text.rstrip() for y in range(block.size.height)]


async def test_text_wraps_at_the_width_and_sets_the_height() -> None:
    async with BlockApp().run_test() as pilot:
        block = pilot.app.query_one(TextBlock)
        block.update(Text("What does a pooling layer do to a feature map?", "bold"))
        await pilot.pause()
        assert shown(block) == ["What does a pooling", "layer do to a", "feature map?"]
        assert all(strip.cell_length == 20 for strip in map(block.render_line, range(3)))
        block.update(Text("Supercalifragilisticexpialidocious"))  # longer than a line: folded
        await pilot.pause()
        assert shown(block) == ["Supercalifragilistic", "expialidocious"]
        block.update(Text())
        await pilot.pause()
        assert block.size.height == 0


async def test_the_text_style_spans_and_theme_colours_are_drawn() -> None:
    async with BlockApp().run_test() as pilot:
        app, block = pilot.app, pilot.app.query_one(TextBlock)
        block.update(Text("whole line bold", "bold"))
        await pilot.pause()
        assert all(
            segment.style and segment.style.bold for segment in block.render_line(0) if segment.text.strip()
        )
        block.update(Text.from_markup("plain [b]strong[/b]"))
        await pilot.pause()
        styles = {segment.text: segment.style for segment in block.render_line(0)}
        assert styles["strong"] is not None and styles["strong"].bold
        assert styles["plain "] is not None and not styles["plain "].bold
        for theme in ("nord", "gruvbox"):
            app.theme = theme
            await pilot.pause()
            first = next(iter(block.render_line(0))).style
            assert first is not None and first.color is not None
            assert near(Color.from_rich_color(first.color), Color.parse(app.current_theme.accent or ""))
