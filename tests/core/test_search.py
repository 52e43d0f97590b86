"""The search language: its grammar, its errors, each field's meaning on real study states, and the
same matches from ``Collection.search``, sessions, ``cards --search``, ``review --search --plain`` and
``quiz --search --plain``."""

from __future__ import annotations

import itertools
import json
import os
import pty
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from studyapp.collection import Collection, open_collection
from studyapp.commands.cards import table
from studyapp.content import load_paths
from studyapp.errors import UserError
from studyapp.model import Rating, StudyState
from studyapp.scheduler import Scheduler
from studyapp.search import (
    And,
    CardIs,
    Compare,
    Deck,
    Is,
    Not,
    Or,
    Pattern,
    Prop,
    Property,
    Query,
    Rated,
    SearchError,
    Sim,
    Tag,
    Text,
    Wild,
    parse,
)
from studyapp.session import StudySession, day_start

from .conftest import DECKS, ROOT, T0, Cli, write_decks

EXTRA = """
[deck]
id = "core-extra"
title = "Core extra"

[[cards]]
id = "core-maxpool"
question = "What does a 2x2 max pool with stride 2 do to a 4x4 input?"
answer = "It halves each side: the output is 2x2."
details = "Each window keeps its LARGEST value."
tags = ["cnn", "pooling"]
sim = "pooling"
distractors = ["It doubles each side.", "It keeps the size.", "It flattens the input."]

[[cards]]
id = "core-star"
question = "What does the * in d*g stand for?"
answer = "A wildcard: any run of characters."
tags = ["search-syntax"]
distractors = ["A multiplication.", "A footnote.", "A pointer."]

[[cards]]
id = "core-dropout"
question = "What does dropout do during training?"
answer = "It zeroes random activations."
tags = ["regularisation"]
distractors = ["It removes layers.", "It lowers the learning rate.", "It stops training early."]
"""

BASICS = ["core-mlp", "core-relu", "core-backprop", "core-loss"]
CNN = ["core-pool", "core-stride", "core-padding"]
EXTRA_CARDS = ["core-maxpool", "core-star", "core-dropout"]
ALL = [*BASICS, *CNN, *EXTRA_CARDS]


def word(text: str) -> Text:
    return Text(Pattern.literal(text))


def ids(collection: Collection, query: str, now: datetime = T0) -> list[str]:
    return collection.search(query, now, UTC)


# -- the grammar ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("relu", word("relu")),
        ('"max pooling"', word("max pooling")),
        ("d*g", Text(Pattern(("d", Wild.ANY, "g")))),
        ("d_g", Text(Pattern(("d", Wild.ONE, "g")))),
        (r"d\*g \_x", And((word("d*g"), word("_x")))),
        (r"x\:y", word("x:y")),
        (r"\-dog", word("-dog")),
        ('"-dog"', word("-dog")),
        ('"or"', word("or")),
        (r'"say \"hi\""', word('say "hi"')),
        (r"f\(x\)", word("f(x)")),
        ('"f(x) = 2"', word("f(x) = 2")),
        ("tag:cnn", Tag(Pattern.literal("cnn"))),
        ("TAG:Cnn", Tag(Pattern.literal("Cnn"))),
        ("tag:cnn*", Tag(Pattern(("cnn", Wild.ANY)))),
        ("tag:none", Tag(None)),
        ("deck:deep-learning", Deck(Pattern.literal("deep-learning"))),
        ('deck:"my deck"', Deck(Pattern.literal("my deck"))),
        ('"deck:my deck"', Deck(Pattern.literal("my deck"))),
        ("sim:pooling", Sim(Pattern.literal("pooling"))),
        *[(f"is:{state}", Is(state)) for state in CardIs],
        ("is:DUE", Is(CardIs.DUE)),
        ("prop:r<0.8", Prop(Property.R, Compare.LT, 0.8)),
        ("prop:s>=10", Prop(Property.S, Compare.GE, 10.0)),
        ("prop:d<=0.5", Prop(Property.D, Compare.LE, 0.5)),
        ("prop:reps=3", Prop(Property.REPS, Compare.EQ, 3.0)),
        ("prop:lapses!=0", Prop(Property.LAPSES, Compare.NE, 0.0)),
        ("prop:s>.5", Prop(Property.S, Compare.GT, 0.5)),
        ("prop:due<=-1", Prop(Property.DUE, Compare.LE, -1.0)),
        ("rated:1", Rated(1)),
        ("rated:7:1", Rated(7, Rating.AGAIN)),
        ("rated:31:4", Rated(31, Rating.EASY)),
    ],
)
def test_terms_parse_to_their_tree(query: str, tree: object) -> None:
    assert parse(query).root == tree


def test_juxtaposition_and_explicit_and_are_the_same() -> None:
    both = And((word("a"), word("b")))
    assert parse("a b").root == parse("a and b").root == parse("a AND b").root == both
    assert parse("a b c").root == And((word("a"), word("b"), word("c")))


def test_or_in_any_case() -> None:
    either = Or((word("a"), word("b")))
    assert parse("a or b").root == parse("a OR b").root == parse("a Or b").root == either


def test_minus_binds_tightest_then_and_then_or() -> None:
    a, b, c, d = (word(x) for x in "abcd")
    assert parse("-a b").root == And((Not(a), b))
    assert parse("a b or c").root == Or((And((a, b)), c))
    assert parse("a or b c").root == Or((a, And((b, c))))
    assert parse("a or -b c or d").root == Or((a, And((Not(b), c)), d))
    assert parse("--a").root == Not(Not(a))
    assert parse("a and b or c and d").root == Or((And((a, b)), And((c, d))))


def test_parentheses_group() -> None:
    a, b, c = (word(x) for x in "abc")
    assert parse("a (b or c)").root == And((a, Or((b, c))))
    assert parse("-(a or b) c").root == And((Not(Or((a, b))), c))
    assert parse("((a))").root == a
    assert parse("(a)b").root == And((a, b))
    assert parse("-tag:cnn").root == Not(Tag(Pattern.literal("cnn")))


def test_the_empty_query_matches_everything(collection: Collection) -> None:
    assert parse("").root is None and parse("   ").root is None
    assert ids(collection, "  ") == [*BASICS, *CNN]


def test_query_lists_its_terms() -> None:
    query = parse("-(a or prop:r<0.5) tag:x")
    assert isinstance(query, Query) and query.uses_retrievability
    assert list(query.terms()) == [word("a"), Prop(Property.R, Compare.LT, 0.5), Tag(Pattern.literal("x"))]
    assert not parse("prop:s>1").uses_retrievability


@pytest.mark.parametrize(
    ("query", "message", "column"),
    [
        ("tga:cnn", "unknown field 'tga:' at column 1; fields: tag, deck, is, sim, prop, rated", 1),
        ("relu Tga:cnn", "unknown field 'Tga:' at column 6", 6),
        ("tag:cnn (a or b", "unclosed '(' at column 9", 9),
        ("(relu", "unclosed '(' at column 1", 1),
        ("a b)", "unmatched ')' at column 4", 4),
        (")", "unmatched ')' at column 1", 1),
        ("a () b", "empty parentheses at column 3", 3),
        ('say "max pool', "unclosed quote '\"' at column 5", 5),
        ("- relu", "'-' at column 1 must be followed directly by a search term", 1),
        ("relu -", "'-' at column 6 must be followed directly by a search term", 6),
        ("or relu", "'or' at column 1 needs a search term on each side", 1),
        ("relu or", "'or' at column 6 needs a search term on each side", 6),
        ("relu OR or x", "'OR' at column 6 needs a search term on each side", 6),
        ("relu and or x", "'and' at column 6 needs a search term on each side", 6),
        ("(a or) b", "'or' at column 4 needs a search term on each side", 4),
        ("tag:", "'tag:' at column 1 needs a value, e.g. tag:cnn", 1),
        ("is:nw", "unknown state 'nw' at column 4; is: takes new, learn, review, due, suspended", 4),
        ("prop:ivl>3", "unknown property 'ivl' at column 6; prop: takes r, s, d, reps, lapses", 6),
        ("prop:s10", "prop:s at column 7 needs a comparison (<, <=, >, >=, = or !=)", 7),
        ("prop:s>ten", "bad number 'ten' at column 8", 8),
        ("prop:s>1.2.3", "bad number '1.2.3' at column 8", 8),
        ("prop:s>", "missing number at column 8", 8),
        ("prop:r<1.5", "prop:r takes a number from 0 to 1, got 1.5 at column 8", 8),
        ("prop:d>2", "prop:d takes a number from 0 to 1, got 2 at column 8", 8),
        ("prop:lapses>=2.5", "prop:lapses takes a whole number, got 2.5 at column 14", 14),
        ("prop:due<0.5", "prop:due takes a whole number, got 0.5 at column 10", 10),
        ("rated:0", "bad number of days '0' at column 7", 7),
        ("rated:x", "bad number of days 'x' at column 7", 7),
        ("rated:7:5", "bad rating '5' at column 9", 9),
        ("rated:7:", "bad rating '' at column 9", 9),
        ("relu\\", "'\\' at column 5 escapes nothing", 5),
    ],
)
def test_bad_queries_say_what_and_where(query: str, message: str, column: int) -> None:
    with pytest.raises(SearchError) as raised:
        parse(query)
    error = raised.value
    assert message in error.message
    assert error.column == column
    assert isinstance(error, UserError) and error.status == 2
    query_line, caret_line = error.pointer("").split("\n")
    assert query_line == query and caret_line.index("^") == column - 1


# -- cloze card ids ------------------------------------------------------------------------------------

CLOZE_NOTES = """
[deck]
id = "cloze-ids"
title = "Cloze ids"

[[cards]]
id = "gradient"
text = "The gradient points in the direction of {{c1::steepest ascent}}; its negative {{c2::descent}}."

[[cards]]
id = "gradient-descent"
text = "Gradient descent steps against the {{c1::gradient}}."
"""


def test_a_one_word_notes_cloze_id_is_a_search_for_that_id(tmp_path: Path) -> None:
    """``gradient::c1`` is no field ``gradient:`` but the card's id, as ``gradient-descent::c1`` is."""
    assert parse("gradient::c1").root == word("gradient::c1")
    assert parse("-gradient::c2 tag:x").root == And((Not(word("gradient::c2")), Tag(Pattern.literal("x"))))
    assert parse("Gradient::c12").root == word("Gradient::c12")
    folder = write_decks(tmp_path / "cloze-decks", {"cloze.toml": CLOZE_NOTES})
    with open_collection(tmp_path / "c.sqlite3", library=load_paths([folder])) as collection:
        assert collection.search("gradient::c1", T0, UTC) == ["gradient::c1"]
        assert collection.search("gradient::c2", T0, UTC) == ["gradient::c2"]
        assert collection.search("gradient-descent::c1", T0, UTC) == ["gradient-descent::c1"]
        assert collection.search("-gradient::c1", T0, UTC) == ["gradient::c2", "gradient-descent::c1"]


@pytest.mark.parametrize("query", ["gradient::c", "gradient::x1", "gradient::c1x", "gradient:c1"])
def test_other_words_before_a_colon_are_still_unknown_fields(query: str) -> None:
    with pytest.raises(SearchError) as raised:
        parse(query)
    message = raised.value.message
    assert message.startswith(
        "unknown field 'gradient:' at column 1; fields: tag, deck, is, sim, prop, rated"
    )
    assert ("a cloze card's whole id, e.g. gradient::c1" in message) == query.startswith("gradient::")


# -- each field on real study states --------------------------------------------------------------------


@pytest.fixture
def decks(tmp_path: Path) -> Path:
    return write_decks(tmp_path / "search-decks", {**DECKS, "c-extra.toml": EXTRA})


@pytest.fixture
def studied(db_path: Path, decks: Path) -> Iterator[Collection]:
    """Ten cards in three decks, studied with real ratings before ``T0`` (a Monday, 12:00 UTC; the
    study day starts at 04:00 UTC):

    - core-mlp: Good twice 20 days ago: a review card, overdue (due today, retrievability low)
    - core-relu: Again an hour ago (today): learning, due
    - core-backprop: Easy 3 days ago: a review card, not due
    - core-loss, core-star: new (core-loss has no tags)
    - core-pool, core-dropout: suspended while new; core-stride: buried today while new
    - core-padding: lapsed 8 times 200 days ago: a leech, suspended, relearning
    - core-maxpool (tags cnn and pooling, sim pooling): Good at 03:00 today, before the study day began
    """
    library = load_paths([decks])
    assert library.problems == []
    collection = open_collection(db_path, library=library)
    session = collection.session(tz=UTC, scheduler=Scheduler(fuzz=False))
    session.rate("core-mlp", 3, T0 - timedelta(days=20))
    session.rate("core-mlp", 3, T0 - timedelta(days=20) + timedelta(minutes=10))
    session.rate("core-relu", 1, T0 - timedelta(hours=1))
    session.rate("core-backprop", 4, T0 - timedelta(days=3))
    session.suspend("core-pool")
    session.suspend("core-dropout")
    session.bury("core-stride", T0)
    make_leech(session, "core-padding", T0 - timedelta(days=200))
    session.rate("core-maxpool", 3, T0 - timedelta(hours=9))
    yield collection
    collection.close()


def make_leech(session: StudySession, card_id: str, start: datetime) -> None:
    """Rate the card, a day apart, Good until it is a review card and then Again, until it is a leech."""
    when = start
    while not session.state(card_id).leech:
        rating = 1 if session.state(card_id).state == StudyState.REVIEW else 3
        session.rate(card_id, rating, when)
        when += timedelta(days=1)


def test_the_states_are_what_the_fixture_says(studied: Collection) -> None:
    state = studied.store.card_state
    mlp, backprop = state("core-mlp"), state("core-backprop")
    assert mlp.state == StudyState.REVIEW and mlp.due is not None and mlp.due < T0
    assert state("core-relu").state == StudyState.LEARNING
    assert backprop.state == StudyState.REVIEW and backprop.due is not None and backprop.due > T0
    padding = state("core-padding")
    assert padding.leech and padding.suspended and padding.lapses == 8


def test_tag_deck_and_sim(studied: Collection) -> None:
    assert ids(studied, "tag:basics") == ["core-mlp", "core-relu", "core-backprop"]
    assert ids(studied, "tag:BASICS") == ids(studied, "tag:bas*") == ids(studied, "tag:basics")
    assert ids(studied, "tag:cnn") == [*CNN, "core-maxpool"]
    assert ids(studied, "tag:pool*") == ["core-maxpool"]
    assert ids(studied, "tag:cn") == []  # a whole tag, not a part of one
    assert ids(studied, "tag:search_syntax") == ["core-star"]  # _ is any one character (here '-')
    assert ids(studied, r"tag:search\_syntax") == []
    assert ids(studied, "tag:leech") == ["core-padding"]  # as --tag leech: the leeches
    assert ids(studied, "tag:none") == ["core-loss"]
    assert ids(studied, "deck:core-cnn") == CNN
    assert ids(studied, "deck:CORE-*") == ALL
    assert ids(studied, "deck:core") == []
    assert ids(studied, "sim:pooling") == ids(studied, "sim:pool*") == ["core-maxpool"]
    assert ids(studied, "sim:pool") == []


def test_is_states(studied: Collection) -> None:
    assert ids(studied, "is:new") == ["core-loss", "core-pool", "core-stride", "core-star", "core-dropout"]
    assert ids(studied, "is:learn") == ["core-relu", "core-padding", "core-maxpool"]
    assert ids(studied, "is:review") == ["core-mlp", "core-backprop", "core-padding"]
    assert ids(studied, "is:learn is:review") == ["core-padding"]  # lapsed, relearning (as in Anki)
    assert ids(studied, "is:due") == ["core-mlp", "core-relu", "core-maxpool"]
    assert ids(studied, "is:suspended") == ["core-pool", "core-padding", "core-dropout"]
    assert ids(studied, "is:buried") == ["core-stride"]
    assert ids(studied, "is:buried", T0 + timedelta(days=1)) == []  # back the next study day
    assert ids(studied, "is:leech") == ["core-padding"]


def test_is_due_counts_what_the_queue_counts(studied: Collection) -> None:
    session = studied.session(tz=UTC)
    _new, learning, due = session.counts(T0)
    assert len(ids(studied, "is:due")) == learning + due


def test_prop_r_is_fsrs_retrievability_now(studied: Collection) -> None:
    scheduler = Scheduler(fuzz=False)
    studied_ids = [c for c in ALL if studied.store.card_state(c).state != StudyState.NEW]
    expected = {c: scheduler.retrievability(studied.store.card_state(c), T0) for c in studied_ids}
    assert 0.3 < expected["core-mlp"] < 0.9 < expected["core-backprop"] < 1
    for threshold in sorted({*expected.values(), 0.5, 0.9, 0.95}):
        for compare in ("<", "<=", ">", ">="):
            query = f"prop:r{compare}{threshold:.6f}"
            value = round(threshold, 6)
            wanted = {
                "<": lambda r, v=value: r < v,
                "<=": lambda r, v=value: r <= v,
                ">": lambda r, v=value: r > v,
                ">=": lambda r, v=value: r >= v,
            }[compare]
            assert set(ids(studied, query)) == {c for c, r in expected.items() if wanted(r)}, query
    # New cards have no retrievability: no comparison matches them, and every negation does.
    assert set(ids(studied, "prop:r<=1")) == set(studied_ids)
    assert set(ids(studied, "-prop:r<=1")) == set(ALL) - set(studied_ids)


def test_prop_stability_difficulty_reps_and_lapses(studied: Collection) -> None:
    states = {c: studied.store.card_state(c) for c in ALL}
    backprop = states["core-backprop"]
    assert backprop.stability is not None and backprop.difficulty is not None
    s = backprop.stability
    assert "core-backprop" in ids(studied, f"prop:s>={s - 0.001}")
    assert set(ids(studied, f"prop:s>{s}")) == {
        c for c, st in states.items() if st.stability is not None and st.stability > s
    }
    d = f"{(backprop.difficulty - 1) / 9 + 1e-9:.9f}"  # Anki's 0-1 scale: fsrs's D is 1 + 9d
    assert "core-backprop" in ids(studied, f"prop:d<={d}")
    assert set(ids(studied, f"prop:d<={d}")) == {
        c for c, st in states.items() if st.difficulty is not None and st.difficulty <= 1 + 9 * float(d)
    }
    assert ids(studied, "prop:lapses>2") == ["core-padding"]
    assert ids(studied, "prop:lapses=8") == ["core-padding"]
    assert set(ids(studied, "prop:reps=2")) == {c for c, st in states.items() if st.reps == 2}
    assert set(ids(studied, "prop:reps!=0")) == {c for c, st in states.items() if st.reps}
    assert set(ids(studied, "prop:reps<1")) == {c for c, st in states.items() if st.reps == 0}


def test_prop_due_counts_study_days_until_due(studied: Collection) -> None:
    """Days until due as Anki counts them: whole study days (from 04:00) between today and the due day."""
    today = day_start(T0, 4, UTC)
    days = {
        c: (day_start(state.due, 4, UTC) - today).days
        for c in ALL
        if (state := studied.store.card_state(c)).state != StudyState.NEW and state.due is not None
    }
    assert len(set(days.values())) >= 3  # overdue, today and later are all in the fixture
    for value in range(min(days.values()) - 1, max(days.values()) + 2):
        for compare, wanted in (("<=", int.__le__), ("=", int.__eq__), (">", int.__gt__), ("!=", int.__ne__)):
            expected = {c for c, d in days.items() if wanted(d, value)}
            assert set(ids(studied, f"prop:due{compare}{value}")) == expected, (compare, value)


def test_rated_today_follows_the_day_start_hour(studied: Collection) -> None:
    # core-relu was rated at 11:00 and core-maxpool at 03:00; the day starts at 04:00.
    assert ids(studied, "rated:1") == ["core-relu"]
    assert ids(studied, "rated:2") == ["core-relu", "core-maxpool"]
    studied.set_setting("day_start_hour", 2)
    assert ids(studied, "rated:1") == ["core-relu", "core-maxpool"]


def test_rated_days_and_rating(studied: Collection) -> None:
    assert ids(studied, "rated:1:1") == ["core-relu"]
    assert ids(studied, "rated:1:3") == []
    assert ids(studied, "rated:7") == ["core-relu", "core-backprop", "core-maxpool"]
    assert ids(studied, "rated:7:4") == ["core-backprop"]
    assert ids(studied, "rated:21:3") == ["core-mlp", "core-maxpool"]
    assert ids(studied, "rated:365:1") == ["core-relu", "core-padding"]
    assert ids(studied, "rated:3650") == [c for c in ALL if studied.store.card_state(c).reps]


def test_free_words_match_question_answer_details_and_id(studied: Collection) -> None:
    assert ids(studied, "ReLU") == ["core-relu"]  # the question, in any case
    assert ids(studied, "cross-ENTROPY") == ["core-loss"]  # the answer
    assert ids(studied, "universal") == ["core-mlp"]  # the details
    assert ids(studied, "core-stride") == ["core-stride"]  # the id
    assert ids(studied, "largest") == ["core-pool", "core-maxpool"]
    assert ids(studied, '"max pool"') == ["core-pool", "core-maxpool"]
    assert ids(studied, "max pool") == ["core-pool", "core-maxpool"]  # both words, anywhere
    assert ids(studied, '"pool max"') == []
    assert ids(studied, "larg*value") == ["core-pool", "core-maxpool"]
    assert ids(studied, r"d\*g") == ["core-star"]  # a literal star
    assert ids(studied, "basics") == []  # tags are not text: tag:basics
    assert ids(studied, "-core") == []


ATOMS = [
    "relu",  # text (Python)
    '"max pool"',  # phrase (Python)
    "sim:pooling",  # the decks (Python)
    "tag:cnn",  # SQL
    "is:new",
    "is:suspended",
    "is:due",
    "prop:r<0.9",
    "rated:7",
    "-deck:core-basics",
]


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(ATOMS, 2)))
def test_text_and_state_terms_combine_under_and_or_and_not(studied: Collection, a: str, b: str) -> None:
    universe = set(ALL)
    first, second = set(ids(studied, a)), set(ids(studied, b))
    assert set(ids(studied, f"{a} {b}")) == first & second
    assert set(ids(studied, f"{a} or {b}")) == first | second
    assert set(ids(studied, f"-{a}")) == universe - first
    assert set(ids(studied, f"-({a} or {b})")) == universe - (first | second)
    assert set(ids(studied, f"{a} -{b}")) == first - second
    assert set(ids(studied, f"-{a} or {b}")) == (universe - first) | second


def test_precedence_gives_the_same_matches_as_the_explicit_grouping(studied: Collection) -> None:
    assert ids(studied, "tag:cnn is:new or relu") == ids(studied, "(tag:cnn is:new) or relu")
    assert ids(studied, "relu or tag:cnn is:new") == ids(studied, "relu or (tag:cnn is:new)")
    assert ids(studied, "-is:new tag:cnn") == ids(studied, "(-is:new) tag:cnn")
    assert ids(studied, "-is:new tag:cnn") != ids(studied, "-(is:new tag:cnn)")


def test_matches_come_in_deck_order(studied: Collection) -> None:
    assert ids(studied, "core-star or core-mlp or core-pool") == ["core-mlp", "core-pool", "core-star"]


def test_a_bad_query_raises_from_the_collection(studied: Collection) -> None:
    with pytest.raises(SearchError, match="unknown field 'tga:' at column 1"):
        studied.search("tga:cnn", T0)


# -- sessions ------------------------------------------------------------------------------------------


def test_a_session_keeps_to_the_matches_like_a_filtered_deck(studied: Collection) -> None:
    session = studied.session(
        search="deck:core-* is:new -is:buried", now=T0, tz=UTC, scheduler=Scheduler(fuzz=False)
    )
    assert session.counts(T0) == (2, 0, 0)  # core-loss and core-star; core-pool is suspended
    first = session.next_card(T0)
    assert first is not None and first.id == "core-loss"
    session.rate("core-loss", 1, T0)  # no longer new: it stays in the session all the same
    asked = []
    now = T0
    while (card := session.next_card(now)) is not None:
        asked.append(card.id)
        session.rate(card.id, 4, now)
        now += timedelta(minutes=1)
    assert asked == ["core-star", "core-loss"]


def test_a_cram_session_goes_through_the_matches(studied: Collection) -> None:
    session = studied.session(search="tag:basics or tag:none", now=T0, tz=UTC, cram=True)
    assert session.counts(T0).due == 4
    assert session.next_card(T0).id == "core-mlp"  # type: ignore[union-attr]


def test_a_session_search_needs_now(studied: Collection) -> None:
    with pytest.raises(ValueError, match="needs now"):
        studied.session(search="tag:cnn")


# -- the command line ------------------------------------------------------------------------------------

#: Time-independent terms, so the commands (run at the real time) agree with a search at T0; every
#: card they can match has a multiple-choice form. core-maxpool (learning) and core-star (new) match;
#: core-dropout is suspended.
QUERY = "deck:core-extra (tag:cnn or wildcard or dropout) -is:suspended"
MATCHES = {"core-maxpool", "core-star"}


@pytest.fixture
def search_cli(tmp_path: Path, decks: Path) -> Cli:
    return Cli(decks, tmp_path / "home")


def test_cards_search_lists_the_matches(studied: Collection, search_cli: Cli, db_path: Path) -> None:
    assert set(ids(studied, QUERY)) == MATCHES
    result = search_cli.run(db_path, "cards", "--search", QUERY, "--json")
    assert result.returncode == 0, result.stderr
    assert [card["id"] for card in json.loads(result.stdout)] == ["core-maxpool", "core-star"]
    combined = search_cli.run(db_path, "cards", "--tag", "cnn", "--search=-is:new", "--json")
    assert [card["id"] for card in json.loads(combined.stdout)] == ["core-padding", "core-maxpool"]


def test_review_plain_asks_exactly_the_matches(studied: Collection, search_cli: Cli, db_path: Path) -> None:
    result = search_cli.run(db_path, "review", "--plain", "--search", QUERY, stdin="s\n" * 10 + "q\n")
    assert result.returncode == 0, result.stderr
    assert set(re.findall(r"^skipped (\S+)$", result.stdout, re.MULTILINE)) == MATCHES
    assert "Nothing more to review now." in result.stdout


def test_quiz_plain_asks_about_exactly_the_matches(
    studied: Collection, search_cli: Cli, db_path: Path
) -> None:
    count = str(len(MATCHES))
    args = ("quiz", "--plain", "--search", QUERY, "--kind", "choice", "-n", count, "--seed", "5")
    result = search_cli.run(db_path, *args, stdin="1\n" * 20)
    assert result.returncode == 0, result.stderr
    assert set(re.findall(r"· card (\S+)$", result.stdout, re.MULTILINE)) == MATCHES
    assert f"'--search={QUERY}'" in result.stdout  # how to repeat the quiz


@pytest.mark.parametrize("command", [("cards",), ("review", "--plain"), ("quiz", "--plain")])
def test_a_bad_search_is_a_bad_command_line(search_cli: Cli, db_path: Path, command: tuple[str, ...]) -> None:
    result = search_cli.run(db_path, *command, "--search", "tga:cnn relu")
    assert result.returncode == 2
    assert (
        "studyapp: error: --search: unknown field 'tga:' at column 1; fields: tag, deck, is, sim, prop, rated"
        in result.stderr
    )
    assert "  tga:cnn relu\n  ^^^^" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_quiz_search_without_matches(studied: Collection, search_cli: Cli, db_path: Path) -> None:
    result = search_cli.run(db_path, "quiz", "--plain", "--search", "deck:nothing-like-this")
    assert result.returncode == 2
    assert "no card matches --search 'deck:nothing-like-this'" in result.stderr


# -- cards on a terminal --------------------------------------------------------------------------------


def run_on_terminal(cli: Cli, db: Path, columns: int, *args: str) -> list[str]:
    """Run the command with its standard output on a pseudo-terminal ``columns`` wide; its lines."""
    leader, follower = pty.openpty()
    env = {**cli.env(), "COLUMNS": str(columns), "LINES": "24"}
    process = subprocess.Popen(
        cli.command(db, *args),
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the command exited and closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=60) == 0
    return b"".join(chunks).decode().replace("\r\n", "\n").splitlines()


def test_cards_rows_never_wrap_on_a_terminal(studied: Collection, search_cli: Cli, db_path: Path) -> None:
    lines = run_on_terminal(search_cli, db_path, 60, "cards")
    assert len(lines) == 2 + len(ALL) + 46  # the bundled deck: 27 seed, 14 cloze and 5 drill cards
    assert all(len(line) <= 60 for line in lines)
    assert any(line.endswith("…") for line in lines)
    piped = search_cli.run(db_path, "cards", "--deck", "core-extra").stdout.splitlines()
    assert any(line.endswith("What does a 2x2 max pool with stride 2 do to a 4x4 input?") for line in piped)


def test_the_cards_table_fits_its_width(studied: Collection) -> None:
    rows = studied.cards_with_state()
    library = {card.id: card for card in studied.library.cards}
    objects = [
        {**row, "sim": library[row["id"]].sim, "question": library[row["id"]].question} for row in rows
    ]
    for width in (60, 80, 100):
        lines = table(objects, T0, width).splitlines()
        assert all(len(line) <= width for line in lines)
        assert lines[0].startswith("id") and lines[0].rstrip().endswith("question")
    narrow = table(objects, T0, 40).splitlines()
    assert all(len(line) <= 40 for line in narrow) and narrow[2].endswith("…")
    full = table(objects, T0, None)
    assert all(library[c].question in full for c in ALL)
