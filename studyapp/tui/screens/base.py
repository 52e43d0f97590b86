"""What every full screen shares: typed access to the app, Back and Help."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.binding import Binding
from textual.screen import Screen

if TYPE_CHECKING:
    from studyapp.collection import Collection
    from studyapp.tui.app import StudyApp


class AppScreen(Screen[None]):
    """A full screen of studyapp: Escape/q goes back, ? lists its keys."""

    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("question_mark", "help", "Help"),
    ]
    HELP_TITLE = "Keys"

    @property
    def study(self) -> StudyApp:
        return cast("StudyApp", self.app)

    @property
    def collection(self) -> Collection:
        return self.study.collection

    def action_back(self) -> None:
        self.dismiss()

    def action_help(self) -> None:
        from studyapp.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self, self.HELP_TITLE))
