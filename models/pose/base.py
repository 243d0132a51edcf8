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
FOOT6 = ("left_big_toe", "left_small_toe", "left_heel", "right_big_toe", "right_small_toe", "right_heel")


@dataclass(frozen=True)
class PoseFrames:
    """Poses of every person found in T frames, in pixels of the input frames.

    keypoints: (T, P, 17, 2) float32 (x, y) in COCO-17 order; P = most persons in any frame,
        padded with NaN where a frame has fewer. scores: (T, P, 17) float32 in [0, 1], 0 for padding.
    person_scores: (T, P) float32 detection confidence, 0 for padding. Persons are sorted by
        person_scores, highest first, in every frame.
    foot_keypoints / foot_scores: optional (T, P, 6, 2) / (T, P, 6) feet in COCO-WholeBody foot order
        (FOOT6), for backends that see feet; None when the backend has none.
    """

    keypoints: np.ndarray
    scores: np.ndarray
    person_scores: np.ndarray
    width: int
    height: int
    foot_keypoints: np.ndarray | None = None
    foot_scores: np.ndarray | None = None

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


@dataclass(frozen=True)
class Person:
    """One person in one frame, as a backend found it (pixels of the full frame)."""

    keypoints: np.ndarray  # (17, 2) x, y
    scores: np.ndarray  # (17,)
    score: float
    feet: np.ndarray | None = None  # (6, 2) in FOOT6 order
    foot_scores: np.ndarray | None = None  # (6,)

    def box(self, min_score: float = 0.0) -> np.ndarray:
        """(x0, y0, x1, y1) around the keypoints scoring above min_score (all of them if none do)."""
        use = self.scores > min_score
        points = self.keypoints[use] if use.any() else self.keypoints
        return np.concatenate([points.min(axis=0), points.max(axis=0)])


AGREEMENT_SIGMA = 0.1  # keypoint distance, in body diagonals, at which agreement falls to exp(-1/2)
MIN_SHARED_JOINTS = 4


def keypoint_agreement(a: Person, b: Person, min_score: float = 0.3) -> float:
    """OKS-style similarity of two detections on the joints both see: ~1 the same body, ~0 different people.

    Mean over shared confident joints of exp(-d^2 / 2 sigma^2), d = distance / the larger body diagonal.
    """
    both = (a.scores > min_score) & (b.scores > min_score)
    if both.sum() < MIN_SHARED_JOINTS:
        return 0.0
    scale = max(float(np.linalg.norm(np.ptp(p.keypoints[both], axis=0))) for p in (a, b))
    distance = np.linalg.norm(a.keypoints[both] - b.keypoints[both], axis=-1) / max(scale, 1.0)
    return float(np.exp(-(distance**2) / (2 * AGREEMENT_SIGMA**2)).mean())


def containment(inner: Person, outer: Person, min_score: float = 0.3) -> float:
    """Share of `inner`'s keypoint box that lies inside `outer`'s (1 = wholly inside)."""
    a, b = inner.box(min_score), outer.box(min_score)
    overlap = np.clip(np.minimum(a[2:], b[2:]) - np.maximum(a[:2], b[:2]), 0, None).prod()
    area = np.clip(a[2:] - a[:2], 0, None).prod()
    return float(overlap / area) if area > 0 else 1.0


def is_same_person(person: Person, other: Person, agreement: float, inside: float) -> bool:
    """A duplicate: the keypoints agree, or `person`'s box lies within `other`'s (a partial-body ghost)."""
    return keypoint_agreement(person, other) >= agreement or containment(person, other) >= inside


def add_distinct_persons(kept: list[Person], candidates: list[Person], agreement: float, inside: float) -> list[Person]:
    """`kept` plus, largest body first (a whole body before its fragments), each candidate that is the same
    person as none kept so far."""
    kept = list(kept)
    for person in sorted(candidates, key=lambda p: -float(np.prod(np.ptp(p.box(0.3).reshape(2, 2), axis=0)))):
        if not any(is_same_person(person, other, agreement, inside) for other in kept):
            kept.append(person)
    return kept


def pose_frames_from_persons(per_frame: list[list[Person]], width: int, height: int) -> PoseFrames:
    """Pack per-frame person lists into PoseFrames (sorted by score, NaN/0 padding, feet if every person has them)."""
    count = max((len(p) for p in per_frame), default=0)
    frames = len(per_frame)
    keypoints = np.full((frames, count, 17, 2), np.nan, np.float32)
    scores = np.zeros((frames, count, 17), np.float32)
    person_scores = np.zeros((frames, count), np.float32)
    everyone = [p for persons in per_frame for p in persons]
    with_feet = bool(everyone) and all(p.feet is not None for p in everyone)
    feet = np.full((frames, count, 6, 2), np.nan, np.float32) if with_feet else None
    foot_scores = np.zeros((frames, count, 6), np.float32) if with_feet else None
    for t, persons in enumerate(per_frame):
        for k, person in enumerate(sorted(persons, key=lambda p: -p.score)):
            keypoints[t, k], scores[t, k], person_scores[t, k] = person.keypoints, person.scores, person.score
            if with_feet:
                feet[t, k], foot_scores[t, k] = person.feet, person.foot_scores
    return PoseFrames(keypoints, scores, person_scores, width, height, feet, foot_scores)
