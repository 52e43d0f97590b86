"""Benchmark: ``sim.mlp_gradients`` against PyTorch autograd (forward + backward, float64, one thread).

Run with ``python tests/benchmarks/bench_mlp.py``. Prints the median time of each and the ratio
numpy / torch for the 20-layer, width-64, batch-128 network (target: ratio <= 1.2).
"""

from __future__ import annotations

import os

# One BLAS thread for numpy and one intra-op thread for torch, before either is imported:
# two thread pools competing for two cores stall each other.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from functools import partial  # noqa: E402

import numpy as np  # noqa: E402

from sim.networks import mlp_gradients  # noqa: E402

LAYERS, WIDTH, BATCH = 20, 64, 128
REPEATS, ROUNDS = 20, 15


def round_seconds(fn: Callable[[], object]) -> float:
    """Mean time of REPEATS calls."""
    start = time.perf_counter()
    for _ in range(REPEATS):
        fn()
    return (time.perf_counter() - start) / REPEATS


def medians(*fns: Callable[[], object]) -> list[float]:
    """Median round time of each function, rounds interleaved so that load drift hits all alike."""
    for fn in fns:
        fn()
        fn()
    rounds: list[list[float]] = [[] for _ in fns]
    for _ in range(ROUNDS):
        for fn, times in zip(fns, rounds, strict=True):
            times.append(round_seconds(fn))
    return [statistics.median(times) for times in rounds]


def main() -> None:
    rng = np.random.default_rng(0)
    weights = [rng.normal(0.0, 1.0 / np.sqrt(WIDTH), (WIDTH, WIDTH)) for _ in range(LAYERS)]
    biases = [rng.normal(0.0, 0.1, WIDTH) for _ in range(LAYERS)]
    x = rng.normal(size=(BATCH, WIDTH))
    y = rng.normal(size=(BATCH, WIDTH))

    cases = [("tanh", False), ("relu", False), ("sigmoid", True)]

    def numpy_step(act_name: str, residual: bool) -> None:
        mlp_gradients(weights, biases, x, y, act_name, residual=residual)

    print(f"mlp_gradients: {LAYERS} layers, width {WIDTH}, batch {BATCH}, float64, one thread")
    try:
        import torch
    except ImportError:
        for case in cases:
            (seconds,) = medians(partial(numpy_step, *case))
            print(f"  numpy {case[0]:8s} residual={case[1]!s:5s} median {seconds * 1e3:7.3f} ms")
        print("torch is not installed: skipping the comparison (pip install 'studyapp[bench]')")
        return

    torch.set_num_threads(1)
    tw = [torch.tensor(w, requires_grad=True) for w in weights]
    tb = [torch.tensor(b, requires_grad=True) for b in biases]
    tx, ty = torch.tensor(x), torch.tensor(y)
    acts = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}

    def torch_step(act_name: str, residual: bool) -> None:
        act = acts[act_name]
        h = tx
        for w, b in zip(tw[:-1], tb[:-1], strict=True):
            a = act(torch.nn.functional.linear(h, w, b))
            h = h + a if residual else a
        loss = torch.nn.functional.mse_loss(torch.nn.functional.linear(h, tw[-1], tb[-1]), ty)
        torch.autograd.grad(loss, [*tw, *tb])

    print(f"{'case':24s} {'numpy ms':>9s} {'torch ms':>9s} {'ratio':>7s}")
    for case in cases:
        seconds, reference = medians(partial(numpy_step, *case), partial(torch_step, *case))
        label = f"{case[0]}{' residual' if case[1] else ''}"
        print(f"{label:24s} {seconds * 1e3:9.3f} {reference * 1e3:9.3f} {seconds / reference:7.2f}")


if __name__ == "__main__":
    main()
