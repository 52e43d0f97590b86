"""Predict, then run, in the simulation screen: ``e`` hides the answers until a prediction is committed for
a chosen answer, which is then graded against the computed value, shown, and stored; Escape gives it up.
Also the per-deck switch in Settings and the calibration panel in Stats."""

from __future__ import annotations

import math

from textual.widgets import Input, Switch

from studyapp.collection import Collection
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.simulation import SimulationScreen
from studyapp.tui.widgets.calibration import CalibrationView
from studyapp.tui.widgets.prediction import PredictionPanel

from .conftest import answered, text_of, wait_until

LOSS = math.log1p(math.exp(2.0))  # −log σ(−2) for the true class 1


async def open_cross_entropy(app: StudyApp, pilot: object) -> SimulationScreen:
    app.open_simulation("cross-entropy", {"logit": -2.0, "target": 1})
    screen = app.screen
    assert isinstance(screen, SimulationScreen)
    await wait_until(pilot, lambda: answered(screen))
    return screen


async def test_predict_hides_the_answers_until_a_value_is_committed(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await open_cross_entropy(app, pilot)
        assert f"{LOSS:.6g}" in text_of(screen.query_one("#answers"))
        await pilot.press("e")
        panel = screen.query_one(PredictionPanel)
        assert panel.asking and panel.query_one(Input).has_focus
        hidden = text_of(screen.query_one("#answers"))
        assert "Hidden until you commit your prediction" in hidden and f"{LOSS:.6g}" not in hidden
        assert panel.target is not None and panel.target.key == "ce_gradient"  # the first answer
        for _ in range(3):  # ↓ chooses another answer: gradient, squared-error gradient, ratio, loss
            await pilot.press("down")
        assert panel.target is not None and panel.target.key == "ce_loss"
        assert "▶ cross-entropy loss" in text_of(screen.query_one("#answers"))
        await pilot.press(*"2", "enter")
        assert not panel.asking and f"{LOSS:.6g}" in text_of(screen.query_one("#answers"))
        shown = text_of(screen.query_one("#prediction-result"))
        assert f"Your prediction for cross-entropy loss: 2 · computed: {LOSS:.6g}" in shown
        share = (LOSS - 2) / LOSS * 100
        assert f"too low by {share:.2g}%" in shown and "suggested rating" not in shown
        (saved,) = collection.store.predictions()
        assert (saved.card_id, saved.review_id, saved.sim, saved.answer) == (
            None,
            None,
            "cross-entropy",
            "ce_loss",
        )
        assert saved.predicted == 2.0 and abs(saved.expected - LOSS) < 1e-12 and not saved.correct
        assert saved.params["logit"] == -2.0 and saved.params["target"] == 1


async def test_escape_gives_up_the_prediction_and_keeps_the_screen(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await open_cross_entropy(app, pilot)
        await pilot.press("e", "1", "escape")
        assert app.screen is screen and not screen.query_one(PredictionPanel).asking
        assert f"{LOSS:.6g}" in text_of(screen.query_one("#answers"))
        assert collection.store.predictions() == []
        await pilot.press("escape")
        assert app.screen is not screen


async def test_settings_switch_predictions_off_for_one_deck(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(110, 50)) as pilot:
        await pilot.press("o")
        deck_switch = app.screen.query_one("#predict--deep-learning", Switch)
        assert deck_switch.value is True and collection.store.stored_settings() == {}
        deck_switch.value = False
        await pilot.pause()
        assert collection.store.stored_settings() == {"deck:deep-learning:predict": False}
        assert "Deep Learning" in text_of(app.screen.query_one("#settings-status"))
        global_switch = app.screen.query_one("#predict", Switch)
        global_switch.value = False
        await pilot.pause()
        assert collection.settings().predict is False
        assert deck_switch.value is False  # its own value stays


async def test_stats_shows_how_often_predictions_were_within_tolerance(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(130, 40)) as pilot:
        screen = await open_cross_entropy(app, pilot)
        for typed in ("2.13", "3"):
            await pilot.press("e")
            for _ in range(3):
                await pilot.press("down")
            await pilot.press(*typed, "enter")
        assert [p.correct for p in collection.store.predictions()] == [True, False]
        await pilot.press("escape", "t")
        view = app.screen.query_one(CalibrationView)
        await wait_until(pilot, lambda: "prediction" in text_of(view))
        assert "2 predictions, 1 within tolerance (50%)" in text_of(view)
        assert screen is not app.screen
