"""Display formulas as images where the terminal has Kitty or Sixel graphics (the renderer forced, as the
simulation tests do): the Unicode lines first, then the image, drawn once into the cache folder."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import textual_image.widget as graphics
from PIL import Image
from rich.markdown import Markdown
from textual.widgets import Static

from studyapp.collection import Collection
from studyapp.math.images import formula_image
from studyapp.search import parse
from studyapp.tui.app import StudyApp
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.widgets.formula import FormulaImage, FormulaPanel
from studyapp.tui.widgets.plot import CELL_PIXELS, GRAPHICS

from .conftest import FakeClock, wait_until

FLOOR = "o = \\left\\lfloor \\frac{n + 2p - k}{s} \\right\\rfloor + 1"


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache folder (platformdirs reads XDG_CACHE_HOME), so the test sees every image drawn."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "studyapp" / "formulas"


async def reveal(app: StudyApp, pilot: object, query: str) -> ReviewScreen:
    app.push_screen(ReviewScreen(search=parse(query)))
    await pilot.pause()  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, ReviewScreen)
    await pilot.press("space")  # type: ignore[attr-defined]
    return screen


@pytest.mark.parametrize("renderer", ["tgp", "sixel"])
async def test_display_formulas_become_images_from_the_cache(
    collection: Collection, clock: FakeClock, cache_home: Path, renderer: str
) -> None:
    app = StudyApp(collection, clock=clock, renderer=renderer)
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await reveal(app, pilot, "padding-striding")
        panel = screen.query_one(FormulaPanel)
        assert panel.display and not screen.answer.display
        (formula,) = panel.formulas
        assert formula.part.source == FLOOR
        await wait_until(pilot, lambda: formula.image is not None or bool(formula.error))
        assert formula.error == "" and formula.image is not None
        assert isinstance(formula.image, getattr(graphics, GRAPHICS[renderer]))
        assert not formula.query(".formula-text"), "the Unicode lines gave way to the image"
        assert formula.path is not None and formula.path.parent == cache_home
        with Image.open(formula.path) as png:
            width, height = png.size
        shown = formula.image.image  # type: ignore[attr-defined]
        assert shown.size == (width, height)
        assert formula.image.styles.width is not None and formula.image.styles.width.value == math.ceil(
            width / CELL_PIXELS[0]
        )
        assert formula.image.styles.height is not None and formula.image.styles.height.value == math.ceil(
            height / CELL_PIXELS[1]
        )
        # the text around the formula is still text
        assert any("Added to the course notes" in text for text in panel_texts(panel))
        drawn = formula.path.stat().st_mtime_ns
        colours = formula.path.name
        # the same formula in the same colours again: read from the cache, not drawn again
        assert formula_image(FLOOR, *_colours(formula), folder=cache_home) == formula.path
    assert formula.path.stat().st_mtime_ns == drawn and sorted(p.name for p in cache_home.iterdir()) == [
        colours
    ]


def panel_texts(panel: FormulaPanel) -> list[str]:
    """The text of the panel's pieces that are not images (Markdown as written, Rich text as shown)."""
    texts = []
    for static in panel.query(Static):
        if static.parent is panel:
            content = static.content
            texts.append(content.markup if isinstance(content, Markdown) else str(content))
    return texts


def _colours(formula: FormulaImage) -> tuple[str, str]:
    style = formula.rich_style
    assert style.color is not None and style.bgcolor is not None
    return style.color.get_truecolor().hex, style.bgcolor.get_truecolor().hex


async def test_half_blocks_keep_formulas_as_text_and_draw_no_image(
    collection: Collection, clock: FakeClock, cache_home: Path
) -> None:
    app = StudyApp(collection, clock=clock, renderer="halfblock")
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await reveal(app, pilot, "padding-striding")
        assert screen.answer.display and not screen.query_one(FormulaPanel).display
        assert not screen.query(FormulaImage)
    assert not cache_home.exists()


async def test_a_cloze_card_keeps_its_text_and_shows_the_details_formula_as_an_image(
    collection: Collection, clock: FakeClock, cache_home: Path
) -> None:
    app = StudyApp(collection, clock=clock, renderer="tgp")
    async with app.run_test(size=(110, 40)) as pilot:
        app.push_screen(ReviewScreen(search=parse('"adam-bias-correction::c2"')))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press(*"m_t/(1-beta_1^t)", "enter")
        panel = screen.query_one(FormulaPanel)
        (formula,) = panel.formulas
        assert formula.part.source.startswith("\\theta_t = \\theta_{t-1}")
        await wait_until(pilot, lambda: formula.image is not None or bool(formula.error))
        assert formula.image is not None
        texts = panel_texts(panel)
        assert texts[0].startswith("Adam starts its decaying means") and texts[1].startswith("✓ Right")
