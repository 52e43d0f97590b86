"""Home: decks with their counts, today's reviews and streak, when the next card is due, the mastery map,
the due forecast of the week and the heatmap of the last weeks, and the way everywhere."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from studyapp.errors import CollectionError
from studyapp.scheduler import format_interval, format_local
from studyapp.tui.screens.base import AppScreen, move_highlight
from studyapp.tui.widgets.bars import mastery_rows
from studyapp.tui.widgets.forecast import DueForecast
from studyapp.tui.widgets.heatmap import Heatmap
from studyapp.tui.widgets.keybar import KeyBar
from studyapp.tui.widgets.mastery_map import MASTERY_TITLE, MasteryMap
from studyapp.words import plural

ALL_DECKS = "__all__"
#: Days of the due forecast and weeks of the heatmap on Home.
FORECAST_DAYS = 7
HEATMAP_WEEKS = 12


def deck_row(title: str, new: object, learning: object, due: object) -> str:
    """One line of the deck list (or its header): the counts in fixed columns, then the title.

    The title comes last so that a narrow terminal shortens it, not the counts.
    """
    return f"{new!s:<5} {learning!s:<5} {due!s:<5} {title}"


def next_due_text(now: datetime, due_now: bool, upcoming: datetime | None) -> str:
    """When the next card is due: ``now`` while a studied card waits, else the time and how soon."""
    if due_now:
        return "Next card due: [b]now[/b]"
    if upcoming is None:
        return "Next card due: [dim]none scheduled[/dim]"
    return f"Next card due: [b]{format_local(upcoming)}[/b] (in {format_interval(upcoming - now)})"


def warm_up() -> None:
    """Import the review screen and the Markdown renderer while Home is read, so studying starts at once."""
    from rich.markdown import Markdown  # noqa: F401

    import studyapp.tui.screens.review  # noqa: F401


class HomeScreen(AppScreen):
    """The first screen: what is due, how it's going, and where to go."""

    HELP_TITLE = "Home"
    HELP_KEYS = [("↑, ↓", "Choose a deck"), ("⏎", "Study the chosen deck")]
    BINDINGS = [
        # Every key here acts as soon as it is read, in the order typed, and a screen it opens is ready
        # before the next key is read: `b/grad` typed at once searches Browse for "grad", and `↓c` opens
        # custom study of the deck ↓ chose. (The deck list's own ↑ ↓ ⏎ would act only once they reached
        # it, after the keys typed next were on their way to it.)
        Binding("s", "study", "Study", priority=True),
        Binding("c", "custom_study", "Custom study", priority=True),
        Binding("z", "app.quiz", "Quiz", priority=True),
        Binding("b", "app.browse", "Browse", priority=True),
        Binding("m", "app.simulations", "Simulations", priority=True),
        Binding("t", "app.stats", "Stats", priority=True),
        Binding("o", "app.settings", "Settings", priority=True),
        Binding("a", "app.add_card", "Add card", priority=True),
        Binding("up", "move_deck(-1)", show=False, priority=True),
        Binding("down", "move_deck(1)", show=False, priority=True),
        Binding("enter", "study", show=False, priority=True),  # listed in HELP_KEYS
        Binding("question_mark", "help", "Help"),
        Binding("q", "app.quit", "Quit"),
        Binding("escape", "back", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Static("[b]studyapp[/b] · Deep Learning Basics, Optimisation & CNNs", classes="screen-title")
        yield Static(id="home-warnings")
        with Horizontal(id="home-body"):
            with Vertical(id="home-left"):
                yield Static(deck_row("Deck", "New", "Learn", "Due"), id="decks-header", markup=False)
                yield OptionList(id="decks", markup=False)
                yield Static(id="today")
                self.forecast = DueForecast(id="home-forecast")
                yield self.forecast
            with Vertical(id="home-right"):
                yield Static(MASTERY_TITLE)
                yield MasteryMap(id="mastery")
                self.heatmap = Heatmap(id="home-heatmap")
                yield self.heatmap
        yield KeyBar()

    def on_mount(self) -> None:
        problems = getattr(self.collection.library, "problems", [])
        if problems:
            lines = "\n".join(f"⚠ skipped {escape(str(p))}" for p in problems[:5])
            more = f"\n… and {len(problems) - 5} more (run `studyapp check`)" if len(problems) > 5 else ""
            self.query_one("#home-warnings", Static).update(f"[b $warning]{lines}{more}[/]")
        else:
            self.query_one("#home-warnings", Static).display = False
        self.set_focus(self.query_one("#decks", OptionList))
        self.refresh_counts()  # in the first frame
        self.call_after_refresh(self.after_paint)
        self.counted_at_mount = True

    def action_back(self) -> None:
        """Home is the bottom of the stack: nothing to go back to."""

    def on_screen_resume(self) -> None:
        if self.counted_at_mount:  # the first resume follows the mount, which has just counted
            self.counted_at_mount = False
            return
        self.refresh_counts()
        # After the counts are painted: the statistics cost more than the counts on a big collection.
        self.call_after_refresh(self.refresh_statistics)

    counted_at_mount = False

    def after_paint(self) -> None:
        """Once the counts are on screen: the mastery map, forecast and heatmap, and warming up the review."""
        self.refresh_statistics()
        self.run_worker(warm_up, thread=True, group="warm-up")

    class StatisticsReady(Message):
        """Home's statistics are computed (``data``, ``Collection.home_statistics``' dict), or could not be
        (``error``)."""

        def __init__(self, data: dict[str, Any] | None, error: str = "") -> None:
            super().__init__()
            self.data, self.error = data, error

    def refresh_counts(self) -> None:
        """Recount the decks, today's reviews and when the next card is due (in SQL: the decks' cards
        are not read, so a big collection paints as soon as a small one); the streak shown is the last
        one the statistics gave, until they give it again."""
        now = self.study.now()
        overview = self.collection.overview(now)
        rows = [
            Option(deck_row(title, c.new, c.learning, c.due), id=deck_id)
            for deck_id, title, c in overview.decks
        ]
        total = overview.total
        rows.append(Option(deck_row("All decks", total.new, total.learning, total.due), id=ALL_DECKS))
        decks = self.query_one("#decks", OptionList)
        highlighted = decks.highlighted
        decks.clear_options().add_options(rows)
        decks.highlighted = min(highlighted or 0, len(rows) - 1)
        self.today = (overview.reviews_today, next_due_text(now, overview.due_now, overview.next_due))
        self.show_today()

    #: Today's reviews and when the next card is due (``next_due_text``), from the last count.
    today: tuple[int, str] = (0, "")
    #: The streak in days, from the last statistics (``None`` until they come).
    streak: int | None = None

    def show_today(self) -> None:
        """Today's reviews, the streak (once the statistics have it) and when the next card is due."""
        reviews, next_due = self.today
        streak = "" if self.streak is None else f" · streak [b]{self.streak}[/b] {plural(self.streak, 'day')}"
        self.query_one("#today", Static).update(
            f"Today: [b]{reviews}[/b] {plural(reviews, 'review')}{streak}\n{next_due}"
        )

    def refresh_statistics(self) -> None:
        """The streak, the mastery map, the week's due forecast and the heatmap of the last weeks,
        computed in the background: on a big collection they take longer than the counts, and keys
        must not wait."""
        self.load_statistics(self.study.now())

    @work(thread=True, exclusive=True, group="home-statistics")
    def load_statistics(self, now: datetime) -> None:
        """Home's statistics at ``now``, back as a message."""
        try:
            data = self.collection.home_statistics(now, 7 * HEATMAP_WEEKS, FORECAST_DAYS)
        except CollectionError as error:
            self.post_message(self.StatisticsReady(None, error.message))
        else:
            self.post_message(self.StatisticsReady(data))

    def on_home_screen_statistics_ready(self, message: StatisticsReady) -> None:
        if message.data is None:
            self.query_one("#mastery", MasteryMap).show_problem(f"[b $warning]{escape(message.error)}[/]")
            return
        data = message.data
        self.streak = data["streak"]
        self.show_today()
        self.query_one("#mastery", MasteryMap).show(mastery_rows(data["mastery"]["tags"]))
        forecast = [(date.fromisoformat(day["date"]), day["due"]) for day in data["forecast"]]
        self.forecast.show(forecast[:FORECAST_DAYS])
        self.draw_heatmap(data)

    def draw_heatmap(self, data: dict[str, Any]) -> None:
        """The reviews of the last ``HEATMAP_WEEKS`` weeks (today's count and the streak are on the left)."""
        days = [(date.fromisoformat(day), count) for day, count in data["reviews_per_day"].items()]
        self.heatmap.show(f"[b]Reviews[/b] [dim]last {HEATMAP_WEEKS} weeks[/dim]", days, HEATMAP_WEEKS)

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        await self.study_deck(event.option_id)

    async def action_study(self) -> None:
        await self.study_deck(self.chosen_deck())

    def action_move_deck(self, step: int) -> None:
        move_highlight(self.query_one("#decks", OptionList), step)

    def chosen_deck(self) -> str | None:
        """The deck of the highlighted row (``None``: every deck)."""
        option = self.query_one("#decks", OptionList).highlighted_option
        return None if option is None or option.id == ALL_DECKS else option.id

    async def action_custom_study(self) -> None:
        """Custom study of the highlighted deck: ahead, today's Again cards, a search, or cram."""
        await self.study.action_custom_study(self.chosen_deck())

    async def study_deck(self, deck: str | None) -> None:
        """Study one deck, or every deck for the "All decks" row."""
        await self.study.action_study(deck=None if deck in (None, ALL_DECKS) else deck)
