"""The Quiz screen: multiple-choice, typed, short and numeric answers, feedback, the checklist of key ideas
when the judge is unsure, "I was right", the simulation of a numeric question, the summary, retrying the
missed ones, and the attempts in the store; option keys that never collide with action keys, true or false
by t/f, a/b or 1/2, and unreadable numbers (``²``, 5,000 digits) asked again."""

from __future__ import annotations

from typing import Any

import pytest
from textual import events
from textual.widgets import Input

import sim
from studyapp.collection import Collection
from studyapp.math import plain_text
from studyapp.quiz import build_quiz
from studyapp.quiz.generators import typed_question
from studyapp.quiz.questions import Question, QuestionKind
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.home import HomeScreen
from studyapp.tui.screens.quiz import ANSWER_KEYS, IdeaList, QuizScreen
from studyapp.tui.screens.simulation import SimulationScreen

from .conftest import START, text_of, wait_until

SEED = 5


async def open_quiz(app: StudyApp, pilot: Any, **options: Any) -> QuizScreen:
    """Push a Quiz screen (seed ``SEED`` unless given) and wait until its questions are ready."""
    app.push_screen(QuizScreen(**({"seed": SEED} | options)))
    screen = app.screen
    assert isinstance(screen, QuizScreen)
    await wait_until(pilot, lambda: screen.run is not None)
    return screen


def keys_for(question: Question) -> list[str]:
    """The keys that answer ``question`` right (a typed answer is pasted by ``answer_right``)."""
    if question.kind == QuestionKind.CHOICE:
        return ["abcd"[question.solution[0]]]
    if question.kind == QuestionKind.TRUE_FALSE:
        return ["t" if question.solution[0] == 0 else "f"]
    if question.kind == QuestionKind.ORDERING:
        return [*"".join(map(str, question.solution)), "enter"]
    if question.kind == QuestionKind.NUMERIC:
        return [*f"{question.value:.6g}", "enter"]
    return ["enter"]


async def answer_right(pilot: Any, screen: QuizScreen, question: Question) -> None:
    """Answer right: keys for choices, orders and numbers; a written answer is pasted into the input."""
    if question.kind.written:
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
        assert {QuestionKind.CHOICE, QuestionKind.TYPED, QuestionKind.NUMERIC} <= {q.kind for q in questions}
        done: set[str] = set()
        for question in questions:
            assert screen.run.current == question
            shown = plain_text(question.prompt).splitlines()[0]  # formulas as Unicode
            assert shown in text_of(screen.query_one("#quiz-question"))
            if question.kind == QuestionKind.CHOICE and QuestionKind.CHOICE not in done:
                await pilot.press(*keys_for(question))
                assert feedback(screen).startswith("Right.")
                assert f"From card {question.card_id}" in feedback(screen)
            elif question.kind == QuestionKind.TYPED and QuestionKind.TYPED not in done:
                assert question.rubric is not None
                await pilot.press(*"my own words", "enter")
                assert screen.state == "rubric" and feedback(screen).startswith(
                    "Not sure from the words alone."
                )
                await pilot.press(*(str(n) for n in range(1, len(question.rubric.ideas) + 1)), "enter")
                assert screen.state == "answered" and feedback(screen).startswith("Right. Your answer covers")
                assert f"A model answer: {question.expected}" in feedback(screen)
                await pilot.press("r")  # the learner graded it: nothing to overrule
                assert feedback(screen).startswith("Right.")
            elif question.kind == QuestionKind.NUMERIC and QuestionKind.NUMERIC not in done:
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
        typed = next(a for a in recorded if a.kind == QuestionKind.TYPED)
        assert typed.correct and typed.params["self_graded"] is True and typed.given == "my own words"
        assert typed.params["verdict"] == "unsure" and typed.params["ideas_covered"]
        wrong = [a for a in recorded if not a.correct]
        assert len(wrong) == 1 and wrong[0].kind == QuestionKind.NUMERIC
        await pilot.press("m")
        assert (
            screen.state == "asking"
            and screen.run.questions == [q for q in questions if q.kind == QuestionKind.NUMERIC][:1]
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
        assert 0 <= screen.seed < 2**31 and screen.state == "asking"


async def test_unreadable_keys_and_answers_are_asked_again(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        app.push_screen(QuizScreen(seed=3, count=2, kinds=(QuestionKind.NUMERIC, QuestionKind.TRUE_FALSE)))
        screen = app.screen
        assert isinstance(screen, QuizScreen)
        await wait_until(pilot, lambda: screen.run is not None)
        assert screen.run is not None
        for question in screen.run.questions:
            if question.kind == QuestionKind.NUMERIC:
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
        app.push_screen(QuizScreen(seed=1, count=1, kinds=(QuestionKind.CHOICE,)))
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


# -- option keys and action keys -------------------------------------------------------------------


async def test_option_keys_choose_options_and_never_trigger_an_action(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_quiz(app, pilot, count=2, kinds=(QuestionKind.CHOICE,))
        assert screen.run is not None
        actions = {
            key: active.binding.action
            for key, active in screen.active_bindings.items()
            if not active.binding.action.startswith("press(")
        }
        assert not set(actions) & set(ANSWER_KEYS), actions
        first, second = screen.run.questions
        options = text_of(screen.query_one("#quiz-options")).splitlines()
        assert [line.strip()[:3] for line in options] == ["a) ", "b) ", "c) ", "d) "]
        assert first.options[1] in options[1]
        assert "Press 1-4 or a-d to answer" in text_of(screen.query_one("#quiz-hint"))
        await pilot.press("b")
        assert app.screen is screen and screen.state == "answered"
        assert screen.run.pending is not None
        assert screen.run.pending.grade.given == f"b) {first.options[1]}"
        await pilot.press("enter")
        assert screen.run.current == second
        await pilot.press("2")  # the number of option b
        assert screen.run.pending is not None
        assert screen.run.pending.grade.given == f"b) {second.options[1]}"
        await pilot.press("enter")
        assert screen.state == "summary"
        given = [attempt.given for attempt in collection.store.iter_quiz_attempts()]
        assert given == [f"b) {first.options[1]}", f"b) {second.options[1]}"]
        assert list(collection.store.iter_reviews()) == []  # nothing was rated, buried or suspended


async def test_true_or_false_shows_the_keys_that_answer_it(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_quiz(app, pilot, count=1, kinds=(QuestionKind.TRUE_FALSE,))
        assert screen.run is not None
        question = screen.run.questions[0]
        options = text_of(screen.query_one("#quiz-options")).splitlines()
        assert [line.strip() for line in options] == ["t) True", "f) False"]
        assert "Press t (true) or f (false); 1/2 or a/b work too" in text_of(screen.query_one("#quiz-hint"))
        await pilot.press("b")
        assert screen.run.pending is not None
        assert screen.run.pending.grade.given == "False"
        assert screen.run.pending.grade.correct is (question.solution[0] == 1)


@pytest.mark.parametrize(("true_key", "false_key"), [("t", "f"), ("a", "b"), ("1", "2")])
async def test_true_or_false_takes_t_f_a_b_and_1_2(app: StudyApp, true_key: str, false_key: str) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_quiz(app, pilot, count=1, kinds=(QuestionKind.TRUE_FALSE,))
        assert screen.run is not None
        question = screen.run.questions[0]
        await pilot.press(true_key if question.solution[0] == 0 else false_key)
        assert screen.state == "answered" and feedback(screen).startswith("Right.")


# -- answers in the learner's own words ------------------------------------------------------------


def typed(collection: Collection, card_id: str) -> Question:
    return typed_question(next(card for card in collection.library.cards if card.id == card_id), 1)


async def test_the_checklist_when_the_judge_is_unsure(app: StudyApp, collection: Collection) -> None:
    question = typed(collection, "backpropagation")
    assert question.rubric is not None
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_quiz(app, pilot, questions=[question])
        await pilot.press(*"it uses the chain rule going backwards through the network", "enter")
        assert screen.state == "rubric"
        ideas = screen.query_one("#quiz-ideas", IdeaList)
        assert ideas.display and ideas.has_focus and ideas.option_count == len(question.rubric.ideas)
        assert ideas.selected == [1]  # the judge recognised the chain rule backwards
        assert "Space or 1-2 ticks or unticks an idea · Enter: done" in text_of(
            screen.query_one("#quiz-hint")
        )
        assert not screen.check_action("override", ()) and not screen.check_action("simulate", ())
        await pilot.press("2")  # untick
        assert ideas.selected == []
        await pilot.press("space")  # the highlighted idea, the first
        await pilot.press("2")
        assert sorted(ideas.selected) == [0, 1]
        await pilot.press("enter")
        assert screen.state == "answered" and not ideas.display
        shown = feedback(screen)
        assert shown.startswith("Right. Your answer covers all 2 key ideas.")
        assert "Correction: This answer describes the whole training loop." in shown
        await pilot.press("enter")
        assert screen.state == "summary"
        (attempt,) = collection.store.iter_quiz_attempts()
        assert attempt.correct and attempt.params["ideas_covered"] == [1, 2]


async def test_an_incomplete_checklist_is_not_yet_right(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_quiz(app, pilot, questions=[typed(collection, "backpropagation")])
        await pilot.press(*"the chain rule backwards", "enter", "enter")
        assert screen.state == "answered" and feedback(screen).startswith(
            "Not yet. Your answer covers 1 of 2"
        )
        await pilot.press("escape")
        (attempt,) = collection.store.iter_quiz_attempts()
        assert not attempt.correct and attempt.params["self_graded"] is True


async def test_a_confident_verdict_is_shown_with_its_reason(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_quiz(app, pilot, questions=[typed(collection, "gradient")])
        await pilot.press(*"the direction of steepest descent", "enter")
        assert screen.state == "answered" and not screen.query_one("#quiz-ideas", IdeaList).display
        assert feedback(screen).startswith("Wrong. That is −∇f: the gradient itself points uphill")
        assert "r: I was right" in text_of(screen.query_one("#quiz-hint"))
        await pilot.press("r")
        assert feedback(screen).startswith("Counted as right")


async def test_escape_during_the_checklist_keeps_the_recognised_ideas(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_quiz(app, pilot, questions=[typed(collection, "backpropagation")])
        await pilot.press(*"the chain rule backwards", "enter")
        assert screen.state == "rubric"
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        (attempt,) = collection.store.iter_quiz_attempts()
        assert not attempt.correct and attempt.params["ideas_covered"] == [2]


# -- unreadable numbers ----------------------------------------------------------------------------

#: 5,000 digits: more than ``int`` reads (4,300) and more than a float holds.
LONG_NUMBER = "1" * 5000


@pytest.mark.parametrize("seed", [3, 4])
async def test_superscripts_and_huge_numbers_are_asked_again(
    app: StudyApp, collection: Collection, seed: int
) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_quiz(
            app, pilot, seed=seed, count=2, kinds=(QuestionKind.NUMERIC, QuestionKind.ORDERING)
        )
        assert screen.run is not None
        assert {q.kind for q in screen.run.questions} == {QuestionKind.NUMERIC, QuestionKind.ORDERING}
        field = screen.query_one("#quiz-input", Input)
        for question in screen.run.questions:
            await pilot.press("²", "enter")
            assert "'²' is not a number" in text_of(screen.query_one("#quiz-hint"))
            assert app.screen is screen and screen.state == "asking" and screen.run.pending is None
            await pilot.press("backspace")
            field.post_message(events.Paste(LONG_NUMBER))  # what a terminal sends for a paste
            await wait_until(pilot, lambda: field.value == LONG_NUMBER)
            await pilot.press("enter")
            hint = text_of(screen.query_one("#quiz-hint"))
            assert hint.startswith("'111") and "…' (5000 characters)" in hint and len(hint) < 200, hint
            assert app.screen is screen and screen.state == "asking" and screen.run.pending is None
            field.clear()
            await answer_right(pilot, screen, question)
            assert feedback(screen).startswith("Right.")
            await pilot.press("enter")
        assert screen.state == "summary"
        assert [a.correct for a in collection.store.iter_quiz_attempts()] == [True, True]
