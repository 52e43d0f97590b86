"""Drive the real app in a pseudo-terminal and time what the user sees.

    python tests/benchmarks/bench_tui.py [--runs 5] [--parts launch study sims] [--sims NAME ...]

Reference: a bare Textual hello-world app's time to first paint, measured in the same run. The app's
modules are byte-compiled first, as an install compiles them (``compile_source``).
Targets (issue: TUI performance): launch to Home painted with its counts <= 1.5x the reference;
study key -> first card painted <= 50 ms; rating -> next card (committed with full sync before the
next card is laid out) p50 <= 2.0x the hello-world key -> repaint of the same run, p99 <= 17 ms;
simulation parameter change -> new plot painted at 120x40, p50 <= 33 ms for every simulation (each
parameter that +/- steps is stepped in turn, one way and back). The worker draws the focused parameter's
next steps ahead while the app is idle (``studyapp.sim_worker``), so these steps are mostly frames drawn
ahead or kept; ``--parts redraws`` times what a change nobody foresaw costs in the worker (a typed value):
each simulation redrawn after 0.2 s idle, as a learner's keys come.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import textwrap
import time
from pathlib import Path

COLS, ROWS = 120, 40
PARTS = ["launch", "study", "sims", "redraws"]
ROOT = Path(__file__).resolve().parents[2]
HELLO = textwrap.dedent(
    """
    from textual.app import App
    from textual.widgets import Static

    class Hello(App):
        def compose(self):
            yield Static("HELLO-PAINTED")

    Hello().run()
    """
)


HELLO_KEY = textwrap.dedent(
    """
    from textual.app import App
    from textual.widgets import Static

    class Hello(App):
        BINDINGS = [("3", "next")]
        count = 0

        def compose(self):
            yield Static("HELLO-PAINTED", id="text")

        def action_next(self):
            self.count += 1
            self.query_one("#text", Static).update(f"card {self.count} shows the answer")

    Hello().run()
    """
)


class Pty:
    """A child process on a pseudo-terminal of COLS x ROWS; ``expect`` waits for bytes in its output."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True
        )
        os.close(slave)
        self.master = master
        self.buffer = b""

    def send(self, data: bytes) -> float:
        self.buffer = b""
        os.write(self.master, data)
        return time.perf_counter()

    def expect(self, needle: bytes, count: int = 1, timeout: float = 30.0) -> float:
        """Read until ``needle`` occurs ``count`` times since the last send; the time it arrived."""
        deadline = time.perf_counter() + timeout
        while self.buffer.count(needle) < count:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no {needle!r} in the output; last bytes: {self.buffer[-300:]!r}")
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    self.buffer += os.read(self.master, 1 << 16)
                except OSError:
                    break
        return time.perf_counter()

    def settle(self, quiet: float = 0.15) -> None:
        """Read until the app has been silent for ``quiet`` seconds."""
        while True:
            ready, _, _ = select.select([self.master], [], [], quiet)
            if not ready:
                return
            try:
                os.read(self.master, 1 << 16)
            except OSError:
                return

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self.master)


def environment(home: Path) -> dict[str, str]:
    env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", HOME=str(home))
    env["XDG_DATA_HOME"] = str(home / "data")
    for key in ("COLUMNS", "LINES", "NO_COLOR", "TMUX"):
        env.pop(key, None)
    return env


def compile_source(tree: Path = ROOT) -> None:
    """Byte-compile the app's modules in ``tree``, as ``pip install`` does. Run from a source tree where
    Python writes no bytecode cache (``PYTHONDONTWRITEBYTECODE``, set on these machines), every start
    would compile each of its modules again, which an installed app never does (its reference, Textual,
    is installed and compiled)."""
    import compileall

    for package in ("studyapp", "sim"):
        compileall.compile_dir(tree / package, quiet=1)


def python_loop_s(runs: int = 3) -> float:
    """The machine's speed in the same run, to compare figures across machines (the shared ones vary by
    half): the median seconds of a plain Python loop of ten million additions."""
    times = []
    for _ in range(runs):
        started, total = time.perf_counter(), 0
        for step in range(10_000_000):
            total += step
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def say_machine_speed() -> None:
    print(f"machine speed: a 10M-step Python loop takes {python_loop_s():.2f} s (median of 3)")


def hello_first_paint(folder: Path) -> float:
    script = folder / "hello.py"
    script.write_text(HELLO)
    term = Pty([sys.executable, str(script)], environment(folder))
    try:
        return term.expect(b"HELLO-PAINTED") - term.started
    finally:
        term.close()


def hello_keypresses(folder: Path, presses: int) -> list[float]:
    """Key -> repaint in a hello-world app whose key binding updates one line of text."""
    script = folder / "hello_key.py"
    script.write_text(HELLO_KEY)
    env = environment(folder)
    env["TEXTUAL_FPS"] = "250"  # as the app runs
    term = Pty([sys.executable, str(script)], env)
    try:
        term.expect(b"HELLO-PAINTED")
        term.settle()
        times = []
        for _ in range(presses):
            sent = term.send(b"3")
            times.append(term.expect(b"shows the answer") - sent)
            term.settle(0.05)
        return times
    finally:
        term.close()


def prepared_db(folder: Path, new_per_day: int) -> Path:
    from studyapp.collection import open_collection

    db = folder / f"collection-{new_per_day}.sqlite3"
    with open_collection(db, user_dir=folder / "no-decks") as collection:
        collection.store.set_setting("new_per_day", new_per_day)
    return db


def app(folder: Path, db: Path) -> Pty:
    return Pty([sys.executable, "-m", "studyapp", "--db", str(db)], environment(folder))


def launch_to_home(folder: Path, db: Path) -> float:
    term = app(folder, db)
    try:
        return term.expect(b"reviews") - term.started  # "Today: N reviews" is painted with the counts
    finally:
        term.close()


def study_session(folder: Path, db: Path, ratings: int) -> tuple[float, list[float]]:
    """(study key -> first card, [rating -> next card]) in seconds."""
    term = app(folder, db)
    try:
        term.expect(b"reviews")
        term.settle()
        sent = term.send(b"s")
        first = term.expect(b"shows the answer") - sent
        term.settle()
        times = []
        for _ in range(ratings):
            term.send(b"\r")  # Enter shows the answer of every card (space types into a cloze's blank)
            term.expect(b"Good \xc2\xb7")
            term.settle(0.05)
            sent = term.send(b"3")
            try:
                times.append(term.expect(b"shows the answer", timeout=5) - sent)
            except TimeoutError:
                if b"Session complete" in term.buffer:
                    break  # every card was answered
                raise
            term.settle(0.05)
        return first, times
    finally:
        term.close()


def steps_through(name: str, changes: int) -> list[tuple[int, int]]:
    """``changes`` keypresses over every parameter that +/- can step: ``(parameter index, direction)``.

    Each parameter in turn is stepped one way and back (the way that changes it, at a range's end).
    """
    from sim.params import BoolParam, ChoiceParam, FloatParam, IntParam
    from sim.registry import spec

    declared = spec(name)
    values = dict(declared.defaults)
    steppable = [
        (index, param)
        for index, param in enumerate(declared.params)
        if isinstance(param, BoolParam | ChoiceParam | IntParam | FloatParam)
    ]
    presses = []
    for change in range(changes):
        index, param = steppable[(change // 2) % len(steppable)]
        value = values[param.name]
        direction = 1 if param.step(value, 1) != value else -1
        if change % 2:
            direction = presses[-1][1] * -1
        values[param.name] = param.step(value, direction)
        presses.append((index, direction))
    return presses


def simulation_frames(folder: Path, db: Path, index: int, name: str, changes: int) -> list[float]:
    """Parameter change -> plot repainted for simulation ``name`` (``index`` in the list), all parameters."""
    term = app(folder, db)
    try:
        term.expect(b"reviews")
        term.settle()
        term.send(b"m")
        term.expect(b"Simulations")
        term.settle()
        term.send(b"\x1b[B" * index + b"\r")
        term.expect(b"\xe2\x96\x80", count=200)  # the first plot: many half-block cells
        term.settle(0.3)
        from sim.registry import spec

        count = len(spec(name).params)
        times, current = [], 0
        for parameter, direction in steps_through(name, changes):
            if parameter != current:
                term.send(b"j" * ((parameter - current) % count))  # down (wrapping) to it: no recompute
                current = parameter
                term.settle(0.1)
            sent = term.send(b"\x1b[C" if direction > 0 else b"\x1b[D")  # right / left
            times.append(term.expect(b"\xe2\x96\x80", count=200) - sent)
            term.settle(0.2)
        return times
    finally:
        term.close()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ratings", type=int, default=40)
    parser.add_argument("--changes", type=int, default=20, help="parameter changes per simulation")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=PARTS, help="what to measure")
    parser.add_argument("--sims", nargs="+", metavar="NAME", help="only these simulations")
    args = parser.parse_args()
    from sim.registry import NAMES

    compile_source()
    say_machine_speed()
    folder = Path(tempfile.mkdtemp(prefix="studyapp-bench-"))
    try:
        db = prepared_db(folder, 9999)
        if "launch" in args.parts:
            launch_ratio(folder, db, args.runs)
        if "study" in args.parts:
            study(folder, args.ratings)
        if "sims" in args.parts:
            floor = statistics.median(hello_keypresses(folder, args.changes))
            print(f"hello-world key -> repaint     p50 {ms(floor)}   (Textual's own floor)")
        for index, name in enumerate(NAMES):
            if "sims" in args.parts and (args.sims is None or name in args.sims):
                frames = simulation_frames(folder, db, index, name, args.changes)
                middle = statistics.median(frames)
                slowest = statistics.quantiles(frames, n=100)[98]
                print(
                    f"{name:<22} change -> plot  p50 {ms(middle)}  p99 {ms(slowest)}"
                    f"   ratio {middle / floor:.2f}x  (target p50 <= 33 ms)"
                )
        if "redraws" in args.parts:
            for name in NAMES:
                if args.sims is None or name in args.sims:
                    middle = statistics.median(worker_redraws(name, args.changes))
                    print(f"{name:<22} redraw in the worker, not drawn ahead  p50 {ms(middle)}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def worker_redraws(name: str, changes: int, idle: float = 0.2) -> list[float]:
    """A frame the worker did not draw ahead: each +/- step drawn on the kept renderer, after ``idle``
    seconds (the machine's caches cool down between a learner's keys as they do here)."""
    from sim.registry import spec
    from studyapp.sim_worker import Worker

    worker, declared = Worker(), spec(name)
    values = dict(declared.defaults)
    request = {"op": "frame", "sim": name, "seed": 0, "width": 85, "height": 74, "cells": True, "dark": True}
    worker.reply({**request, "params": dict(values)})
    times = []
    for index, direction in steps_through(name, changes):
        param = declared.params[index]
        values[param.name] = param.step(values[param.name], direction)
        time.sleep(idle)
        started = time.perf_counter()
        worker.frames.draw_ahead({**request, "params": dict(values)})  # drawn, whether kept or not
        times.append(time.perf_counter() - started)
    return times


def launch_ratio(folder: Path, db: Path, runs: int) -> None:
    """Launch to Home against the hello-world app's first paint, interleaved."""
    hello, launch = [], []
    for _ in range(runs):  # interleaved, so load on the machine hits both alike
        hello.append(hello_first_paint(folder))
        launch.append(launch_to_home(folder, db))
    ref, home = statistics.median(hello), statistics.median(launch)
    print(f"hello-world first paint        median {ms(ref)}")
    print(f"studyapp launch -> Home        median {ms(home)}   ratio {home / ref:.2f}x  (target <= 1.5x)")


def study(folder: Path, ratings: int) -> None:
    """Study key -> first card, and rating -> next card."""
    first, rating = study_session(folder, prepared_db(folder, 9999), ratings)
    hello = hello_keypresses(folder, ratings)
    quantiles = statistics.quantiles(rating, n=100)
    floor = statistics.median(hello)
    print(f"study key -> first card                {ms(first)}   (target <= 50 ms)")
    print(f"hello-world key -> repaint     p50 {ms(floor)}   (Textual's own floor)")
    print(
        f"rating -> next card            p50 {ms(statistics.median(rating))}  p99 {ms(quantiles[98])}"
        f"   ratio {statistics.median(rating) / floor:.2f}x  (targets <= 2.0x / 17 ms)"
    )


if __name__ == "__main__":
    sys.exit(main())
