"""Browse: every card with its state; search (Anki's syntax), sort, open, suspend and unsuspend.

The question comes first, shortened with an ellipsis to what the terminal leaves it; suspended and
buried cards are dimmed and say so in the state column. ``/`` moves to the search box; Escape or Enter
there goes back to the table (the search stays), and Escape on the table leaves the screen. A query
that cannot be parsed is explained under the box while the table keeps its last results.

The collection searches and sorts (``Collection.browse``, in SQL) and keeps the matches; the table
(``CardTable``) reads the rows it shows a block at a time, so 50,000 cards open, scroll and search as
fast as 50. A typed key is painted in the box before the search runs, and keys typed while a search
runs are searched for together, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from studyapp.model import CardState, StudyState
from studyapp.scheduler import format_local
from studyapp.search import Query, SearchError, parse
from studyapp.tui.field_keys import settled
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.widgets.card_table import CardTable, Column, TableRow
from studyapp.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from studyapp.store import BrowseRecord

COLUMNS = ("question", "state", "due", "stability", "lapses", "id", "tags")
SORTABLE = ("id", "state", "due", "stability", "lapses", "question")
#: The question's width when the other columns already take the whole table (they scroll sideways).
MIN_QUESTION = 20
#: States that keep a card out of the queue: its row is dimmed.
SET_ASIDE = ("suspended", "buried")
SEARCH_HELP = """\
**Search** (Anki's syntax): `dog` a word in the question, answer, details or id · `"max pooling"` a phrase ·
`d*g` `d_g` wildcards · `gradient::c1` a cloze card's id · `tag:cnn` · `deck:deep-learning` · `sim:pooling` ·
`is:new` `learn` `review` `due` `suspended` `buried` `leech` ·
`prop:r<0.8` retrievability, also `s` stability (days), `d` difficulty (0-1), `reps`, `lapses`,
`due` (days until due), with
`<` `<=` `>` `>=` `=` `!=` · `rated:1` reviewed today, `rated:7:1` rated Again in the last 7 days ·
`-` not · `a b` both · `a or b` either · `( )` grouping. `-` binds tightest, then and, then or.
"""


def state_word(state: CardState, now: datetime) -> str:
    """``suspended`` or ``buried`` for a card out of the queue, else its study state; ``leech`` added."""
    if state.suspended:
        word = "suspended"
    elif state.buried_until is not None and state.buried_until > now:
        word = "buried"
    else:
        word = StudyState(state.state).name.lower()
    return f"{word}, leech" if state.leech else word


def table_row(record: BrowseRecord, now: datetime) -> TableRow:
    """A card's row: its text in each of ``COLUMNS``, dimmed when it is set aside."""
    state = record.state
    word = state_word(state, now)
    cells = {
        "question": record.question,
        "state": word,
        "due": format_local(state.due) if state.due else "-",
        "stability": f"{state.stability:.1f}d" if state.stability is not None else "-",
        "lapses": str(state.lapses),
        "id": record.card_id,
        "tags": record.tags,
    }
    return TableRow(
        record.card_id, tuple(cells[column] for column in COLUMNS), word.split(",")[0] in SET_ASIDE
    )


class BrowseScreen(AppScreen):
    """A searchable, sortable table of all cards."""

    HELP_TITLE = "Browse"
    HELP_KEYS = [("escape", "In the search box: back to the table (the search stays)")]
    BINDINGS = [
        # A priority binding acts before the keys typed after it are routed: they go to the search box.
        Binding("slash", "search", "Search", priority=True),
        Binding("o", "sort", "Sort"),
        Binding("exclamation_mark", "toggle_suspend", "Suspend/unsuspend"),
        Binding("a", "add_card", "Add card", priority=True),  # the keys typed right after it go to the form
        Binding("e", "edit", "Edit card"),
        Binding("enter", "open", "Open", show=False),
        # In the search box, acted on as soon as read, once the keys typed before them are searched for:
        # the keys typed after them act on the table and its new rows.
        Binding("enter,escape", "to_table", show=False, priority=True),
        Binding("escape", "back", "Back"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort_column = "id"
        #: The last search that parsed; how many cards it matched, of how many.
        self.search_query: Query = parse("")
        #: What the search box held when it was last searched with.
        self.searched = ""
        self.count = self.total = 0
        #: The longest text of each column (``Collection.browse_widths``), and when rows were matched.
        self.widths: dict[str, int] = {}
        self.matched_at = datetime.min.replace(tzinfo=UTC)

    def compose(self) -> ComposeResult:
        yield Static(
            "[b]Browse[/b]  [dim]/ search · o sort · ! suspend · Enter opens · ? search syntax[/dim]",
            classes="screen-title",
        )
        yield Input(
            placeholder="search: words, tag:cnn, is:due, prop:r<0.8, rated:7:1, -, or, ( )", id="search"
        )
        yield Static(id="search-error")
        yield CardTable(self.fetch_rows, id="cards")
        yield Static(id="browse-status")
        yield KeyBar()

    @property
    def table(self) -> CardTable:
        return self.query_one("#cards", CardTable)

    @property
    def search_box(self) -> Input:
        return self.query_one("#search", Input)

    def on_mount(self) -> None:
        self.query_one("#search-error", Static).display = False
        self.load()
        self.set_focus(self.table)

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit_columns)  # once the table has its new width

    def fetch_rows(self, start: int, count: int) -> Sequence[TableRow]:
        """The table's rows ``start`` to ``start + count - 1`` of the current matches."""
        return [table_row(record, self.matched_at) for record in self.collection.browse_rows(start, count)]

    def load(self) -> None:
        """Measure the columns again and match the search again (cards and their states change)."""
        now = self.study.now()
        self.widths = self.collection.browse_widths(now)
        self.total = self.widths["cards"]
        self.fit_columns()
        self.fill()

    def fit_columns(self) -> None:
        """Give the question what the table's width leaves it beside the other columns (at least
        ``MIN_QUESTION`` or half the width, at most the longest question)."""
        table = self.table
        total = (table.size.width or self.app.size.width) - table.styles.scrollbar_size_vertical
        widths = {
            **self.widths,
            "due": len(format_local(self.study.now())) if self.widths["due"] else 1,
            "stability": max(self.widths["stability"], 1),
        }
        others = [Column(key, key, max(len(key), widths[key])) for key in COLUMNS[1:]]
        room = total - sum(column.width + 2 for column in others) - 2
        longest = max(widths["question"], len("question"))
        question = max(min(longest, max(room, MIN_QUESTION, total // 2)), 1)
        table.set_columns([Column("question", "question", question), *others])

    def fill(self) -> None:
        """Match the search now, sorted by the current column, keeping the cursor on its card."""
        table = self.table
        selected = table.cursor_key
        self.matched_at = self.study.now()
        self.count = self.collection.browse(self.search_query, self.sort_column, self.matched_at)
        position = self.collection.browse_position(selected) if selected is not None else None
        table.reset(self.count, position or 0)
        # The status line is one row as wide as the screen: new text never changes its size.
        self.query_one("#browse-status", Static).update(
            f"{self.count:,} of {self.total:,} cards · sorted by {self.sort_column}", layout=False
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        # The typed character is painted first; keys typed meanwhile are searched for once, together.
        self.call_after_refresh(self.search_typed)

    def search_typed(self) -> None:
        """Search with what the search box holds, unless that was searched for already (or the screen
        was closed meanwhile)."""
        if self not in self.app.screen_stack:  # closed: its widgets may be removed one by one meanwhile
            return
        text = self.search_box.value
        if text != self.searched:
            self.searched = text
            self.apply_search(text)

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
        self.fill()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter and Escape leave the search box only while it has the focus."""
        if action == "to_table":
            return self.focused is self.search_box
        return True

    async def action_to_table(self) -> None:
        """Search for what the box holds, with the keys typed just before, then back to the table."""
        await settled(self.search_box)
        self.search_typed()
        self.set_focus(self.table)

    def action_search(self) -> None:
        """Focus the search box at once, so that the keys typed right after ``/`` go to it; in the
        search box, ``/`` types itself."""
        search = self.search_box
        if self.focused is search:
            raise SkipAction()
        self.set_focus(search)

    async def action_add_card(self) -> None:
        """Open Add card at once; in the search box, ``a`` types itself."""
        if self.focused is self.search_box:
            raise SkipAction()
        await self.study.action_add_card()

    def action_help(self) -> None:
        from studyapp.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self, self.HELP_TITLE, SEARCH_HELP))

    def action_sort(self) -> None:
        index = (SORTABLE.index(self.sort_column) + 1) % len(SORTABLE)
        self.sort_column = SORTABLE[index]
        self.fill()

    def on_card_table_header_selected(self, event: CardTable.HeaderSelected) -> None:
        if event.key in SORTABLE:
            self.sort_column = event.key
            self.fill()

    def selected_id(self) -> str | None:
        return self.table.cursor_key

    def on_card_table_row_selected(self, event: CardTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        from studyapp.tui.screens.card_view import CardView

        card_id = self.selected_id()
        if card_id is not None:
            self.app.push_screen(CardView(self.collection.library.card(card_id)))

    def action_edit(self) -> None:
        """Edit the selected card in ``$EDITOR`` (a bundled card in the learner's own copy)."""
        card_id = self.selected_id()
        if card_id is not None:
            self.study.action_edit_card(card_id)

    def on_library_changed(self) -> None:
        """A card was added or edited: show the decks as they are now."""
        self.load()

    def action_toggle_suspend(self) -> None:
        """Suspend or unsuspend the cursor's card; the cursor stays on it, or on the row it was on when
        the search no longer matches it (the next card, as in a list of due cards)."""
        card_id = self.selected_id()
        if card_id is None:
            return
        row = self.table.cursor_row
        session = self.collection.outline_session()  # suspends by id: the cards need not be read
        if session.state(card_id).suspended:
            if self.write(lambda: session.unsuspend(card_id))[0]:
                self.notify(f"{card_id} unsuspended")
        elif self.write(lambda: session.suspend(card_id))[0]:
            self.notify(f"{card_id} suspended")
        self.load()  # measured again: the state column may now need room for "suspended"
        position = self.collection.browse_position(card_id)
        self.table.move_cursor(row if position is None else position)
