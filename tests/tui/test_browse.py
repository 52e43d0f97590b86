"""Browse: every card with its state; search, sort, open, suspend and unsuspend."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from studyapp.collection import Collection
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.browse import BrowseScreen

from .conftest import text_of


async def open_browse(app: StudyApp, pilot: object) -> BrowseScreen:
    await pilot.press("b")  # type: ignore[attr-defined]
    assert isinstance(app.screen, BrowseScreen)
    return app.screen


async def test_all_cards_are_listed_with_their_state(app: StudyApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one("#cards", DataTable)
        assert table.row_count == 27
        assert table.get_row("pooling")[2] == "new"
        assert "27 of 27 cards" in text_of(screen.query_one("#browse-status"))


async def test_search_filters_and_sort_orders(app: StudyApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        await pilot.press("slash", *"residual")
        table = screen.query_one("#cards", DataTable)
        assert screen.query_one("#search", Input).has_focus
        ids = [str(table.coordinate_to_cell_key((row, 0)).row_key.value) for row in range(table.row_count)]
        assert set(ids) >= {"residual-connection", "identity-mapping", "why-residuals"}
        assert "mlp" not in ids
        await pilot.press("enter", "o")
        assert screen.sort_column == "state"


async def test_suspend_and_unsuspend_from_the_table(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_browse(app, pilot)
        table = screen.query_one("#cards", DataTable)
        first = screen.selected_id()
        assert first == "adaptive-optimisers"
        await pilot.press("exclamation_mark")
        assert collection.store.card_state(first).suspended
        assert table.get_row(first)[2] == "suspended"
        await pilot.press("exclamation_mark")
        assert not collection.store.card_state(first).suspended


async def test_enter_opens_the_card(app: StudyApp) -> None:
    async with app.run_test(size=(120, 36)) as pilot:
        await open_browse(app, pilot)
        await pilot.press("enter")
        assert type(app.screen).__name__ == "CardView"
        assert app.screen.card.id == "adaptive-optimisers"  # type: ignore[attr-defined]
