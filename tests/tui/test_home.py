"""Home: deck counts, today's reviews and streak, mastery bars, warnings, and navigation."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from studyapp.collection import open_collection
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.home import ALL_DECKS, HomeScreen

from .conftest import FakeClock, text_of, wait_until


async def test_home_shows_counts_today_and_mastery(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one("#decks", DataTable)
        assert table.get_row("deep-learning")[1:] == ["10", "0", "0"]
        assert table.get_row(ALL_DECKS)[1:] == ["10", "0", "0"]
        assert "Today: 0 reviews" in text_of(app.screen.query_one("#today"))
        mastery = text_of(app.screen.query_one("#mastery"))
        assert "cnn" in mastery and "new" in mastery
        await pilot.press("s")
        await pilot.press("space", "3")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert table.get_row("deep-learning")[1:] == ["9", "1", "0"]
        assert "Today: 1 reviews" in text_of(app.screen.query_one("#today"))
        assert "streak 1 day" in text_of(app.screen.query_one("#today"))
        assert "%" in text_of(app.screen.query_one("#mastery"))


async def test_a_broken_user_deck_is_a_warning_not_a_crash(tmp_path: Path, clock: FakeClock) -> None:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "broken.toml").write_text('[deck]\nid = "mine"\ntitle = \n', encoding="utf-8")
    collection = open_collection(tmp_path / "c.sqlite3", user_dir=decks)
    app = StudyApp(collection, clock=clock, renderer="halfblock")
    try:
        async with app.run_test(size=(100, 32)):
            warning = text_of(app.screen.query_one("#home-warnings"))
            assert "broken.toml:3" in warning
            assert app.screen.query_one("#decks", DataTable).row_count == 2
    finally:
        collection.close()


async def test_keys_open_every_screen(app: StudyApp) -> None:
    expected = {"b": "BrowseScreen", "t": "StatsScreen", "o": "SettingsScreen", "m": "SimListScreen"}
    async with app.run_test(size=(100, 32)) as pilot:
        for key, screen in expected.items():
            await pilot.press(key)
            await wait_until(pilot, lambda screen=screen: type(app.screen).__name__ == screen)
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("s")
        assert type(app.screen).__name__ == "ReviewScreen"


async def test_command_palette_opens_screens_and_simulations(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Statistics")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "StatsScreen")
        await pilot.press("ctrl+p")
        await pilot.press(*"Simulation: Pooling")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "SimulationScreen")
        assert app.screen.spec.name == "pooling"  # type: ignore[attr-defined]


async def test_help_lists_the_screen_keys(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        keys = text_of(app.screen.query_one("#help-keys"))
        for description in ("Study", "Quiz", "Browse", "Simulations", "Stats", "Settings", "command palette"):
            assert description in keys
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
