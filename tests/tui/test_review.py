"""Review: reveal, rate with interval previews, undo, bury, suspend, simulation link, summary."""

from __future__ import annotations

import sqlite3

from rich.markdown import Markdown
from textual.widgets import Static

import sim
from studyapp.collection import Collection
from studyapp.model import StudyState
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.widgets.choice_bar import ChoiceBar
from studyapp.tui.widgets.keybar import KeyBar
from studyapp.tui.widgets.progress import SessionProgress
from tests.hold_lock import hold, release

from .conftest import FakeClock, text_of, wait_until


def reviews(collection: Collection) -> list[tuple[str, int]]:
    return [(r.card_id, r.rating) for r in collection.store.iter_reviews()]


async def start(app: StudyApp, pilot: object) -> ReviewScreen:
    await pilot.press("s")  # type: ignore[attr-defined]
    assert isinstance(app.screen, ReviewScreen)
    return app.screen


async def test_reveal_shows_answer_intervals_and_the_simulation_answer(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        assert screen.card is not None and screen.card.id == "mlp"
        assert "Multi-Layer Perceptron" in screen.question.text.plain
        assert not screen.query_one("#revealed").display
        await pilot.press("space")
        assert screen.revealed and screen.query_one("#revealed").display
        answer = screen.query_one("#answer", Static).content
        assert isinstance(answer, Markdown) and "universal function approximator" in answer.markup
        ratings = screen.query_one(ChoiceBar).text
        for label in ("1 Again · 1m", "2 Hard · 6m", "3 Good · 10m", "4 Easy ·"):
            assert label in ratings
        assert screen.card.headline
        label = sim.spec("mlp").answers[screen.card.headline[0]]
        await wait_until(pilot, lambda: label in text_of(screen.query_one("#sim-answer")))


async def test_ratings_are_stored_and_undo_removes_them(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("3")  # ignored until the answer is shown
        assert reviews(collection) == []
        await pilot.press("space", "3")
        assert reviews(collection) == [("mlp", 3)]
        assert screen.card is not None and screen.card.id == "why-activations"
        await pilot.press("space", "1")
        assert reviews(collection) == [("mlp", 3), ("why-activations", 1)]
        await pilot.press("u")
        assert reviews(collection) == [("mlp", 3)]
        assert collection.store.card_state("why-activations").state == StudyState.NEW
        await pilot.press("u")
        assert reviews(collection) == []
        assert screen.card is not None and screen.card.id == "mlp"


async def test_rating_keys_act_on_the_review_only_while_it_is_on_top(
    app: StudyApp, collection: Collection
) -> None:
    """1-4 and Space are priority keys of the review (ahead of the focused widget), not of screens over it."""
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("space", "question_mark")
        assert app.screen is not screen
        await pilot.press("3", "space", "enter")
        assert reviews(collection) == []
        await pilot.press("escape")
        assert app.screen is screen and screen.revealed
        await pilot.press("3")
        assert reviews(collection) == [("mlp", 3)]


async def test_bury_and_suspend_take_the_card_out(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("minus")
        assert collection.store.card_state("mlp").buried_until is not None
        assert screen.card is not None and screen.card.id == "why-activations"
        await pilot.press("exclamation_mark")
        assert collection.store.card_state("why-activations").suspended
        await pilot.press("u")
        assert not collection.store.card_state("why-activations").suspended


async def test_s_opens_the_linked_simulation_with_the_card_preset(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        await pilot.press("s")
        assert type(app.screen).__name__ == "SimulationScreen"
        assert app.screen.values["target"] == "xor"  # type: ignore[attr-defined]
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)


async def test_summary_after_the_last_card(app: StudyApp, collection: Collection, clock: FakeClock) -> None:
    collection.store.set_setting("new_per_day", 2)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        progress = screen.query_one(SessionProgress)
        assert (progress.done, progress.total) == (0, 2) and progress.render_line(0).text.endswith(" 0/2")
        await pilot.press("space", "4")
        await pilot.pause()
        assert progress.fraction == 0.5 and progress.render_line(0).text.endswith(" 1/2")
        await pilot.press("space", "4")
        assert screen.finished
        summary = screen.question.text.plain
        assert "Session complete" in summary and "Reviewed 2 cards" in summary
        assert "Easy: 2" in summary and "Next card due" in summary
        assert screen.query_one(SessionProgress).fraction == 1.0


async def test_a_multiple_choice_card_shows_its_options_and_marks_the_answer(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        while screen.card is not None and screen.card.id != "partial-derivative":
            await pilot.press("space", "4")
        assert screen.card is not None and screen.card.multiple_choice
        choices = text_of(screen.query_one("#choices"))
        assert [line.strip()[:2] for line in choices.splitlines()] == ["a)", "b)", "c)", "d)"]
        assert "✓" not in choices
        await pilot.press("space")
        marked = [line for line in text_of(screen.query_one("#choices")).splitlines() if "✓" in line]
        assert len(marked) == 1 and "keeping the others constant" in marked[0]


def reviews_on_disk(collection: Collection) -> list[tuple[str, int]]:
    """The review log as another program reading the file sees it."""
    with sqlite3.connect(f"file:{collection.store.path}?mode=ro", uri=True) as reader:
        return [tuple(row) for row in reader.execute("SELECT card_id, rating FROM reviews ORDER BY id")]


async def test_a_rating_waits_for_another_programs_lock_and_is_saved_once_it_is_free(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("space")
        holder = hold(collection.store.path)
        try:
            await pilot.press("3")
            await wait_until(pilot, lambda: screen.saving is not None)
            assert "Waiting for the collection" in screen.ratings.text
            assert screen.card is not None and screen.card.id == "mlp"
            keys = text_of(screen.query_one(KeyBar))
            assert "Give up" in keys and "Undo" not in keys
            await pilot.press("3", "u", "minus", "escape")  # nothing else happens while the rating waits
            await pilot.press("ctrl+q")  # not even quitting: giving the rating up is an explicit choice
            await pilot.pause(0.3)
            assert reviews_on_disk(collection) == [] and screen.saving is not None
            assert app.screen is screen and app.is_running
        finally:
            release(holder)
        await wait_until(pilot, lambda: screen.saving is None, timeout=10)
        assert reviews_on_disk(collection) == [("mlp", 3)]
        assert screen.card is not None and screen.card.id == "why-activations"


async def test_a_waiting_rating_is_given_up_only_by_the_learner(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("space")
        holder = hold(collection.store.path)
        try:
            await pilot.press("4")
            await wait_until(pilot, lambda: screen.saving is not None)
            await pilot.press("x")
            assert screen.saving is None and screen.revealed
            assert screen.card is not None and screen.card.id == "mlp"
        finally:
            release(holder)
        await pilot.pause(1.2)  # the worker's attempt ends without saving
        assert reviews_on_disk(collection) == []
        await pilot.press("3")
        assert reviews_on_disk(collection) == [("mlp", 3)]


async def test_a_rating_is_on_disk_before_the_next_card_is_shown(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        for expected in ([("mlp", 3)], [("mlp", 3), ("why-activations", 1)]):
            await pilot.press("space")
            shown = screen.card
            await pilot.press(str(expected[-1][1]))
            assert screen.card is not shown
            assert reviews_on_disk(collection) == expected


async def test_option_keys_pick_an_option_and_never_bury(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        while screen.card is not None and screen.card.id != "partial-derivative":
            await pilot.press("space", "4")
        assert screen.card is not None and "a–d picks an option" in screen.ratings.text
        await pilot.press("b")
        assert collection.store.card_state("partial-derivative").buried_until is None
        assert screen.revealed and screen.chosen == 1
        lines = text_of(screen.query_one("#choices")).splitlines()
        assert "(your pick)" in lines[1] and any("✓" in line for line in lines)


async def test_the_key_bar_shows_the_keys_of_each_state(app: StudyApp, collection: Collection) -> None:
    collection.store.set_setting("new_per_day", 1)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        keys = text_of(screen.query_one(KeyBar))
        assert "Show answer" in keys and "Undo" not in keys and "Give up" not in keys
        await pilot.press("space")
        keys = text_of(screen.query_one(KeyBar))
        assert "Show answer" not in keys and "Bury" in keys
        await pilot.press("4")
        assert screen.finished
        keys = text_of(screen.query_one(KeyBar))
        assert "Undo" in keys and "Bury" not in keys and "Suspend" not in keys and "Show answer" not in keys
        await pilot.press("u")
        await pilot.press("space", "4")
        assert screen.finished


async def test_cram_is_labelled_shows_no_intervals_and_writes_nothing(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        app.push_screen(ReviewScreen(cram=True))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert "Cram — nothing is saved" in text_of(screen.query_one("#cram-label"))
        before = collection.store.cards()
        await pilot.press("space")
        assert "Good" in screen.ratings.text and "·" not in screen.ratings.text
        await pilot.press("3", "minus", "exclamation_mark")
        await pilot.pause()
        assert collection.store.cards() == before and reviews_on_disk(collection) == []


async def test_a_note_follows_the_answer_marked_as_a_correction_or_clarification(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        card = screen.card
        assert card is not None and card.note and card.note_kind == "clarification"
        assert not screen.query_one("#revealed").display
        await pilot.press("space")
        note = screen.query_one("#note", Static)
        assert note.display and not note.has_class("correction")
        heading, body = note.content.renderables  # type: ignore[union-attr]
        assert str(heading) == "Clarification (added to the course notes)"
        assert isinstance(body, Markdown) and body.markup == card.note


async def test_the_headline_shows_the_answers_the_deck_names(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        card = screen.card
        assert card is not None and card.sim is not None and card.headline
        await pilot.press("space")
        await wait_until(pilot, lambda: card.id in screen.sim_answers)
        labels = sim.spec(card.sim).answers
        shown = screen.sim_answers[card.id]
        expected = [labels[key] for key in card.headline][:4]
        positions = [shown.index(label) for label in expected]
        assert positions == sorted(positions)
