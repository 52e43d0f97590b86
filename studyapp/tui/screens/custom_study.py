"""Custom study, as in Anki: study ahead, go over today's forgotten cards, study or cram a search.

Each choice is a search (``studyapp.search``) over the deck chosen on Home. Studying ahead takes every
matching card now, due or not, and saves the ratings; cram goes through the matches and saves nothing.
The screen counts the cards a choice would bring before it starts, and a search that cannot be parsed
is explained under its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from studyapp.errors import UserError
from studyapp.search import Query, SearchError, parse
from studyapp.tui.screens.base import FIELD_FOCUS_KEYS, AppScreen, move_highlight
from studyapp.tui.widgets.keybar import KeyBar
from studyapp.words import plural

if TYPE_CHECKING:
    from studyapp.collection import Collection

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
#: After this many seconds without its count, a choice says it is being counted.
COUNTING_NOTE_S = 0.2


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
        # On the list of kinds, ↑ ↓ and Enter act as soon as they are read, in the order typed: the keys
        # typed right after Enter go to the field it moves to (the list's own keys would act only once
        # they reached the list, after the keys typed next were on their way to it).
        Binding("up", "move_kind(-1)", show=False, priority=True),
        Binding("down", "move_kind(1)", show=False, priority=True),
        Binding("enter", "choose", show=False, priority=True),  # listed in HELP_KEYS
        Binding("escape", "back", "Back"),
        Binding("question_mark", "help", "Help"),
        *FIELD_FOCUS_KEYS,
    ]

    class Counted(Message):
        """A choice's cards are counted (``cards``), or could not be (``problem``)."""

        def __init__(self, choice: tuple[str, str], cards: int | None, problem: str = "") -> None:
            super().__init__()
            self.choice, self.cards, self.problem = choice, cards, problem

    def __init__(self, deck: str | None = None) -> None:
        super().__init__()
        self.deck = deck
        #: A count is running in the background.
        self.counting = False
        #: The choice whose count is to be shown (``None``: its field is not valid).
        self.wanted: tuple[str, str] | None = None
        #: The choice to count next, with its plan (``None``: nothing waits).
        self.waiting: tuple[tuple[str, str], Plan] | None = None
        #: The last choice counted and its count (``None``: it could not be counted).
        self.counted: tuple[tuple[str, str], int | None] | None = None

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
        self.set_focus(kinds)
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

    def count(self, plan: Plan, collection: Collection, now: datetime) -> int:
        """How many cards the plan brings at ``now``."""
        session = collection.session(
            deck=self.deck, search=plan.query, now=now, cram=plan.cram, ahead=not plan.cram
        )
        new, learning, due = session.counts(now)
        return new + learning + due

    def choice(self) -> tuple[str, str]:
        """The chosen kind and what its field holds: what a count is for."""
        field = FIELDS.get(self.kind)
        return self.kind, self.query_one(field, Input).value if field else ""

    def checked_plan(self) -> Plan | None:
        """The chosen plan, or ``None`` with what is wrong with its field shown under it."""
        problem = self.query_one("#custom-problem", Static)
        try:
            plan = self.plan()
        except SearchError as error:
            problem.update(f"[b $error]{escape(error.message)}[/]\n[dim]{escape(error.pointer())}[/dim]")
        except UserError as error:
            problem.update(f"[b $error]{escape(error.message)}[/]")
        else:
            problem.update("")
            return plan
        self.query_one("#custom-count", Static).update("")
        return None

    def update_count(self) -> None:
        """Check the choice's field now and count its cards in the background: on a big collection a
        count takes a while, and keys must not wait for it. One count runs at a time; the latest choice
        is counted next."""
        plan = self.checked_plan()
        self.wanted = None if plan is None else self.choice()
        if plan is None:
            self.waiting = None
            return
        self.waiting = (self.choice(), plan)
        if not self.counting:
            self.count_next()
        self.set_timer(COUNTING_NOTE_S, self.say_counting)

    def say_counting(self) -> None:
        """Say that the choice is being counted, when its count has not come after a moment."""
        if self.wanted is not None and not self.shown():
            self.query_one("#custom-count", Static).update("[dim]counting…[/dim]")

    def shown(self) -> bool:
        """Whether the count on screen is the wanted one's."""
        return self.waiting is None and self.counted is not None and self.counted[0] == self.wanted

    def count_next(self) -> None:
        """Count the choice that waits, if any."""
        if self.waiting is None:
            return
        (choice, plan), self.waiting = self.waiting, None
        self.counting = True
        self.count_in_background(choice, plan, self.study.now())

    @work(thread=True, group="custom-count")
    def count_in_background(self, choice: tuple[str, str], plan: Plan, now: datetime) -> None:
        """Count ``plan``'s cards on a connection of this thread's own; the result comes as a message."""
        try:
            with self.collection.reader() as collection:
                cards = self.count(plan, collection, now)
        except UserError as error:  # the collection could not be read, for instance
            self.post_message(self.Counted(choice, None, error.message))
        else:
            self.post_message(self.Counted(choice, cards))

    def on_custom_study_screen_counted(self, message: Counted) -> None:
        self.counting = False
        if message.choice == self.wanted and self.waiting is None:
            self.counted = (message.choice, message.cards)
            shown = self.query_one("#custom-count", Static)
            if message.cards is None:
                shown.update(f"[b $error]{escape(message.problem)}[/]")
            else:
                cards = message.cards
                shown.update(f"[b]{cards}[/b] {plural(cards, 'card')} to study · Enter starts")
        self.count_next()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.update_count()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click on a choice: as Enter on it."""
        self.action_choose()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """↑ ↓ and Enter choose a kind only on the list; in a field they are the field's own."""
        if action in ("choose", "move_kind"):
            return isinstance(self.focused, OptionList)
        return True

    def action_move_kind(self, step: int) -> None:
        move_highlight(self.query_one("#custom-kind", OptionList), step)

    def action_choose(self) -> None:
        """The highlighted kind: to its field if it has one, else start."""
        field = FIELDS.get(self.kind)
        if field is None:
            self.action_start()
        else:
            self.set_focus(self.query_one(field, Input))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.update_count()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_start()

    def action_start(self) -> None:
        """Study the chosen cards, in place of this screen (Back then leads Home)."""
        plan = self.checked_plan()
        if plan is None:
            return
        choice = self.choice()
        counted = self.counted
        if counted is not None and counted[0] == choice and counted[1] is not None:
            cards = counted[1]
        else:  # not counted yet: now, in this thread
            cards = self.count(plan, self.collection, self.study.now())
        if not cards:
            self.notify("No card to study with this choice.", severity="warning")
            return
        from studyapp.tui.screens.review import ReviewScreen

        self.app.switch_screen(
            ReviewScreen(deck=self.deck, search=plan.query, cram=plan.cram, ahead=not plan.cram)
        )
