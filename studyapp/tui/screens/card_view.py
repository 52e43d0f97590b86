"""A card's question, answer and details (Markdown), read-only."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from studyapp.model import Card


class CardView(ModalScreen[None]):
    """Shows one card in full."""

    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, card: Card) -> None:
        super().__init__()
        self.card = card

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="modal-box"):
            yield Static(f"[b]{escape(self.card.question)}[/b]", classes="modal-title")
            yield Markdown(self.card.answer_markdown())
            tags = ", ".join(self.card.tags)
            yield Static(
                f"[dim]{self.card.id} · {tags} · simulation: {self.card.sim or '-'}[/dim]", markup=True
            )

    def action_close(self) -> None:
        self.dismiss(None)
