"""`?`: the keys of the screen underneath, each once and grouped, with an optional explanation above them.

The keys are the ones the screen's own classes declare (studyapp's screens, not Textual's widgets: the
scrolling and cursor keys of a focused list are Textual's conventions, not this screen's). Keys with the
same description share a row ("1, 2, 3, 4, a, b  Answer"); a key a subclass rebinds is listed as it
rebinds it. The keys that work on every screen (back, help, the command palette, quit) come last, in
their own group. A screen can add rows for keys its widgets handle (``HELP_KEYS``) and put its bindings
in named groups with Textual's ``Binding.Group``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown, Static

#: The group of the keys every screen has, and of the screen's own keys that have no group.
EVERYWHERE = "Everywhere"
THIS_SCREEN = "This screen"
#: Actions that belong to every screen rather than to the one underneath.
GENERAL_ACTIONS = frozenset({"back", "help", "close", "quit", "app.quit"})
PALETTE_DESCRIPTION = "Command palette: every action"
#: The widest keys column; longer key lists push their description to the right.
KEYS_WIDTH = 16


def declared_bindings(owner: type) -> list[Binding]:
    """The bindings ``owner``'s classes declare outside Textual, base classes first; a key bound again
    by a subclass keeps its place and takes the subclass's binding."""
    by_key: dict[str, Binding] = {}
    for cls in reversed(owner.__mro__):
        declared: Iterable[BindingType] = vars(cls).get("BINDINGS", ())
        if cls.__module__.split(".")[0] == "textual" or not declared:
            continue
        for binding in Binding.make_bindings(declared):
            by_key[binding.key] = binding
    return list(by_key.values())


def compact_keys(keys: Sequence[str]) -> str:
    """Keys as one label, single letters and digits sorted, three or more in a row as a range.

    ``1, 2, 3, 4, a, b, c, d, t, f`` becomes ``1–4, a–d, f, t``; other keys (``space``, ``⏎``, ``^q``)
    keep their places, and the letters and digits take the place of the first of them.
    """
    single = sorted({key for key in keys if len(key) == 1 and key.isalnum()}, key=lambda k: (k.isalpha(), k))
    runs: list[list[str]] = []
    for key in single:
        if runs and ord(key) == ord(runs[-1][-1]) + 1 and key.isalpha() == runs[-1][-1].isalpha():
            runs[-1].append(key)
        else:
            runs.append([key])
    ranges = [f"{run[0]}–{run[-1]}" if len(run) >= 3 else ", ".join(run) for run in runs]
    parts: list[str] = []
    for key in keys:
        if key not in single:
            parts.append(key)
        elif ranges:
            parts += ranges
            ranges = []
    return ", ".join(parts)


def group_of(binding: Binding) -> str:
    """The group a binding is listed under: its ``Binding.Group``, everywhere, or this screen's."""
    if binding.group is not None:
        return binding.group.description
    return EVERYWHERE if binding.action in GENERAL_ACTIONS else THIS_SCREEN


def binding_groups(screen: Screen[Any]) -> dict[str, list[tuple[str, str]]]:
    """``{group: [(keys, description), ...]}`` for ``screen``: each description once, its keys together.

    The screen's own groups come first and ``EVERYWHERE`` last, with the app's keys and the palette.
    """
    app = screen.app
    rows: dict[str, dict[str, list[str]]] = {}

    def add(group: str, description: str, key: str) -> None:
        keys = rows.setdefault(group, {}).setdefault(description, [])
        if key not in keys:
            keys.append(key)

    extra: Sequence[tuple[str, str]] = getattr(screen, "HELP_KEYS", ())
    for key, description in extra:
        add(THIS_SCREEN, description, key)
    for binding in declared_bindings(type(screen)):
        if binding.description:
            add(group_of(binding), binding.description, app.get_key_display(binding))
    general = rows.pop(EVERYWHERE, {})
    rows[EVERYWHERE] = general
    for binding in declared_bindings(type(app)):
        if binding.description:
            add(EVERYWHERE, binding.description, app.get_key_display(binding))
    if app.use_command_palette:
        palette = Binding(app.COMMAND_PALETTE_BINDING, "command_palette", PALETTE_DESCRIPTION)
        add(EVERYWHERE, PALETTE_DESCRIPTION, app.get_key_display(palette))
    return {
        group: [(compact_keys(keys), description) for description, keys in described.items()]
        for group, described in rows.items()
        if described
    }


def binding_rows(screen: Screen[Any]) -> list[tuple[str, str]]:
    """Every ``(keys, description)`` row of ``screen``'s help, in order, without the group names."""
    return [row for rows in binding_groups(screen).values() for row in rows]


class HelpScreen(ModalScreen[None]):
    """Lists the keys of ``screen``; Escape, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, screen: Screen[Any], title: str = "Keys", explanation: str = "") -> None:
        super().__init__()
        self.groups = binding_groups(screen)
        self.heading = title
        self.explanation = explanation

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="modal-box", id="help"):
            yield Static(f"[b]{escape(self.heading)}[/b]", classes="modal-title")
            if self.explanation:
                yield Markdown(self.explanation)
            yield Static(self.keys_markup(), id="help-keys")
            yield Static("[dim]Escape to close[/dim]")

    def keys_markup(self) -> str:
        """The groups as markup: a bold group name, then one ``keys  description`` line per row."""
        rows = [keys for group in self.groups.values() for keys, _text in group]
        width = min(max(map(len, rows), default=0), KEYS_WIDTH)
        lines: list[str] = []
        for group, described in self.groups.items():
            if lines:
                lines.append("")
            lines.append(f"[b]{escape(group)}[/b]")
            lines += [
                f"  [b $accent]{escape(keys.ljust(width))}[/]  {escape(text)}" for keys, text in described
            ]
        return "\n".join(lines)

    def action_close(self) -> None:
        self.dismiss(None)
