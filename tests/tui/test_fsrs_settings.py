"""Settings' FSRS parameters section: fit in a worker, then apply or reset, with what is in use shown."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button

from studyapp.collection import Collection, open_collection
from studyapp.content import load_paths
from studyapp.fsrs_tools import optimizer
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.settings import SettingsScreen
from tests.core.simulated_learner import Learner, exact_scheduler, study, write_deck

from .conftest import FakeClock, text_of, wait_until


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Collection]:
    """300 generated cards studied for 60 days (20 new a day): enough history to fit."""
    library = load_paths([write_deck(tmp_path / "decks", "gen", 300)])
    with open_collection(tmp_path / "collection.sqlite3", library=library) as opened:
        opened.set_setting("new_per_day", 20)
        study(opened.session(tz=UTC, scheduler=exact_scheduler()), Learner(), 60)
        yield opened


async def open_settings(app: StudyApp, pilot: Any) -> SettingsScreen:
    await pilot.press("o")
    screen = app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


async def test_fit_apply_and_reset(app: StudyApp, collection: Collection, clock: FakeClock) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_settings(app, pilot)
        assert text_of(screen.query_one("#fsrs-status")).startswith("In use: default")
        apply, reset = screen.query_one("#fsrs-apply", Button), screen.query_one("#fsrs-reset", Button)
        assert apply.disabled and reset.disabled
        screen.query_one("#fsrs-fit", Button).press()
        await wait_until(pilot, lambda: screen.fit_report is not None)
        report = screen.fit_report
        direct = optimizer.fit(collection)  # the same fit, made here
        assert report is not None and report.fitted == direct.fitted is not None
        assert report.fitted_evaluation is not None and report.in_use_evaluation is not None
        result = text_of(screen.query_one("#fsrs-result"))
        assert result.startswith(
            f"Fitted on {report.reviews} reviews: log loss {report.in_use_evaluation.log_loss:.4f} → "
            f"{report.fitted_evaluation.log_loss:.4f}, RMSE {report.in_use_evaluation.rmse * 100:.2f}% → "
            f"{report.fitted_evaluation.rmse * 100:.2f}%."
        )
        assert "Apply schedules with them" in result and not apply.disabled
        assert collection.settings().fsrs_parameters == ()  # fitting alone changes nothing

        apply.press()
        await pilot.pause()
        assert collection.settings().fsrs_parameters == report.fitted
        status = text_of(screen.query_one("#fsrs-status"))
        assert status == (
            f"In use: fitted on {report.reviews} reviews on {clock.now.date().isoformat()} · log loss "
            f"{report.fitted_evaluation.log_loss:.4f} · RMSE {report.fitted_evaluation.rmse * 100:.2f}%"
        )
        assert apply.disabled and not reset.disabled

        reset.press()
        await pilot.pause()
        assert collection.settings().fsrs_parameters == ()
        assert text_of(screen.query_one("#fsrs-status")).startswith("In use: default")
        assert "default parameters again" in text_of(screen.query_one("#fsrs-result"))
        assert reset.disabled


async def test_too_short_a_history_says_what_is_missing(tmp_path: Path, clock: FakeClock) -> None:
    library = load_paths([write_deck(tmp_path / "short", "short", 40)])
    with open_collection(tmp_path / "short.sqlite3", library=library) as short:
        study(short.session(tz=UTC, scheduler=exact_scheduler()), Learner(), 5)
        app = StudyApp(short, clock=clock, save_dir=tmp_path / "plots", renderer="halfblock")
        async with app.run_test(size=(110, 40)) as pilot:
            screen = await open_settings(app, pilot)
            screen.query_one("#fsrs-fit", Button).press()
            await wait_until(pilot, lambda: screen.fit_report is not None)
            report = screen.fit_report
            assert report is not None and report.fitted is None
            result = text_of(screen.query_one("#fsrs-result"))
            assert f"About {report.readiness.needed} more such reviews are needed." in result
            assert screen.query_one("#fsrs-apply", Button).disabled
            assert short.store.stored_settings() == {}
