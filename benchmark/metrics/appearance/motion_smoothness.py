"""VBench Motion Smoothness: how well AMT-S recovers the odd frames from their even neighbours.

Followed: vbench 0.1.5 motion_smoothness.py (MotionSmoothness.motion_score, vfi_score, get_diff): keep frames
0, 2, 4, ..., interpolate the frame halfway between each consecutive kept pair, compare the i-th prediction
with original frame 2i+1 (a last odd frame without a right neighbour is skipped) by the mean absolute
uint8 difference over pixels and channels; the video scores (255 - mean over pairs) / 255.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmark.metrics.appearance.base import Aggregate
from benchmark.metrics.appearance.precision import FLOAT32, Precision, apply_precision
from models.video.frames import check_frames
from models.vision.amt import AMT, AMTConfig, interpolate_midframes, load_amt

MIN_FRAMES = 3  # two kept (even) frames and the odd one between them


@dataclass
class MotionSmoothness:
    """(255 - mean |odd frame - AMT-S interpolation|) / 255 per interpolated frame; their mean is VBench's
    per-video score (every pair has the same pixel count), then averaged over videos."""

    model: AMT
    batch: int = 1
    precision: Precision = FLOAT32
    name: str = "motion_smoothness"
    aggregate: Aggregate = "videos"

    def score_video(self, frames: np.ndarray) -> np.ndarray:
        check_frames(frames, self.name, MIN_FRAMES)
        with self.precision.autocast():
            predicted = interpolate_midframes(self.model, frames[0::2], self.batch)
        actual = frames[1::2][: len(predicted)]
        diff = np.abs(actual.astype(np.int16) - predicted.astype(np.int16)).mean(axis=(1, 2, 3))
        return (255.0 - diff) / 255.0


def motion_smoothness(
    weights: str | Path | None = None, device: str = "cpu", random_init: bool = False, config: AMTConfig | None = None,
    precision: str = "reference",
) -> MotionSmoothness:
    """The metric with VBench's amt-s.pth (path, $MACE_BENCH_AMT_S or the cache), or random weights for timing;
    float32 unless `precision` is half (VBench runs AMT-S in float32)."""
    config = config or AMTConfig()
    model = (AMT(config).eval() if random_init else load_amt(weights, config)).to(device)
    return MotionSmoothness(model, precision=apply_precision(model, precision, device))
