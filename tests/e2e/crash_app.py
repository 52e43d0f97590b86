"""An app whose first screen fails while it is built: ``python tests/e2e/crash_app.py DB``.

Used to check what a learner sees when the app meets an error it does not handle.
"""

from __future__ import annotations

import sys
from pathlib import Path

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from studyapp.collection import open_collection
from studyapp.tui.launch import run_app


class BrokenScreen(Screen[None]):
    """A screen with a bug: it divides by zero while composing."""

    def compose(self) -> ComposeResult:
        yield Static(str(1 / len([])))


def main(db: str) -> int:
    with open_collection(Path(db)) as collection:
        return run_app(collection, BrokenScreen)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
