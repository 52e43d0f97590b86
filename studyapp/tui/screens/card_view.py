"""A card's question, answer and details (Markdown, formulas drawn), read-only."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Static

from studyapp.model import Card
from studyapp.tui.widgets import card_text


class CardView(ModalScreen[None]):
    """Shows one card in full: a cloze card's text with its blanks, then with the answer highlighted."""

    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, card: Card) -> None:
        super().__init__()
        self.card = card

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="modal-box"):
            yield Static(card_text.question_text(self.card), classes="modal-title", id="card-question")
            yield Static(card_text.answer(self.card), id="card-answer")
            if self.card.note:
                yield Static(card_text.markdown(self.card.note), id="card-note")
            tags = ", ".join(self.card.tags)
            yield Static(
                f"[dim]{escape(self.card.id)} · {escape(tags)} · simulation: {self.card.sim or '-'}[/dim]",
                markup=True,
            )

    def action_close(self) -> None:
        self.dismiss(None)
