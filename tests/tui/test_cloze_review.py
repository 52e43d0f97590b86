"""Cloze cards in the review: the blank highlighted, the answer typed on its own line, graded, a
suggested rating that Enter takes and 1–4 override; formulas drawn as Unicode text."""

from __future__ import annotations

from rich.console import Group
from rich.style import Style
from rich.text import Text
from textual.widgets import Input, Static

from studyapp.collection import Collection
from studyapp.search import parse
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.browse import BrowseScreen
from studyapp.tui.screens.card_view import CardView
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.widgets.card_table import CardTable
from studyapp.tui.widgets.card_text import HIGHLIGHT
from studyapp.tui.widgets.choice_bar import ChoiceBar
from studyapp.tui.widgets.keybar import KeyBar

from .conftest import text_of


def reviews(collection: Collection) -> list[tuple[str, int]]:
    return [(r.card_id, int(r.rating)) for r in collection.store.iter_reviews()]


async def open_review(app: StudyApp, pilot: object, query: str) -> ReviewScreen:
    app.push_screen(ReviewScreen(search=parse(query)))
    await pilot.pause()  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, ReviewScreen)
    return screen


def highlighted(text: Text) -> list[str]:
    """The parts of ``text`` in the highlight style."""
    return [
        text.plain[span.start : span.end] for span in text.spans if Style.parse(str(span.style)) == HIGHLIGHT
    ]


def revealed_text(screen: ReviewScreen) -> tuple[Text, list[Text]]:
    """The revealed cloze text and the renderables after it."""
    content = screen.answer.content
    assert isinstance(content, Group)
    first, *rest = content.renderables
    assert isinstance(first, Text)
    return first, [item for item in rest if isinstance(item, Text)]


async def test_a_right_typed_answer_suggests_good_and_enter_takes_it(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await open_review(app, pilot, '"sigmoid-derivative::c1"')
        assert screen.card is not None and screen.card.id == "sigmoid-derivative::c1"
        question = screen.question.text
        assert (
            question.plain
            == "The derivative of the sigmoid is σ′(x) = […]; its largest value, at x = 0, is 1/4."
        )
        assert highlighted(question) == ["[…]"]
        answer_line = screen.query_one("#cloze-answer", Input)
        assert answer_line.display and answer_line.has_focus
        keys = text_of(screen.query_one(KeyBar))
        assert (
            "Show answer" not in keys
            and "Bury" not in keys
            and "Simulation" not in keys
            and "Undo" not in keys
        )
        assert "Type what the blank hides" in screen.query_one(ChoiceBar).text
        await pilot.press(*"sigma(x) (1 - sigma(x))")  # Space, digits and s go to the line
        assert (
            answer_line.value == "sigma(x) (1 - sigma(x))"
            and not screen.revealed
            and reviews(collection) == []
        )
        await pilot.press("enter")
        assert screen.revealed and not answer_line.display
        full, after = revealed_text(screen)
        assert full.plain.startswith("The derivative of the sigmoid is σ′(x) = σ(x)(1 − σ(x));")
        assert highlighted(full) == ["σ(x)(1 − σ(x))"]
        assert after[0].plain.startswith("✓ Right — Enter rates Good (3)")
        assert "3 Good · 10m · suggested" in screen.query_one(ChoiceBar).text
        keys = text_of(screen.query_one(KeyBar))
        assert "Bury" in keys and "Simulation" in keys  # the answer line is gone: the keys are back
        await pilot.press("enter")
        assert reviews(collection) == [("sigmoid-derivative::c1", 3)]


async def test_a_wrong_answer_suggests_again_and_a_number_overrides_it(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await open_review(app, pilot, '"gradient-direction::c1"')
        assert highlighted(screen.question.text) == ["[which way?]"]
        await pilot.press(*"steepest descent", "enter")
        _, after = revealed_text(screen)
        verdict = after[0].plain
        assert verdict.startswith("✗ Not quite: “descent” is the opposite of what the blank asks for")
        assert "you typed “steepest descent”; Enter rates Again (1)" in verdict
        assert "1 Again · 1m · suggested" in screen.query_one(ChoiceBar).text
        await pilot.press("2")
        assert reviews(collection) == [("gradient-direction::c1", 2)]


async def test_enter_alone_shows_the_answer_and_suggests_nothing(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await open_review(app, pilot, '"residual-block::c2"')
        await pilot.press("enter")
        assert screen.revealed and screen.graded is None
        full, after = revealed_text(screen)
        assert highlighted(full) == ["residual"] and after == []
        assert "suggested" not in screen.query_one(ChoiceBar).text
        await pilot.press("enter")  # nothing to take
        assert reviews(collection) == []
        await pilot.press("4")
        assert reviews(collection) == [("residual-block::c2", 4)]


async def test_the_answer_line_keeps_the_review_keys_for_typing(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await open_review(app, pilot, '"residual-block::c1"')
        await pilot.press(*"su-!2 x")
        assert screen.query_one("#cloze-answer", Input).value == "su-!2 x"
        assert app.screen is screen and not screen.revealed
        assert reviews(collection) == [] and not collection.store.card_state("residual-block::c1").suspended
        await pilot.press("escape")
        assert app.screen is not screen  # Escape still leaves


async def test_the_card_comes_back_with_an_empty_line_and_ctrl_z_undoes(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await open_review(app, pilot, '"cross-entropy-gradient::c1"')
        await pilot.press(*"p - y", "enter", "enter")
        assert reviews(collection) == [("cross-entropy-gradient::c1", 3)]
        # in learning, due within the learn-ahead limit: asked again at once, on an empty line
        answer_line = screen.query_one("#cloze-answer", Input)
        assert screen.card is not None and screen.card.id == "cross-entropy-gradient::c1"
        assert answer_line.display and answer_line.value == "" and answer_line.has_focus
        await pilot.press("u")  # typed
        assert answer_line.value == "u" and len(reviews(collection)) == 1
        await pilot.press("ctrl+z")
        assert reviews(collection) == [] and not screen.revealed and screen.graded is None
        assert answer_line.value == "" and answer_line.has_focus


async def test_formulas_in_a_plain_card_are_unicode_with_stacked_fractions(app: StudyApp) -> None:
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await open_review(app, pilot, "padding-striding")
        await pilot.press("space")
        content = screen.answer.content
        assert isinstance(content, Group)
        blocks = [item.plain for item in content.renderables if isinstance(item, Text)]
        assert blocks == ["      ⎢ n + 2p − k ⎥\n  o = ⎢────────────⎥ + 1\n      ⎣     s      ⎦"]
        assert not screen.query_one("#answer-images").display


async def test_browse_and_the_card_view_draw_formulas_and_blanks(app: StudyApp) -> None:
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("b")
        browse = app.screen
        assert isinstance(browse, BrowseScreen)
        table = browse.query_one("#cards", CardTable)
        rows = [table.row_at(index) for index in range(table.row_count)]
        (row,) = [row for row in rows if row is not None and row.key == "cross-entropy-gradient::c1"]
        question = row.cells[0]  # the question column, before it is fitted to its width
        assert question.startswith("For softmax probabilities p and a one-hot target y,")  # no dollars
        assert question.endswith("with respect to the logits z is ∂L/∂z = […].")
        card = app.collection.library.card("sigmoid-derivative::c1")
        app.push_screen(CardView(card))
        await pilot.pause()
        view = app.screen
        shown = view.query_one("#card-question", Static).content
        assert isinstance(shown, Text) and highlighted(shown) == ["[…]"]
        answer = view.query_one("#card-answer", Static).content
        assert isinstance(answer, Group)
        full = answer.renderables[0]
        assert isinstance(full, Text) and highlighted(full) == ["σ(x)(1 − σ(x))"]
