"""VBench Temporal Flickering: (255 - mean absolute difference of consecutive frames) / 255, model-free.

Followed: vbench 0.1.5 temporal_flickering.py (`mae_seq`, `calculate_mae`, `cal_score`): the mean over
pixels and channels of |frame_{t+1} - frame_t| for every consecutive pair, averaged over pairs, per video;
the set score is the mean over videos. Every pair has the same pixel count, so the mean of the per-pair
values (255 - mae_t) / 255 returned here equals the video score. Sums are exact in int64 (VBench sums
float32); the channel order (VBench reads BGR with OpenCV) does not change the mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from benchmark.metrics.appearance.base import Aggregate
from benchmark.metrics.appearance.precision import Precision, model_free
from models.video.frames import check_frames

MIN_FRAMES = 2  # one consecutive pair


def mean_abs_differences(frames: np.ndarray) -> np.ndarray:
    """(T-1,) mean |frame_{t+1} - frame_t| of (T, H, W, C) uint8 frames, exact."""
    size = frames[0].size
    return np.array([cv2.absdiff(a, b).sum(dtype=np.int64) / size for a, b in zip(frames[:-1], frames[1:])])


@dataclass
class TemporalFlickering:
    """(255 - mae_t) / 255 per consecutive pair; VBench averages per video, then over videos."""

    precision: Precision = model_free("float32")
    name: str = "temporal_flickering"
    aggregate: Aggregate = "videos"

    def score_video(self, frames: np.ndarray) -> np.ndarray:
        check_frames(frames, self.name, MIN_FRAMES)
        return (255.0 - mean_abs_differences(frames)) / 255.0


def temporal_flickering(
    weights: str | Path | None = None, device: str = "cpu", random_init: bool = False, precision: str = "reference"
) -> TemporalFlickering:
    """The metric; it has no model, the arguments only keep every registry factory callable alike."""
    return TemporalFlickering(model_free(precision))
