"""The keys that edit a text field, acted on in the order they were typed.

Textual sends a character to the focused field at once, but acts on one of the field's own bindings
(backspace, the arrows, ctrl+u, …) only once its key has come back up from the field. Keys read
together (a quick typist, a paste, a busy machine) were applied out of order: "Wat", ←, ←, "h" gave
"Wath", and backspaces typed before a Tab and the next field's text deleted from that next field. The
app takes these keys first (priority bindings): each waits until the field has the keys typed before
it (``settled``), then runs the field's own action for it, before the keys typed after it are read.

Enter in a one-line field (``Input``'s submit) is taken the same way, and what the screen does with the
submitted text (a cloze answer graded and the card's answer shown, a quiz answer marked) is done before
the keys typed after it are read: "zero", Enter and 3 typed at once rate the revealed card Good, where
the 3 went into the answer field being hidden.
"""

from __future__ import annotations

import asyncio
from functools import cache

from textual.binding import Binding
from textual.dom import DOMNode
from textual.widget import Widget

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
#: The app's bindings of ``EDIT_KEYS`` (``StudyApp.action_edit_field``) and of Enter
#: (``StudyApp.action_submit_field``).
EDIT_BINDINGS = [
    *(Binding(key, f"edit_field('{key}')", show=False, priority=True) for key in EDIT_KEYS),
    Binding("enter", "submit_field('enter')", show=False, priority=True),
]


async def settled(widget: DOMNode) -> None:
    """Wait until ``widget`` has handled what was already sent to it: a priority binding acts as soon as
    its key is read, and the keys typed into a field just before may still be on their way to it."""
    handled = asyncio.Event()
    if widget.call_later(handled.set):  # not when the widget is closing: nothing will reach it then
        await handled.wait()


def up_to_screen(widget: Widget) -> list[DOMNode]:
    """``widget`` and its ancestors up to its screen (taken before an action that may remove it)."""
    chain = widget.ancestors_with_self
    screen = widget.screen
    return chain[: chain.index(screen) + 1] if screen in chain else chain


async def handled(nodes: list[DOMNode]) -> None:
    """Wait until each of ``nodes`` (``up_to_screen``) has handled what was sent to it. A field's message
    (``Input.Submitted``) goes up one node at a time, each passing it on as it handles it, and a handler
    may answer with a message of its own (the prediction panel's ``Committed``): the nodes are waited
    for twice over."""
    for _ in range(2):
        for node in nodes:
            await settled(node)


def field_action(widget: Widget | None, key: str) -> str | None:
    """The action a text field (``Input``, ``TextArea``: a widget that binds backspace) binds ``key`` to;
    ``None`` for another widget or a key the field does not bind."""
    return None if widget is None else _text_field_actions(type(widget)).get(key)


@cache
def _text_field_actions(widget_class: type[Widget]) -> dict[str, str]:
    """The actions a widget class binds its keys to (its own bindings first), or none if it does not
    edit text. The class is told by its bindings, so that this module imports no widget."""
    actions: dict[str, str] = {}
    for cls in reversed(widget_class.__mro__):
        actions.update((b.key, b.action) for b in Binding.make_bindings(cls.__dict__.get("BINDINGS", ())))
    return actions if "backspace" in actions else {}
