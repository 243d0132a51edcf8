"""Other keypoint layouts built from PoseFrames: easy_ViTPose's coco_25 (what MACE-Dance's 2D metrics read).

coco_25 = COCO-17 body with a neck (5, mid-shoulders) and a mid-hip (14) inserted, plus six foot points
(19-24, COCO-WholeBody foot order). Rows are (y, x, score) as easy_ViTPose writes them; a frame without
the person is all zeros, as easy_ViTPose leaves it. Feet come from PoseFrames' optional foot fields;
without them (a COCO-17-only backend) the foot rows are zeros.
"""

from __future__ import annotations

import numpy as np

from models.pose.base import PoseFrames

COCO25 = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "neck",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "mid_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_big_toe", "left_small_toe", "left_heel", "right_big_toe", "right_small_toe", "right_heel",
)  # fmt: skip
COCO17_IN_COCO25 = (0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18)  # coco_25 slot of each COCO-17 joint
NECK, MID_HIP, FEET = 5, 14, slice(19, 25)


def _midpoint(points: np.ndarray, scores: np.ndarray, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean position of joints a and b with the smaller of their scores."""
    return (points[:, a] + points[:, b]) / 2, np.minimum(scores[:, a], scores[:, b])


def to_coco25(pose: PoseFrames, person: int = 0) -> np.ndarray:
    """(T, 25, 3) float32 (y, x, score) of the person in slot `person` of every frame, zeros where absent."""
    frames = pose.keypoints.shape[0]
    out = np.zeros((frames, 25, 3), np.float32)
    if person < 0:
        raise ValueError(f"person index must be >= 0, got {person}")
    if person >= pose.keypoints.shape[1]:
        return out
    present = pose.person_scores[:, person] > 0
    xy = np.nan_to_num(pose.keypoints[:, person])
    scores = pose.scores[:, person]
    slots = list(COCO17_IN_COCO25)
    out[:, slots, 0], out[:, slots, 1], out[:, slots, 2] = xy[..., 1], xy[..., 0], scores
    for slot, (a, b) in ((NECK, (5, 6)), (MID_HIP, (11, 12))):
        mid, score = _midpoint(xy, scores, a, b)
        out[:, slot] = np.stack([mid[:, 1], mid[:, 0], score], axis=-1)
    if pose.foot_keypoints is not None and pose.foot_scores is not None:
        feet = np.nan_to_num(pose.foot_keypoints[:, person])
        out[:, FEET] = np.stack([feet[..., 1], feet[..., 0], pose.foot_scores[:, person]], axis=-1)
    out[~present] = 0
    return out
