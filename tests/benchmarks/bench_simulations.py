"""Every simulation's compute and plot times.

    python tests/benchmarks/bench_simulations.py [--repeat 7]

Targets (simulation-library issue): compute at the defaults <= 50 ms; plot to RGBA <= 40 ms on a
fresh figure and <= 20 ms for a redraw after a parameter change. Compute is timed as a first run
(remembered training runs forgotten, ``sim.memo``). Plots are timed as the live terminal view draws
them (172x148 px, text as cells, axes and artists kept between redraws) and as a 480x240 figure with
its text. The reference, measured in the same run, is one line on one fresh axes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

import sim
from sim import memo, plotting
from sim.params import BoolParam, ChoiceParam, FloatParam, IntParam, Param
from sim.spec import Result

LIVE = (172, 148)
FULL = (480, 240)
CELL = (2, 4)  # a terminal cell in the live view's pixels


def median_ms(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def changed(param: Param, value: object) -> object:
    """A neighbouring value, as one keypress in the app gives."""
    if isinstance(param, BoolParam | ChoiceParam | IntParam | FloatParam):
        return param.step(value, 1 if param.step(value, 1) != value else -1)
    return value


def plot_times(
    defaults: Result, other: Result, size: tuple[int, int], cells: tuple[int, int] | None, repeat: int
) -> list[float]:
    """(fresh figure, redraw after a parameter change) for one plot size; with ``cells``, as the terminal
    draws it (text taken out and placed on the cell grid)."""
    fresh = median_ms(lambda: plotting.Renderer(*size, cells=cells).render(defaults), repeat)
    renderer = plotting.Renderer(*size, cells=cells)
    renderer.render(defaults)
    alternating = [other, defaults]

    def redraw() -> None:
        alternating.reverse()
        renderer.render(alternating[0])

    return [fresh, median_ms(redraw, repeat)]


def first_run(name: str) -> None:
    """A run with nothing remembered from earlier runs (training runs are remembered by their inputs)."""
    memo.forget_all()
    sim.run(name)


def reference(repeat: int) -> float:
    def one_line() -> None:
        fig = plotting.new_figure(*FULL)
        fig.add_subplot().plot(np.arange(100.0))
        plotting.to_rgba(fig)

    return median_ms(one_line, repeat)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    ref = reference(args.repeat)
    print(f"reference: one line on fresh axes, 480x240: {ref:6.1f} ms\n")
    header = "simulation            compute   live fresh  live redraw   full fresh  full redraw"
    print(header + "\n" + "-" * len(header))
    worst = {"compute": 0.0, "fresh": 0.0, "redraw": 0.0}
    for name in sim.NAMES:
        spec = sim.spec(name)
        defaults = sim.run(name)
        first = spec.params[0]
        other = sim.run(name, {first.name: changed(first, spec.defaults[first.name])})
        compute = median_ms(lambda name=name: first_run(name), args.repeat)  # type: ignore[misc]
        row = [
            compute,
            *plot_times(defaults, other, LIVE, CELL, args.repeat),
            *plot_times(defaults, other, FULL, None, args.repeat),
        ]
        worst["compute"] = max(worst["compute"], row[0])
        worst["fresh"] = max(worst["fresh"], row[1])
        worst["redraw"] = max(worst["redraw"], row[2])
        print(
            f"{name:<20} {row[0]:7.1f}   {row[1]:9.1f}  {row[2]:10.1f}   {row[3]:10.1f}  {row[4]:11.1f}   ms"
        )
    print(
        f"\nworst: compute {worst['compute']:.1f} ms (target 50), live fresh {worst['fresh']:.1f} ms "
        f"(target 40, {worst['fresh'] / ref:.1f}x reference), live redraw {worst['redraw']:.1f} ms "
        f"(target 20, {worst['redraw'] / ref:.1f}x reference)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
