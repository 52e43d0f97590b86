"""Browse: every card with its state; search, sort, open, suspend and unsuspend."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from studyapp.scheduler import format_local
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.widgets.keybar import KeyBar

COLUMNS = ("id", "tags", "state", "due", "stability", "lapses", "question")
SORTABLE = ("id", "state", "due", "stability", "lapses")


def sort_key(column: str) -> Any:
    """A key function for rows; missing values sort last."""

    def key(row: dict[str, Any]) -> tuple[bool, Any]:
        value = row[column]
        return (value is None, value if value is not None else 0)

    return key


class BrowseScreen(AppScreen):
    """A searchable, sortable table of all cards."""

    HELP_TITLE = "Browse"
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("o", "sort", "Sort"),
        Binding("exclamation_mark", "toggle_suspend", "Suspend/unsuspend"),
        Binding("enter", "open", "Open", show=False),
        Binding("escape", "back", "Back"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort_column = "id"
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Static(
            "[b]Browse[/b]  [dim]/ search · o sort · ! suspend · Enter opens[/dim]", classes="screen-title"
        )
        yield Input(placeholder="search question, answer, id or tag", id="search")
        table: DataTable[str] = DataTable(id="cards", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="browse-status")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#cards", DataTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        self.load()
        table.focus()

    def load(self) -> None:
        """Re-read every card's state from the collection."""
        library = {card.id: card for card in self.collection.library.cards}
        self.rows = []
        for row in self.collection.cards_with_state():
            card = library.get(row["id"])
            if card is None:
                continue
            state = "suspended" if row["suspended"] else row["state"]
            self.rows.append(
                {
                    **row,
                    "state": "leech" if row["leech"] else state,
                    "question": card.question,
                    "text": f"{card.id} {card.question} {card.answer} {' '.join(card.tags)}".lower(),
                }
            )
        self.fill()

    def fill(self) -> None:
        """Show the rows matching the search, sorted by the current column."""
        table = self.query_one("#cards", DataTable)
        query = self.query_one("#search", Input).value.lower().split()
        shown = [row for row in self.rows if all(word in row["text"] for word in query)]
        shown.sort(key=sort_key(self.sort_column))
        table.clear()
        for row in shown:
            due = row["due"]
            table.add_row(
                row["id"],
                ",".join(row["tags"]),
                row["state"],
                format_local(datetime.fromisoformat(due)) if due else "-",
                f"{row['stability']:.1f}d" if row["stability"] is not None else "-",
                str(row["lapses"]),
                row["question"],
                key=row["id"],
            )
        self.query_one("#browse-status", Static).update(
            f"{len(shown)} of {len(self.rows)} cards · sorted by {self.sort_column}"
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        self.fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#cards", DataTable).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_back(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus and search.value:
            search.value = ""
            return
        self.dismiss()

    def action_sort(self) -> None:
        index = (SORTABLE.index(self.sort_column) + 1) % len(SORTABLE)
        self.sort_column = SORTABLE[index]
        self.fill()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        if column in SORTABLE:
            self.sort_column = column
            self.fill()

    def selected_id(self) -> str | None:
        table = self.query_one("#cards", DataTable)
        if not table.row_count:
            return None
        value = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(value) if value is not None else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        from studyapp.tui.screens.card_view import CardView

        card_id = self.selected_id()
        if card_id is not None:
            self.app.push_screen(CardView(next(c for c in self.collection.library.cards if c.id == card_id)))

    def action_toggle_suspend(self) -> None:
        card_id = self.selected_id()
        if card_id is None:
            return
        session = self.collection.session()
        if session.state(card_id).suspended:
            if self.write(lambda: session.unsuspend(card_id))[0]:
                self.notify(f"{card_id} unsuspended")
        elif self.write(lambda: session.suspend(card_id))[0]:
            self.notify(f"{card_id} suspended")
        self.load()
        self.query_one("#cards", DataTable).move_cursor(row=self.row_index(card_id))

    def row_index(self, card_id: str) -> int:
        table = self.query_one("#cards", DataTable)
        return table.get_row_index(card_id) if card_id in table.rows else 0
