"""Drill cards in the review: a fresh instance of the problem each review, the answer typed and graded as
the quiz grades it, the worked solution shown, the suggested rating taken or overridden, the seed stored
with the review (the history makes each instance again) and removed by undo, which shows the same
instance again. The right answers are computed here from the numbers the prompt shows."""

from __future__ import annotations

import numpy as np
from rich.console import Group
from rich.text import Text

from studyapp.collection import Collection
from studyapp.problems import history, make_drill
from studyapp.search import parse
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.widgets.choice_bar import ChoiceBar
from studyapp.tui.widgets.prediction import PredictionPanel

from .conftest import text_of

CARD = "pool-value-drill"


def pooled(prompt: str, kind: str, window: int, stride: int, row: int, col: int) -> float:
    """The pooled value the prompt asks for, from the map of numbers it shows (numpy, independently)."""
    rows = [line.split() for line in prompt.splitlines()]
    grid = np.array([[float(v) for v in row] for row in rows if row and all(v.isdigit() for v in row)])
    if kind.startswith("global"):
        window_values = grid
    else:
        window_values = grid[row * stride : row * stride + window, col * stride : col * stride + window]
    return float(window_values.max() if kind.endswith("max") else window_values.mean())


def right_answer(screen: ReviewScreen) -> str:
    assert screen.drill is not None
    params = screen.drill.question.params
    value = pooled(
        screen.question.text.plain,
        params["kind"],
        params["window"],
        params["stride"],
        params["row"],
        params["col"],
    )
    return str(int(value)) if value.is_integer() else f"{value:.6f}"


def drills(collection: Collection) -> list[tuple[int, int, str, int | None]]:
    rows = collection.store.conn.execute(
        "SELECT review_id, seed, given, correct FROM drill_answers ORDER BY review_id"
    ).fetchall()
    return [tuple(row) for row in rows]


async def test_drill_instances_are_fresh_graded_stored_and_undone(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(110, 44)) as pilot:
        app.push_screen(ReviewScreen(search=parse(f'"{CARD}"')))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.card is not None and screen.card.id == CARD
        first = screen.drill
        assert first is not None and screen.question.text.plain == first.prompt
        panel = screen.query_one(PredictionPanel)
        assert panel.asking and "A pooled value" in text_of(screen.query_one("#prediction-prompt"))
        assert "Work it out" in screen.query_one(ChoiceBar).text
        answer = right_answer(screen)
        await pilot.press(*answer, "enter")
        assert screen.revealed
        assert "✓ right · suggested rating: Good" in text_of(screen.query_one("#prediction-result"))
        shown = screen.answer.content  # the worked solution, then the card's details
        assert isinstance(shown, Group) and isinstance(shown.renderables[0], Text)
        solution = shown.renderables[0].plain
        assert "Worked solution:" in solution and f"Answer: {first.question.expected}" in solution
        await pilot.press("enter")  # the suggested Good
        (one,) = drills(collection)
        assert one[1:] == (first.seed, answer, 1)

        second = screen.drill  # back at once (learning ahead): a fresh instance
        assert second is not None and screen.card is not None and screen.card.id == CARD
        assert second.seed != first.seed and second.prompt != first.prompt
        await pilot.press("enter")  # nothing typed: the solution, no suggestion
        assert screen.revealed and "suggested" not in screen.query_one(ChoiceBar).text
        await pilot.press("1")
        assert [row[1:] for row in drills(collection)] == [(first.seed, answer, 1), (second.seed, "", None)]
        replayed = [(d.seed, d.prompt) for _review, d, _answer in history(collection, CARD)]
        assert replayed == [(first.seed, first.prompt), (second.seed, second.prompt)]

        third = screen.drill
        assert third is not None and third.seed not in (first.seed, second.seed)
        await pilot.press("ctrl+z")  # undo the Again: its seed goes with the review
        assert [row[1] for row in drills(collection)] == [first.seed]
        assert screen.drill is not None and screen.drill.seed == second.seed  # the same instance again
        assert screen.question.text.plain == make_drill("pool-value", second.seed).prompt


async def test_a_wrong_drill_answer_is_diagnosed_and_suggests_again(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(110, 44)) as pilot:
        app.push_screen(ReviewScreen(search=parse(f'"{CARD}"')))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        wrong = float(right_answer(screen)) + 100  # far above any pooled digit
        await pilot.press(*f"{wrong:g}", "enter")
        result = text_of(screen.query_one("#prediction-result"))
        assert "✗ not right: too high by" in result and "suggested rating: Again" in result
        await pilot.press("3")  # the learner overrides
        assert [int(r.rating) for r in collection.store.iter_reviews()] == [3]
        assert [row[2:] for row in drills(collection)] == [(f"{wrong:g}", 0)]
