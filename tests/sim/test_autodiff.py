"""Reverse-mode autodiff: values and derivatives against closed forms, finite differences and torch;
hostile input; and the backprop and jacobian-hessian simulations built on it."""

from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import matplotlib
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.differentiate import derivative

import sim
from sim import plotting
from sim.arrows import arrows
from sim.autodiff import field, grad, hessian, jacobian, trace
from sim.expr import MAX_DEPTH, MAX_LENGTH, parse_values
from sim.layout import Layout
from sim.simulations import jacobian_hessian
from sim.simulations.backprop import layout


def _sigmoid(z: Any) -> Any:
    return 1.0 / (1.0 + math.exp(-z))


# Independent evaluators for generated expressions: the same closure runs on floats, arrays or tensors.
MATH = SimpleNamespace(
    exp=math.exp, log=math.log, sqrt=math.sqrt, tanh=math.tanh, sin=math.sin, cos=math.cos,
    sigmoid=lambda z: 0.5 * (1.0 + math.tanh(0.5 * z)), relu=lambda z: max(z, 0.0), const=float,
)  # fmt: skip
NUMPY = SimpleNamespace(
    exp=np.exp, log=np.log, sqrt=np.sqrt, tanh=np.tanh, sin=np.sin, cos=np.cos,
    sigmoid=lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), relu=lambda z: np.maximum(z, 0.0), const=np.float64,
)  # fmt: skip


def torch_namespace() -> SimpleNamespace:
    """The closures' functions on float64 torch tensors (skips the test when torch is missing)."""
    torch = pytest.importorskip("torch")
    names = ("exp", "log", "sqrt", "tanh", "sin", "cos", "sigmoid", "relu")
    return SimpleNamespace(
        **{n: getattr(torch, n) for n in names}, const=lambda c: torch.tensor(c, dtype=torch.float64)
    )


Fn = Callable[[Any, dict[str, Any]], Any]
VARIABLES = ("x", "y", "z")


# --- closed forms -------------------------------------------------------------------------------
s = _sigmoid(0.5 * 1.5 + 0.1)
NEURON = {"w": 0.5, "x": 1.5, "b": 0.1, "y": 1.0}
CLOSED_FORMS: list[tuple[str, dict[str, float], float, dict[str, float]]] = [
    (
        "(sigmoid(w*x + b) - y)**2",
        NEURON,
        (s - 1.0) ** 2,
        {
            "w": 2 * (s - 1) * s * (1 - s) * 1.5,
            "x": 2 * (s - 1) * s * (1 - s) * 0.5,
            "b": 2 * (s - 1) * s * (1 - s),
            "y": -2 * (s - 1),
        },
    ),
    ("x*x + x", {"x": 2.0}, 6.0, {"x": 5.0}),
    ("x**3", {"x": -1.3}, -1.3**3, {"x": 3 * 1.3**2}),
    ("log(x*y)", {"x": 2.0, "y": 0.5}, 0.0, {"x": 0.5, "y": 2.0}),
    ("x / y", {"x": 3.0, "y": -2.0}, -1.5, {"x": -0.5, "y": -0.75}),
    ("sqrt(x)", {"x": 4.0}, 2.0, {"x": 0.25}),
    ("tanh(x)", {"x": 0.7}, math.tanh(0.7), {"x": 1 - math.tanh(0.7) ** 2}),
    ("exp(-x) * sin(x)", {"x": 1.2}, math.exp(-1.2) * math.sin(1.2),
     {"x": math.exp(-1.2) * (math.cos(1.2) - math.sin(1.2))}),
    ("cos(x*y)", {"x": 0.3, "y": 2.0}, math.cos(0.6), {"x": -2.0 * math.sin(0.6), "y": -0.3 * math.sin(0.6)}),
    ("relu(x) + relu(-x)", {"x": -2.0}, 2.0, {"x": -1.0}),
    ("2**x", {"x": 1.5}, 2**1.5, {"x": math.log(2) * 2**1.5}),
    ("x**y", {"x": 2.0, "y": 3.0}, 8.0, {"x": 12.0, "y": 8.0 * math.log(2.0)}),
    ("-x + +y - -z", {"x": 1.0, "y": 2.0, "z": 3.0}, 4.0, {"x": -1.0, "y": 1.0, "z": 1.0}),
    ("sigmoid(x)", {"x": -40.0}, _sigmoid(-40.0), {"x": _sigmoid(-40.0) * (1 - _sigmoid(-40.0))}),
    ("3", {}, 3.0, {}),
    ("x", {"x": 1.0, "unused": 2.0}, 1.0, {"x": 1.0, "unused": 0.0}),
]  # fmt: skip


def central(expression: str, values: dict[str, float], name: str, h: float = 1e-6) -> float:
    up, down = dict(values), dict(values)
    up[name] += h
    down[name] -= h
    return (grad(expression, up)[0] - grad(expression, down)[0]) / (2 * h)


@pytest.mark.parametrize(("expression", "values", "value", "partials"), CLOSED_FORMS)
def test_value_and_gradient_match_closed_forms_and_finite_differences(
    expression: str, values: dict[str, float], value: float, partials: dict[str, float]
) -> None:
    got_value, got = grad(expression, values)
    assert got_value == pytest.approx(value, rel=1e-12, abs=1e-15)
    assert list(got) == list(values)
    for name in values:
        assert got[name] == pytest.approx(partials[name], rel=1e-12, abs=1e-15)
        assert got[name] == pytest.approx(central(expression, values, name), rel=1e-6, abs=1e-8)
        assert isinstance(got[name], float)


# --- generated expressions ----------------------------------------------------------------------
def _leaf() -> st.SearchStrategy[tuple[str, Fn]]:
    variable = st.sampled_from(VARIABLES).map(lambda n: (n, lambda m, env, n=n: env[n]))
    number = st.integers(1, 30).map(lambda k: (f"{k / 10:g}", lambda m, env, c=k / 10: m.const(c)))
    return variable | number


def _extend(children: st.SearchStrategy[tuple[str, Fn]], relu: bool) -> st.SearchStrategy[tuple[str, Fn]]:
    def unary(name: str, fn: Callable[[Any, Any], Any]) -> st.SearchStrategy[tuple[str, Fn]]:
        return children.map(lambda c: (f"{name}({c[0]})", lambda m, env, f=c[1]: fn(m, f(m, env))))

    def binary(op: str, fn: Callable[[Any, Any], Any]) -> st.SearchStrategy[tuple[str, Fn]]:
        return st.tuples(children, children).map(
            lambda p: (
                f"({p[0][0]}) {op} ({p[1][0]})",
                lambda m, env, a=p[0][1], b=p[1][1]: fn(a(m, env), b(m, env)),
            )
        )

    options = [
        unary("exp", lambda m, a: m.exp(a)), unary("sin", lambda m, a: m.sin(a)),
        unary("cos", lambda m, a: m.cos(a)), unary("tanh", lambda m, a: m.tanh(a)),
        unary("sigmoid", lambda m, a: m.sigmoid(a)), unary("-", lambda m, a: -a),
        children.map(lambda c: (f"log(1 + ({c[0]})**2)", lambda m, env, f=c[1]: m.log(1 + f(m, env) ** 2))),
        children.map(lambda c: (
            f"sqrt(2 + sin({c[0]}))", lambda m, env, f=c[1]: m.sqrt(2 + m.sin(f(m, env)))
        )),
        binary("+", lambda a, b: a + b), binary("-", lambda a, b: a - b), binary("*", lambda a, b: a * b),
        st.tuples(children, children).map(lambda p: (
            f"({p[0][0]}) / (1 + ({p[1][0]})**2)",
            lambda m, env, a=p[0][1], b=p[1][1]: a(m, env) / (1 + b(m, env) ** 2),
        )),
        st.tuples(children, st.integers(2, 3)).map(lambda p: (
            f"({p[0][0]})**{p[1]}", lambda m, env, a=p[0][1], k=p[1]: a(m, env) ** k
        )),
    ]  # fmt: skip
    if relu:
        options.append(unary("relu", lambda m, a: m.relu(a)))
    return st.one_of(options)


def expressions(relu: bool = False) -> st.SearchStrategy[tuple[str, Fn]]:
    return st.recursive(_leaf(), lambda c: _extend(c, relu), max_leaves=10)


points = st.fixed_dictionaries({n: st.floats(-2.0, 2.0, allow_subnormal=False) for n in VARIABLES})
FAST = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def reference(fn: Fn, values: dict[str, float]) -> float | None:
    """The closure's value with plain floats, or None where it overflows."""
    try:
        value = float(fn(MATH, values))
    except (OverflowError, ValueError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) and abs(value) < 1e8 else None


@FAST
@given(expressions(), points)
def test_generated_expressions_match_an_independent_evaluator_and_finite_differences(
    case: tuple[str, Fn], values: dict[str, float]
) -> None:
    text, fn = case
    expected = reference(fn, values)
    assume(expected is not None)
    value, partials = grad(text, values)
    assert value == pytest.approx(expected, rel=1e-9, abs=1e-12)
    for name in VARIABLES:

        def along(t: np.ndarray, name: str = name) -> np.ndarray:
            return np.asarray(fn(NUMPY, {**values, name: t}), dtype=float) + 0.0 * t

        numeric = derivative(along, values[name], initial_step=0.05)
        assert partials[name] == pytest.approx(
            float(numeric.df), rel=1e-5, abs=1e-6 + 10 * float(numeric.error)
        )


@FAST
@given(expressions(relu=True), points)
def test_generated_expressions_match_torch_autograd(case: tuple[str, Fn], values: dict[str, float]) -> None:
    torch = pytest.importorskip("torch")
    text, fn = case
    assume(reference(fn, values) is not None)
    tensors = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in values.items()}
    out = fn(torch_namespace(), tensors) + 0.0 * sum(tensors.values())
    out.backward()
    value, partials = grad(text, values)
    assert value == pytest.approx(out.item(), rel=1e-9, abs=1e-12)
    for name, tensor in tensors.items():
        assert partials[name] == pytest.approx(tensor.grad.item(), rel=1e-8, abs=1e-10)


@settings(max_examples=20, deadline=None, database=None)
@given(expressions(relu=True), points)
def test_hessian_matches_torch_and_is_symmetric(case: tuple[str, Fn], values: dict[str, float]) -> None:
    torch = pytest.importorskip("torch")
    text, fn = case
    assume(reference(fn, values) is not None)
    x = torch.tensor([values[n] for n in VARIABLES], dtype=torch.float64)

    namespace = torch_namespace()

    def scalar(v: Any) -> Any:
        return fn(namespace, dict(zip(VARIABLES, v, strict=True))) + 0.0 * v.sum()

    expected = torch.autograd.functional.hessian(scalar, x).numpy()
    got = hessian(text, {n: values[n] for n in VARIABLES})
    assert got.shape == (3, 3) and np.array_equal(got, got.T)
    assert_allclose(got, expected, rtol=1e-7, atol=1e-9)


# --- jacobian and hessian -----------------------------------------------------------------------
def test_jacobian_rows_are_gradients_and_match_finite_differences() -> None:
    rows = ["x*y", "sin(x) + y**2", "exp(x - z)", "3"]
    values = {"z": 0.4, "x": 1.1, "y": -0.7}
    matrix = jacobian(rows, values)
    assert matrix.shape == (4, 3) and matrix.dtype == np.float64
    for r, text in enumerate(rows):
        _, partials = grad(text, values)
        assert_allclose(matrix[r], [partials[n] for n in values], rtol=1e-15)
        assert_allclose(matrix[r], [central(text, values, n) for n in values], rtol=1e-6, atol=1e-8)
    assert_allclose(matrix[0], [0.0, -0.7, 1.1])
    assert not matrix[3].any()


def test_jacobian_refuses_a_single_string_and_an_empty_list() -> None:
    bad: Any
    for bad in ("x*y", []):
        with pytest.raises(ValueError, match="list of expression"):
            jacobian(bad, {"x": 1.0, "y": 2.0})


def test_hessian_matches_closed_forms_and_finite_differences_of_the_gradient() -> None:
    x, y = 0.3, 0.7
    got = hessian("x**2*y + sin(x*y)", {"x": x, "y": y})
    cross = 2 * x + math.cos(x * y) - x * y * math.sin(x * y)
    expected = [[2 * y - y * y * math.sin(x * y), cross], [cross, -x * x * math.sin(x * y)]]
    assert_allclose(got, expected, rtol=1e-12)
    text, values, h = "log(1 + x**2) * tanh(y) / (1 + exp(x*y))", {"x": 0.9, "y": -0.4}, 1e-5
    numeric = np.zeros((2, 2))
    for j, name in enumerate(values):
        up, down = dict(values), dict(values)
        up[name] += h
        down[name] -= h
        numeric[:, j] = [(grad(text, up)[1][n] - grad(text, down)[1][n]) / (2 * h) for n in values]
    assert_allclose(hessian(text, values), numeric, rtol=1e-6, atol=1e-9)
    assert_allclose(hessian("relu(x)**2 + 3*y", {"x": 1.5, "y": 2.0, "q": 1.0}), np.diag([2.0, 0.0, 0.0]))


# --- traced graph, field and values -------------------------------------------------------------
def test_trace_shares_repeated_variables_and_records_values_and_adjoints() -> None:
    graph = trace("x*x + x", {"x": 2.0})
    assert [n.op for n in graph.nodes] == ["var", "mul", "add"]
    assert [n.value for n in graph.nodes] == [2.0, 4.0, 6.0]
    assert [n.grad for n in graph.nodes] == [5.0, 1.0, 1.0]
    assert graph.edges() == [(0, 1), (0, 1), (1, 2), (0, 2)]
    assert graph.backward_edges == 4
    neuron = trace("(sigmoid(w*x + b) - y)**2", NEURON)
    assert len(neuron.nodes) == 10 and neuron.nodes[-1].text == "(sigmoid(w*x + b) - y)**2"
    assert [n.grad for n in neuron.nodes if n.op == "const"] == [None]
    assert neuron.gradient == grad("(sigmoid(w*x + b) - y)**2", NEURON)[1]


def test_field_evaluates_value_and_gradient_elementwise() -> None:
    xs, ys = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(0.5, 2, 4))
    value, partials = field("x*y + log(y)", {"x": xs, "y": ys})
    assert value.shape == partials["x"].shape == (4, 5)
    for i, j in np.ndindex(xs.shape):
        point_value, point = grad("x*y + log(y)", {"x": float(xs[i, j]), "y": float(ys[i, j])})
        assert value[i, j] == pytest.approx(point_value) and partials["y"][i, j] == pytest.approx(point["y"])
    assert np.isnan(field("log(x)", {"x": np.array([-1.0, 1.0])})[0][0])


def test_parse_values_reads_names_and_numbers() -> None:
    assert parse_values("w=0.5, x=-1.5e-1; b = 2") == {"w": 0.5, "x": -0.15, "b": 2.0}
    for bad, message in [("w", "look like"), ("w=abc", "number"), ("w=1, w=2", "twice"),
                         ("w=inf", "finite"), ("2w=1", "identifiers"), ("exp=1", "function")]:  # fmt: skip
        with pytest.raises(ValueError, match=message):
            parse_values(bad)


# --- hostile input ------------------------------------------------------------------------------
HOSTILE = [
    ("x.real", "attribute access"),
    ("x[0]", "subscripts"),
    ("foo(x)", "calls to 'foo'"),
    ("__import__('os')", "calls to '__import__'"),
    ("exp(x=1)", "keyword arguments"),
    ("exp(x, y)", "exactly one argument"),
    ("exp(*x)", "starred"),
    ("(lambda: 1)()", "calling anything but a function name"),
    ("lambda: 1", "lambda"),
    ("[x for x in y]", "comprehensions"),
    ("'text'", "strings"),
    ("f'{x}'", "strings"),
    ("a = 1", "statements"),
    ("import os", "statements"),
    ("(y := 1)", "assignment expressions"),
    ("x if y else 1", "conditional"),
    ("x < y", "comparisons"),
    ("x and y", "boolean"),
    ("not x", "'not'"),
    ("x ^ 2", "write powers as x\\*\\*2"),
    ("x // 2", "'//'"),
    ("True", "True"),
    ("1j", "complex"),
    ("[x, y]", "lists"),
    ("x, y", "tuples"),
    ("__builtins__", "'__'"),
    ("exp", "is a function"),
    ("x" * (MAX_LENGTH + 1), "limit"),
    ("(" * 150 + "x" + ")" * 150, "nested"),
    ("(" * 240 + "x" + ")" * 240, "nested"),
    ("(-" * 120 + "x" + ")" * 120, "nested"),
    ("-" * 400 + "x", "nested"),
    ("2**" * 160 + "2", "nested"),
    ("+-" * (MAX_DEPTH + 5) + "x", "nested"),
    ("9**9**9", "inf"),
    ("10**400", "inf"),
    ("1e999", "too large"),
    ("9" * 400, "too large"),
    ("exp(exp(exp(exp(x))))", "inf"),
    ("log(0)", "-inf"),
    ("log(x - 1)", "'log\\(x - 1\\)' is -inf"),
    ("1/(x - 1)", "inf"),
    ("sqrt(-1)", "nan"),
    ("sqrt(x - 1)", "derivative with respect to 'x'"),
    ("(-8)**(1/3)", "nan"),
    ("undefined + x", "undefined variable 'undefined'"),
    ("x +", "not valid"),
    ("", "empty"),
    ("x\0", "null"),
]


@pytest.mark.parametrize(("expression", "message"), HOSTILE)
def test_hostile_expressions_raise_value_error(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        grad(expression, {"x": 1.0, "y": 2.0})


@pytest.mark.parametrize("values", [{"x": math.nan}, {"x": True}, {"x": "1"}, {"1x": 1.0}, {"exp": 1.0}])
def test_bad_values_raise_value_error(values: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        grad("x", values)


# --- the simulations ----------------------------------------------------------------------------
def test_backprop_answers_match_the_closed_form_and_the_graph_flows_left_to_right() -> None:
    result = sim.run("backprop")
    answers: dict[str, Any] = result.answers
    _, _, _, partials = CLOSED_FORMS[0]
    assert answers["variables"] == ["w", "x", "b", "y"]
    assert_allclose(answers["gradient"], list(partials.values()), rtol=1e-12)
    assert answers["fd_max_error"] < 1e-8 and answers["nodes"] == 10
    xs, ys = result.data["x"], result.data["y"]
    graph = result.data["graph"]
    assert all(xs[a] < xs[b] for a, b in graph.edges())
    assert xs[-1] == xs.max() and len(set(zip(xs, ys, strict=True))) == len(xs)
    assert layout(trace("x", {"x": 1.0}))[0].tolist() == [0.0]


def test_backprop_finite_difference_error_grows_with_a_coarse_step() -> None:
    fine: Any = sim.run("backprop", {"fd_step": 1e-5}).answers["fd_max_error"]
    coarse: Any = sim.run("backprop", {"fd_step": 0.1}).answers["fd_max_error"]
    assert 1e-4 < coarse < 1e-1 and fine < 1e-8


def test_backprop_reports_bad_expressions_and_missing_values() -> None:
    with pytest.raises(ValueError, match="undefined variable 'q'"):
        sim.run("backprop", {"expression": "q*w"})
    with pytest.raises(ValueError, match="attribute access"):
        sim.run("backprop", {"expression": "w.real"})


def test_jacobian_hessian_answers_match_closed_forms_and_counted_costs() -> None:
    result = sim.run("jacobian-hessian", {"x": 0.8, "y": -0.3, "outputs": 5, "inputs": 3})
    answers: dict[str, Any] = result.answers
    x, y = 0.8, -0.3
    expected = np.array([[3 * x * x - 2, 1.0], [1.0, 2.0]])
    assert_allclose(answers["hessian"], expected, rtol=1e-12)
    assert_allclose(answers["hessian_eigenvalues"], np.linalg.eigvalsh(expected), rtol=1e-12)
    assert_allclose(answers["gradient"], [x**3 - 2 * x + y, 2 * y + x], rtol=1e-12)
    net, u = result.data["network"], result.data["u"]
    hidden = np.tanh(net.w1 @ np.array(list(net.point.values())) + net.b1)
    closed = (net.w2 * (1 - hidden**2)) @ net.w1
    assert_allclose(answers["jacobian"], closed[:5], rtol=1e-12, atol=1e-15)
    assert_allclose(answers["vjp"], u @ closed[:5], rtol=1e-12, atol=1e-15)
    assert answers["vjp_passes"] == 1 and answers["jacobian_passes"] == 5
    # Every edge costs one multiply-add: 3n per hidden unit, 3H - 2 per output row, 3 per term of u.g.
    n, h, m = 3, net.w1.shape[0], 5
    assert answers["jacobian_operations"] == m * (3 * n * h + 3 * h - 2)
    assert answers["vjp_operations"] == 3 * n * h + m * (3 * h - 2) + 3 * m - 2


def test_jacobian_hessian_refuses_other_variables() -> None:
    with pytest.raises(ValueError, match="undefined variable 'z'"):
        sim.run("jacobian-hessian", {"function": "x*z"})


def test_derivatives_of_a_cached_expression_are_those_of_a_fresh_one() -> None:
    """Sweeps are cached by the expression's text: later calls, in any order, must not see each other."""
    text = "sin(x*y) + x**3/y - sqrt(x)"
    at = {"x": 0.7, "y": 1.3}
    matrix, swapped = hessian(text, at), hessian(text, {"y": 1.3, "x": 0.7})
    gradient = grad(text, at)
    values, slopes = field(text, {"x": np.array([0.7, 2.0]), "y": 1.3})
    assert_allclose(swapped, matrix[::-1, ::-1], rtol=1e-12)
    for _ in range(2):
        assert grad(text, at) == gradient
        np.testing.assert_array_equal(hessian(text, {"y": 1.3, "x": 0.7}), swapped)
        np.testing.assert_array_equal(hessian(text, at), matrix)
        value, slope = field(text, {"x": np.array([0.7, 2.0]), "y": 1.3})
        np.testing.assert_array_equal(value, values)
        np.testing.assert_array_equal(slope["x"], slopes["x"])
    with pytest.raises(ValueError, match="undefined variable 'y'"):
        grad(text, {"x": 1.0})
    with pytest.raises(ValueError, match="expression must be a string"):
        grad(["x"], {"x": 1.0})  # type: ignore[arg-type]


def test_jacobian_hessian_network_costs_are_the_same_for_every_number_of_outputs() -> None:
    """The sweeps are cached per network: each number of outputs reads its rows from the same sweeps."""
    full: dict[str, Any] = sim.run("jacobian-hessian", {"outputs": 8, "inputs": 5}).answers
    for m in range(1, 9):
        answers: dict[str, Any] = sim.run("jacobian-hessian", {"outputs": m, "inputs": 5}).answers
        assert answers["jacobian"] == full["jacobian"][:m]
        assert answers["jacobian_passes"] == m
    other = sim.run("jacobian-hessian", {"outputs": 8, "inputs": 5}, seed=1).answers
    assert other["jacobian"] != full["jacobian"], "another seed draws another network"


def test_jacobian_hessian_draws_filled_contours_and_arrows_as_contourf_and_quiver_do() -> None:
    """``bands`` and ``arrows`` are cheaper stand-ins for ``contourf`` and ``quiver``: the same pixels."""
    xx, yy = np.meshgrid(np.linspace(-1.0, 3.0, 41), np.linspace(-2.0, 2.0, 41))
    with np.errstate(all="ignore"):
        surface = np.ma.masked_invalid(np.log(xx) + yy**2)
    u, v = np.cos(xx[::5, ::5] * yy[::5, ::5]), np.sin(xx[::5, ::5] + yy[::5, ::5])
    pixels = []
    for cheap in (False, True):
        fig = plotting.new_figure(300, 300)
        drawing = Layout(fig)
        drawing.begin("bands")
        ax = drawing.add_subplot()
        if cheap:
            jacobian_hessian.bands(drawing, ax, xx, yy, surface)
            arrows(drawing, ax, xx[::5, ::5], yy[::5, ::5], 0.3 * u, 0.3 * v, 0.008 * 4, facecolors="k")
        else:
            levels = np.unique(np.quantile(surface.compressed(), np.linspace(0.0, 1.0, 11)))
            shades = matplotlib.colormaps["Blues"](np.linspace(0.08, 0.62, len(levels) - 1))
            ax.contourf(xx, yy, surface, levels=levels, colors=shades)
            ax.quiver(xx[::5, ::5], yy[::5, ::5], u, v, color="k", angles="xy", scale_units="xy",
                      scale=1 / 0.3, width=0.008)  # fmt: skip
        ax.set_xlim(-1.0, 3.0)
        ax.set_ylim(-2.0, 2.0)
        ax.set_aspect("equal", adjustable="box")
        drawing.end()
        pixels.append(plotting.to_rgba(fig).astype(int))
    differ = np.abs(pixels[0] - pixels[1]).max(axis=-1)
    assert (differ > 0).mean() < 0.001 and differ.max() <= 8  # identical but for rounding
