"""Review: reveal, rate with interval previews, undo, bury, suspend, simulation link, summary; Anki's
counts in the header, coloured ratings, and the help listing each key once."""

from __future__ import annotations

import sqlite3

from rich.markdown import Markdown
from rich.segment import Segment
from textual.color import Color
from textual.widgets import Static

import sim
from studyapp.collection import Collection
from studyapp.model import StudyState
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.help import EVERYWHERE, HelpScreen
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.widgets.choice_bar import ChoiceBar
from studyapp.tui.widgets.keybar import KeyBar
from studyapp.tui.widgets.progress import Queue, QueueCounts
from tests.hold_lock import hold, release

from .conftest import FakeClock, text_of, wait_until
from .test_progress import hue


def reviews(collection: Collection) -> list[tuple[str, int]]:
    return [(r.card_id, r.rating) for r in collection.store.iter_reviews()]


async def start(app: StudyApp, pilot: object) -> ReviewScreen:
    await pilot.press("s")  # type: ignore[attr-defined]
    assert isinstance(app.screen, ReviewScreen)
    return app.screen


async def test_reveal_shows_answer_intervals_and_the_simulation_answer(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        assert screen.card is not None and screen.card.id == "mlp"
        assert "Multi-Layer Perceptron" in screen.question.text.plain
        assert not screen.query_one("#revealed").display
        await pilot.press("space")
        assert screen.revealed and screen.query_one("#revealed").display
        answer = screen.query_one("#answer", Static).content
        assert isinstance(answer, Markdown) and "universal function approximator" in answer.markup
        ratings = screen.query_one(ChoiceBar).text
        for label in ("1 Again · 1m", "2 Hard · 6m", "3 Good · 10m", "4 Easy ·"):
            assert label in ratings
        assert screen.card.headline
        label = sim.spec("mlp").answers[screen.card.headline[0]]
        await wait_until(pilot, lambda: label in text_of(screen.query_one("#sim-answer")))


async def test_ratings_are_stored_and_undo_removes_them(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("3")  # ignored until the answer is shown
        assert reviews(collection) == []
        await pilot.press("space", "3")
        assert reviews(collection) == [("mlp", 3)]
        assert screen.card is not None and screen.card.id == "why-activations"
        await pilot.press("space", "1")
        assert reviews(collection) == [("mlp", 3), ("why-activations", 1)]
        await pilot.press("u")
        assert reviews(collection) == [("mlp", 3)]
        assert collection.store.card_state("why-activations").state == StudyState.NEW
        await pilot.press("u")
        assert reviews(collection) == []
        assert screen.card is not None and screen.card.id == "mlp"


async def test_rating_keys_act_on_the_review_only_while_it_is_on_top(
    app: StudyApp, collection: Collection
) -> None:
    """1-4 and Space are priority keys of the review (ahead of the focused widget), not of screens over it."""
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("space", "question_mark")
        assert app.screen is not screen
        await pilot.press("3", "space", "enter")
        assert reviews(collection) == []
        await pilot.press("escape")
        assert app.screen is screen and screen.revealed
        await pilot.press("3")
        assert reviews(collection) == [("mlp", 3)]


async def test_bury_and_suspend_take_the_card_out(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("minus")
        assert collection.store.card_state("mlp").buried_until is not None
        assert screen.card is not None and screen.card.id == "why-activations"
        await pilot.press("exclamation_mark")
        assert collection.store.card_state("why-activations").suspended
        await pilot.press("u")
        assert not collection.store.card_state("why-activations").suspended


async def test_s_opens_the_linked_simulation_with_the_card_preset(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        await start(app, pilot)
        await pilot.press("s")
        assert type(app.screen).__name__ == "SimulationScreen"
        assert app.screen.values["target"] == "xor"  # type: ignore[attr-defined]
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)


async def test_summary_after_the_last_card(app: StudyApp, collection: Collection, clock: FakeClock) -> None:
    collection.store.set_setting("new_per_day", 2)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        header = screen.query_one(QueueCounts)
        assert header.text == "New 2   Learning 0   Due 0" and header.current == Queue.NEW
        await pilot.press("space", "4")
        await pilot.pause()
        assert header.text == "New 1   Learning 0   Due 0"
        await pilot.press("space", "4")
        assert screen.finished
        summary = screen.question.text.plain
        assert "Session complete" in summary and "Reviewed 2 cards" in summary
        assert "Easy: 2" in summary and "Next card due" in summary
        assert header.text == "New 0   Learning 0   Due 0" and header.current is None


async def test_one_card_reviewed_is_one_card(app: StudyApp, collection: Collection) -> None:
    collection.store.set_setting("new_per_day", 1)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("space", "4")
        assert screen.finished and "Reviewed 1 card in" in screen.question.text.plain


def header_state(screen: ReviewScreen) -> tuple[tuple[int, int, int], Queue | None]:
    """The counts the header shows and the queue it underlines."""
    header = screen.queue_counts
    return (header.counts[Queue.NEW], header.counts[Queue.LEARNING], header.counts[Queue.DUE]), header.current


def expected_header(collection: Collection, clock: FakeClock, card_id: str | None) -> tuple[object, ...]:
    """The oracle: the queue's counts now, and the queue of the card's study state in the collection."""
    counts = tuple(collection.session().counts(clock.now))
    if card_id is None:
        return counts, None
    state = collection.store.card_state(card_id).state
    queue = {
        StudyState.NEW: Queue.NEW,
        StudyState.LEARNING: Queue.LEARNING,
        StudyState.RELEARNING: Queue.LEARNING,
        StudyState.REVIEW: Queue.DUE,
    }[state]
    return counts, queue


async def test_the_header_counts_new_learning_and_due_and_underlines_the_cards_queue(
    app: StudyApp, collection: Collection, clock: FakeClock
) -> None:
    collection.store.set_setting("new_per_day", 1)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        seen: list[tuple[str, StudyState, Queue | None]] = []

        async def check() -> None:
            await pilot.pause()
            card_id = screen.card.id if screen.card is not None else None
            assert header_state(screen) == expected_header(collection, clock, card_id)
            if card_id is not None:
                seen.append(
                    (card_id, collection.store.card_state(card_id).state, screen.queue_counts.current)
                )

        await check()  # a new card
        assert header_state(screen) == ((1, 0, 0), Queue.NEW)
        await pilot.press("space", "3")  # learning, due again in 10 minutes: shown ahead
        await check()
        await pilot.press("space", "4")  # graduates to review: nothing left today
        assert screen.finished
        await check()
        clock.advance(days=60)
        collection.store.set_setting("new_per_day", 0)
        await pilot.press("escape", "s")
        screen = app.screen  # type: ignore[assignment]
        assert isinstance(screen, ReviewScreen)
        await check()  # the review card is due
        assert header_state(screen) == ((0, 0, 1), Queue.DUE)
        await pilot.press("space", "1")  # lapses: relearning, shown ahead of its step
        await check()
        assert header_state(screen) == ((0, 1, 0), Queue.LEARNING)
        assert {(state, queue) for _card, state, queue in seen} == {
            (StudyState.NEW, Queue.NEW),
            (StudyState.LEARNING, Queue.LEARNING),
            (StudyState.REVIEW, Queue.DUE),
            (StudyState.RELEARNING, Queue.LEARNING),
        }
        colours = {text.split()[0]: hue(Color.from_rich_color(s.style.color)) for text, s in pieces(screen)}
        assert colours == {"New": "blue", "Learning": "red", "Due": "green"}


def pieces(screen: ReviewScreen) -> list[tuple[str, Segment]]:
    return [(segment.text, segment) for segment in screen.queue_counts.render_line(0) if segment.text.strip()]


async def test_the_ratings_are_coloured_again_red_hard_amber_good_green_easy_blue(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("space")
        assert screen.ratings.tones == ("again", "hard", "good", "easy")
        labels = [s for s in screen.ratings.render_line(0) if s.text.strip() and not s.text[0].isdigit()]
        assert [s.text.split()[0] for s in labels] == ["Again", "Hard", "Good", "Easy"]
        colours = [hue(Color.from_rich_color(s.style.color)) for s in labels]  # type: ignore[union-attr]
        assert colours == ["red", "amber", "green", "blue"]


async def test_a_multiple_choice_card_shows_its_options_and_marks_the_answer(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        while screen.card is not None and screen.card.id != "partial-derivative":
            await pilot.press("space", "4")
        assert screen.card is not None and screen.card.multiple_choice
        choices = text_of(screen.query_one("#choices"))
        assert [line.strip()[:2] for line in choices.splitlines()] == ["a)", "b)", "c)", "d)"]
        assert "✓" not in choices
        await pilot.press("space")
        marked = [line for line in text_of(screen.query_one("#choices")).splitlines() if "✓" in line]
        assert len(marked) == 1 and "keeping the others constant" in marked[0]


def reviews_on_disk(collection: Collection) -> list[tuple[str, int]]:
    """The review log as another program reading the file sees it."""
    with sqlite3.connect(f"file:{collection.store.path}?mode=ro", uri=True) as reader:
        return [tuple(row) for row in reader.execute("SELECT card_id, rating FROM reviews ORDER BY id")]


async def test_a_rating_waits_for_another_programs_lock_and_is_saved_once_it_is_free(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("space")
        holder = hold(collection.store.path)
        try:
            await pilot.press("3")
            await wait_until(pilot, lambda: screen.saving is not None)
            assert "Waiting for the collection" in screen.ratings.text
            assert screen.card is not None and screen.card.id == "mlp"
            keys = text_of(screen.query_one(KeyBar))
            assert "Give up" in keys and "Undo" not in keys
            await pilot.press("3", "u", "minus", "escape")  # nothing else happens while the rating waits
            await pilot.press("ctrl+q")  # not even quitting: giving the rating up is an explicit choice
            await pilot.pause(0.3)
            assert reviews_on_disk(collection) == [] and screen.saving is not None
            assert app.screen is screen and app.is_running
        finally:
            release(holder)
        await wait_until(pilot, lambda: screen.saving is None, timeout=10)
        assert reviews_on_disk(collection) == [("mlp", 3)]
        assert screen.card is not None and screen.card.id == "why-activations"


async def test_a_waiting_rating_is_given_up_only_by_the_learner(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("space")
        holder = hold(collection.store.path)
        try:
            await pilot.press("4")
            await wait_until(pilot, lambda: screen.saving is not None)
            await pilot.press("x")
            assert screen.saving is None and screen.revealed
            assert screen.card is not None and screen.card.id == "mlp"
        finally:
            release(holder)
        await pilot.pause(1.2)  # the worker's attempt ends without saving
        assert reviews_on_disk(collection) == []
        await pilot.press("3")
        assert reviews_on_disk(collection) == [("mlp", 3)]


async def test_a_rating_is_on_disk_before_the_next_card_is_shown(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        for expected in ([("mlp", 3)], [("mlp", 3), ("why-activations", 1)]):
            await pilot.press("space")
            shown = screen.card
            await pilot.press(str(expected[-1][1]))
            assert screen.card is not shown
            assert reviews_on_disk(collection) == expected


async def test_option_keys_pick_an_option_and_never_bury(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        while screen.card is not None and screen.card.id != "partial-derivative":
            await pilot.press("space", "4")
        assert screen.card is not None and "a–d picks an option" in screen.ratings.text
        await pilot.press("b")
        assert collection.store.card_state("partial-derivative").buried_until is None
        assert screen.revealed and screen.chosen == 1
        lines = text_of(screen.query_one("#choices")).splitlines()
        assert "(your pick)" in lines[1] and any("✓" in line for line in lines)


async def test_the_key_bar_shows_the_keys_of_each_state(app: StudyApp, collection: Collection) -> None:
    collection.store.set_setting("new_per_day", 1)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        keys = text_of(screen.query_one(KeyBar))
        assert "Show answer" in keys and "Undo" not in keys and "Give up" not in keys
        await pilot.press("space")
        keys = text_of(screen.query_one(KeyBar))
        assert "Show answer" not in keys and "Bury" in keys
        await pilot.press("4")
        assert screen.finished
        keys = text_of(screen.query_one(KeyBar))
        assert "Undo" in keys and "Bury" not in keys and "Suspend" not in keys and "Show answer" not in keys
        await pilot.press("u")
        await pilot.press("space", "4")
        assert screen.finished


async def test_cram_is_labelled_shows_no_intervals_and_writes_nothing(
    app: StudyApp, collection: Collection
) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        app.push_screen(ReviewScreen(cram=True))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert "Cram — nothing is saved" in text_of(screen.query_one("#cram-label"))
        total = len(collection.library.cards)
        assert screen.queue_counts.text == f"{total} cards left" and screen.queue_counts.current is None
        before = collection.store.cards()
        await pilot.press("space")
        assert "Good" in screen.ratings.text and "·" not in screen.ratings.text
        assert screen.ratings.tones == ("again", "hard", "good", "easy")
        await pilot.press("1")  # Again: the card comes back at the end, still left
        assert screen.queue_counts.text == f"{total} cards left"
        await pilot.press("space", "3", "minus", "exclamation_mark")
        await pilot.pause()
        assert screen.queue_counts.text == f"{total - 3} cards left"
        assert collection.store.cards() == before and reviews_on_disk(collection) == []


async def test_a_note_follows_the_answer_marked_as_a_correction_or_clarification(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        card = screen.card
        assert card is not None and card.note and card.note_kind == "clarification"
        assert not screen.query_one("#revealed").display
        await pilot.press("space")
        note = screen.query_one("#note", Static)
        assert note.display and not note.has_class("correction")
        heading, body = note.content.renderables  # type: ignore[union-attr]
        assert str(heading) == "Clarification (added to the course notes)"
        assert isinstance(body, Markdown) and body.markup == card.note


async def test_the_headline_shows_the_answers_the_deck_names(app: StudyApp) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        card = screen.card
        assert card is not None and card.sim is not None and card.headline
        await pilot.press("space")
        await wait_until(pilot, lambda: card.id in screen.sim_answers)
        labels = sim.spec(card.sim).answers
        shown = screen.sim_answers[card.id]
        expected = [labels[key] for key in card.headline][:4]
        positions = [shown.index(label) for label in expected]
        assert positions == sorted(positions)


async def test_help_lists_each_review_key_once_in_groups(app: StudyApp) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await start(app, pilot)
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        groups = help_screen.groups
        assert list(groups) == ["Answer", "Rate", "This card", EVERYWHERE]
        descriptions = [text for rows in groups.values() for _keys, text in rows]
        assert len(descriptions) == len(set(descriptions))
        rows = {text: keys for rows in groups.values() for keys, text in rows}
        assert rows["Show answer"] == "space, ⏎" and rows["Pick an option"] == "a–d"
        assert [rows[label] for label in ("Again", "Hard", "Good", "Easy")] == ["1", "2", "3", "4"]
        assert {text for _keys, text in groups[EVERYWHERE]} == {
            "Back",
            "Help",
            "Quit",
            "Command palette: every action",
        }
        shown = text_of(help_screen.query_one("#help-keys"))
        for generic in ("Scroll", "Focus Next", "Copy selected text", "Page Up"):
            assert generic not in shown
        assert shown.count("palette") == 1 and shown.count("Undo") == 1


async def test_the_palette_lists_the_screens_own_actions(app: StudyApp, collection: Collection) -> None:
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start(app, pilot)
        card = screen.card
        assert card is not None
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        for character in "Bury":
            await pilot.press(character)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is screen and screen.card is not card)
        assert collection.store.card_state(card.id).buried_until is not None
