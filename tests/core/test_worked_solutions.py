"""Worked solutions of every numeric kind, over many seeds: each step's value against an independent
computation here (closed forms with math, numpy and scipy, finite differences, and a small evaluator of the
written sub-expressions), the last step equal to the question's value, and the way they are shown."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

import numpy as np
import pytest
from scipy.signal import correlate2d
from scipy.special import expit, logsumexp, softmax

from studyapp.quiz.numeric import NUMERIC_KINDS, numeric_question
from studyapp.quiz.questions import Question
from studyapp.quiz.worked import SOLUTION_TITLE, Step, solution_lines

SEEDS = range(200)
#: Kinds whose simulation trains a model or draws data get fewer seeds, to keep the file fast.
FEWER = range(60)
SLOW_KINDS = ("minibatch-updates", "split-size", "cross-entropy", "per-layer-factor")
Values = Mapping[str, float]
Oracle = dict[str, float]

KERNELS = {
    "sobel_vertical": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_horizontal": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "laplacian_diagonal": [[1, 1, 1], [1, -8, 1], [1, 1, 1]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
}


def questions(kind: str) -> list[Question]:
    return [numeric_question(kind, None, seed) for seed in (FEWER if kind in SLOW_KINDS else SEEDS)]


# -- a small evaluator of the sub-expressions a solution writes out ---------------------------------

SUPERSCRIPT = {"²": 2.0, "³": 3.0, "⁴": 4.0}
FUNCTIONS: dict[str, Callable[[float], float]] = {
    "exp": math.exp,
    "log": math.log,
    "sin": math.sin,
    "cos": math.cos,
    "tanh": math.tanh,
    "σ": lambda a: float(expit(a)),
}
TOKEN = re.compile(r"\s*(\d+\.?\d*|exp|log|sin|cos|tanh|σ|[a-z]|[−+·/^()²³⁴])")


class Expression:
    """Reads ``3·x² − 2``, ``(1 + x·y)·exp(x·y)`` and the like, as a solution writes them, and evaluates
    them at given values (recursive descent: sums, products, unary minus, powers, calls)."""

    def __init__(self, text: str, values: Values) -> None:
        self.tokens = TOKEN.findall(text)
        if "".join(self.tokens) != text.replace(" ", ""):
            raise ValueError(f"cannot read {text!r}")
        self.values, self.at = values, 0

    def value(self) -> float:
        result = self.sum()
        if self.at != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.at]!r}")
        return result

    def peek(self) -> str:
        return self.tokens[self.at] if self.at < len(self.tokens) else ""

    def take(self) -> str:
        self.at += 1
        return self.tokens[self.at - 1]

    def sum(self) -> float:
        total = self.product()
        while self.peek() in ("+", "−"):
            total = total + self.product() if self.take() == "+" else total - self.product()
        return total

    def product(self) -> float:
        result = self.unary()
        while self.peek() in ("·", "/"):
            result = result * self.unary() if self.take() == "·" else result / self.unary()
        return result

    def unary(self) -> float:
        if self.peek() == "−":
            self.take()
            return -self.unary()
        return self.power()

    def power(self) -> float:
        base = self.atom()
        while self.peek() in ("^", *SUPERSCRIPT):
            base = base ** (self.unary() if self.take() == "^" else SUPERSCRIPT[self.tokens[self.at - 1]])
        return base

    def atom(self) -> float:
        token = self.take()
        if token == "(":
            inner = self.sum()
            assert self.take() == ")"
            return inner
        if token in FUNCTIONS:
            assert self.take() == "("
            inner = self.sum()
            assert self.take() == ")"
            return FUNCTIONS[token](inner)
        if token[0].isdigit():
            return float(token)
        return float(self.values[token])


def evaluated(text: str, values: Values) -> float | None:
    """The value of a written expression, or ``None`` if it is not one (a name such as ``∂f/∂x``)."""
    try:
        return Expression(text, values).value()
    except (ValueError, KeyError, AssertionError, IndexError):
        return None


def test_the_evaluator_reads_what_solutions_write() -> None:
    at = {"x": -1.0, "y": 1.5}
    assert evaluated("−2·(1 − x) − 40·x·(y − x²)", at) == 16.0
    assert evaluated("3·x² − 2", at) == 1.0
    assert evaluated("(1 + x·y)·exp(x·y)", at) == pytest.approx(-0.5 * math.exp(-1.5))
    assert evaluated("∂f/∂x", at) is None


# -- closed-form oracles, one per kind -------------------------------------------------------------


def conv_output_size(q: Question) -> Oracle:
    p = q.params
    span = p["n"] + 2 * p["padding"] - p["kernel"]
    return {
        "n + 2p − k": span,
        "(n + 2p − k)/s": span / p["stride"],
        "⌊(n + 2p − k)/s⌋": span // p["stride"],
        "output size": span // p["stride"] + 1,
    }


def conv_filter_cell(q: Question) -> Oracle:
    p = q.params
    patch, kernel = np.array(p["patch"], dtype=float), np.array(KERNELS[p["filter"]], dtype=float)
    r, c = p["row"], p["col"]
    window = patch[r : r + 3, c : c + 3]
    out = correlate2d(patch, kernel, "valid")[r, c]
    rows = {f"row {i + 1} of products": float(np.dot(kernel[i], window[i])) for i in range(3)}
    return {f"output at row {r + 1}, column {c + 1}": out, **rows}


def pool_value(q: Question) -> Oracle:
    p = q.params
    x = np.random.default_rng(q.sim_seed).integers(0, 10, (p["map_size"], p["map_size"])).astype(float)
    if p["kind"] == "global_max":
        return {"global max": x.max(), **{f"max of row {i + 1}": row.max() for i, row in enumerate(x)}}
    if p["kind"] == "global_avg":
        rows = {f"sum of row {i + 1}": row.sum() for i, row in enumerate(x)}
        return {"global average": x.mean(), "sum of all values": x.sum(), **rows}
    top, left = p["row"] * p["stride"], p["col"] * p["stride"]
    window = x[top : top + p["window"], left : left + p["window"]]
    label = f"output at row {p['row'] + 1}, column {p['col'] + 1}"
    result = window.max() if p["kind"] == "max" else window.mean()
    return {
        label: result,
        "first row of the window": top + 1,
        "first column of the window": left + 1,
        "sum of the window": window.sum(),
    }


def log_sum_exp(q: Question) -> Oracle:
    x = np.array(q.params["logits"])
    m = x.max()
    shifted = np.exp(x - m)
    oracle = {"log Σ e^xᵢ": float(logsumexp(x)), "m": m, "Σ e^(xᵢ − m)": shifted.sum()}
    oracle["log Σ e^(xᵢ − m)"] = math.log(shifted.sum())
    return oracle | {f"e^(x{i + 1} − m)": e for i, e in enumerate(shifted)}


def softmax_probability(q: Question) -> Oracle:
    x = np.array(q.params["logits"])
    k = q.params["class"]
    return {
        f"p{k}": float(softmax(x)[k - 1]),
        "Σ e^xᵢ": float(np.exp(x).sum()),
        **{f"e^x{i + 1}": math.exp(v) for i, v in enumerate(x)},
    }


def cross_entropy(q: Question) -> Oracle:
    z, y = q.params["logit"], q.params["target"]
    p = float(expit(z))
    return {
        "p = σ(z)": p,
        "1 − p": 1 - p,
        "L": -math.log(p if y == 1 else 1 - p),
        "dL/dz": p - y if q.params["asked"] == "ce_gradient" else 2 * (p - y) * p * (1 - p),
        "p − y": p - y,
        "σ′(z) = p(1 − p)": p * (1 - p),
    }


def activation_gradient(q: Question) -> Oracle:
    peak = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0}[q.params["function"]]
    return {
        "gradient left": peak ** q.params["layers"],
        "σ(0)": float(expit(0.0)),
        "max σ′ = σ′(0)": peak,
        "max tanh′ = tanh′(0)": 1 - math.tanh(0.0) ** 2,
        "max ReLU′": peak,
    }


def per_layer_factor(q: Question) -> Oracle:
    ratio, depth = q.params["first"] / q.params["last"], q.params["depth"]
    return {
        "factor per layer": ratio ** (1 / depth),
        "first/last": ratio,
        "ln(first/last)/L": math.log(ratio) / depth,
    }


def mlp_parameters(q: Question) -> Oracle:
    width, hidden = (2 if q.params["target"] == "xor" else 1), q.params["hidden"]
    return {
        "hidden layer": width * hidden + hidden,
        "output layer": hidden * width + width,
        "parameters": 2 * width * hidden + hidden + width,
    }


def gradient_2d(function: str, x: float, y: float, k: float = 10.0) -> tuple[float, float]:
    """Closed-form gradients of the simulations' test functions."""
    return {
        "bowl": (x, k * y),
        "saddle": (x, y**3 - y),
        "ravine": (x, 100.0 * y),
        "rosenbrock": (-2.0 * (1.0 - x) - 40.0 * x * (y - x * x), 20.0 * (y - x * x)),
    }[function]


def gradient_step(q: Question) -> Oracle:
    p = q.params
    name = p["axis"]
    g = gradient_2d(p["function"], p["x0"], p["y0"], p["conditioning"])["xy".index(name)]
    return {
        f"{name} after one step": p[f"{name}0"] - p["lr"] * g,
        f"∂f/∂{name}": g,
        f"lr·∂f/∂{name}": p["lr"] * g,
    }


def partial_derivative(q: Question) -> Oracle:
    p = q.params
    return {
        f"∂f/∂{p['axis']}": gradient_2d(p["function"], p["x0"], p["y0"], p["conditioning"])[
            "xy".index(p["axis"])
        ]
    }


ADAM_STARTS = {"ravine": (-2.0, 1.0), "rosenbrock": (-1.0, 1.5)}


def adam_first_step(q: Question) -> Oracle:
    p = q.params
    axis = "xy".index(p["axis"])
    start = ADAM_STARTS[p["function"]]
    g = gradient_2d(p["function"], *start)[axis]
    m, v = 0.1 * g, 0.001 * g * g
    step = p["lr"] * g / (abs(g) + 1e-8)  # m̂ = g and v̂ = g² on the first step
    return {
        f"{p['axis']} after one step": start[axis] - step,
        "g": g,
        "m": m,
        "v": v,
        "m̂": g,
        "v̂": g * g,
        "lr·m̂/(√v̂ + ε)": step,
    }


def minibatch_updates(q: Question) -> Oracle:
    p = q.params
    per_epoch = math.ceil(p["samples"] / p["batch_size"])
    return {
        "N/B": p["samples"] / p["batch_size"],
        "updates per epoch": per_epoch,
        "updates": per_epoch * (p["epochs"] if p["whole_run"] else 1),
    }


def split_size(q: Question) -> Oracle:
    samples, fraction = q.params["samples"], q.params["train_fraction"]
    train = round(fraction * samples)
    validation = (samples - train) // 2
    return {
        "f·N": fraction * samples,
        "training": train,
        "rest": samples - train,
        "validation": validation,
        "test": samples - train - validation,
    }


# -- the chain rule: the derivative of the output with respect to each node, in closed form ---------

Adjoints = Callable[[Values], Oracle]


def _squared_error(v: Values) -> Oracle:
    r = v["w"] * v["x"] + v["b"] - v["y"]
    return {
        "w·x + b − y": 2 * r,
        "w·x + b": 2 * r,
        "w·x": 2 * r,
        "w": 2 * r * v["x"],
        "x": 2 * r * v["w"],
        "b": 2 * r,
    }


def _sigmoid(v: Values) -> Oracle:
    s = float(expit(v["w"] * v["x"] + v["b"]))
    d = s * (1 - s)
    return {"w·x + b": d, "w·x": d, "w": d * v["x"], "x": d * v["w"], "b": d}


def _sigmoid_squared(v: Values) -> Oracle:
    s = float(expit(v["w"] * v["x"] + v["b"]))
    r, d = 2 * (s - v["y"]), 2 * (s - v["y"]) * s * (1 - s)
    return {"σ(w·x + b) − y": r, "σ(w·x + b)": r, "w·x + b": d, "w·x": d, "w": d * v["x"], "b": d}


def _polynomial(v: Values) -> Oracle:
    w, x, b = v["w"], v["x"], v["b"]
    return {"w·x·x": 1, "b·x": 1, "w·x": x, "x": 2 * w * x + b, "w": x * x, "b": x}


def _softplus(v: Values) -> Oracle:
    e = math.exp(v["w"] * v["x"])
    return {
        "1 + exp(w·x)": 1 / (1 + e),
        "exp(w·x)": 1 / (1 + e),
        "w·x": e / (1 + e),
        "w": v["x"] * e / (1 + e),
        "x": v["w"] * e / (1 + e),
    }


def _tanh_times(v: Values) -> Oracle:
    t = math.tanh(v["w"] * v["x"] + v["b"])
    d = v["v"] * (1 - t * t)
    return {"tanh(w·x + b)": v["v"], "w·x + b": d, "w·x": d, "w": d * v["x"], "b": d, "v": t}


ADJOINTS: dict[str, Adjoints] = {
    "(w*x + b - y)**2": _squared_error,
    "sigmoid(w*x + b)": _sigmoid,
    "(sigmoid(w*x + b) - y)**2": _sigmoid_squared,
    "w*x*x + b*x": _polynomial,
    "log(1 + exp(w*x))": _softplus,
    "tanh(w*x + b)*v": _tanh_times,
    "x + w*tanh(x)": lambda v: {
        "w·tanh(x)": 1,
        "tanh(x)": v["w"],
        "x": 1 + v["w"] * (1 - math.tanh(v["x"]) ** 2),
    },
    "x + w*sigmoid(x)": lambda v: {
        "w·σ(x)": 1,
        "σ(x)": v["w"],
        "x": 1 + v["w"] * float(expit(v["x"]) * (1 - expit(v["x"]))),
    },
    "x + tanh(w*x)": lambda v: {
        "tanh(w·x)": 1,
        "w·x": 1 - math.tanh(v["w"] * v["x"]) ** 2,
        "x": 1 + v["w"] * (1 - math.tanh(v["w"] * v["x"]) ** 2),
    },
    "x + w*x**2": lambda v: {"w·x²": 1, "x²": v["w"], "x": 1 + 2 * v["w"] * v["x"]},
    "x*y": lambda v: {"x": v["y"], "y": v["x"]},
    "x + y**2": lambda v: {"y²": 1, "x": 1, "y": 2 * v["y"]},
    "x**2*y": lambda v: {"x²": v["y"], "x": 2 * v["x"] * v["y"], "y": v["x"] ** 2},
    "sin(x) + y": lambda v: {"sin(x)": 1, "x": math.cos(v["x"]), "y": 1},
    "exp(x*y)": lambda v: {
        "x·y": math.exp(v["x"] * v["y"]),
        "x": v["y"] * math.exp(v["x"] * v["y"]),
        "y": v["x"] * math.exp(v["x"] * v["y"]),
    },
    "x - y": lambda v: {"x": 1, "y": -1},
    "x*x + y": lambda v: {"x·x": 1, "x": 2 * v["x"], "y": 1},
    "x*y*y": lambda v: {"x·y": v["y"], "x": v["y"] ** 2, "y": 2 * v["x"] * v["y"]},
}
ADJOINT_LABEL = re.compile(r"^∂\w+/∂(.+)$")


def values_of(text: str) -> dict[str, float]:
    """``"w=0.5, x=1"`` -> ``{"w": 0.5, "x": 1.0}``."""
    return {name.strip(): float(value) for name, value in (part.split("=") for part in text.split(","))}


def chain_rule(q: Question) -> tuple[Oracle, str]:
    """The closed-form adjoints of the question's expression, keyed by node, and the variable asked."""
    p = q.params
    if "f1" in p:
        expression, asked, values = (p["f1"], p["f2"])[p["row"]], "xy"[p["col"]], {"x": p["x"], "y": p["y"]}
    elif "asked" in p:
        expression, asked, values = p["expression"], p["asked"], values_of(p["values"])
    else:
        expression, asked, values = p["expression"], "x", {"x": p["x"], "w": p["w"]}
    return ADJOINTS[expression](values), asked


def chain_rule_value(step: Step, first: Step, adjoints: Oracle, asked: str) -> float:
    """The step's closed-form value: the derivative asked (first and last step) or a node's adjoint."""
    if step.label == first.label:
        return adjoints[asked]
    match = ADJOINT_LABEL.match(step.label)
    assert match, step.label
    node = match[1]
    if node.startswith("(") and node.endswith(")"):
        node = node[1:-1]
    return adjoints[node]


# -- Hessians: the functions, their first derivatives by finite differences ------------------------

HESSIAN_FUNCTIONS: dict[str, Callable[[float, float], float]] = {
    "x**2*y + y**3": lambda x, y: x * x * y + y**3,
    "x*y + x**3": lambda x, y: x * y + x**3,
    "x**2 + 3*x*y + 2*y**2": lambda x, y: x * x + 3 * x * y + 2 * y * y,
    "0.25*x**4 - x**2 + y**2 + x*y": lambda x, y: 0.25 * x**4 - x * x + y * y + x * y,
    "x**3*y**2": lambda x, y: x**3 * y**2,
    "exp(x*y)": lambda x, y: math.exp(x * y),
}


def hessian_entry(q: Question) -> Oracle:
    p = q.params
    f, x, y, h = HESSIAN_FUNCTIONS[p["function"]], p["x"], p["y"], 1e-4
    dx = (f(x + h, y) - f(x - h, y)) / (2 * h)
    dy = (f(x, y + h) - f(x, y - h)) / (2 * h)
    second = {
        "xx": (f(x + h, y) - 2 * f(x, y) + f(x - h, y)) / (h * h),
        "yy": (f(x, y + h) - 2 * f(x, y) + f(x, y - h)) / (h * h),
        "xy": (f(x + h, y + h) - f(x + h, y - h) - f(x - h, y + h) + f(x - h, y - h)) / (4 * h * h),
    }[p["entry"]]
    label = "∂²f/∂x∂y" if p["entry"] == "xy" else f"∂²f/∂{p['entry'][0]}²"
    return {"∂f/∂x": dx, "∂f/∂y": dy, label: second}


ORACLES: dict[str, Callable[[Question], Oracle]] = {
    "conv-output-size": conv_output_size,
    "conv-filter-cell": conv_filter_cell,
    "pool-value": pool_value,
    "log-sum-exp": log_sum_exp,
    "softmax-probability": softmax_probability,
    "cross-entropy": cross_entropy,
    "activation-gradient": activation_gradient,
    "per-layer-factor": per_layer_factor,
    "mlp-parameters": mlp_parameters,
    "gd-step": gradient_step,
    "partial-derivative": partial_derivative,
    "adam-first-step": adam_first_step,
    "minibatch-updates": minibatch_updates,
    "split-size": split_size,
    "hessian-entry": hessian_entry,
}
CHAIN_RULE_KINDS = ("residual-gradient", "backprop-gradient", "jacobian-entry")
#: Finite differences of second derivatives are only this close.
LOOSE = {"hessian-entry": 1e-4}


def point_of(q: Question) -> dict[str, float]:
    """The variables' values where a written sub-expression is evaluated."""
    p = q.params
    if "x0" in p:
        return {"x": p["x0"], "y": p["y0"]}
    if p.get("function") in ADAM_STARTS:
        return dict(zip("xy", ADAM_STARTS[p["function"]], strict=True))
    return {"x": p.get("x", 0.0), "y": p.get("y", 0.0)}


def test_every_kind_has_an_oracle_here() -> None:
    assert set(ORACLES) | set(CHAIN_RULE_KINDS) == set(NUMERIC_KINDS)
    assert len(NUMERIC_KINDS) == 18


@pytest.mark.parametrize("kind", sorted(NUMERIC_KINDS))
def test_every_step_matches_an_independent_computation(kind: str) -> None:
    for q in questions(kind):
        steps = q.worked
        assert len(steps) >= 2, (kind, q.seed)
        assert steps[-1].value == q.value, (kind, q.seed, steps[-1], q.value)
        first = steps[0]
        assert first.formula and first.numbers, (kind, q.seed, first)  # the formula, then with the numbers
        loose = LOOSE.get(kind, 0.0)
        if kind in CHAIN_RULE_KINDS:
            adjoints, asked = chain_rule(q)
            for step in steps:
                adjoint = chain_rule_value(step, first, adjoints, asked)
                assert step.value == pytest.approx(adjoint, rel=1e-9, abs=1e-12), (kind, q.seed, step)
            continue
        oracle = ORACLES[kind](q)
        for step in steps:
            expected = oracle.get(step.label)
            tolerance = loose
            if expected is None:  # a written sub-expression: evaluate it here
                expected, tolerance = evaluated(step.label, point_of(q)), 0.0
            assert expected is not None, (kind, q.seed, f"no oracle for the step {step.label!r}")
            assert step.value == pytest.approx(expected, rel=tolerance or 1e-9, abs=tolerance or 1e-12), (
                kind,
                q.seed,
                step,
            )


def test_a_zero_value_ends_its_solution_in_zero() -> None:
    zeros = [q for q in questions("gd-step") + questions("hessian-entry") if q.value == 0.0]
    assert zeros
    assert all(q.worked[-1].value == 0.0 for q in zeros)


# -- how a solution is shown -----------------------------------------------------------------------


def test_the_conv_output_size_example_reads_step_by_step() -> None:
    q = next(q for q in questions("conv-output-size") if q.params["stride"] > 1)
    n, k, p, s = (q.params[name] for name in ("n", "kernel", "padding", "stride"))
    span = n + 2 * p - k
    lines = solution_lines(q.worked)
    assert lines[0] == SOLUTION_TITLE
    assert lines[1] == f"  output size = ⌊(n + 2p − k)/s⌋ + 1 = ⌊({n} + 2·{p} − {k})/{s}⌋ + 1"
    assert lines[2] == f"    n + 2p − k = {n} + {2 * p} − {k} = {span}"
    assert lines[-1].endswith(f"= {span // s} + 1 = {span // s + 1}")


def test_the_chain_rule_is_shown_factor_by_factor() -> None:
    q = next(
        q
        for q in questions("backprop-gradient")
        if q.params["expression"] == "(w*x + b - y)**2" and q.params["asked"] == "w"
    )
    v = values_of(q.params["values"])
    lines = solution_lines(q.worked)
    assert lines[1].startswith("  ∂f/∂w = 2·(w·x + b − y)·x = ")
    assert any(line.startswith("    ∂f/∂(w·x + b − y) = 2·(w·x + b − y) = ") for line in lines)
    residual = v["w"] * v["x"] + v["b"] - v["y"]
    assert lines[-1].startswith("  ∂f/∂w = ∂f/∂(w·x)·x = ")
    assert q.value == pytest.approx(2 * residual * v["x"])


def test_a_step_without_its_own_numbers_shows_no_repeat() -> None:
    assert Step("m", "max xᵢ", "max(3, 1)", 3.0).line() == "m = max xᵢ = max(3, 1) = 3"
    assert Step("∂f/∂v", "v", "2", 2.0).line() == "∂f/∂v = v = 2"
    assert Step("p", "", "", 0.25).line(with_value=False) == "p"
