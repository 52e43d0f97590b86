"""Small terminals: usable at 60x20, a notice below it, no traceback while resizing."""

from __future__ import annotations

import pytest

from studyapp.tui.app import StudyApp
from studyapp.tui.screens.too_small import TooSmallScreen

from .conftest import text_of, wait_until

SCREEN_KEYS = ["s", "b", "t", "o", "m"]


@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
async def test_every_screen_works_at_small_sizes(app: StudyApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        for key in SCREEN_KEYS:
            await pilot.press(key)
            await pilot.pause(0.1)
            assert not isinstance(app.screen, TooSmallScreen)
            await pilot.press("escape")
        app.open_simulation("gradient-descent")
        screen = app.screen
        await wait_until(pilot, lambda: screen.result is not None)  # type: ignore[attr-defined]


async def test_below_60x20_a_notice_replaces_the_app_until_it_grows(app: StudyApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("b")
        await pilot.resize_terminal(59, 20)
        await pilot.pause(0.1)
        assert isinstance(app.screen, TooSmallScreen)
        assert "59x20" in text_of(app.screen.query_one("#too-small"))
        await pilot.resize_terminal(40, 10)
        await pilot.pause(0.1)
        assert "40x10" in text_of(app.screen.query_one("#too-small"))
        await pilot.resize_terminal(100, 30)
        await pilot.pause(0.1)
        assert type(app.screen).__name__ == "BrowseScreen"


async def test_resizing_during_a_live_plot_is_safe(app: StudyApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_simulation("convolution")
        screen = app.screen
        for width, height in [(80, 24), (61, 21), (30, 8), (140, 50), (60, 20)]:
            await pilot.resize_terminal(width, height)
            await pilot.pause(0.05)
        await pilot.resize_terminal(120, 40)
        await wait_until(pilot, lambda: app.screen is screen and screen.result is not None)  # type: ignore[attr-defined]
