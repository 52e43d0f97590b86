"""Formulas that cannot be read are deck problems, reported by ``studyapp check`` at their file, line and
column, inside any kind of TOML string."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.registry import CATALOG
from studyapp.deck_reader import read_deck
from studyapp.math import LatexError, check, parse

ROOT = Path(__file__).resolve().parents[2]

DECK = """\
[deck]
id = "formulas"
title = "Formulas"

[[cards]]
id = "good"
question = "What is $\\\\sigma'(x)$?"
answer = '$\\sigma(x)(1 - \\sigma(x))$, at most $\\frac{1}{4}$.'
details = '''
Display:

$$\\hat m_t = \\frac{m_t}{1 - \\beta_1^t}$$

costs \\$5 and `$HOME` is code.
'''

[[cards]]
id = "bad"
question = "What is $\\\\sigmaa$?"
answer = '$\\frac{1}{4$'
details = '''
Line one.
Here $$x = \\left( y$$ and $x^$ there.
'''
note_kind = "clarification"
note = "A lone $ dollar."
"""


def write_deck(folder: Path, text: str = DECK) -> Path:
    path = folder / "formulas.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_formula_problem_is_at_its_line_and_column(tmp_path: Path) -> None:
    path = write_deck(tmp_path)
    deck, problems = read_deck(path, sims=CATALOG)
    assert deck is None
    found = [(p.card, p.line, p.column, p.message) for p in problems]
    assert found == [
        ("bad", 19, 22, "cannot read the formula: unknown command \\sigmaa (did you mean \\sigma?)"),
        ("bad", 20, 20, "cannot read the formula: unclosed '{': close it with '}'"),
        (
            "bad",
            23,
            12,
            "cannot read the formula: unclosed \\left: close it with \\right (\\right. for none)",
        ),
        ("bad", 23, 29, "cannot read the formula: ^ needs an argument, e.g. x^{2}"),
        (
            "bad",
            26,
            16,
            "cannot read the formula: unclosed '$' (a formula): close it with $, "
            "or write \\$ for a dollar sign",
        ),
    ]
    text = path.read_text(encoding="utf-8").splitlines()
    assert text[18][21:].startswith("\\\\sigmaa")  # the column points at the command, escaped in TOML
    assert text[19][19:] == "{4$'" and text[22][11:].startswith("\\left") and text[22][28] == "^"
    assert text[25][15] == "$"


def test_studyapp_check_prints_them_and_fails(tmp_path: Path) -> None:
    path = write_deck(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "studyapp", "check", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{path}:19:22: [card bad] cannot read the formula: unknown command \\sigmaa" in result.stderr
    assert f"{path}:26:16: [card bad] cannot read the formula: unclosed '$'" in result.stderr
    assert "5 problems in 1 file" in result.stderr


def test_a_deck_whose_formulas_all_read_loads(tmp_path: Path) -> None:
    good = DECK.split('\n[[cards]]\nid = "bad"')[0]
    deck, problems = read_deck(write_deck(tmp_path, good), sims=CATALOG)
    assert problems == [] and deck is not None
    assert deck.cards[0].question == "What is $\\sigma'(x)$?"


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("$\theta$", 1, "a tab in the formula (meant \\theta?)"),  # "\theta" between double quotes in TOML
        ("$\nabla f$", 1, "a line break in the formula (meant \\nabla?)"),
        ("$\frac{a}{b}$", 1, "a form feed in the formula (meant \\frac?)"),
        ("$$a =\nb$$", -1, ""),  # a line break in display math is fine
        ("$50% of x$", 3, "'%' starts a comment in LaTeX; write \\% for a percent sign"),
        ("$a & b$", 3, "'&' (alignment) is not supported"),
        ("$\\frac{a}$", 1, "\\frac needs 2 arguments (the second is missing)"),
        ("$x^2^3$", 4, "double superscript"),
        ("$a}$", 2, "unmatched '}'"),
        ("$\\right)$", 1, "\\right without a \\left"),
        ("$\\left x$", 7, "\\left needs a delimiter"),
        ("$\\text x$", 1, "\\text needs its text in braces"),
        ("$$ $$", 2, "an empty formula"),
        ("costs $$5", 6, "unclosed '$$'"),
        ("$x\\$", 0, "unclosed '$'"),
        ("$\\$5 + \\alpha$ and \\$ and `$x`", -1, ""),
    ],
)
def test_check_says_what_is_wrong_and_where(text: str, offset: int, message: str) -> None:
    errors = check(text)
    if offset < 0:
        assert errors == []
        return
    (error,) = errors
    assert error.offset == offset and message in error.message


def test_the_parser_refuses_what_mathtext_could_not_draw() -> None:
    with pytest.raises(LatexError, match=r"unknown command \\begin"):
        parse("\\begin{matrix} a \\end{matrix}")
    with pytest.raises(LatexError, match=r"did you mean \\alpha"):
        parse("\\alpah")
