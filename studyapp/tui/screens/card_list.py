"""A modal list of cards; Enter shows the selected card."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from studyapp.math import plain_text
from studyapp.model import Card


class CardListModal(ModalScreen[None]):
    """The cards that link to a simulation, each openable."""

    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, title: str, cards: list[Card]) -> None:
        super().__init__()
        self.heading = title
        self.cards = cards

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(f"[b]{self.heading}[/b]")
            options = [Option(plain_text(card.question), id=card.id) for card in self.cards]
            yield OptionList(*options, id="card-options")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        from studyapp.tui.screens.card_view import CardView

        card = next(c for c in self.cards if c.id == event.option.id)
        self.app.push_screen(CardView(card))

    def action_close(self) -> None:
        self.dismiss(None)
