"""Reverse-mode automatic differentiation of typed expressions.

``grad("(sigmoid(w*x + b) - y)**2", {"w": 0.5, "x": 1.5, "b": 0.1, "y": 1.0})`` parses the text
into a graph of elementary operations (``sim.expr``), runs it forward, then sweeps it once in
reverse: each node's adjoint (the derivative of the output with respect to that node) is the sum,
over the nodes that use it, of their adjoint times the local derivative. The sweep builds the
adjoints as new graph nodes, so the gradient is itself a graph that can be differentiated again:
``hessian`` does exactly that, and ``jacobian`` runs one reverse sweep per output.
"""

from __future__ import annotations

import heapq
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike

from sim.expr import FUNCTIONS, MAX_LENGTH, Tape, check_name, parse, parse_values

__all__ = [
    "FUNCTIONS",
    "MAX_LENGTH",
    "Graph",
    "GraphNode",
    "Sweep",
    "Tape",
    "backward",
    "evaluate",
    "field",
    "grad",
    "hessian",
    "jacobian",
    "parse",
    "parse_values",
    "trace",
]


def _sigmoid(a: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


FORWARD: dict[str, Callable[..., np.ndarray]] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "pow": np.power,
    "neg": np.negative,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda a: np.maximum(a, 0.0),
    "sin": np.sin,
    "cos": np.cos,
    "step": lambda a: np.where(a > 0, 1.0, 0.0),
}

LABELS = {"add": "+", "sub": "−", "mul": "×", "div": "÷", "pow": "^", "neg": "−", "sigmoid": "σ"}


def evaluate(tape: Tape, values: Mapping[str, ArrayLike]) -> list[np.ndarray]:
    """The value of every node of ``tape``, elementwise over broadcast arrays.

    Nothing is raised for overflow or a domain error: such entries are ``inf`` or ``nan``.
    """
    out: list[np.ndarray] = []
    append = out.append
    with np.errstate(all="ignore"):
        for node in tape.nodes:
            op, inputs = node.op, node.inputs
            if len(inputs) == 2:
                append(FORWARD[op](out[inputs[0]], out[inputs[1]]))
            elif inputs:
                append(FORWARD[op](out[inputs[0]]))
            elif op == "const":
                append(np.asarray(node.value))
            else:
                append(np.asarray(values[node.name], dtype=float))
    return out


#: Local derivative rules: for node ``i = op(a, b)``, one builder per input returning the node
#: d(i)/d(input). Builders are called only for inputs that depend on a variable.
_Rule = Callable[[Tape, int, int, int], tuple[Callable[[], int], ...]]
RULES: dict[str, _Rule] = {
    "add": lambda t, i, a, b: (lambda: t.const(1.0), lambda: t.const(1.0)),
    "sub": lambda t, i, a, b: (lambda: t.const(1.0), lambda: t.const(-1.0)),
    "mul": lambda t, i, a, b: (lambda: b, lambda: a),
    "div": lambda t, i, a, b: (lambda: t.div(t.const(1.0), b), lambda: t.neg(t.div(i, b))),
    "pow": lambda t, i, a, b: (
        lambda: t.mul(b, t.pow(a, t.sub(b, t.const(1.0)))),
        lambda: t.mul(i, t.apply("log", a)),
    ),
    "neg": lambda t, i, a, b: (lambda: t.const(-1.0),),
    "exp": lambda t, i, a, b: (lambda: i,),
    "log": lambda t, i, a, b: (lambda: t.div(t.const(1.0), a),),
    "sqrt": lambda t, i, a, b: (lambda: t.div(t.const(0.5), i),),
    "tanh": lambda t, i, a, b: (lambda: t.sub(t.const(1.0), t.mul(i, i)),),
    "sigmoid": lambda t, i, a, b: (lambda: t.mul(i, t.sub(t.const(1.0), i)),),
    "relu": lambda t, i, a, b: (lambda: t.apply("step", a),),
    "sin": lambda t, i, a, b: (lambda: t.apply("cos", a),),
    "cos": lambda t, i, a, b: (lambda: t.neg(t.apply("sin", a)),),
}


def _partials(tape: Tape, index: int) -> list[tuple[int, int]]:
    """(input, local derivative node) for each input of node ``index`` that depends on a variable."""
    node = tape.nodes[index]
    if not node.inputs or node.op == "step":  # relu's derivative is flat: nothing flows back
        return []
    a, b = node.inputs[0], node.inputs[-1]
    builders = RULES[node.op](tape, index, a, b)
    return [
        (source, build()) for source, build in zip(node.inputs, builders, strict=True) if tape.varying[source]
    ]


@dataclass(frozen=True)
class Sweep:
    """One reverse sweep: the adjoint node of every node the output depends on, and its cost.

    ``edges`` counts the multiply-adds (adjoint x local derivative, added into an input's adjoint).
    """

    output: int
    adjoints: dict[int, int]
    edges: int


def backward(tape: Tape, output: int) -> Sweep:
    """Reverse-mode sweep from ``output``: builds each node's adjoint as a node of ``tape``."""
    if not tape.varying[output]:
        return Sweep(output, {}, 0)
    pending: dict[int, list[int]] = {output: [tape.const(1.0)]}
    queue = [-output]
    adjoints: dict[int, int] = {}
    edges = 0
    while queue:
        index = -heapq.heappop(queue)
        parts = pending.pop(index)
        total = parts[0]
        for part in parts[1:]:
            total = tape.add(total, part)
        adjoints[index] = total
        for source, local in _partials(tape, index):
            if source not in pending:
                pending[source] = []
                heapq.heappush(queue, -source)
            pending[source].append(tape.mul(total, local))
            edges += 1
    return Sweep(output, adjoints, edges)


@dataclass(frozen=True)
class _Swept:
    """An expression's tape after its reverse sweeps, which are only read afterwards."""

    tape: Tape
    output: int
    forward_count: int
    first: Sweep
    second: tuple[Sweep, ...]


def _swept(expression: str, names: tuple[str, ...] | None = None) -> _Swept:
    """``expression`` parsed and swept once, and with ``names`` once more from each of their derivatives."""
    if not isinstance(expression, str):
        parse(expression)  # refuses it
    return _swept_text(expression, names)


@lru_cache(maxsize=64)
def _swept_text(expression: str, names: tuple[str, ...] | None) -> _Swept:
    """``_swept``, cached by the text: building the sweeps costs more than evaluating them, and a live
    simulation differentiates the same expression again whenever only a value changes.
    """
    tape, output = parse(expression)
    forward_count = len(tape.nodes)
    first = backward(tape, output)
    second = []
    for name in names or ():
        adjoint = first.adjoints.get(tape.variables.get(name, -1))
        second.append(backward(tape, adjoint) if adjoint is not None else Sweep(-1, {}, 0))
    return _Swept(tape, output, forward_count, first, tuple(second))


def _given(values: Mapping[str, float]) -> dict[str, float]:
    if not isinstance(values, Mapping):
        raise ValueError(f"values must map variable names to numbers, got {type(values).__name__}")
    given: dict[str, float] = {}
    for name, value in values.items():
        check_name(name)
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"the value of {name} must be a finite number, got {value!r}")
        given[name] = float(value)
    return given


def _require(tape: Tape, given: Mapping[str, object]) -> None:
    for name in tape.variables:
        if name not in given:
            known = ", ".join(given) or "none"
            raise ValueError(f"undefined variable '{name}': give it a value (given: {known})")


def _where(given: Mapping[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in given.items()) or "no variables"


def _finite(computed: list[np.ndarray], index: int, what: str, given: Mapping[str, float]) -> float:
    value = float(computed[index])
    if not math.isfinite(value):
        raise ValueError(f"{what} is {value} at {_where(given)}: the expression must be finite there")
    return value


@dataclass(frozen=True)
class GraphNode:
    """A node of a traced expression: its operation, inputs, forward value and gradient (adjoint).

    ``grad`` is the derivative of the output with respect to this node; None for constants.
    """

    op: str
    label: str
    text: str
    inputs: tuple[int, ...]
    value: float
    grad: float | None


@dataclass(frozen=True)
class Graph:
    """The computational graph of an expression after one forward and one reverse pass.

    Nodes are in topological order; the last one is the output.
    """

    expression: str
    nodes: tuple[GraphNode, ...]
    values: dict[str, float]
    backward_edges: int

    @property
    def value(self) -> float:
        return self.nodes[-1].value

    @property
    def gradient(self) -> dict[str, float]:
        """The partial derivative for every given value (0 for values the expression does not use)."""
        found = {n.label: n.grad for n in self.nodes if n.op == "var"}
        return {name: float(found.get(name) or 0.0) for name in self.values}

    def edges(self) -> list[tuple[int, int]]:
        """(input, node) pairs: the arrows of the graph, once per use."""
        return [(source, index) for index, node in enumerate(self.nodes) for source in node.inputs]


def _label(tape: Tape, index: int) -> str:
    node = tape.nodes[index]
    if node.op == "const":
        return f"{node.value:g}"
    if node.op == "var":
        return node.name
    return LABELS.get(node.op, node.op)


def trace(expression: str, values: Mapping[str, float]) -> Graph:
    """Parse ``expression``, run it forward at ``values`` and backward once; the annotated graph."""
    given = _given(values)
    swept = _swept(expression)
    tape, output, sweep = swept.tape, swept.output, swept.first
    _require(tape, given)
    computed = evaluate(tape, given)
    texts = [tape.texts.get(i, _label(tape, i)) for i in range(output + 1)]
    forward = [_finite(computed, i, f"'{texts[i]}'", given) for i in range(output + 1)]
    nodes = []
    for i in range(output + 1):
        adjoint = sweep.adjoints.get(i)
        gradient = None
        if adjoint is not None:
            gradient = _finite(computed, adjoint, f"the derivative with respect to '{texts[i]}'", given)
        elif tape.varying[i]:
            gradient = 0.0
        node = tape.nodes[i]
        nodes.append(GraphNode(node.op, _label(tape, i), texts[i], node.inputs, forward[i], gradient))
    return Graph(expression, tuple(nodes), given, sweep.edges)


def grad(expression: str, values: Mapping[str, float]) -> tuple[float, dict[str, float]]:
    """The value of ``expression`` at ``values`` and its partial derivative for every given name.

    Raises ``ValueError`` for anything but a plain arithmetic expression, an undefined variable,
    or a value or derivative that is not finite there.
    """
    graph = trace(expression, values)
    return graph.value, graph.gradient


def _parse_all(expressions: Sequence[str], given: Mapping[str, float]) -> tuple[Tape, list[int]]:
    if isinstance(expressions, str) or not isinstance(expressions, Sequence) or not expressions:
        raise ValueError("expressions must be a non-empty list of expression strings")
    tape = Tape()
    outputs = [parse(text, tape)[1] for text in expressions]
    _require(tape, given)
    return tape, outputs


def _check_forward(tape: Tape, computed: list[np.ndarray], count: int, given: Mapping[str, float]) -> None:
    for i in range(count):
        _finite(computed, i, f"'{tape.texts.get(i, _label(tape, i))}'", given)


def _rows(
    tape: Tape, sweeps: list[Sweep], computed: list[np.ndarray], given: Mapping[str, float], what: str
) -> np.ndarray:
    matrix = np.zeros((len(sweeps), len(given)))
    for r, sweep in enumerate(sweeps):
        for c, name in enumerate(given):
            adjoint = sweep.adjoints.get(tape.variables.get(name, -1))
            if adjoint is not None:
                matrix[r, c] = _finite(computed, adjoint, what.format(row=r, name=name), given)
    return matrix


def jacobian(expressions: Sequence[str], values: Mapping[str, float]) -> np.ndarray:
    """The Jacobian: row i holds the partial derivatives of ``expressions[i]``, columns follow ``values``.

    One reverse sweep per expression (output), all sharing one graph.
    """
    given = _given(values)
    tape, outputs = _parse_all(expressions, given)
    forward_count = len(tape.nodes)
    sweeps = [backward(tape, output) for output in outputs]
    computed = evaluate(tape, given)
    _check_forward(tape, computed, forward_count, given)
    return _rows(tape, sweeps, computed, given, "the derivative of expression {row} with respect to {name}")


def hessian(expression: str, values: Mapping[str, float]) -> np.ndarray:
    """The matrix of second partial derivatives, in the order of ``values``.

    The reverse sweep builds the gradient as graph nodes; a second reverse sweep from each gradient
    node gives one row. The result is symmetrised (the two halves agree to rounding).
    """
    given = _given(values)
    swept = _swept(expression, tuple(given))
    tape, forward_count, first, rows = swept.tape, swept.forward_count, swept.first, list(swept.second)
    _require(tape, given)
    computed = evaluate(tape, given)
    _check_forward(tape, computed, forward_count, given)
    _rows(tape, [first], computed, given, "the derivative with respect to {name}")
    matrix = _rows(tape, rows, computed, given, "a second derivative (row {row}, {name})")
    return 0.5 * (matrix + matrix.T)


def field(expression: str, values: Mapping[str, ArrayLike]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Value and gradient of ``expression`` elementwise over arrays of variable values (broadcast).

    Unlike ``grad`` nothing is raised where the result is not finite: those entries are inf or nan.
    """
    for name in values:
        check_name(name)
    swept = _swept(expression)
    tape, output, sweep = swept.tape, swept.output, swept.first
    _require(tape, values)
    computed = evaluate(tape, values)
    shape = np.broadcast_shapes(*(np.shape(v) for v in values.values()))
    gradient = {}
    for name in values:
        adjoint = sweep.adjoints.get(tape.variables.get(name, -1))
        part = computed[adjoint] if adjoint is not None else np.zeros(())
        gradient[name] = np.broadcast_to(part, shape).astype(float)
    return np.broadcast_to(computed[output], shape).astype(float), gradient
