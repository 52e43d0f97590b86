"""Stats: heatmap, forecast, retention, counts and mastery drawn from the collection, counted in words."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from textual.widgets import Sparkline

from studyapp.collection import Collection, open_collection
from studyapp.content import Library
from studyapp.model import Card, Deck
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.stats import StatsScreen

from .conftest import FakeClock, text_of, wait_until


async def shown(app: StudyApp, pilot: Any) -> StatsScreen:
    """The Stats screen once its statistics, computed in the background, are drawn."""
    screen = app.screen
    assert isinstance(screen, StatsScreen)
    await wait_until(pilot, lambda: screen.data is not None)
    return screen


async def test_stats_reflect_the_reviews(app: StudyApp, clock: FakeClock) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("s")
        for _ in range(3):
            await pilot.press("space", "4")
        await pilot.press("escape", "t")
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await wait_until(pilot, lambda: screen.data is not None)
        assert "today 3 reviews · streak 1 day\n" in text_of(screen.query_one("#heatmap"))
        assert "■" in text_of(screen.query_one("#heatmap"))
        counts = text_of(screen.query_one("#counts"))
        assert "new" in counts and "review" in counts
        forecast = screen.query_one("#forecast", Sparkline)
        assert sum(forecast.data or []) == 3
        assert "—  (0/0)" in text_of(screen.query_one("#retention"))
        assert "%" in text_of(screen.query_one("#stats-mastery"))
        assert "0 questions answered" in text_of(screen.query_one("#quiz-stats"))


async def test_mastery_shows_studied_of_all_and_the_share_known(
    app: StudyApp, collection: Collection, clock: FakeClock
) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("s", "space", "4", "escape", "t")
        await shown(app, pilot)
        data = collection.statistics(clock.now)["mastery"]["tags"]
        text = text_of(app.screen.query_one("#stats-mastery"))
        assert text.splitlines()[0] == "Mastery studied · known now"
        studied_tags = [tag for tag, value in data.items() if value["studied"]]
        assert studied_tags
        for tag, value in data.items():
            line = next(line for line in text.splitlines() if line.startswith(f"{tag} "))
            assert re.search(rf" {value['studied']}/{value['cards']} ", line)
            assert line.rstrip().endswith(f"{value['known'] * 100:.0f}%")
            # a topic with unstudied cards is known less than its studied cards are recalled
            if value["studied"] and value["studied"] < value["cards"]:
                assert value["known"] < value["retrievability"]


async def test_one_review_is_one_review(app: StudyApp) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.press("s", "space", "4", "escape", "t")
        await shown(app, pilot)
        assert "today 1 review · streak 1 day\n" in text_of(app.screen.query_one("#heatmap"))


async def test_mastery_lines_fit_beside_the_scrollbar_of_many_topics(
    tmp_path: Path, clock: FakeClock
) -> None:
    """With more topics than the screen has rows, the Stats screen scrolls: each topic's line still fits
    the panel (its share at the end of the line, not wrapped onto the next)."""
    tags = [f"topic-{i:02d}" for i in range(40)]
    cards = tuple(
        Card(f"many-{i:03d}", "many", f"Question {i}?", f"Answer {i}.", tags=(tags[i % 40],), position=i)
        for i in range(1200)
    )
    library = Library([Deck("many", "Many topics", cards)])
    with open_collection(tmp_path / "many.sqlite3", library=library) as collection:
        app = StudyApp(collection, clock=clock, save_dir=tmp_path / "plots", renderer="halfblock")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("t")
            screen = await shown(app, pilot)
            body = screen.query_one("#stats-body")
            await wait_until(pilot, lambda: body.show_vertical_scrollbar)
            await pilot.pause(0.1)
            panel = screen.query_one("#stats-mastery")
            lines = text_of(panel).splitlines()
            assert len(lines) == 1 + len(tags)
            assert panel.content_size.height == len(lines)  # nothing wrapped
            for tag, line in zip(tags, lines[1:], strict=True):
                assert line.startswith(f"{tag} ") and line.endswith("0%")
                assert len(line) == panel.content_size.width
