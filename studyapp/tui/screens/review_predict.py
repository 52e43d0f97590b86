"""The review's predictions and drill cards, as the base of ``ReviewScreen``.

Predict, then run: on a card whose simulation computes a number (and whose deck has the ``predict``
setting on), the worker process computes its numbers while the question is shown, and a line offers a
prediction of the first one; ``p`` gives it the keys (the review's keys work until then), Enter grades it
(an empty line skips it), and the answer shows it next to the computed value with a diagnosis and a
suggested rating. A drill card (``problem``) shows a fresh instance of its problem (the same one again
after undo), graded as the quiz grades it, with its worked solution. The prediction and the drill
instance are saved with the rating (``review_extras``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.markup import escape
from textual.message import Message

from studyapp.model import Rating
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.widgets.prediction import PredictionPanel

if TYPE_CHECKING:
    from studyapp.cloze_grading import ClozeGrade
    from studyapp.model import Card
    from studyapp.predict import PredictionGrade, Target
    from studyapp.problems import Drill, DrillGrade
    from studyapp.session import StudySession
    from studyapp.store.predictions import DrillAnswer, PredictionRecord
    from studyapp.tui.widgets.choice_bar import ChoiceBar
    from studyapp.tui.widgets.text_block import TextBlock

PREDICT_HINT = "Space shows the answer · p predicts the simulated number first"
PREDICTING_HINT = "Type your prediction and press Enter · Enter alone shows the answer"
DRILL_HINT = "Work it out, type the number and press Enter to check it · Enter alone shows the solution"
#: Seconds between painting a card and asking the worker for its numbers.
NUMBERS_DELAY = 0.02


class PredictingReview(AppScreen):
    """A review screen's predictions and drill cards; ``ReviewScreen`` supplies the rest."""

    class Numbers(Message):
        """The numbers of ``card``'s simulation that a prediction can be asked of (``found``), computed
        by the worker with the resolved ``params``."""

        def __init__(self, card: Card, params: dict[str, Any], found: list[Target]) -> None:
            super().__init__()
            self.card, self.params, self.found = card, params, found

    #: What the review screen sets: the card on show, whether it is revealed, a rating waiting to be
    #: saved, the grade of a cloze answer, and the widgets the question and the ratings are shown in.
    card: Card | None
    revealed: bool
    saving: object | None
    graded: ClozeGrade | None
    question: TextBlock
    ratings: ChoiceBar
    predict_panel: PredictionPanel
    #: The review screen's: show the keys of the current state, and show the answer.
    refresh_keys: Callable[[], None]
    action_reveal: Callable[[], None]

    def __init__(self) -> None:
        super().__init__()
        self._session: StudySession | None = None
        #: The numbers each card's simulation computes, once the worker has them (resolved parameters too).
        self.predictable: dict[str, tuple[dict[str, Any], list[Target]]] = {}
        #: The prediction made for the card on show, once graded.
        self.prediction: PredictionGrade | None = None
        #: The problem instance a drill card on show asks, and the grade of the answer typed.
        self.drill: Drill | None = None
        self.drill_grade: DrillGrade | None = None

    @property
    def session(self) -> StudySession:
        assert self._session is not None, "the session starts when the screen is mounted"
        return self._session

    def start_predictions(self, card: Card) -> None:
        """On showing ``card``: reset the prediction and the drill, then ask for what it asks."""
        self.prediction = self.drill = self.drill_grade = None
        self.predict_panel.clear()
        if card.problem:
            self.show_drill(card)
        elif self.asks_prediction(card):
            # Asked a moment after the question is painted, as the card's simulation answers are.
            self.call_after_refresh(self.set_timer, NUMBERS_DELAY, lambda: self.prepare_prediction(card))

    def asks_prediction(self, card: Card) -> bool:
        """Whether a prediction is asked before ``card``'s answer: a plain card with a simulation, in a
        deck with the ``predict`` setting on (cloze and multiple-choice cards have their own answers)."""
        return not card.cloze and not card.multiple_choice and self.session.predicts(card)

    def prepare_prediction(self, card: Card) -> None:
        """Ask the worker for the numbers of the card's simulation (cached per card), then the prediction."""
        if card.id in self.predictable:
            self.ask_prediction(card)
            return
        from studyapp.tui.sim_client import numbers

        assert card.sim is not None
        numbers(card.sim, card.sim_params, lambda reply, _error: self._numbers_done(card, reply))

    def _numbers_done(self, card: Card, reply: dict[str, Any] | None) -> None:
        """Runs on the worker's reader thread: the card's predictable numbers, to the UI thread."""
        from studyapp.predict import targets

        found: list[Target] = []
        params: dict[str, Any] = {}
        if reply is not None and card.sim is not None:
            params = dict(reply["params"])
            found = targets(card.sim, params, reply["answers"], reply["labels"], card.headline)
        with suppress(RuntimeError):  # the app has closed
            self.post_message(self.Numbers(card, params, found))

    def on_predicting_review_numbers(self, message: Numbers) -> None:
        self.predictable[message.card.id] = (message.params, message.found)
        self.ask_prediction(message.card)

    def ask_prediction(self, card: Card) -> None:
        """The prediction line for the card's first number, if it is still the question on show."""
        found = self.predictable[card.id][1]
        if self.card is not card or self.revealed or self.saving is not None or not found:
            return
        from studyapp.predict import setup

        assert card.sim is not None
        about = f"[dim]{escape(setup(card.sim, card.sim_params))}[/dim] · "
        self.predict_panel.ask(found[:1], prefix=about, focus=False)  # the keys stay the review's till p
        self.ratings.show_hint(PREDICT_HINT)
        self.refresh_keys()

    def action_predict(self) -> None:
        """Start typing the prediction (``p``; the other keys stay the review's until then)."""
        if self.card is not None and self.predict_panel.asking and not self.revealed:
            self.predict_panel.start()
            self.ratings.show_hint(PREDICTING_HINT)
            self.refresh_keys()

    def show_drill(self, card: Card) -> None:
        """A drill card's question: a fresh instance of its problem (the same one again after undo)."""
        from studyapp.predict import Target
        from studyapp.problems import PROBLEMS, make_drill

        try:
            self.drill = make_drill(card.problem, self.session.problem_seed(card.id))
        except ValueError as error:
            self.question.update(Text(f"This drill card cannot be shown: {error}", style="bold"))
            return
        question = self.drill.question
        assert question.value is not None
        self.question.update(Text(question.prompt, style="bold"))
        target = Target(card.problem, "the answer", question.value, question.tolerance)
        self.predict_panel.ask([target], prefix=f"[dim]{escape(PROBLEMS[card.problem])}[/dim] · ")

    def on_prediction_panel_committed(self, message: PredictionPanel.Committed) -> None:
        """A typed prediction or drill answer: graded (an empty line skips it), then the answer is shown."""
        from studyapp.quiz.numbers import AnswerError

        if self.card is None or self.revealed:
            return
        if message.text.strip():
            try:
                if self.drill is not None:
                    from studyapp.problems import grade_drill

                    self.drill_grade = grade_drill(self.drill, message.text)
                else:
                    from studyapp.predict import grade_prediction

                    self.prediction = grade_prediction(message.target, message.text)
            except AnswerError as error:
                self.predict_panel.show_error(str(error))
                return
        self.action_reveal()

    def show_prediction(self) -> None:
        """After the reveal: the prediction next to the computed value, or the drill's verdict."""
        if self.prediction is not None:
            self.predict_panel.show_grade(self.prediction, with_rating=True)
        elif self.drill_grade is not None:
            self.predict_panel.show_verdict(self.drill_grade)
        else:
            self.predict_panel.clear()

    def suggested(self) -> Rating | None:
        """The rating the graded answer or prediction suggests, if any."""
        for grade in (self.graded, self.prediction, self.drill_grade):
            if grade is not None:
                return grade.suggested
        return None

    def review_extras(self, card: Card, at: datetime) -> tuple[PredictionRecord | None, DrillAnswer | None]:
        """What is saved with the rating: the prediction and the drill instance shown."""
        prediction = None
        if self.prediction is not None and card.sim is not None:
            params = self.predictable[card.id][0]
            prediction = self.prediction.record(at, card.sim, params, card.id)
        drill = self.drill.answer(self.drill_grade) if self.drill is not None else None
        return prediction, drill
