"""The statistics' SQL on a generated history, against a straightforward Python loop over the same rows;
the version-6 indexes (a saved version-5 collection upgraded); and retrievability with the learner's
fitted FSRS parameters, against fsrs's own ``get_card_retrievability``."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs
import pytest
from numpy.testing import assert_allclose

from studyapp import stats
from studyapp.collection import Collection, open_collection
from studyapp.content import load_paths
from studyapp.model import CardRecord, CardState, Rating, StudyState, utc_ms
from studyapp.store import Store
from studyapp.store.schema import CURRENT_VERSION, STEPS, migrate

from .conftest import assert_tag_sets, write_decks

NOW = datetime(2026, 5, 14, 9, 30, tzinfo=UTC)
CARDS = 240
#: The statistics' keys after the three about when they were made, in their order.
SECTION_KEYS = [
    "cards",
    "reviews_today",
    "streak",
    "reviews_per_day",
    "retention",
    "forecast",
    "mastery",
    "quiz",
    "misconceptions",
    "calibration",
]
TAGS = tuple(f"topic-{i}" for i in range(7))
#: Fitted parameters as ``studyapp optimize --apply`` stores them: fsrs's defaults with other values,
#: among them the forgetting curve's decay (w[20]).
FITTED = (
    *(0.3, 1.4, 2.9, 14.0, 6.9, 0.6, 2.1, 0.02, 1.6, 0.13, 0.9, 1.8, 0.08, 0.32, 2.2, 0.25, 3.0, 0.5, 0.4),
    0.12,
    0.45,
)


def deck_text(count: int) -> str:
    """A deck of ``count`` cards: most with one to three of ``TAGS``, some without a tag."""
    rng = random.Random(count)
    lines = ['[deck]\nid = "gen"\ntitle = "Generated"\n']
    for i in range(count):
        tags = rng.sample(TAGS, rng.randint(0, 3))
        listed = ", ".join(f'"{tag}"' for tag in tags)
        lines.append(
            f'[[cards]]\nid = "gen-{i:03d}"\nquestion = "Q{i}?"\nanswer = "A{i}."\ntags = [{listed}]\n'
        )
    return "\n".join(lines)


def random_state(rng: random.Random) -> CardState:
    """A card in any state: new, or studied (stability, last review and due), sometimes suspended,
    buried (in the past or future) or a leech."""
    state = StudyState(rng.randint(0, 3))
    if state == StudyState.NEW:
        return CardState(suspended=rng.random() < 0.1)
    last = NOW - timedelta(minutes=rng.randint(-600, 500 * 1440))  # a few after NOW: a clock set back
    return CardState(
        state=state,
        stability=rng.choice([0.2, 1.0, rng.uniform(0.1, 400.0)]),
        difficulty=rng.uniform(1, 10),
        last_review=last,
        due=last + timedelta(days=rng.uniform(0, 60)),
        reps=rng.randint(1, 30),
        lapses=rng.randint(0, 5),
        suspended=rng.random() < 0.1,
        buried_until=NOW + timedelta(hours=rng.randint(-20, 20)) if rng.random() < 0.15 else None,
        leech=rng.random() < 0.1,
    )


def generate_history(store: Store, rng: random.Random, reviews: int) -> None:
    """Random states for every card, and ``reviews`` log rows of every state before and rating."""
    ids = [record.card_id for record in store.cards()]
    with store.transaction():
        for card_id in ids:
            store.set_state(card_id, random_state(rng))
        for _ in range(reviews):
            at = NOW - timedelta(minutes=rng.randint(0, 500 * 1440))
            before = CardState(state=StudyState(rng.choice([0, 1, 2, 2, 2, 3])))
            after = CardState(state=StudyState.REVIEW, stability=3.0, difficulty=5.0, last_review=at, due=at)
            card_id = rng.choice(ids)
            state = store.card_state(card_id)  # the log row only: the card keeps its random state
            rating = Rating(rng.choice([1, 1, 2, 3, 3, 4]))
            store.record_review(card_id, rating, at, 1000, before, after)
            store.set_state(card_id, state)


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[Collection]:
    """240 cards with random states (some retired) and 3,000 reviews over 500 days."""
    library = load_paths([write_decks(tmp_path / "decks", {"gen.toml": deck_text(CARDS)})])
    with open_collection(tmp_path / "collection.sqlite3", library=library) as collection:
        store, rng = collection.store, random.Random(17)
        generate_history(store, rng, 3000)
        retired = sorted(rng.sample([card.id for card in library.cards], 20))
        store.apply_sync(
            decks=[("gen", "Generated")], insert=[], update=[], retire=retired, tags={}, fingerprint="t"
        )
        yield collection


# -- the oracles: plain loops over the rows --------------------------------------------------------


def review_log(store: Store) -> list[tuple[int, int, int]]:
    """Every review's ``(state_before, rating, reviewed_at)``, read by a connection of its own."""
    with sqlite3.connect(store.path) as conn:
        return conn.execute("SELECT state_before, rating, reviewed_at FROM reviews").fetchall()


def retention_oracle(store: Store, since: datetime | None) -> tuple[int, int]:
    since_ms = utc_ms(since) if since is not None else None
    rows = [
        (state, rating)
        for state, rating, at in review_log(store)
        if state == 2 and (since_ms is None or at >= since_ms)
    ]
    return len(rows), sum(rating != 1 for _state, rating in rows)


def active(store: Store) -> list[CardRecord]:
    return store.cards(include_retired=False)


def fsrs_retrievability(record: CardRecord, now: datetime, parameters: Sequence[float]) -> float:
    """fsrs's own retrievability of a stored card with ``parameters`` (empty: its defaults)."""
    scheduler = fsrs.Scheduler(parameters=parameters or fsrs.Scheduler().parameters, enable_fuzzing=False)
    state = record.state
    card = fsrs.Card(card_id=1, stability=state.stability, last_review=state.last_review)
    return float(scheduler.get_card_retrievability(card, now))


def mastery_oracle(
    store: Store, now: datetime, parameters: Sequence[float]
) -> dict[str, tuple[int, int, float]]:
    """``(cards, studied, sum of the studied cards' retrievability)`` per tag and for ``*`` (all)."""
    groups: dict[str, list[int | float]] = {}
    for record in active(store):
        studied = record.state.state != StudyState.NEW
        value = fsrs_retrievability(record, now, parameters) if studied else 0.0
        for name in (*record.tags, "*"):
            sums = groups.setdefault(name, [0, 0, 0.0])
            sums[0] += 1
            sums[1] += studied
            sums[2] += value
    return {name: (int(c), int(s), float(r)) for name, (c, s, r) in groups.items()}


def assert_mastery(store: Store, now: datetime, parameters: Sequence[float]) -> None:
    oracle = mastery_oracle(store, now, parameters)
    overall, per_tag = stats.mastery(store, now)
    assert set(per_tag) == set(oracle) - {"*"}
    for name, value in [("*", overall), *per_tag.items()]:
        cards, studied, total = oracle[name]
        assert (value.cards, value.studied) == (cards, studied), name
        if studied:
            assert value.retrievability is not None
            assert_allclose(value.retrievability * studied, total, rtol=1e-12)
        else:
            assert value.retrievability is None


# -- the statistics against the oracles ------------------------------------------------------------


def test_retention_windows_match_a_loop_over_the_review_log(generated: Collection) -> None:
    store = generated.store
    kinds = Counter((state, rating == 1) for state, rating, _at in review_log(store))
    assert all(kinds[state, lapse] for state in range(4) for lapse in (True, False))  # every kind of row
    for since in (None, NOW - timedelta(days=7), NOW - timedelta(days=30), NOW - timedelta(days=499), NOW):
        found = store.retention_counts(None if since is None else utc_ms(since))
        assert found == retention_oracle(store, since), since
    result = stats.true_retention(store, NOW, UTC)
    assert (result["all_time"].reviews, result["all_time"].passed) == retention_oracle(store, None)


def test_card_counts_match_a_loop_over_the_cards(generated: Collection) -> None:
    store = generated.store
    for now in (NOW, NOW - timedelta(hours=12), NOW + timedelta(hours=12)):
        expected = Counter[str]()
        for record in active(store):
            state = record.state
            if state.suspended:
                expected["suspended"] += 1
            elif state.buried_until is not None and state.buried_until > now:
                expected["buried"] += 1
            else:
                expected[StudyState(state.state).name.lower()] += 1
            expected["leech"] += state.leech
        counts = stats.card_counts(store, now)
        names = ("new", "learning", "review", "relearning", "suspended", "buried", "leech")
        assert {name: getattr(counts, name) for name in names} == {name: expected[name] for name in names}
        assert counts.total == CARDS - 20


def test_tags_of_any_text_are_grouped_as_they_are(store: Store) -> None:
    """Tags from a restored export may hold any text: quotes, backslashes, unicode, a comma, a space."""
    odd = ['say "hi"', "back\\slash", "ünï-cödé", "a,b", "two words", "[]"]
    store.apply_sync(
        decks=[("d", "D")],
        insert=[(f"c{i}", "d", i, i) for i in range(4)],
        update=[],
        retire=[],
        tags={"c0": frozenset(odd[:3]), "c1": frozenset(odd[2:]), "c2": frozenset(["plain"])},
        fingerprint="f",
    )
    assert_tag_sets(store)
    overall, by_tag = store.retrievability_sums(utc_ms(NOW), *stats.forgetting_curve())
    assert overall == (4, 0, 0.0)
    assert by_tag == {tag: (2 if tag == "ünï-cödé" else 1, 0, 0.0) for tag in [*odd, "plain"]}


@pytest.mark.parametrize("parameters", [(), FITTED], ids=["default", "fitted"])
def test_mastery_matches_fsrs_card_by_card_with_the_parameters_in_use(
    generated: Collection, parameters: tuple[float, ...]
) -> None:
    generated.set_setting("fsrs_parameters", parameters)
    store = generated.store
    for now in (NOW, NOW + timedelta(days=45, hours=7), NOW - timedelta(days=3)):
        assert_mastery(store, now, parameters)
    data = generated.statistics(NOW)["mastery"]
    _overall, per_tag = stats.mastery(store, NOW, generated.library.tags)
    assert data["tags"] == {tag: value.to_dict() for tag, value in per_tag.items()}


def test_fitted_parameters_change_the_recall_shown_everywhere(generated: Collection) -> None:
    """Mastery, Home's numbers and ``prop:r`` all follow the fitted forgetting curve once it is applied."""
    store = generated.store
    default_tags = generated.home_statistics(NOW, 7, 7)["mastery"]["tags"]
    default_matches = generated.search("prop:r<0.85", NOW)
    generated.set_setting("fsrs_parameters", FITTED)
    fitted_tags = generated.home_statistics(NOW, 7, 7)["mastery"]["tags"]
    assert fitted_tags == {tag: value.to_dict() for tag, value in generated.mastery(NOW).items()}
    assert fitted_tags != default_tags
    expected = [
        record.card_id
        for record in active(store)
        if record.state.state != StudyState.NEW
        and record.state.stability
        and fsrs_retrievability(record, NOW, FITTED) < 0.85
    ]
    found = generated.search("prop:r<0.85", NOW)
    assert set(found) == set(expected) and found != default_matches


def test_the_forgetting_curve_is_fsrs_s_for_any_parameters() -> None:
    default = fsrs.Scheduler().parameters
    for parameters in ((), default, FITTED):
        factor, decay = stats.forgetting_curve(parameters)
        assert decay == -(parameters or default)[20]
        assert (1 + factor) ** decay == pytest.approx(0.9, rel=1e-12)  # R = 90% when t = S


def test_only_the_sections_asked_for_are_computed(generated: Collection) -> None:
    everything = generated.statistics(NOW)
    assert list(everything)[3:] == SECTION_KEYS
    some = generated.statistics(NOW, ["mastery", "retention"])
    assert some == {
        key: everything[key] for key in ("generated_at", "today", "day_start_hour", "retention", "mastery")
    }
    with pytest.raises(ValueError, match="sections must be some of cards, reviews"):
        generated.statistics(NOW, ["everything"])


# -- version 6: the statistics' indexes -------------------------------------------------------------


def saved_v5_collection(path: Path, rng: random.Random) -> None:
    """A collection as version 5 left it, with cards, tags and reviews written as version 5 wrote them."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, steps=STEPS[:5])
    conn.execute("INSERT INTO decks (deck_id, title, rank) VALUES ('gen', 'Generated', 0)")
    for i in range(60):
        state = random_state(rng)
        columns = ", ".join(CardState.COLUMNS)
        conn.execute(
            f"INSERT INTO cards (card_id, deck_id, position, ord, {columns}) "
            f"VALUES (?, 'gen', ?, ?, {', '.join('?' * len(CardState.COLUMNS))})",
            (f"gen-{i:03d}", i, i, *state.to_row()),
        )
        for tag in rng.sample(TAGS, rng.randint(0, 2)):
            conn.execute("INSERT INTO card_tags (card_id, tag) VALUES (?, ?)", (f"gen-{i:03d}", tag))
    for _ in range(400):
        conn.execute(
            "INSERT INTO reviews (card_id, rating, reviewed_at, state_before, state_after, before, after) "
            "VALUES (?, ?, ?, ?, 2, '{}', '{}')",
            (
                f"gen-{rng.randrange(60):03d}",
                rng.randint(1, 4),
                utc_ms(NOW - timedelta(minutes=rng.randint(0, 90 * 1440))),
                rng.randint(0, 3),
            ),
        )
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 5
    conn.close()


def test_version_5_is_upgraded_with_a_backup_and_the_statistics_indexes(tmp_path: Path) -> None:
    """Up to the current version: the indexes of version 6 and 7, and each card's tag set (version 11)
    made from its tags, which mastery per tag reads in its own covering index."""
    path = tmp_path / "collection.sqlite3"
    saved_v5_collection(path, random.Random(3))
    with Store.open(path) as store:
        assert store.migration_backup is not None and store.migration_backup.name.startswith(
            "collection.sqlite3.v5-"
        )
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION  # 6, and later
        for since in (None, NOW - timedelta(days=7), NOW - timedelta(days=30)):
            assert store.retention_counts(None if since is None else utc_ms(since)) == retention_oracle(
                store, since
            )
        assert_mastery(store, NOW, ())
        plans = " ".join(
            str(row)
            for sql in (
                "SELECT count(*) FROM reviews INDEXED BY reviews_lapsed "
                "WHERE state_before = 2 AND rating = 1 AND reviewed_at >= 0",
                "SELECT tag_set, sum(stability) FROM cards INDEXED BY cards_mastery WHERE retired = 0 "
                "GROUP BY tag_set",
            )
            for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}")
        )
        assert "COVERING INDEX reviews_lapsed" in plans and "COVERING INDEX cards_mastery" in plans
        assert_tag_sets(store)
    with sqlite3.connect(store.migration_backup) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 5
        names = {row[0] for row in old.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert not names & {"reviews_lapsed", "cards_recall"}
        assert old.execute("SELECT count(*) FROM reviews").fetchone() == (400,)
