"""A modal that shows a title and a paragraph or Markdown; any of q, Escape or ? closes it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static


class TextModal(ModalScreen[None]):
    """Explanations and help text."""

    BINDINGS = [Binding("escape,q,question_mark,enter", "dismiss", "Close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="modal-box"):
            yield Static(f"[b]{escape(self.title_text)}[/b]", classes="modal-title")
            yield Markdown(self.body)
            yield Static("[dim]Escape to close[/dim]")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
