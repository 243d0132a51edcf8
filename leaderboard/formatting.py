"""Cell text shared by the terminal, Markdown and HTML views, and per-format escaping.

Every string that came from a submitter (names, versions, labels, links) goes through one of
the escapers here before it is written into any output.
"""

from __future__ import annotations

import re

from benchmark.protocols.registry import MetricSpec
from leaderboard.boards import Board
from leaderboard.entry import Entry, MetricValue
from leaderboard.ranking import RankedRow
from leaderboard.validation import url_problems

MISSING = "-"
NOT_COMPUTED_CELL = "n/c"  # the run could not compute the metric; the reason is a footnote / tooltip
UNRANKED = "unranked"  # position of a flagged row (not a model result)
ARROWS = {"lower": "↓", "higher": "↑"}


def _significant(value: float, digits: int) -> str:
    return f"{value:.0f}" if abs(value) >= 10**digits else f"{value:.{digits}g}"


def format_value(value: float | None) -> str:
    """A metric value with 5 significant digits (large values without a fraction)."""
    return MISSING if value is None else _significant(value, 5)


def format_ci(ci: tuple[float, float] | None) -> str:
    """A CI as '[low, high]' with 4 significant digits; empty when there is none."""
    return "" if ci is None else f"[{_significant(ci[0], 4)}, {_significant(ci[1], 4)}]"


def format_metric(metric: MetricValue) -> str:
    """'value [low, high]', just the value when there is no CI, 'n/c' when it was not computed."""
    if metric.not_computed:
        return NOT_COMPUTED_CELL
    return f"{format_value(metric.value)} {format_ci(metric.ci95)}".rstrip()


def metric_text(metric: MetricValue, footnotes: dict[str, int]) -> str:
    """`format_metric`, with 'n/c (k)' pointing at footnote k (`not_computed_reasons`) when it was not computed."""
    return f"{NOT_COMPUTED_CELL} ({footnotes[metric.note]})" if metric.not_computed else format_metric(metric)


def not_computed_reasons(rows: list[RankedRow], board: Board) -> dict[str, int]:
    """Footnote number of every distinct not-computed reason on a board, in order of appearance."""
    numbers: dict[str, int] = {}
    for row in rows:
        for metric in (metric_of(row.entry, spec.name) for spec in board.metrics):
            if metric.not_computed and metric.note not in numbers:
                numbers[metric.note] = len(numbers) + 1
    return numbers


def coverage_note(row: RankedRow, board: Board) -> str | None:
    """'ranked on 6 of 11 metrics' for a ranked row that could not compute some of them."""
    if row.position is None or len(row.metric_ranks) == len(board.metrics):
        return None
    return f"ranked on {len(row.metric_ranks)} of {len(board.metrics)} metrics (the rest not computed)"


def metric_of(entry: Entry, name: str) -> MetricValue:
    """The entry's value for a metric, or an empty one when it has none."""
    return entry.metrics.get(name) or MetricValue(None)


def metric_header(spec: MetricSpec) -> str:
    return f"{spec.name} {ARROWS[spec.better]}"


def position_text(row: RankedRow) -> str:
    """'1', '=2', 'ref' for a reference row, 'unranked' for a flagged one."""
    if row.position is None:
        return "ref" if row.entry.role == "reference" else UNRANKED
    return f"={row.position}" if row.tied else str(row.position)


def status_text(entry: Entry) -> str:
    """'reported, not reproduced' (paper numbers), 'reproduced', or 'not a model result' for a flagged row."""
    if entry.status == "reported":
        return "reported, not reproduced"
    return "reproduced, not a model result" if entry.flags else "reproduced"


def safe_url(url: str | None) -> str | None:
    """The URL when it is an acceptable http(s) link, else None (never rendered)."""
    return url if url and not url_problems("url", url) else None


def plain(text: str) -> str:
    """Terminal-safe text: control characters (escape sequences) replaced by '?'."""
    return "".join(c if c.isprintable() else "?" for c in text)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def markdown_text(text: str) -> str:
    """Markdown-table-safe text: markup characters escaped, HTML characters as entities."""
    text = plain(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)
