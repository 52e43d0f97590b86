"""Where the loader says a card and a problem are: the line of every card and every problem of big,
oddly laid out decks, against the lines found in the text here, one ``re.match`` per line (the way the
loader found them before it looked only at lines with the word)."""

from __future__ import annotations

import random
import re
from pathlib import Path

from sim.registry import CATALOG
from studyapp.deck_reader import read_deck

HEADERS = ["[[cards]]", "  [[ cards ]]", "[[cards]]  # a comment", "\t[[cards ]]"]


def card_lines(text: str) -> list[int]:
    """The oracle: the line of each ``[[cards]]`` header, matched line by line."""
    return [i + 1 for i, line in enumerate(text.splitlines()) if re.match(r"\s*\[\[\s*cards\s*\]\]", line)]


def layout(rng: random.Random, count: int, broken: bool) -> tuple[str, dict[str, tuple[int, int]]]:
    """A deck of ``count`` cards and cloze notes laid out in every way the format allows: comments that
    name cards, blank lines, multi-line strings; with ``broken``, one card in ten has a problem, whose
    place (line, column) is returned by card id."""
    lines = ["# cards: a deck of [[cards]] below", "", "[deck]", 'id = "lines"', 'title = "Lines"']
    wrong: dict[str, tuple[int, int]] = {}
    for index in range(count):
        card_id = f"card-{index}"
        lines += [""] * rng.randint(0, 2) + [rng.choice(HEADERS), f'id = "{card_id}"']
        if rng.random() < 0.3:
            lines += ['text = """', f"line one mentions the cards key of {{{{c1::card {index}}}}}", '"""']
        else:
            lines += [f'question = "Question {index}: what is in [[cards]]?"', 'answer = "Answer"']
        if broken and index % 10 == 3:
            lines.append('details = """')
            lines.append("A formula that does not close: $\\frac{1}{ here")
            wrong[card_id] = (len(lines), len("A formula that does not close: ") + 1)
            lines.append('"""')
        elif broken and index % 10 == 7:
            lines.append('tags = ["Not A Slug"]')
            wrong[card_id] = (len(lines), 0)
        if rng.random() < 0.2:
            lines.append("# [[cards]] in a comment is not a card")
    return "\n".join(lines) + "\n", wrong


def test_every_card_is_at_its_header(tmp_path: Path) -> None:
    text, _ = layout(random.Random(3), 3000, broken=False)
    path = tmp_path / "lines.toml"
    path.write_text(text, encoding="utf-8")
    deck, problems = read_deck(path, sims=CATALOG)
    assert deck is not None and not problems
    starts = card_lines(text)
    notes = {card.id.partition("::")[0]: card.line for card in deck.cards}
    assert len(notes) == 3000
    assert [notes[f"card-{index}"] for index in range(3000)] == [starts[index] for index in range(3000)]


def test_every_problem_is_where_its_value_is(tmp_path: Path) -> None:
    text, wrong = layout(random.Random(5), 2000, broken=True)
    path = tmp_path / "lines.toml"
    path.write_text(text, encoding="utf-8")
    deck, problems = read_deck(path, sims=CATALOG)
    assert deck is None and len(problems) == len(wrong) == 400
    for problem in problems:
        assert problem.card is not None
        line, column = wrong[problem.card]
        assert problem.line == line, problem
        if column:
            assert problem.column == column, problem
