"""A real video as the pose input: its dancer's 2D pose per frame, drawn as Wan-Animate's pose video.

Pose-driven image animation (MACE-Dance Table 3) animates a clip's first frame with the clip's own pose
sequence. The pose comes from the suite's MediaPipe estimator on every frame (COCO-17 -> OpenPose-18, neck =
shoulder midpoint), scaled to the render size the way the pipeline resizes its pose frames (each axis on its own),
and drawn on demand with the projector's drawing, so a driving video costs one decode and one pose pass.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.body.keypoints import openpose18_from_coco17
from models.pose.mediapipe_pose import MediaPipePose
from models.pose.wan_drawing import draw_wan_pose
from models.video.io import iter_frames, probe_video

CHUNK_FRAMES = 32  # frames per pose-estimation call (bounded memory on long driving videos)


@dataclass(frozen=True)
class DrivingPose:
    """A video's dancer as OpenPose-18 (T,18,2) pixels of the source, (T,18) scores, its size and fps."""

    points: np.ndarray
    scores: np.ndarray
    width: int
    height: int
    fps: float

    @property
    def num_frames(self) -> int:
        return len(self.points)

    def frames(self, height: int, width: int) -> Callable[[int], np.ndarray]:
        """index -> the (height,width,3) pose frame (points stretched to that size, as the pipeline resizes)."""
        scale = np.array([width / self.width, height / self.height])
        points = self.points * scale
        return lambda index: draw_wan_pose(height, width, points[index], self.scores[index])


def _chunks(frames: Iterator[np.ndarray], size: int) -> Iterator[np.ndarray]:
    """Consecutive frames stacked `size` at a time (the last chunk may be shorter)."""
    while chunk := list(itertools.islice(frames, size)):
        yield np.stack(chunk)


def driving_pose(video: str | Path, max_frames: int | None = None) -> DrivingPose:
    """The most confident dancer of every frame of `video` (first `max_frames`); ValueError naming the file if
    nobody is found. Per-frame detection, not VIDEO-mode tracking: on the stand-in clips the tracker lost the
    dancer in 5 of 12 frames where per-frame detection found them in all 12."""
    video = Path(video)
    info = probe_video(video)
    coco = []
    with MediaPipePose(max_persons=1) as estimator:
        for chunk in _chunks(iter_frames(video, 0, max_frames), CHUNK_FRAMES):
            pose = estimator.estimate(chunk)
            if pose.keypoints.shape[1] == 0:
                coco.append(np.zeros((len(chunk), 17, 3)))
                continue
            coco.append(np.concatenate([pose.keypoints[:, 0], pose.scores[:, 0, :, None]], axis=-1))
    if not coco:
        raise ValueError(f"{video}: no decodable frames")
    keypoints = np.nan_to_num(np.concatenate(coco).astype(np.float64))
    if not (keypoints[..., 2] > 0).any():
        raise ValueError(f"{video}: no dancer found in any frame (nothing to drive the animation)")
    openpose = openpose18_from_coco17(keypoints)
    return DrivingPose(openpose[..., :2], openpose[..., 2], info.width, info.height, info.fps)
