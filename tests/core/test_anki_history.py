"""What an Anki package says of its cards besides their answers, and the replay of big histories.

Resets ("Forget"), cramming, suspended, buried and leech cards, as Anki's own FSRS reads the review log;
the bulk replay (in this process and in a worker process) against one ``record_review`` per answer on a
generated log; the deck file against tomlkit's own rendering; plain fields against the full HTML
conversion; the progress bar on a terminal.
"""

from __future__ import annotations

import os
import random
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO, TypeVar

import genanki
import pytest
import tomlkit

from sim.registry import CATALOG
from studyapp.anki.deck_file import Plan, deck_text
from studyapp.anki.markup import MediaLinks, html_markdown
from studyapp.anki.replay import PARALLEL_FROM
from studyapp.anki.source import CardKind, NewCard, Source
from studyapp.authoring import card_table
from studyapp.collection import open_collection
from studyapp.content import load_library
from studyapp.model import CardState, Rating
from studyapp.scheduler import Scheduler
from studyapp.store import Store

from .test_anki_import import (
    DAY_MS,
    NOW,
    START_MS,
    Place,
    add_revlog,
    assert_same_history,
    basic,
    card_ids,
    fsrs_replay,
    genanki_package,
    place,
    set_scheduler_version,
)

__all__ = ["place"]  # the fixture, shared with the other Anki import tests

LEARN, REVIEW, RELEARN, FILTERED, MANUAL = 0, 1, 2, 3, 4
RESET = 0  # the ease factor of a "Forget" entry (and of a review in a filtered deck that did not reschedule)


def states(place: Place, card_ids: Sequence[str]) -> dict[str, CardState]:
    with Store.open(place.db, create=False, read_only=True) as store:
        return {card_id: store.card_state(card_id) for card_id in card_ids}


# -- resets, cramming ------------------------------------------------------------------------------------


def later(entries: Sequence[tuple[int, ...]], ms: int) -> list[tuple[int, ...]]:
    """``entries`` moved ``ms`` later (a review's id is its time: two cards' entries never share one)."""
    return [(entry[0] + ms, *entry[1:]) for entry in entries]


def test_a_forget_entry_starts_the_replay_again_from_a_new_card(place: Place, tmp_path: Path) -> None:
    before_reset: list[tuple[int, ...]] = [
        (START_MS, 3, LEARN),
        (START_MS + 3 * DAY_MS, 3, REVIEW),
        (START_MS + 9 * DAY_MS, 1, REVIEW),
    ]
    reset: list[tuple[int, ...]] = [(START_MS + 10 * DAY_MS, 0, MANUAL, RESET)]
    after_reset: list[tuple[int, ...]] = [
        (START_MS + 11 * DAY_MS, 1, LEARN),
        (START_MS + 11 * DAY_MS + 600_000, 3, LEARN),
    ]
    after_reset += [(START_MS + 13 * DAY_MS, 3, REVIEW)]
    forgotten_at_the_end: list[tuple[int, ...]] = [(START_MS, 3, LEARN), (START_MS + 2 * DAY_MS, 4, REVIEW)]
    forgotten_at_the_end += [(START_MS + 5 * DAY_MS, 0, MANUAL, RESET)]
    # older Anki versions logged no reset: learning answers after reviews start the card again
    relearned: list[tuple[int, ...]] = [
        (START_MS, 3, LEARN),
        (START_MS + 4 * DAY_MS, 3, REVIEW),
        (START_MS + 20 * DAY_MS, 3, LEARN),
    ]
    relearned += [(START_MS + 22 * DAY_MS, 2, REVIEW)]
    # a review in a filtered deck that did not reschedule is no answer; one that did reschedule is
    crammed: list[tuple[int, ...]] = [
        (START_MS, 3, LEARN),
        (START_MS + DAY_MS, 1, FILTERED, RESET),
        (START_MS + 2 * DAY_MS, 3, FILTERED),
    ]
    crammed += [(START_MS + 4 * DAY_MS, 0, MANUAL)]  # "set due date": a manual entry with its ease factor
    logs: list[list[tuple[int, ...]]] = [
        before_reset + reset + after_reset,
        forgotten_at_the_end,
        relearned,
        crammed,
    ]
    logs = [later(log, index) for index, log in enumerate(logs)]

    def edit(conn: sqlite3.Connection) -> None:
        for card_id, log in zip(card_ids(conn), logs, strict=True):
            add_revlog(conn, card_id, log)
        set_scheduler_version(conn, 2)

    notes = [basic(f"Q {n}", f"A {n}") for n in ("one", "two", "three", "four")]
    outcome = place.bring_in(genanki_package(tmp_path / "reset.apkg", notes, edit=edit))
    first, second, third, fourth = (card.id for card in place.new_deck("biology").cards)
    for card_id, replayed in ((first, logs[0][-3:]), (third, logs[2][-2:]), (fourth, logs[3][0:3:2])):
        answers = [(entry[0], entry[1]) for entry in replayed]
        assert_same_history(place.reviews(card_id), fsrs_replay(answers), [ease for _, ease in answers])
    assert place.reviews(second) == []
    cards = states(place, [first, second, third, fourth])
    assert (cards[first].reps, cards[first].lapses) == (3, 0)  # the lapse before the reset is gone
    assert cards[second] == CardState()  # forgotten, and not studied since: a new card
    assert cards[third].reps == 2
    left_out = outcome.plan.source.left_out
    assert left_out['answers before a card was reset to new in Anki ("Forget"), not replayed'] == 3 + 2 + 2
    assert left_out["reviews in filtered decks that did not reschedule the card, not replayed"] == 1
    # the "set due date" (the resets are counted by the answers they drop)
    assert left_out["review-log entries that are manual changes or reschedulings, not answers"] == 1
    assert outcome.reviews == 3 + 0 + 2 + 2


def test_a_review_time_out_of_range_is_left_out_not_a_crash(place: Place, tmp_path: Path) -> None:
    far = int(datetime(9500, 1, 1, tzinfo=UTC).timestamp() * 1000)
    package = genanki_package(
        tmp_path / "far.apkg",
        [basic("Q", "A")],
        edit=lambda conn: add_revlog(conn, card_ids(conn)[0], [(START_MS, 3, LEARN), (far, 3, REVIEW)]),
    )
    outcome = place.bring_in(package)
    (card,) = place.new_deck("biology").cards
    assert_same_history(place.reviews(card.id), fsrs_replay([(START_MS, 3)]), [3])
    assert (
        outcome.plan.source.left_out[
            "review-log entries with a time out of range (before 1970 or after 8999)"
        ]
        == 1
    )


# -- suspended, buried, leeches ---------------------------------------------------------------------------


def test_suspended_buried_and_leech_cards_come_in_as_anki_had_them(place: Place, tmp_path: Path) -> None:
    history = [
        (START_MS, 3, LEARN),
        (START_MS + 3 * DAY_MS, 1, REVIEW),
        (START_MS + 3 * DAY_MS + 600_000, 3, RELEARN),
    ]
    notes = [
        basic("Suspended?", "Yes"),
        basic("Buried by a sibling?", "Yes"),
        basic("Buried by hand?", "Yes"),
        genanki.Note(
            genanki.BASIC_AND_REVERSED_CARD_MODEL, ["Leech", "A card lapsed often"], tags=["leech", "cnn"]
        ),
        basic("Active?", "Yes"),
    ]

    def edit(conn: sqlite3.Connection) -> None:
        ids = card_ids(conn)
        for card_id, queue in zip(ids, (-1, -2, -3), strict=False):
            conn.execute("UPDATE cards SET queue = ? WHERE id = ?", (queue, card_id))
        conn.execute("UPDATE cards SET queue = -1 WHERE id = ?", (ids[4],))  # the leech's reverse: suspended
        for card_id in ids:
            add_revlog(conn, card_id, [(at + card_id % 1000, ease, kind) for at, ease, kind in history])
        set_scheduler_version(conn, 2)

    outcome = place.bring_in(genanki_package(tmp_path / "flags.apkg", notes, edit=edit))
    deck = place.new_deck("biology")
    ids = [card.id for card in deck.cards]
    cards = states(place, ids)
    assert [(cards[i].suspended, cards[i].leech, cards[i].buried_until) for i in ids] == [
        (True, False, None),
        (False, False, None),
        (False, False, None),
        (False, True, None),
        (True, True, None),
        (False, False, None),
    ]
    assert deck.cards[3].tags == deck.cards[4].tags == ("leech", "cnn")  # the tag stays a tag
    for card_id in ids:  # every card's schedule is its replayed history's, flags or not
        (*_, last) = place.reviews(card_id)
        assert (cards[card_id].stability, cards[card_id].due, cards[card_id].reps) == (
            last.after.stability,
            last.after.due,
            3,
        )
    assert outcome.plan.source.left_out["cards buried in Anki, imported unburied (burying lasts a day)"] == 2
    assert "  suspended: 2, leeches: 2" in outcome.lines()
    with open_collection(place.db, library=place.library()) as collection:
        assert collection.search("is:suspended", NOW, UTC) == [ids[0], ids[4]]
        assert collection.search("is:leech", NOW, UTC) == [ids[3], ids[4]]
        assert collection.search("is:buried", NOW, UTC) == []


# -- the bulk replay, against one record_review per answer ---------------------------------------------


def generated_log(rng: random.Random, start: int) -> list[tuple[int, int, int, int]]:
    """A card's log: learning, reviews with lapses and relearning, sometimes a reset, same-minute answers."""
    entries, at, kind = [], start, LEARN
    for _ in range(rng.randint(0, 14)):
        if rng.random() < 0.07:
            entries.append((at, 0, MANUAL, RESET))
            at, kind = at + 60_000, LEARN
        ease = rng.choice((1, 2, 3, 3, 3, 4))
        entries.append((at, ease, kind, 2500))
        if kind == LEARN:
            kind = LEARN if ease == 1 else REVIEW
            at += rng.choice((60_000, 600_000, DAY_MS))
        else:
            kind = RELEARN if ease == 1 else REVIEW
            at += rng.choice((600_000, DAY_MS, 5 * DAY_MS, 40 * DAY_MS))
    return entries


@pytest.mark.parametrize("in_worker_from", [0, PARALLEL_FROM], ids=["in a worker", "in this process"])
def test_the_bulk_replay_records_what_one_review_at_a_time_would(
    place: Place, tmp_path: Path, in_worker_from: int
) -> None:
    rng = random.Random(17)
    notes = [basic(f"Generated question {n}", f"Answer {n}") for n in range(60)]
    logs: list[list[tuple[int, int, int, int]]] = []

    def edit(conn: sqlite3.Connection) -> None:
        for index, card_id in enumerate(card_ids(conn)):
            logs.append(generated_log(rng, START_MS + index * 7))
            add_revlog(conn, card_id, logs[-1])
        set_scheduler_version(conn, 2)

    package = genanki_package(tmp_path / "generated.apkg", notes, edit=edit)
    outcome = place.bring_in(package, replay_in_worker_from=in_worker_from)
    assert outcome.reviews > 200
    deck = place.new_deck("biology")
    # The oracle: the same deck in another collection, each answer since the card's last reset recorded
    # with its own record_review, scheduled by Scheduler.review from the state the one before left.
    other = tmp_path / "one-by-one.sqlite3"
    with open_collection(other, library=load_library(user_dir=place.user_dir, sims=CATALOG)) as collection:
        store = collection.store
        scheduler = Scheduler(fuzz=False)
        for card, log in zip(deck.cards, logs, strict=True):
            resets = [i for i, entry in enumerate(log) if entry[2] == MANUAL]
            state = CardState()
            for at, ease, _kind, _factor in log[resets[-1] + 1 if resets else 0 :]:
                after, when = scheduler.review(state, Rating(ease), datetime.fromtimestamp(at / 1000, UTC))
                store.record_review(card.id, Rating(ease), when, 4000, state, after)
                state = after

    def rows(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        conn = sqlite3.connect(db)
        try:
            reviews = conn.execute(
                "SELECT card_id, rating, reviewed_at, state_before, state_after, before, after FROM reviews "
                "ORDER BY card_id, reviewed_at, id"
            ).fetchall()
            columns = ", ".join(CardState.COLUMNS)
            cards = conn.execute(
                f"SELECT card_id, {columns} FROM cards WHERE deck_id = 'biology' ORDER BY card_id"
            )
            return reviews, cards.fetchall()
        finally:
            conn.close()

    assert rows(place.db) == rows(other)
    assert len(rows(place.db)[0]) == outcome.reviews


# -- the deck file and plain fields, fast ----------------------------------------------------------------


AWKWARD = [
    'a "quoted" word',
    "back\\slash and tab\there",
    "unicode: σ′(x) = σ(1 − σ) ✓ 😀",
    "control \x01 and delete \x7f",
    "two\nlines",
    "ends with a line break\n",
    "\nstarts with one",
    'triple """ quotes\nin lines',
    "carriage\rreturn",
    "",
]


def tomlkit_deck(plan: Plan) -> str:
    """The oracle: the whole document through tomlkit, one ``card_table`` per card."""
    document = tomlkit.document()
    document.add(tomlkit.comment(f"Imported from generated.apkg by `studyapp import` on {NOW:%Y-%m-%d}."))
    document.add(tomlkit.comment("Edit freely, but keep each card's id: its study history is kept by id."))
    document.add(
        tomlkit.comment("The format is described in content/README.md; check it with `studyapp check`.")
    )
    deck = tomlkit.table()
    for key, value in (
        ("id", "generated"),
        ("title", "Generated"),
        ("description", "Imported from generated.apkg."),
    ):
        deck.add(key, value)
    document.add("deck", deck)
    tables = tomlkit.aot()
    for entry_id, card in zip(plan.entry_ids, plan.source.cards, strict=True):
        sides = {"text": card.text} if card.text else {"question": card.question, "answer": card.answer}
        tables.append(card_table(entry_id, {**sides, "details": card.details, "tags": list(card.tags)}))
    document.add("cards", tables)
    return tomlkit.dumps(document)


def generated_deck(cards: list[NewCard], tmp_path: Path) -> Plan:
    source = Source("generated.apkg", "Generated", len(cards), cards)
    return Plan(
        source, "generated", tmp_path / "generated.toml", tuple(f"card-{i}" for i in range(len(cards)))
    )


def awkward_cards(rng: random.Random, count: int) -> list[NewCard]:
    """Cards and cloze notes with every awkward text: quotes, backslashes, tabs, control characters,
    unicode, line breaks at the start, the end or the middle, and tags long and short."""
    cards = []
    for index in range(count):
        tags = tuple(
            rng.sample(["cnn", "deep-learning-activations", "x" * 30, "leech", "a"], rng.randint(0, 5))
        )
        if index % 7 == 0:
            text = f"{rng.choice(AWKWARD)} {{{{c1::{rng.choice(AWKWARD[:4])}}}}}"
            cards.append(NewCard(CardKind.CLOZE, text=text, details=rng.choice(AWKWARD), tags=tags))
        else:
            question, answer = rng.choice(AWKWARD[:-1]), rng.choice(AWKWARD[:-1])
            cards.append(
                NewCard(CardKind.FRONT_BACK, question, answer, details=rng.choice(AWKWARD), tags=tags)
            )
    return cards


def test_the_deck_file_is_what_tomlkit_writes(tmp_path: Path) -> None:
    cards = awkward_cards(random.Random(5), 200)
    plan = generated_deck(cards, tmp_path)
    assert deck_text(plan, NOW) == tomlkit_deck(plan)


def test_random_texts_of_one_line_or_many_are_written_as_tomlkit_writes_them(tmp_path: Path) -> None:
    """Texts with line breaks, quotes (three in a row too), backslashes, tabs, control characters and
    unicode, at the start, the end or the middle: the fast path writes what tomlkit writes."""
    rng = random.Random(23)
    plain = [*"ab xyz.,:?$", "\n", "\n", '"', '""', "é", "😀"]
    escaped = ['"""', "\\", "\t", "\r", "\r\n", "\x01", "\x7f"]

    def text() -> str:
        length = rng.randint(1, 12)
        return "".join(rng.choice(escaped if rng.random() < 0.03 else plain) for _ in range(length))

    cards = [
        NewCard(CardKind.FRONT_BACK, text(), text(), details=rng.choice(["", text()])) for _ in range(3000)
    ]
    plan = generated_deck(cards, tmp_path)
    assert deck_text(plan, NOW) == tomlkit_deck(plan)


def test_plain_fields_give_what_the_html_conversion_gives() -> None:
    """A field without markup skips the HTML parser; wrapped in a ``<span>`` it goes through it."""
    rng = random.Random(3)
    alphabet = [
        *"abcXYZ019 .,;:!?*_#-+=()]{}|~`'\"/%^@éß∑σ→😀",
        "  ",
        "\n",
        "<",
        "&",
        "$",
        "\\",
        "[",
        "\xa0",
    ]
    checked = 0
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        for plain in (True, False):
            converted = html_markdown(
                f"<span>{text.replace('&', '&amp;').replace('<', '&lt;')}</span>",
                MediaLinks("m"),
                plain=plain,
            )
            assert (
                html_markdown(text.replace("&", "&amp;").replace("<", "&lt;"), MediaLinks("m"), plain=plain)
                == converted
            )
            checked += 1
    assert checked == 6000


# -- progress on a terminal --------------------------------------------------------------------------


T = TypeVar("T")


def on_a_terminal(run: Callable[[TextIO], T]) -> tuple[T, str]:
    """What ``run`` returns when given a pseudo-terminal, and everything it wrote there."""
    leader, follower = os.openpty()
    with os.fdopen(follower, "w", encoding="utf-8") as terminal:
        result = run(terminal)
    chunks = []
    while True:  # the line discipline hands over the last writes when it gets to them: read to the end
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other end is closed and everything was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return result, b"".join(chunks).decode()


def test_the_replay_shows_its_progress_on_a_terminal(place: Place, tmp_path: Path) -> None:
    history = [(START_MS + day * DAY_MS, 3, REVIEW if day else LEARN) for day in (0, 1, 4, 10)]

    def edit(conn: sqlite3.Connection) -> None:
        for card_id in card_ids(conn):
            add_revlog(conn, card_id, [(at + card_id % 1000, ease, kind) for at, ease, kind in history])

    package = genanki_package(tmp_path / "progress.apkg", [basic(f"Q {n}", "A") for n in range(5)], edit=edit)
    outcome, shown = on_a_terminal(lambda terminal: place.bring_in(package, progress_stream=terminal))
    assert outcome.reviews == 20
    steps = [
        "reading progress.apkg…",
        "checking 5 cards…",
        "adding 5 cards to the collection…",
        "replaying [",
    ]
    places = [shown.find(step) for step in steps]
    assert -1 not in places and places == sorted(places), shown  # each step said, in order
    assert "100% (20/20) · saving" in shown  # while the indexes are built and the reviews committed
    assert shown.endswith("100% (20/20)\x1b[K\r\n"), shown  # then the bar's last line: "saving" erased


def test_steps_said_on_a_terminal_leave_no_line_behind_and_nothing_is_said_elsewhere(
    place: Place, tmp_path: Path
) -> None:
    """An import without a history says its steps and clears their line (no bar follows); on a stream
    that is not a terminal (a file, a pipe) nothing is written."""
    package = genanki_package(tmp_path / "plain.apkg", [basic(f"Q {n}", "A") for n in range(3)])
    outcome, shown = on_a_terminal(lambda terminal: place.bring_in(package, progress_stream=terminal))
    assert outcome.reviews == 0
    assert "checking 3 cards…" in shown and "replaying" not in shown
    assert shown.endswith("collection…\r\x1b[K"), shown  # the line is empty again for what comes next
    written = tmp_path / "progress.txt"
    with written.open("w", encoding="utf-8") as stream:
        place.bring_in(
            genanki_package(tmp_path / "other.apkg", [basic("Q", "A")], deck="Other"), progress_stream=stream
        )
    assert written.read_text(encoding="utf-8") == ""


def test_only_fresh_cards_take_an_imported_history(place: Place, tmp_path: Path) -> None:
    """The check before a replay: a card the collection lacks, a retired one, or one with a review is
    not fresh (its history is never overwritten)."""
    package = genanki_package(tmp_path / "fresh.apkg", [basic(f"Q {n}", "A") for n in range(4)])
    place.bring_in(package)
    fresh, reviewed, retired, _ = (card.id for card in place.new_deck("biology").cards)
    with Store.open(place.db) as store:
        store.record_review(reviewed, Rating.GOOD, NOW, None, CardState(), CardState(reps=1))
        store.conn.execute("UPDATE cards SET retired = 1 WHERE card_id = ?", (retired,))
        assert store.fresh_cards([fresh, reviewed, retired, "not-in-the-collection"]) == {fresh}
        assert store.fresh_cards(f"card-{n}" for n in range(1200)) == set()  # more than one batch
