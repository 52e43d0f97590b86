"""Benchmark: the exam planner's 365-day simulation of the bundled deck (target: at most 1-2 s).

Run with ``python tests/benchmarks/bench_planner.py`` (about half a minute). Prints the median time of:

- reading the plan's inputs from the collection (``Planner(...)``);
- one desired retention, averaged over the plan's runs (``Planner.outlook``);
- the whole plan: the desired retention and the options 0.80, 0.85, 0.90 and 0.95 (``Planner.plan``),
  which is what ``studyapp plan --exam`` and the Stats screen's Plan run;

each for the bundled deck new, and studied for 60 days by the simulated learner of the tests. The
reference, measured in the same run, is fsrs-rs's own ``simulate`` (Rust) over the same number of runs,
365 days and the same number of new cards; the ratio says what simulating in Python on the learner's
own cards costs over it.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import fsrs_rs_python  # noqa: E402

from studyapp.collection import Collection, open_collection  # noqa: E402
from studyapp.fsrs_tools.planner import Planner, runs_for, simulator_config, with_limits  # noqa: E402
from tests.core.simulated_learner import START, Learner, exact_scheduler, study  # noqa: E402

ROUNDS = 5
DAYS = 365


def median_seconds(task: Callable[[], object], rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        task()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(name: str, collection: Collection, today: date) -> None:
    now = START + timedelta(days=(today - START.date()).days)
    exam = today + timedelta(days=DAYS)
    planner = Planner(collection, now, exam=exam, tz=UTC)
    runs = runs_for(planner.cards)
    config = with_limits(simulator_config(DAYS), 10, 200)
    config.deck_size = planner.cards
    parameters = list(planner.parameters)

    def reference() -> None:
        for seed in range(runs):
            fsrs_rs_python.simulate(parameters, 0.9, config, seed)

    inputs = median_seconds(lambda: Planner(collection, now, exam=exam, tz=UTC))
    one = median_seconds(lambda: planner.outlook(0.9, runs))
    whole = median_seconds(lambda: Planner(collection, now, exam=exam, tz=UTC).plan())
    rust = median_seconds(reference)
    print(f"{name}: {planner.cards} cards, {DAYS} days, {runs} runs per desired retention")
    print(f"  read the inputs                     {inputs * 1000:8.1f} ms")
    print(f"  one desired retention               {one * 1000:8.1f} ms")
    print(f"  the whole plan (4 retentions)       {whole * 1000:8.1f} ms   target <= 1000-2000 ms")
    print(f"  reference: fsrs-rs simulate x{runs:<3}    {rust * 1000:8.1f} ms   one retention / reference: "
          f"{one / rust:.1f}x")  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        with open_collection(path / "new.sqlite3", user_dir=path / "none") as fresh:
            measure("bundled deck, new", fresh, START.date())
        with open_collection(path / "studied.sqlite3", user_dir=path / "none") as studied:
            study(studied.session(tz=UTC, scheduler=exact_scheduler()), Learner(), 60)
            measure("bundled deck, studied for 60 days", studied, START.date() + timedelta(days=60))


if __name__ == "__main__":
    main()
