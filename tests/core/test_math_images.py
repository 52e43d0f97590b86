"""Display formulas as images (matplotlib's mathtext): every command the parser accepts is one mathtext
draws, every display formula of the bundled deck becomes a PNG in the requested colours, and images are
drawn once and then read from the cache."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from matplotlib.mathtext import MathTextParser
from PIL import Image

from studyapp.content import load_library
from studyapp.math import Part, parse, split
from studyapp.math.images import formula_image, image_key, mathtext_source, render_png
from studyapp.math.latex import Atom
from studyapp.math.render import atom_text
from studyapp.math.symbols import ACCENTS, ESCAPES, FONTS, SPACES, SYMBOL_KINDS, known_commands

WHITE, BLACK = "#ffffff", "#000000"


def display_formulas() -> list[str]:
    found: dict[str, None] = {}
    for card in load_library(user_dir=Path("/nonexistent")).cards:
        for text in (card.answer, card.details, card.note):
            found.update((s.text, None) for s in split(text) if s.part is Part.DISPLAY)
    return list(found)


@pytest.mark.parametrize("command", sorted(known_commands()))
def test_every_command_the_parser_accepts_mathtext_draws(command: str) -> None:
    if command in FONTS or command in ("\\text", "\\textrm", "\\mathrm", "\\operatorname"):
        source = f"{command}{{x}}"
    elif command in ("\\frac", "\\dfrac", "\\tfrac"):
        source = f"{command}{{a}}{{b}}"
    elif command in ("\\left", "\\right"):
        source = "\\left( x \\right)"
    elif command == "\\sqrt" or command in ACCENTS:
        source = f"{command}{{x}}"
    else:
        source = f"a {command} b"
    MathTextParser("path").parse(f"${mathtext_source(parse(source))}$")  # raises if mathtext cannot


@pytest.mark.parametrize("command", sorted({*SYMBOL_KINDS, *ESCAPES}))
def test_every_symbol_has_unicode(command: str) -> None:
    text = atom_text(Atom(command, SYMBOL_KINDS.get(command) or ESCAPES[command][1]))
    assert text and not text.startswith("\\") and text != command


def test_spaces_are_blank() -> None:
    assert all(not text.strip() for text in SPACES.values())


@pytest.mark.parametrize("source", display_formulas())
def test_every_display_formula_of_the_deck_becomes_an_image_in_its_colours(source: str) -> None:
    png = render_png(source, WHITE, BLACK)
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    height, width, _ = pixels.shape
    assert 16 <= height <= 120 and 30 <= width <= 1200  # a line or three of text at 14 pt
    corners = pixels[[0, 0, -1, -1], [0, -1, 0, -1]]
    assert (corners == 0).all(), "the background colour fills the margins"
    assert (pixels.sum(axis=2) >= 3 * 250).sum() > 50, "the formula is drawn in the text colour"


def test_a_stacked_fraction_is_taller_than_a_line() -> None:
    line = Image.open(io.BytesIO(render_png("a = b", WHITE, BLACK)))
    stacked = Image.open(io.BytesIO(render_png("a = \\frac{b}{c}", WHITE, BLACK)))
    assert stacked.height > 1.5 * line.height


SIGMOID = "\\sigma'(x) = \\sigma(x)(1 - \\sigma(x))"


def test_images_are_drawn_once_then_read_from_the_cache(tmp_path: Path) -> None:
    first = formula_image(SIGMOID, WHITE, BLACK, folder=tmp_path)
    stamp = first.stat().st_mtime_ns
    again = formula_image(SIGMOID, WHITE, BLACK, folder=tmp_path)
    assert again == first and again.stat().st_mtime_ns == stamp
    assert first.read_bytes() == render_png(SIGMOID, WHITE, BLACK)
    other = formula_image(SIGMOID, "#ff0000", BLACK, folder=tmp_path)
    larger = formula_image(SIGMOID, WHITE, BLACK, 20.0, folder=tmp_path)
    assert len({first, other, larger}) == 3
    keys = [
        image_key(SIGMOID, colour, BLACK, size)
        for colour, size in ((WHITE, 14.0), ("#ff0000", 14.0), (WHITE, 20.0))
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{key}.png" for key in keys)
    red = np.asarray(Image.open(other).convert("RGB")).astype(int)
    assert ((red[..., 0] > 200) & (red[..., 1] < 60)).sum() > 50


def test_a_cloze_blank_inside_a_formula_is_drawn_too() -> None:
    png = render_png("\ue000[\\ldots]\ue001 = \\frac{a}{b}", WHITE, BLACK)
    assert Image.open(io.BytesIO(png)).height > 16
