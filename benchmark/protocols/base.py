"""What every protocol has: an id `<task>@<variant>`, a version, what it is compatible with, its metrics.

Each family (3D motion, 2D motion from videos, appearance, animation) subclasses `ProtocolBase`
with the fields its pipeline reads; `kind` says which pipeline scores it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class MetricSpec:
    """One reported metric: its better direction and its valid range (for submission checks)."""

    name: str
    better: Better
    low: float = 0.0
    high: float = float("inf")
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class ProtocolBase:
    """Identity and metrics of one evaluation variant."""

    id: str
    version: str
    title: str
    compat_with: str  # the code whose numbers this reproduces, or "corrected" for v1
    kind: str
    metrics: tuple[MetricSpec, ...] = field(default=())

    @property
    def task(self) -> str:
        return self.id.split("@")[0]

    @property
    def variant(self) -> str:
        return self.id.split("@")[1]

    @property
    def doc(self) -> str:
        return f"docs/protocols/{self.id.replace('@', '_at_')}.md"

    def metric(self, name: str) -> MetricSpec:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(f"protocol {self.id} has no metric {name!r}")
