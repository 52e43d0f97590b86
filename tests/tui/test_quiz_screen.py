"""The Quiz screen: multiple-choice, typed and numeric answers, feedback, "I was right", the simulation
of a numeric question, the summary, retrying the missed ones, and the attempts in the store."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

import sim
from studyapp.collection import Collection
from studyapp.quiz import build_quiz
from studyapp.quiz.questions import CHOICE, NUMERIC, ORDERING, TRUE_FALSE, TYPED, Question
from studyapp.tui.app import StudyApp
from studyapp.tui.screens import quiz as quiz_screen
from studyapp.tui.screens.home import HomeScreen
from studyapp.tui.screens.quiz import QuizScreen
from studyapp.tui.screens.simulation import SimulationScreen

from .conftest import START, text_of, wait_until

SEED = 5


@pytest.fixture(autouse=True)
def fixed_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quiz_screen, "new_seed", lambda: SEED)


async def open_quiz(app: StudyApp, pilot: Any) -> QuizScreen:
    app.action_quiz()
    screen = app.screen
    assert isinstance(screen, QuizScreen)
    await wait_until(pilot, lambda: screen.run is not None)
    return screen


def keys_for(question: Question) -> list[str]:
    """The keys that answer ``question`` right (a typed answer is pasted by ``answer_right``)."""
    if question.kind == CHOICE:
        return ["abcd"[question.solution[0]]]
    if question.kind == TRUE_FALSE:
        return ["t" if question.solution[0] == 0 else "f"]
    if question.kind == ORDERING:
        return [*"".join(map(str, question.solution)), "enter"]
    if question.kind == NUMERIC:
        return [*f"{question.value:.6g}", "enter"]
    return ["enter"]


async def answer_right(pilot: Any, screen: QuizScreen, question: Question) -> None:
    """Answer right: keys for choices, orders and numbers; a typed answer is pasted into the input."""
    if question.kind == TYPED:
        screen.query_one("#quiz-input", Input).insert_text_at_cursor(question.reference)
    await pilot.press(*keys_for(question))


def feedback(screen: QuizScreen) -> str:
    return text_of(screen.query_one("#quiz-feedback"))


async def test_a_whole_quiz(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_quiz(app, pilot)
        assert screen.run is not None
        questions = screen.run.questions
        assert questions == build_quiz(collection.library.cards, 10, SEED)
        assert {CHOICE, TYPED, NUMERIC} <= {q.kind for q in questions}
        done: set[str] = set()
        for question in questions:
            assert screen.run.current == question
            assert question.prompt.splitlines()[0] in text_of(screen.query_one("#quiz-question"))
            if question.kind == CHOICE and CHOICE not in done:
                await pilot.press(*keys_for(question))
                assert feedback(screen).startswith("Right.")
                assert f"From card {question.card_id}" in feedback(screen)
            elif question.kind == TYPED and TYPED not in done:
                await pilot.press(*"my own words", "enter")
                assert feedback(screen).startswith("Wrong. Missing:")
                assert f"Expected: {question.expected}" in feedback(screen)
                await pilot.press("r")
                assert feedback(screen).startswith("Counted as right")
            elif question.kind == NUMERIC and NUMERIC not in done:
                await answer_numeric_with_a_mistake(app, pilot, screen, question)
            else:
                await answer_right(pilot, screen, question)
                assert feedback(screen).startswith("Right.")
            done.add(question.kind)
            await pilot.press("enter")
        assert screen.state == "summary"
        summary = text_of(screen.query_one("#quiz-question"))
        assert "Quiz complete" in summary and "Score: 9/10 (90%)" in summary and "By tag:" in summary
        recorded = list(collection.store.iter_quiz_attempts())
        assert [(a.kind, a.card_id, a.seed) for a in recorded] == [
            (q.kind, q.card_id, q.seed) for q in questions
        ]
        assert all(a.at == START for a in recorded)
        typed = next(a for a in recorded if a.kind == TYPED)
        assert typed.correct and typed.params["overridden"] is True and typed.given == "my own words"
        wrong = [a for a in recorded if not a.correct]
        assert len(wrong) == 1 and wrong[0].kind == NUMERIC
        await pilot.press("m")
        assert (
            screen.state == "asking"
            and screen.run.questions == [q for q in questions if q.kind == NUMERIC][:1]
        )
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def answer_numeric_with_a_mistake(
    app: StudyApp, pilot: Any, screen: QuizScreen, question: Question
) -> None:
    """Answer with a known mistake (or just a wrong number), then open the question's simulation."""
    assert question.value is not None and question.sim is not None
    name, value = question.mistakes[0] if question.mistakes else ("", question.value + 1000.0)
    await pilot.press(*f"{value:.6g}", "enter")
    shown = feedback(screen)
    assert shown.startswith("Wrong.") and f"Expected: {question.expected}" in shown
    if name:
        assert f"It looks like you {name}" in shown
    await pilot.press("r")  # only a typed answer can be overridden
    assert feedback(screen).startswith("Wrong.")
    await pilot.press("s")
    simulation = app.screen
    assert isinstance(simulation, SimulationScreen)
    assert simulation.spec.name == question.sim and simulation.seed == question.sim_seed
    assert simulation.values == sim.spec(question.sim).resolve(question.sim_params)
    await wait_until(pilot, lambda: simulation.result is not None)
    await pilot.press("escape")
    assert app.screen is screen


async def test_home_key_opens_the_quiz(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("z")
        screen = app.screen
        assert isinstance(screen, QuizScreen)
        await wait_until(pilot, lambda: screen.run is not None)
        assert screen.seed == SEED and screen.state == "asking"


async def test_unreadable_keys_and_answers_are_asked_again(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        app.push_screen(QuizScreen(seed=3, count=2, kinds=(NUMERIC, TRUE_FALSE)))
        screen = app.screen
        assert isinstance(screen, QuizScreen)
        await wait_until(pilot, lambda: screen.run is not None)
        assert screen.run is not None
        for question in screen.run.questions:
            if question.kind == NUMERIC:
                await pilot.press(*"five", "enter")
                assert "is not a number" in text_of(screen.query_one("#quiz-hint"))
                await pilot.press(*["backspace"] * 4)
            else:
                await pilot.press("3")
                assert "type t (true) or f (false)" in text_of(screen.query_one("#quiz-hint"))
            assert screen.state == "asking"
            await answer_right(pilot, screen, question)
            assert feedback(screen).startswith("Right.")
            await pilot.press("enter")
        assert len(list(collection.store.iter_quiz_attempts())) == 2


async def test_answers_rate_the_cards_when_the_setting_is_on(app: StudyApp, collection: Collection) -> None:
    collection.store.set_setting("quiz_updates_schedule", True)
    async with app.run_test(size=(100, 32)) as pilot:
        app.push_screen(QuizScreen(seed=1, count=1, kinds=(CHOICE,)))
        screen = app.screen
        assert isinstance(screen, QuizScreen)
        await wait_until(pilot, lambda: screen.run is not None)
        assert screen.run is not None
        question = screen.run.questions[0]
        await pilot.press(*keys_for(question), "enter")
        (review,) = collection.store.iter_reviews()
        assert review.card_id == question.card_id and review.rating == 3


async def test_a_quiz_that_cannot_be_built_says_why(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        app.push_screen(QuizScreen(tag="no-such-tag"))
        screen = app.screen
        assert isinstance(screen, QuizScreen)
        await wait_until(pilot, lambda: screen.state == "failed")
        assert "no card has the tag 'no-such-tag'" in text_of(screen.query_one("#quiz-question"))
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
