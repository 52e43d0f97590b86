"""Predict, then run, in the review: the prediction line before the answer, graded against the number the
simulation computes (in the worker process), shown next to it with a diagnosis, a suggested rating that
Enter takes and 1–4 override, saved with the rating and removed by undo; a deck may switch it off."""

from __future__ import annotations

import math

from textual.widgets import Input

from studyapp.collection import Collection
from studyapp.predict import KNOWN_MISTAKE
from studyapp.search import parse
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.widgets.choice_bar import ChoiceBar
from studyapp.tui.widgets.prediction import PredictionPanel

from .conftest import text_of, wait_until

#: The bundled "loss-function" card: the cross-entropy simulation at the logit −2 for the true class 1.
CARD = "loss-function"
LOSS = math.log1p(math.exp(2.0))  # −log σ(−2), in closed form


async def open_card(app: StudyApp, pilot: object, card_id: str = CARD) -> ReviewScreen:
    app.push_screen(ReviewScreen(search=parse(f'"{card_id}"')))
    await pilot.pause()  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, ReviewScreen) and screen.card is not None and screen.card.id == card_id
    return screen


async def prediction_line(pilot: object, screen: ReviewScreen) -> Input:
    """The prediction line, once the worker has computed the card's numbers."""
    panel = screen.query_one(PredictionPanel)
    await wait_until(pilot, lambda: panel.asking)
    line = panel.query_one("#prediction-input", Input)
    assert line.display and not line.has_focus  # the review's keys work until a prediction starts
    return line


def result_text(screen: ReviewScreen) -> str:
    return text_of(screen.query_one("#prediction-result"))


async def test_a_prediction_within_tolerance_suggests_good_and_is_saved_with_the_rating(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_card(app, pilot)
        line = await prediction_line(pilot, screen)
        prompt = text_of(screen.query_one("#prediction-prompt"))
        assert "Predict cross-entropy loss" in prompt and "to 3 significant figures" in prompt
        assert "cross-entropy with logit = -2.0, target = 1" in prompt  # the run it is about
        assert not screen.revealed and "p predicts the simulated number" in screen.query_one(ChoiceBar).text
        await pilot.press("p", *"2.13")  # p starts the prediction; digits and the dot go to its line
        assert line.value == "2.13" and line.has_focus and not screen.revealed
        assert "Type your prediction" in screen.query_one(ChoiceBar).text
        await pilot.press("enter")
        assert screen.revealed
        shown = result_text(screen)
        assert f"Your prediction for cross-entropy loss: 2.13 · computed: {LOSS:.6g}" in shown
        assert "within tolerance" in shown and "suggested rating: Good" in shown
        assert "Good" in screen.query_one(ChoiceBar).text and "suggested" in screen.query_one(ChoiceBar).text
        await pilot.press("enter")  # takes the suggested rating
        (review,) = list(collection.store.iter_reviews())
        assert (review.card_id, int(review.rating)) == (CARD, 3)
        (saved,) = collection.store.predictions()
        assert (saved.card_id, saved.review_id, saved.answer, saved.given) == (
            CARD,
            review.id,
            "ce_loss",
            "2.13",
        )
        assert saved.correct and abs(saved.expected - LOSS) < 1e-12 and saved.params["logit"] == -2.0


async def test_a_known_mistake_is_named_the_rating_may_be_overridden_and_undo_removes_it(
    app: StudyApp, collection: Collection
) -> None:
    p = 1 / (1 + math.exp(2.0))
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_card(app, pilot)
        await prediction_line(pilot, screen)
        await pilot.press("p", *f"{-math.log10(p):.4f}", "enter")
        shown = result_text(screen)
        assert f"{KNOWN_MISTAKE}used log base 10" in shown and "suggested rating: Again" in shown
        await pilot.press("2")  # Hard instead of the suggested Again
        (review,) = list(collection.store.iter_reviews())
        assert int(review.rating) == 2
        (saved,) = collection.store.predictions()
        assert not saved.correct and saved.diagnosis == f"{KNOWN_MISTAKE}used log base 10"
        await pilot.press("ctrl+z")  # the card is back at once (learning ahead), typing: ctrl+z undoes
        assert list(collection.store.iter_reviews()) == [] and collection.store.predictions() == []
        await prediction_line(pilot, screen)  # the card is back, asking again


async def test_space_still_shows_the_answer_and_the_keys_stay_the_reviews(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_card(app, pilot)
        await prediction_line(pilot, screen)
        assert "Predict" in text_of(screen.keybar)
        await pilot.press("space")  # no prediction: the answer, as without one
        assert screen.revealed and result_text(screen) == ""
        await pilot.press("3")
        assert len(list(collection.store.iter_reviews())) == 1 and collection.store.predictions() == []


async def test_an_unreadable_prediction_is_said_and_an_empty_line_skips_it(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_card(app, pilot)
        line = await prediction_line(pilot, screen)
        await pilot.press("p", *"two", "enter")  # p starts an empty prediction
        assert not screen.revealed and "'two' is not a number" in result_text(screen)
        line.value = ""
        await pilot.press("enter")
        assert screen.revealed and result_text(screen) == ""
        assert "suggested" not in screen.query_one(ChoiceBar).text
        await pilot.press("3")
        assert len(list(collection.store.iter_reviews())) == 1 and collection.store.predictions() == []


async def test_a_deck_with_predictions_switched_off_asks_none(app: StudyApp, collection: Collection) -> None:
    collection.set_setting("deck:deep-learning:predict", False)
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_card(app, pilot)
        await pilot.pause(0.5)
        assert not screen.query_one(PredictionPanel).asking and not screen.query_one(PredictionPanel).display
        await pilot.press("space")
        assert screen.revealed
