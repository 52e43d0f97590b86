"""The keys that edit a text field, acted on in the order they were typed.

Textual sends a character to the focused field at once, but acts on one of the field's own bindings
(backspace, the arrows, ctrl+u, …) only once its key has come back up from the field. Keys read
together (a quick typist, a paste, a busy machine) were applied out of order: "Wat", ←, ←, "h" gave
"Wath", and backspaces typed before a Tab and the next field's text deleted from that next field. The
app takes these keys first (priority bindings): each waits until the field has the keys typed before
it (``settled``), then runs the field's own action for it, before the keys typed after it are read.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input, TextArea

#: The editing keys of ``Input`` and ``TextArea`` taken in order: deleting, and moving the cursor.
EDIT_KEYS = (
    "backspace",
    "delete",
    "left",
    "right",
    "home",
    "end",
    "ctrl+left",
    "ctrl+right",
    "ctrl+w",
    "ctrl+u",
    "ctrl+k",
)
#: The app's bindings of ``EDIT_KEYS`` (``StudyApp.action_edit_field``).
EDIT_BINDINGS = [Binding(key, f"edit_field('{key}')", show=False, priority=True) for key in EDIT_KEYS]


def field_action(widget: Widget | None, key: str) -> str | None:
    """The action a text field (``Input`` or ``TextArea``) binds ``key`` to; ``None`` for another widget
    or a key the field does not bind."""
    if not isinstance(widget, Input | TextArea):
        return None
    for cls in type(widget).__mro__:
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", ())):
            if binding.key == key:
                return binding.action
    return None
