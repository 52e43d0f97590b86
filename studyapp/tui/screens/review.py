"""Review: question, reveal, rate with the next interval on each choice, undo, bury, suspend, simulate.

Predict, then run: on a card whose simulation computes a number (and whose deck has the ``predict``
setting on), a line asks for a prediction of the first of its numbers before the answer; Enter grades it
(an empty line skips it) and shows it next to the computed value, with a diagnosis and a suggested rating.
A drill card (``problem``) shows a fresh instance of its problem, graded as the quiz grades it, with its
worked solution. The prediction and the drill instance are saved with the rating.

A rating is on disk before the next card is laid out; when another program holds the collection's write
lock, it waits as ``review_saving`` describes, and only the learner's explicit ``x`` gives it up.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.widgets import Input, Static

from studyapp.errors import UserError
from studyapp.math import FormulaPart, plain_text
from studyapp.model import Rating
from studyapp.scheduler import format_interval, format_local
from studyapp.tui.screens.review_predict import DRILL_HINT
from studyapp.tui.screens.review_saving import PendingRating, SavingReview
from studyapp.tui.widgets import card_text
from studyapp.tui.widgets.choice_bar import ChoiceBar
from studyapp.tui.widgets.formula import FormulaPanel, graphics_renderer
from studyapp.tui.widgets.keybar import KeyBar
from studyapp.tui.widgets.prediction import PredictionPanel
from studyapp.tui.widgets.progress import Queue, QueueCounts
from studyapp.tui.widgets.text_block import TextBlock
from studyapp.words import plural

if TYPE_CHECKING:
    from studyapp.cloze_grading import ClozeGrade
    from studyapp.model import Card, RateResult
    from studyapp.search import Query
    from studyapp.session import Counts

CHOICE_KEYS = "abcd"
REVEAL_HINT = "Space or Enter shows the answer"
CHOICE_HINT = "a–d picks an option · Space or Enter shows the answer"
CLOZE_HINT = "Type what the blank hides and press Enter to check it · Enter alone shows the answer"
CRAM_LABEL = "Cram — nothing is saved: ratings, bury and suspend leave the schedule as it is"
CRAM_SET_ASIDE = "Set aside for this cram session; nothing is saved"
AHEAD_LABEL = "Custom study — every chosen card now, due or not; ratings are saved"
#: The rating choices, each coloured as in Anki (Again red, Hard amber, Good green, Easy blue).
RATING_TONES = tuple(rating.name.lower() for rating in Rating)
#: Actions whose keys type into a cloze card's answer line instead, while it is shown.
TYPED_KEYS = frozenset({"bury", "suspend", "simulate", "help"})
#: Actions that stay available while a rating waits to be saved.
WHILE_SAVING = frozenset({"give_up", "help"})


#: Answers shown under a card's answer when its deck names none (``headline``), and at most.
HEADLINE_ROWS = 4
NOTE_LABELS = {"correction": "Correction", "clarification": "Clarification"}
#: Seconds between painting a card and asking the worker for its simulation's answer.
SIM_ANSWER_DELAY = 0.02


#: The groups of the review's keys in its help (``?``).
ANSWER = Binding.Group("Answer")
RATE = Binding.Group("Rate")
CARD = Binding.Group("This card")


class ReviewScreen(SavingReview):
    """One study session: the queue of the chosen deck or tag, until nothing is left."""

    class SimAnswer(Message):
        """The headline answer of card ``card_id``'s simulation, as markup (computed by the worker)."""

        def __init__(self, card_id: str, text: str) -> None:
            super().__init__()
            self.card_id, self.text = card_id, text

    HELP_TITLE = "Review"
    # The study keys are priority bindings: the screen answers them before the focused scroll area
    # and its parents have looked at the key, which is most of a keypress's routing time.
    BINDINGS = [
        Binding("space,enter", "reveal", "Show answer", priority=True, group=ANSWER),
        *(
            Binding(key, f"choose({i})", "Pick an option", show=False, group=ANSWER)
            for i, key in enumerate(CHOICE_KEYS)
        ),
        Binding("1", "rate(1)", "Again", show=False, priority=True, group=RATE),
        Binding("2", "rate(2)", "Hard", show=False, priority=True, group=RATE),
        Binding("3", "rate(3)", "Good", show=False, priority=True, group=RATE),
        Binding("4", "rate(4)", "Easy", show=False, priority=True, group=RATE),
        Binding("u,ctrl+z", "undo", "Undo", group=RATE),  # ctrl+z also while typing a cloze answer
        Binding("x", "give_up", "Give up the rating waiting to be saved", priority=True, group=RATE),
        Binding("minus", "bury", "Bury", group=CARD),
        Binding("exclamation_mark", "suspend", "Suspend", group=CARD),
        Binding("s", "simulate", "Simulation", group=CARD),
        Binding("p", "predict", "Predict", group=ANSWER),
        Binding("question_mark", "help", "Help"),
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(
        self,
        deck: str | None = None,
        tag: str | None = None,
        cram: bool = False,
        search: Query | None = None,
        ahead: bool = False,
    ) -> None:
        """``search`` keeps to its matches; ``ahead`` studies every match now (custom study), ``cram``
        goes through them without saving."""
        super().__init__()
        self.deck, self.tag, self.cram, self.search, self.ahead = deck, tag, cram, search, ahead
        self.card: Card | None = None
        self.revealed = False
        self.started = time.monotonic()
        self.shown_at = time.monotonic()
        self.sim_answers: dict[str, str] = {}
        self.pending_answers: set[str] = set()
        self.finished = False
        self.saving = None
        self.chosen: int | None = None
        #: The grade of the answer typed to the cloze card on show, once checked.
        self.graded: ClozeGrade | None = None
        self.shown_key_state: tuple[object, ...] | None = None
        self.key_texts: dict[tuple[object, ...], Content] = {}

    def compose(self) -> ComposeResult:
        # Kept as attributes: a rating changes most of them, and a query per change adds up.
        self.queue_counts = QueueCounts(id="review-counts")
        self.cram_label = Static(CRAM_LABEL if self.cram else AHEAD_LABEL, id="cram-label")
        self.cram_label.display = self.cram or self.ahead
        self.question = TextBlock(id="question")
        self.cloze_answer = Input(placeholder="what the blank hides", id="cloze-answer")
        self.cloze_answer.display = False
        self.choices = Static(id="choices")
        self.predict_panel = PredictionPanel(id="prediction-line")
        self.revealed_part = Vertical(id="revealed")  # shown and hidden as one: one change per card, not two
        self.answer = Static(id="answer")
        self.graphics = graphics_renderer(str(getattr(self.app, "plot_renderer", "halfblock")))
        self.answer_images = FormulaPanel(self.graphics or "tgp", id="answer-images")
        self.answer_images.display = False
        self.note = Static(id="note")
        self.sim_answer = Static(id="sim-answer")
        self.ratings = ChoiceBar(id="ratings")
        yield self.cram_label
        yield self.queue_counts
        with VerticalScroll(id="review-body"):
            yield self.question
            yield self.cloze_answer
            yield self.predict_panel
            yield self.choices
            with self.revealed_part:
                yield self.answer
                yield self.answer_images
                yield self.note
                yield self.sim_answer
        yield self.ratings
        self.keybar = KeyBar()
        yield self.keybar

    def on_mount(self) -> None:
        self._session = self.collection.session(
            deck=self.deck,
            tag=self.tag,
            cram=self.cram,
            search=self.search,
            now=self.study.now(),
            ahead=self.ahead,
        )
        self.show_next()
        if self.collection.library.has_drills:
            from studyapp.problems import prepare

            self.run_worker(prepare, thread=True, group="prepare")

    # --- showing cards -----------------------------------------------------------------------------

    def show_next(self) -> None:
        """Show the next card's question, or the summary when the queue is empty."""
        now = self.study.now()
        self.show(self.session.next_card(now), self.session.counts(now))

    def show(self, card: Card | None, counts: Counts) -> None:
        """Show ``card``'s question (``None``: the summary), with ``counts`` cards left."""
        self.card = card
        self.revealed = False
        self.show_counts(card, counts)
        self.show_cloze_input(card is not None and bool(card.cloze))
        if self.card is None:
            self.show_summary()
            return
        self.finished = False
        self.chosen = None
        self.graded = None
        self.shown_at = time.monotonic()
        self.question.update(card_text.question_text(self.card))
        self.start_predictions(self.card)
        self.choices.display = self.card.multiple_choice
        if self.card.multiple_choice:
            self.choices.update(self.choice_lines(self.card))
        self.revealed_part.display = False
        hint = CLOZE_HINT if self.card.cloze else CHOICE_HINT if self.card.multiple_choice else REVEAL_HINT
        self.ratings.show_hint(DRILL_HINT if self.drill is not None else hint)
        self.refresh_keys()
        # Asked a moment after the question is painted: on two cores, the worker computing at once
        # slows the terminal drawing the card.
        self.call_after_refresh(self.set_timer, SIM_ANSWER_DELAY, partial(self.prepare_sim_answer, self.card))

    def show_cloze_input(self, shown: bool) -> None:
        """The line a cloze card's answer is typed on: empty and focused, or hidden."""
        if self.cloze_answer.display != shown:
            self.cloze_answer.display = shown
            self.cloze_answer.disabled = not shown
        if shown:
            self.cloze_answer.value = ""
            self.set_focus(self.cloze_answer)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """A cloze card's typed answer: graded when there is one, then the answer is shown."""
        if event.input is not self.cloze_answer or self.card is None or self.revealed:
            return
        event.stop()
        if event.value.strip():
            from studyapp.cloze_grading import grade_cloze

            self.graded = grade_cloze(self.card, event.value)
        self.action_reveal()

    def show_counts(self, card: Card | None, counts: Counts) -> None:
        """The header: Anki's new, learning and due counts, ``card``'s queue underlined (cram: cards left)."""
        if self.cram:
            self.queue_counts.show_left(counts.new + counts.learning + counts.due)
            return
        current = Queue.of(self.session.state(card.id).state) if card is not None else None
        self.queue_counts.show(counts.new, counts.learning, counts.due, current)

    def choice_lines(self, card: Card, reveal: bool = False) -> str:
        """The options as ``a) ...`` lines; once revealed, the right one and the learner's pick are marked."""
        lines = []
        for index, (key, text) in enumerate(zip(CHOICE_KEYS, self.choice_order(card), strict=False)):
            picked = " [dim](your pick)[/dim]" if index == self.chosen else ""
            shown = escape(plain_text(text))  # formulas as Unicode
            if reveal and text == card.answer:
                lines.append(f"[b $success]✓ {key}) {shown}[/]{picked}")
            elif reveal and picked:
                lines.append(f"[b $error]✗ {key}) {shown}[/]{picked}")
            else:
                lines.append(f"  {key}) {shown}")
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
        answers(
            card.sim,
            card.sim_params,
            lambda rows, error: self._answer_done(card.id, rows, error),
            keys=card.headline,
        )

    def _answer_done(self, card_id: str, rows: list[tuple[str, str]] | None, error: str | None) -> None:
        """Runs on the worker's reader thread: format the answer and hand it to the UI thread."""
        if rows is not None:
            text = "\n".join(
                f"{escape(label)}: [b]{escape(value)}[/b]" for label, value in rows[:HEADLINE_ROWS]
            )
        else:
            text = f"[red]the simulation could not run: {escape(error or 'unknown error')}[/red]"
        with suppress(RuntimeError):  # the app has closed
            self.post_message(self.SimAnswer(card_id, text))

    def on_review_screen_sim_answer(self, message: SimAnswer) -> None:
        card_id = message.card_id
        self.pending_answers.discard(card_id)
        self.sim_answers[card_id] = message.text
        if self.card is not None and self.card.id == card_id and self.revealed:
            self.show_sim_answer()

    def show_note(self, card: Card) -> None:
        """A note that corrects or clarifies the course notes' words, marked as such, after the answer."""
        self.note.display = bool(card.note)
        if card.note:
            from rich.console import Group

            label = NOTE_LABELS.get(card.note_kind, "Note")
            heading = Text(f"{label} (added to the course notes)", style="bold")
            self.note.update(Group(heading, card_text.markdown(card.note)))
            self.note.set_class(card.note_kind == "correction", "correction")

    def show_sim_answer(self) -> None:
        assert self.card is not None
        text = self.sim_answers.get(self.card.id, "[dim]computing…[/dim]")
        self.sim_answer.update(f"[b $accent]▶ simulation {self.card.sim}[/] [dim](s opens it)[/dim]\n{text}")

    # --- which keys work now ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys that do something in the current state are active and shown."""
        if self.saving is not None:
            return action in WHILE_SAVING
        if self._session is None:  # asked while the screen is being built
            return action not in ("give_up", "rate", "choose")
        card = self.card
        if action == "give_up":
            return False
        # An answer line (a cloze card's, a prediction, a drill's) takes the keys that type (Space, Enter, -,
        # !, s, ?) until the answer is revealed.
        typing = card is not None and (bool(card.cloze) or self.predict_panel.typing) and not self.revealed
        if action == "predict":
            return card is not None and self.predict_panel.asking and not typing
        if action == "reveal":
            return card is not None and not self.revealed and not typing
        if typing and action in TYPED_KEYS:
            return False
        if action == "rate":
            return card is not None and self.revealed
        if action == "choose":
            return card is not None and card.multiple_choice and not self.revealed
        if action in ("bury", "suspend"):
            return card is not None
        if action == "undo":
            return self.session.can_undo
        if action == "simulate":
            return self.simulation_card() is not None
        return True

    def key_state(self) -> tuple[object, ...]:
        """What decides which keys work (see ``check_action``)."""
        card = self.card
        return (
            self.saving is not None,
            card is None,
            self.revealed,
            card is not None and card.multiple_choice,
            card is not None and bool(card.cloze),
            self.predict_panel.asking,
            self.predict_panel.typing,
            self.suggested() is not None,
            self._session is not None and self.session.can_undo,
            self._session is not None and self.simulation_card() is not None,
        )

    def refresh_keys(self) -> None:
        """Show the keys of the current state in the key bar (each state's text is worked out once)."""
        state = self.key_state()
        if state == self.shown_key_state:
            return
        self.shown_key_state = state
        if state not in self.key_texts:  # parsed once: markup parsing is most of a key bar update
            self.key_texts[state] = Content.from_markup(self.keybar.keys_text())
        self.keybar.update(self.key_texts[state])

    # --- actions -----------------------------------------------------------------------------------

    def action_choose(self, index: int) -> None:
        """Pick option ``index`` of a multiple-choice card: the answer is shown with the pick marked."""
        if self.card is None or not self.card.multiple_choice or self.revealed:
            return
        if index >= len(self.choice_order(self.card)):
            return
        self.chosen = index
        self.action_reveal()
        right = self.choice_order(self.card)[index] == self.card.answer
        self.notify("Right: rate how easily you knew it." if right else "Not quite: see the marked answer.")

    def action_reveal(self) -> None:
        if self.card is None or self.revealed:
            return
        self.revealed = True
        if self.card.cloze:
            self.show_cloze_input(False)
        self.show_answer(self.card)
        self.show_note(self.card)
        if self.card.multiple_choice:
            self.choices.update(self.choice_lines(self.card, reveal=True))
        self.sim_answer.display = self.card.sim is not None
        if self.card.sim:
            self.show_sim_answer()
        self.show_prediction()
        self.revealed_part.display = True
        self.refresh_keys()
        if self.cram:  # nothing is scheduled in cram: no intervals to show
            self.ratings.show_choices([(str(int(r)), r.label) for r in Rating], RATING_TONES)
            return
        preview = self.session.preview(self.card.id, self.study.now())
        suggested = self.suggested()
        self.ratings.show_choices(
            [
                (
                    str(int(r)),
                    f"{r.label} · {format_interval(preview[r])}{' · suggested' if r == suggested else ''}",
                )
                for r in Rating
            ],
            RATING_TONES,
        )

    def show_answer(self, card: Card) -> None:
        """The revealed answer as one renderable, or, where display formulas are images, in pieces."""
        if self.drill is not None:
            from studyapp.tui.widgets.prediction import drill_solution

            self.answer.display, self.answer_images.display = True, False
            self.answer.update(
                drill_solution(self.drill, card_text.markdown(card.details) if card.details else None)
            )
            return
        verdict = card_text.verdict(self.graded) if self.graded is not None else None
        pieces = card_text.answer_pieces(card, verdict) if self.graphics else []
        as_images = any(isinstance(piece, FormulaPart) for piece in pieces)
        self.answer.display = not as_images
        self.answer_images.display = as_images
        if as_images:
            self.answer_images.show(pieces)
        else:  # one renderable: hiding it again costs no widget tree
            self.answer.update(card_text.answer(card, verdict))

    def on_key(self, event: events.Key) -> None:
        """Enter on a checked cloze card, prediction or drill answer takes the rating its grade suggests."""
        suggested = self.suggested()
        if event.key == "enter" and self.revealed and suggested is not None and self.saving is None:
            event.stop()
            self.action_rate(int(suggested))

    def action_rate(self, rating: int) -> None:
        if self.card is None or not self.revealed or self.saving is not None:
            return
        at = self.study.now()
        prediction, drill = self.review_extras(self.card, at)
        duration = int((time.monotonic() - self.shown_at) * 1000)
        self.save(PendingRating(self.card, Rating(rating), at, duration, prediction, drill))

    def rated(self, result: RateResult) -> None:
        """A rating is on disk: say so if the card became a leech, and show the next card."""
        card = self.session.card(result.card_id)
        if result.became_leech and card is not None:
            question = plain_text(card.question)
            self.notify(f"'{question}' is a leech: it is suspended and tagged leech.", timeout=8)
        self.show_next()

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
                if self.cram:
                    self.notify(f"{CRAM_SET_ASIDE} (u undoes)")
                else:
                    self.notify(f"Buried until {format_local(until)} (u undoes)")
                self.show_next()

    def action_suspend(self) -> None:
        card = self.card
        if card is not None and self.write(lambda: self.session.suspend(card.id))[0]:
            if self.cram:
                self.notify(f"{CRAM_SET_ASIDE} (u undoes)")
            else:
                self.notify("Suspended (u undoes; unsuspend in Browse)")
            self.show_next()

    def simulation_card(self) -> Card | None:
        """The card whose simulation ``s`` opens: the one shown, or after the last card the last rated."""
        card = self.card
        if card is None and self.session.results:
            card = self.session.card(self.session.results[-1].card_id)
        return card if card is not None and card.sim is not None else None

    def action_simulate(self) -> None:
        card = self.simulation_card()
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
            cards = plural(len(results), "card")
            lines.append(f"Reviewed [b]{len(results)}[/b] {cards} in {minutes}m {seconds}s")
            lines.append("  ".join(f"{r.label}: [b]{ratings.get(r, 0)}[/b]" for r in Rating))
        upcoming = self.collection.next_due(self.study.now())
        if upcoming is not None:
            lines.append(f"Next card due: [b]{format_local(upcoming)}[/b]")
        undo = "u undoes the last rating · " if self.session.can_undo else ""
        lines += ["", f"[dim]{undo}Escape goes back home[/dim]"]
        self.question.update(Text.from_markup("\n".join(lines)))
        self.choices.display = self.revealed_part.display = False
        self.ratings.show_choices(())
        self.refresh_keys()
