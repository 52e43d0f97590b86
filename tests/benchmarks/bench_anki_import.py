"""Importing a big Anki package: ``studyapp import FILE.apkg`` on 50k notes, half of them with a history.

    python tests/benchmarks/bench_anki_import.py [--cards 50000] [--reviews 20] [--runs 3] [--formatted 0.1]
        [--reference TREE]

The package is made here: genanki writes the collection's tables and its Basic note type, then the
notes (one in ten with HTML formatting, by default), cards and review log go in with sqlite3: a
realistic log of learning steps, reviews at growing intervals, lapses and relearning, a few "Forget"
resets, suspended and buried cards and leech tags. Each run imports it with the real command, in a new
process, into a new collection and deck folder; the median wall time is printed, with how many reviews
were replayed, the process's CPU time (its worker's included) and its peak RSS. Target (issue 17): <= 10 s
at 50k.
Plain fields skip the HTML parser; a formatted one goes through it (about 0.2 ms).

``--reference TREE`` imports the same package with another copy of the source (a folder holding
``studyapp`` and ``sim``, for example this tree before a change) in the same run, alternating with this
one, and prints its median and the ratio: on a shared machine only figures of the same run compare.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bench_tui import compile_source, say_machine_speed

ROOT = Path(__file__).resolve().parents[2]
DAY_MS = 86_400_000
START_MS = 1_600_000_000_000
#: Anki's review-log kinds and card queues that the generated log uses.
LEARN, REVIEW, RELEARN, MANUAL = 0, 1, 2, 4
SUSPENDED, BURIED = -1, -2
WORD_TEXT = (
    "gradient descent convolution pooling residual layer neuron activation sigmoid relu softmax batch "
    "dropout kernel stride padding filter channel tensor weight bias loss entropy momentum adam epoch"
)
WORDS = WORD_TEXT.split()


def card_log(rng: random.Random, card_id: int, reviews: int) -> list[tuple[int, int, int, int, int, int]]:
    """Revlog rows ``(id, cid, ease, time, type, factor)``: learning, then reviews at growing intervals with
    lapses (each followed by a relearning step); one card in 50 is reset ("Forget") half way."""
    rows: list[tuple[int, int, int, int, int, int]] = []
    at = START_MS + rng.randrange(0, 200 * DAY_MS)
    interval = 1.0
    reset_at = reviews // 2 if rng.random() < 0.02 else -1
    kind = LEARN
    for index in range(reviews):
        if index == reset_at:
            rows.append((at + 1, card_id, 0, 0, MANUAL, 0))
            at += 2
            kind, interval = LEARN, 1.0
        ease = 1 if rng.random() < 0.1 else rng.choice((2, 3, 3, 3, 4))
        rows.append((at, card_id, ease, rng.randrange(2000, 20000), kind, 2500))
        if kind == LEARN:
            kind = LEARN if ease == 1 else REVIEW
            at += 600_000 if ease == 1 else DAY_MS
        elif ease == 1:
            kind, interval = RELEARN, max(1.0, interval / 2)
            at += 600_000
        else:
            kind = REVIEW
            interval = min(interval * {2: 1.2, 3: 2.5, 4: 3.5}[ease], 365.0)
            at += int(interval * DAY_MS)
    return rows


def build_package(path: Path, cards: int, reviews: int, formatted: float = 0.1, seed: int = 7) -> int:
    """Write the package (a ``formatted`` share of its notes with HTML); returns how many answers its log
    holds."""
    import genanki

    rng = random.Random(seed)
    deck = genanki.Deck(2059400110, "Benchmark")
    deck.add_note(genanki.Note(genanki.BASIC_MODEL, ["seed", "note"]))
    database = path.with_suffix(".anki2")
    conn = sqlite3.connect(database)
    genanki.Package(deck).write_to_db(conn.cursor(), START_MS / 1000, itertools.count(START_MS))
    conn.execute("DELETE FROM notes")
    conn.execute("DELETE FROM cards")
    conf = json.loads(conn.execute("SELECT conf FROM col").fetchone()[0])
    conf["schedVer"] = 2
    conn.execute("UPDATE col SET conf = ?", (json.dumps(conf),))
    notes, card_rows, log = [], [], []
    for index in range(cards):
        note_id, card_id = START_MS + index, START_MS + 10_000_000 + index
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
        tags = " leech " if index % 97 == 0 else ""
        fields = f"Card {index}: what is {words}?\x1fAnswer {index}: {words[::-1]}"
        if rng.random() < formatted:  # formatted as Anki's editor writes it
            fields = (
                f"<div>Card {index}: what is <b>{words}</b>?</div>\x1fAnswer&nbsp;{index}:<br>{words[::-1]}"
            )
        notes.append((note_id, f"g{index}", genanki.BASIC_MODEL.model_id, 0, -1, tags, fields, "", 0, 0, ""))
        queue = SUSPENDED if index % 53 == 0 else BURIED if index % 59 == 0 else 0
        card_rows.append((card_id, note_id, 2059400110, 0, 0, -1, 0, queue, 0, 0, 0, 0, 0, 0, 0, 0, 0, ""))
        if index % 2 == 0:
            log += card_log(rng, card_id, reviews)
    conn.executemany(f"INSERT INTO notes VALUES ({', '.join('?' * 11)})", notes)
    conn.executemany(f"INSERT INTO cards VALUES ({', '.join('?' * 18)})", card_rows)
    used: set[int] = set()
    rows = []
    for at, cid, ease, duration, kind, factor in log:
        while at in used:  # a review's id is its time: two cards answered in one ms move one along
            at += 1
        used.add(at)
        rows.append((at, cid, ease, factor, duration, kind))
    conn.executemany(
        "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
        "VALUES (?, ?, -1, ?, 0, 0, ?, ?, ?)",
        rows,
    )
    conn.commit()
    conn.close()
    with zipfile.ZipFile(path, "w") as out:
        out.write(database, "collection.anki21")
        out.writestr("media", "{}")
    database.unlink()
    return sum(1 for row in log if row[2])


@dataclass(frozen=True)
class Run:
    """One import: its wall time, its CPU time (the worker's included) and its peak RSS."""

    seconds: float
    cpu: float
    peak_mb: float


def import_once(package: Path, folder: Path, tree: Path = ROOT) -> Run:
    """One ``studyapp import`` in a new process with a private home, with the source in ``tree``."""
    home = folder / "home"
    env = dict(os.environ, HOME=str(home), XDG_DATA_HOME=str(home / "data"), PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join([str(tree), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.pop("STUDYAPP_DB", None)
    command = [sys.executable, "-m", "studyapp", "--db", str(folder / "collection.sqlite3"), "import"]
    out, err = folder / "stdout", folder / "stderr"
    folder.mkdir(parents=True)
    with out.open("w") as stdout, err.open("w") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen([*command, str(package)], stdout=stdout, stderr=stderr, env=env, cwd=tree)
        _pid, status, usage = os.wait4(process.pid, 0)  # the process's own peak RSS, and its CPU
        elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"the import failed:\n{err.read_text()}")
    cpu, peak_mb = usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
    print(
        "   ",
        out.read_text().strip().splitlines()[1].strip(),
        f"(CPU {cpu:.1f} s, peak RSS {peak_mb:.0f} MB)",
    )
    return Run(elapsed, cpu, peak_mb)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cards", type=int, default=50_000)
    parser.add_argument("--reviews", type=int, default=20, help="reviews per card with a history")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formatted", type=float, default=0.1, help="the share of notes with HTML")
    parser.add_argument("--reference", type=Path, help="another source tree to time in the same run")
    args = parser.parse_args()
    compile_source()
    if args.reference:
        compile_source(args.reference.resolve())
    say_machine_speed()
    with tempfile.TemporaryDirectory(prefix="bench-anki-") as name:
        folder = Path(name)
        package = folder / "big.apkg"
        started = time.perf_counter()
        answers = build_package(package, args.cards, args.reviews, args.formatted)
        seconds = time.perf_counter() - started
        print(f"built {package.name}: {args.cards} notes, {answers} answers in {seconds:.1f} s")
        runs: list[Run] = []
        reference: list[Run] = []
        for run in range(args.runs):
            if args.reference:
                reference.append(import_once(package, folder / f"reference{run}", args.reference.resolve()))
                print(f"  run {run + 1} of the reference: {reference[-1].seconds:.2f} s")
            runs.append(import_once(package, folder / f"run{run}"))
            print(f"  run {run + 1}: {runs[-1].seconds:.2f} s")
        median = statistics.median(run.seconds for run in runs)
        summary = f"over {args.runs} runs (target <= 10 s); {figures(runs)}"
        print(f"studyapp import of {args.cards} notes: median {median:.2f} s {summary}")
        if reference:
            before = statistics.median(run.seconds for run in reference)
            print(f"the reference ({args.reference}): median {before:.2f} s; {figures(reference)}")
            print(f"ratio {median / before:.2f}")


def figures(runs: list[Run]) -> str:
    """The medians of the runs' CPU time and the largest peak RSS."""
    cpu = statistics.median(run.cpu for run in runs)
    return f"CPU median {cpu:.1f} s, peak RSS {max(run.peak_mb for run in runs):.0f} MB"


if __name__ == "__main__":
    main()
