"""Naive and stable log-sum-exp and softmax as the logits grow, in float32 and float64."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.nn import log_softmax, logsumexp, softmax
from sim.spec import Result

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.patches import StepPatch

    from sim.layout import Layout


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


def naive_failure(logits: np.ndarray, dtype: str) -> str:
    """What goes wrong in the naive softmax of ``logits`` in ``dtype``, or "" if nothing does."""
    x = logits.astype(DTYPES[dtype])
    with np.errstate(over="ignore", under="ignore"):
        e = np.exp(x)
    if not np.isfinite(e).all():
        return f"exp({float(x.max()):.4g}) = inf in {dtype}: inf / inf = nan"
    if float(e.sum()) == 0.0:
        return f"every exp(x) underflows to 0 in {dtype}: 0 / 0 = nan"
    return ""


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
            "log10_probabilities": log_softmax(logits) / math.log(10.0),
            "naive_probabilities": naive_probabilities,
        },
    )


#: Digits and minus as superscripts: powers of ten as plain text (mathtext costs milliseconds a label).
SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _power_of_ten(exponent: float, _position: object) -> str:
    return "10" + f"{exponent:g}".translate(SUPERSCRIPTS)


def _log_tick(value: float, _position: object) -> str:
    """A log axis' tick as plain text: ``10³``, ``-10²``, ``0``."""
    if value == 0:
        return "0"
    exponent = math.log10(abs(value))
    if abs(exponent - round(exponent)) > 1e-9:
        return f"{value:g}"
    return ("-" if value < 0 else "") + _power_of_ten(round(exponent), None)


def plot(layout: Layout, result: Result) -> None:
    from sim.plotting import is_compact, quiet_log_axis

    small = is_compact(layout.figure)
    sweep, bars = layout.subplots(1, 2)
    stable = result.data["stable_curve"]
    layout.line(sweep, SWEEP, stable, color="#888888", linewidth=5.0, alpha=0.6, label="stable")
    for dtype, width in (("float64", 3.0), ("float32", 1.5)):
        curve = result.data["naive_curves"][dtype]
        layout.line(sweep, SWEEP, np.where(np.isfinite(curve), curve, np.nan), color=COLORS[dtype],
                    linewidth=width, label=f"naive {dtype}")  # fmt: skip
        broken = result.answers[f"failure_scale_{dtype}"]
        at = float(logsumexp(broken * result.data["u"]))
        layout.line(sweep, [broken], [at], marker="X", linestyle="None", color=COLORS[dtype], markersize=10,
                    markeredgecolor="#e15759")  # fmt: skip
    layout.axline(sweep, float(result.params["scale"]), vertical=True, color="#e15759", linewidth=1.2)
    sweep.set_xscale("log")  # after the curves: the view is fitted to them in the scale's terms
    if stable.min() > 0:
        sweep.set_yscale("log")
    else:
        sweep.set_yscale("symlog", linthresh=1.0)
    quiet_log_axis(sweep)
    sweep.xaxis.set_major_formatter(_log_tick)
    sweep.yaxis.set_major_formatter(_log_tick)
    sweep.set_title("log-sum-exp" if small else "log-sum-exp as the logits grow")
    sweep.set_xlabel("scale" if small else "scale (largest |logit|)")
    sweep.set_ylabel("log-sum-exp")
    if not small:  # on a terminal-sized figure a legend hides the curves; its entries are listed
        layout.legend(sweep, loc="best")
    _softmax(layout, bars, result, small)


def _softmax(layout: Layout, ax: Axes, result: Result, small: bool) -> None:
    """The stable softmax on a log scale, largest first, with the naive one's values or its failure.

    The heights are log10 of the probabilities, computed as log-softmax (so that even the smallest
    probability, far below what a float can hold, has its exact place) on a linear axis ticked at
    powers of ten.
    """
    from matplotlib.ticker import MaxNLocator

    from sim.layout import request_autoscale

    order = np.argsort(result.data["probabilities"])[::-1]
    logs = result.data["log10_probabilities"][order]
    ranks = np.arange(order.size + 1)
    span = max(float(-logs.min()), 1.0)
    floor = float(logs.min()) - 0.08 * span

    def restep(patch: StepPatch) -> None:  # as ``stairs`` adds it
        patch.set_data(logs, ranks, baseline=floor)
        ax.add_patch(patch)
        patch.sticky_edges.y[:] = [floor]
        ax.update_datalim([(ranks[0], floor)])
        request_autoscale(ax)

    def stairs() -> StepPatch:
        return ax.stairs(logs, ranks, baseline=floor, fill=True, color="#888888", alpha=0.6, label="stable")

    layout.artist(ax, "stairs", stairs, restep)
    dtype = str(result.params["dtype"])
    failure = naive_failure(result.params["scale"] * result.data["u"], dtype)
    if failure:
        layout.text(
            ax, 0.97, 0.96, f"naive: {failure}" if not small else f"naive {dtype}: nan",
            transform=ax.transAxes, ha="right", va="top", color="#e15759",
            fontsize="x-small" if small else "small", wrap=not small,
        )  # fmt: skip
        ax.set_title("naive softmax: nan" if small else f"softmax: naive {dtype} gives nan", color="#e15759")
    else:
        naive = result.data["naive_probabilities"][order]
        with np.errstate(divide="ignore"):
            heights = np.where(naive > 0, np.log10(np.where(naive > 0, naive, 1.0)), np.nan)
        layout.line(ax, ranks[:-1] + 0.5, heights, marker="o", linestyle="None", color=COLORS[dtype],
                    label=f"naive {dtype}")  # fmt: skip
        ax.set_title("softmax" if small else f"softmax at scale {result.params['scale']:g}")
    ax.set_xlim(0, order.size)
    ax.set_ylim(floor, 0.08 * span)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.yaxis.set_major_formatter(_power_of_ten)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.set_xlabel("logit, most probable first")
    ax.set_ylabel("probability (log scale)")
    if not small:
        layout.legend(ax, loc="lower left")
