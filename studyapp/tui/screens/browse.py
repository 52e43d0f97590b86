"""Browse: every card with its state; search (Anki's syntax), sort, open, suspend and unsuspend.

The question comes first, shortened with an ellipsis to what the terminal leaves it; suspended and
buried cards are dimmed and say so in the state column. ``/`` moves to the search box; Escape or Enter
there goes back to the table (the search stays), and Escape on the table leaves the screen. A query
that cannot be parsed is explained under the box while the table keeps its last results.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from studyapp.scheduler import format_local
from studyapp.search import Query, SearchError, parse
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.widgets.keybar import KeyBar

COLUMNS = ("question", "state", "due", "stability", "lapses", "id", "tags")
SORTABLE = ("id", "state", "due", "stability", "lapses", "question")
#: The question's width when the other columns already take the whole table (they scroll sideways).
MIN_QUESTION = 20
#: States that keep a card out of the queue: its row is dimmed.
SET_ASIDE = ("suspended", "buried")
SEARCH_HELP = """\
**Search** (Anki's syntax): `dog` a word in the question, answer, details or id · `"max pooling"` a phrase ·
`d*g` `d_g` wildcards · `tag:cnn` · `deck:deep-learning` · `sim:pooling` ·
`is:new` `learn` `review` `due` `suspended` `buried` `leech` ·
`prop:r<0.8` retrievability, also `s` stability (days), `d` difficulty (0-1), `reps`, `lapses`,
`due` (days until due), with
`<` `<=` `>` `>=` `=` `!=` · `rated:1` reviewed today, `rated:7:1` rated Again in the last 7 days ·
`-` not · `a b` both · `a or b` either · `( )` grouping. `-` binds tightest, then and, then or.
"""


def sort_key(column: str) -> Any:
    """A key function for rows; missing values sort last, text in any case."""

    def key(row: dict[str, Any]) -> tuple[bool, Any]:
        value = row[column]
        if isinstance(value, str):
            value = value.casefold()
        return (value is None, value if value is not None else 0)

    return key


def state_word(row: Mapping[str, Any], now: datetime) -> str:
    """``suspended`` or ``buried`` for a card out of the queue, else its study state; ``leech`` added."""
    buried_until = row["buried_until"]
    if row["suspended"]:
        word = "suspended"
    elif buried_until is not None and datetime.fromisoformat(buried_until) > now:
        word = "buried"
    else:
        word = str(row["state"])
    return f"{word}, leech" if row["leech"] else word


def shortened(text: str, width: int, style: str = "") -> Text:
    """``text`` on one line in ``style``, cut to ``width`` cells with an ellipsis."""
    line = Text(" ".join(text.split()), style=style)
    line.truncate(width, overflow="ellipsis")
    return line


class BrowseScreen(AppScreen):
    """A searchable, sortable table of all cards."""

    HELP_TITLE = "Browse"
    HELP_KEYS = [("escape", "In the search box: back to the table (the search stays)")]
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("o", "sort", "Sort"),
        Binding("exclamation_mark", "toggle_suspend", "Suspend/unsuspend"),
        Binding("a", "app.add_card", "Add card"),
        Binding("e", "edit", "Edit card"),
        Binding("enter", "open", "Open", show=False),
        Binding("escape", "back", "Back"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort_column = "id"
        self.rows: list[dict[str, Any]] = []
        #: The last search that parsed, and the ids it matched (``None``: every card).
        self.search_query: Query = parse("")
        self.matches: set[str] | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            "[b]Browse[/b]  [dim]/ search · o sort · ! suspend · Enter opens · ? search syntax[/dim]",
            classes="screen-title",
        )
        yield Input(
            placeholder="search: words, tag:cnn, is:due, prop:r<0.8, rated:7:1, -, or, ( )", id="search"
        )
        yield Static(id="search-error")
        table: DataTable[Text] = DataTable(id="cards", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="browse-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#search-error", Static).display = False
        self.load()
        self.query_one("#cards", DataTable).focus()

    def on_resize(self) -> None:
        self.call_after_refresh(self.fill)  # once the table has its new width

    def load(self) -> None:
        """Re-read every card's state from the collection, and the search's matches."""
        library = {card.id: card for card in self.collection.library.cards}
        now = self.study.now()
        self.rows = []
        for row in self.collection.cards_with_state():
            card = library.get(row["id"])
            if card is None:
                continue
            word = state_word(row, now)
            self.rows.append(
                {
                    **row,
                    "state": word,
                    "set_aside": word.split(",")[0] in SET_ASIDE,
                    "question": card.question,
                }
            )
        self.match()
        self.fill()

    def match(self) -> None:
        """The ids the current search matches now."""
        if self.search_query.root is None:
            self.matches = None
        else:
            self.matches = set(self.collection.search(self.search_query, self.study.now()))

    def cells(self, row: Mapping[str, Any]) -> dict[str, str]:
        """The row's text in each column but the question."""
        due = row["due"]
        return {
            "state": row["state"],
            "due": format_local(datetime.fromisoformat(due)) if due else "-",
            "stability": f"{row['stability']:.1f}d" if row["stability"] is not None else "-",
            "lapses": str(row["lapses"]),
            "id": row["id"],
            "tags": ",".join(row["tags"]),
        }

    def question_width(self, table: DataTable[Text], shown: list[dict[str, str]], longest: int) -> int:
        """What the table's width leaves the question beside the other columns (at least ``MIN_QUESTION``
        or half the width, at most the longest question)."""
        total = (table.size.width or self.app.size.width) - table.styles.scrollbar_size_vertical
        padding = 2 * table.cell_padding
        others = sum(
            max([len(column), *(len(cells[column]) for cells in shown)]) + padding for column in COLUMNS[1:]
        )
        room = total - others - padding
        return max(min(longest, max(room, MIN_QUESTION, total // 2)), 1)

    def fill(self) -> None:
        """Show the rows matching the search, sorted by the current column, the question fitted."""
        table = self.query_one("#cards", DataTable)
        selected = self.selected_id()
        shown = [row for row in self.rows if self.matches is None or row["id"] in self.matches]
        shown.sort(key=sort_key(self.sort_column))
        cells = [self.cells(row) for row in shown]
        longest = max((len(" ".join(row["question"].split())) for row in shown), default=len("question"))
        width = self.question_width(table, cells, max(longest, len("question")))
        table.clear(columns=True)
        table.add_column("question", width=width, key="question")
        for column in COLUMNS[1:]:
            table.add_column(column, key=column)
        for row, text in zip(shown, cells, strict=True):
            style = "dim" if row["set_aside"] else ""
            question = shortened(row["question"], width, style)
            table.add_row(
                question, *(Text(text[column], style=style) for column in COLUMNS[1:]), key=row["id"]
            )
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))
        self.query_one("#browse-status", Static).update(
            f"{len(shown)} of {len(self.rows)} cards · sorted by {self.sort_column}"
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        self.apply_search(event.value)

    def apply_search(self, text: str) -> None:
        """Search with ``text``; a query that does not parse is explained and the table stays as it was."""
        error = self.query_one("#search-error", Static)
        try:
            self.search_query = parse(text)
        except SearchError as problem:
            error.update(Text(problem.message))
            error.display = True
            return
        error.display = False
        self.match()
        self.fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#cards", DataTable).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_back(self) -> None:
        if self.query_one("#search", Input).has_focus:
            self.query_one("#cards", DataTable).focus()
            return
        self.dismiss()

    def action_help(self) -> None:
        from studyapp.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self, self.HELP_TITLE, SEARCH_HELP))

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

    def action_edit(self) -> None:
        """Edit the selected card in ``$EDITOR`` (a bundled card in the learner's own copy)."""
        card_id = self.selected_id()
        if card_id is not None:
            self.study.action_edit_card(card_id)

    def on_library_changed(self) -> None:
        """A card was added or edited: show the decks as they are now."""
        self.load()

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
