"""The face video Wan-Animate needs, for motion that comes without one (the Motion Expert makes no face).

Policies (`--face`):
- `reference` (default): the reference image's face, cropped around its head keypoints (COCO-17 nose,
  eyes, ears from the suite's pose estimator) and held for every frame. The dancer keeps the reference's
  identity and a neutral expression; MACE-Dance does not publish how it sources faces for music-only
  generation, so this is our documented choice, not a reproduction.
- `blank`: every face frame -1 (black), what the pipeline feeds its unconditional branch: no face signal.
- a video file: an already cropped face video (e.g. cut from a driving video), resized to the face size,
  reflect-padded or cut to the motion's length like Wan-Animate pads its conditioning videos.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from models.pose.mediapipe_pose import MediaPipePose
from models.video.frames import reflect_index
from models.video.io import read_frames

log = logging.getLogger(__name__)

FACE_POLICIES = ("reference", "blank")
HEAD_KEYPOINTS = (0, 1, 2, 3, 4)  # COCO-17 nose, eyes, ears
SHOULDERS = (5, 6)
MIN_SCORE = 0.3
HEAD_SPAN_SCALE = 2.2  # crop side = this x the spread of the head points (ears to ears ~ half a face crop)
SHOULDER_SCALE = 0.9  # ... or at least this x the shoulder width (profile faces have a narrow head spread)

FaceFrame = Callable[[int], np.ndarray]


def face_box(keypoints: np.ndarray, scores: np.ndarray, width: int, height: int) -> tuple[float, float, float]:
    """(centre x, centre y, side) of a square face crop from COCO-17 keypoints; a top-centre box when no head is seen."""
    head = [k for k in HEAD_KEYPOINTS if scores[k] >= MIN_SCORE and np.isfinite(keypoints[k]).all()]
    if not head:
        side = min(width, height) / 3
        return width / 2, side / 2, side
    points = keypoints[head]
    side = HEAD_SPAN_SCALE * float(np.ptp(points, axis=0).max())
    if all(scores[k] >= MIN_SCORE for k in SHOULDERS):
        side = max(side, SHOULDER_SCALE * float(np.linalg.norm(keypoints[SHOULDERS[0]] - keypoints[SHOULDERS[1]])))
    side = max(side, 16.0)
    centre = points.mean(axis=0)
    return float(centre[0]), float(centre[1]), side


def crop_square(image: np.ndarray, cx: float, cy: float, side: float, size: int) -> np.ndarray:
    """The (size,size,3) square of `side` pixels centred at (cx, cy), black where it leaves the image."""
    half = side / 2
    scale = size / side
    affine = np.array([[scale, 0.0, (half - cx) * scale], [0.0, scale, (half - cy) * scale]])
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.warpAffine(image, affine, (size, size), flags=interpolation, borderMode=cv2.BORDER_CONSTANT)


def reference_pose(image: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The most confident person's COCO-17 (keypoints (17,2), scores (17,)) in `image`, None when nobody is found."""
    with MediaPipePose(max_persons=1) as estimator:
        pose = estimator.estimate(image[None])
    if pose.keypoints.shape[1] == 0 or pose.person_scores[0, 0] <= 0:
        return None
    return pose.keypoints[0, 0].astype(np.float64), pose.scores[0, 0].astype(np.float64)


def reference_face(image: np.ndarray, size: int, pose: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The reference image's face crop (size,size,3) uint8; its top-centre crop (logged) when no person is found."""
    height, width = image.shape[:2]
    pose = pose or reference_pose(image)
    if pose is None:
        log.warning("no person found in the reference image: the face video is its top-centre crop")
        pose = (np.zeros((17, 2)), np.zeros(17))
    return crop_square(image, *face_box(*pose, width, height), size)


def face_frames(
    policy: str | Path, image: np.ndarray, size: int, pose: tuple[np.ndarray, np.ndarray] | None = None
) -> FaceFrame:
    """index -> (size,size,3) uint8 face frame under `policy` ('reference', 'blank' or a face video file)."""
    if str(policy) == "blank":
        blank = np.zeros((size, size, 3), np.uint8)
        return lambda index: blank
    if str(policy) == "reference":
        face = reference_face(image, size, pose)
        return lambda index: face
    path = Path(policy)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: face video not found (--face takes {' | '.join(FACE_POLICIES)} | a video file)")
    frames = np.stack([cv2.resize(f, (size, size), interpolation=cv2.INTER_AREA) for f in read_frames(path)])
    return lambda index: frames[reflect_index(index, len(frames))]
