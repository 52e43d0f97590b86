"""The session progress bar: a line drawn directly, kept until the count, width or theme changes."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.color import Color

from studyapp.tui.widgets.progress import SessionProgress

from .conftest import near


class ProgressApp(App[None]):
    CSS = "SessionProgress { width: 30; }"

    def compose(self) -> ComposeResult:
        yield SessionProgress()


def accent_cells(bar: SessionProgress) -> int:
    """How many cells of the drawn line have the theme's accent colour (to within rounding)."""
    accent = Color.parse(bar.app.current_theme.accent or "")
    return sum(
        len(segment.text)
        for segment in bar.render_line(0)
        if segment.style and segment.style.color and near(Color.from_rich_color(segment.style.color), accent)
    )


async def test_the_filled_part_follows_the_count() -> None:
    async with ProgressApp().run_test() as pilot:
        bar = pilot.app.query_one(SessionProgress)
        for done, total in [(0, 4), (1, 4), (3, 4), (4, 4), (7, 40)]:
            bar.update(done, total)
            line = bar.render_line(0)
            label = f" {done}/{total}"
            assert line.cell_length == 30 and line.text.endswith(label)
            filled = round((30 - len(label)) * done / total)
            assert accent_cells(bar) == filled
            assert line.text.count("━") == 30 - len(label)


async def test_nothing_to_do_is_a_full_bar_and_the_colours_follow_the_theme() -> None:
    async with ProgressApp().run_test() as pilot:
        app, bar = pilot.app, pilot.app.query_one(SessionProgress)
        assert bar.fraction == 1.0 and bar.render_line(0).text.endswith(" 0/0")
        bar.update(2, 4)
        for theme in ("nord", "gruvbox"):
            app.theme = theme
            await pilot.pause()
            assert accent_cells(bar) == round((30 - 4) / 2)
        assert bar.render_line(1).text == " " * 30  # below the bar: blank
