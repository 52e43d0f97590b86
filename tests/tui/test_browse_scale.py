"""Browse on a collection of 50,000 cards: it opens, scrolls to the end and searches, showing the
right rows (times are measured by ``tests/benchmarks/bench_scale.py``, not here)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from studyapp.collection import Collection, open_collection
from studyapp.content import Library
from studyapp.model import Card, Deck
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.browse import COLUMNS, BrowseScreen
from studyapp.tui.widgets.card_table import CardTable

from .conftest import FakeClock, searched, text_of

CARDS = 50_000
WORDS = ("gradient", "pooling", "kernel", "stride", "residual", "entropy", "momentum")


def question(i: int) -> str:
    return f"Card {i}: how do {WORDS[i % 7]} and {WORDS[i // 7 % 7]} meet?"


@pytest.fixture
def big(tmp_path: Path) -> Iterator[Collection]:
    cards = tuple(
        Card(f"big-{i:05d}", "big", question(i), f"Answer {i}.", tags=(f"group-{i % 40}",), position=i)
        for i in range(CARDS)
    )
    library = Library([Deck("big", "A big deck", cards)])
    with open_collection(tmp_path / "big.sqlite3", library=library) as collection:
        yield collection


def shown_ids(table: CardTable) -> list[str]:
    """The ids in the table's lines as the terminal shows them, top to bottom (under the header)."""
    start = sum(column.width + 2 for column in table.columns[: COLUMNS.index("id")])
    width = table.columns[COLUMNS.index("id")].width
    lines = [table.render_line(y).text for y in range(1, table.page_rows + 1)]
    return [line[start + 1 : start + 1 + width].strip() for line in lines if line.strip()]


async def test_browse_opens_scrolls_to_the_end_and_searches_50k_cards(
    big: Collection, clock: FakeClock, tmp_path: Path
) -> None:
    app = StudyApp(big, clock=clock, save_dir=tmp_path / "plots", renderer="halfblock")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("b")
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        table = screen.query_one("#cards", CardTable)
        assert table.row_count == CARDS
        assert "50,000 of 50,000 cards · sorted by id" in text_of(screen.query_one("#browse-status"))
        page = table.page_rows
        assert shown_ids(table) == [f"big-{i:05d}" for i in range(page)]
        await pilot.press("pagedown")  # its lines were drawn ahead, once the first page was painted
        await pilot.pause()
        assert shown_ids(table) == [f"big-{i:05d}" for i in range(page, 2 * page)]
        assert table.cursor_key == f"big-{page:05d}"

        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_key == "big-49999"
        assert shown_ids(table) == [f"big-{i:05d}" for i in range(CARDS - page, CARDS)]
        await pilot.press("pageup")
        await pilot.pause()
        assert shown_ids(table) == [f"big-{i:05d}" for i in range(CARDS - 2 * page, CARDS - page)]

        await pilot.press("slash", *"kernel and stride")
        await searched(pilot, screen)
        expected = [f"big-{i:05d}" for i in range(CARDS) if {"kernel", "stride"} <= set(question(i).split())]
        assert big.search("kernel and stride", clock.now) == expected
        assert table.row_count == len(expected) == 2 * CARDS // 49 + 1
        assert f"{len(expected):,} of 50,000 cards" in text_of(screen.query_one("#browse-status"))
        assert shown_ids(table) == expected[:page]
        await pilot.press("escape", "end")
        await pilot.pause()
        assert shown_ids(table) == expected[-page:]
        texts = [table.render_line(y).text for y in range(1, page + 1)]
        assert all(
            question(int(i.removeprefix("big-"))) in text
            for i, text in zip(expected[-page:], texts, strict=True)
        )

        await searched(pilot, screen, "big-4999*")
        assert shown_ids(table) == [f"big-{i}" for i in range(49990, 50000)]
        await pilot.press("o", "o", "o")  # sort by state, due, then stability: all new, in deck order
        assert screen.sort_column == "stability" and shown_ids(table) == [
            f"big-{i}" for i in range(49990, 50000)
        ]
