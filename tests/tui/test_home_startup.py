"""Start-up: the garbage collector paused while the app starts runs again once Home is painted, and Home's
statistics (the streak among them), computed in the background, are those of the collection."""

from __future__ import annotations

import gc
from pathlib import Path

from textual.widgets import OptionList

import sim
from studyapp.activity import current_streak
from studyapp.collection import Collection, open_collection
from studyapp.deck_cache import CachedLibrary
from studyapp.tui.app import StudyApp
from studyapp.tui.launch import pause_collector
from studyapp.tui.screens.home import FORECAST_DAYS, HEATMAP_WEEKS, HomeScreen
from studyapp.tui.screens.sim_list import SimListScreen
from studyapp.tui.widgets.mastery_map import MasteryMap
from studyapp.words import plural

from .conftest import FakeClock, text_of, wait_until


async def test_the_collector_paused_for_start_up_runs_again_once_home_is_painted(app: StudyApp) -> None:
    pause_collector()
    try:
        assert not gc.isenabled()
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, gc.isenabled)
            assert isinstance(app.screen, HomeScreen)
            assert gc.get_freeze_count() > 0  # what start-up made is exempt from later collections
    finally:
        gc.enable()


async def test_home_statistics_arrive_from_the_background(
    app: StudyApp, collection: Collection, clock: FakeClock
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        await wait_until(pilot, lambda: screen.forecast.shown and screen.heatmap.shown)
        data = collection.home_statistics(clock.now, 7 * HEATMAP_WEEKS, FORECAST_DAYS)
        expected = {tag: (v["studied"], v["cards"], v["known"]) for tag, v in data["mastery"]["tags"].items()}
        rows = screen.query_one(MasteryMap).rows or ()
        assert {row.label: (row.studied, row.cards, row.known) for row in rows} == expected
        assert [count for _day, count in screen.forecast.days] == [day["due"] for day in data["forecast"]]
        assert "cnn" in text_of(screen.query_one("#mastery"))
        assert data["streak"] == current_streak(collection.store, clock.now)
        streak = data["streak"]
        assert f"streak {streak} {plural(streak, 'day')}\n" in text_of(screen.query_one("#today"))


async def test_screens_open_on_a_cached_library_without_reading_every_card(
    tmp_path: Path, clock: FakeClock
) -> None:
    """The screens that only need the decks' titles, counts or one deck's cards leave a cached library's
    other cards unread (at 50k cards, reading them all takes a quarter of a second)."""
    db = tmp_path / "cached.sqlite3"
    open_collection(db, user_dir=tmp_path / "no-user-decks").close()  # the deck cache is written
    collection = open_collection(db, user_dir=tmp_path / "no-user-decks")
    library = collection.library
    assert isinstance(library, CachedLibrary)
    app = StudyApp(collection, clock=clock, renderer="halfblock")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            for key, screen_name in (
                ("m", "SimListScreen"),
                ("o", "SettingsScreen"),
                ("c", "CustomStudyScreen"),
            ):
                await pilot.press(key)
                await wait_until(pilot, lambda name=screen_name: type(app.screen).__name__ == name)
                await pilot.press("escape")
                await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
            app.open_simulation("pooling")
            await wait_until(pilot, lambda: type(app.screen).__name__ == "SimulationScreen")
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
            assert not library.loaded
            sim_list = SimListScreen()
            await app.push_screen(sim_list)
            counted = {option.id: str(option.prompt) for option in sim_list.query(OptionList).first().options}
            expected = {name: sum(card.sim == name for card in library.cards) for name in sim.NAMES}
            assert all(f"{expected[name]} card" in counted[name] for name in sim.NAMES)
    finally:
        collection.close()
