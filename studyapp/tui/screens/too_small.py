"""Shown instead of any screen while the terminal is smaller than the app can use."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

MIN_WIDTH = 60
MIN_HEIGHT = 20


def too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


class TooSmallScreen(Screen[None]):
    """A notice with the current and the needed size; it closes itself when the terminal grows."""

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")

    def on_mount(self) -> None:
        self.update_notice()

    def on_resize(self) -> None:
        self.update_notice()

    def update_notice(self) -> None:
        width, height = self.app.size
        self.query_one("#too-small", Static).update(
            f"Terminal too small: {width}x{height}\nstudyapp needs at least {MIN_WIDTH}x{MIN_HEIGHT}.\n"
            "Enlarge the window, or press ctrl+q to quit."
        )
