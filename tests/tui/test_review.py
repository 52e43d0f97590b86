"""Review: reveal, rate with interval previews, undo, bury, suspend, simulation link, summary."""

from __future__ import annotations

import sqlite3
import time

import pytest
from rich.markdown import Markdown
from textual.app import App
from textual.widgets import Static

import studyapp.store
from studyapp.collection import Collection
from studyapp.model import StudyState
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.widgets.choice_bar import ChoiceBar
from studyapp.tui.widgets.progress import SessionProgress

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
        await wait_until(pilot, lambda: "final training loss" in text_of(screen.query_one("#sim-answer")))


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
        await pilot.press("b")
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


async def test_a_locked_collection_is_reported_and_the_card_stays(
    app: StudyApp, collection: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("space")

        def locked(*args: object, **kwargs: object) -> None:
            raise sqlite3.OperationalError("database is locked")

        monkeypatch.setattr(screen.session, "rate_and_advance", locked)
        await pilot.press("3")
        assert screen.card is not None and screen.card.id == "mlp" and screen.revealed
        assert any("could not be written" in n.message for n in app._notifications)
        assert reviews(collection) == []
        monkeypatch.undo()
        await pilot.press("3")
        assert reviews(collection) == [("mlp", 3)]


async def test_a_rating_that_cannot_be_saved_is_reported_and_its_card_comes_back(
    app: StudyApp, collection: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(conn: sqlite3.Connection) -> None:
        conn.execute("ROLLBACK")
        raise sqlite3.OperationalError("database or disk is full")

    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("space", "3")
        assert reviews(collection) == [("mlp", 3)]
        monkeypatch.setattr(studyapp.store, "_commit", disk_full)
        await pilot.press("space", "4")
        await pilot.pause()
        assert any("disk is full" in n.message for n in app._notifications)
        assert screen.card is not None and screen.card.id == "why-activations" and not screen.revealed
        assert reviews(collection) == [("mlp", 3)] and len(screen.session.results) == 1
        assert screen.progress.done == 1
        monkeypatch.undo()
        await pilot.press("space", "4")
        assert reviews(collection) == [("mlp", 3), ("why-activations", 4)]


async def test_the_next_card_is_painted_only_once_the_rating_is_saved(
    app: StudyApp, collection: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next card is laid out while the rating's COMMIT runs; no frame is written before it ends."""
    events: list[str] = []
    commit, display = studyapp.store._commit, App._display

    def slow_commit(conn: sqlite3.Connection) -> None:
        time.sleep(0.2)
        commit(conn)
        events.append("saved")

    def frame(self: App[None], *args: object) -> None:
        events.append("frame")
        display(self, *args)  # type: ignore[arg-type]

    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("space")
        await pilot.pause()
        monkeypatch.setattr(studyapp.store, "_commit", slow_commit)
        monkeypatch.setattr(App, "_display", frame)
        events.clear()
        await pilot.press("3")
        await wait_until(pilot, lambda: "frame" in events)
        assert events[0] == "saved" and screen.card is not None and screen.card.id == "why-activations"
