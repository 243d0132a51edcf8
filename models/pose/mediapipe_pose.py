"""MediaPipe BlazePose (33 landmarks) behind the PoseEstimator interface, mapped to COCO-17 plus feet.

The bundled `.task` model (Apache-2.0, assets/) works offline. BlazePose's detector is tuned for one
person near the camera, so wide frames are covered by overlapping square tiles (3 for 16:9) whose
poses are merged by box non-maximum suppression: this finds small and side-by-side people that one
whole-frame pass misses. Keypoint score = landmark visibility; person score = mean COCO-17 score.
Feet: heel -> heel, foot_index -> big toe AND small toe (BlazePose has one toe point per foot).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from models.pose.base import (
    Person,
    PoseFrames,
    pose_frames_from_persons,
    suppress_duplicates,
)
from models.video.frames import check_frames

DEFAULT_MODEL = Path(__file__).parent / "assets" / "pose_landmarker_full_from_0.10.21.task"
BLAZEPOSE_TO_COCO17 = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
BLAZEPOSE_TO_FOOT6 = (31, 31, 29, 32, 32, 30)  # l big toe, l small toe, l heel, r big toe, r small toe, r heel


def square_tiles(width: int, height: int, tiles: int | str = "auto") -> list[tuple[int, int, int, int]]:
    """(x0, y0, w, h) crops: `tiles` squares of the short side spread evenly along the long side.

    "auto": one whole frame up to 4:3, else ceil(long / short) + 1 squares (overlapping by >= 1/3).
    """
    short, long = min(width, height), max(width, height)
    if tiles == "auto":
        tiles = 1 if long <= short * 4 / 3 else math.ceil(long / short) + 1
    if not isinstance(tiles, int) or tiles < 1:
        raise ValueError(f"tiles must be 'auto' or a whole number >= 1, got {tiles!r}")
    if tiles == 1:
        return [(0, 0, width, height)]
    starts = np.linspace(0, long - short, tiles).round().astype(int)
    if width >= height:
        return [(int(s), 0, short, short) for s in starts]
    return [(0, int(s), short, short) for s in starts]


class MediaPipePose:
    """PoseLandmarker in IMAGE mode on each frame (sampled frames need no tracking)."""

    name = "mediapipe_blazepose_full"

    def __init__(
        self,
        model_path: str | Path | None = None,
        max_persons: int = 4,
        min_detection_confidence: float = 0.3,
        min_presence_confidence: float = 0.5,
        tiles: int | str = "auto",
        nms_iou: float = 0.4,
    ) -> None:
        path = Path(model_path) if model_path else DEFAULT_MODEL
        if not path.is_file():
            raise FileNotFoundError(
                f"MediaPipe pose model {path} not found; use the bundled {DEFAULT_MODEL.name} or a "
                "pose_landmarker_*.task from https://ai.google.dev/edge/mediapipe/solutions/vision/pose_landmarker"
            )
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp = mp
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.IMAGE,
            num_poses=max_persons,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
        )
        self._landmarker = vision.PoseLandmarker.create_from_options(options)
        self.tiles, self.nms_iou = tiles, nms_iou

    def _persons(self, frame: np.ndarray) -> list[Person]:
        height, width = frame.shape[:2]
        found = []
        for x0, y0, w, h in square_tiles(width, height, self.tiles):
            crop = np.ascontiguousarray(frame[y0 : y0 + h, x0 : x0 + w])
            result = self._landmarker.detect(self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=crop))
            for landmarks in result.pose_landmarks:
                xy = np.array([(lm.x * w + x0, lm.y * h + y0) for lm in landmarks], np.float32)
                vis = np.clip(np.array([lm.visibility or 0.0 for lm in landmarks], np.float32), 0, 1)
                scores = vis[list(BLAZEPOSE_TO_COCO17)]
                found.append(Person(xy[list(BLAZEPOSE_TO_COCO17)], scores, float(scores.mean()),
                                    xy[list(BLAZEPOSE_TO_FOOT6)], vis[list(BLAZEPOSE_TO_FOOT6)]))  # fmt: skip
        return suppress_duplicates(found, self.nms_iou)

    def estimate(self, frames: np.ndarray) -> PoseFrames:
        """Poses in (T, H, W, 3) uint8 RGB frames."""
        frames = check_frames(frames, f"{self.name} pose estimation")
        return pose_frames_from_persons([self._persons(f) for f in frames], frames.shape[2], frames.shape[1])

    def close(self) -> None:
        """Free the landmarker (MediaPipe's own finaliser fails at interpreter exit)."""
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> MediaPipePose:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
