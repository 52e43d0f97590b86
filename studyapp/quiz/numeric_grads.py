"""Numeric questions about derivatives of expressions: residual blocks, backpropagation, Jacobians and
Hessians. Their worked solutions follow ``sim``'s expression graphs (``studyapp.quiz.chain_rule``)."""

from __future__ import annotations

import numpy as np

import sim
from sim.autodiff import trace
from studyapp.quiz.chain_rule import chain_rule_steps, worked_formula
from studyapp.quiz.numeric_base import (
    SIGNIFICANT,
    Numeric,
    NumericKind,
    Step,
    answer_list,
    number,
    pick,
    pretty,
    shown,
)

VALUES = (-1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0)
COORDINATES = (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0)
#: A residual branch's weight and input are drawn so that its derivative F′(x) is never negative: the
#: gradient through the block, 1 + F′(x), is then at least 1 and never 0, as its explanation says.
RESIDUAL_WEIGHTS = (0.5, 1.0, 1.5, 2.0)
RESIDUAL_INPUTS = (0.0, 0.5, 1.0, 1.5, 2.0)
#: Residual branches F(x): (expression, as written for people).
BRANCHES = (
    ("w*tanh(x)", "w·tanh(x)"),
    ("w*sigmoid(x)", "w·σ(x)"),
    ("tanh(w*x)", "tanh(w·x)"),
    ("w*x**2", "w·x²"),
)
#: Expressions for backpropagation: (expression, its variables in order, the ones to ask about).
GRAPHS = (
    ("(w*x + b - y)**2", ("w", "x", "b", "y"), ("w", "b", "x")),
    ("sigmoid(w*x + b)", ("w", "x", "b"), ("w", "b")),
    ("(sigmoid(w*x + b) - y)**2", ("w", "x", "b", "y"), ("w", "b")),
    ("w*x*x + b*x", ("w", "x", "b"), ("x", "w")),
    ("log(1 + exp(w*x))", ("w", "x"), ("w", "x")),
    ("tanh(w*x + b)*v", ("w", "x", "b", "v"), ("w", "v")),
)
JACOBIAN_PAIRS = (("x*y", "x + y**2"), ("x**2*y", "sin(x) + y"), ("exp(x*y)", "x - y"), ("x*x + y", "x*y*y"))
#: Functions for Hessian questions, with their derivatives as written in a textbook: ∂f/∂x, ∂f/∂y and the
#: second derivatives by (x, x), (x, y) and (y, y). A question checks the one it shows against ``sim``.
HESSIANS: dict[str, tuple[str, str, dict[str, str]]] = {
    "x**2*y + y**3": ("2*x*y", "x**2 + 3*y**2", {"xx": "2*y", "xy": "2*x", "yy": "6*y"}),
    "x*y + x**3": ("y + 3*x**2", "x", {"xx": "6*x", "xy": "1", "yy": "0"}),
    "x**2 + 3*x*y + 2*y**2": ("2*x + 3*y", "3*x + 4*y", {"xx": "2", "xy": "3", "yy": "4"}),
    "0.25*x**4 - x**2 + y**2 + x*y": (
        "x**3 - 2*x + y",
        "2*y + x",
        {"xx": "3*x**2 - 2", "xy": "1", "yy": "2"},
    ),
    "x**3*y**2": ("3*x**2*y**2", "2*x**3*y", {"xx": "6*x*y**2", "xy": "6*x**2*y", "yy": "2*x**3"}),
    "exp(x*y)": (
        "y*exp(x*y)",
        "x*exp(x*y)",
        {"xx": "y**2*exp(x*y)", "xy": "(1 + x*y)*exp(x*y)", "yy": "x**2*exp(x*y)"},
    ),
}


def residual_gradient(rng: np.random.Generator, seed: int) -> Numeric:
    """dy/dx through a residual block y = x + F(x)."""
    branch, label = pick(rng, BRANCHES)
    values = {"x": float(pick(rng, RESIDUAL_INPUTS)), "w": float(pick(rng, RESIDUAL_WEIGHTS))}
    expression = f"x + {branch}"
    value = sim.grad(expression, values)[1]["x"]
    inner = sim.grad(branch, values)[1]["x"]
    candidates = [("dropped the shortcut's identity path (the +1)", inner)]
    w, x = number(values["w"]), number(values["x"])
    return Numeric(
        prompt=(
            f"A residual block computes y = x + F(x) with F(x) = {label}. With w = {shown(values['w'])}, at "
            f"x = {shown(values['x'])}, what is dy/dx, the gradient through the block with its shortcut? "
            f"({SIGNIFICANT})"
        ),
        value=value,
        params={"expression": expression, **values},
        sim="backprop",
        sim_params={"expression": expression, "values": f"x={x}, w={w}"},
        mistakes=tuple(candidates),
        explanation=(
            "dy/dx = 1 + F′(x): the shortcut adds 1 to the branch's derivative, so even where F′(x) is tiny "
            "the gradient through the block stays at least 1."
        ),
        solution=tuple(chain_rule_steps(expression, values, "x", output="y", label="dy/dx")),
    )


def backprop_gradient(rng: np.random.Generator, seed: int) -> Numeric:
    """A partial derivative of a small expression, as the backpropagation simulation computes it."""
    expression, variables, askable = pick(rng, GRAPHS)
    values = {name: float(pick(rng, (0.0, 1.0) if name == "y" else VALUES)) for name in variables}
    asked = str(pick(rng, askable))
    text = ", ".join(f"{name}={number(v)}" for name, v in values.items())
    params = {"expression": expression, "values": text}
    result = sim.run("backprop", params)
    value = float(answer_list(result, "gradient")[variables.index(asked)])
    candidates = []
    graph = trace(expression, values)
    var = next(i for i, node in enumerate(graph.nodes) if node.op == "var" and node.label == asked)
    users = [node for node in graph.nodes if var in node.inputs]
    if len(users) == 1 and users[0].inputs.count(var) == 1 and users[0].grad is not None:
        candidates.append(
            ("stopped the chain rule one factor early (left out the last local derivative)", users[0].grad)
        )
    return Numeric(
        prompt=f"f = {expression} with {text}. What is ∂f/∂{asked}? ({SIGNIFICANT})",
        value=value,
        params={**params, "asked": asked},
        sim="backprop",
        sim_params=params,
        mistakes=tuple(candidates),
        explanation=(
            "Backpropagate from f with gradient 1, multiplying by each operation's local derivative (the "
            "chain rule) and adding the paths that meet."
        ),
        solution=tuple(chain_rule_steps(expression, values, asked)),
    )


def jacobian_entry(rng: np.random.Generator, seed: int) -> Numeric:
    """One entry of the Jacobian of a map from (x, y) to two outputs."""
    pair = pick(rng, JACOBIAN_PAIRS)
    values = {"x": float(pick(rng, COORDINATES)), "y": float(pick(rng, COORDINATES))}
    row, col = int(rng.integers(2)), int(rng.integers(2))
    jacobian = sim.jacobian(list(pair), values)
    value = float(jacobian[row, col])
    names = ("x", "y")
    candidates = [
        ("read the Jacobian transposed (its rows are outputs, its columns inputs)", jacobian[col, row]),
        ("differentiated with respect to the other variable", jacobian[row, 1 - col]),
    ]
    x, y = number(values["x"]), number(values["y"])
    point = f"({shown(values['x'])}, {shown(values['y'])})"
    entry = f"J[{row + 1}, {col + 1}]"
    return Numeric(
        prompt=(
            f"g(x, y) = (f1, f2) with f1 = {pair[0]} and f2 = {pair[1]}. What is the Jacobian entry "
            f"{entry} = ∂f{row + 1}/∂{names[col]} at (x, y) = {point}? ({SIGNIFICANT})"
        ),
        value=value,
        params={"f1": pair[0], "f2": pair[1], **values, "row": row, "col": col},
        sim="backprop",
        sim_params={"expression": pair[row], "values": f"x={x}, y={y}"},
        mistakes=tuple(candidates),
        explanation=(
            f"Row {row + 1} of the Jacobian is the gradient of f{row + 1}; column {col + 1} is its "
            f"derivative with respect to {names[col]}."
        ),
        solution=tuple(
            chain_rule_steps(
                pair[row], values, names[col], f"f{row + 1}", f"{entry} = ∂f{row + 1}/∂{names[col]}"
            )
        ),
    )


def hessian_entry(rng: np.random.Generator, seed: int) -> Numeric:
    """One second-order partial derivative of f(x, y), as the Jacobian-Hessian simulation computes it."""
    function = str(pick(rng, tuple(HESSIANS)))
    values = {"x": float(pick(rng, COORDINATES)), "y": float(pick(rng, COORDINATES))}
    row, col = pick(rng, ((0, 0), (0, 1), (1, 1)))
    hessian = sim.hessian(function, values)
    gradient = sim.grad(function, values)[1]
    value = float(hessian[row, col])
    names = ("x", "y")
    first, second = names[row], names[col]
    entry = f"∂²f/∂{first}²" if row == col else "∂²f/∂x∂y"
    if row == col:
        candidates = [("gave the first derivative instead of the second", gradient[first])]
    else:
        candidates = [("gave ∂²f/∂x² instead of the mixed derivative", hessian[0, 0])]
    point = f"({shown(values['x'])}, {shown(values['y'])})"
    return Numeric(
        prompt=(
            f"f(x, y) = {function}. What is the Hessian entry {entry} at (x, y) = {point}? ({SIGNIFICANT})"
        ),
        value=value,
        params={"function": function, **values, "entry": first + second},
        sim="jacobian-hessian",
        sim_params={"function": function, **values},
        mistakes=tuple(candidates),
        explanation=f"Differentiate f by {first}, then differentiate that by {second}, and put in the point.",
        solution=hessian_steps(function, values, first, second, gradient[first], value),
    )


def hessian_steps(
    function: str, values: dict[str, float], first: str, second: str, slope: float, value: float
) -> tuple[Step, ...]:
    """∂f/∂first as written, then its derivative by ``second`` worked out at the point, operation by
    operation (each written derivative is checked against ``sim``)."""
    by_x, by_y, seconds = HESSIANS[function]
    derivative = by_x if first == "x" else by_y
    entry = f"∂²f/∂{first}²" if first == second else "∂²f/∂x∂y"
    point = f"({shown(values['x'])}, {shown(values['y'])})"
    return (
        Step(entry, f"∂/∂{second} (∂f/∂{first})", f"∂/∂{second} ({pretty(derivative)}) at {point}", value),
        *worked_formula(derivative, values, f"∂f/∂{first}", slope),
        *worked_formula(seconds[first + second], values, entry, value),
    )


KINDS = (
    NumericKind("residual-gradient", "Gradient through a residual block", ("residual",), residual_gradient),
    NumericKind("backprop-gradient", "A gradient by backpropagation", ("backprop",), backprop_gradient),
    NumericKind("jacobian-entry", "A Jacobian entry", ("jacobian-hessian",), jacobian_entry, ("jacobian",)),
    NumericKind("hessian-entry", "A Hessian entry", ("jacobian-hessian",), hessian_entry, ("hessian",)),
)
