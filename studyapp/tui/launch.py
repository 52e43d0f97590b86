"""Start the terminal UI: open the collection first, so problems are reported before the screen changes."""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from studyapp import __version__

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
#: Deck files of this many bytes or more (about 5,000 cards) take a noticeable time to read and check.
BIG_DECKS_BYTES = 1_000_000
#: A collection this big (or bigger) takes a second or more to copy and upgrade: the terminal says so.
BIG_COLLECTION_BYTES = 50_000_000
#: Simulations multiply small matrices, where BLAS threads cost more than they give (one bigger
#: product took 5x longer with two threads on two busy cores); the other core runs the worker process.
SINGLE_THREADED_MATH = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pause_collector() -> None:
    """No cyclic garbage collection until the first screen is painted: start-up makes many lasting objects
    (modules, widgets, styles) and few cycles, and each collection would walk them all again. The app
    freezes them and turns the collector back on then (``studyapp.tui.app.freeze_startup_objects``)."""
    import gc

    gc.disable()


def crash_report_path(collection: Collection, now: datetime) -> Path:
    """A new file for a crash report: ``crashes/`` beside the collection, named by the UTC time."""
    folder = collection.path.parent / "crashes"
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate, number = folder / f"crash-{stamp}.txt", 1
    while candidate.exists():
        number += 1
        candidate = folder / f"crash-{stamp}-{number}.txt"
    return candidate


def run_app(collection: Collection, first_screen: Callable[[], Screen[Any]] | None = None) -> int:
    """Run the app on ``collection`` until the user quits, optionally opening ``first_screen()`` over Home.

    Returns the exit status. If the app crashes, Textual restores the terminal and the traceback
    goes to a crash report file instead of the screen; one short message names that file.
    """
    pause_collector()
    os.environ.setdefault("TEXTUAL_FPS", FRAMES_PER_SECOND)  # read when Textual is imported
    for name in SINGLE_THREADED_MATH:  # read when numpy is imported (later, by the first simulation)
        os.environ.setdefault(name, "1")
    detect_graphics(collection.settings().plot_renderer)
    from rich.console import Console

    from studyapp.tui.app import StudyApp

    app = StudyApp(collection, first_screen=first_screen)
    report = io.StringIO()
    # Textual prints an unhandled error's traceback to its error console when it exits.
    app.error_console = Console(file=report, width=120, color_system=None, markup=False, highlight=False)
    app.run()
    if not app.return_code:
        return 0
    path = crash_report_path(collection, datetime.now(UTC))
    text = report.getvalue() or "studyapp stopped with an error but left no traceback.\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"studyapp {__version__} crash report, {datetime.now(UTC).isoformat()}\n\n{text}")
    except OSError as error:
        print(text, file=sys.stderr)
        print(
            f"studyapp: error: the app stopped unexpectedly (the report could not be saved: {error})",
            file=sys.stderr,
        )
        return 1
    print(
        f"studyapp: error: the app stopped unexpectedly; your reviews up to the last one shown are saved. "
        f"The details are in {path}; please include that file when you report the problem.",
        file=sys.stderr,
    )
    return 1


def launch_tui(args: argparse.Namespace) -> int:
    """Open the collection (problems are reported before the screen changes) and run the app."""
    pause_collector()
    from sim.registry import CATALOG
    from studyapp.collection import open_collection
    from studyapp.problems import PROBLEMS

    # Broken decks are not printed here: Home lists them, where the learner looks.
    with open_collection(
        args.db,
        args.content,
        sims=CATALOG,
        problems=PROBLEMS,
        reading=say_reading_big_decks,
        upgrading=say_upgrading_big_collection,
    ) as collection:
        return run_app(collection)


def say_upgrading_big_collection(size: int, stream: TextIO | None = None) -> None:
    """Before the screen changes, say on a terminal that a big collection is being copied and upgraded
    (the first start after an update that changed the collection's format): that takes seconds."""
    if size >= BIG_COLLECTION_BYTES:
        say_on_terminal(
            f"upgrading your collection to this version of studyapp ({size / 1e6:.0f} MB; "
            "a copy of it is kept beside it first)…",
            stream,
        )


def say_reading_big_decks(size: int, stream: TextIO | None = None) -> None:
    """Before the screen changes, say on a terminal that big decks are being read and checked (the first
    start after an update, or after deck files changed): that takes seconds, not a blank screen."""
    if size >= BIG_DECKS_BYTES:
        say_on_terminal(f"reading and checking your decks ({size / 1e6:.0f} MB)…", stream)


def say_on_terminal(text: str, stream: TextIO | None = None) -> None:
    """``studyapp: text`` on ``stream`` (standard error), only when it is a terminal."""
    stream = stream or sys.stderr
    if stream.isatty():
        print(f"studyapp: {text}", file=stream, flush=True)
