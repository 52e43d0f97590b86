"""Naive and stable log-sum-exp and softmax as the logits grow, in float32 and float64."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.nn import logsumexp, softmax
from sim.plotting import is_compact, quiet_log_axis
from sim.spec import Result

DTYPES = {"float32": np.float32, "float64": np.float64}
SWEEP = np.logspace(0.0, 5.0, 101)
BISECTIONS = 60
COLORS = {"float32": "#f28e2b", "float64": "#4e9af1"}


def pattern(count: int, sign: str, rng: np.random.Generator) -> np.ndarray:
    """Logits for scale 1: the largest is exactly 1 (mixed, positive) or -1/2 (negative)."""
    if sign == "mixed":
        u = rng.uniform(-1.0, 1.0, count)
        u[0] = 1.0
    elif sign == "positive":
        u = rng.uniform(0.5, 1.0, count)
        u[0] = 1.0
    else:
        u = rng.uniform(-1.0, -0.5, count)
        u[0] = -0.5
    return u


def naive(logits: np.ndarray, dtype: str) -> tuple[float, np.ndarray]:
    """log(sum(exp(x))) and exp(x) / sum(exp(x)) exactly as written, in ``dtype``."""
    x = logits.astype(DTYPES[dtype])
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        e = np.exp(x)
        total = e.sum()
        return float(np.log(total)), (e / total).astype(np.float64)


def fails(logits: np.ndarray, dtype: str) -> bool:
    """Whether the naive formulas give inf, -inf or nan."""
    lse, probabilities = naive(logits, dtype)
    return not (math.isfinite(lse) and np.isfinite(probabilities).all())


def failure_scale(u: np.ndarray, dtype: str) -> float:
    """The smallest scale at which the naive formulas fail, by bisection on a log scale."""
    low, high = 0.0, math.log(SWEEP[-1]) + 5.0
    if fails(u, dtype):
        return 1.0
    for _ in range(BISECTIONS):
        middle = 0.5 * (low + high)
        low, high = (low, middle) if fails(math.exp(middle) * u, dtype) else (middle, high)
    return math.exp(high)


def compute(params: dict[str, Any], rng: np.random.Generator) -> Result:
    u = pattern(params["logits"], params["sign"], rng)
    logits = params["scale"] * u
    _, naive_probabilities = naive(logits, params["dtype"])
    probabilities = softmax(logits)
    # The naive curves hold inf, -inf or nan wherever the formula failed.
    curves = {dtype: np.array([naive(s * u, dtype)[0] for s in SWEEP]) for dtype in DTYPES}
    return Result(
        sim="log-sum-exp",
        params=dict(params),
        answers={
            "stable_lse": float(logsumexp(logits)),
            "naive_failed": fails(logits, params["dtype"]),
            "failure_scale_float32": failure_scale(u, "float32"),
            "failure_scale_float64": failure_scale(u, "float64"),
            "max_logit": float(logits.max()),
            "top_probability": float(probabilities.max()),
        },
        data={
            "u": u,
            "stable_curve": logsumexp(SWEEP[:, None] * u, axis=1),
            "naive_curves": curves,
            "probabilities": probabilities,
            "naive_probabilities": naive_probabilities,
        },
    )


def plot(fig: Figure, result: Result) -> None:
    small = is_compact(fig)
    sweep, bars = fig.subplots(1, 2)
    sweep.plot(SWEEP, result.data["stable_curve"], color="#888888", linewidth=5.0, alpha=0.6, label="stable")
    for dtype, width in (("float64", 3.0), ("float32", 1.5)):
        curve = result.data["naive_curves"][dtype]
        sweep.plot(SWEEP, np.where(np.isfinite(curve), curve, np.nan), color=COLORS[dtype], linewidth=width,
                   label=f"naive {dtype}")  # fmt: skip
        broken = result.answers[f"failure_scale_{dtype}"]
        at = float(logsumexp(broken * result.data["u"]))
        sweep.plot([broken], [at], "X", color=COLORS[dtype], markersize=10, markeredgecolor="#e15759")
    sweep.axvline(result.params["scale"], color="#e15759", linewidth=1.2)
    sweep.set_xscale("log")
    if result.data["stable_curve"].min() > 0:
        sweep.set_yscale("log")
    else:
        sweep.set_yscale("symlog", linthresh=1.0)
    quiet_log_axis(sweep)
    sweep.set_title("log-sum-exp" if small else "log-sum-exp as the logits grow")

    order = np.argsort(result.data["probabilities"])[::-1]
    ranks = np.arange(order.size + 1)
    bars.stairs(
        result.data["probabilities"][order], ranks, fill=True, color="#888888", alpha=0.6, label="stable"
    )
    dtype = str(result.params["dtype"])
    if result.answers["naive_failed"]:
        bars.set_title(
            "naive softmax: nan" if small else f"softmax: naive {dtype} gives nan", color="#e15759"
        )
    else:
        naive_probabilities = result.data["naive_probabilities"][order]
        bars.plot(ranks[:-1] + 0.5, naive_probabilities, "o", color=COLORS[dtype], label=f"naive {dtype}")
        bars.set_title("softmax" if small else f"softmax at scale {result.params['scale']:g}")
    bars.set_ylim(0.0, 1.05)
    bars.locator_params(nbins=4, integer=True)
    if not small:
        sweep.legend(loc="best")
        sweep.set_xlabel("scale (largest |logit|)")
        bars.set_xlabel("logits, largest probability first")
        bars.legend(loc="best")
