"""The interface of VBench-style appearance metrics: one video's frames in, the values VBench averages out.

VBench averages some dimensions over all frames of all videos (subject/background consistency) and
others per video first (aesthetic, imaging quality, smoothness, flickering); `aggregate` says which.
"""

from __future__ import annotations

from typing import Literal, Protocol

import numpy as np

Aggregate = Literal["frames", "videos"]


class AppearanceMetric(Protocol):
    """name: the VBench dimension in snake_case; score_video returns the per-frame (or per-pair) values. The
    registry's metrics also carry `precision` (precision.Precision: how the backbone computed), which results record."""

    name: str
    aggregate: Aggregate

    def score_video(self, frames: np.ndarray) -> np.ndarray:
        """Values for one video given as (T, H, W, 3) uint8 RGB frames."""
        ...


def aggregate_scores(metric: AppearanceMetric, per_video: list[np.ndarray]) -> float:
    """The set score as VBench forms it: mean over all values of all videos, or mean of video means."""
    if not per_video:
        raise ValueError(f"{metric.name}: no videos to aggregate")
    if metric.aggregate == "frames":
        return float(np.concatenate(per_video).mean())
    return float(np.mean([values.mean() for values in per_video]))
