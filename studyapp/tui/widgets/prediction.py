"""The line a prediction is typed on, before a simulation's numbers are shown, and its verdict after.

The panel asks for one of the numbers a simulation computes (its ``Target``s; ↑/↓ choose another where
the screen passes ``choose`` on), posts ``Committed`` with the typed text on Enter, and shows the graded
prediction next to the computed value, or why the text could not be read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.markup import escape
from textual.message import Message
from textual.widgets import Input, Static

if TYPE_CHECKING:
    from rich.console import RenderableType

    from studyapp.predict import PredictionGrade, Target
    from studyapp.problems import Drill, DrillGrade

PROMPT_HINT = "type your number and press Enter"


def grade_markup(grade: PredictionGrade, with_rating: bool) -> str:
    """The prediction next to the computed value and the verdict, as markup."""
    first, second = grade.lines()
    if not with_rating:
        second = second.rpartition(" · suggested rating:")[0]
    colour = "$success" if grade.correct else "$error"
    return f"{escape(first)}\n[b {colour}]{escape(second)}[/]"


def drill_solution(drill: Drill, details: RenderableType | None) -> RenderableType:
    """A drill's revealed answer: its worked solution and answer, then the card's details."""
    from rich.console import Group
    from rich.text import Text

    solution = Text("\n".join(drill.solution_lines()), no_wrap=True, overflow="ellipsis")
    return solution if details is None else Group(solution, Text(""), details)


class PredictionPanel(Vertical):
    """Ask for a prediction of one of ``targets``; show its grade once the screen has graded it."""

    class Committed(Message):
        """The learner pressed Enter on the prediction line with ``text`` for ``target``."""

        def __init__(self, target: Target, text: str) -> None:
            super().__init__()
            self.target, self.text = target, text

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.targets: list[Target] = []
        self.index = 0
        self.asking = False
        self.prefix = ""
        # Kept as attributes: a worker's reply may arrive while the panel is being removed.
        self.prompt = Static(id="prediction-prompt")
        self.input = Input(
            placeholder="your prediction, e.g. 0.25, -3, 1/4 or 2e-3",
            id="prediction-input",
            select_on_focus=False,
        )
        self.result = Static(id="prediction-result")

    def compose(self) -> ComposeResult:
        yield self.prompt
        yield self.input
        yield self.result

    def on_mount(self) -> None:
        self.clear()

    @property
    def target(self) -> Target | None:
        """The number being predicted."""
        return self.targets[self.index] if self.asking and self.targets else None

    def ask(self, targets: Sequence[Target], prefix: str = "", focus: bool = True) -> None:
        """Show the prediction line for the first of ``targets``, empty (and focused, if ``focus``)."""
        self.targets, self.index, self.asking, self.prefix = list(targets), 0, True, prefix
        self.display = True
        self.input.display = True
        self.input.disabled = False
        self.input.value = ""
        self.result.update("")
        self.show_prompt()
        if focus:
            self.screen.set_focus(self.input)

    def start(self) -> None:
        """Give the line the keys."""
        self.screen.set_focus(self.input)

    @property
    def typing(self) -> bool:
        """Whether the line is asking and has the keys."""
        return self.asking and self.input.has_focus

    def retarget(self, targets: Sequence[Target]) -> None:
        """New values of the same answers (the parameters changed): keep the chosen answer by its key."""
        key = self.target.key if self.target is not None else None
        self.targets = list(targets)
        keys = [target.key for target in self.targets]
        self.index = keys.index(key) if key in keys else 0
        if self.asking:
            self.show_prompt()

    def choose(self, delta: int) -> None:
        """Predict the next or previous answer instead."""
        if self.asking and self.targets:
            self.index = (self.index + delta) % len(self.targets)
            self.show_prompt()

    def show_prompt(self) -> None:
        target = self.target
        if target is None:
            return
        more = " · ↑/↓ another answer" if len(self.targets) > 1 else ""
        wanted = target.tolerance.describe()
        self.prompt.update(
            f"{self.prefix}[b]Predict[/b] {escape(target.label)} [dim]({wanted}; {PROMPT_HINT}{more})[/dim]"
        )

    def show_grade(self, grade: PredictionGrade, with_rating: bool) -> None:
        """The graded prediction; the line to type on goes away."""
        self.show_grade_markup(grade_markup(grade, with_rating))

    def show_grade_markup(self, markup: str) -> None:
        self.asking = False
        self.display = True
        self.input.display = False
        self.input.disabled = True
        self.prompt.update("")
        self.result.update(markup)

    def show_verdict(self, grade: DrillGrade) -> None:
        """A drill answer's verdict and the rating it suggests; the line to type on goes away."""
        mark, colour = ("✓", "$success") if grade.correct else ("✗", "$error")
        verdict = f"{mark} {escape(grade.verdict)} · suggested rating: {grade.suggested.label}"
        self.show_grade_markup(f"Your answer: {escape(grade.given)}\n[b {colour}]{verdict}[/]")

    def show_error(self, message: str) -> None:
        """Why the typed text was not graded (it stays, to be corrected)."""
        self.result.update(f"[b $error]{escape(message)}[/]")

    def clear(self) -> None:
        """Hide the panel: no prediction asked or shown."""
        self.asking = False
        self.targets = []
        self.display = False
        self.input.disabled = True
        self.result.update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.target is not None:
            self.post_message(self.Committed(self.target, event.value))
