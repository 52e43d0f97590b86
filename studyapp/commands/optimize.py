"""``studyapp optimize``: fit FSRS parameters to your review history, compare them, apply or reset them.

``--json`` prints one object::

    {
      "reviews": 2261,            # rows in the review log
      "training_items": 1426,     # reviews a day or more after the card's previous review
      "usable_items": 1343,       # those fsrs-rs keeps after its outlier filter
      "enough_history": true,     # false: nothing was fitted
      "reviews_needed": 0,        # about how many more usable reviews a fit needs
      "current": {"source": "default" | "fitted", "parameters": [21 numbers],
                  "evaluation": {"log_loss": 0.3096, "rmse": 0.057} | null},
      "fitted": {"parameters": [21 numbers], "evaluation": {...}, "better": true} | null,
      "warnings": ["..."],        # the health check's findings
      "applied": false,           # --apply stored the fitted parameters
      "reset": false              # --reset went back to the defaults
    }

``rmse`` is fsrs-rs's RMSE over bins of predicted recall, as a fraction (0.057 is 5.7%).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from studyapp.commands import open_decks
from studyapp.table import format_table

if TYPE_CHECKING:
    from studyapp.fsrs_tools.optimizer import Evaluation, FitReport

DESCRIPTION = """\
Fit FSRS's 21 parameters to your own review history with fsrs-rs (the engine inside Anki), as Anki's
"Optimize" does, and compare them with the parameters in use on the same history: log loss (lower is
better) and RMSE of predicted recall (lower is better). --apply schedules your reviews with the fitted
parameters from then on, unless they fit your history worse than the ones in use; --reset goes back to
FSRS's default parameters. fsrs-rs needs 64 reviews made a day or more after the card's previous review,
of cards whose first rating at least 20 cards share; with less, nothing is fitted or changed, and the
command says about how many more reviews are needed. It also warns when the history looks unusual (Hard
used for forgotten cards, or almost every review rated the same).
"""


def register(subparsers: Any) -> None:
    """Add the ``optimize`` command."""
    parser = subparsers.add_parser(
        "optimize",
        help="fit FSRS parameters to your review history (--apply to use them, --reset for the defaults)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--apply", action="store_true", help="schedule with the fitted parameters")
    action.add_argument("--reset", action="store_true", help="schedule with FSRS's default parameters again")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Fit, report, and apply or reset as asked. Exit status 1 when --apply could not apply."""
    from studyapp.fsrs_tools import optimizer

    changes = args.apply or args.reset
    with open_decks(args.db, args.content, for_reading=not changes) as collection:
        if args.reset:
            optimizer.reset(collection)
        report = optimizer.fit(collection)
        applied = False
        if args.apply and report.fitted is not None and report.improves:
            optimizer.apply(collection, report, datetime.now(UTC))
            applied = True
    if args.json:
        print(json.dumps({**report.to_dict(), "applied": applied, "reset": args.reset}, indent=2))
    else:
        print(render(report, applied=applied, reset=args.reset))
    return 1 if args.apply and not applied and report.fitted is None else 0


def render(report: FitReport, *, applied: bool = False, reset: bool = False) -> str:
    """The fit as text: the history, both evaluations, what happened, and the health check's warnings."""
    from studyapp.fsrs_tools.optimizer import shortfall

    ready = report.readiness
    lines = [
        f"History: {report.reviews} reviews; {ready.items} of them a day or more after the card's "
        f"previous review, {ready.usable} kept by fsrs-rs's outlier filter."
    ]
    if reset:
        lines.append("Reset: your reviews are scheduled with FSRS's default parameters again.")
    source = "default" if report.in_use_is_default else "fitted earlier"
    rows = [(f"in use ({source})", *_scores(report.in_use_evaluation))]
    if report.fitted is None:
        lines += [
            "",
            format_table(["parameters", "log loss", "RMSE"], rows),
            "",
            *shortfall(report.readiness),
        ]
        if not reset:
            lines.append("Nothing was changed.")
    else:
        rows.append(("fitted now", *_scores(report.fitted_evaluation)))
        lines += ["", format_table(["parameters", "log loss", "RMSE"], rows), ""]
        lines.append("fitted: " + ", ".join(f"{value:.4f}" for value in report.fitted))
        lines.append(_verdict(report, applied=applied))
    if report.warnings:
        lines += ["", "Health check:", *(f"- {warning}" for warning in report.warnings)]
    return "\n".join(lines)


def _scores(evaluation: Evaluation | None) -> tuple[str, str]:
    if evaluation is None:
        return "-", "-"
    return f"{evaluation.log_loss:.4f}", f"{evaluation.rmse * 100:.2f}%"


def _verdict(report: FitReport, *, applied: bool) -> str:
    if applied:
        return "Applied: your reviews are now scheduled with the fitted parameters."
    if not report.improves:
        return "The parameters in use fit your history at least as well; nothing was changed."
    return "The fitted parameters fit your history better: `studyapp optimize --apply` uses them."
