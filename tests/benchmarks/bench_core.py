"""Benchmark of the study core on a large collection: 100k cards and 1M review-log rows.

Run: ``python tests/benchmarks/bench_core.py [--cards N] [--reviews N]``. Prints medians, the ratio to
each target, and the ratio to a reference operation measured in the same run on the same file:

- choosing the next card (target 1 ms; reference: one indexed point lookup of a card),
- the home-screen counts, total and per deck (target 5 ms; reference: the same point lookup),
- a durable rating commit, fsrs included (target 1 ms; reference: a bare synchronous=FULL commit),
- loading and reconciling the bundled decks at start-up (target 20 ms; reference: loading alone).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from studyapp.collection import library_fingerprint, reconcile
from studyapp.content import Library, load_library
from studyapp.model import CardState, StudyState, utc_ms
from studyapp.session import StudySession
from studyapp.store import LIBRARY_FINGERPRINT, CardFilter, Store
from studyapp.store.checks import QUICK_CHECK_MAX_BYTES

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
DAY_MS = 86_400_000
DECKS = 20
BATCH = 20_000


def card_rows(count: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """Cards in a steady state: 20% new, 5% in (re)learning, the rest in review spread over their interval."""
    now = utc_ms(NOW)
    assert now is not None
    per_deck = count // DECKS + 1
    for i in range(count):
        row: dict[str, Any] = {
            "card_id": f"bench-{i:06d}",
            "deck_id": f"deck-{i // per_deck:02d}",
            "position": i % per_deck,
            "ord": i,
            **dict.fromkeys(("step", "stability", "difficulty", "due", "last_review", "buried_until")),
            **dict.fromkeys(("retired", "reps", "lapses", "suspended", "leech"), 0),
        }
        roll = rng.random()
        if roll < 0.2:
            row.update(state=0)
        elif roll < 0.25:
            due = now + rng.randint(-3_600_000, 3_600_000)
            row.update(state=rng.choice([1, 3]), step=0, stability=rng.uniform(0.2, 3), difficulty=5.0)
            row.update(due=due, last_review=due - 600_000, reps=rng.randint(1, 5), lapses=0)
        else:
            stability = min(max(rng.lognormvariate(3.4, 1.0), 1.0), 3650.0)
            last = now - int(rng.uniform(0, 1.05) * stability * DAY_MS)
            row.update(state=2, stability=stability, difficulty=rng.uniform(1, 10), last_review=last)
            row.update(
                due=last + round(stability) * DAY_MS, reps=rng.randint(2, 30), lapses=rng.randint(0, 4)
            )
        yield row


def review_rows(count: int, cards: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """Review-log rows spread over two years, with realistic before/after JSON."""
    before = CardState(StudyState.REVIEW, None, 12.0, 5.0, NOW, NOW - timedelta(days=12), 4, 1).to_json()
    after = CardState(StudyState.REVIEW, None, 30.0, 4.9, NOW + timedelta(days=30), NOW, 5, 1).to_json()
    start = utc_ms(NOW - timedelta(days=730))
    assert start is not None
    step = 730 * DAY_MS // count
    for i in range(count):
        yield {
            "card_id": f"bench-{rng.randrange(cards):06d}",
            "rating": rng.choice((1, 2, 3, 3, 3, 4)),
            "reviewed_at": start + i * step,
            "duration_ms": rng.randint(1000, 20000),
            "state_before": 2,
            "state_after": 2,
            "before": before,
            "after": after,
        }


def build(path: Path, cards: int, reviews: int) -> None:
    """Create the collection with batched inserts through sqlite-utils, one transaction per table."""
    rng = random.Random(2025)
    with Store.open(path) as store:
        db = store.database()
        with store.transaction():
            db.table("decks").insert_all(
                (
                    {"deck_id": f"deck-{d:02d}", "title": f"Deck {d}", "rank": d, "retired": 0}
                    for d in range(DECKS)
                ),
                batch_size=BATCH,
            )
            db.table("cards").insert_all(card_rows(cards, rng), batch_size=BATCH)
            tags = ({"card_id": f"bench-{i:06d}", "tag": f"tag-{i % 50}"} for i in range(cards))
            db.table("card_tags").insert_all(tags, batch_size=BATCH)
        with store.transaction():
            db.table("reviews").insert_all(review_rows(reviews, cards, rng), batch_size=BATCH)
        store.conn.execute("ANALYZE")


class BenchLibrary:
    """The deck structure of the built collection (ids only), as a session needs it."""

    def __init__(self, store: Store) -> None:
        from studyapp.model import Card, Deck

        by_deck: dict[str, list[Card]] = {}
        for card_id, deck_id, position in store.conn.execute("SELECT card_id, deck_id, position FROM cards"):
            by_deck.setdefault(deck_id, []).append(Card(card_id, deck_id, "q", "a", position=position))
        self.decks = [Deck(deck_id, deck_id, tuple(cards)) for deck_id, cards in sorted(by_deck.items())]
        self.cards = [card for deck in self.decks for card in deck.cards]


def measure(
    name: str,
    action: Callable[[], object],
    target: float,
    reference: Callable[[], object],
    reference_name: str,
    repeat: int,
) -> None:
    """Print the medians of ``action`` and ``reference``, timed alternately so load hits both alike."""
    for _ in range(3):
        reference()
        action()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for timed, sink in ((reference, times[1]), (action, times[0])):
            start = time.perf_counter()
            timed()
            sink.append(time.perf_counter() - start)
    median, base = (statistics.median(t) * 1000 for t in times)
    print(
        f"{name:<48} median {median:8.3f} ms   target {target:5.1f} ms (x{median / target:5.2f})   "
        f"{reference_name} {base:7.3f} ms (x{median / base:6.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-core-"))
    try:
        run(folder, args.cards, args.reviews)
    finally:
        shutil.rmtree(folder)


def run(folder: Path, cards: int, reviews: int) -> None:
    big = folder / "big.sqlite3"
    start = time.perf_counter()
    build(big, cards, reviews)
    size = big.stat().st_size / 1e6
    print(f"built {cards} cards and {reviews} reviews in {time.perf_counter() - start:.1f} s ({size:.0f} MB)")
    os.sync()  # flush the build's dirty pages, so they do not slow the fsyncs measured below

    checker = sqlite3.connect(f"file:{big}?mode=ro", uri=True)
    start = time.perf_counter()
    checker.execute("PRAGMA quick_check").fetchall()
    checker.close()
    print(
        f"PRAGMA quick_check of the large collection: {(time.perf_counter() - start) * 1000:.0f} ms", end=""
    )
    print(f" (run at open only up to {QUICK_CHECK_MAX_BYTES // 2**20} MB)")

    opening = []
    for _ in range(5):
        start = time.perf_counter()
        Store.open(big).close()
        opening.append(time.perf_counter() - start)
    print(
        f"opening the large collection (every check made at open): {statistics.median(opening) * 1000:.1f} ms"
    )
    store = Store.open(big)
    library = BenchLibrary(store)
    session = StudySession(store, library, tz=UTC)
    end_ms = utc_ms(session.day_bounds(NOW)[1])
    due = store.conn.execute(
        "SELECT count(*) FROM cards WHERE state = 2 AND due < ? AND suspended = 0 AND retired = 0", (end_ms,)
    ).fetchone()[0]
    print(f"review cards due today: {due}; counts: {tuple(session.counts(NOW))}")

    def lookup() -> object:
        return store.card_state(f"bench-{cards // 2:06d}")

    everything, end = CardFilter(), session.day_bounds(NOW)[1]
    measure("next card", lambda: session.next_card(NOW), 1.0, lookup, "point lookup", 300)
    measure(
        f"next card: review step alone ({due} due, lowest R)",
        lambda: store.next_review(end, NOW, everything),
        1.0,
        lookup,
        "point lookup",
        300,
    )
    measure(
        "next card: new step alone", lambda: store.next_new(NOW, everything), 1.0, lookup, "point lookup", 300
    )
    measure("home counts: counts(now)", lambda: session.counts(NOW), 5.0, lookup, "point lookup", 100)
    measure(
        "home counts: deck_counts(now), 20 decks",
        lambda: session.deck_counts(NOW),
        5.0,
        lookup,
        "point lookup",
        50,
    )

    def bare_commit() -> None:
        with store.transaction():
            store.conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('bench', ?)", (str(time.time()),)
            )

    ids = iter(f"bench-{i:06d}" for i in range(cards // 10, cards))
    measure(
        "durable rating commit (fsrs + FULL sync)",
        lambda: session.rate(next(ids), 3, NOW, 4000),
        1.0,
        bare_commit,
        "bare FULL commit",
        300,
    )
    store.close()

    small, user_dir = folder / "small.sqlite3", folder / "no-user-decks"
    bundled = load_library(user_dir=user_dir)
    with Store.open(small) as fresh:
        reconcile(fresh, bundled)

    def startup() -> None:
        with Store.open(small) as opened:
            reconcile(opened, load_library(user_dir=user_dir))

    measure(
        "start-up: open + load + reconcile (in sync)",
        startup,
        20.0,
        lambda: load_library(user_dir=user_dir),
        "loading alone",
        50,
    )
    flip = iter(range(10**6))

    def without_last_card(library: Library) -> Library:
        first = library.decks[0]
        return Library(decks=[replace(first, cards=first.cards[:-1]), *library.decks[1:]])

    def startup_after_an_edit() -> None:  # every other start, the first deck lost or regained a card
        with Store.open(small) as opened:
            loaded = load_library(user_dir=user_dir)
            reconcile(opened, without_last_card(loaded) if next(flip) % 2 else loaded)

    measure(
        "start-up: open + load + reconcile (decks edited)",
        startup_after_an_edit,
        20.0,
        lambda: load_library(user_dir=user_dir),
        "loading alone",
        50,
    )
    with Store.open(big) as store:
        fingerprint = library_fingerprint(bundled)
        start = time.perf_counter()
        reconcile(store, bundled)
        first = (time.perf_counter() - start) * 1000
        assert store.get_meta(LIBRARY_FINGERPRINT) == fingerprint
    print(f"first reconcile of the bundled decks into the large collection (retires {cards} cards): ", end="")
    print(f"{first:.1f} ms")


if __name__ == "__main__":
    main()
