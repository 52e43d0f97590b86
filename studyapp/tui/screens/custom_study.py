"""Custom study, as in Anki: study ahead, go over today's forgotten cards, study or cram a search.

Each choice is a search (``studyapp.search``) over the deck chosen on Home. Studying ahead takes every
matching card now, due or not, and saves the ratings; cram goes through the matches and saves nothing.
The screen counts the cards a choice would bring before it starts, and a search that cannot be parsed
is explained under its field.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.markup import escape
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from studyapp.errors import UserError
from studyapp.search import Query, SearchError, parse
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.widgets.keybar import KeyBar
from studyapp.tui.widgets.words import plural

#: The choices, in order: (id, label).
CHOICES = (
    ("ahead", "Review ahead: review cards due in the next days"),
    ("forgotten", "Today's Again cards: the cards you forgot today"),
    ("search", "Study a tag or search, due or not (ratings are saved)"),
    ("cram", "Cram a tag or search (nothing is saved)"),
)
#: The field each choice reads, if any.
FIELDS = {"ahead": "#ahead-days", "search": "#custom-search", "cram": "#custom-search"}
MAX_AHEAD_DAYS = 3650


@dataclass(frozen=True)
class Plan:
    """What a choice studies: the search, and whether it is cram."""

    query: Query
    cram: bool


class CustomStudyScreen(AppScreen):
    """Pick a kind of custom study for one deck (or every deck), see how many cards it brings, start it."""

    HELP_TITLE = "Custom study"
    HELP_KEYS = [
        ("↑, ↓", "Choose a kind of custom study"),
        ("⏎", "Start it (first to its days or search field, if it has one)"),
        ("tab", "To the days or the search field"),
    ]
    BINDINGS = [
        Binding("enter", "start", "Start"),
        Binding("escape", "back", "Back"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(self, deck: str | None = None) -> None:
        super().__init__()
        self.deck = deck

    def compose(self) -> ComposeResult:
        decks = dict(self.collection.library.deck_titles)
        scope = decks.get(self.deck or "", "All decks")
        yield Static(f"[b]Custom study[/b] · {escape(scope)}", classes="screen-title")
        with VerticalScroll(id="custom-form"):
            yield OptionList(*(Option(label, id=choice) for choice, label in CHOICES), id="custom-kind")
            with Horizontal(classes="custom-field"):
                yield Label("Days ahead", classes="custom-label")
                yield Input("1", id="ahead-days", type="integer", max_length=4)
            with Horizontal(classes="custom-field"):
                yield Label("Tag or search", classes="custom-label")
                yield Input(placeholder="e.g. tag:cnn, is:review prop:r<0.8, pooling", id="custom-search")
            yield Static(id="custom-problem")
            yield Static(id="custom-count")
        yield KeyBar()

    def on_mount(self) -> None:
        kinds = self.query_one("#custom-kind", OptionList)
        kinds.highlighted = 0
        kinds.focus()
        self.update_count()

    @property
    def kind(self) -> str:
        """The chosen kind of custom study: the highlighted one."""
        return CHOICES[self.query_one("#custom-kind", OptionList).highlighted or 0][0]

    def plan(self) -> Plan:
        """The search and mode of the chosen kind; ``UserError`` when its field is not valid."""
        kind = self.kind
        if kind == "ahead":
            text = self.query_one("#ahead-days", Input).value.strip()
            if not text.isdigit() or not 1 <= int(text) <= MAX_AHEAD_DAYS:
                raise UserError(f"days ahead must be a whole number from 1 to {MAX_AHEAD_DAYS}, got {text!r}")
            return Plan(parse(f"is:review prop:due<={int(text)}"), cram=False)
        if kind == "forgotten":
            return Plan(parse("rated:1:1"), cram=False)
        return Plan(parse(self.query_one("#custom-search", Input).value), cram=kind == "cram")

    def count(self, plan: Plan) -> int:
        """How many cards the plan brings now."""
        now = self.study.now()
        session = self.collection.session(
            deck=self.deck, search=plan.query, now=now, cram=plan.cram, ahead=not plan.cram
        )
        new, learning, due = session.counts(now)
        return new + learning + due

    def update_count(self) -> int | None:
        """Show how many cards the choice brings (or what is wrong with its field); returns the count."""
        problem = self.query_one("#custom-problem", Static)
        counted = self.query_one("#custom-count", Static)
        try:
            cards = self.count(self.plan())
        except SearchError as error:
            problem.update(f"[b $error]{escape(error.message)}[/]\n[dim]{escape(error.pointer())}[/dim]")
            counted.update("")
            return None
        except UserError as error:
            problem.update(f"[b $error]{escape(error.message)}[/]")
            counted.update("")
            return None
        problem.update("")
        counted.update(f"[b]{cards}[/b] {plural(cards, 'card')} to study · Enter starts")
        return cards

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.update_count()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a choice: to its field if it has one, else start."""
        field = FIELDS.get(self.kind)
        if field is None:
            self.action_start()
        else:
            self.query_one(field, Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.update_count()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_start()

    def action_start(self) -> None:
        """Study the chosen cards, in place of this screen (Back then leads Home)."""
        cards = self.update_count()
        if not cards:
            if cards == 0:
                self.notify("No card to study with this choice.", severity="warning")
            return
        from studyapp.tui.screens.review import ReviewScreen

        plan = self.plan()
        self.app.switch_screen(
            ReviewScreen(deck=self.deck, search=plan.query, cram=plan.cram, ahead=not plan.cram)
        )
