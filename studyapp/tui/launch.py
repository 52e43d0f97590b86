"""Start the terminal UI: open the collection first, so problems are reported before the screen changes."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.screen import Screen

    from studyapp.collection import Collection

GRAPHICS_TERMINALS = ("kitty", "wezterm", "foot", "mlterm", "contour", "konsole", "iterm")


def graphics_terminal() -> bool:
    """Whether the terminal may support Kitty graphics or Sixel (tmux and plain xterm do not)."""
    if os.environ.get("TMUX") or os.environ.get("STY"):
        return False
    names = " ".join(os.environ.get(k, "") for k in ("TERM", "TERM_PROGRAM", "LC_TERMINAL")).lower()
    return bool(os.environ.get("KITTY_WINDOW_ID")) or any(name in names for name in GRAPHICS_TERMINALS)


def detect_graphics(setting: str) -> None:
    """Let textual-image query the terminal now, before Textual owns it, when graphics may be used."""
    if setting in ("tgp", "sixel", "halfcell", "unicode") or (setting == "auto" and graphics_terminal()):
        import textual_image.renderable  # noqa: F401  (the import runs the detection)


#: Textual batches screen updates at this rate; above its default of 60, a keypress is painted sooner.
FRAMES_PER_SECOND = "250"
#: Simulations multiply small matrices, where BLAS threads cost more than they give (one bigger
#: product took 5x longer with two threads on two busy cores); the other core runs the worker process.
SINGLE_THREADED_MATH = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def run_app(collection: Collection, first_screen: Callable[[], Screen[Any]] | None = None) -> None:
    """Run the app on ``collection`` until the user quits, optionally opening ``first_screen()`` over Home."""
    os.environ.setdefault("TEXTUAL_FPS", FRAMES_PER_SECOND)  # read when Textual is imported
    for name in SINGLE_THREADED_MATH:  # read when numpy is imported (later, by the first simulation)
        os.environ.setdefault(name, "1")
    detect_graphics(collection.store.settings().plot_renderer)
    from studyapp.tui.app import StudyApp

    StudyApp(collection, first_screen=first_screen).run()


def launch_tui(args: argparse.Namespace) -> int:
    """Open the collection (problems are reported before the screen changes) and run the app."""
    from studyapp.collection import open_collection

    with open_collection(args.db, args.content) as collection:
        run_app(collection)
    return 0
