"""Review: question, reveal, rate with the next interval on each choice, undo, bury, suspend, simulate."""

from __future__ import annotations

import random
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.widgets import Static

from studyapp.errors import UserError
from studyapp.scheduler import format_interval, format_local
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.widgets.choice_bar import ChoiceBar
from studyapp.tui.widgets.keybar import KeyBar
from studyapp.tui.widgets.progress import SessionProgress
from studyapp.tui.widgets.text_block import TextBlock

if TYPE_CHECKING:
    from studyapp.model import Card
    from studyapp.session import Counts, StudySession

T = TypeVar("T")

RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
CHOICE_KEYS = "abcd"
REVEAL_HINT = "Space or Enter shows the answer"
#: Seconds between painting a card and asking the worker for its simulation's answer.
SIM_ANSWER_DELAY = 0.02


class ReviewScreen(AppScreen):
    """One study session: the queue of the chosen deck or tag, until nothing is left."""

    HELP_TITLE = "Review"
    # The study keys are priority bindings: the screen answers them before the focused scroll area
    # and its parents have looked at the key, which is most of a keypress's routing time.
    BINDINGS = [
        Binding("space,enter", "reveal", "Show answer", priority=True),
        Binding("1", "rate(1)", "Again", show=False, priority=True),
        Binding("2", "rate(2)", "Hard", show=False, priority=True),
        Binding("3", "rate(3)", "Good", show=False, priority=True),
        Binding("4", "rate(4)", "Easy", show=False, priority=True),
        Binding("u", "undo", "Undo"),
        Binding("b", "bury", "Bury"),
        Binding("exclamation_mark", "suspend", "Suspend"),
        Binding("s", "simulate", "Simulation"),
        Binding("question_mark", "help", "Help"),
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(self, deck: str | None = None, tag: str | None = None, cram: bool = False) -> None:
        super().__init__()
        self.deck, self.tag, self.cram = deck, tag, cram
        self.card: Card | None = None
        self.revealed = False
        self.started = time.monotonic()
        self.shown_at = time.monotonic()
        self.sim_answers: dict[str, str] = {}
        self.pending_answers: set[str] = set()
        self.finished = False

    @property
    def session(self) -> StudySession:
        return self._session

    def compose(self) -> ComposeResult:
        # Kept as attributes: a rating changes most of them, and a query per change adds up.
        self.progress = SessionProgress(id="review-progress")
        self.question = TextBlock(id="question")
        self.choices = Static(id="choices")
        self.revealed_part = Vertical(id="revealed")  # shown and hidden as one: one change per card, not two
        self.answer = Static(id="answer")
        self.sim_answer = Static(id="sim-answer")
        self.ratings = ChoiceBar(id="ratings")
        yield self.progress
        with VerticalScroll(id="review-body"):
            yield self.question
            yield self.choices
            with self.revealed_part:
                yield self.answer
                yield self.sim_answer
        yield self.ratings
        yield KeyBar()

    def on_mount(self) -> None:
        self._session = self.collection.session(deck=self.deck, tag=self.tag, cram=self.cram)
        self.show_next()

    # --- showing cards -----------------------------------------------------------------------------

    def show_next(self) -> None:
        """Show the next card's question, or the summary when the queue is empty."""
        now = self.study.now()
        self.show(self.session.next_card(now), self.session.counts(now))

    def show(self, card: Card | None, counts: Counts) -> None:
        """Show ``card``'s question (``None``: the summary), with ``counts`` cards left."""
        self.card = card
        self.revealed = False
        done = len(self.session.results)
        self.progress.update(done, done + counts.new + counts.learning + counts.due)
        if self.card is None:
            self.show_summary()
            return
        self.finished = False
        self.shown_at = time.monotonic()
        self.question.update(Text(self.card.question, "bold"))
        self.choices.display = self.card.multiple_choice
        if self.card.multiple_choice:
            self.choices.update(self.choice_lines(self.card))
        self.revealed_part.display = False
        self.ratings.show_hint(REVEAL_HINT)
        # Asked a moment after the question is painted: on two cores, the worker computing at once
        # slows the terminal drawing the card.
        self.call_after_refresh(self.set_timer, SIM_ANSWER_DELAY, partial(self.prepare_sim_answer, self.card))

    def choice_lines(self, card: Card, reveal: bool = False) -> str:
        """The options as ``a) ...`` lines; once revealed, the right one is marked."""
        lines = []
        for key, text in zip(CHOICE_KEYS, self.choice_order(card), strict=False):
            if reveal and text == card.answer:
                lines.append(f"[b $success]✓ {key}) {escape(text)}[/]")
            else:
                lines.append(f"  {key}) {escape(text)}")
        return "\n".join(lines)

    @staticmethod
    def choice_order(card: Card) -> list[str]:
        """The answer among the distractors, in an order fixed per card."""
        options = [card.answer, *card.distractors[:3]]
        random.Random(card.id).shuffle(options)
        return options

    def prepare_sim_answer(self, card: Card) -> None:
        """Compute the linked simulation's headline answer in the worker process (cached per card)."""
        if card.sim is None or card.id in self.sim_answers or card.id in self.pending_answers:
            return
        from studyapp.tui.sim_client import answers

        self.pending_answers.add(card.id)
        answers(card.sim, card.sim_params, lambda rows, error: self._answer_done(card.id, rows, error))

    def _answer_done(self, card_id: str, rows: list[tuple[str, str]] | None, error: str | None) -> None:
        """Runs on the worker's reader thread: format the answer and hand it to the UI thread."""
        if rows is not None:
            text = "\n".join(f"{escape(label)}: [b]{escape(value)}[/b]" for label, value in rows[:3])
        else:
            text = f"[red]the simulation could not run: {escape(error or 'unknown error')}[/red]"
        try:
            self.app.call_from_thread(self._sim_answer_ready, card_id, text)
        except RuntimeError:
            return  # the app has closed

    def _sim_answer_ready(self, card_id: str, text: str) -> None:
        self.pending_answers.discard(card_id)
        self.sim_answers[card_id] = text
        if self.card is not None and self.card.id == card_id and self.revealed:
            self.show_sim_answer()

    def show_sim_answer(self) -> None:
        assert self.card is not None
        text = self.sim_answers.get(self.card.id, "[dim]computing…[/dim]")
        self.sim_answer.update(f"[b $accent]▶ simulation {self.card.sim}[/] [dim](s opens it)[/dim]\n{text}")

    # --- actions -----------------------------------------------------------------------------------

    def action_reveal(self) -> None:
        if self.card is None or self.revealed:
            return
        self.revealed = True
        from rich.markdown import Markdown  # one renderable: hiding it again costs no widget tree

        self.answer.update(Markdown(self.card.answer_markdown()))
        if self.card.multiple_choice:
            self.choices.update(self.choice_lines(self.card, reveal=True))
        self.sim_answer.display = self.card.sim is not None
        if self.card.sim:
            self.show_sim_answer()
        self.revealed_part.display = True
        preview = self.session.preview(self.card.id, self.study.now())
        self.ratings.show_choices(
            [(str(n), f"{RATINGS[n]} · {format_interval(preview[n])}") for n in RATINGS]
        )

    def action_rate(self, rating: int) -> None:
        if self.card is None or not self.revealed:
            return
        card, duration = self.card, int((time.monotonic() - self.shown_at) * 1000)
        written, advance = self.write(
            lambda: self.session.rate_and_advance(card.id, rating, self.study.now(), duration)
        )
        if not written or advance is None:
            return
        # The next card is laid out while the rating is synced to disk; it is painted once saved.
        self.study.hold_next_frame(self.acknowledge)
        if advance.result.became_leech:
            self.notify(f"'{card.question}' is a leech: it is suspended and tagged leech.", timeout=8)
        self.show(advance.next_card, advance.counts)

    def acknowledge(self) -> bool:
        """Wait until the last rating is on disk; if saving it failed, say so and show its card again."""
        try:
            self.session.durable()
        except sqlite3.Error as error:
            self.report_unwritten(error)
            self.call_later(self.show_next)
            return False
        return True

    def write(self, change: Callable[[], T]) -> tuple[bool, T | None]:
        """``AppScreen.write``, after the last rating is known to be saved."""
        return super().write(change) if self.acknowledge() else (False, None)

    def action_undo(self) -> None:
        try:
            written, card_id = self.write(self.session.undo)
        except UserError as error:
            self.notify(error.message, severity="warning")
            return
        if not written:
            return
        if card_id is None:
            self.notify("Nothing to undo.")
            return
        self.show_next()

    def action_bury(self) -> None:
        card = self.card
        if card is not None:
            written, until = self.write(lambda: self.session.bury(card.id, self.study.now()))
            if written and until is not None:
                self.notify(f"Buried until {format_local(until)} (u undoes)")
                self.show_next()

    def action_suspend(self) -> None:
        card = self.card
        if card is not None and self.write(lambda: self.session.suspend(card.id))[0]:
            self.notify("Suspended (u undoes; unsuspend in Browse)")
            self.show_next()

    def action_simulate(self) -> None:
        card = self.card
        if card is None and self.session.results:
            card = self.session.card(self.session.results[-1].card_id)
        if card is None or card.sim is None:
            self.notify("This card has no simulation.")
            return
        self.study.open_simulation(card.sim, dict(card.sim_params))

    # --- the end -----------------------------------------------------------------------------------

    def show_summary(self) -> None:
        """Count, ratings, time spent, and when the next card is due."""
        self.finished = True
        results = self.session.results
        ratings = Counter(r.rating for r in results)
        minutes, seconds = divmod(int(time.monotonic() - self.started), 60)
        lines = ["[b]Session complete[/b]" if results else "[b]Nothing is due right now[/b]", ""]
        if results:
            plural = "s" if len(results) != 1 else ""
            lines.append(f"Reviewed [b]{len(results)}[/b] card{plural} in {minutes}m {seconds}s")
            lines.append("  ".join(f"{RATINGS[n]}: [b]{ratings.get(n, 0)}[/b]" for n in RATINGS))
        upcoming = self.collection.store.next_due(self.study.now())
        if upcoming is not None:
            lines.append(f"Next card due: [b]{format_local(upcoming)}[/b]")
        lines += ["", "[dim]u undoes the last rating · Escape goes back home[/dim]"]
        self.question.update(Text.from_markup("\n".join(lines)))
        self.choices.display = self.revealed_part.display = False
        self.ratings.show_choices(())
