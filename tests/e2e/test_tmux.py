"""End to end in a real terminal: tmux runs studyapp, the test types keys and reads the screen."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

if shutil.which("tmux") is None:
    # CI installs tmux (.ci/run), so there a missing tmux is a failure; elsewhere the tests are skipped.
    if os.environ.get("CI"):
        pytest.fail("tmux is needed for the end-to-end tests (apt-get install tmux)", pytrace=False)
    pytest.skip("tmux is not installed (apt-get install tmux)", allow_module_level=True)

WIDTH, HEIGHT = 120, 40
#: A half-block cell drawn in true colour: an RGB colour escape, possibly more escapes, then '▀'.
HALF_BLOCK_CELL = re.compile(r"\x1b\[(?:38|48);2;[0-9;]+m(?:\x1b\[[0-9;]*m)*▀")


class Terminal:
    """A private tmux server with one pane running a command."""

    def __init__(self, home: Path) -> None:
        self.socket = ""
        self.used: list[str] = []
        self.env = dict(os.environ)
        for key in ("COLUMNS", "LINES", "TMUX", "NO_COLOR"):
            self.env.pop(key, None)
        self.env.update(
            HOME=str(home),
            XDG_DATA_HOME=str(home / "data"),
            COLORTERM="truecolor",
            TERM="xterm-256color",
        )

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], env=self.env, capture_output=True, text=True, timeout=30
        )
        return result.stdout

    def start(self, command: str, width: int = WIDTH, height: int = HEIGHT) -> None:
        """Run ``command`` in a new pane on a new private server (a restart never races a shutdown)."""
        self.close()
        self.socket = f"studyapp-e2e-{uuid.uuid4().hex[:8]}"
        self.used.append(self.socket)
        wrapped = f"{command}; echo STUDYAPP-EXITED-$?; sleep 600"
        self.tmux("new-session", "-d", "-s", "main", "-x", str(width), "-y", str(height), wrapped)

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", "main", key)
            time.sleep(0.05)

    def keys_at_once(self, *keys: str) -> None:
        """Send ``keys`` in one go, as fast as a quick typist or a paste: the app reads them together."""
        self.tmux("send-keys", "-t", "main", *keys)

    def screen(self, escapes: bool = False) -> str:
        return self.tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "main")

    def wait_for(self, pattern: str, timeout: float = 30.0) -> str:
        """Poll the screen until ``pattern`` (a regex) appears; fail with the screen if it doesn't."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.screen()
            if re.search(pattern, text):
                return text
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {pattern!r}; the screen shows:\n{self.screen()}")

    def close(self) -> None:
        for socket in self.used:
            command = ["tmux", "-L", socket, "kill-server"]
            subprocess.run(command, env=self.env, capture_output=True, timeout=30)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(tmp_path)
    yield term
    term.close()


def plot_region(capture: str) -> list[str]:
    """The lines of an escaped capture that carry half-block plot cells."""
    return [line for line in capture.splitlines() if HALF_BLOCK_CELL.search(line)]


def test_study_undo_simulate_save_and_persist(terminal: Terminal, tmp_path: Path) -> None:
    db = tmp_path / "collection.sqlite3"
    command = f"{sys.executable} -m studyapp --db {db}"
    terminal.start(command)
    terminal.wait_for(r"10\s+0\s+0\s+All decks")

    terminal.keys("s")
    for _ in range(3):
        terminal.wait_for(r"Space (or Enter )?shows the answer")
        terminal.keys("Space")
        terminal.wait_for(r"3 Good · \S+")
        terminal.keys("3")
        time.sleep(0.2)
    terminal.wait_for(r"Space (or Enter )?shows the answer")
    terminal.keys("u")
    time.sleep(0.3)

    # The card brought back by undo has a simulation: open it with its preset and change a parameter.
    terminal.keys("s")
    terminal.wait_for(r"Save PNG\+SVG")
    deadline = time.monotonic() + 30
    while not plot_region(terminal.screen(escapes=True)) and time.monotonic() < deadline:
        time.sleep(0.2)
    before = plot_region(terminal.screen(escapes=True))
    assert before, "no half-block plot cells on screen"
    changed = False
    for key in ("j", "Right", "j", "Right", "Right"):
        terminal.keys(key)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            after = plot_region(terminal.screen(escapes=True))
            if after and after != before:
                changed = True
                break
            time.sleep(0.2)
        if changed:
            break
    assert changed, "the plot did not change after a parameter change"

    terminal.keys("w")
    text = terminal.wait_for(r"Saved ")
    plots = tmp_path / "data" / "studyapp" / "plots"
    deadline = time.monotonic() + 10
    while not list(plots.glob("*.svg")) and time.monotonic() < deadline:
        time.sleep(0.1)
    saved = sorted(plots.glob("*.png"))
    assert saved and saved[0].read_bytes()[:4] == b"\x89PNG" and saved[0].stat().st_size > 1000, text
    assert sorted((tmp_path / "data" / "studyapp" / "plots").glob("*.svg"))

    terminal.keys("Escape")
    terminal.wait_for(r"Space (or Enter )?shows the answer")
    terminal.keys("C-q")
    terminal.wait_for(r"STUDYAPP-EXITED-0")

    terminal.start(command)
    terminal.wait_for(r"Today: 2 reviews")
    terminal.keys("C-q")
    terminal.wait_for(r"STUDYAPP-EXITED-0")


def test_add_a_card_find_it_and_study_it_with_custom_study(terminal: Terminal, tmp_path: Path) -> None:
    db = tmp_path / "collection.sqlite3"
    command = f"{sys.executable} -m studyapp --db {db}"
    terminal.start(command)
    terminal.wait_for(r"10\s+0\s+0\s+All decks")

    # Add a card with `a`: it goes to a new deck of the learner's own, with its own new-card budget.
    # Typed at once, with the `a`: the form is ready for the keys read after it, each key after a Tab
    # goes to the next field, and ctrl+s saves all that was typed.
    terminal.keys_at_once(
        "a", "What does the tmux test check?", "Tab", "The whole app.", "Tab", "Tab", "e2etag", "C-s"
    )
    terminal.wait_for(r"Added 'tmux-test-check'")
    deck_file = tmp_path / "data" / "studyapp" / "decks" / "my-cards.toml"
    assert 'question = "What does the tmux test check?"' in deck_file.read_text(encoding="utf-8")
    terminal.keys("Escape")
    terminal.wait_for(r"1\s+0\s+0\s+My cards")
    terminal.wait_for(r"11\s+0\s+0\s+All decks")

    # Find it in Browse with `/` and `tag:`, typed at once with the `b` that opens Browse: the search
    # box has the focus from the / on.
    terminal.keys_at_once("b", "/tag:e2etag")
    screen = terminal.wait_for(r"1 of \d+ cards")
    assert "tag:e2etag" in screen
    terminal.keys("Enter")
    screen = terminal.wait_for(r"1 of \d+ cards")
    assert "What does the tmux test check?" in screen and "What is a" not in screen  # only the match
    terminal.keys("Escape")
    terminal.wait_for(r"All decks")

    # Study it with custom study (a search, ahead of schedule); the header counts follow the ratings.
    # All at once: ↓ to "My cards", custom study of it, ↓ ↓ to a search, and the search typed right after
    # Enter.
    terminal.keys_at_once("Down", "c", "Down", "Down", "Enter", "tag:e2etag")
    terminal.wait_for(r"Custom study · My cards")
    terminal.wait_for(r"1 card to study")
    terminal.keys("Enter")
    terminal.wait_for(r"What does the tmux test check\?")
    terminal.wait_for(r"New 1\s+Learning 0\s+Due 0")
    terminal.keys("Space")
    terminal.wait_for(r"1 Again · \S+")
    terminal.keys("1")
    terminal.wait_for(r"New 0\s+Learning 1\s+Due 0")  # forgotten: back in learning, shown again soon
    terminal.keys("Space")
    terminal.wait_for(r"4 Easy · \S+")
    terminal.keys("4")
    terminal.wait_for(r"New 0\s+Learning 0\s+Due 0")
    terminal.keys("Escape")
    terminal.wait_for(r"0\s+0\s+0\s+My cards")  # today's budget of the deck is used
    terminal.wait_for(r"Today: 2 reviews")
    terminal.keys("C-q")
    terminal.wait_for(r"STUDYAPP-EXITED-0")


def test_ctrl_s_pressed_on_its_own_saves_the_card_at_once(terminal: Terminal, tmp_path: Path) -> None:
    """A learner types a card, stops, and then presses ctrl+s alone: the card is saved with no other key
    pressed, and the next card typed goes to the emptied form."""
    terminal.start(f"{sys.executable} -m studyapp --db {tmp_path / 'collection.sqlite3'}")
    terminal.wait_for(r"10\s+0\s+0\s+All decks")
    terminal.keys_at_once("a", "What does a pause change?", "Tab", "Nothing.")
    terminal.wait_for(r"▊\s+Nothing\.\s")
    time.sleep(1.0)  # the app is idle, its form filled in
    terminal.keys("C-s")
    terminal.wait_for(r"Added 'pause-change'", timeout=10)
    deck_file = tmp_path / "data" / "studyapp" / "decks" / "my-cards.toml"
    assert 'answer = "Nothing."' in deck_file.read_text(encoding="utf-8")
    terminal.keys_at_once("And after it?", "Tab", "The next card.")
    terminal.wait_for(r"▊\s+The next card\.\s")
    terminal.keys("C-s")
    terminal.wait_for(r"Added 'after'", timeout=10)
    assert deck_file.read_text(encoding="utf-8").count("[[cards]]") == 2
    terminal.keys("C-q")
    terminal.wait_for(r"STUDYAPP-EXITED-0")


def test_editing_keys_typed_with_text_apply_where_they_were_typed(terminal: Terminal, tmp_path: Path) -> None:
    """Backspaces, arrows, Home/End and ctrl+u typed in one go with text (a quick typist fixing a typo)
    edit the text typed before them, in its field: not the characters typed after them, nor the next
    field."""
    terminal.start(f"{sys.executable} -m studyapp --db {tmp_path / 'collection.sqlite3'}")
    terminal.wait_for(r"10\s+0\s+0\s+All decks")
    terminal.keys_at_once(
        *("a", "Wat", "Left", "Left", "h", "End", " is a lyaer", "BSpace", "BSpace", "BSpace", "BSpace"),
        *("ayer?", "Tab", "Nothing", "C-u", "A stak", "BSpace", "ck", "Home", "Right", "Right", "full "),
        "C-s",
    )
    terminal.wait_for(r"Added 'layer'", timeout=15)
    text = (tmp_path / "data" / "studyapp" / "decks" / "my-cards.toml").read_text(encoding="utf-8")
    assert 'question = "What is a layer?"' in text and 'answer = "A full stack"' in text, text
    terminal.keys("C-q")
    terminal.wait_for(r"STUDYAPP-EXITED-0")


def test_keys_typed_with_the_one_that_moves_on_go_where_it_moves_on_to(
    terminal: Terminal, tmp_path: Path
) -> None:
    """A rating typed together with the next cloze answer, a cloze answer's Enter together with a rating,
    a search typed together with its Enter and a key for the table, and Browse's `a` typed with two cards
    and their ctrl+s: each key after the rating, Enter, `a` or ctrl+s acts where that moved on to."""
    terminal.start(f"{sys.executable} -m studyapp --db {tmp_path / 'collection.sqlite3'}")
    terminal.wait_for(r"10\s+0\s+0\s+All decks")
    terminal.keys_at_once("c", "Down", "Down", "Enter", "adam-bias", "Enter")  # the two cloze cards
    terminal.wait_for(r"New 2\s+Learning 0")
    terminal.keys_at_once("zero", "Enter")
    terminal.wait_for(r"3 Good · \S+")
    terminal.keys_at_once("3", "by the step")  # rated Good, then the next card's answer at once
    terminal.wait_for(r"New 1\s+Learning 1")
    screen = terminal.wait_for(r"by the step")
    assert re.search(r"▊\s+by the step\s", screen), screen  # in the next card's answer field
    terminal.keys_at_once("Enter", "1")  # the answer graded and shown, then rated Again
    terminal.wait_for(r"New 0\s+Learning 2")
    terminal.keys("Escape")
    terminal.wait_for(r"8\s+2\s+0\s+All decks")  # Home

    # Browse, its search, Enter and ! at once: ! suspends the first card the search found.
    terminal.keys_at_once("b", "/max pool", "Enter", "!")
    screen = terminal.wait_for(r"pool-value-drill suspended")
    assert re.search(r"▊\s+max pool\s", screen) and re.search(r"\b2 of \d+ cards", screen), screen
    assert re.search(r"A pooled value .*suspended", screen), screen

    # From Browse, `a` and two cards typed at once, each saved with ctrl+s: the first goes to the form
    # `a` opens, the second to the form emptied by the first ctrl+s.
    terminal.keys_at_once("a", "First?", "Tab", "One.", "C-s", "Second?", "Tab", "Two.", "C-s")
    terminal.wait_for(r"Added 'second'")
    deck_text = (tmp_path / "data" / "studyapp" / "decks" / "my-cards.toml").read_text(encoding="utf-8")
    assert deck_text.count("[[cards]]") == 2, deck_text
    assert 'question = "First?"' in deck_text and 'answer = "Two."' in deck_text, deck_text
    terminal.keys("C-q")
    terminal.wait_for(r"STUDYAPP-EXITED-0")
