"""One interface for 2D pose estimators: RGB frames in, COCO-17 keypoints with scores out.

Every backend (MediaPipe BlazePose, ViTPose, ...) maps its own joints to COCO-17 so curation filters
and the video benchmark read one layout; `to_coco25` builds easy_ViTPose's coco_25 layout from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

COCO17 = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip


@dataclass(frozen=True)
class PoseFrames:
    """Poses of every person found in T frames, in pixels of the input frames.

    keypoints: (T, P, 17, 2) float32 (x, y) in COCO-17 order; P = most persons in any frame,
        padded with NaN where a frame has fewer. scores: (T, P, 17) float32 in [0, 1], 0 for padding.
    person_scores: (T, P) float32 detection confidence, 0 for padding. Persons are sorted by
        person_scores, highest first, in every frame.
    """

    keypoints: np.ndarray
    scores: np.ndarray
    person_scores: np.ndarray
    width: int
    height: int

    @property
    def persons_per_frame(self) -> np.ndarray:
        """(T,) number of persons found in each frame."""
        return (self.person_scores > 0).sum(axis=1)


class PoseEstimator(Protocol):
    """A 2D pose model: `name` identifies it in provenance and caches."""

    name: str

    def estimate(self, frames: np.ndarray) -> PoseFrames:
        """Poses in (T, H, W, 3) uint8 RGB frames."""
        ...
