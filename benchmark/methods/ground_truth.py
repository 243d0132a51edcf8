"""The ground truth as a method: the upper bound every table prints as its first row."""

from __future__ import annotations

from dataclasses import dataclass

from benchmark.methods.base import Method, TestItem, register_method
from models.body.motion import Motion


@register_method("ground_truth")
@dataclass
class GroundTruth(Method):
    version: str = "1"
    needs_ground_truth: bool = True

    def generate(self, items: list[TestItem], seed: int) -> dict[str, Motion]:
        missing = [item.id for item in items if item.gt is None]
        if missing:
            raise ValueError(f"ground_truth needs the real motion of every item; missing: {missing}")
        return {item.id: item.gt for item in items}
