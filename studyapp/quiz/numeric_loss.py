"""Numeric questions about losses: log-sum-exp of large logits, softmax probabilities, cross-entropy."""

from __future__ import annotations

import math

import numpy as np

import sim
from studyapp.quiz.numbers import TWO_DECIMALS
from studyapp.quiz.numeric_base import (
    FULL,
    MINUS,
    SIGNIFICANT,
    Numeric,
    NumericKind,
    Step,
    answer,
    exact,
    factor,
    pick,
    plus,
    power,
    shown,
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
            "Subtracting the largest logit m first keeps every exponential between 0 and 1, so nothing "
            "overflows or underflows; adding m back gives the exact result."
        ),
        tolerance=TWO_DECIMALS,
        solution=log_sum_exp_steps(x, value),
    )


def log_sum_exp_steps(x: np.ndarray, value: float) -> tuple[Step, ...]:
    """log Σ e^xᵢ with the maximum taken out: each e^(xᵢ − m), their sum, its log, and m added back."""
    top = float(np.max(x))
    shifted = [float(v - top) for v in x]
    exps = [math.exp(d) for d in shifted]
    summed = math.fsum(exps)
    log_sum = math.log(summed)
    label = "log Σ e^xᵢ"
    formula = "m + log Σ e^(xᵢ − m)"
    return (
        Step(label, formula, f"{shown(top)} + log({' + '.join(power('e', d) for d in shifted)})", value),
        Step("m", "max xᵢ", f"max({', '.join(shown(v) for v in x)})", top),
        *(
            Step(f"e^(x{i + 1} − m)", "", power("e", d), e)
            for i, (d, e) in enumerate(zip(shifted, exps, strict=True))
        ),
        Step("Σ e^(xᵢ − m)", "", " + ".join(exact(e) for e in exps), summed),
        Step("log Σ e^(xᵢ − m)", "", f"log {exact(summed)}", log_sum),
        Step(label, formula, f"{shown(top)} {plus(log_sum, FULL)}", value),
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
    exps = [math.exp(v) for v in x]
    summed = math.fsum(exps)
    label, formula = f"p{k + 1}", f"e^x{k + 1} / Σ e^xᵢ"
    solution = (
        Step(label, formula, f"{power('e', x[k])} / ({' + '.join(power('e', v) for v in x)})", value),
        *(Step(f"e^x{i + 1}", "", power("e", v), e) for i, (v, e) in enumerate(zip(x, exps, strict=True))),
        Step("Σ e^xᵢ", "", " + ".join(exact(e) for e in exps), summed),
        Step(label, formula, f"{exact(exps[k])} / {exact(summed)}", value),
    )
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
        explanation=(
            "Softmax exponentiates every logit and divides by the sum, so the probabilities are positive "
            "and add up to 1."
        ),
        solution=solution,
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
            "Cross-entropy is −log of the probability given to the true class: near 0 when the model is "
            "confidently right, large when it is confidently wrong."
        )
    elif asked == "ce_gradient":
        candidates = [
            ("got the sign wrong (y − p instead of p − y)", y - p),
            ("gave the squared-error gradient", mse),
        ]
        what = "dL/dz, the gradient of the cross-entropy loss with respect to the logit"
        explanation = (
            "With a sigmoid and cross-entropy the gradient with respect to the logit is simply p − y: it "
            "stays large while the prediction is confidently wrong."
        )
    else:
        candidates = [
            ("forgot the sigmoid's slope p(1 − p)", 2.0 * (p - y)),
            ("forgot the factor 2 of the square", (p - y) * p * (1.0 - p)),
            ("gave the cross-entropy gradient", ce),
        ]
        what = "dL/dz for the squared error L = (p − y)² after the sigmoid"
        explanation = (
            "After a sigmoid, the squared error's gradient carries the sigmoid's slope p(1 − p), so it is "
            "tiny when p saturates, even when the prediction is wrong."
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
        solution=cross_entropy_steps(z, y, asked, p, value),
    )


def cross_entropy_steps(z: float, y: int, asked: str, p: float, value: float) -> tuple[Step, ...]:
    """p = σ(z) first, then the loss −log p(true class), or the gradient p − y, or 2(p − y)·p(1 − p)."""
    sigma = f"σ({shown(z)})"
    probability = Step("p = σ(z)", "1/(1 + e^(−z))", f"1/(1 + {power('e', -z)})", p)
    if asked == "ce_loss":
        picked = p if y == 1 else 1.0 - p
        formula = "−log σ(z)" if y == 1 else f"−log(1 {MINUS} σ(z))"
        start = f"{MINUS}log {sigma}" if y == 1 else f"{MINUS}log(1 {MINUS} {sigma})"
        middle = [] if y == 1 else [Step("1 − p", "", f"1 {MINUS} {exact(p)}", picked)]
        return (
            Step("L", formula, start, value),
            probability,
            *middle,
            Step("L", "−log p(true class)", f"{MINUS}log {exact(picked)}", value),
        )
    if asked == "ce_gradient":
        return (
            Step("dL/dz", "σ(z) − y", f"{sigma} {MINUS} {y}", value),
            probability,
            Step("dL/dz", "p − y", f"{exact(p)} {MINUS} {y}", value),
        )
    error, slope = p - y, p * (1.0 - p)
    return (
        Step(
            "dL/dz", "2(σ(z) − y)·σ(z)(1 − σ(z))", f"2({sigma} {MINUS} {y})·{sigma}(1 {MINUS} {sigma})", value
        ),
        probability,
        Step("p − y", "", f"{exact(p)} {MINUS} {y}", error),
        Step("σ′(z) = p(1 − p)", "", f"{exact(p)}·(1 {MINUS} {exact(p)})", slope),
        Step("dL/dz", "2(p − y)·p(1 − p)", f"2·{factor(error, FULL)}·{factor(slope, FULL)}", value),
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
