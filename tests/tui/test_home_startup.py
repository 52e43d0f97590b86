"""Start-up: the garbage collector paused while the app starts runs again once Home is painted, and Home's
statistics, computed in the background, are those of the collection."""

from __future__ import annotations

import gc

from studyapp.collection import Collection
from studyapp.tui.app import StudyApp
from studyapp.tui.launch import pause_collector
from studyapp.tui.screens.home import FORECAST_DAYS, HEATMAP_WEEKS, HomeScreen

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
        assert {row.label: (row.studied, row.cards, row.known) for row in screen.mastery_rows} == expected
        assert [count for _day, count in screen.forecast.days] == [day["due"] for day in data["forecast"]]
        assert "cnn" in text_of(screen.query_one("#mastery"))
