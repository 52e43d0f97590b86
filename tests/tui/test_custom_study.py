"""Custom study from Home (ahead, today's Again cards, a search, cram) and each deck's own limits."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from studyapp.collection import Collection, open_collection
from studyapp.model import CardState, StudyState
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.custom_study import CustomStudyScreen
from studyapp.tui.screens.home import ALL_DECKS, HomeScreen
from studyapp.tui.screens.review import AHEAD_LABEL, CRAM_LABEL, ReviewScreen

from .conftest import START, FakeClock, text_of, wait_until

DAY = timedelta(days=1)
MINE = """
[deck]
id = "mine"
title = "My deck"
"""
MINE_CARD = """
[[cards]]
id = "mine-{n}"
question = "My question {n}?"
answer = "My answer {n}."
tags = ["mine"]
"""


def counts_of(app: StudyApp, deck: str) -> list[str]:
    decks = app.screen.query_one("#decks", OptionList)
    return str(decks.get_option(deck).prompt).split()[:3]


def header(app: StudyApp) -> str:
    """The review header's counts, as text."""
    screen = app.screen
    assert isinstance(screen, ReviewScreen)
    return screen.queue_counts.text


async def open_custom_study(pilot: object, app: StudyApp, choice: int) -> CustomStudyScreen:
    await pilot.press("c")  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, CustomStudyScreen)
    screen.query_one("#custom-kind", OptionList).highlighted = choice
    await pilot.pause()  # type: ignore[attr-defined]
    return screen


async def count_shown(pilot: object, screen: CustomStudyScreen, text: str) -> None:
    """Wait until the screen shows ``text`` as its count (counted in the background)."""
    await wait_until(pilot, lambda: text in text_of(screen.query_one("#custom-count")))


def reviewed(collection: Collection) -> list[tuple[str, int]]:
    return [(record.card_id, record.rating) for record in collection.store.iter_reviews()]


async def test_review_ahead_studies_cards_due_in_the_next_days_and_saves(
    app: StudyApp, collection: Collection, clock: FakeClock
) -> None:
    cards = [card.id for card in collection.library.cards]
    review = CardState(StudyState.REVIEW, None, 20.0, 5.0, START + 2 * DAY, START - 10 * DAY, 3)
    collection.store.set_state(cards[0], review)  # due in 2 days
    collection.store.set_state(cards[1], replace(review, due=START + 10 * DAY))  # too far ahead
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_custom_study(pilot, app, 0)
        await count_shown(pilot, screen, "0 cards to study")  # 1 day ahead: none
        await pilot.press("enter")  # to the days field
        days = screen.query_one("#ahead-days", Input)
        assert app.focused is days
        days.value = "3"
        await pilot.pause()
        await count_shown(pilot, screen, "1 card to study")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.card is not None)
        review_screen = app.screen
        assert isinstance(review_screen, ReviewScreen) and review_screen.card is not None
        assert review_screen.card.id == cards[0]
        assert text_of(review_screen.query_one("#cram-label")) == AHEAD_LABEL
        assert header(app).split()[-1] == "1"  # Due 1
        await pilot.press("space", "3")
        await wait_until(pilot, lambda: reviewed(collection) == [(cards[0], 3)])
        assert collection.store.card_state(cards[0]).due > START + 2 * DAY  # saved, rescheduled
        await wait_until(pilot, lambda: review_screen.card is None)  # nothing else was chosen
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))  # custom study made way


async def test_todays_again_cards_come_back_and_cram_saves_nothing(
    app: StudyApp, collection: Collection, clock: FakeClock
) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("s", "space", "1", "space", "3", "escape")  # one Again, one Good
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        forgotten = reviewed(collection)[0][0]
        clock.advance(hours=2)
        screen = await open_custom_study(pilot, app, 1)
        await count_shown(pilot, screen, "1 card to study")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.card is not None)
        review_screen = app.screen
        assert isinstance(review_screen, ReviewScreen) and review_screen.card is not None
        assert review_screen.card.id == forgotten
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))

        before = reviewed(collection)
        screen = await open_custom_study(pilot, app, 3)
        await pilot.press("enter")
        field = screen.query_one("#custom-search", Input)
        assert app.focused is field
        tagged = [card.id for card in collection.library.cards if "cnn" in card.tags]
        field.value = "tag:cnn"
        await pilot.pause()
        await count_shown(pilot, screen, f"{len(tagged)} cards to study")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.card is not None)
        review_screen = app.screen
        assert isinstance(review_screen, ReviewScreen) and review_screen.card is not None
        assert review_screen.card.id == tagged[0]
        assert text_of(review_screen.query_one("#cram-label")) == CRAM_LABEL
        await pilot.press("space", "4")
        await wait_until(pilot, lambda: review_screen.card is not None and review_screen.card.id == tagged[1])
        assert reviewed(collection) == before  # cram writes nothing


async def test_a_bad_search_is_explained_and_nothing_starts(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_custom_study(pilot, app, 2)
        await pilot.press("enter")
        field = screen.query_one("#custom-search", Input)
        field.value = "tag:cnn or ("
        await pilot.pause()
        problem = text_of(screen.query_one("#custom-problem"))
        assert "(" in problem and "^" in problem  # the message and a pointer at the problem
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        screen.query_one("#custom-kind", OptionList).highlighted = 0
        screen.query_one("#ahead-days", Input).value = "0"
        await pilot.pause()
        assert "from 1 to" in text_of(screen.query_one("#custom-problem"))


# -- each deck's own limits ---------------------------------------------------------------------------


@pytest.fixture
def two_decks(tmp_path: Path) -> Iterator[Collection]:
    user = tmp_path / "decks"
    user.mkdir()
    cards = "".join(MINE_CARD.format(n=n) for n in range(5))
    (user / "mine.toml").write_text(textwrap.dedent(MINE) + cards, encoding="utf-8")
    opened = open_collection(tmp_path / "two.sqlite3", user_dir=user)
    yield opened
    opened.close()


async def test_each_deck_has_its_own_limits_set_in_settings(two_decks: Collection, clock: FakeClock) -> None:
    app = StudyApp(two_decks, clock=clock, renderer="halfblock")
    async with app.run_test(size=(100, 40)) as pilot:
        assert counts_of(app, "deep-learning") == ["10", "0", "0"]
        assert counts_of(app, "mine") == ["5", "0", "0"]  # its own budget, not what is left of another's
        assert counts_of(app, ALL_DECKS) == ["15", "0", "0"]
        await pilot.press("o")
        field = app.screen.query_one("#new_per_day--mine", Input)
        assert field.value == "" and field.placeholder == "10 (global)"
        field.focus()
        field.value = "2"
        await pilot.press("enter")
        assert two_decks.deck_limits()["mine"].new_per_day == 2
        assert "My deck: new cards per day = 2" in text_of(app.screen.query_one("#settings-status"))
        global_field = app.screen.query_one("#new_per_day", Input)
        global_field.focus()
        global_field.value = "4"
        await pilot.press("enter", "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert counts_of(app, "deep-learning") == ["4", "0", "0"]  # the global value is the default
        assert counts_of(app, "mine") == ["2", "0", "0"]  # the deck's own value wins
        decks = app.screen.query_one("#decks", OptionList)
        decks.highlighted = decks.get_option_index("mine")
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.card is not None)
        assert header(app).split()[1] == "2"  # New 2
        await pilot.press("space", "4", "space", "4")
        review_screen = app.screen
        assert isinstance(review_screen, ReviewScreen)
        await wait_until(pilot, lambda: review_screen.card is None)  # the deck's budget is used up
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert counts_of(app, "mine") == ["0", "0", "0"]
        assert counts_of(app, "deep-learning") == ["4", "0", "0"]  # untouched by the other deck
        await pilot.press("o")
        field = app.screen.query_one("#new_per_day--mine", Input)
        field.focus()
        field.value = ""  # back to the global value
        await pilot.press("enter")
        assert "mine" not in two_decks.deck_limits()
        assert "My deck: new cards per day follows the global value" in text_of(
            app.screen.query_one("#settings-status")
        )


async def test_a_search_typed_quickly_shows_the_count_of_what_the_field_holds_last(
    app: StudyApp, collection: Collection, clock: FakeClock
) -> None:
    """Counts run in the background, one at a time: keys typed meanwhile are not held up, and only the
    count of the field's last text is shown, never one of a text typed before it."""
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_custom_study(pilot, app, 2)
        await pilot.press("enter")
        await pilot.press(*"tag:cnn", "backspace", "backspace", "backspace", *"mlp")
        field = screen.query_one("#custom-search", Input)
        assert field.value == "tag:mlp"
        tagged = [card.id for card in collection.library.cards if "mlp" in card.tags]
        assert len(tagged) != len([card for card in collection.library.cards if "cnn" in card.tags])
        await count_shown(pilot, screen, f"{len(tagged)} cards to study")
        assert screen.counted == (("search", "tag:mlp"), len(tagged))
        await pilot.pause(0.3)  # no later count replaces it
        assert f"{len(tagged)} cards to study" in text_of(screen.query_one("#custom-count"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.card is not None)
        review_screen = app.screen
        assert isinstance(review_screen, ReviewScreen) and review_screen.card is not None
        assert review_screen.card.id in tagged
