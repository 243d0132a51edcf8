"""Ranking rule: mean rank over a protocol's metrics, each in its better direction, CI-aware ties.

Per metric, entries are ordered best first; walking that order, an entry joins the current tie
group when its value equals the group leader's or both have 95% CIs that overlap the leader's.
A tie group shares the mean of the places it spans; entries without the metric share the last
places. An entry's score is its mean rank over all the protocol's metrics; equal scores share a
position and are reported as ties ("=2"). Reference rows (ground truth) are listed, not ranked.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmark.protocols.registry import MetricSpec
from leaderboard.boards import Board
from leaderboard.entry import Entry, MetricValue

_SCORE_DECIMALS = 9


@dataclass(frozen=True)
class RankedRow:
    """An entry with its place: `position` is None for reference rows."""

    entry: Entry
    position: int | None
    tied: bool
    mean_rank: float | None
    metric_ranks: dict[str, float]


def _overlaps(a: MetricValue, b: MetricValue) -> bool:
    if a.value == b.value:
        return True
    return a.ci95 is not None and b.ci95 is not None and a.ci95[0] <= b.ci95[1] and b.ci95[0] <= a.ci95[1]


def _groups(ordered: list[tuple[str, MetricValue]]) -> list[list[str]]:
    groups: list[list[str]] = []
    leader: MetricValue | None = None
    for entry_id, metric in ordered:
        if leader is not None and _overlaps(leader, metric):
            groups[-1].append(entry_id)
        else:
            groups.append([entry_id])
            leader = metric
    return groups


def metric_ranks(entries: list[Entry], spec: MetricSpec) -> dict[str, float]:
    """Fractional rank (1 = best) of every entry on one metric, ties by CI overlap."""
    have = [(e.id, e.metrics[spec.name]) for e in entries if e.metrics.get(spec.name, MetricValue(None)).value is not None]
    have.sort(key=lambda item: item[1].value if spec.better == "lower" else -item[1].value)
    missing = [e.id for e in entries if e.id not in {i for i, _ in have}]
    ranks: dict[str, float] = {}
    place = 1
    for group in _groups(have) + ([missing] if missing else []):
        shared = place + (len(group) - 1) / 2
        ranks.update({entry_id: shared for entry_id in group})
        place += len(group)
    return ranks


def rank(entries: list[Entry], board: Board) -> list[RankedRow]:
    """Reference rows first (in the given order), then ranked rows by position, then name."""
    references = [e for e in entries if e.role == "reference"]
    ranked = [e for e in entries if e.role != "reference"]
    per_metric = {spec.name: metric_ranks(ranked, spec) for spec in board.metrics}
    scores = {
        e.id: round(sum(per_metric[m][e.id] for m in per_metric) / len(per_metric), _SCORE_DECIMALS)
        for e in ranked
    }
    rows = [RankedRow(e, None, False, None, {}) for e in references]
    for e in sorted(ranked, key=lambda e: (scores[e.id], e.name.lower(), e.id)):
        position = 1 + sum(1 for s in scores.values() if s < scores[e.id])
        tied = sum(1 for s in scores.values() if s == scores[e.id]) > 1
        rows.append(RankedRow(e, position, tied, scores[e.id], {m: r[e.id] for m, r in per_metric.items()}))
    return rows
