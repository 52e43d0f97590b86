"""Benchmark sim.conv against torch and scipy on a 256x256 float64 map, one thread each.

Run: python tests/benchmarks/bench_conv.py
Targets: conv2d 3x3 at most 1.5x torch and at least 4x faster than scipy.signal.correlate2d;
pool2d 2x2 max and avg no slower than torch. torch rows are skipped when torch is not installed.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_variable] = "1"  # before numpy loads: one BLAS thread, so numpy and torch don't fight

import statistics  # noqa: E402
import timeit  # noqa: E402
from collections.abc import Callable  # noqa: E402
from functools import partial  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from scipy.signal import correlate2d  # noqa: E402

from sim.conv import conv2d, pool2d  # noqa: E402

SIZE = 256
ROUNDS = 21
BATCH_SECONDS = 0.01


def medians_us(calls: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """Median microseconds per call of each callable, timed in interleaved rounds.

    Interleaving keeps the ratios fair on a shared machine: a burst of load hits every callable alike.
    """
    numbers = {}
    for name, call in calls.items():
        once = timeit.timeit(call, number=3) / 3
        numbers[name] = max(1, int(BATCH_SECONDS / max(once, 1e-9)))
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(ROUNDS):
        for name, call in calls.items():
            samples[name].append(timeit.timeit(call, number=numbers[name]) / numbers[name] * 1e6)
    return {name: statistics.median(values) for name, values in samples.items()}


def load_torch() -> Any:
    try:
        import torch
    except ImportError:
        print("torch is not installed: skipping the torch rows (pip install torch to compare)")
        return None
    torch.set_num_threads(1)
    return torch


def report(label: str, times: dict[str, float], checks: list[tuple[str, float, str]]) -> None:
    """Print one benchmark's medians and each (reference, target ratio, description) check."""
    print(label)
    for name, value in times.items():
        print(f"    {name:<28} {value:9.1f} us")
    ours = times["sim.conv"]
    for reference, target, text in checks:
        if reference not in times:
            print(f"    vs {reference}: skipped")
            continue
        ratio = ours / times[reference]
        verdict = "ok" if ratio <= target else "MISSED"
        print(f"    sim.conv / {reference} = {ratio:.2f}  ({text}: {verdict})")


def main() -> None:
    torch = load_torch()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((SIZE, SIZE))
    print(f"{SIZE}x{SIZE} float64, one thread, medians of {ROUNDS} interleaved rounds\n")
    x_t = torch.from_numpy(x)[None, None] if torch is not None else None

    for k, padding in ((3, 0), (3, 1), (5, 2)):
        kernel = rng.standard_normal((k, k))
        calls: dict[str, Callable[[], Any]] = {"sim.conv": partial(conv2d, x, kernel, padding=padding)}
        checks = []
        if torch is not None:
            k_t = torch.from_numpy(kernel)[None, None]
            conv = torch.nn.functional.conv2d
            calls["torch"] = partial(conv, x_t, k_t, padding=padding)
            checks.append(("torch", 1.5, "target <= 1.5"))
        if padding == 0:
            calls["scipy"] = partial(correlate2d, x, kernel, mode="valid")
            checks.append(("scipy", 0.25, "target <= 0.25, at least 4x faster"))
        report(f"conv2d {k}x{k}, padding {padding}", medians_us(calls), checks)

    for kind in ("max", "avg"):
        calls = {"sim.conv": partial(pool2d, x, 2, kind=kind)}
        checks = []
        if torch is not None:
            functional = torch.nn.functional
            pooling = functional.max_pool2d if kind == "max" else functional.avg_pool2d
            calls["torch"] = partial(pooling, x_t, 2)
            checks.append(("torch", 1.0, "target <= 1"))
        report(f"pool2d 2x2 {kind}", medians_us(calls), checks)


if __name__ == "__main__":
    main()
