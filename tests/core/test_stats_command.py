"""``studyapp stats`` as text: the calibration of predictions, the same numbers as ``--json`` and the
Stats screen, against a loop over the predictions made."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from studyapp.collection import Collection
from studyapp.store.predictions import PredictionRecord

from .conftest import T0, Cli

#: ``(card, within tolerance)``: the predictions made, one without a card (the simulation screen).
MADE = [
    ("core-relu", True),
    ("core-relu", False),
    ("core-mlp", True),
    ("core-pool", False),
    ("core-pool", False),
    ("core-stride", True),
    (None, True),
]


def predict(collection: Collection) -> None:
    for i, (card_id, correct) in enumerate(MADE):
        collection.store.add_prediction(
            PredictionRecord(
                at=T0 + timedelta(hours=i),
                sim="convolution",
                answer="output_size",
                given="14",
                predicted=14.0,
                expected=14.0 if correct else 16.0,
                correct=correct,
                card_id=card_id,
            )
        )


def section(text: str, title: str) -> list[str]:
    """The lines of ``text`` from the one starting with ``title`` to the end (it is the last section)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    return lines[start:]


def test_stats_prints_the_calibration_of_predictions(collection: Collection, cli: Cli, db_path: Path) -> None:
    predict(collection)
    tags = {card.id: card.tags for card in collection.library.cards}
    per_tag: dict[str, list[int]] = {}
    for card_id, correct in MADE:
        for tag in tags.get(card_id, ()) if card_id else ():
            counts = per_tag.setdefault(tag, [0, 0])
            counts[0] += 1
            counts[1] += correct
    within = sum(correct for _card, correct in MADE)
    text = cli.run(db_path, "stats")
    assert text.returncode == 0, text.stderr
    lines = section(text.stdout, "Predictions:")
    assert lines[0] == f"Predictions: 7 predictions, {within} within tolerance ({within / 7 * 100:.1f}%)"
    assert lines[1:3] == ["", "tag          predictions  within tolerance  share"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[4:]}
    assert rows == {
        tag: [str(n), str(ok), f"{ok / n * 100:.1f}%"] for tag, (n, ok) in sorted(per_tag.items())
    }
    assert rows["cnn"] == ["3", "1", "33.3%"]  # two pool predictions missed, the stride one within
    as_json = json.loads(cli.run(db_path, "stats", "--json").stdout)["calibration"]
    assert (as_json["predictions"], as_json["within_tolerance"]) == (7, within)
    assert {tag: [v["predictions"], v["within_tolerance"]] for tag, v in as_json["by_tag"].items()} == per_tag


def test_stats_says_when_no_prediction_was_made(collection: Collection, cli: Cli, db_path: Path) -> None:
    text = cli.run(db_path, "stats")
    assert text.returncode == 0, text.stderr
    assert section(text.stdout, "Predictions:") == [
        "Predictions: none yet (type a number before a card's simulated answer is shown)"
    ]
