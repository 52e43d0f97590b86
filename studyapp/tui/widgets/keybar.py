"""A one-line bar of the current screen's main keys (a light stand-in for Textual's Footer)."""

from __future__ import annotations

from textual.markup import escape
from textual.widgets import Static


class KeyBar(Static):
    """Shows ``key description`` for every binding marked ``show`` on the screen, then the palette key.

    One widget with one line of text, where Textual's Footer mounts a widget per key: the
    difference is most of a screen's start-up time.
    """

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    """

    def on_mount(self) -> None:
        self.refresh_keys()

    def refresh_keys(self) -> None:
        """Re-read the screen's bindings."""
        self.update(self.keys_text())

    def keys_text(self) -> str:
        """``key description`` for each active binding marked ``show``, then the palette key."""
        shown: dict[str, list[str]] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if binding.show and binding.description:
                shown.setdefault(binding.description, []).append(self.app.get_key_display(binding))
        parts = [
            f"[b $accent]{escape('/'.join(dict.fromkeys(keys)))}[/] {escape(text)}"
            for text, keys in shown.items()
        ]
        parts.append("[b $accent]^p[/] palette")
        return "  ".join(parts)
