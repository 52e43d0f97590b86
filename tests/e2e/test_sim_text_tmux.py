"""Every simulation opened with `studyapp sim open` in tmux: the plot's text is on the screen as text.

The expected titles come from the matplotlib figure itself (the same one the saved PNG/SVG draws),
so the check is that what the figure says is what the terminal shows.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

import sim
from sim import plotting
from tests.e2e.test_tmux import Terminal, terminal  # noqa: F401  (the fixture)

pytestmark = pytest.mark.e2e
NUMBER = re.compile(r"(?<![\w.])[−-]?\d+(?:\.\d+)?(?![\w.])")


def figure_titles(name: str) -> list[str]:
    """The panel titles of the simulation's figure at its defaults, at the size of a 120x40 plot (or,
    for a figure that labels its panels with text artists, their texts)."""
    fig = plotting.new_figure(236, 148)
    plotting.draw(fig, sim.run(name))
    titles = [title for ax in fig.axes for loc in plotting.TITLE_LOCATIONS if (title := ax.get_title(loc))]
    texts = [text.get_text() for ax in fig.axes for text in ax.texts if len(text.get_text()) > 2]
    return titles or texts


def plot_area(screen: str, left: int) -> str:
    """The screen right of column ``left`` (the parameter panel), legend and key bar left out."""
    lines = screen.splitlines()
    return "\n".join(line[left:] for line in lines[1:-1])


def check_plot_text(name: str, screen: str, left: int) -> None:
    area = plot_area(screen, left)
    shown = [title for title in figure_titles(name) if title[:12] in area]
    assert shown, f"{name}: no panel title of {figure_titles(name)} on screen:\n{screen}"
    assert len(NUMBER.findall(area)) >= 3, f"{name}: no tick labels on screen:\n{screen}"
    if name == "convolution":
        kernel = sim.run(name).answers["kernel"]
        for value in {int(v) for row in kernel for v in row}:  # type: ignore[union-attr]
            assert re.search(rf"(?<![\d.])[−-]?{abs(value)}(?![\d.])", area), (
                f"kernel value {value}:\n{screen}"
            )
    if name == "backprop":
        for operation in ("×", "+", "σ"):
            assert operation in area, f"backprop node {operation!r} missing:\n{screen}"


def open_sim(terminal: Terminal, tmp_path: Path, name: str, width: int, height: int) -> str:  # noqa: F811
    db = tmp_path / "collection.sqlite3"
    terminal.start(f"{sys.executable} -m studyapp --db {db} sim open {name}", width, height)
    return terminal.wait_for(r"esc/q Back", timeout=60)


def wait_for_plot(terminal: Terminal, name: str, left: int) -> str:  # noqa: F811
    """The screen once it shows the whole plot text and has stopped changing (tmux may be caught
    part-way through a repaint), or the last screen seen after a minute."""
    deadline = time.monotonic() + 60
    previous, screen = "", terminal.screen()
    while time.monotonic() < deadline:
        previous, screen = screen, terminal.screen()
        if screen == previous:
            try:
                check_plot_text(name, screen, left)
            except AssertionError:
                pass
            else:
                break
        time.sleep(0.2)
    return screen


@pytest.mark.parametrize("name", sim.NAMES)
def test_every_simulation_shows_its_text_at_120x40_and_at_80x24_without_the_panel(
    terminal: Terminal,  # noqa: F811
    tmp_path: Path,
    name: str,
) -> None:
    open_sim(terminal, tmp_path, name, 120, 40)
    screen = wait_for_plot(terminal, name, 36)
    check_plot_text(name, screen, 36)
    assert "Traceback" not in screen

    open_sim(terminal, tmp_path, name, 80, 24)
    terminal.keys("p")
    time.sleep(0.5)
    screen = wait_for_plot(terminal, name, 0)
    check_plot_text(name, screen, 0)
    terminal.keys("C-q")
    terminal.wait_for(r"STUDYAPP-EXITED-0")
