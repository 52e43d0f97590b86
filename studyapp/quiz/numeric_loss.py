"""Numeric questions about losses: log-sum-exp of large logits, softmax probabilities, cross-entropy."""

from __future__ import annotations

import math

import numpy as np

import sim
from studyapp.quiz.numbers import TWO_DECIMALS
from studyapp.quiz.numeric_base import (
    SIGNIFICANT,
    Numeric,
    NumericKind,
    answer,
    fixed,
    pick,
    power,
    shown,
    significant,
    vector,
)

LARGE_LOGITS = (100.0, 500.0, 800.0, 1000.0, -800.0, -1000.0)
SMALL_LOGITS = tuple(np.arange(-2.0, 3.5, 0.5).tolist())
BINARY_LOGITS = tuple(np.arange(-6.0, 6.5, 0.5).tolist())
CE_ASKS = ("ce_loss", "ce_gradient", "mse_gradient")


def _naive_logsumexp(x: np.ndarray) -> float:
    """log(sum(exp(x))) exactly as written: overflows to inf or underflows to -inf for large logits."""
    with np.errstate(over="ignore", divide="ignore", under="ignore"):
        return float(np.log(np.sum(np.exp(x))))


def log_sum_exp(rng: np.random.Generator, seed: int) -> Numeric:
    """log(sum(exp(x))) of a few large logits (sim.logsumexp)."""
    base = float(pick(rng, LARGE_LOGITS))
    count = int(rng.integers(2, 5))
    x = base + rng.integers(-3, 1, count).astype(np.float64)
    x[0] = base
    value = float(sim.logsumexp(x))
    naive = _naive_logsumexp(x)
    broke = "overflows to inf" if naive > 0 else "underflows: the sum is 0 and its log −inf"
    top = float(np.max(x))
    candidates = [
        ("took only the largest logit (left out the other terms)", top),
        ("forgot to add the maximum back", float(sim.logsumexp(x - top))),
        (f"computed it as written: exp {broke} (subtract the maximum first)", naive),
    ]
    terms = " + ".join(power("e", v) for v in x)
    return Numeric(
        prompt=f"What is log({terms})? (to 2 decimal places; the natural log)",
        value=value,
        params={"logits": x.tolist()},
        sim="log-sum-exp",
        sim_params={
            "scale": abs(base),
            "logits": count,
            "dtype": "float64",
            "sign": "positive" if base > 0 else "negative",
        },
        mistakes=tuple(candidates),
        explanation=(
            f"Take out the maximum m = {shown(top)}: m + log(sum(e^(x − m))) = {shown(top)} + "
            f"{fixed(value - top)} = {fixed(value)}."
        ),
        tolerance=TWO_DECIMALS,
    )


def softmax_probability(rng: np.random.Generator, seed: int) -> Numeric:
    """One softmax probability of three small logits (sim.softmax)."""
    x = np.array([pick(rng, SMALL_LOGITS) for _ in range(3)], dtype=np.float64)
    k = int(rng.integers(3))
    probabilities = sim.softmax(x)
    value = float(probabilities[k])
    total = float(np.sum(x))
    candidates = [
        ("used a sigmoid of that logit instead", float(sim.nn.sigmoid(x[k])[0])),
        ("gave the largest probability instead", float(np.max(probabilities))),
    ]
    if total != 0:
        candidates.append(("divided the logit by the sum of the logits (no exponentials)", x[k] / total))
    return Numeric(
        prompt=f"The logits are {vector(x)}. What is the softmax probability of class {k + 1}? "
        f"({SIGNIFICANT})",
        value=value,
        params={"logits": x.tolist(), "class": k + 1},
        sim="log-sum-exp",
        sim_params={
            "scale": max(float(np.max(np.abs(x))), 1.0),
            "logits": 3,
            "dtype": "float64",
            "sign": "mixed",
        },
        mistakes=tuple(candidates),
        explanation=f"{power('e', x[k])} / ({' + '.join(power('e', v) for v in x)}) = {significant(value)}",
    )


def binary_cross_entropy(rng: np.random.Generator, seed: int) -> Numeric:
    """A loss or a gradient with respect to the logit, from the cross-entropy simulation."""
    z = float(pick(rng, BINARY_LOGITS))
    y = int(rng.integers(2))
    asked = str(pick(rng, CE_ASKS))
    params = {"logit": z, "target": y}
    result = sim.run("cross-entropy", params)
    value = answer(result, asked)
    p = answer(result, "probability")
    ce, mse = answer(result, "ce_gradient"), answer(result, "mse_gradient")
    if asked == "ce_loss":
        picked = p if y == 1 else 1.0 - p
        candidates = [
            ("forgot the minus sign", math.log(picked)),
            ("used log base 10", -math.log10(picked)),
            ("took the probability of the other class", -math.log(1.0 - picked)),
        ]
        what = "the cross-entropy loss −log p(true class) (natural log)"
        explanation = (
            f"p = σ({shown(z)}) = {significant(p)}; the loss is −log {significant(picked)} = "
            f"{significant(value)}."
        )
    elif asked == "ce_gradient":
        candidates = [
            ("got the sign wrong (y − p instead of p − y)", y - p),
            ("gave the squared-error gradient", mse),
        ]
        what = "dL/dz, the gradient of the cross-entropy loss with respect to the logit"
        explanation = f"For cross-entropy dL/dz = p − y = {significant(p)} − {y} = {significant(value)}."
    else:
        candidates = [
            ("forgot the sigmoid's slope p(1 − p)", 2.0 * (p - y)),
            ("forgot the factor 2 of the square", (p - y) * p * (1.0 - p)),
            ("gave the cross-entropy gradient", ce),
        ]
        what = "dL/dz for the squared error L = (p − y)² after the sigmoid"
        explanation = (
            f"dL/dz = 2(p − y)·p(1 − p) with p = {significant(p)}: {significant(value)}, "
            "tiny when p saturates."
        )
    return Numeric(
        prompt=(
            f"A binary classifier outputs the logit z = {shown(z)}, so p = σ(z) is its probability of "
            f"class 1; the true class is y = {y}. What is {what}? ({SIGNIFICANT})"
        ),
        value=value,
        params={**params, "asked": asked},
        sim="cross-entropy",
        sim_params=params,
        mistakes=tuple(candidates),
        explanation=explanation,
    )


KINDS = (
    NumericKind(
        "log-sum-exp", "Log-sum-exp of large logits", ("log-sum-exp",), log_sum_exp, ("log-sum-exp",)
    ),
    NumericKind(
        "softmax-probability",
        "A softmax probability",
        ("log-sum-exp", "cross-entropy"),
        softmax_probability,
        ("softmax", "log-sum-exp", "cross-entropy"),
    ),
    NumericKind(
        "cross-entropy",
        "Cross-entropy loss and gradients",
        ("cross-entropy",),
        binary_cross_entropy,
        ("cross-entropy", "loss"),
    ),
)
