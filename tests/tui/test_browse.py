"""Browse: every card with its state; search, sort, open, suspend and unsuspend."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from textual.widgets import Input, Static

from studyapp.collection import Collection
from studyapp.math import plain_text
from studyapp.model import Rating
from studyapp.search import parse
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.browse import COLUMNS, BrowseScreen, state_word
from studyapp.tui.widgets.card_table import CardTable, TableRow, fitted

from .conftest import FakeClock, searched, text_of

ROOT = Path(__file__).resolve().parents[2]


async def open_browse(app: StudyApp, pilot: object) -> BrowseScreen:
    await pilot.press("b")  # type: ignore[attr-defined]
    assert isinstance(app.screen, BrowseScreen)
    return app.screen


def rows(table: CardTable) -> list[TableRow]:
    """The table's rows, top to bottom."""
    found = [table.row_at(index) for index in range(table.row_count)]
    return [row for row in found if row is not None]


def row(table: CardTable, card_id: str) -> TableRow:
    """The row of card ``card_id``."""
    return next(found for found in rows(table) if found.key == card_id)


def cell(table: CardTable, card_id: str, column: str) -> str:
    """The text of card ``card_id`` in ``column`` (before the table fits it to the column)."""
    return row(table, card_id).cells[COLUMNS.index(column)]


def shown(table: CardTable, card_id: str, column: str) -> str:
    """``cell`` as the table shows it, fitted to its column."""
    width = table.columns[COLUMNS.index(column)].width
    return fitted(cell(table, card_id, column), width)


def row_ids(table: CardTable) -> list[str]:
    """The card ids of the table's rows, top to bottom."""
    return [found.key for found in rows(table)]


#: The cards of the bundled cloze note "residual-block".
RESIDUAL_BLOCK = ("residual-block::c1", "residual-block::c2")


async def test_all_cards_are_listed_with_their_state(app: StudyApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one("#cards", CardTable)
        total = len(screen.collection.library.cards)  # the seed's cards, cloze cards and drills
        assert table.row_count == total
        assert cell(table, "pooling", "state") == "new"
        assert cell(table, "pooling", "question") == "What is the function of pooling in CNNs?"
        assert f"{total} of {total} cards" in text_of(screen.query_one("#browse-status"))


async def test_questions_show_their_formulas_as_unicode_and_the_column_fits_the_longest(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(400, 36)) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one("#cards", CardTable)
        shown = cell(table, "sigmoid-derivative::c2", "question")
        assert shown.startswith("The derivative of the sigmoid is σ′(x) = σ(x)(1 − σ(x)); its largest value")
        for card in collection.library.cards:  # as `studyapp cards` lists them: plain text on one line
            assert cell(table, card.id, "question") == " ".join(plain_text(card.question).split()), card.id
        longest = max(len(cell(table, card.id, "question")) for card in collection.library.cards)
        assert table.columns[0].width == longest  # a wide table: the column fits the longest, no wider


async def test_the_question_comes_first_and_fits_at_60_columns(app: StudyApp) -> None:
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one("#cards", CardTable)
        assert [column.key for column in table.columns] == [
            "question", "state", "due", "stability", "lapses", "id", "tags"
        ]  # fmt: skip
        question = table.columns[0]
        assert 20 <= question.width + 2 <= 60  # with a cell of padding on each side
        long = shown(table, "adaptive-optimisers", "question")
        assert long.endswith("…") and len(long) == question.width
        assert "What are the advantages of using optimisers like Adam and Adagrad?".startswith(long[:-1])
        first = shown(table, "adam-bias-correction::c1", "question")  # the first id: a cloze card
        assert first.endswith("…") and len(first) == question.width
        first_row = table.render_line(1).text  # under the header: what the terminal shows
        assert first_row.strip().startswith(first)
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        await pilot.pause()
        assert table.columns[0].width > question.width
        wider = shown(table, "adaptive-optimisers", "question")
        assert len(wider) > len(long)


async def test_search_filters_with_the_query_language_and_sort_orders(
    app: StudyApp, collection: Collection, clock: FakeClock
) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        await pilot.press("slash", *"residual")
        await searched(pilot, screen)
        table = screen.query_one("#cards", CardTable)
        assert screen.query_one("#search", Input).has_focus
        # words: the text, not tags (the cloze note "residual-block" has two cards)
        assert set(row_ids(table)) == {"residual-connection", "why-residuals", *RESIDUAL_BLOCK}
        search = screen.query_one("#search", Input)
        await searched(pilot, screen, "tag:residual -identity")
        assert set(row_ids(table)) == {"residual-connection", "why-residuals"}
        await searched(pilot, screen, '(tag:cnn or "log-sum-exp") -tag:residual')
        assert set(row_ids(table)) == set(collection.search(search.value, clock.now))
        assert "log-sum-exp" in row_ids(table) and "residual-connection" not in row_ids(table)
        await pilot.press("enter", "o")
        assert screen.sort_column == "state"


async def test_keys_typed_together_search_for_what_the_box_holds(app: StudyApp, clock: FakeClock) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one("#cards", CardTable)
        status = screen.query_one("#browse-status", Static)
        everything = table.row_count
        await pilot.press("slash", *"pool")
        await searched(pilot, screen)
        assert row_ids(table) == sorted(screen.collection.search("pool", clock.now))
        assert text_of(status).startswith(f"{table.row_count} of {everything} cards")
        await pilot.press(*["backspace"] * 4)  # back to the empty search: every card again
        await searched(pilot, screen)
        assert table.row_count == everything and screen.searched == ""
        assert text_of(status).startswith(f"{everything} of {everything} cards")


async def test_leaving_while_a_typed_search_waits_is_no_error(app: StudyApp) -> None:
    """The search of a typed key runs after the next paint: the screen may be closed by then."""
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(3):
            screen = await open_browse(app, pilot)
            await pilot.press("slash")
            screen.query_one("#search", Input).value = "pool"
            screen.dismiss()
            await pilot.pause()
            await pilot.pause()
            assert not isinstance(app.screen, BrowseScreen)


async def test_escape_leaves_the_search_box_for_the_table_then_the_screen(app: StudyApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        search = screen.query_one("#search", Input)
        table = screen.query_one("#cards", CardTable)
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
        table = screen.query_one("#cards", CardTable)
        search = screen.query_one("#search", Input)
        error = screen.query_one("#search-error", Static)
        assert not error.display
        await searched(pilot, screen, "tag:cnn")
        cnn = row_ids(table)
        # six of the seed's cards, the cloze card conv-output-size::c1 and the CNN drills
        assert set(cnn) == {card.id for card in screen.collection.library.cards if "cnn" in card.tags}
        assert {"pooling", "conv-output-size::c1"} <= set(cnn)
        await searched(pilot, screen, "tag:cnn tga:x")
        assert error.display
        assert "unknown field 'tga:' at column 9; fields: tag, deck, is, sim, prop, rated" in text_of(error)
        assert row_ids(table) == cnn
        await searched(pilot, screen, "tag:cnn (pool")
        assert "unclosed '(' at column 9" in text_of(error) and row_ids(table) == cnn
        await searched(pilot, screen, "tag:cnn pool")
        assert not error.display and "pooling" in row_ids(table)
        assert row_ids(table) == sorted(screen.collection.search(search.value, screen.study.now()))


async def test_suspend_and_unsuspend_from_the_table(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one("#cards", CardTable)
        first = screen.selected_id()
        assert first == "adam-bias-correction::c1"  # the first id: a cloze card
        await pilot.press("exclamation_mark")
        assert collection.store.card_state(first).suspended
        assert cell(table, first, "state") == "suspended"
        assert shown(table, first, "state") == "suspended"  # the column widened for the word
        assert screen.selected_id() == first
        await pilot.press("exclamation_mark")
        assert not collection.store.card_state(first).suspended
        assert cell(table, first, "state") == "new"


async def test_a_card_suspended_out_of_the_search_leaves_the_cursor_on_the_next_card(app: StudyApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one("#cards", CardTable)
        await pilot.press("slash", *"-is:suspended", "enter")
        await searched(pilot, screen, "-is:suspended")
        before = row_ids(table)
        await pilot.press("down", "down", "down")
        assert screen.selected_id() == before[3]
        await pilot.press("exclamation_mark")
        assert row_ids(table) == before[:3] + before[4:]
        assert table.cursor_row == 3 and screen.selected_id() == before[4]
        await pilot.press("end", "exclamation_mark")  # the last row: the cursor stays on the last
        assert row_ids(table) == before[:3] + before[4:-1]
        assert screen.selected_id() == before[-2]


async def test_suspended_and_buried_rows_are_dimmed_and_marked(
    app: StudyApp, collection: Collection, clock: FakeClock
) -> None:
    session = collection.session()
    session.suspend("pooling")
    session.bury("cnn", clock.now)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one("#cards", CardTable)
        assert cell(table, "pooling", "state") == "suspended"
        assert cell(table, "cnn", "state") == "buried"
        assert row(table, "pooling").dim and row(table, "cnn").dim
        assert not row(table, "mlp").dim
        await pilot.press("o")  # sort by state
        assert screen.sort_column == "state"
        states = [cell(table, card, "state") for card in row_ids(table)]
        assert states == sorted(states) and states[0] == "buried" and states[-1] == "suspended"
        assert row(table, "pooling").dim  # still dimmed after sorting
        await searched(pilot, screen, "is:suspended or is:buried")
        assert set(row_ids(table)) == {"pooling", "cnn"}
        clock.advance(days=1)  # the next study day: cnn is back
        screen.load()
        assert row_ids(table) == ["pooling"]
        await searched(pilot, screen, "")
        assert cell(table, "cnn", "state") == "new" and not row(table, "cnn").dim


def test_the_state_column_is_as_wide_as_the_longest_state_word(
    collection: Collection, clock: FakeClock
) -> None:
    def widest() -> tuple[int, int]:
        """The measured state column, and the longest state word Browse shows."""
        count = collection.browse(parse(""), "id", clock.now)
        words = [state_word(record.state, clock.now) for record in collection.browse_rows(0, count)]
        return collection.browse_widths(clock.now)["state"], max(map(len, words))

    assert widest() == (len("new"), len("new"))
    session = collection.session()
    session.rate("mlp", Rating.AGAIN, clock.now)
    assert widest() == (len("learning"), len("learning"))
    session.bury("cnn", clock.now)
    session.suspend("pooling")
    assert widest() == (len("suspended"), len("suspended"))
    session.suspend("mlp")  # the learning card is suspended: "suspended" is the longest word
    session.unsuspend("pooling")
    assert widest() == (len("suspended"), len("suspended"))
    session.unsuspend("mlp")
    clock.advance(days=1)  # cnn is back
    width, longest = widest()
    assert width >= longest == len("learning")


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
        assert app.screen.card.id == "adam-bias-correction::c1"  # type: ignore[attr-defined]


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
    cloze = {*RESIDUAL_BLOCK, "log-sum-exp-shift::c1", "log-sum-exp-shift::c2"}
    expected = {"residual-connection", "why-residuals", "pooling", "log-sum-exp", *cloze}
    assert set(collection.search(query, clock.now)) == expected
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        await pilot.press("slash", *query)
        assert set(row_ids(screen.query_one("#cards", CardTable))) == expected
    home, db = tmp_path / "home", collection.path
    cards = run_cli(db, home, "cards", "--search", query, "--json")
    assert {card["id"] for card in json.loads(cards.stdout)} == expected
    review = run_cli(db, home, "review", "--plain", "--search", query, stdin="s\n" * 10)
    assert set(re.findall(r"^skipped (\S+)$", review.stdout, re.MULTILINE)) == expected
    quiz_args = ("quiz", "--plain", "--search", query, "--kind", "choice", "-n", "4", "--seed", "2")
    quiz = run_cli(db, home, *quiz_args, stdin="1\n" * 20)
    # cloze cards have no multiple-choice questions
    assert set(re.findall(r"· card (\S+)$", quiz.stdout, re.MULTILINE)) == expected - cloze


async def test_a_click_on_a_header_sorts_and_a_second_click_on_a_row_opens_it(app: StudyApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one("#cards", CardTable)
        lapses = sum(column.width + 2 for column in table.columns[: COLUMNS.index("lapses")]) + 1
        await pilot.click("#cards", offset=(lapses, 0))
        assert screen.sort_column == "lapses"
        assert "sorted by lapses" in text_of(screen.query_one("#browse-status"))
        top = table.scroll_offset.y  # the cursor stayed on its card, scrolled into view
        third = table.row_at(top + 2)
        assert third is not None
        await pilot.click("#cards", offset=(2, 3))  # the third row shown, under the header
        assert table.cursor_row == top + 2 and screen.selected_id() == third.key
        await pilot.click("#cards", offset=(2, 3))
        assert type(app.screen).__name__ == "CardView"
        assert app.screen.card.id == third.key  # type: ignore[attr-defined]


def test_cells_are_cut_and_padded_as_rich_does() -> None:
    import random

    from rich.text import Text

    # Mixed texts: accents, dashes, wide characters, a combining accent, emoji with a skin tone.
    rng = random.Random(7)
    letters = [*"ab z", *"éü—σ²≤«", *"中文字", "e\u0301", "\U0001f600", "\U0001f44d\U0001f3fd"]
    mixed = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 16))) for _ in range(300)]
    texts = ["", "abc", "a longer question?", "naïve café", "学習する", "\U0001f600 x", "tab\there", *mixed]
    for text in texts:
        for width in range(1, 12):
            line = Text(text)
            line.truncate(width, overflow="ellipsis", pad=True)
            assert fitted(text, width) == line.plain, (text, width)
