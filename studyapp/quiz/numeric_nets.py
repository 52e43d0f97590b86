"""Numeric questions about networks: activations, vanishing gradients, residual blocks, backpropagation,
Jacobians and Hessians, and the size of an MLP."""

from __future__ import annotations

from typing import Any

import numpy as np

import sim
from sim.autodiff import trace
from sim.networks import init_mlp
from sim.nn import activation as activate
from studyapp.quiz.numeric_base import (
    EXACT,
    SIGNIFICANT,
    THREE_FIGURES,
    Numeric,
    NumericKind,
    answer,
    answer_list,
    number,
    pick,
    plus,
    shown,
    significant,
)

ACTIVATION_LABELS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU"}
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
HESSIAN_FUNCTIONS = (
    "x**2*y + y**3",
    "x*y + x**3",
    "x**2 + 3*x*y + 2*y**2",
    "0.25*x**4 - x**2 + y**2 + x*y",
    "x**3*y**2",
    "exp(x*y)",
)
MLP_TARGETS = {"sin": "y = sin(x)", "step": "a step function", "abs": "y = |x|", "xor": "the xor classes"}
XOR_WIDTH = 2
#: Networks drawn before a dead ReLU network gives way to tanh.
MAX_DRAWS = 8


def activation_gradient(rng: np.random.Generator, seed: int) -> Numeric:
    """How much gradient survives a stack of layers at the activation's largest derivative."""
    function = str(pick(rng, ("sigmoid", "sigmoid", "sigmoid", "tanh", "relu")))
    layers = int(rng.integers(2, 21))
    params = {"function": function, "layers": layers}
    result = sim.run("activations", params)
    value = answer(result, "gradient_factor")
    peak = answer(result, "max_derivative")
    candidates = [
        ("added the derivatives instead of multiplying them", peak * layers),
        ("counted one layer fewer", peak ** (layers - 1)),
    ]
    if function == "sigmoid":
        at_zero = float(activate("sigmoid", 0.0)[0][0])
        candidates.append(("used σ(0) = 0.5 instead of the derivative σ′(0) = 0.25", at_zero**layers))
    label = ACTIVATION_LABELS[function]
    return Numeric(
        prompt=(
            "Backpropagation multiplies the gradient by the activation's derivative once per layer. Even "
            f"where that derivative is largest, what fraction of the gradient is left after {layers} {label} "
            f"layers? ({SIGNIFICANT}; a power such as 0.5^8 is fine)"
        ),
        value=value,
        params=params,
        sim="activations",
        sim_params=params,
        mistakes=tuple(candidates),
        explanation=f"The peak of {label}′ is {shown(peak)}: {shown(peak)}^{layers} = {significant(value)}.",
        tolerance=THREE_FIGURES,
    )


def per_layer_factor(rng: np.random.Generator, seed: int) -> Numeric:
    """The average per-layer change of the gradient in the vanishing-gradients simulation."""
    params: dict[str, Any] = {
        "activation": str(pick(rng, ("sigmoid", "tanh", "relu"))),
        "depth": int(pick(rng, range(4, 21, 2))),
        "weight_scale": float(pick(rng, (0.5, 1.0, 2.0))),
        "width": 32,
    }
    sim_seed = seed
    result = sim.run("vanishing-gradients", params, sim_seed)
    while answer(result, "first_layer_norm") == 0.0:  # a dead ReLU layer passes no gradient: draw again
        sim_seed += 1
        if sim_seed - seed >= MAX_DRAWS:
            params["activation"] = "tanh"  # tanh never dies
        result = sim.run("vanishing-gradients", params, sim_seed)
    first, last = answer(result, "first_layer_norm"), answer(result, "last_layer_norm")
    depth = int(params["depth"])
    value = answer(result, "per_layer_factor")
    ratio = first / last
    candidates = [
        ("divided the ratio by the number of steps instead of taking the root", ratio / depth),
        (
            f"took the root over the {depth + 1} layers instead of the {depth} steps between them",
            ratio ** (1 / (depth + 1)),
        ),
        ("inverted the ratio (last / first)", (1 / ratio) ** (1 / depth)),
    ]
    label = ACTIVATION_LABELS[str(params["activation"])]
    return Numeric(
        prompt=(
            f"A {label} network with {depth} hidden layers ({depth + 1} weight layers) has gradient "
            f"norm {first:.4g} at its first layer and {last:.4g} at its last. Going back from the last layer "
            f"to the first, by what factor does the gradient change per layer on average (the geometric "
            f"mean over the {depth} steps)? ({SIGNIFICANT})"
        ),
        value=value,
        params={**params, "first": first, "last": last},
        sim="vanishing-gradients",
        sim_params=params,
        sim_seed=sim_seed,
        mistakes=tuple(candidates),
        explanation=(
            f"(first / last)^(1/{depth}) = ({significant(first)} / {significant(last)})^(1/{depth}) = "
            f"{significant(value)}"
        ),
        tolerance=THREE_FIGURES,
    )


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
            f"dy/dx = 1 + F′(x) = 1 {plus(inner)} = {shown(value)}: the shortcut adds 1 to the branch's "
            "derivative, so even where F′(x) is tiny the gradient through the block stays at least 1."
        ),
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
        step = f"∂({users[0].text})/∂{asked}"
        candidates.append((f"stopped the chain rule one factor early (left out {step})", users[0].grad))
    return Numeric(
        prompt=f"f = {expression} with {text}. What is ∂f/∂{asked}? ({SIGNIFICANT})",
        value=value,
        params={**params, "asked": asked},
        sim="backprop",
        sim_params=params,
        mistakes=tuple(candidates),
        explanation=(
            f"Backpropagate from f with gradient 1, multiplying by each operation's local derivative (the "
            f"chain rule) and adding the paths that meet: ∂f/∂{asked} = {shown(value)}."
        ),
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
        (f"differentiated with respect to {names[1 - col]} instead", jacobian[row, 1 - col]),
    ]
    x, y = number(values["x"]), number(values["y"])
    point = f"({shown(values['x'])}, {shown(values['y'])})"
    return Numeric(
        prompt=(
            f"g(x, y) = (f1, f2) with f1 = {pair[0]} and f2 = {pair[1]}. What is the Jacobian entry "
            f"J[{row + 1}, {col + 1}] = ∂f{row + 1}/∂{names[col]} at (x, y) = {point}? ({SIGNIFICANT})"
        ),
        value=value,
        params={"f1": pair[0], "f2": pair[1], **values, "row": row, "col": col},
        sim="backprop",
        sim_params={"expression": pair[row], "values": f"x={x}, y={y}"},
        mistakes=tuple(candidates),
        explanation=(
            f"Row {row + 1} of the Jacobian is the gradient of f{row + 1}; column {col + 1} is its "
            f"derivative with respect to {names[col]}: {shown(value)}."
        ),
    )


def hessian_entry(rng: np.random.Generator, seed: int) -> Numeric:
    """One second-order partial derivative of f(x, y), as the Jacobian-Hessian simulation computes it."""
    function = str(pick(rng, HESSIAN_FUNCTIONS))
    values = {"x": float(pick(rng, COORDINATES)), "y": float(pick(rng, COORDINATES))}
    row, col = pick(rng, ((0, 0), (0, 1), (1, 1)))
    hessian = sim.hessian(function, values)
    gradient = sim.grad(function, values)[1]
    value = float(hessian[row, col])
    names = ("x", "y")
    first, second = names[row], names[col]
    entry = f"∂²f/∂{first}²" if row == col else "∂²f/∂x∂y"
    if row == col:
        candidates = [(f"gave the first derivative ∂f/∂{first} instead", gradient[first])]
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
        explanation=f"Differentiate f by {first}, then by {second}, and put in the point: {shown(value)}.",
    )


def mlp_parameters(rng: np.random.Generator, seed: int) -> Numeric:
    """The number of weights and biases of the MLP simulation's one-hidden-layer network."""
    target = str(pick(rng, tuple(MLP_TARGETS)))
    hidden = int(rng.integers(1, 65))
    width = XOR_WIDTH if target == "xor" else 1
    weights, biases = init_mlp([width, hidden, width], rng)
    value = sum(w.size for w in weights) + sum(b.size for b in biases)
    candidates = [
        ("forgot the biases", sum(w.size for w in weights)),
        ("counted the hidden layer only", weights[0].size + biases[0].size),
        ("counted the neurons instead of the weights", width + hidden + width),
    ]
    ends = "s" if width != 1 else ""
    return Numeric(
        prompt=(
            f"The MLP simulation fits {MLP_TARGETS[target]} with {width} input{ends}, one hidden layer of "
            f"{hidden} neurons and {width} output{ends}; every neuron after the input has a bias. How many "
            "weights and biases does the network have?"
        ),
        value=float(value),
        params={"target": target, "hidden": hidden},
        sim="mlp",
        sim_params={"target": target, "hidden": hidden},
        mistakes=tuple(candidates),
        explanation=(
            f"{width}x{hidden} + {hidden} in the hidden layer, {hidden}x{width} + {width} in the output "
            f"layer: {value}."
        ),
        tolerance=EXACT,
    )


KINDS = (
    NumericKind(
        "activation-gradient",
        "Gradient left after L layers",
        ("activations", "vanishing-gradients"),
        activation_gradient,
        ("activation", "vanishing"),
    ),
    NumericKind(
        "per-layer-factor",
        "Gradient change per layer",
        ("vanishing-gradients",),
        per_layer_factor,
        ("vanishing", "exploding"),
    ),
    NumericKind("residual-gradient", "Gradient through a residual block", ("residual",), residual_gradient),
    NumericKind("backprop-gradient", "A gradient by backpropagation", ("backprop",), backprop_gradient),
    NumericKind("jacobian-entry", "A Jacobian entry", ("jacobian-hessian",), jacobian_entry, ("jacobian",)),
    NumericKind("hessian-entry", "A Hessian entry", ("jacobian-hessian",), hessian_entry, ("hessian",)),
    NumericKind("mlp-parameters", "Weights and biases of an MLP", ("mlp",), mlp_parameters),
)
