"""Benchmark: sim.optim against torch.optim, and the optimisation simulations' compute and plot times.

Run ``python tests/benchmarks/bench_optim.py``. Prints medians; ratios are against references
measured in the same run (torch.optim for the optimisers, the ``activations`` simulation for plots).
"""

from __future__ import annotations

import os

# One thread each for numpy and torch: two thread pools in one process stall each other.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

import sim
from sim.functions import Rosenbrock
from sim.optim import OPTIMIZERS, optimize
from sim.plotting import Renderer
from sim.spec import Result

SIMULATIONS = ("gradient-descent", "optimizers", "batching", "data-splits")
STEPS = 1000


def median_ms(fn: Callable[[], Any], repeats: int = 9) -> float:
    """Median wall time of ``fn`` in milliseconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def torch_run(name: str, grad: Callable[[np.ndarray], np.ndarray], lr: float) -> Callable[[], None]:
    import torch

    torch.set_num_threads(1)
    classes = {"sgd": "SGD", "momentum": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam"}
    hyper = {"momentum": 0.9} if name == "momentum" else {}

    def run() -> None:
        param = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
        opt = getattr(torch.optim, classes[name])([param], lr=lr, **hyper)
        for _ in range(STEPS):
            opt.zero_grad()
            param.grad = torch.from_numpy(grad(param.detach().numpy().copy()))
            opt.step()

    return run


def bench_optimizers() -> None:
    function = Rosenbrock()
    try:
        import torch  # noqa: F401

        have_torch = True
    except ImportError:
        have_torch = False
    print(f"optimize(), {STEPS} steps on 2-D Rosenbrock (median ms):")
    for name in OPTIMIZERS:
        ours = median_ms(partial(optimize, name, function.gradient, [-1.2, 1.0], 1e-4, STEPS))
        line = f"  {name:9s} sim.optim {ours:7.2f}"
        if have_torch:
            theirs = median_ms(torch_run(name, function.gradient, 1e-4))
            line += f"   torch.optim {theirs:7.2f}   ratio {ours / theirs:5.2f}"
        print(line)


def render_fresh(result: Result) -> None:
    """Draw ``result`` on a new 480x240 figure, as a screen does when it opens."""
    Renderer(480, 240).render(result)


def bench_simulations() -> None:
    reference = sim.run("activations")
    ref_fresh = median_ms(partial(render_fresh, reference))
    ref_redraw = median_ms(partial(Renderer(480, 240).render, reference))
    print(f"\nreference 'activations' at 480x240: fresh {ref_fresh:.1f} ms, redraw {ref_redraw:.1f} ms")
    print("simulation          compute   fresh (ratio)   redraw (ratio)   [ms at 480x240, dark]")
    for name in SIMULATIONS:
        compute = median_ms(partial(sim.run, name))
        result = sim.run(name)
        fresh = median_ms(partial(render_fresh, result))
        redraw = median_ms(partial(Renderer(480, 240).render, result))
        print(
            f"{name:18s} {compute:8.2f} {fresh:8.1f} ({fresh / ref_fresh:4.2f})"
            f" {redraw:8.1f} ({redraw / ref_redraw:4.2f})"
        )


if __name__ == "__main__":
    bench_optimizers()
    bench_simulations()
