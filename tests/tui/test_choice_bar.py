"""The choice bar: key choices or a hint, wrapped between whole choices, drawn from kept lines; the
ratings in Anki's colours."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.color import Color

from studyapp.tui.widgets.choice_bar import ChoiceBar

from .conftest import near
from .test_progress import hue

RATINGS = [("1", "Again · 1m"), ("2", "Hard · 6m"), ("3", "Good · 10m"), ("4", "Easy · 8d")]


class BarApp(App[None]):
    CSS = "ChoiceBar { background: $accent; }"

    def __init__(self, width: int) -> None:
        super().__init__()
        self.width = width

    def compose(self) -> ComposeResult:
        bar = ChoiceBar()
        bar.styles.width = self.width
        yield bar


def shown(bar: ChoiceBar) -> list[str]:
    return [bar.render_line(y).text.rstrip() for y in range(bar.size.height)]


async def test_choices_share_a_line_while_they_fit_closer_together_first() -> None:
    wide = "1 Again · 1m    2 Hard · 6m    3 Good · 10m    4 Easy · 8d"
    close = "1 Again · 1m  2 Hard · 6m  3 Good · 10m  4 Easy · 8d"
    for width, expected in [
        (80, [wide]),
        (len(wide), [wide]),
        (len(wide) - 1, [close]),
        (len(close), [close]),
    ]:
        async with BarApp(width).run_test() as pilot:
            bar = pilot.app.query_one(ChoiceBar)
            bar.show_choices(RATINGS)
            await pilot.pause()
            assert shown(bar) == expected and bar.text == wide


async def test_a_narrow_bar_wraps_between_choices_and_grows() -> None:
    async with BarApp(30).run_test() as pilot:
        bar = pilot.app.query_one(ChoiceBar)
        bar.show_hint("Space shows the answer")
        await pilot.pause()
        assert shown(bar) == ["Space shows the answer"]
        bar.show_choices(RATINGS)
        await pilot.pause()
        assert shown(bar) == ["1 Again · 1m  2 Hard · 6m", "3 Good · 10m  4 Easy · 8d"]
        bar.show_choices(())
        await pilot.pause()
        assert bar.size.height == 0 and bar.text == ""


async def test_lines_are_kept_per_text_and_redrawn_for_a_new_theme() -> None:
    async with BarApp(40).run_test() as pilot:
        app, bar = pilot.app, pilot.app.query_one(ChoiceBar)
        bar.show_hint("Space shows the answer")
        await pilot.pause()
        hint = bar.render_line(0)
        bar.show_choices(RATINGS[:2])
        await pilot.pause()
        assert bar.render_line(0).text.startswith("1 Again")
        bar.show_hint("Space shows the answer")
        assert bar.render_line(0) is hint  # the same drawn line, not drawn again
        hint_style = next(segment.style for segment in hint if segment.text.strip())
        assert hint_style is not None and hint_style.dim
        for theme in ("nord", "gruvbox"):
            app.theme = theme
            await pilot.pause()
            background = list(bar.render_line(0))[-1].style
            accent = Color.parse(app.current_theme.accent or "")
            assert background is not None and background.bgcolor is not None
            assert near(Color.from_rich_color(background.bgcolor), accent)


async def test_ratings_are_coloured_as_in_anki_in_dark_and_light_themes() -> None:
    async with BarApp(80).run_test() as pilot:
        app, bar = pilot.app, pilot.app.query_one(ChoiceBar)
        for theme in ("textual-dark", "textual-light", "nord", "solarized-light"):
            app.theme = theme
            await pilot.pause()
            bar.show_choices(RATINGS, ("again", "hard", "good", "easy"))
            await pilot.pause()
            segments = [segment for segment in bar.render_line(0) if segment.text.strip()]
            assert [segment.text.strip() for segment in segments[::2]] == ["1", "2", "3", "4"]
            colours = [hue(Color.from_rich_color(segment.style.color)) for segment in segments]  # type: ignore[union-attr]
            assert colours == ["red", "red", "amber", "amber", "green", "green", "blue", "blue"], theme
            assert all(segment.style and segment.style.bold for segment in segments[::2])  # the keys


async def test_choices_without_tones_keep_the_plain_colour_and_unknown_tones_are_refused() -> None:
    async with BarApp(80).run_test() as pilot:
        bar = pilot.app.query_one(ChoiceBar)
        bar.show_choices(RATINGS, ("again",))
        await pilot.pause()
        assert bar.tones == ("again", None, None, None)
        segments = [segment for segment in bar.render_line(0) if segment.text.strip()]
        plain = bar.get_component_rich_style("choice-bar--label").color
        assert segments[1].style is not None and segments[1].style.color != plain
        assert segments[3].style is not None and segments[3].style.color == plain
        with pytest.raises(ValueError, match="unknown tones"):
            bar.show_choices(RATINGS, ("again", "meh"))
