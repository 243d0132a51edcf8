"""Ranking rule: mean rank over a protocol's metrics, each in its better direction, CI-aware ties.

Per metric, entries are ordered best first; walking that order, an entry joins the current tie
group when its value equals the group leader's or both have 95% CIs that overlap the leader's.
A tie group shares the mean of the places it spans; entries without the metric share the last
places, except entries that could not compute it (n/c, with a reason): they are left out of that
metric. An entry's score is its mean rank over the protocol's metrics it has a rank on; equal scores
share a position and are reported as ties ("=2"). Reference rows (ground truth) and flagged rows (not
a model result: mannequin or tiny renderer, random-init backbones, stand-in test set) are listed, not
ranked, and do not move the ranked rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmark.protocols.registry import MetricSpec
from leaderboard.boards import Board
from leaderboard.entry import Entry, MetricValue

_SCORE_DECIMALS = 9


@dataclass(frozen=True)
class RankedRow:
    """An entry with its place: `position` is None for reference and unranked (flagged) rows."""

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
    values = {e.id: e.metrics.get(spec.name, MetricValue(None)) for e in entries}
    have = [(i, m) for i, m in values.items() if m.value is not None]
    have.sort(key=lambda item: item[1].value if spec.better == "lower" else -item[1].value)
    missing = [i for i, m in values.items() if m.value is None and not m.not_computed]
    ranks: dict[str, float] = {}
    place = 1
    for group in _groups(have) + ([missing] if missing else []):
        shared = place + (len(group) - 1) / 2
        ranks.update({entry_id: shared for entry_id in group})
        place += len(group)
    return ranks


def _entry_ranks(entries: list[Entry], board: Board) -> dict[str, dict[str, float]]:
    """Each entry's per-metric ranks (metrics it did not compute left out)."""
    per_metric = {spec.name: metric_ranks(entries, spec) for spec in board.metrics}
    return {e.id: {m: r[e.id] for m, r in per_metric.items() if e.id in r} for e in entries}


def rank(entries: list[Entry], board: Board) -> list[RankedRow]:
    """Reference rows first (in the given order), then ranked rows by position, then name, then unranked rows."""
    references = [e for e in entries if e.role == "reference"]
    candidates = [e for e in entries if e.ranked]
    ranks = _entry_ranks(candidates, board)
    ranked = [e for e in candidates if ranks[e.id]]  # an entry that computed no metric has no place
    scores = {e.id: round(sum(ranks[e.id].values()) / len(ranks[e.id]), _SCORE_DECIMALS) for e in ranked}
    rows = [RankedRow(e, None, False, None, {}) for e in references]
    for e in sorted(ranked, key=lambda e: (scores[e.id], e.name.lower(), e.id)):
        position = 1 + sum(1 for s in scores.values() if s < scores[e.id])
        tied = sum(1 for s in scores.values() if s == scores[e.id]) > 1
        rows.append(RankedRow(e, position, tied, scores[e.id], ranks[e.id]))
    unranked = [e for e in entries if e.role != "reference" and e.id not in scores]
    rows += [RankedRow(e, None, False, None, {}) for e in sorted(unranked, key=lambda e: (e.name.lower(), e.id))]
    return rows
