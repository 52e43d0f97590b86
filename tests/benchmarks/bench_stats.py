"""Benchmark: every statistic of ``studyapp stats`` on 100k cards and a million review-log rows.

Run with ``python tests/benchmarks/bench_stats.py`` (about a minute, most of it building the collection;
``--cards`` and ``--reviews`` make it smaller). Prints the median time of each statistic and of
``all_stats`` (target: <= 300 ms), of the sections the Stats screen draws, and the ratio of ``all_stats``
to a reference measured in the same run: one plain pass over the review log (``SELECT count(*),
sum(duration_ms) FROM reviews``), the least any statistic computed by reading every review would cost.
With the schema's indexes (version 6), true retention counts index entries without reading a review and
mastery reads each tagged card from a covering index.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from studyapp import stats
from studyapp.model import CardState, StudyState, utc_ms
from studyapp.store import Store
from studyapp.tui.screens.stats import SECTIONS as STATS_SCREEN

NOW = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
TZ = ZoneInfo("Europe/Berlin")
TAGS = (
    "mlp",
    "cnn",
    "loss",
    "optimisation",
    "calculus",
    "gradients",
    "data",
    "residual",
    "numerics",
    "backprop",
)
HISTORY_DAYS = 730
ROUNDS = 7
QUIZ_PER_REVIEWS = 100  # one quiz attempt per 100 reviews: 10k attempts with the default sizes


def build(path: Path, cards: int, reviews: int, seed: int = 1) -> None:
    """``cards`` cards (1-3 tags each) and ``reviews`` log rows over two years, oldest first."""
    rng = random.Random(seed)
    now_ms = utc_ms(NOW)
    assert now_ms is not None
    day = 86_400_000
    with Store.open(path) as store, store.transaction() as conn:
        conn.execute("INSERT INTO decks (deck_id, title, rank, retired) VALUES ('big', 'Big deck', 0, 0)")
        card_rows: list[tuple[object, ...]] = []
        tag_rows: list[tuple[str, str]] = []
        for i in range(cards):
            card_id = f"card-{i:06d}"
            state = rng.choice((0, 1, 2, 2, 2, 2, 3))
            suspended, leech = int(rng.random() < 0.02), int(rng.random() < 0.01)
            buried = now_ms + rng.randrange(day) if rng.random() < 0.005 else None
            schedule: tuple[object, ...] = (None, None, None, None, None, 0, 0)
            if state != 0:
                last = now_ms - rng.randrange(400 * day)
                stability = rng.uniform(0.5, 300.0)
                step = None if state == 2 else 0
                schedule = (step, stability, rng.uniform(1, 10), last + int(stability * day), last, 5, 1)
            card_rows.append((card_id, i, i, state, *schedule, suspended, buried, leech))
            tag_rows.extend((card_id, tag) for tag in rng.sample(TAGS, rng.randint(1, 3)))
        conn.executemany(
            "INSERT INTO cards (card_id, deck_id, position, ord, state, step, stability, difficulty, due, "
            "last_review, reps, lapses, suspended, buried_until, leech) "
            "VALUES (?, 'big', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            card_rows,
        )
        conn.executemany("INSERT INTO card_tags (card_id, tag) VALUES (?, ?)", tag_rows)
        start, step_ms = now_ms - HISTORY_DAYS * day, HISTORY_DAYS * day // max(reviews, 1)
        batch = []
        for j in range(reviews):
            state_before = rng.choice((0, 1, 2, 2, 2, 2, 2, 3))
            rating = 1 if rng.random() < 0.1 else rng.randint(2, 4)
            before = CardState(
                StudyState(state_before), stability=rng.uniform(1, 100), difficulty=5.0, reps=3
            )
            after = CardState(StudyState.REVIEW, stability=rng.uniform(1, 100), difficulty=5.0, reps=4)
            card_id = f"card-{rng.randrange(cards):06d}"
            at = start + j * step_ms
            batch.append((card_id, rating, at, 4000, state_before, 2, before.to_json(), after.to_json()))
            if len(batch) == 50_000 or j == reviews - 1:
                conn.executemany(
                    "INSERT INTO reviews (card_id, rating, reviewed_at, duration_ms, state_before, "
                    "state_after, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    batch,
                )
                batch = []
        kinds = ("choice", "numeric", "typed")
        attempts = [
            (start + k * 1000, rng.choice(kinds), f"card-{rng.randrange(cards):06d}", k % 3 != 0)
            for k in range(reviews // QUIZ_PER_REVIEWS)
        ]
        conn.executemany(
            "INSERT INTO quiz_attempts (at, kind, card_id, params, question, given, expected, correct) "
            "VALUES (?, ?, ?, '{}', 'q', 'a', 'b', ?)",
            attempts,
        )


def median_ms(fn: Callable[[], object]) -> float:
    """Median wall time of ROUNDS calls, in milliseconds (after one warm-up call)."""
    fn()
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(store: Store, label: str) -> None:
    """Print the median of each statistic, of all of them together, and the ratio to the reference."""
    parts: dict[str, Callable[[], object]] = {
        "reviews per day (365)": lambda: stats.reviews_per_day(store, NOW, TZ),
        "streak": lambda: stats.current_streak(store, NOW, TZ),
        "true retention": lambda: stats.true_retention(store, NOW, TZ),
        "forecast (30 days)": lambda: stats.due_forecast(store, NOW, TZ),
        "card counts": lambda: stats.card_counts(store, NOW),
        "mastery per tag": lambda: stats.mastery(store, NOW),
        "quiz attempts": lambda: stats.quiz_stats(store),
    }
    reference = median_ms(
        lambda: store.conn.execute("SELECT count(*), sum(duration_ms) FROM reviews").fetchone()
    )
    print(f"\n{label}")
    for name, fn in parts.items():
        print(f"  {name:24s} {median_ms(fn):8.1f} ms")
    total = median_ms(lambda: stats.all_stats(store, None, NOW, TZ))
    print(f"  {'all_stats':24s} {total:8.1f} ms   (target <= 300 ms)")
    screen = median_ms(lambda: stats.all_stats(store, None, NOW, TZ, sections=STATS_SCREEN))
    print(f"  {'the Stats screen sections':24s} {screen:8.1f} ms")
    ratio = total / reference
    print(f"  {'reference: one log pass':24s} {reference:8.1f} ms   all_stats / reference: {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.sqlite3"
        started = time.perf_counter()
        build(path, args.cards, args.reviews)
        size = path.stat().st_size / 1e6
        seconds = time.perf_counter() - started
        attempts = args.reviews // QUIZ_PER_REVIEWS
        print(
            f"built {args.cards} cards, {args.reviews} reviews, {attempts} quiz attempts in {seconds:.0f} s"
        )
        print(f"({size:.0f} MB; times are with the file in the operating system's cache)")
        with Store.open(path) as store:
            measure(store, "current schema")


if __name__ == "__main__":
    main()
