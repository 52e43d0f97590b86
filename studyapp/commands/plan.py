"""``studyapp plan``: the reviews and minutes of each day until an exam, and the recall it leads to.

``--json`` prints one object (counts and minutes are averages over the simulation runs)::

    {
      "today": "2026-11-25",            # the study day the plan starts on
      "exam": "2026-12-20" | null,      # --exam
      "recall_date": "2026-12-20",      # the day recall is predicted for (the exam, or after 30 days)
      "days": 25,                       # study days simulated: today up to the day before recall_date
      "desired_retention": 0.9,         # --retention, else the collection's setting
      "parameters": "default" | "fitted",
      "runs": 32,                       # simulations averaged
      "cards": 41,                      # cards in the plan (suspended ones keep their memory)
      "per_day": [{"date": "2026-11-25", "reviews": 0.0, "new": 10.0, "minutes": 6.52}, ...],
      "totals": {"reviews": 158.62, "new": 41.0, "minutes": 69.55},
      "recall": {"overall": 0.9501, "tags": {"activations": 0.953, ...}},
      "retention_options": [
        {"desired_retention": 0.8, "reviews": 86.41, "new": 41.0, "minutes": 53.09, "recall": 0.8824},
        ...
      ]
    }

``reviews`` counts reviews of cards already learned; ``new`` the new cards studied; ``minutes`` all the
time spent, learning and relearning steps included. ``recall`` is the predicted probability of
recalling a card on ``recall_date``, averaged over all cards (cards never studied count as 0) and per tag.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TextIO

from studyapp.commands import open_decks
from studyapp.errors import UserError
from studyapp.table import format_table

if TYPE_CHECKING:
    from studyapp.export_format import Progress
    from studyapp.fsrs_tools.plan_result import Outlook, Plan

DESCRIPTION = """\
Simulate your study until an exam (or for the next 30 days) with fsrs-rs's workload simulator, on your
own cards: their memory now, the new cards still to come within each deck's daily limits, your FSRS
parameters and your desired retention. Prints the expected reviews, new cards and minutes of each day
(by week beyond a month), the predicted recall per tag on the exam day, and the same totals and recall
at desired retentions 0.80, 0.85, 0.90 and 0.95, to choose between more reviews and more recall.
"""
#: Beyond this many days, the text output sums the days by week.
DAILY_ROWS = 31
BAR_WIDTH = 24


def register(subparsers: Any) -> None:
    """Add the ``plan`` command."""
    parser = subparsers.add_parser(
        "plan",
        help="reviews and minutes per day until an exam, and the recall per tag on the exam day",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--exam", metavar="DATE", help="the exam day, as YYYY-MM-DD (default: plan 30 days)")
    parser.add_argument(
        "--retention", metavar="R", help="plan at this desired retention, 0.7 to 0.99 (default: your setting)"
    )
    parser.add_argument("--json", action="store_true", help="print the plan as one JSON object")
    parser.set_defaults(handler=run)


def parse_exam(text: str | None) -> date | None:
    """``--exam`` as a date; a malformed one is a bad command line (status 2)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"--exam: expected a date as YYYY-MM-DD, got {text!r}", status=2) from None


def parse_retention(text: str | None) -> float | None:
    """``--retention`` as a number from 0.7 to 0.99; anything else is a bad command line (status 2)."""
    from studyapp.fsrs_tools.planner import check_retention

    if text is None:
        return None
    try:
        return check_retention(float(text))
    except ValueError:
        raise UserError(f"--retention: expected a number from 0.7 to 0.99, got {text!r}", status=2) from None


def run(args: argparse.Namespace) -> int:
    """Check the options, simulate the plan now and print it."""
    from studyapp.deck_json import collector_paused
    from studyapp.fsrs_tools.planner import Planner

    exam, retention = parse_exam(args.exam), parse_retention(args.retention)
    # (the simulation makes many lasting objects and no cycles: see ``collector_paused``)
    with collector_paused(), open_decks(args.db, args.content, for_reading=True) as collection:
        try:
            planner = Planner(collection, datetime.now(UTC), exam=exam)
        except ValueError as error:
            raise UserError(f"--exam: {error}", status=2) from None
        progress = RunsShown(sys.stderr)
        plan = planner.plan(retention, progress=progress)
        progress.finish()
    print(json.dumps(plan.to_dict(), indent=2) if args.json else render(plan))
    return 0


class RunsShown:
    """The simulation runs done so far, as a progress bar on ``stream`` when it is a terminal (a year of
    50,000 cards takes seconds)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.bar: Progress | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from studyapp.export_format import Progress

            self.bar = Progress(self.stream, "simulating", total)
        self.bar.advance(done - self.bar.done)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.finish()


def render(plan: Plan) -> str:
    """The plan as text: the days, the recall per tag, and the retention options."""
    chosen = plan.chosen
    until = f"the exam on {plan.exam.isoformat()}" if plan.exam else plan.recall_date.isoformat()
    lines = [
        f"Plan from {plan.today.isoformat()} to {until} ({len(chosen.days)} days) at desired retention "
        f"{plan.desired_retention:.2f}, with {plan.parameters} FSRS parameters: the average of {plan.runs} "
        f"simulations of your {plan.cards} cards.",
        "",
        *day_lines(chosen),
        "",
        f"Predicted recall on {plan.recall_date.isoformat()}: {chosen.recall * 100:.1f}% of all your cards "
        "(cards never studied count as forgotten)",
    ]
    if chosen.tags:
        tag_rows = [(tag, f"{value * 100:.1f}%", _bar(value)) for tag, value in chosen.tags.items()]
        lines += ["", format_table(["tag", "recall", ""], tag_rows)]
    rows = [
        (
            f"{o.desired_retention:.2f}" + (" (plan)" if o is chosen else ""),
            f"{o.reviews:.0f}",
            f"{o.new:.0f}",
            f"{o.minutes:.0f}",
            f"{o.recall * 100:.1f}%",
        )
        for o in plan.outlooks
    ]
    lines += [
        "",
        "Desired retention: more reviews, more recall on the day",
        format_table(["retention", "reviews", "new", "minutes", "recall"], rows),
    ]
    return "\n".join(lines)


def day_lines(outlook: Outlook) -> list[str]:
    """One row per day (per week beyond a month), with a bar of the minutes, and the totals."""
    from studyapp.fsrs_tools.plan_result import day_rows

    rows = day_rows(outlook.days, DAILY_ROWS)
    most = max((day.minutes for _label, day in rows), default=0.0)
    table = [
        (
            label,
            f"{day.reviews:.1f}",
            f"{day.new:.1f}",
            f"{day.minutes:.1f}",
            _bar(day.minutes / most if most else 0),
        )
        for label, day in rows
    ]
    table.append(("total", f"{outlook.reviews:.1f}", f"{outlook.new:.1f}", f"{outlook.minutes:.1f}", ""))
    heading = "day" if len(outlook.days) <= DAILY_ROWS else "week"
    return format_table([heading, "reviews", "new", "minutes", ""], table).split("\n")


def _bar(fraction: float) -> str:
    full = round(min(max(fraction, 0.0), 1.0) * BAR_WIDTH)
    return "█" * full
