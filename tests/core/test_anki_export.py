"""Writing decks as Anki packages: formulas as MathJax, notes and cards as Anki counts them, cloze notes,
media, stable ids, the simulations' answers, and the ``export --format apkg`` command.

The packages are opened here the way Anki opens them: as a zip file holding an SQLite collection."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import subprocess
import textwrap
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import genanki
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.registry import CATALOG, answers_of
from studyapp.anki.export import HEADLINE_ROWS, anki_cloze, export_apkg
from studyapp.anki.markup import markdown_html, plain_html
from studyapp.anki.mathjax import from_mathjax, readable, to_mathjax
from studyapp.content import Deck, load_library
from studyapp.model import Card

from .test_anki_import import Place

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)

MINE = r"""
[deck]
id = "mine"
title = "My <CNN> cards"
description = "Formulas & pictures."

[[cards]]
id = "sigmoid"
question = 'What is $\sigma(x)$ for x < 0, and what does \$5 buy?'
answer = '$\frac{1}{1+e^{-x}}$, **below** one half'
details = '''
- saturates: $$\sigma'(x) = \sigma(x)(1-\sigma(x))$$
- a_1 * b_2 stays as written in `$code$`
'''
tags = ["activations", "math"]

[[cards]]
id = "logistic"
text = '''$\sigma'(x) = {{c1::\frac{e^{-x}}{(1+e^{-x})^2}}}$ is largest at {{c2::x = 0::where}}.'''
details = "See the plot."
tags = ["activations"]

[[cards]]
id = "dot"
question = "What is this? ![a dot](pics/dot%20one.png)"
answer = "A dot."

[[cards]]
id = "pool"
question = "What does max pooling keep?"
answer = "The largest value."
sim = "pooling"
sim_params = { kind = "max", window = 2 }
headline = ["output_shape", "output"]
"""
PNG = b"\x89PNG\r\n\x1a\n not really a picture"


@pytest.fixture
def mine(tmp_path: Path) -> Deck:
    folder = tmp_path / "decks"
    (folder / "pics").mkdir(parents=True)
    (folder / "pics" / "dot one.png").write_bytes(PNG)
    (folder / "mine.toml").write_text(textwrap.dedent(MINE), encoding="utf-8")
    library = load_library(user_dir=folder, sims=CATALOG)
    assert library.problems == []
    return library.deck("mine")


@contextmanager
def opened(package: Path, tmp_path: Path) -> Iterator[tuple[sqlite3.Connection, zipfile.ZipFile]]:
    """The package's collection (as Anki would open it) and its zip file."""
    archive = zipfile.ZipFile(package)
    database = tmp_path / f"{package.stem}.anki2"
    database.write_bytes(archive.read("collection.anki2"))
    conn = sqlite3.connect(database)
    try:
        yield conn, archive
    finally:
        conn.close()
        archive.close()


def fields_by_guid(conn: sqlite3.Connection) -> dict[str, list[str]]:
    return {guid: flds.split("\x1f") for guid, flds in conn.execute("SELECT guid, flds FROM notes")}


# -- formulas ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deck_text", "anki"),
    [
        ("$E=mc^2$", r"\(E=mc^2\)"),
        (r"$$\int_0^1 x\,dx$$ done", r"\[\int_0^1 x\,dx\] done"),
        (r"costs \$5", "costs $5"),
        (r"\$5 and $x$, \$6", r"$5 and \(x\), $6"),
        (r"$a\$b$", r"\(a\$b\)"),
        ("`$x$` in code", "`$x$` in code"),
        ("an unclosed $x", "an unclosed $x"),
    ],
)
def test_formulas_go_to_mathjax(deck_text: str, anki: str) -> None:
    assert to_mathjax(deck_text) == anki


@pytest.mark.parametrize(
    ("anki", "deck_text"),
    [
        (r"price $5 and \(x^2\)", r"price \$5 and $x^2$"),
        (r"\[ \sum_i x_i \] and $ twice $", r"$$\sum_i x_i$$ and \$ twice \$"),
        (r"\(\unknown\) stays", r"\(\unknown\) stays"),
        (r"\(\frac{a}{b} = {{c1::\frac{1}{2} }}\)", r"$\frac{a}{b} = {{c1::\frac{1}{2} }}$"),
    ],
)
def test_mathjax_comes_back_as_dollars(anki: str, deck_text: str) -> None:
    assert from_mathjax(anki) == deck_text


LATEX = st.sampled_from(["x", "y_1", "x^2", r"\frac{1}{2}", r"\sigma(x)", "a+b", r"\alpha", "2"])
PLAIN = st.text(alphabet="ab _*:.,!?()[]{}<>&$", max_size=8).map(lambda s: s.replace("$", "\\$"))


@given(st.lists(st.tuples(PLAIN, st.lists(LATEX, max_size=3), st.booleans()), max_size=4))
def test_formulas_survive_a_trip_through_anki(parts: list[tuple[str, list[str], bool]]) -> None:
    """Any deck text of plain runs (dollars escaped) and formulas comes back from MathJax as it was."""
    text = "".join(
        plain + ((f"$${' '.join(latex)}$$" if display else f"${' '.join(latex)}$") if latex else "")
        for plain, latex, display in parts
    )
    assert from_mathjax(to_mathjax(text)) == text


def test_markdown_and_plain_text_as_html_keep_formulas_whole() -> None:
    assert (
        markdown_html("**b** $a_1 * b_2 < c$ and _x_")
        == r"<strong>b</strong> \(a_1 * b_2 &lt; c\) and <em>x</em>"
    )
    assert markdown_html("- one\n- two") == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    assert plain_html("a <b> & **c**\n$x<1$") == r"a &lt;b&gt; &amp; **c**<br>\(x&lt;1\)"
    assert readable(r"\frac{1}{2}") and not readable(r"\notacommand") and not readable(" ")


def test_anki_cloze_text_closes_latex_deletions_with_a_space() -> None:
    text = r"$\sigma = {{c1::\frac{1}{1+e^{-x}}}}$ and {{c2::zero::hint}}"
    assert anki_cloze(text) == r"$\sigma = {{c1::\frac{1}{1+e^{-x}} }}$ and {{c2::zero::hint}}"


# -- the package ---------------------------------------------------------------------------------------


def test_the_package_holds_notes_cards_models_tags_and_media(mine: Deck, tmp_path: Path) -> None:
    target = tmp_path / "mine.apkg"
    counts = export_apkg([mine], target, answers=None, now=NOW)
    assert (counts.decks, counts.notes, counts.cards, counts.media) == (1, 4, 5, 1)
    assert str(counts) == "4 notes (5 cards) in 1 deck, 1 media file"
    with opened(target, tmp_path) as (conn, archive):
        assert conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 4
        assert conn.execute("SELECT count(*) FROM cards").fetchone()[0] == 5
        models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
        kinds = {
            model["name"]: (model["type"], [f["name"] for f in model["flds"]]) for model in models.values()
        }
        assert kinds == {
            "studyapp Basic": (0, ["Front", "Back", "Details", "Note", "Simulation"]),
            "studyapp Cloze": (1, ["Text", "Back Extra", "Note", "Simulation"]),
        }
        decks = json.loads(conn.execute("SELECT decks FROM col").fetchone()[0])
        assert "My <CNN> cards" in {deck["name"] for deck in decks.values()}
        rows = conn.execute(
            "SELECT n.guid, n.tags, n.mid, group_concat(c.ord) FROM notes n JOIN cards c ON c.nid = n.id "
            "GROUP BY n.id"
        )
        by_guid = {guid: (tags.split(), mid, sorted(ords.split(","))) for guid, tags, mid, ords in rows}
        sigmoid, logistic, dot, pool = (
            by_guid[genanki.guid_for("studyapp", card_id)]
            for card_id in ("sigmoid", "logistic", "dot", "pool")
        )
        assert (
            sigmoid[0] == ["activations", "math"] and logistic[2] == ["0", "1"] and dot[2] == pool[2] == ["0"]
        )
        assert str(logistic[1]) in {model["id"] for model in models.values() if model["type"] == 1}
        fields = fields_by_guid(conn)
        front, back, details, note, simulation = fields[genanki.guid_for("studyapp", "sigmoid")]
        assert front == r"What is \(\sigma(x)\) for x &lt; 0, and what does $5 buy?"
        assert back == r"\(\frac{1}{1+e^{-x}}\), <strong>below</strong> one half"
        assert r"\[\sigma'(x) = \sigma(x)(1-\sigma(x))\]" in details and "<code>$code$</code>" in details
        assert note == simulation == ""
        text, extra, _, _ = fields[genanki.guid_for("studyapp", "logistic")]
        assert (
            text
            == r"\(\sigma'(x) = {{c1::\frac{e^{-x}}{(1+e^{-x})^2} }}\) is largest at {{c2::x = 0::where}}."
        )
        assert extra == "See the plot."
        assert (
            fields[genanki.guid_for("studyapp", "dot")][0]
            == 'What is this? <img src="dot one.png" alt="a dot" />'
        )
        assert json.loads(archive.read("media")) == {"0": "dot one.png"}
        assert archive.read("0") == PNG


def test_re_exports_keep_every_id_so_anki_updates_notes(mine: Deck, tmp_path: Path) -> None:
    def ids(package: Path) -> tuple[Any, ...]:
        with opened(package, tmp_path) as (conn, _):
            guids = sorted(row[0] for row in conn.execute("SELECT guid FROM notes"))
            decks = sorted(
                k
                for k, d in json.loads(conn.execute("SELECT decks FROM col").fetchone()[0]).items()
                if d["name"] != "Default"
            )
            models = sorted(json.loads(conn.execute("SELECT models FROM col").fetchone()[0]))
            return guids, decks, models

    first, second = tmp_path / "first.apkg", tmp_path / "second.apkg"
    export_apkg([mine], first, answers=None, now=NOW)
    edited = dataclasses.replace(mine, title="Renamed", cards=tuple(reversed(mine.cards)))
    export_apkg([edited], second, answers=None, now=NOW + timedelta(days=3))
    assert ids(first) == ids(second)
    assert len(set(ids(first)[0])) == 4


def test_the_back_shows_the_simulations_answers_as_the_review_does(mine: Deck, tmp_path: Path) -> None:
    bundled = load_library(user_dir=tmp_path / "none", sims=CATALOG).deck("deep-learning")
    linked = [*[card for card in bundled.cards if card.sim is not None][:3], mine.cards[-1]]
    target = tmp_path / "sims.apkg"
    export_apkg([dataclasses.replace(bundled, cards=tuple(linked))], target, now=NOW)
    with opened(target, tmp_path) as (conn, _):
        fields = fields_by_guid(conn)
    for card in linked:
        simulation = fields[genanki.guid_for("studyapp", card.id)][-1]
        assert card.sim is not None
        expected = answers_of(card.sim, card.sim_params, 0, card.headline)[:HEADLINE_ROWS]
        assert expected
        lines = simulation.split("<br>")
        assert lines[0] == f"<b>simulation {card.sim}</b>"
        assert lines[1:-1] == [f"{label}: <b>{value}</b>".replace("&", "&amp;") for label, value in expected]
        assert lines[-1].startswith(f"<code>studyapp sim run {card.sim}")


def test_a_simulation_that_cannot_run_is_said_on_the_card(mine: Deck, tmp_path: Path) -> None:
    def failing(card: Card) -> list[tuple[str, str]]:
        raise ValueError("window 2 is too large")

    counts = export_apkg([mine], tmp_path / "failing.apkg", answers=failing, now=NOW)
    assert counts.warnings == ["card pool: the simulation pooling could not run: window 2 is too large"]
    with opened(tmp_path / "failing.apkg", tmp_path) as (conn, _):
        simulation = fields_by_guid(conn)[genanki.guid_for("studyapp", "pool")][-1]
    assert "the simulation could not run: window 2 is too large" in simulation


def test_an_exported_deck_comes_back_with_its_cloze_notes_and_media(mine: Deck, tmp_path: Path) -> None:
    target = tmp_path / "mine.apkg"
    export_apkg([mine], target, answers=None, now=NOW)
    place = Place(tmp_path / "imported", tmp_path / "collection.sqlite3")
    outcome = place.bring_in(target, deck_id="back")
    again = place.new_deck("back")
    assert outcome.kinds == {"front/back": 3, "cloze": 2}
    original = {card.id: card for card in mine.cards}
    assert [c.question for c in again.cards[:1]] == [original["sigmoid"].question]
    assert again.cards[0].answer == "$\\frac{1}{1+e^{-x}}$, below one half"  # a deck's answer is plain text
    cloze = [card for card in again.cards if card.cloze]
    assert [c.question for c in cloze] == [c.question for c in mine.cards if c.cloze]
    assert [c.answer for c in cloze] == [c.answer for c in mine.cards if c.cloze]
    assert cloze[0].cloze == original["logistic::c1"].cloze
    picture = next(card for card in again.cards if "this?" in card.question)
    assert picture.question == "What is this? ![a dot](back-media/dot%20one.png)"
    assert (place.user_dir / "back-media" / "dot one.png").read_bytes() == PNG


# -- the command line ----------------------------------------------------------------------------------


def run(cli: Any, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result: subprocess.CompletedProcess[str] = cli.run(db, *args)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_the_export_command(cli: Any, tmp_path: Path) -> None:
    db, target = tmp_path / "c.sqlite3", tmp_path / "core.apkg"
    result = run(
        cli, db, "export", "--format", "apkg", "--deck", "core-basics", "--deck", "core-cnn", str(target)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"exported 7 notes (7 cards) in 2 decks to {target}"
    with opened(target, tmp_path) as (conn, _):
        assert conn.execute("SELECT count(*) FROM cards").fetchone()[0] == 7
    by_suffix = run(cli, db, "export", "--deck", "core-cnn", str(tmp_path / "by-suffix.apkg"))
    assert by_suffix.returncode == 0 and "3 notes (3 cards) in 1 deck" in by_suffix.stdout
    for args, message in [
        (("export", "--format", "apkg", "-"), "cannot go to standard output"),
        (("export", "--format", "apkg", "--deck", "nope", str(tmp_path / "x.apkg")), "no deck 'nope'"),
        (("export", "--deck", "core-cnn", str(tmp_path / "x.json")), "--deck goes with --format apkg"),
    ]:
        refused = run(cli, db, *args)
        assert refused.returncode == 2 and message in refused.stderr, refused.stderr
    missing = run(cli, db, "export", "--format", "apkg", str(tmp_path / "no" / "such" / "x.apkg"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    assert not db.exists()
