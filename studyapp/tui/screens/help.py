"""`?`: the key bindings of the screen underneath, with an optional explanation above them."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown, Static


def binding_rows(screen: Screen[Any]) -> list[tuple[str, str]]:
    """(keys, description) for every described binding active on ``screen``, the app's included."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description:
            continue
        grouped.setdefault((binding.action, binding.description), []).append(
            screen.app.get_key_display(binding)
        )
    return [(", ".join(dict.fromkeys(keys)), description) for (_action, description), keys in grouped.items()]


class HelpScreen(ModalScreen[None]):
    """Lists the keys of ``screen``; Escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, screen: Screen[Any], title: str = "Keys", explanation: str = "") -> None:
        super().__init__()
        self.rows = binding_rows(screen)
        self.heading = title
        self.explanation = explanation

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="modal-box", id="help"):
            yield Static(f"[b]{escape(self.heading)}[/b]", classes="modal-title")
            if self.explanation:
                yield Markdown(self.explanation)
            width = max([len(keys) for keys, _ in self.rows] + [len("ctrl+p")])
            lines = [f"[b $accent]{escape(keys.ljust(width))}[/]  {escape(text)}" for keys, text in self.rows]
            lines.append(f"[b $accent]{'ctrl+p'.ljust(width)}[/]  command palette: every action")
            yield Static("\n".join(lines), id="help-keys")
            yield Static("[dim]Escape to close[/dim]")

    def action_close(self) -> None:
        self.dismiss(None)
