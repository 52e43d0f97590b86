"""Worked solutions read off ``sim``'s expression graphs: an expression evaluated operation by operation,
and a partial derivative by the chain rule, factor by factor.

``sim.autodiff.trace`` gives every operation's value and adjoint (the derivative of the output with
respect to it). The local derivative of an operation with respect to one input is taken from ``sim``'s
autodiff too (``sim.grad`` of that one operation at its inputs' values), so each factor of the chain rule
is a ``sim`` result, and each adjoint the sum, over the operations that use it, of their adjoint times
their local derivative.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sim
from sim.autodiff import Graph, GraphNode, trace
from studyapp.quiz.worked import MINUS, Step, factor, pretty, shown, substitute

#: How far a formula written for a question may be from ``sim``'s value before the question refuses it.
AGREEMENT = 1e-9
#: Each operation in ``sim``'s syntax, with its inputs as ``{a}`` and ``{b}``.
TEMPLATES = {
    "add": "{a} + {b}",
    "sub": "{a} - {b}",
    "mul": "{a}*{b}",
    "div": "{a}/{b}",
    "pow": "{a}**{b}",
    "neg": "-{a}",
}
INPUT_NAMES = ("a", "b")


def evaluation_steps(expression: str, values: Mapping[str, float], label: str = "") -> list[Step]:
    """``expression`` worked out at ``values`` one operation at a time; the last step (the whole
    expression) is labelled ``label``."""
    graph = trace(expression, values)
    steps = [
        Step(pretty(node.text), "", substitute(node.text, values), node.value)
        for node in graph.nodes
        if node.op not in ("var", "const")
    ]
    whole = graph.nodes[-1]
    if not steps or whole.op in ("var", "const"):
        steps.append(Step(pretty(whole.text), "", substitute(whole.text, values), whole.value))
    last = steps[-1]
    steps[-1] = Step(label or last.label, pretty(expression), last.numbers, last.value)
    return steps


def worked_formula(formula: str, values: Mapping[str, float], label: str, expected: float) -> list[Step]:
    """``formula`` (written in ``sim``'s syntax for a question) worked out at ``values``, its last step
    ending in ``expected``, ``sim``'s own value; ``ValueError`` if the two disagree (a wrong formula)."""
    steps = evaluation_steps(formula, values, label)
    got = steps[-1].value
    if abs(got - expected) > AGREEMENT * max(1.0, abs(expected)):
        raise ValueError(f"the formula {formula!r} gives {got} at {dict(values)}, sim gives {expected}")
    last = steps[-1]
    steps[-1] = Step(last.label, last.formula, last.numbers, expected)
    return steps


def bracketed(text: str) -> str:
    """``text`` in brackets unless it is one name, number or function call (``tanh(w·x + b)``)."""
    if text.replace(".", "").isalnum():
        return text
    head, bracket, rest = text.partition("(")
    if bracket and head.isalpha() and _one_group(bracket + rest):
        return text
    return f"({text})"


def _one_group(text: str) -> bool:
    """Whether ``text`` is one bracketed group: ``(a + b)`` but not ``(a) + (b)``."""
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and i < len(text) - 1:
            return False
    return depth == 0


@dataclass(frozen=True)
class Edge:
    """An input of an operation: the operation's node and the input's position among its inputs."""

    user: int
    position: int


class ChainRule:
    """The chain rule on one expression at one point."""

    def __init__(self, expression: str, values: Mapping[str, float], output: str = "f") -> None:
        self.graph: Graph = trace(expression, values)
        self.values = dict(values)
        self.output = output

    @property
    def nodes(self) -> tuple[GraphNode, ...]:
        return self.graph.nodes

    def name(self, index: int) -> str:
        """``∂f/∂w`` or ``∂f/∂(w·x + b)``: the adjoint of node ``index``."""
        return f"∂{self.output}/∂{bracketed(pretty(self.nodes[index].text))}"

    def text(self, index: int) -> str:
        return bracketed(pretty(self.nodes[index].text))

    def uses(self, index: int) -> list[Edge]:
        """Every use of node ``index`` as an input, in graph order (twice for ``x*x``)."""
        return [
            Edge(user, position)
            for user, node in enumerate(self.nodes)
            for position, source in enumerate(node.inputs)
            if source == index
        ]

    def local(self, edge: Edge) -> float:
        """∂(user)/∂(input), from ``sim``'s autodiff of that one operation at its inputs' values."""
        node = self.nodes[edge.user]
        parts, given = [], {}
        for position, source in enumerate(node.inputs):
            input_node = self.nodes[source]
            if input_node.grad is None:  # a constant: written into the operation
                parts.append(f"({input_node.value!r})")
            else:
                parts.append(INPUT_NAMES[position])
                given[INPUT_NAMES[position]] = input_node.value
        template = TEMPLATES.get(node.op, node.op + "({a})")
        operation = template.format(a=parts[0], b=parts[-1])
        return sim.grad(operation, given)[1][INPUT_NAMES[edge.position]]

    def local_formula(self, edge: Edge) -> str:
        """∂(user)/∂(input) in symbols: ``x`` for the ``w`` of ``w·x``, ``1 − tanh(u)²`` for tanh."""
        node = self.nodes[edge.user]
        a = self.text(node.inputs[0])
        b = self.text(node.inputs[-1])
        whole = self.text(edge.user)
        exponent = self.nodes[node.inputs[-1]]
        formulas = {
            "add": "1",
            "sub": "1" if edge.position == 0 else f"({MINUS}1)",
            "mul": b if edge.position == 0 else a,
            "div": f"1/{b}" if edge.position == 0 else f"({MINUS}{a}/{b}²)",
            "neg": f"({MINUS}1)",
            "exp": whole,
            "log": f"1/{a}",
            "sqrt": f"1/(2·{whole})",
            "tanh": f"(1 {MINUS} {whole}²)",
            "sigmoid": f"{whole}·(1 {MINUS} {whole})",
            "relu": f"step({a})",
            "sin": f"cos({a})",
            "cos": f"({MINUS}sin({a}))",
        }
        if node.op == "pow" and edge.position == 0 and exponent.grad is None:
            n = exponent.value
            return f"{shown(n)}·{a}" if n == 2 else f"{shown(n)}·{a}^{shown(n - 1)}"
        return formulas.get(node.op, f"∂{whole}/∂{a}")

    def paths(self, index: int) -> list[list[Edge]]:
        """Every path of uses from node ``index`` up to the output, each from the input's end."""
        last = len(self.nodes) - 1
        if index == last:
            return [[]]
        return [[edge, *rest] for edge in self.uses(index) for rest in self.paths(edge.user)]

    def path_sum(self, index: int) -> tuple[str, str]:
        """The chain rule for node ``index`` in symbols and with the numbers in: the sum over its paths to
        the output of the product of the local derivatives (factors of 1 left out)."""
        products = []
        for path in sorted(self.paths(index), key=len):  # the shortest first: 1 + w·(1 − tanh(x)²)
            factors = [self.local_formula(edge) for edge in reversed(path)]
            products.append("·".join([formula for formula in factors if formula != "1"] or ["1"]))
        formula = " + ".join(products)
        return formula, substitute(formula, self.values)

    def steps(self, asked: str, label: str = "") -> list[Step]:
        """The worked solution of ∂output/∂``asked``: the chain rule with the numbers in, then every
        adjoint from the output down to ``asked``, each the sum of its uses' adjoints times their local
        derivatives."""
        variable = next(i for i, node in enumerate(self.nodes) if node.op == "var" and node.text == asked)
        last = len(self.nodes) - 1
        depends = [False] * len(self.nodes)
        depends[variable] = True
        for i, node in enumerate(self.nodes):
            depends[i] = depends[i] or any(depends[j] for j in node.inputs)
        formula, numbers = self.path_sum(variable)
        answer = self.nodes[variable].grad
        assert answer is not None
        steps = [Step(label or self.name(variable), formula, numbers, answer)]
        for index in range(last - 1, variable - 1, -1):
            if depends[index]:
                steps.append(self.adjoint_step(index))
        final = steps[-1]
        steps[-1] = Step(label or final.label, final.formula, final.numbers, final.value)
        return steps

    def adjoint_step(self, index: int) -> Step:
        """∂f/∂(node) = Σ over its uses of ∂f/∂(user)·∂(user)/∂(node), with the numbers in."""
        last = len(self.nodes) - 1
        formulas, numbers = [], []
        for edge in sorted(self.uses(index), key=lambda edge: -edge.user):  # the output's own use first
            local = self.local_formula(edge)
            value = self.local(edge)
            if edge.user == last:
                formulas.append(local)
                numbers.append(factor(value))
                continue
            adjoint = self.nodes[edge.user].grad
            assert adjoint is not None
            formulas.append(self.name(edge.user) + ("" if local == "1" else f"·{local}"))
            numbers.append(factor(adjoint) + ("" if local == "1" else f"·{factor(value)}"))
        grad = self.nodes[index].grad
        assert grad is not None
        return Step(self.name(index), " + ".join(formulas), " + ".join(numbers), grad)


def chain_rule_steps(
    expression: str, values: Mapping[str, float], asked: str, output: str = "f", label: str = ""
) -> list[Step]:
    """The chain rule for ∂``output``/∂``asked`` of ``expression`` at ``values``, step by step."""
    return ChainRule(expression, values, output).steps(asked, label)
