"""The Plan in Stats: simulated in a worker with a progress bar, then the days, recall per tag and options."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.content import Content
from textual.widgets import Input, ProgressBar

from studyapp.collection import Collection, open_collection
from studyapp.content import load_paths
from studyapp.fsrs_tools.planner import Planner
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.stats import StatsScreen, plan_day_lines, plan_option_lines, plan_recall_lines
from tests.core.simulated_learner import write_deck

from .conftest import FakeClock, text_of, wait_until


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Collection]:
    """27 generated new cards in one deck (10 new a day), as many as the bundled deck has."""
    library = load_paths([write_deck(tmp_path / "decks", "topics", 27)])
    with open_collection(tmp_path / "collection.sqlite3", library=library) as opened:
        yield opened


async def open_plan(app: StudyApp, pilot: Any) -> StatsScreen:
    await pilot.press("t", "p")
    screen = app.screen
    assert isinstance(screen, StatsScreen)
    return screen


async def test_the_plan_runs_in_the_background_and_shows_the_simulated_days(
    app: StudyApp, collection: Collection, clock: FakeClock
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_plan(app, pilot)
        assert screen.query_one("#plan-panel").display
        await wait_until(pilot, lambda: screen.plan is not None)
        plan = screen.plan
        assert plan is not None and plan.exam is None and len(plan.chosen.days) == 30
        # The same simulation run here gives the same numbers (same seeds), and the screen shows them.
        direct = Planner(collection, clock.now).plan()
        assert [day.reviews for day in direct.chosen.days] == [day.reviews for day in plan.chosen.days]
        assert direct.chosen.tags == plan.chosen.tags
        # 27 new cards at 10 a day: 10, 10, 7, then none.
        assert [day.new for day in plan.chosen.days[:4]] == [10.0, 10.0, 7.0, 0.0]
        bar = screen.query_one("#plan-progress", ProgressBar)
        assert bar.total == bar.progress == plan.runs * len(plan.outlooks)
        days = text_of(screen.query_one("#plan-days"))
        assert days.splitlines() == [strip(line) for line in plan_day_lines(plan)]
        assert days.splitlines()[0].startswith("Plan the next 30 days · desired retention 0.90")
        assert text_of(screen.query_one("#plan-recall")).splitlines() == [
            strip(line) for line in plan_recall_lines(plan)
        ]
        options = text_of(screen.query_one("#plan-options"))
        assert options.splitlines() == [strip(line) for line in plan_option_lines(plan)]
        assert "▶ 0.90" in options and len(options.splitlines()) == 5


async def test_an_exam_date_replans_and_a_bad_one_is_explained(app: StudyApp, clock: FakeClock) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_plan(app, pilot)
        await wait_until(pilot, lambda: screen.plan is not None)
        field = screen.query_one("#plan-exam", Input)
        exam = clock.now.date() + timedelta(days=12)
        field.focus()
        field.value = exam.isoformat()
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.plan is not None and screen.plan.exam == exam)
        assert screen.plan is not None and len(screen.plan.chosen.days) == 12
        assert text_of(screen.query_one("#plan-days")).startswith(
            f"Plan until the exam on {exam.isoformat()}"
        )
        assert text_of(screen.query_one("#plan-recall")).startswith(f"Recall on {exam.isoformat()}")

        field.value = "soon"
        await pilot.press("enter")
        assert "Expected an exam date as YYYY-MM-DD, got 'soon'." in text_of(screen.query_one("#plan-days"))
        assert text_of(screen.query_one("#plan-recall")) == ""
        field.value = "2020-01-01"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "after today" in text_of(screen.query_one("#plan-days")))
        today = date.fromisoformat(str(screen.plan.today)) if screen.plan else clock.now.date()
        assert f"The exam date 2020-01-01 must be after today ({today.isoformat()})." in text_of(
            screen.query_one("#plan-days")
        )


def strip(markup: str) -> str:
    """Markup as the text it shows."""
    return Content.from_markup(markup).plain
