"""The leaderboard's tabs: one per protocol, from the benchmark registry plus reported-only ones.

Video protocols (MA-Data video generation, pose-driven animation) have published numbers but no
implementation in `benchmark.protocols` yet; their metric directions are defined here so their
reported numbers can be shown and ranked, without touching the benchmark registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmark.protocols.registry import PROTOCOLS, MetricSpec

_VBENCH_NOTE = "VBench score on its percent scale, as printed (67.12 = 0.6712)"


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


def _vbench(name: str, description: str) -> MetricSpec:
    return MetricSpec(name, "higher", 0.0, 100.0, f"{description}; {_VBENCH_NOTE}")


_PENDING = (
    Board(
        id="ma_video@mace",
        title="Music-driven dance video generation on MA-Data (MACE-Dance protocol)",
        pending=True,
        metrics=(
            _vbench("iq", "imaging quality"),
            _vbench("aq", "aesthetic quality"),
            _vbench("sc", "subject consistency"),
            _vbench("bc", "background consistency"),
            _vbench("ms", "motion smoothness"),
            _vbench("tf", "temporal flickering"),
            MetricSpec("fid_k", "lower", description="Frechet distance of kinetic features (2D)"),
            MetricSpec("fid_g", "lower", description="Frechet distance of geometric features (2D)"),
            MetricSpec("div_k", "higher", description="kinetic diversity"),
            MetricSpec("div_g", "higher", description="geometric diversity"),
            MetricSpec("bas", "higher", 0.0, 1.0, "beat align score"),
        ),
    ),
)

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
