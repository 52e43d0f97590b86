"""Home: deck counts, today's reviews and streak, when the next card is due, mastery bars, the week's due
forecast, the heatmap of the last 12 weeks, warnings, navigation, and each screen's help."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from numpy.testing import assert_allclose
from textual.content import Content
from textual.widgets import OptionList

from studyapp.collection import Collection, open_collection
from studyapp.model import StudyState
from studyapp.scheduler import Scheduler, format_interval, format_local
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.help import EVERYWHERE, HelpScreen
from studyapp.tui.screens.home import ALL_DECKS, HomeScreen
from studyapp.tui.widgets.bars import MasteryRow, mastery_lines
from studyapp.tui.widgets.heatmap import SHADES
from studyapp.tui.widgets.mastery_map import MasteryMap

from .conftest import START, FakeClock, text_of, wait_until


def deck_counts(app: StudyApp, deck: str) -> list[str]:
    """The new, learning and due counts on a deck's row of the Home deck list."""
    decks = app.screen.query_one("#decks", OptionList)
    return str(decks.get_option(deck).prompt).split()[:3]


@pytest.mark.parametrize("width", range(20, 61))
def test_mastery_bars_fit_their_width(width: int) -> None:
    rows = [
        MasteryRow("optimisation", 3, 6, 0.5),
        MasteryRow("cnn", 0, 12, 0.0),
        MasteryRow("unused", 0, 0, None),
        MasteryRow("a-very-long-tag-name", 12, 12, 1.0),
    ]
    lines = mastery_lines(rows, width)
    for line in lines:
        assert line.cell_length == width
    plain = [line.plain for line in lines]
    assert plain[0].split()[-2:] == ["3/6", "50%"] or plain[0].split()[-1] == "50%"
    assert plain[1].rstrip().endswith("0%") and " 0/12 " in plain[1]
    assert plain[2].rstrip().endswith("—") and "█" not in plain[2]
    assert plain[3].rstrip().endswith("100%") and "12/12" in plain[3]


def test_mastery_lines_are_styled_as_their_markup_says() -> None:
    rows = [
        MasteryRow("optimisation", 3, 6, 0.5),
        MasteryRow("cnn", 0, 12, 0.0),
        MasteryRow("unused", 0, 0, None),
        MasteryRow("[b]x", 1, 2, 0.83),  # a tag that looks like markup is shown as it is
        MasteryRow("a-very-long-tag-name", 12, 12, 1.0),
    ]
    markup = [
        "optimisation     [dim]  3/6[/dim] [$warning]██████[/][dim]······[/dim]  50%",
        "cnn              [dim] 0/12[/dim] [dim]············[/dim]   0%",
        "unused           [dim]  0/0[/dim] [dim]············    —[/dim]",
        "\\[b]x             [dim]  1/2[/dim] [$success]██████████[/][dim]··[/dim]  83%",
        "a-very-long-tag- [dim]12/12[/dim] [$success]████████████[/] 100%",
    ]
    assert mastery_lines(rows, 40) == [Content.from_markup(line) for line in markup]


async def test_home_fits_the_smallest_terminal(app: StudyApp) -> None:
    async with app.run_test(size=(60, 20)) as pilot:
        mastery = app.screen.query_one("#mastery")
        await wait_until(pilot, lambda: "cnn" in text_of(mastery))
        await pilot.pause(0.1)
        tags = {tag for card in app.collection.library.cards for tag in card.tags}
        assert mastery.size.height == len(tags)  # one line per tag: nothing wrapped
        decks = app.screen.query_one("#decks", OptionList)
        assert decks.size.height == decks.option_count  # one line per deck: nothing wrapped
        assert deck_counts(app, ALL_DECKS) == ["10", "0", "0"]


async def test_home_shows_counts_today_and_mastery(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        assert isinstance(app.screen, HomeScreen)
        assert deck_counts(app, "deep-learning") == ["10", "0", "0"]
        assert deck_counts(app, ALL_DECKS) == ["10", "0", "0"]
        assert "Deep Learning" in str(
            app.screen.query_one("#decks", OptionList).get_option("deep-learning").prompt
        )
        assert "Today: 0 reviews" in text_of(app.screen.query_one("#today"))
        mastery = app.screen.query_one("#mastery")
        await wait_until(pilot, lambda: "cnn" in text_of(mastery))  # drawn after the first paint
        assert re.search(r"cnn +0/\d+ .* 0%", text_of(mastery))  # nothing studied: nothing known
        await pilot.press("s")
        await pilot.press("space", "3")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert deck_counts(app, "deep-learning") == ["9", "1", "0"]
        today = app.screen.query_one("#today")
        await wait_until(pilot, lambda: "streak 1 day" in text_of(today))  # with the statistics
        assert "Today: 1 review · streak 1 day\n" in text_of(today)
        assert "%" in text_of(app.screen.query_one("#mastery"))


async def test_a_broken_user_deck_is_a_warning_not_a_crash(tmp_path: Path, clock: FakeClock) -> None:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "broken.toml").write_text('[deck]\nid = "mine"\ntitle = \n', encoding="utf-8")
    collection = open_collection(tmp_path / "c.sqlite3", user_dir=decks)
    app = StudyApp(collection, clock=clock, renderer="halfblock")
    try:
        async with app.run_test(size=(100, 32)):
            warning = text_of(app.screen.query_one("#home-warnings"))
            assert "broken.toml:3" in warning
            assert app.screen.query_one("#decks", OptionList).option_count == 2
    finally:
        collection.close()


async def test_the_highlighted_deck_is_studied(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        decks = app.screen.query_one("#decks", OptionList)
        assert decks.has_focus and decks.highlighted_option is not None
        assert decks.highlighted_option.id == "deep-learning"
        await pilot.press("down", "enter")  # "All decks"
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ReviewScreen")
        assert app.screen.deck is None  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert decks.highlighted == 1  # kept across the recount
        await pilot.press("up", "s")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ReviewScreen")
        assert app.screen.deck == "deep-learning"  # type: ignore[attr-defined]


async def test_keys_open_every_screen(app: StudyApp) -> None:
    expected = {"b": "BrowseScreen", "t": "StatsScreen", "o": "SettingsScreen", "m": "SimListScreen"}
    async with app.run_test(size=(100, 32)) as pilot:
        for key, screen in expected.items():
            await pilot.press(key)
            await wait_until(pilot, lambda screen=screen: type(app.screen).__name__ == screen)
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("s")
        assert type(app.screen).__name__ == "ReviewScreen"


async def test_command_palette_opens_screens_and_simulations(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"Statistics")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "StatsScreen")
        await pilot.press("ctrl+p")
        await pilot.press(*"Simulation: Pooling")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "SimulationScreen")
        assert app.screen.spec.name == "pooling"  # type: ignore[attr-defined]


async def test_help_lists_the_screen_keys(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        keys = text_of(app.screen.query_one("#help-keys"))
        for description in ("Study", "Quiz", "Browse", "Simulations", "Stats", "Settings", "Command palette"):
            assert description in keys
        assert "Choose a deck" in keys and re.search(r"q, \^q +Quit", keys)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


GENERIC_KEYS = (
    "Scroll Left",
    "Scroll Up",
    "Focus Next",
    "Focus Previous",
    "Copy selected text",
    "Page Left",
    "Cursor up",
    "First",
)


@pytest.mark.parametrize(
    ("key", "screen", "own"),
    [
        ("", "HomeScreen", {"Study", "Quiz", "Settings"}),
        ("s", "ReviewScreen", {"Show answer", "Again", "Easy", "Undo", "Bury"}),
        ("z", "QuizScreen", {"Answer", "Next", "I was right"}),
        ("b", "BrowseScreen", {"Search", "Sort"}),
        ("t", "StatsScreen", {"Refresh", "Scroll the statistics"}),
        ("o", "SettingsScreen", {"Next / previous setting"}),
        ("a", "AddCardScreen", {"Save", "Next / previous field"}),
        ("c", "CustomStudyScreen", {"Start it (first to its days or search field, if it has one)"}),
        ("m", "SimListScreen", {"Choose a simulation", "Open it"}),
    ],
)
async def test_help_lists_the_screens_own_keys_each_once(
    app: StudyApp, key: str, screen: str, own: set[str]
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        if key:
            await pilot.press(key)
            await wait_until(pilot, lambda: type(app.screen).__name__ == screen)
        app.set_focus(None)  # in a text field (a setting, a typed answer) "?" is typed, not a key
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        rows = [(keys, text) for group in help_screen.groups.values() for keys, text in group]
        descriptions = [text for _keys, text in rows]
        assert len(descriptions) == len(set(descriptions)), descriptions
        keys_listed = [key for keys, _text in rows for key in keys.split(", ")]
        assert len(keys_listed) == len(set(keys_listed)), keys_listed
        assert own <= set(descriptions)
        assert list(help_screen.groups)[-1] == EVERYWHERE
        shown = text_of(help_screen.query_one("#help-keys"))
        assert shown.count("palette") == 1 and shown.count("Quit") == 1
        for generic in GENERIC_KEYS:
            assert generic not in shown, generic
        if screen == "QuizScreen":
            assert shown.count("Answer") == 1 and "1–9, a–d" in dict((t, k) for k, t in rows)["Answer"]


async def test_the_simulation_list_counts_its_cards_in_words(app: StudyApp) -> None:
    linked = Counter(card.sim for card in app.collection.library.cards if card.sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "SimListScreen")
        options = app.screen.query_one("#sim-options", OptionList)
        for name, count in linked.items():
            prompt = str(options.get_option(name).prompt)
            assert f"· {count} card{'' if count == 1 else 's'}" in prompt
        assert "pooling · 1 card" in str(options.get_option("pooling").prompt)


# -- the panels at 120x40 against oracles -----------------------------------------------------------

DAY_START_HOUR = 4  # the default setting


def study_day(moment: datetime) -> date:
    """The oracle's study day of a moment: its local date, or the day before if before 4 am."""
    local = moment.astimezone()
    return local.date() if local.hour >= DAY_START_HOUR else local.date() - timedelta(days=1)


def study_history(collection: Collection, days_ago: tuple[int, ...] = (95, 83, 40, 12, 5, 1, 0)) -> None:
    """A few reviews on some past days (the first outside the heatmap's 12 weeks), through a session."""
    rng = random.Random(3)
    for ago in days_ago:
        at = START - timedelta(days=ago, hours=1)
        session = collection.session()
        for _ in range(ago % 4 + 2):
            card = session.next_card(at)
            if card is None:
                break
            session.rate(card.id, rng.choice([1, 3, 3, 4]), at, 1000)
            at += timedelta(minutes=3)


def mastery_oracle(collection: Collection, now: datetime) -> dict[str, tuple[int, int, float]]:
    """Per tag: studied cards, all cards, and fsrs retrievability summed over all cards / their number."""
    scheduler = Scheduler()
    groups: dict[str, list[tuple[bool, float]]] = {}
    for record in collection.store.cards(include_retired=False):
        studied = record.state.state != StudyState.NEW
        value = scheduler.retrievability(record.state, now) if studied else 0.0
        for tag in record.tags:
            groups.setdefault(tag, []).append((studied, value))
    return {
        tag: (sum(s for s, _ in rows), len(rows), sum(v for _, v in rows) / len(rows))
        for tag, rows in groups.items()
    }


def forecast_oracle(collection: Collection, now: datetime, days: int = 7) -> list[int]:
    """Cards in learning, review or relearning due on each of the next days (overdue ones today)."""
    today = study_day(now)
    counts = [0] * days
    for record in collection.store.cards(include_retired=False):
        state = record.state
        if state.state == StudyState.NEW or state.suspended or state.due is None:
            continue
        index = max((study_day(state.due) - today).days, 0)
        if index < days:
            counts[index] += 1
    return counts


def heatmap_cells(lines: list[Content]) -> list[list[str]]:
    """The colour of each cell of the heatmap's seven weekday rows ("" for a day still to come): a cell
    and a space after it, from the fifth character on."""
    rows = []
    for line in lines[:7]:
        colours = {span.start: str(span.style) for span in line.spans if span.end == span.start + 1}
        text = line.plain
        rows.append([colours[at] if text[at] == "■" else "" for at in range(4, len(text), 2)])
    return rows


async def test_home_shows_mastery_forecast_heatmap_and_next_due_against_oracles(
    app: StudyApp, collection: Collection, clock: FakeClock
) -> None:
    study_history(collection)
    now = clock.now
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        await wait_until(pilot, lambda: screen.forecast.shown and screen.heatmap.shown)

        # mastery: studied/total and the share known, unstudied cards counting as not known
        oracle = mastery_oracle(collection, now)
        rows = screen.query_one(MasteryMap).rows or ()
        assert {row.label for row in rows} == set(oracle)
        mastery_text = text_of(screen.query_one("#mastery"))
        for row in rows:
            studied, cards, known = oracle[row.label]
            assert (row.studied, row.cards) == (studied, cards)
            assert row.known is not None
            assert_allclose(row.known, known, rtol=1e-9)
            line = next(line for line in mastery_text.splitlines() if line.startswith(f"{row.label} "))
            assert f" {studied}/{cards} " in line and line.rstrip().endswith(f"{known * 100:.0f}%")
        assert any(studied < cards for studied, cards, _known in oracle.values())

        # the due forecast of the next 7 days
        expected = forecast_oracle(collection, now)
        assert [count for _day, count in screen.forecast.days] == expected
        assert [day for day, _count in screen.forecast.days] == [
            study_day(now) + timedelta(days=i) for i in range(7)
        ]
        lines = text_of(screen.forecast).splitlines()
        total = sum(expected)
        assert lines[0] == f"Due in the next 7 days · {total} card{'' if total == 1 else 's'}"
        assert [int(line.split()[-1]) for line in lines[1:]] == expected
        assert lines[1].startswith("today")

        # the heatmap of the last 12 weeks
        per_day = Counter(study_day(review.reviewed_at) for review in collection.store.iter_reviews())
        today = study_day(now)
        first = today - timedelta(days=today.weekday() + 7 * 11)
        shown_days = {day: count for day, count in per_day.items() if first <= day <= today}
        assert len(shown_days) < len(per_day)  # the oldest review is outside the 12 weeks
        cells = heatmap_cells(screen.heatmap.lines[1:])
        for weekday, row in enumerate(cells):
            assert len(row) == 12
            for week, colour in enumerate(row):
                day = first + timedelta(days=7 * week + weekday)
                if day > today:
                    assert colour == ""
                else:
                    assert (colour != SHADES[0]) == (day in shown_days), day
        assert screen.heatmap.lines[-1].plain.endswith(f"busiest day {max(shown_days.values())}")

        # when the next card is due: a review card due today or a learning step come is due now
        studied = [
            record.state
            for record in collection.store.cards(include_retired=False)
            if record.state.state != StudyState.NEW and not record.state.suspended and record.state.due
        ]
        due_now = any(
            study_day(state.due) <= today if state.state == StudyState.REVIEW else state.due <= now
            for state in studied
            if state.due is not None
        )
        today_text = text_of(screen.query_one("#today"))
        if due_now:
            assert today_text.endswith("Next card due: now")
        else:
            upcoming = min(state.due for state in studied if state.due is not None and state.due > now)
            assert today_text.endswith(f"Next card due: {format_local(upcoming)}")


async def test_next_due_says_when_nothing_is_due_now(
    app: StudyApp, collection: Collection, clock: FakeClock
) -> None:
    session = collection.session()
    session.rate("mlp", 4, clock.now - timedelta(hours=1))  # a review card, due in days
    due = collection.store.card_state("mlp").due
    assert due is not None
    collection.store.set_setting("new_per_day", 0)
    async with app.run_test(size=(120, 40)) as pilot:
        today = app.screen.query_one("#today")
        text = text_of(today)
        assert f"Next card due: {format_local(due)} (in {format_interval(due - clock.now)})" in text
        assert text.startswith("Today: 1 review\n")  # in the first frame; the streak comes after it
        await wait_until(pilot, lambda: "streak" in text_of(today))
        assert text_of(today) == text.replace("Today: 1 review", "Today: 1 review · streak 1 day")


async def test_a_learning_step_still_to_come_is_not_due_now(
    app: StudyApp, collection: Collection, clock: FakeClock
) -> None:
    collection.session().rate("mlp", 3, clock.now - timedelta(minutes=4))  # its next step in 10 minutes
    due = collection.store.card_state("mlp").due
    assert due is not None and due > clock.now
    async with app.run_test(size=(120, 40)):
        assert collection.session().counts(clock.now).learning == 1  # counted for today, not due yet
        text = text_of(app.screen.query_one("#today"))
        assert text.endswith(f"Next card due: {format_local(due)} (in {format_interval(due - clock.now)})")
    clock.advance(minutes=7)
    again = StudyApp(collection, clock=clock, renderer="halfblock")
    async with again.run_test(size=(120, 40)):
        assert text_of(again.screen.query_one("#today")).endswith("Next card due: now")


async def test_a_new_collection_has_no_card_scheduled_and_an_empty_heatmap(app: StudyApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        await wait_until(pilot, lambda: screen.heatmap.shown)
        assert text_of(screen.query_one("#today")).endswith("Next card due: none scheduled")
        assert all(
            colour in ("", SHADES[0]) for row in heatmap_cells(screen.heatmap.lines[1:]) for colour in row
        )
        assert [count for _day, count in screen.forecast.days] == [0] * 7


async def test_panels_that_do_not_fit_stay_blank_and_come_back(app: StudyApp) -> None:
    async with app.run_test(size=(60, 20)) as pilot:
        screen = app.screen
        assert isinstance(screen, HomeScreen)
        await wait_until(pilot, lambda: bool(screen.heatmap.lines))
        await pilot.pause(0.1)
        assert not screen.heatmap.shown and text_of(screen.heatmap).strip() == ""
        for panel in (screen.forecast, screen.heatmap):
            if panel.shown:  # what is shown is shown whole, inside its column
                assert panel.content_region.height >= len(panel.lines)
        await pilot.resize_terminal(120, 40)
        await wait_until(pilot, lambda: screen.forecast.shown and screen.heatmap.shown)
        assert len(text_of(screen.heatmap).splitlines()) == len(screen.heatmap.lines) == 9
