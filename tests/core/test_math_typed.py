"""Typed formulas compared with the expected one: LaTeX, Unicode and plain words agree; a changed
symbol, sign or bracket does not."""

from __future__ import annotations

import pytest

from studyapp.math.typed import canonical_text, same_formula, typed_latex


@pytest.mark.parametrize(
    ("typed", "latex"),
    [
        ("σ(x)", "\\sigma (x)"),
        ("sigma_1", "\\sigma _1"),
        ("x²ᵢ", "x^{2}_{i}"),
        ("floor(a/b)", "\\lfloor a/b\\rfloor "),
        ("sqrt(x + 1)", "\\sqrt{x + 1}"),
        ("e^(z_i - m)", "e^{z_i - m}"),
        ("m̂", "\\hat{m}"),
        ("$x$", "x"),
        ("√(v̂)", "\\sqrt{\\hat{v}}"),
    ],
)
def test_typed_text_becomes_latex(typed: str, latex: str) -> None:
    assert typed_latex(typed) == latex


@pytest.mark.parametrize(
    ("expected", "typed"),
    [
        ("a \\le b", "a ≤ b"),
        ("a \\leq b", "a ≤ b"),
        ("a \\cdot b", "ab"),
        ("a \\times b", "a*b"),
        ("\\frac{a + b}{c}", "(a+b)/c"),
        ("\\frac{a}{b c}", "a/(bc)"),
        ("\\frac{a}{b c}", "a/bc"),
        ("x_{i}^{2}", "x_i^2"),
        ("\\mathbf{x}", "x"),
        ("\\mathrm{softmax}(z)", "softmax(z)"),
        ("\\left( a \\right)", "(a)"),
        ("\\theta - \\eta g", "θ − ηg"),
        ("\\theta - \\eta g", "theta - eta g"),
    ],
)
def test_the_same_formula_written_another_way(expected: str, typed: str) -> None:
    assert same_formula(expected, typed)


@pytest.mark.parametrize(
    ("expected", "typed"),
    [
        ("a - b", "a + b"),
        ("a - b", "b - a"),
        ("\\frac{a + b}{c}", "a + b/c"),
        ("x^2", "x_2"),
        ("\\mathbb{R}", "R"),
        ("\\sigma(x)", "s(x)"),
        ("\\theta", "0"),
    ],
)
def test_a_different_formula(expected: str, typed: str) -> None:
    assert not same_formula(expected, typed)


def test_an_unreadable_typed_formula_is_compared_as_text() -> None:
    assert canonical_text("\\frac{a}") is None
    assert not same_formula("a", "\\frac{a}")
    assert same_formula("\\frac{a", "\\frac{a")  # both unreadable and written the same
