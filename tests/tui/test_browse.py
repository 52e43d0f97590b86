"""Browse: every card with its state; search, sort, open, suspend and unsuspend."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input, Static

from studyapp.collection import Collection
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.browse import BrowseScreen

from .conftest import FakeClock, text_of

ROOT = Path(__file__).resolve().parents[2]


async def open_browse(app: StudyApp, pilot: object) -> BrowseScreen:
    await pilot.press("b")  # type: ignore[attr-defined]
    assert isinstance(app.screen, BrowseScreen)
    return app.screen


def cell(table: DataTable[Text], row: str, column: str) -> Text:
    """The cell of card ``row`` in ``column``."""
    value = table.get_cell(row, column)
    assert isinstance(value, Text)
    return value


def row_ids(table: DataTable[Text]) -> list[str]:
    """The card ids of the table's rows, top to bottom."""
    return [
        str(table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value) for row in range(table.row_count)
    ]


def dimmed(text: Text) -> bool:
    return "dim" in str(text.style).split()


async def test_all_cards_are_listed_with_their_state(app: StudyApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one("#cards", DataTable)
        assert table.row_count == 27
        assert cell(table, "pooling", "state").plain == "new"
        assert cell(table, "pooling", "question").plain == "What is the function of pooling in CNNs?"
        assert "27 of 27 cards" in text_of(screen.query_one("#browse-status"))


async def test_the_question_comes_first_and_fits_at_60_columns(app: StudyApp) -> None:
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one("#cards", DataTable)
        assert [str(key.value) for key in table.columns] == [
            "question", "state", "due", "stability", "lapses", "id", "tags"
        ]  # fmt: skip
        question = table.columns["question"]  # type: ignore[index]
        assert 20 <= question.get_render_width(table) <= 60
        long = cell(table, "adaptive-optimisers", "question").plain
        assert long.endswith("…") and len(long) == question.width
        assert "What are the advantages of using optimisers like Adam and Adagrad?".startswith(long[:-1])
        first_row = table.render_line(1).text  # under the header: what the terminal shows
        assert first_row.strip().startswith(long)
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        await pilot.pause()
        assert table.columns["question"].width > question.width  # type: ignore[index]
        wider = cell(table, "adaptive-optimisers", "question").plain
        assert len(wider) > len(long)


async def test_search_filters_with_the_query_language_and_sort_orders(
    app: StudyApp, collection: Collection, clock: FakeClock
) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        await pilot.press("slash", *"residual")
        table = screen.query_one("#cards", DataTable)
        assert screen.query_one("#search", Input).has_focus
        assert set(row_ids(table)) == {"residual-connection", "why-residuals"}  # words: the text, not tags
        search = screen.query_one("#search", Input)
        search.value = "tag:residual -identity"
        await pilot.pause()
        assert set(row_ids(table)) == {"residual-connection", "why-residuals"}
        search.value = '(tag:cnn or "log-sum-exp") -tag:residual'
        await pilot.pause()
        assert set(row_ids(table)) == set(collection.search(search.value, clock.now))
        assert "log-sum-exp" in row_ids(table) and "residual-connection" not in row_ids(table)
        await pilot.press("enter", "o")
        assert screen.sort_column == "state"


async def test_escape_leaves_the_search_box_for_the_table_then_the_screen(app: StudyApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        search = screen.query_one("#search", Input)
        table = screen.query_one("#cards", DataTable)
        await pilot.press("slash", "o", "q")
        assert search.value == "oq"  # typed, not sorting or leaving
        assert screen.sort_column == "id" and app.screen is screen
        await pilot.press("backspace", "backspace", "escape")
        assert table.has_focus and app.screen is screen
        await pilot.press("o")
        assert screen.sort_column == "state" and search.value == ""
        await pilot.press("slash", *"pool", "escape")
        assert table.has_focus and search.value == "pool"  # the search stays
        await pilot.press("escape")
        assert not isinstance(app.screen, BrowseScreen)


async def test_a_bad_query_is_explained_and_the_table_keeps_its_rows(app: StudyApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one("#cards", DataTable)
        search = screen.query_one("#search", Input)
        error = screen.query_one("#search-error", Static)
        assert not error.display
        search.value = "tag:cnn"
        await pilot.pause()
        cnn = row_ids(table)
        assert len(cnn) == 6
        search.value = "tag:cnn tga:x"
        await pilot.pause()
        assert error.display
        assert "unknown field 'tga:' at column 9; fields: tag, deck, is, sim, prop, rated" in text_of(error)
        assert row_ids(table) == cnn
        search.value = "tag:cnn (pool"
        await pilot.pause()
        assert "unclosed '(' at column 9" in text_of(error) and row_ids(table) == cnn
        search.value = "tag:cnn pool"
        await pilot.pause()
        assert not error.display and row_ids(table) == ["pooling"]


async def test_suspend_and_unsuspend_from_the_table(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one("#cards", DataTable)
        first = screen.selected_id()
        assert first == "adaptive-optimisers"
        await pilot.press("exclamation_mark")
        assert collection.store.card_state(first).suspended
        assert cell(table, first, "state").plain == "suspended"
        assert screen.selected_id() == first
        await pilot.press("exclamation_mark")
        assert not collection.store.card_state(first).suspended
        assert cell(table, first, "state").plain == "new"


async def test_suspended_and_buried_rows_are_dimmed_and_marked(
    app: StudyApp, collection: Collection, clock: FakeClock
) -> None:
    session = collection.session()
    session.suspend("pooling")
    session.bury("cnn", clock.now)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one("#cards", DataTable)
        assert cell(table, "pooling", "state").plain == "suspended"
        assert cell(table, "cnn", "state").plain == "buried"
        for card in ("pooling", "cnn"):
            assert all(dimmed(value) for value in table.get_row(card))
        assert not any(dimmed(value) for value in table.get_row("mlp"))
        await pilot.press("o")  # sort by state
        assert screen.sort_column == "state"
        states = [cell(table, card, "state").plain for card in row_ids(table)]
        assert states == sorted(states) and states[0] == "buried" and states[-1] == "suspended"
        assert dimmed(cell(table, "pooling", "question"))  # still dimmed after sorting
        screen.query_one("#search", Input).value = "is:suspended or is:buried"
        await pilot.pause()
        assert set(row_ids(table)) == {"pooling", "cnn"}
        clock.advance(days=1)  # the next study day: cnn is back
        screen.load()
        assert row_ids(table) == ["pooling"]
        screen.query_one("#search", Input).value = ""
        await pilot.pause()
        assert cell(table, "cnn", "state").plain == "new" and not dimmed(cell(table, "cnn", "id"))


async def test_help_shows_the_search_syntax(app: StudyApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await open_browse(app, pilot)
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        assert "rated:7:1" in app.screen.explanation  # type: ignore[attr-defined]


async def test_enter_opens_the_card(app: StudyApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await open_browse(app, pilot)
        await pilot.press("enter")
        assert type(app.screen).__name__ == "CardView"
        assert app.screen.card.id == "adaptive-optimisers"  # type: ignore[attr-defined]


# -- Browse and the commands agree ------------------------------------------------------------------------


def run_cli(db: Path, home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``studyapp --db DB ARGS`` with a private home (no user decks), as a person runs it."""
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "PYTHONUNBUFFERED": "1"}
    env.pop("STUDYAPP_DB", None)
    result = subprocess.run(
        [sys.executable, "-m", "studyapp", "--db", str(db), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


async def test_browse_cards_review_and_quiz_agree_on_a_search(
    app: StudyApp, collection: Collection, clock: FakeClock, tmp_path: Path
) -> None:
    clock.now = datetime.now(UTC)  # the commands run at the real time
    session = collection.session()
    session.rate("pooling", 1, clock.now)  # learning, due again in a minute
    session.suspend("identity-mapping")
    query = '(tag:residual or is:learn or "log-sum-exp trick") -is:suspended'
    expected = {"residual-connection", "why-residuals", "pooling", "log-sum-exp"}
    assert set(collection.search(query, clock.now)) == expected
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        await pilot.press("slash", *query)
        assert set(row_ids(screen.query_one("#cards", DataTable))) == expected
    home, db = tmp_path / "home", collection.path
    cards = run_cli(db, home, "cards", "--search", query, "--json")
    assert {card["id"] for card in json.loads(cards.stdout)} == expected
    review = run_cli(db, home, "review", "--plain", "--search", query, stdin="s\n" * 10)
    assert set(re.findall(r"^skipped (\S+)$", review.stdout, re.MULTILINE)) == expected
    quiz_args = ("quiz", "--plain", "--search", query, "--kind", "choice", "-n", "4", "--seed", "2")
    quiz = run_cli(db, home, *quiz_args, stdin="1\n" * 20)
    assert set(re.findall(r"· card (\S+)$", quiz.stdout, re.MULTILINE)) == expected
