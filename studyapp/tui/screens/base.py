"""What every full screen shares: typed access to the app, Back and Help."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar, TypeVar, cast

from textual.binding import Binding
from textual.screen import Screen

from studyapp.errors import CollectionError

if TYPE_CHECKING:
    from textual.widgets import OptionList

    from studyapp.collection import Collection
    from studyapp.tui.app import StudyApp


T = TypeVar("T")

#: Tab and shift+tab on a screen of fields, acted on as soon as they are read: the keys typed right
#: after them then go to the field they move to. (Textual acts on them once they have passed through
#: the field they leave, and the keys typed next may be on their way to that field already.)
#: Not described: each screen says what its fields are in its ``HELP_KEYS``.
FIELD_FOCUS_KEYS = [
    Binding("tab", "app.focus_next", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", show=False, priority=True),
]


def move_highlight(options: OptionList, step: int) -> None:
    """Move the highlight of ``options`` one row up (``step`` < 0) or down, as its own ↑ ↓ do."""
    if step < 0:
        options.action_cursor_up()
    else:
        options.action_cursor_down()


class AppScreen(Screen[None]):
    """A full screen of studyapp: Escape/q goes back, ? lists its keys."""

    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("question_mark", "help", "Help"),
    ]
    HELP_TITLE = "Keys"
    #: Keys the screen's widgets handle themselves, as (keys, description) rows for ``?``.
    HELP_KEYS: ClassVar[Sequence[tuple[str, str]]] = ()

    @property
    def study(self) -> StudyApp:
        return cast("StudyApp", self.app)

    @property
    def collection(self) -> Collection:
        return self.study.collection

    def write(self, change: Callable[[], T]) -> tuple[bool, T | None]:
        """Run ``change``, a write to the collection: ``(True, its result)``.

        If the collection cannot be written (busy for longer than its timeout, read-only, a full
        disk), the app says so and goes on: ``(False, None)``, and nothing was changed.
        """
        try:
            return True, change()
        except CollectionError as error:
            self.report_unwritten(error)
            return False, None

    def report_unwritten(self, error: CollectionError) -> None:
        """Tell the learner a change could not be saved, and why."""
        self.notify(f"Nothing was changed: {error.message}", severity="error", timeout=8)

    def unsaved(self) -> str | None:
        """What would be lost by quitting now, as a message (``None``: nothing)."""
        return None

    def action_back(self) -> None:
        self.dismiss()

    def action_help(self) -> None:
        from studyapp.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self, self.HELP_TITLE))
