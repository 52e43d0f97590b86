"""Home: decks with their counts, today's reviews and streak, the mastery map, and the way everywhere."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from studyapp.tui.screens.base import AppScreen
from studyapp.tui.widgets.bars import bar_lines
from studyapp.tui.widgets.keybar import KeyBar

ALL_DECKS = "__all__"


def deck_row(title: str, new: object, learning: object, due: object) -> str:
    """One line of the deck list (or its header): the counts in fixed columns, then the title.

    The title comes last so that a narrow terminal shortens it, not the counts.
    """
    return f"{new!s:<5} {learning!s:<5} {due!s:<5} {title}"


def warm_up() -> None:
    """Import the review screen and the Markdown renderer while Home is read, so studying starts at once."""
    from rich.markdown import Markdown  # noqa: F401

    import studyapp.tui.screens.review  # noqa: F401


class HomeScreen(AppScreen):
    """The first screen: what is due, how it's going, and where to go."""

    HELP_TITLE = "Home"
    BINDINGS = [
        Binding("s", "study", "Study"),
        Binding("z", "app.quiz", "Quiz"),
        Binding("b", "app.browse", "Browse"),
        Binding("m", "app.simulations", "Simulations"),
        Binding("t", "app.stats", "Stats"),
        Binding("o", "app.settings", "Settings"),
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
            with Vertical(id="home-right"):
                yield Static("[b]Mastery by topic[/b] [dim](average recall probability)[/dim]")
                yield Static(id="mastery")
        yield KeyBar()

    def on_mount(self) -> None:
        problems = getattr(self.collection.library, "problems", [])
        if problems:
            lines = "\n".join(f"⚠ skipped {escape(str(p))}" for p in problems[:5])
            more = f"\n… and {len(problems) - 5} more (run `studyapp check`)" if len(problems) > 5 else ""
            self.query_one("#home-warnings", Static).update(f"[b $warning]{lines}{more}[/]")
        else:
            self.query_one("#home-warnings", Static).display = False
        self.query_one("#decks", OptionList).focus()
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
        self.refresh_mastery()

    counted_at_mount = False

    def after_paint(self) -> None:
        """Once the counts are on screen: the mastery map, and warming up the review screen."""
        self.refresh_mastery()
        self.run_worker(warm_up, thread=True, group="warm-up")

    def refresh_counts(self) -> None:
        """Recount the decks, today's reviews and the streak; the mastery map follows."""

        now = self.study.now()
        session = self.collection.session()
        counts = session.deck_counts(now)
        rows = [
            Option(deck_row(deck.title, c.new, c.learning, c.due), id=deck.id)
            for deck in self.collection.library.decks
            if (c := counts.get(deck.id)) is not None
        ]
        total = session.counts(now)
        rows.append(Option(deck_row("All decks", total.new, total.learning, total.due), id=ALL_DECKS))
        decks = self.query_one("#decks", OptionList)
        highlighted = decks.highlighted
        decks.clear_options().add_options(rows)
        decks.highlighted = min(highlighted or 0, len(rows) - 1)
        reviews_today, streak = self.collection.today(now)
        self.query_one("#today", Static).update(
            f"Today: [b]{reviews_today}[/b] reviews · streak [b]{streak}[/b] day{'s' if streak != 1 else ''}"
        )

    def refresh_mastery(self) -> None:
        """The mastery map: mean recall probability per tag, as bars."""
        per_tag = self.collection.mastery(self.study.now())
        self.mastery_rows = [(tag, m.retrievability) for tag, m in per_tag.items()]
        self.draw_mastery()

    mastery_rows: Sequence[tuple[str, float | None]] = ()  # recomputed after each count

    def draw_mastery(self) -> None:
        """The mastery bars, fitted to the panel's width."""
        mastery = self.query_one("#mastery", Static)
        lines = bar_lines(self.mastery_rows, mastery.content_size.width)
        mastery.update("\n".join(lines) or "[dim]no cards yet[/dim]")

    def on_resize(self) -> None:
        if self.mastery_rows:
            self.call_after_refresh(self.draw_mastery)  # once the panel has its new width

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.study_deck(event.option_id)

    def action_study(self) -> None:
        option = self.query_one("#decks", OptionList).highlighted_option
        self.study_deck(option.id if option is not None else None)

    def study_deck(self, deck: str | None) -> None:
        """Study one deck, or every deck for the "All decks" row."""
        self.study.action_study(deck=None if deck in (None, ALL_DECKS) else deck)
