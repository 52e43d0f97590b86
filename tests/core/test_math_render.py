"""Formulas drawn as Unicode: every formula of the bundled deck against its golden text, and the layout
rules (spacing, scripts, fractions, tall brackets, highlights) on small cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from studyapp.cloze import full_text, parse_cloze
from studyapp.content import load_library
from studyapp.math import (
    MARK_END,
    MARK_START,
    FormulaPart,
    MarkdownPart,
    Part,
    formula_lines,
    markdown_parts,
    plain_text,
    split,
    strip_markers,
    unicode_text,
)
from studyapp.math.render import width

#: Every formula of the bundled deck (its LaTeX, and whether it is display math) and how it is drawn.
GOLDEN: dict[tuple[str, bool], tuple[str, ...]] = {
    ("x = 0", False): ("x = 0",),
    ("\\frac{1}{4}", False): ("1/4",),
    (
        "\\sigma(x) = \\frac{1}{1 + e^{-x}},"
        " \\qquad \\sigma'(x) = \\sigma(x)(1 - \\sigma(x)) \\le \\frac{1}{4}",
        True,
    ): (
        "           1                                    1",
        "σ(x) = ─────────,     σ′(x) = σ(x)(1 − σ(x)) ≤ ───",
        "        1 + e⁻ˣ                                 4",
    ),
    ("L", False): ("L",),
    ("\\eta", False): ("η",),
    ("\\theta_{t+1} = \\theta_t - \\eta \\nabla_\\theta L(\\theta_t)", True): ("θₜ₊₁ = θₜ − η∇_θL(θₜ)",),
    ("t = 1, 2, \\ldots", False): ("t = 1, 2, …",),
    ("g_t = \\nabla_\\theta L(\\theta_{t-1})", False): ("gₜ = ∇_θL(θₜ₋₁)",),
    ("m", False): ("m",),
    ("v", False): ("v",),
    ("\\beta_1 = 0.9", False): ("β₁ = 0.9",),
    ("\\beta_2 = 0.999", False): ("β₂ = 0.999",),
    (
        "m_t = \\beta_1 m_{t-1} + (1 - \\beta_1)\\, g_t,"
        " \\qquad v_t = \\beta_2 v_{t-1} + (1 - \\beta_2)\\, g_t^2",
        True,
    ): ("mₜ = β₁mₜ₋₁ + (1 − β₁) gₜ,     vₜ = β₂vₜ₋₁ + (1 − β₂) gₜ²",),
    ("\\hat m_t = \\frac{m_t}{1 - \\beta_1^t}, \\qquad \\hat v_t = \\frac{v_t}{1 - \\beta_2^t}", True): (
        "        mₜ                  vₜ",
        "m̂ₜ = ─────────,     v̂ₜ = ─────────",
        "      1 − β₁ᵗ             1 − β₂ᵗ",
    ),
    ("\\theta_t = \\theta_{t-1} - \\eta \\frac{\\hat m_t}{\\sqrt{\\hat v_t} + \\epsilon}", True): (
        "                m̂ₜ",
        "θₜ = θₜ₋₁ − η─────────",
        "              √v̂ₜ + ϵ",
    ),
    ("\\mu", False): ("μ",),
    ("v_0 = 0", False): ("v₀ = 0",),
    (
        "v_{t+1} = \\mu v_t + \\nabla_\\theta L(\\theta_t),"
        " \\qquad \\theta_{t+1} = \\theta_t - \\eta v_{t+1}",
        True,
    ): ("vₜ₊₁ = μvₜ + ∇_θL(θₜ),     θₜ₊₁ = θₜ − ηvₜ₊₁",),
    ("C_{\\text{out}}", False): ("Cₒᵤₜ",),
    ("k_h \\times k_w", False): ("kₕ × k_w",),
    ("C_{\\text{in}}", False): ("Cᵢₙ",),
    ("P = (k_h k_w C_{\\text{in}} + 1)\\, C_{\\text{out}}", True): ("P = (kₕk_wCᵢₙ + 1) Cₒᵤₜ",),
    ("(3 \\cdot 3 \\cdot 64 + 1) \\cdot 128", False): ("(3 · 3 · 64 + 1) · 128",),
    ("n", False): ("n",),
    ("k", False): ("k",),
    ("p", False): ("p",),
    ("s", False): ("s",),
    ("o = \\left\\lfloor \\frac{n + 2p - k}{s} \\right\\rfloor + 1", True): (
        "    ⎢ n + 2p − k ⎥",
        "o = ⎢────────────⎥ + 1",
        "    ⎣     s      ⎦",
    ),
    ("n = 32", False): ("n = 32",),
    ("k = 3", False): ("k = 3",),
    ("p = 1", False): ("p = 1",),
    ("s = 2", False): ("s = 2",),
    ("o = 16", False): ("o = 16",),
    ("m = \\max_j z_j", False): ("m = maxⱼ zⱼ",),
    ("e^0 = 1", False): ("e⁰ = 1",),
    ("\\log \\sum_j e^{z_j} = m + \\log \\sum_j e^{z_j - m}", True): ("log ∑ⱼ e^(zⱼ) = m + log ∑ⱼ e^(zⱼ−m)",),
    (
        "\\mathrm{softmax}(z)_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}} "
        "= \\frac{e^{z_i - m}}{\\sum_j e^{z_j - m}}",
        True,
    ): (
        "                e^(zᵢ)        e^(zᵢ−m)",
        "softmax(z)ᵢ = ─────────── = ─────────────",
        "               ∑ⱼ e^(zⱼ)     ∑ⱼ e^(zⱼ−m)",
    ),
    ("f", False): ("f",),
    ("\\mathbb{R}^n", False): ("ℝⁿ",),
    ("\\mathbb{R}^m", False): ("ℝᵐ",),
    ("m \\times n", False): ("m × n",),
    ("J_{ij} = \\frac{\\partial f_i}{\\partial x_j}", True): ("       ∂fᵢ", "Jᵢⱼ = ─────", "       ∂xⱼ"),
    ("v^\\top J", False): ("vᵀJ",),
    ("J", False): ("J",),
    ("x_1, \\ldots, x_n", False): ("x₁, …, xₙ",),
    ("n \\times n", False): ("n × n",),
    ("H_{ij} = \\frac{\\partial^2 f}{\\partial x_i \\, \\partial x_j}", True): (
        "         ∂²f",
        "Hᵢⱼ = ─────────",
        "       ∂xᵢ ∂xⱼ",
    ),
    ("H_{ij} = H_{ji}", False): ("Hᵢⱼ = Hⱼᵢ",),
    ("z", False): ("z",),
    ("p = \\mathrm{softmax}(z)", False): ("p = softmax(z)",),
    ("y", False): ("y",),
    ("L = -\\sum_i y_i \\log p_i, \\qquad \\frac{\\partial L}{\\partial z_i} = p_i - y_i", True): (
        "                        ∂L",
        "L = −∑ᵢ yᵢ log pᵢ,     ───── = pᵢ − yᵢ",
        "                        ∂zᵢ",
    ),
    ("\\nabla f", False): ("∇f",),
    ("-\\nabla f", False): ("−∇f",),
    ("\\sigma'(x) = [\\ldots]", False): ("σ′(x) = […]",),
    ("\\sigma(x)(1 - \\sigma(x))", False): ("σ(x)(1 − σ(x))",),
    ("\\sigma'", False): ("σ′",),
    ("\\sigma'(x) = \\sigma(x)(1 - \\sigma(x))", False): ("σ′(x) = σ(x)(1 − σ(x))",),
    ("o = [\\text{in n, k, p and s}]", False): ("o = [in n, k, p and s]",),
    ("\\left\\lfloor \\frac{n + 2p - k}{s} \\right\\rfloor + 1", False): ("⌊(n + 2p − k)/s⌋ + 1",),
    ("o = \\left\\lfloor \\frac{n + 2p - k}{s} \\right\\rfloor + 1", False): ("o = ⌊(n + 2p − k)/s⌋ + 1",),
    ("m = [\\ldots]", False): ("m = […]",),
    ("\\log \\sum_j e^{z_j} = m + \\log \\sum_j e^{z_j - m}", False): (
        "log ∑ⱼ e^(zⱼ) = m + log ∑ⱼ e^(zⱼ−m)",
    ),
    ("\\max_j z_j", False): ("maxⱼ zⱼ",),
    ("\\log \\sum_j e^{z_j} = [\\ldots]", False): ("log ∑ⱼ e^(zⱼ) = […]",),
    ("m + \\log \\sum_j e^{z_j - m}", False): ("m + log ∑ⱼ e^(zⱼ−m)",),
    ("\\frac{\\partial L}{\\partial z} = [\\ldots]", False): ("∂L/∂z = […]",),
    ("p - y", False): ("p − y",),
    ("\\frac{\\partial L}{\\partial z} = p - y", False): ("∂L/∂z = p − y",),
    ("\\hat m_t = \\frac{m_t}{1 - \\beta_1^t}", False): ("m̂ₜ = mₜ/(1 − β₁ᵗ)",),
    ("\\hat m_t = [\\ldots]", False): ("m̂ₜ = […]",),
    ("\\frac{m_t}{1 - \\beta_1^t}", False): ("mₜ/(1 − β₁ᵗ)",),
    ("J_{ij} = [\\ldots]", False): ("Jᵢⱼ = […]",),
    ("H_{ij} = \\frac{\\partial^2 f}{\\partial x_i \\, \\partial x_j}", False): ("Hᵢⱼ = ∂²f/(∂xᵢ ∂xⱼ)",),
    ("\\frac{\\partial f_i}{\\partial x_j}", False): ("∂fᵢ/∂xⱼ",),
    ("J_{ij} = \\frac{\\partial f_i}{\\partial x_j}", False): ("Jᵢⱼ = ∂fᵢ/∂xⱼ",),
    ("H_{ij} = [\\ldots]", False): ("Hᵢⱼ = […]",),
    ("\\frac{\\partial^2 f}{\\partial x_i \\, \\partial x_j}", False): ("∂²f/(∂xᵢ ∂xⱼ)",),
    ("F(x)", False): ("F(x)",),
    ("x", False): ("x",),
    ("F(x) + x", False): ("F(x) + x",),
    # the drill cards' details
    ("e^{z_k} / \\sum_j e^{z_j}", False): ("e^(zₖ)/ ∑ⱼ e^(zⱼ)",),
    ("x \\leftarrow x - \\eta \\, \\partial f / \\partial x", False): ("x ← x − η ∂f/∂x",),
}


def deck_formulas() -> set[tuple[str, bool]]:
    """Every formula in the bundled deck's text, a cloze note's with its answers in place."""
    found = set()
    for card in load_library(user_dir=Path("/nonexistent")).cards:
        texts = [card.question, card.answer, card.details, card.note]
        if card.cloze:
            texts.append(full_text(card.cloze, parse_cloze(card.cloze))[0])
        for text in texts:
            found |= {(s.text, s.part is Part.DISPLAY) for s in split(text) if s.part is not Part.TEXT}
    return found


def test_every_formula_of_the_bundled_deck_has_its_golden_text() -> None:
    assert deck_formulas() == set(GOLDEN)


@pytest.mark.parametrize(("source", "display"), sorted(GOLDEN))
def test_a_deck_formula_is_drawn_as_its_golden_text(source: str, display: bool) -> None:
    lines = formula_lines(source, display)
    assert lines == GOLDEN[source, display]
    if len(lines) > 1:  # a stacked fraction: its rule as wide as its widest part, the lines aligned
        assert len({width(line.rstrip()) for line in lines}) > 1 or len(lines) == 1
        assert any(set(line.strip()) <= set("─⎢⎥|") or "─" in line for line in lines)


# --- layout rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "drawn"),
    [
        (r"a=b", "a = b"),  # spaces around relations
        (r"a-b", "a − b"),  # a minus sign, binary
        (r"-a", "−a"),  # unary: no space
        (r"a = -b", "a = −b"),
        (r"(-1)^n", "(−1)ⁿ"),
        (r"x_{t+1}", "xₜ₊₁"),  # Unicode subscripts where every character has one
        (r"x_{w}", "x_w"),  # and _x where one does not
        (r"x_{wy}", "x_(wy)"),
        (r"e^{z_i}", "e^(zᵢ)"),
        (r"x^{2}_{i}", "xᵢ²"),
        (r"f''(x)", "f′′(x)"),
        (r"\frac{a+b}{c}", "(a + b)/c"),
        (r"\frac{ab}{c d}", "ab/cd"),
        (r"\sqrt{x+1}", "√(x + 1)"),
        (r"\sqrt[3]{x}", "∛x"),
        (r"\hat{x}", "x\u0302"),
        (r"\mathbb{R}", "ℝ"),
        (r"\operatorname{softmax}(z)", "softmax(z)"),
        (r"2\log x", "2 log x"),
        (r"\left( a \right.", "(a"),
        (r"\{1, 2\}", "{1, 2}"),
        (r"\$5", "$5"),
    ],
)
def test_inline_layout(source: str, drawn: str) -> None:
    assert formula_lines(source) == (drawn,)


def test_a_tall_fraction_gets_tall_brackets_and_its_exponent_at_the_top() -> None:
    assert formula_lines(r"\left( \frac{a}{b} \right)^2", display=True) == ("⎛ a ⎞²", "⎜───⎟", "⎝ b ⎠")
    assert formula_lines(r"\left\{ \frac{1}{2} \right\}", display=True) == ("⎧ 1 ⎫", "⎨───⎬", "⎩ 2 ⎭")


def test_a_nested_fraction_stacks_twice() -> None:
    lines = formula_lines(r"\frac{\frac{a}{b}}{c}", display=True)
    assert lines == ("  a", " ───", "  b", "─────", "  c")


def test_highlight_markers_take_no_room_and_wrap_every_line_of_a_stacked_part() -> None:
    source = f"x = {MARK_START}\\frac{{a}}{{b}}{MARK_END}"
    lines = formula_lines(source, display=True)
    assert [strip_markers(line).rstrip() for line in lines] == ["     a", "x = ───", "     b"]
    assert all(line.count(MARK_START) == line.count(MARK_END) == 1 for line in lines)
    assert width(lines[1]) == len("x = ───")


def test_text_puts_display_formulas_on_lines_of_their_own_and_keeps_dollars_that_are_text() -> None:
    text = "Before $$\\frac{a}{b}$$ after, costs \\$5 and `$HOME` stays."
    assert unicode_text(text) == "Before\n   a\n  ───\n   b\nafter, costs $5 and `$HOME` stays."
    assert unicode_text(text, stacked=False) == "Before\n  a/b\nafter, costs $5 and `$HOME` stays."
    assert plain_text("$\\alpha$ and $x_1$") == "α and x₁"


def test_a_formula_that_cannot_be_read_is_shown_as_written() -> None:
    assert unicode_text("see $\\frac{a}$ here") == "see $\\frac{a}$ here"
    assert unicode_text("a lone $ stays") == "a lone $ stays"


def test_markdown_parts_split_at_display_formulas_and_escape_inline_ones() -> None:
    parts = markdown_parts("**Bold** $x_1*y$ then\n\n$$\\frac{a}{b}$$\n\n- item")
    assert parts == [
        MarkdownPart("**Bold** x₁ ∗ y then\n\n"),
        FormulaPart("\\frac{a}{b}", (" a", "───", " b"), "a/b"),
        MarkdownPart("\n\n- item"),
    ]
