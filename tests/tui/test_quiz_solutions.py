"""Worked solutions and misconceptions in the app: a numeric answer, right or wrong, shows its worked
solution; a mistake seen the second time within 14 days offers its simulation and a practice question
(``p``), asked next; the Stats screen lists the misconceptions, and a recurring one's buttons open its
simulation preset and a practice question of its kind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.widgets import Button, Static

import sim
from studyapp.collection import Collection
from studyapp.quiz import grade
from studyapp.quiz.numeric import numeric_question
from studyapp.quiz.questions import Question
from studyapp.quiz.worked import solution_lines
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.quiz import QuizScreen
from studyapp.tui.screens.simulation import SimulationScreen
from studyapp.tui.widgets.misconceptions import MisconceptionsView

from .conftest import START, text_of, wait_until

KIND = "conv-output-size"
FORGOT_THE_PLUS_ONE = "forgot the +1 in floor((n + 2p − k) / s) + 1"


def with_the_mistake(count: int) -> list[Question]:
    """Questions whose "forgot the +1" answer is diagnosed as that mistake alone."""
    found = []
    for seed in range(500):
        q = numeric_question(KIND, None, seed)
        value = dict(q.mistakes).get(FORGOT_THE_PLUS_ONE)
        if value is not None and grade(q, repr(value)).mistake == FORGOT_THE_PLUS_ONE:
            found.append(q)
            if len(found) == count:
                return found
    raise AssertionError("too few questions with the mistake")


def mistaken(q: Question) -> str:
    return f"{dict(q.mistakes)[FORGOT_THE_PLUS_ONE]:.6g}"


def feedback(screen: QuizScreen) -> str:
    return text_of(screen.query_one("#quiz-feedback"))


async def open_quiz(app: StudyApp, pilot: Any, questions: list[Question]) -> QuizScreen:
    app.push_screen(QuizScreen(seed=1, questions=questions))
    screen = app.screen
    assert isinstance(screen, QuizScreen)
    await wait_until(pilot, lambda: screen.run is not None)
    return screen


def record(collection: Collection, q: Question, days_ago: float) -> None:
    """An attempt at ``q`` answered with "forgot the +1", ``days_ago`` days before the app's clock."""
    collection.store.add_quiz_attempt(
        at=START - timedelta(days=days_ago),
        kind=q.kind.value,
        question=q.prompt,
        given=mistaken(q),
        expected=q.expected,
        correct=False,
        seed=q.seed,
        params=q.record(),
        diagnosis=FORGOT_THE_PLUS_ONE,
    )


async def test_a_numeric_answer_shows_its_worked_solution(app: StudyApp) -> None:
    right, wrong = with_the_mistake(2)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_quiz(app, pilot, [right, wrong])
        await pilot.press(*f"{right.value:.6g}", "enter")
        shown = feedback(screen)
        assert shown.startswith("Right.")
        assert "\n".join(solution_lines(right.worked)) in shown
        assert shown.count("Worked solution:") == 1
        await pilot.press("enter", *mistaken(wrong), "enter")
        shown = feedback(screen)
        assert shown.startswith(f"Wrong. It looks like you {FORGOT_THE_PLUS_ONE}.")
        assert "\n".join(solution_lines(wrong.worked)) in shown
        assert "This mistake again" not in shown  # the first time


async def test_the_second_time_offers_practice_next_and_the_simulation(
    app: StudyApp, collection: Collection
) -> None:
    earlier, now = with_the_mistake(2)
    record(collection, earlier, days_ago=13)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_quiz(app, pilot, [now])
        assert screen.run is not None
        await pilot.press(*mistaken(now), "enter")
        shown = feedback(screen)
        assert f"This mistake again: 2 times in the last 14 days ({FORGOT_THE_PLUS_ONE})." in shown
        assert "p asks one like it" in shown
        assert "p: practise this kind" in text_of(screen.query_one("#quiz-hint"))
        await pilot.press("s")
        simulation = app.screen
        assert isinstance(simulation, SimulationScreen)
        assert simulation.values == sim.spec("convolution").resolve(now.sim_params)
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("p")
        assert len(screen.run.questions) == 2 and "a practice question like it comes next" in feedback(screen)
        assert "p: practise" not in text_of(screen.query_one("#quiz-hint"))
        await pilot.press("enter")
        practice = screen.run.current
        assert practice is not None and practice.practice and practice.form == f"numeric:{KIND}"
        assert screen.state == "asking" and "question 2/2" in text_of(screen.query_one("#quiz-header"))
        await pilot.press(*f"{practice.value:.6g}", "enter", "enter")
        assert screen.state == "summary"
    attempts = list(collection.store.iter_quiz_attempts())
    assert [a.diagnosis for a in attempts] == [FORGOT_THE_PLUS_ONE, FORGOT_THE_PLUS_ONE, None]
    assert attempts[-1].params["practice"] is True


async def test_a_mistake_first_made_over_14_days_ago_offers_nothing(
    app: StudyApp, collection: Collection
) -> None:
    earlier, now = with_the_mistake(2)
    record(collection, earlier, days_ago=14.5)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await open_quiz(app, pilot, [now])
        await pilot.press(*mistaken(now), "enter")
        assert "This mistake again" not in feedback(screen)
        await pilot.press("p")
        assert screen.run is not None and len(screen.run.questions) == 1


def offer_buttons(view: MisconceptionsView) -> list[Button]:
    return list(view.query(Button))


async def test_stats_lists_misconceptions_and_offers_the_recurring_ones(
    app: StudyApp, collection: Collection
) -> None:
    first, second, old = with_the_mistake(3)
    record(collection, first, days_ago=3)
    record(collection, second, days_ago=1)
    collection.store.add_quiz_attempt(
        at=START - timedelta(days=20),
        kind="numeric",
        question=old.prompt,
        given="1",
        expected=old.expected,
        correct=False,
        params={**old.record(), "form": "numeric:pool-value"},
        diagnosis="moved the window by 1 (ignored the stride)",
    )
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("t")
        view = app.screen.query_one(MisconceptionsView)
        await wait_until(pilot, lambda: len(offer_buttons(view)) == 2)
        lines = [
            text_of(widget) for widget in view.query(Static).results() if "misconception" in widget.classes
        ]
        assert lines == [
            f"2×  {FORGOT_THE_PLUS_ONE} · {KIND} · last 2026-11-24",
            "1×  moved the window by 1 (ignored the stride) · pool-value · last 2026-11-05",
        ]
        simulation_button, practise_button = offer_buttons(view)
        assert str(simulation_button.label) == "Simulation: convolution"
        assert str(practise_button.label) == f"Practise {KIND}"
        simulation_button.focus()
        await pilot.press("enter")
        simulation = app.screen
        assert isinstance(simulation, SimulationScreen)
        assert simulation.values == sim.spec("convolution").resolve(second.sim_params)
        assert simulation.seed == second.sim_seed
        await pilot.press("escape")
        practise_button = offer_buttons(app.screen.query_one(MisconceptionsView))[1]
        practise_button.focus()
        await pilot.press("enter")
        quiz = app.screen
        assert isinstance(quiz, QuizScreen)
        await wait_until(pilot, lambda: quiz.run is not None)
        assert quiz.run is not None
        (practice,) = quiz.run.questions
        assert practice.practice and practice.form == f"numeric:{KIND}"
        record(collection, first, days_ago=0.5)  # meanwhile, the same mistake once more
        await pilot.press(*f"{practice.value:.6g}", "enter", "escape")
        view = app.screen.query_one(MisconceptionsView)
        await wait_until(pilot, lambda: view.found[0].count == 3)  # read again on coming back
        assert text_of(view.query(".misconception").first()).startswith(f"3×  {FORGOT_THE_PLUS_ONE}")


async def test_stats_without_misconceptions_says_so(app: StudyApp) -> None:
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("t")
        view = app.screen.query_one(MisconceptionsView)
        await wait_until(pilot, lambda: bool(list(view.query(".misconception"))))
        assert "none yet" in text_of(view.query_one(".misconception"))
        assert not offer_buttons(view)
