"""Adding a card with the form, and editing one in $EDITOR (Pilot; the real terminal hand-over in tmux)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, Select, TextArea

from sim.registry import CATALOG
from studyapp import authoring
from studyapp.collection import Collection
from studyapp.content import load_library
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.add_card import AddCardScreen, CardEditor, ConfirmCopy
from studyapp.tui.screens.browse import BrowseScreen
from studyapp.tui.screens.home import HomeScreen
from studyapp.tui.widgets.card_table import CardTable

from .conftest import text_of, wait_until

ROOT = Path(__file__).resolve().parents[2]

EDITOR = """\
import pathlib, sys

log = pathlib.Path({log!r})
runs = log.read_text().splitlines() if log.exists() else []
log.write_text("\\n".join([*runs, " ".join(sys.argv[1:])]) + "\\n")
path = pathlib.Path(sys.argv[-1])
old, new = {edits!r}[len(runs)]
path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
"""


def editor_script(folder: Path, *edits: tuple[str, str]) -> tuple[str, Path]:
    """A command for $EDITOR: a Python script that makes the n-th of ``edits`` (old, new) on its n-th run
    and logs its arguments, one line per run."""
    script, log = folder / "editor.py", folder / "editor.log"
    script.write_text(EDITOR.format(log=str(log), edits=list(edits)), encoding="utf-8")
    return f"{sys.executable} {script}", log


async def open_form(app: StudyApp, pilot: object, user_dir: Path) -> AddCardScreen:
    form = AddCardScreen(user_dir=user_dir)
    await app.push_screen(form)
    await pilot.pause()  # type: ignore[attr-defined]
    return form


async def test_a_valid_card_is_written_and_reloaded_into_the_library(
    app: StudyApp, collection: Collection, tmp_path: Path
) -> None:
    user = tmp_path / "decks"
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(app, pilot, user)
        assert form.query_one("#question", Input).has_focus
        await pilot.press(*"What does max pooling keep?")
        form.query_one("#answer", Input).value = "The largest value in the window."
        form.query_one("#details", TextArea).text = "- no weights\n- tolerant to small shifts"
        form.query_one("#tags", Input).value = "cnn, pooling"
        form.query_one("#sim", Select).value = "pooling"
        form.query_one("#preset", Input).value = "kind=max window=3"
        await pilot.pause()
        assert not form.query_one("#preset-error").display
        assert "creates" in text_of(form.query_one("#deck-hint"))
        await pilot.press("ctrl+s")
        await pilot.pause()

        path = user / "my-cards.toml"
        (card,) = tomllib.loads(path.read_text(encoding="utf-8"))["cards"]
        assert card["id"] == "max-pooling-keep"
        assert card["sim_params"] == {"kind": "max", "window": 3}
        loaded = {c.id: c for c in collection.library.cards}
        assert loaded["max-pooling-keep"].details == "- no weights\n- tolerant to small shifts"
        record = collection.card_record("max-pooling-keep")
        assert record is not None and record.deck_id == "my-cards"
        assert "Added 'max-pooling-keep'" in text_of(form.query_one("#add-status"))
        # Ready for the next card, as in Anki: the deck, tags and simulation stay.
        assert form.query_one("#question", Input).value == ""
        assert form.query_one("#tags", Input).value == "cnn, pooling"
        assert "adds to" in text_of(form.query_one("#deck-hint"))

        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(app.screen, BrowseScreen))
        table = app.screen.query_one("#cards", CardTable)
        rows = [table.row_at(index) for index in range(table.row_count)]
        assert "max-pooling-keep" in [row.key for row in rows if row is not None]
        assert table.row_count == 47  # the bundled 46 (27 seed, 14 cloze and 5 drill cards) and the new one


async def test_a_bad_preset_is_refused_at_its_field(app: StudyApp, tmp_path: Path) -> None:
    user = tmp_path / "decks"
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(app, pilot, user)
        form.query_one("#question", Input).value = "Q?"
        form.query_one("#answer", Input).value = "A."
        form.query_one("#preset", Input).value = "kind=max"
        await pilot.pause()
        assert "choose one first" in text_of(form.query_one("#preset-error"))
        form.query_one("#sim", Select).value = "pooling"
        await pilot.pause()
        assert not form.query_one("#preset-error").display  # checked again when the simulation changes
        form.query_one("#preset", Input).focus()
        form.query_one("#preset", Input).value = ""
        await pilot.press(*"window=99")
        await pilot.pause()
        preset = form.query_one("#preset", Input)
        assert preset.has_class("-invalid")
        assert "parameter 'window' must be an integer from" in text_of(form.query_one("#preset-error"))
        form.query_one("#question", Input).focus()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert preset.has_focus
        assert "not saved" in text_of(form.query_one("#add-status"))
        assert not user.exists() or not list(user.iterdir())
        assert "q" not in {card.id for card in app.collection.library.cards}


async def test_other_fields_are_refused_where_they_are(app: StudyApp, tmp_path: Path) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(app, pilot, tmp_path / "decks")
        form.query_one("#deck", Input).value = "deep-learning"
        form.query_one("#tags", Input).value = "max_pool"
        await pilot.pause()
        assert "read-only" in text_of(form.query_one("#deck-error"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "must not be empty" in text_of(form.query_one("#question-error"))
        assert "must not be empty" in text_of(form.query_one("#answer-error"))
        assert "'max_pool'" in text_of(form.query_one("#tags-error"))
        assert form.query_one("#deck", Input).has_focus


async def test_leaving_with_a_typed_card_asks_twice(app: StudyApp, tmp_path: Path) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(app, pilot, tmp_path / "decks")
        await pilot.press(*"Half a question")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.screen is form  # quitting would lose it: the app says so instead
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is form and "Escape again" in text_of(form.query_one("#add-status"))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_editing_a_bundled_card_asks_then_makes_the_override_copy(
    app: StudyApp, tmp_path: Path
) -> None:
    user = tmp_path / "decks"
    command, log = editor_script(tmp_path, ("x", "y"))
    async with app.run_test(size=(100, 40)) as pilot:
        editor = CardEditor(app, user_dir=user, environ={"EDITOR": command})
        editor.start("mlp")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmCopy))
        await pilot.pause()
        assert "deep-learning-edits.toml" in text_of(app.screen.query_one("#confirm-text"))
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert not user.exists()

        editor.start("mlp")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmCopy))
        await pilot.press("y")
        await wait_until(pilot, lambda: (user / "deep-learning-edits.toml").exists())
        copy = tomllib.loads((user / "deep-learning-edits.toml").read_text(encoding="utf-8"))
        assert [card["id"] for card in copy["cards"]] == ["mlp"]
        await pilot.pause()
        # Pilot's headless driver cannot hand the terminal over: the app says so and runs no editor
        # (the tmux test below runs the editor for real).
        assert not log.exists()
        assert editor.said is not None and "cannot hand over to an editor" in editor.said


# --- in a real terminal -----------------------------------------------------------------------------


class Terminal:
    """A private tmux server running one command (see tests/e2e/test_tmux.py)."""

    def __init__(self, home: Path) -> None:
        self.socket = f"studyapp-add-{uuid.uuid4().hex[:8]}"
        self.env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX", "NO_COLOR")}
        self.env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), TERM="xterm-256color")

    def tmux(self, *args: str) -> str:
        command = ["tmux", "-L", self.socket, *args]
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=30).stdout

    def start(self, command: str) -> None:
        self.tmux("new-session", "-d", "-s", "main", "-x", "110", "-y", "36", f"{command}; sleep 600")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", "main", key)
            time.sleep(0.05)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "main", "-l", text)

    def wait_for(self, pattern: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.tmux("capture-pane", "-p", "-J", "-t", "main")
            if re.search(pattern, screen):
                return screen
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {pattern!r}; the screen shows:\n{screen}")

    def close(self) -> None:
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"], env=self.env, capture_output=True, timeout=30
        )


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install tmux)")
    term = Terminal(tmp_path / "home")
    yield term
    term.close()


@pytest.mark.e2e
def test_add_and_edit_in_a_real_terminal(terminal: Terminal, tmp_path: Path) -> None:
    """The palette's "Add a card" writes the card; "Edit card" hands the terminal to $EDITOR and back."""
    user = tmp_path / "home" / "data" / "studyapp" / "decks"
    command, log = editor_script(
        tmp_path,
        ('answer = "Old answer."', 'answer = "New answer."'),
        ('answer = "New answer."', 'answer = ""'),
    )
    db = tmp_path / "collection.sqlite3"
    terminal.start(f"EDITOR='{command}' {sys.executable} -m studyapp --db {db}")
    terminal.wait_for(r"All decks")

    terminal.keys("C-p")
    terminal.type("Add a card")
    terminal.wait_for(r"A new card in one of your decks")
    terminal.keys("Enter")
    terminal.wait_for(r"ctrl\+s saves")
    terminal.type("Why test in tmux?")
    terminal.wait_for(r"Why test in tmux\?")
    terminal.keys("Tab")
    terminal.type("Old answer.")
    terminal.wait_for(r"Old answer\.")
    terminal.keys("C-s")
    terminal.wait_for(r"Added 'test-tmux'")
    assert load_library(user_dir=user, sims=CATALOG).card("test-tmux").answer == "Old answer."

    terminal.keys("Escape")
    terminal.wait_for(r"All decks")
    terminal.keys("C-p")
    terminal.type("Edit card: test-tmux")
    terminal.wait_for(r"Why test in tmux\?")
    terminal.keys("Enter")
    terminal.wait_for(r"checked, no problems")
    line = authoring.card_line(user / "my-cards.toml", "test-tmux")
    assert log.read_text() == f"+{line} {user / 'my-cards.toml'}\n"
    assert load_library(user_dir=user, sims=CATALOG).card("test-tmux").answer == "New answer."

    terminal.keys("C-p")
    terminal.type("Edit card: test-tmux")
    terminal.wait_for(r"Why test in tmux\?")
    terminal.keys("Enter")
    screen = terminal.wait_for(r"The deck has a problem")
    toast = "".join(row.partition("▌ ")[2].rstrip() for row in screen.splitlines())
    assert f"my-cards.toml:{line + 3}: [card test-tmux] 'answer' must be a non-empty" in toast
    terminal.keys("C-q")


async def test_a_on_home_and_browse_opens_the_form_and_e_in_browse_edits_the_selected_card(
    app: StudyApp,
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        assert isinstance(app.screen, AddCardScreen)
        app.pop_screen()
        await pilot.pause()
        await pilot.press("b")
        assert isinstance(app.screen, BrowseScreen)
        browse = app.screen
        await pilot.press("a")
        assert isinstance(app.screen, AddCardScreen)
        app.pop_screen()
        await pilot.pause()
        selected = browse.selected_id()
        assert selected is not None
        await pilot.press("e")
        await pilot.pause()
        # A bundled card: the app offers the learner's own copy before any editor runs.
        assert isinstance(app.screen, ConfirmCopy)
