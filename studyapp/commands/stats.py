"""``studyapp stats``: the collection's statistics as text (or ``--json``)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from studyapp.commands import open_decks
from studyapp.table import format_table
from studyapp.words import counted

DESCRIPTION = """\
Print statistics of the collection: cards by state, reviews per day as a small heatmap of the last
weeks and the current streak, true retention (the share of reviews of cards in the Review state not
rated Again) over 7 days, 30 days and all time, the cards due on each of the next 30 days (today
includes overdue cards), mastery per tag (the share of the tag's cards you would recall now, cards not
studied counting as not known, with how many were studied), quiz accuracy, and your most frequent
misconceptions (the known mistakes behind wrong numbers, with how often and when last; one seen twice in
14 days offers its simulation and practice), and the calibration of your predictions (how many of the
numbers you typed before a simulation's answer was shown were within tolerance, overall and per tag).
Days are local days that start at the day_start_hour setting. The streak counts consecutive days with a
review up to today; today without a review yet does not break it.
"""

HEATMAP_WEEKS = 16
SHADES = "░▒▓█"
SPARKS = "▁▂▃▄▅▆▇█"
BAR_WIDTH = 20
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def register(subparsers: Any) -> None:
    """Add the ``stats`` command."""
    parser = subparsers.add_parser(
        "stats",
        help="statistics: reviews per day, streak, retention, forecast, mastery, quizzes, misconceptions, "
        "predictions",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="print every statistic as one JSON object")
    parser.set_defaults(handler=run)


def percent(value: float | None) -> str:
    """``0.875`` as ``"87.5%"``; ``None`` as ``"-"``."""
    return "-" if value is None else f"{value * 100:.1f}%"


def shade(count: int, most: int) -> str:
    """One heatmap cell: ``·`` for no reviews, then four shades up to ``most``."""
    if count <= 0 or most <= 0:
        return "·"
    return SHADES[min(len(SHADES) - 1, (count * len(SHADES) - 1) // most)]


def heatmap(per_day: dict[str, int], weeks: int = HEATMAP_WEEKS) -> list[str]:
    """Rows Monday to Sunday, one column per week, the last column holding the last day of ``per_day``."""
    days = [(date.fromisoformat(day), count) for day, count in per_day.items()]
    last = days[-1][0]
    first_shown = last - timedelta(days=last.weekday() + 7 * (weeks - 1))
    shown = {day: count for day, count in days if day >= first_shown}
    most = max(shown.values(), default=0)
    rows = []
    for weekday, name in enumerate(WEEKDAYS):
        cells = []
        for week in range(weeks):
            day = first_shown + timedelta(days=7 * week + weekday)
            cells.append(" " if day > last else shade(shown.get(day, 0), most))
        rows.append(f"{name}  {''.join(cells)}")
    legend = f"from {first_shown.isoformat()} to {last.isoformat()}: · none, {SHADES} up to {most} a day"
    return [*rows, legend]


def sparkline(values: list[int]) -> str:
    """One character per value: ``·`` for zero, then eight bar heights up to the largest value."""
    most = max(values, default=0)
    return "".join(
        "·" if value <= 0 else SPARKS[min(len(SPARKS) - 1, (value * len(SPARKS) - 1) // most)]
        for value in values
    )


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """A bar of ``width`` cells, ``fraction`` of them full."""
    full = round(min(max(fraction, 0.0), 1.0) * width)
    return "█" * full + "░" * (width - full)


def render(stats: dict[str, Any]) -> str:
    """The statistics of ``all_stats`` as readable text."""
    cards = stats["cards"]
    parts = [
        f"Cards: {cards['total']}  (new {cards['new']}, learning {cards['learning']}, "
        f"review {cards['review']}, relearning {cards['relearning']}, "
        f"suspended {cards['suspended']}, buried {cards['buried']}; "
        f"leeches {cards['leech']})",
        f"Today ({stats['today']}): {counted(stats['reviews_today'], 'review')}.  "
        f"Streak: {counted(stats['streak'], 'day')}.",
        "",
        "Reviews per day",
        *heatmap(stats["reviews_per_day"]),
        "",
        "True retention (reviews of cards in Review not rated Again)",
        format_table(
            ["window", "reviews", "passed", "retention"],
            [
                (name.replace("_", " "), value["reviews"], value["passed"], percent(value["retention"]))
                for name, value in stats["retention"].items()
            ],
        ),
        "",
        *forecast_lines(stats["forecast"]),
        "",
        *mastery_lines(stats["mastery"]),
        "",
        *quiz_lines(stats["quiz"]),
        "",
        *misconception_lines(stats["misconceptions"]),
        "",
        *calibration_lines(stats["calibration"]),
    ]
    return "\n".join(parts)


def forecast_lines(forecast: list[dict[str, Any]]) -> list[str]:
    """The due forecast as a bar line with its totals."""
    counts = [day["due"] for day in forecast]
    busiest = max(forecast, key=lambda day: day["due"])
    return [
        f"Due in the next {len(forecast)} days (the first includes overdue cards)",
        f"{forecast[0]['date']} {sparkline(counts)} {forecast[-1]['date']}",
        f"today {counts[0]}, next 7 days {sum(counts[:7])}, next {len(counts)} days {sum(counts)}; "
        f"busiest {busiest['date']} with {busiest['due']}",
    ]


def mastery_lines(mastery: dict[str, Any]) -> list[str]:
    """Mastery bars (the share of all the cards recalled now), overall and per tag, with how many were
    studied and the mean recall of those."""
    rows = [("all cards", mastery["overall"]), *mastery["tags"].items()]
    width = max(len(name) for name, _value in rows)
    count_width = max(len(f"{value['studied']}/{value['cards']}") for _name, value in rows)
    lines = ["Mastery (the share of the cards you would recall now; cards not studied count as not known)"]
    for name, value in rows:
        studied = f"{value['studied']}/{value['cards']}".rjust(count_width) + " studied"
        if value["retrievability"] is not None:
            studied += f", recall of those {value['retrievability'] * 100:.0f}%"
        known = value["known"]
        if known is None:
            lines.append(f"{name.ljust(width)}  {'·' * BAR_WIDTH}     -  {studied}")
        else:
            lines.append(f"{name.ljust(width)}  {bar(known)}  {known * 100:3.0f}%  {studied}")
    return lines


def quiz_lines(quiz: dict[str, Any]) -> list[str]:
    """Quiz attempts and accuracy, overall, per kind and per tag."""
    if not quiz["attempts"]:
        return ["Quizzes: no attempts yet"]
    lines = [f"Quizzes: {counted(quiz['attempts'], 'attempt')}, {percent(quiz['accuracy'])} correct"]
    for title, groups in (("kind", quiz["by_kind"]), ("tag", quiz["by_tag"])):
        if groups:
            rows = [(name, v["attempts"], v["correct"], percent(v["accuracy"])) for name, v in groups.items()]
            lines += ["", format_table([title, "attempts", "correct", "accuracy"], rows)]
    return lines


def calibration_lines(calibration: dict[str, Any]) -> list[str]:
    """How many predictions were within tolerance, overall and per tag of the card predicted."""
    if not calibration["predictions"]:
        return ["Predictions: none yet (type a number before a card's simulated answer is shown)"]
    lines = [
        f"Predictions: {counted(calibration['predictions'], 'prediction')}, "
        f"{calibration['within_tolerance']} within tolerance ({percent(calibration['share'])})"
    ]
    rows = [
        (tag, value["predictions"], value["within_tolerance"], percent(value["share"]))
        for tag, value in calibration["by_tag"].items()
    ]
    if rows:
        lines += ["", format_table(["tag", "predictions", "within tolerance", "share"], rows)]
    return lines


def misconception_lines(found: list[dict[str, Any]]) -> list[str]:
    """The most frequent misconceptions: how often, the question kind, when last; and what a recurring one
    offers (its simulation preset, and practice in a quiz or in the app's Stats)."""
    if not found:
        return ["Misconceptions: none yet (a wrong number that matches a known mistake is recorded here)"]
    from studyapp.quiz.plain import simulation_command

    width = len(str(max(entry["count"] for entry in found)))
    lines = ["Misconceptions (the known mistakes behind wrong answers, most frequent first)"]
    for entry in found:
        last = entry["last_seen"][:10]
        lines.append(f"{entry['count']:>{width}}×  {entry['diagnosis']} · {entry['kind']} · last {last}")
        offer = entry["offer"]
        if offer is not None:
            command = simulation_command(offer["sim"], offer["sim_params"], offer["sim_seed"], "open")
            recent = f"{counted(entry['recent'], 'time')} in the last {entry['recent_days']} days"
            lines.append(
                f"{'':>{width}}   {recent}: see it with `{command}`, and practise {offer['practice']} "
                "(p after such an answer in a quiz, or on the app's Stats screen)"
            )
    return lines


def run(args: argparse.Namespace) -> int:
    """Open the collection, compute the statistics now in local time and print them."""
    from studyapp.deck_json import collector_paused
    from studyapp.misconceptions import offer_for

    days = None if args.json else 7 * HEATMAP_WEEKS  # the text shows these weeks of the year's heatmap
    with collector_paused(), open_decks(args.db, args.content, for_reading=True) as collection:
        stats = collection.statistics(datetime.now(UTC), offer_for=offer_for, heatmap_days=days)
    print(json.dumps(stats, indent=2, ensure_ascii=False) if args.json else render(stats))
    return 0
