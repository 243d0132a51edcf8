"""The leaderboard's tabs: one per protocol, from the benchmark registry plus reported-only ones.

A protocol with published numbers but no implementation in `benchmark.protocols` yet can get a
pending board in `_PENDING` (metric directions defined here), so its reported numbers are shown
and ranked without touching the benchmark registry; none is pending now.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmark.protocols.registry import PROTOCOLS, MetricSpec


@dataclass(frozen=True)
class Board:
    """One leaderboard tab: a protocol, its ranked metrics and whether it can take submissions."""

    id: str
    title: str
    metrics: tuple[MetricSpec, ...]
    doc: str | None = None
    pending: bool = False  # no implementation in benchmark.protocols: reported numbers only
    extra_columns: tuple[str, ...] = ()  # shown, not ranked (e.g. generation fps)

    def metric(self, name: str) -> MetricSpec:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(f"board {self.id} has no metric {name!r}")


_PENDING: tuple[Board, ...] = ()  # reported-only tabs (a protocol whose implementation is pending)

BOARDS: dict[str, Board] = {
    **{
        p.id: Board(p.id, p.title, p.metrics, doc=p.doc, extra_columns=("fps",))
        for p in PROTOCOLS.values()
    },
    **{b.id: b for b in _PENDING},
}


def get_board(board_id: str) -> Board:
    """A board by protocol id, listing the known ids when it is unknown."""
    try:
        return BOARDS[board_id]
    except KeyError:
        raise ValueError(f"unknown protocol {board_id!r}; known: {', '.join(sorted(BOARDS))}") from None
