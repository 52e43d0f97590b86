"""Terminal graphics in a real terminal: xterm as a VT340 (Sixel) under Xvfb, checked on a screenshot.

xterm draws what the app sends; a screenshot of the X display (ImageMagick's ``import``) shows
whether the plot arrived as an image: most of the plot's area is drawn, in at most the 256
colours of a Sixel palette (characters, half-blocks included, are drawn with antialiasing in
thousands of shades).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studyapp.store import Store

pytestmark = pytest.mark.e2e
TOOLS = ("xterm", "Xvfb", "import")
#: The plot's area in terminal cells (x0, y0, x1, y1): right of the parameter panel, below the legend.
PLOT = (36, 12, 118, 30)
if missing := [tool for tool in TOOLS if shutil.which(tool) is None]:
    if os.environ.get("CI"):
        pytest.fail(f"the Sixel test needs {', '.join(missing)} (.ci/run installs them)", pytrace=False)
    pytest.skip(
        f"{', '.join(missing)} not installed (apt-get install xterm xvfb imagemagick)",
        allow_module_level=True,
    )


@pytest.fixture
def display() -> Iterator[str]:
    """A private X display on a free number."""
    for number in range(140, 200):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def screenshot(display: str, target: Path) -> np.ndarray:
    subprocess.run(["import", "-display", display, "-window", "root", str(target)], check=True, timeout=30)
    return np.asarray(Image.open(target).convert("RGB"))


def cell_size(pixels: np.ndarray) -> tuple[int, int]:
    """xterm's cell in pixels: its 120x40 window is the part of the black root window the app painted."""
    painted = np.argwhere(pixels.sum(axis=-1) > 0)
    (top, left), (bottom, right) = painted.min(axis=0), painted.max(axis=0)
    return max((right - left) // 120, 1), max((bottom - top) // 40, 1)


def drawn_share(pixels: np.ndarray, cell: tuple[int, int], region: tuple[int, int, int, int]) -> float:
    """The share of terminal cells in ``region`` (columns and rows: x0, y0, x1, y1) that differ from the
    region's background."""
    width, height = cell
    x0, y0, x1, y1 = region
    block = pixels[y0 * height : y1 * height, x0 * width : x1 * width].astype(int)
    background = np.median(block.reshape(-1, 3), axis=0)
    drawn = total = 0
    for top in range(0, block.shape[0] - height + 1, height):
        for left in range(0, block.shape[1] - width + 1, width):
            total += 1
            drawn += np.abs(block[top : top + height, left : left + width] - background).max() > 30
    return drawn / max(total, 1)


def colours(pixels: np.ndarray, cell: tuple[int, int], region: tuple[int, int, int, int]) -> int:
    width, height = cell
    x0, y0, x1, y1 = region
    block = pixels[y0 * height : y1 * height, x0 * width : x1 * width].reshape(-1, 3)
    return len(np.unique(block, axis=0))


def test_a_sixel_plot_is_drawn_as_an_image_in_xterm(display: str, tmp_path: Path) -> None:
    db = tmp_path / "collection.sqlite3"
    with Store.open(db) as store:
        store.set_setting("plot_renderer", "sixel")
    env = dict(os.environ, DISPLAY=display, XDG_DATA_HOME=str(tmp_path / "data"), HOME=str(tmp_path))
    for key in ("COLUMNS", "LINES", "TMUX", "NO_COLOR"):
        env.pop(key, None)
    command = f"{sys.executable} -m studyapp --db {db} sim open convolution; sleep 60"
    terminal = subprocess.Popen(
        [
            "xterm",
            "-ti",
            "vt340",
            "-geometry",
            "120x40+0+0",
            "-fa",
            "Monospace",
            "-fs",
            "10",
            "-e",
            "sh",
            "-c",
            command,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        shot = tmp_path / "xterm-sixel.png"
        share = 0.0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(1)
            pixels = screenshot(display, shot)
            if not pixels.any():
                continue
            cell = cell_size(pixels)
            share = drawn_share(pixels, cell, PLOT)
            if share > 0.2:
                break
        assert share > 0.2, f"the plot area is empty ({share:.0%} of its cells are drawn)"
        assert colours(pixels, cell, PLOT) <= 256, "the plot is not a Sixel image (more than 256 colours)"
        assert colours(pixels, cell, (0, 2, 30, 10)) > 256, "the parameter panel is antialiased text"
        if os.environ.get("STUDYAPP_SCREENSHOTS"):
            painted = np.argwhere(pixels.sum(axis=-1) > 0)
            (top, left), (bottom, right) = painted.min(axis=0), painted.max(axis=0)
            target = Path(os.environ["STUDYAPP_SCREENSHOTS"]) / shot.name
            Image.open(shot).crop((left, top, right + 1, bottom + 1)).save(target)
    finally:
        terminal.terminate()
        terminal.wait(timeout=10)
