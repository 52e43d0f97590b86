"""The Stats screen's misconceptions: the known mistakes behind the learner's wrong answers, most frequent
first, with how often, the question kind and when last; one seen twice in two weeks offers its simulation
(the preset of its latest question) and a practice question of the same kind, as buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Button, Static

from studyapp.misconceptions import frequent_misconceptions
from studyapp.stats import MISCONCEPTION_DAYS, Misconception, Offer
from studyapp.words import counted

if TYPE_CHECKING:
    from studyapp.tui.app import StudyApp

TITLE = "[b]Misconceptions[/b] [dim]the known mistakes behind your wrong answers[/dim]"
NONE_YET = "[dim]none yet: a wrong number that matches a known mistake is counted here[/dim]"


def misconception_line(found: Misconception) -> str:
    """``3× forgot the +1 … · conv-output-size · last 2026-11-25`` (markup escaped)."""
    last = found.last_seen.date().isoformat()
    return f"{found.count}×  {escape(found.diagnosis)} [dim]· {escape(found.kind)} · last {last}[/dim]"


class MisconceptionsView(Vertical):
    """The most frequent misconceptions; recurring ones with Simulation and Practise buttons. It reads the
    collection when mounted and whenever its screen comes back (after a simulation or a practice quiz)."""

    DEFAULT_CSS = """
    MisconceptionsView { height: auto; margin-top: 1; }
    MisconceptionsView #misconceptions-rows { height: auto; }
    MisconceptionsView .misconception-offer { height: auto; padding-left: 4; }
    MisconceptionsView .misconception-offer Button { min-width: 14; margin-right: 1; }
    MisconceptionsView .misconception-offer Static { width: auto; padding: 0 1 0 0; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.found: list[Misconception] = []

    @property
    def study(self) -> StudyApp:
        return cast("StudyApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(TITLE, id="misconceptions-title")
        yield Vertical(id="misconceptions-rows")

    def on_mount(self) -> None:
        self.app.screen_change_signal.subscribe(self, self.screen_changed)
        self.reload()

    def screen_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            self.reload()

    def reload(self) -> None:
        """Read the misconceptions from the collection and show them."""
        self.show(frequent_misconceptions(self.study.collection, self.study.now()))

    def show(self, found: list[Misconception]) -> None:
        """One line per misconception; under a recurring one, its offer."""
        self.found = found
        rows = self.query_one("#misconceptions-rows", Vertical)
        rows.remove_children()
        if not found:
            rows.mount(Static(NONE_YET, classes="misconception"))
            return
        widgets: list[Static | Horizontal] = []
        for index, entry in enumerate(found):
            widgets.append(Static(misconception_line(entry), classes="misconception"))
            if entry.offer is not None:
                recent = f"{counted(entry.recent, 'time')} in {MISCONCEPTION_DAYS} days:"
                widgets.append(
                    Horizontal(
                        Static(recent),
                        Button(f"Simulation: {entry.offer.sim}", name=f"sim-{index}", compact=True),
                        Button(f"Practise {entry.kind}", name=f"practise-{index}", compact=True),
                        classes="misconception-offer",
                    )
                )
        rows.mount_all(widgets)

    def offer(self, name: str) -> Offer | None:
        index = int(name.rpartition("-")[2])
        return self.found[index].offer if index < len(self.found) else None

    def on_button_pressed(self, event: Button.Pressed) -> None:
        name = event.button.name or ""
        offer = self.offer(name)
        if offer is None:
            return
        event.stop()
        if name.startswith("sim-"):
            self.study.open_simulation(offer.sim, dict(offer.sim_params), seed=offer.sim_seed)
        else:
            from studyapp.tui.screens.quiz import QuizScreen

            self.app.push_screen(QuizScreen(practice=offer.practice))
