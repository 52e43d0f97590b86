"""Home: deck counts, today's reviews and streak, mastery bars, warnings, and navigation."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.content import Content
from textual.widgets import OptionList

from studyapp.collection import open_collection
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.home import ALL_DECKS, HomeScreen
from studyapp.tui.widgets.bars import bar_lines

from .conftest import FakeClock, text_of, wait_until


def deck_counts(app: StudyApp, deck: str) -> list[str]:
    """The new, learning and due counts on a deck's row of the Home deck list."""
    decks = app.screen.query_one("#decks", OptionList)
    return str(decks.get_option(deck).prompt).split()[:3]


@pytest.mark.parametrize("width", range(17, 61))
def test_mastery_bars_fit_their_width(width: int) -> None:
    rows = [("optimisation", 0.5), ("cnn", None), ("a-very-long-tag-name", 1.0)]
    for line in bar_lines(rows, width):
        assert Content.from_markup(line).cell_length <= width


async def test_home_fits_the_smallest_terminal(app: StudyApp) -> None:
    async with app.run_test(size=(60, 20)) as pilot:
        mastery = app.screen.query_one("#mastery")
        await wait_until(pilot, lambda: "cnn" in text_of(mastery))
        await pilot.pause(0.1)
        tags = {tag for card in app.collection.library.cards for tag in card.tags}
        assert mastery.size.height == len(tags)  # one line per tag: nothing wrapped
        decks = app.screen.query_one("#decks", OptionList)
        assert decks.size.height == decks.option_count  # one line per deck: nothing wrapped
        assert deck_counts(app, ALL_DECKS) == ["10", "0", "0"]


async def test_home_shows_counts_today_and_mastery(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        assert isinstance(app.screen, HomeScreen)
        assert deck_counts(app, "deep-learning") == ["10", "0", "0"]
        assert deck_counts(app, ALL_DECKS) == ["10", "0", "0"]
        assert "Deep Learning" in str(
            app.screen.query_one("#decks", OptionList).get_option("deep-learning").prompt
        )
        assert "Today: 0 reviews" in text_of(app.screen.query_one("#today"))
        mastery = app.screen.query_one("#mastery")
        await wait_until(pilot, lambda: "cnn" in text_of(mastery))  # drawn after the first paint
        assert "new" in text_of(app.screen.query_one("#mastery"))
        await pilot.press("s")
        await pilot.press("space", "3")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert deck_counts(app, "deep-learning") == ["9", "1", "0"]
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
            assert app.screen.query_one("#decks", OptionList).option_count == 2
    finally:
        collection.close()


async def test_the_highlighted_deck_is_studied(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        decks = app.screen.query_one("#decks", OptionList)
        assert decks.has_focus and decks.highlighted_option is not None
        assert decks.highlighted_option.id == "deep-learning"
        await pilot.press("down", "enter")  # "All decks"
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ReviewScreen")
        assert app.screen.deck is None  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert decks.highlighted == 1  # kept across the recount
        await pilot.press("up", "s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ReviewScreen")
        assert app.screen.deck == "deep-learning"  # type: ignore[attr-defined]


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
