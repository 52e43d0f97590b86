"""Stats: heatmap, forecast, retention, counts and mastery drawn from the collection."""

from __future__ import annotations

from textual.widgets import Sparkline

from studyapp.tui.app import StudyApp

from .conftest import FakeClock, text_of


async def test_stats_reflect_the_reviews(app: StudyApp, clock: FakeClock) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("s")
        for _ in range(3):
            await pilot.press("space", "4")
        await pilot.press("escape", "t")
        screen = app.screen
        assert type(screen).__name__ == "StatsScreen"
        assert "today 3 · streak 1 days" in text_of(screen.query_one("#heatmap"))
        assert "■" in text_of(screen.query_one("#heatmap"))
        counts = text_of(screen.query_one("#counts"))
        assert "new" in counts and "review" in counts
        forecast = screen.query_one("#forecast", Sparkline)
        assert sum(forecast.data or []) == 3
        assert "—  (0/0)" in text_of(screen.query_one("#retention"))
        assert "%" in text_of(screen.query_one("#stats-mastery"))
