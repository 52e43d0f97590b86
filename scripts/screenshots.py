"""Regenerate the README's screenshots: `python scripts/screenshots.py` writes docs/screenshots/*.svg.

The app runs headless on a temporary collection with a fixed clock and a few reviews, so the
pictures are reproducible and show real screens.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from studyapp.collection import open_collection
from studyapp.tui.app import StudyApp

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
SIZE = (110, 34)


class Clock:
    """A clock that moves forward a little with every reading."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=20)
        return self.now


async def capture(folder: Path) -> list[Path]:
    collection = open_collection(folder / "collection.sqlite3", user_dir=folder / "no-decks")
    app = StudyApp(collection, clock=Clock(), save_dir=folder, renderer="halfblock")
    shots: list[Path] = []

    def shot(name: str) -> None:
        shots.append(Path(app.save_screenshot(f"{name}.svg", str(OUT))))

    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("s")
            for rating in ("3", "4", "3", "1", "4", "3"):
                await pilot.press("space", rating)
            await pilot.press("space")
            await pilot.pause(1.0)
            shot("review")
            await pilot.press("escape")
            await pilot.pause(0.2)
            shot("home")
            app.open_simulation("convolution", {"image": "photo", "filter": "sobel_vertical", "size": 96})
            screen = app.screen
            while getattr(screen, "result", None) is None:
                await pilot.pause(0.1)
            await pilot.pause(0.3)
            shot("simulation")
            await pilot.press("escape", "t")
            await pilot.pause(0.3)
            shot("stats")
    finally:
        collection.close()
    return shots


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        for path in asyncio.run(capture(Path(folder))):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
