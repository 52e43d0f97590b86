"""All simulations; Enter opens one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from sim.registry import specs
from studyapp.tui.screens.base import AppScreen
from studyapp.tui.widgets.keybar import KeyBar
from studyapp.words import counted


class SimListScreen(AppScreen):
    """The registry of simulations, with the cards that link to each."""

    HELP_TITLE = "Simulations"
    HELP_KEYS = [("↑, ↓", "Choose a simulation"), ("⏎", "Open it")]

    def compose(self) -> ComposeResult:
        yield Static("[b]Simulations[/b]  [dim]Enter opens one[/dim]", classes="screen-title")
        per_sim = self.collection.cards_per_sim()
        options = []
        for spec in specs():
            cards = counted(per_sim.get(spec.name, 0), "card")
            options.append(Option(f"{spec.title}  [dim]{spec.name} · {cards}[/dim]", id=spec.name))
        yield OptionList(*options, id="sim-options")
        yield KeyBar()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        assert event.option.id is not None
        self.study.open_simulation(event.option.id)
