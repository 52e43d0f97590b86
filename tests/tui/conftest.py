"""Fixtures for Pilot tests: the app on a temporary collection with a pinned clock."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.color import Color

from studyapp.collection import Collection, open_collection
from studyapp.tui.app import StudyApp

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Collection]:
    opened = open_collection(tmp_path / "collection.sqlite3", user_dir=tmp_path / "no-user-decks")
    yield opened
    opened.close()


@pytest.fixture
def app(collection: Collection, clock: FakeClock, tmp_path: Path) -> StudyApp:
    return StudyApp(collection, clock=clock, save_dir=tmp_path / "plots", renderer="halfblock")


async def wait_until(pilot: Any, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    """Let the app run until ``predicate()`` holds (workers finish on their own threads)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)


async def searched(pilot: Any, screen: Any, text: str | None = None) -> None:
    """Put ``text`` in Browse's search box (if given) and wait until Browse has searched with what the
    box holds (a typed search runs after the next paint)."""
    search = screen.query_one("#search")
    if text is not None:
        search.value = text
    await wait_until(pilot, lambda: screen.searched == search.value)


def text_of(widget: Any) -> str:
    """The plain text a Static shows."""
    return str(widget.render())


def answered(screen: Any) -> bool:
    """A simulation screen has its result and has painted the answers (just after the plot it came with)."""
    return screen.result is not None and bool(text_of(screen.query_one("#answers")))


def painted_lines(app: Any) -> list[str]:
    """The screen as painted, one string per line (read from Textual's SVG screenshot)."""
    lines: dict[int, list[str]] = {}
    pattern = r'clip-path="url\(#terminal-[\w-]+-line-(\d+)\)">([^<]*)</text>'
    for line, text in re.findall(pattern, app.export_screenshot()):
        lines.setdefault(int(line), []).append(html.unescape(text).replace("\xa0", " "))
    return ["".join(parts) for _, parts in sorted(lines.items())]


def near(one: Color, other: Color) -> bool:
    """Colours equal to within Textual's rounding when it blends them."""
    return all(abs(a - b) <= 2 for a, b in zip(one.rgb, other.rgb, strict=True))
