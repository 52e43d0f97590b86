"""How well ``studyapp.quiz.judge`` agrees with a lecturer on the labelled answers in
``tests/data/judge_answers.toml``: the confident verdicts that are wrong (as a share of all answers), the
share left to the learner ("unsure"), the accuracy of the confident verdicts, per card and overall, and
how long a verdict takes.

    python tests/benchmarks/bench_judge.py            # the table
    python tests/benchmarks/bench_judge.py --errors   # also every confident verdict that is wrong
"""

from __future__ import annotations

import sys
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from studyapp.quiz import judge  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "judge_answers.toml"
#: The targets: confident verdicts that are wrong, and answers left to the learner, as shares of all.
MAX_CONFIDENT_WRONG = 0.03
MAX_UNSURE = 0.40


@dataclass(frozen=True)
class Labelled:
    """One labelled answer."""

    card: str
    answer: str
    label: str
    kind: str
    split: str = "tuning"


@dataclass(frozen=True)
class Scored:
    """A labelled answer with the judge's verdict and reason."""

    item: Labelled
    verdict: str
    reason: str

    @property
    def confident(self) -> bool:
        return self.verdict != "unsure"

    @property
    def agrees(self) -> bool:
        return self.verdict == self.item.label


@dataclass(frozen=True)
class Agreement:
    """The figures of a set of scored answers."""

    total: int
    confident_wrong: int
    unsure: int
    confident: int
    confident_right: int

    @property
    def confident_wrong_rate(self) -> float:
        return self.confident_wrong / self.total if self.total else 0.0

    @property
    def unsure_rate(self) -> float:
        return self.unsure / self.total if self.total else 0.0

    @property
    def confident_accuracy(self) -> float:
        return self.confident_right / self.confident if self.confident else 1.0


def load(path: Path = LABELLED) -> list[Labelled]:
    """The labelled answers."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Labelled(a["card"], a["answer"], a["label"], a.get("kind", ""), a.get("split", "tuning"))
        for a in data["answers"]
    ]


def score(items: Iterable[Labelled]) -> list[Scored]:
    """Each labelled answer with the judge's verdict."""
    scored = []
    for item in items:
        judgement = judge(item.card, item.answer)
        scored.append(Scored(item, str(judgement.verdict), judgement.reason))
    return scored


def agreement(scored: Sequence[Scored]) -> Agreement:
    """The figures of ``scored``."""
    confident = [s for s in scored if s.confident]
    return Agreement(
        total=len(scored),
        confident_wrong=sum(not s.agrees for s in confident),
        unsure=len(scored) - len(confident),
        confident=len(confident),
        confident_right=sum(s.agrees for s in confident),
    )


def row(name: str, figures: Agreement) -> str:
    return (
        f"{name:<24} {figures.total:>5} {figures.confident_wrong_rate:>14.1%} {figures.unsure_rate:>8.1%} "
        f"{figures.confident_accuracy:>13.1%}"
    )


def main(argv: Sequence[str] = ()) -> int:
    items = load()
    started = time.perf_counter()
    scored = score(items)
    elapsed = time.perf_counter() - started
    print(f"{'card':<24} {'n':>5} {'confident wrong':>14} {'unsure':>8} {'conf. accuracy':>13}")
    for card in dict.fromkeys(item.card for item in items):
        print(row(card, agreement([s for s in scored if s.item.card == card])))
    overall = agreement(scored)
    print(row("all", overall))
    for split in dict.fromkeys(item.split for item in items):
        print(row(f"  split {split}", agreement([s for s in scored if s.item.split == split])))
    by_label = {
        label: agreement([s for s in scored if s.item.label == label]) for label in ("right", "wrong")
    }
    for label, figures in by_label.items():
        print(
            f"  labelled {label}: {figures.total}, unsure {figures.unsure_rate:.1%}, "
            f"confident and wrong {figures.confident_wrong}"
        )
    print(
        f"{len(items)} answers judged in {elapsed * 1000:.0f} ms ({elapsed / len(items) * 1e3:.2f} ms each)"
    )
    print(
        f"targets: confident wrong <= {MAX_CONFIDENT_WRONG:.0%} "
        f"({'met' if overall.confident_wrong_rate <= MAX_CONFIDENT_WRONG else 'MISSED'}), "
        f"unsure <= {MAX_UNSURE:.0%} ({'met' if overall.unsure_rate <= MAX_UNSURE else 'MISSED'})"
    )
    if "--errors" in argv or "--all" in argv:
        for s in scored:
            if (s.confident and not s.agrees) or ("--all" in argv and not s.confident):
                print(f"\n[{s.item.card}] labelled {s.item.label}, judged {s.verdict}: {s.reason}")
                print(f"  {s.item.answer}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
