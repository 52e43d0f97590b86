"""Typed expressions: a safe parser to a graph of elementary operations, and a graph builder.

An expression such as ``(sigmoid(w*x + b) - y)**2`` is parsed with ``ast.parse(..., mode="eval")``
and only a whitelist of node types is accepted: numbers, variables, ``+ - * / **``, unary minus
and plus, and the functions in ``FUNCTIONS``. Nothing is ever evaluated by Python: the result is a
``Tape``, a list of nodes in topological order (every node's inputs come before it), in which equal
subexpressions are one node. Stdlib only.
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_LENGTH = 500
MAX_DEPTH = 100
FUNCTIONS = ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos")
#: Operations the derivative rules create; they cannot be typed.
INTERNAL = ("step",)
BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
ALLOWED = "numbers, variables, + - * / **, parentheses and the functions " + ", ".join(FUNCTIONS)

_FORBIDDEN: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "subscripts (a[i])",
    ast.Slice: "slices",
    ast.Lambda: "lambda functions",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.IfExp: "conditional expressions (a if c else b)",
    ast.Compare: "comparisons",
    ast.BoolOp: "boolean operators (and, or)",
    ast.JoinedStr: "strings",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.Starred: "starred arguments",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


@dataclass(frozen=True)
class Node:
    """One operation: ``op`` is ``const``, ``var``, a binary op, ``neg`` or a function name."""

    op: str
    inputs: tuple[int, ...] = ()
    name: str = ""
    value: float = 0.0


@dataclass
class Tape:
    """Nodes in topological order; equal nodes are stored once (hash-consing).

    ``apply`` records an operation as written; ``add``, ``sub``, ``mul``, ``div``, ``neg`` and ``pow``
    also simplify (fold constants, drop ``+ 0`` and ``* 1``), which keeps derivative graphs small.
    """

    nodes: list[Node] = field(default_factory=list)
    varying: list[bool] = field(default_factory=list)
    variables: dict[str, int] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    _index: dict[tuple[object, ...], int] = field(default_factory=dict)

    def _intern(self, key: tuple[str, tuple[int, ...], str, float], varying: bool) -> int:
        """The index of the node ``key`` = (op, inputs, name, value), added if new."""
        found = self._index.get(key)
        if found is not None:
            return found
        self.nodes.append(Node(*key))
        self.varying.append(varying)
        self._index[key] = index = len(self.nodes) - 1
        return index

    def const(self, value: float) -> int:
        """A constant node (``value`` must be finite)."""
        if not math.isfinite(value):
            raise ValueError(f"constant must be a finite number, got {value!r}")
        return self._intern(("const", (), "", float(value)), varying=False)

    def var(self, name: str) -> int:
        """The node of variable ``name``."""
        index = self._intern(("var", (), name, 0.0), varying=True)
        self.variables[name] = index
        return index

    def apply(self, op: str, *inputs: int) -> int:
        """Record ``op`` applied to ``inputs`` exactly as written."""
        binary = op in SYMBOLS
        if not binary and op not in FUNCTIONS and op not in INTERNAL and op != "neg":
            raise ValueError(f"unknown operation {op!r}")
        count = len(self.nodes)
        if len(inputs) != (2 if binary else 1) or not all(0 <= i < count for i in inputs):
            raise ValueError(
                f"operation {op!r} takes {2 if binary else 1} existing input node(s), got {inputs}"
            )
        varying = self.varying
        return self._intern((op, inputs, "", 0.0), varying[inputs[0]] or varying[inputs[-1]])

    def constant(self, index: int) -> float | None:
        """The value of node ``index`` if it is a constant, else None."""
        node = self.nodes[index]
        return node.value if node.op == "const" else None

    def _fold(self, op: str, a: int, b: int, rule: Callable[[float, float], float]) -> int:
        nodes = self.nodes
        node_a, node_b = nodes[a], nodes[b]
        if node_a.op == "const" and node_b.op == "const":
            try:
                value = rule(node_a.value, node_b.value)
            except (ArithmeticError, ValueError):
                value = math.nan
            if math.isfinite(value):
                return self.const(value)
        if a < 0 or b < 0:
            return self.apply(op, a, b)  # refuses them
        # ``apply`` without its checks: ``op`` is binary and both nodes exist.
        varying = self.varying
        return self._intern((op, (a, b), "", 0.0), varying[a] or varying[b])

    def add(self, a: int, b: int) -> int:
        """``a + b``, simplified."""
        if self.constant(a) == 0.0:
            return b
        if self.constant(b) == 0.0:
            return a
        return self._fold("add", a, b, operator.add)

    def sub(self, a: int, b: int) -> int:
        """``a - b``, simplified."""
        if self.constant(b) == 0.0:
            return a
        if self.constant(a) == 0.0:
            return self.neg(b)
        return self._fold("sub", a, b, operator.sub)

    def mul(self, a: int, b: int) -> int:
        """``a * b``, simplified."""
        for one, other in ((a, b), (b, a)):
            node = self.nodes[one]
            if node.op == "const":
                if node.value == 0.0:
                    return one
                if node.value == 1.0:
                    return other
                if node.value == -1.0:
                    return self.neg(other)
        return self._fold("mul", a, b, operator.mul)

    def div(self, a: int, b: int) -> int:
        """``a / b``, simplified."""
        if self.constant(b) == 1.0:
            return a
        return self._fold("div", a, b, operator.truediv)

    def neg(self, a: int) -> int:
        """``-a``, simplified."""
        value = self.constant(a)
        if value is not None:
            return self.const(-value)
        node = self.nodes[a]
        if node.op == "neg":
            return node.inputs[0]
        return self.apply("neg", a)

    def pow(self, a: int, b: int) -> int:
        """``a ** b``, simplified."""
        exponent = self.constant(b)
        if exponent == 0.0:
            return self.const(1.0)
        if exponent == 1.0:
            return a
        return self._fold("pow", a, b, math.pow)


def check_name(name: str) -> str:
    """``name`` if it can be a variable; ``ValueError`` saying why not otherwise."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"variable names must be identifiers such as x or w1, got {name!r}")
    if name.startswith("__"):
        raise ValueError(f"names starting with '__' are not allowed, got {name!r}")
    if name in FUNCTIONS:
        raise ValueError(f"'{name}' is a function, not a variable: call it as {name}(...)")
    return name


class _Parser:
    """Walks a parsed ``ast`` tree, accepting only the whitelisted node types."""

    def __init__(self, source: str, tape: Tape) -> None:
        self.source = source
        self.tape = tape

    def reject(self, what: str) -> ValueError:
        return ValueError(f"not allowed in an expression: {what}; use {ALLOWED}")

    def visit(self, node: ast.AST, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise ValueError(f"the expression is nested more than {MAX_DEPTH} levels deep")
        index = self._visit(node, depth + 1)
        if index not in self.tape.texts:
            segment = ast.get_source_segment(self.source, node)
            self.tape.texts[index] = " ".join((segment or "").split())
        return index

    def _visit(self, node: ast.AST, depth: int) -> int:
        if isinstance(node, ast.Constant):
            return self.tape.const(self.number(node.value))
        if isinstance(node, ast.Name):
            return self.tape.var(check_name(node.id))
        if isinstance(node, ast.UnaryOp):
            return self.unary(node, depth)
        if isinstance(node, ast.BinOp):
            op = BINARY.get(type(node.op))
            if op is None:
                symbol = _OPERATORS.get(type(node.op), type(node.op).__name__)
                hint = " (write powers as x**2)" if symbol == "^" else ""
                raise self.reject(f"the operator '{symbol}'{hint}")
            return self.tape.apply(op, self.visit(node.left, depth), self.visit(node.right, depth))
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        what = _FORBIDDEN.get(type(node), f"{type(node).__name__} expressions")
        raise self.reject(what)

    def number(self, value: object) -> float:
        if isinstance(value, bool) or value is None:
            raise self.reject(str(value))
        if isinstance(value, str | bytes):
            raise self.reject("strings")
        if isinstance(value, complex):
            raise self.reject("complex numbers")
        if not isinstance(value, int | float):
            raise self.reject(f"the constant {value!r}")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise ValueError("a number in the expression is too large: numbers must be finite floats")
        return number

    def unary(self, node: ast.UnaryOp, depth: int) -> int:
        if isinstance(node.op, ast.UAdd):
            return self.visit(node.operand, depth)
        if not isinstance(node.op, ast.USub):
            symbol = "not" if isinstance(node.op, ast.Not) else "~"
            raise self.reject(f"the operator '{symbol}'")
        if isinstance(node.operand, ast.Constant):
            return self.tape.const(-self.number(node.operand.value))
        return self.tape.apply("neg", self.visit(node.operand, depth))

    def call(self, node: ast.Call, depth: int) -> int:
        func = node.func
        if not isinstance(func, ast.Name):
            raise self.reject("calling anything but a function name")
        if func.id not in FUNCTIONS:
            raise ValueError(
                f"calls to '{func.id}' are not allowed; the functions are {', '.join(FUNCTIONS)}"
            )
        if node.keywords:
            raise self.reject(f"keyword arguments (in {func.id})")
        if len(node.args) != 1:
            raise ValueError(f"{func.id}() takes exactly one argument, got {len(node.args)}")
        return self.tape.apply(func.id, self.visit(node.args[0], depth))


_OPERATORS: dict[type[ast.operator], str] = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
}


def parse(expression: str, tape: Tape | None = None) -> tuple[Tape, int]:
    """Parse ``expression`` into ``tape`` (a new one by default); returns the tape and the output node."""
    if not isinstance(expression, str):
        raise ValueError(f"expression must be a string, got {type(expression).__name__}")
    if len(expression) > MAX_LENGTH:
        raise ValueError(f"expression is {len(expression)} characters long; the limit is {MAX_LENGTH}")
    source = expression.strip()
    if not source:
        raise ValueError("expression is empty; type something like (sigmoid(w*x + b) - y)**2")
    if _bracket_depth(source) > MAX_DEPTH:
        raise ValueError(f"the expression is nested more than {MAX_DEPTH} levels deep")
    tree = _parse_ast(source)
    tape = Tape() if tape is None else tape
    return tape, _Parser(source, tape).visit(tree.body, 0)


def _bracket_depth(source: str) -> int:
    depth = deepest = 0
    for char in source:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def _parse_ast(source: str) -> ast.Expression:
    try:
        return ast.parse(source, mode="eval")
    except (RecursionError, MemoryError):
        raise ValueError(f"the expression is nested more than {MAX_DEPTH} levels deep") from None
    except (SyntaxError, ValueError) as error:
        message = error.msg if isinstance(error, SyntaxError) else str(error)
        if "too many nested" in message:
            raise ValueError(f"the expression is nested more than {MAX_DEPTH} levels deep") from None
        if "null bytes" in message:
            raise ValueError("the expression contains a null character") from None
    try:
        ast.parse(source, mode="exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    else:
        raise ValueError(
            "statements (assignments, imports, ...) are not allowed; type a single expression"
        ) from None
    raise ValueError(f"the expression is not valid: {source[:60]!r}; use {ALLOWED}")


_ASSIGNMENT = re.compile(r"^\s*([^=\s]+)\s*=\s*(\S+)\s*$")


def parse_values(text: str) -> dict[str, float]:
    """Parse variable values typed as ``"w=0.5, x=1.5, b=0.1, y=1"`` (commas or semicolons)."""
    values: dict[str, float] = {}
    for part in re.split(r"[,;]", text):
        if not part.strip():
            continue
        match = _ASSIGNMENT.match(part)
        if match is None:
            raise ValueError(f"values must look like 'w=0.5, x=1.5'; cannot read {part.strip()!r}")
        name, number = check_name(match.group(1)), match.group(2)
        try:
            value = float(number)
        except ValueError:
            raise ValueError(f"the value of {name} must be a number, got {number!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"the value of {name} must be finite, got {number!r}")
        if name in values:
            raise ValueError(f"{name} is given twice in the values")
        values[name] = value
    return values
