"""A modal to type a parameter value; it is validated against the parameter's range."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from sim.params import Param
from studyapp.tui.widgets.params import format_value


class ValueInput(ModalScreen[Any]):
    """Returns the parsed value, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, param: Param, current: Any) -> None:
        super().__init__()
        self.param = param
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static(f"[b]{self.param.name}[/b]: {self.param.help}")
            yield Static(f"[dim]{self.param.describe()}[/dim]")
            yield Input(value=format_value(self.param, self.current), id="value")
            yield Static("", id="error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            value = self.param.parse(event.value)
        except ValueError as error:
            self.query_one("#error", Static).update(f"[red]{error}[/red]")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
