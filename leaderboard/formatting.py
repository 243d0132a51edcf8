"""Cell text shared by the terminal, Markdown and HTML views, and per-format escaping.

Every string that came from a submitter (names, versions, labels, links) goes through one of
the escapers here before it is written into any output.
"""

from __future__ import annotations

import re

from benchmark.protocols.registry import MetricSpec
from leaderboard.entry import Entry, MetricValue
from leaderboard.ranking import RankedRow
from leaderboard.validation import url_problems

MISSING = "-"
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
    """'value [low, high]', or just the value when there is no CI."""
    return f"{format_value(metric.value)} {format_ci(metric.ci95)}".rstrip()


def metric_of(entry: Entry, name: str) -> MetricValue:
    """The entry's value for a metric, or an empty one when it has none."""
    return entry.metrics.get(name) or MetricValue(None)


def metric_header(spec: MetricSpec) -> str:
    return f"{spec.name} {ARROWS[spec.better]}"


def position_text(row: RankedRow) -> str:
    if row.position is None:
        return "ref"
    return f"={row.position}" if row.tied else str(row.position)


def status_text(entry: Entry) -> str:
    return "reported, not reproduced" if entry.status == "reported" else "reproduced"


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
