"""coco_25 keypoints of videos, extracted once per (video content, pose estimator) and cached as easy_ViTPose JSON.

The cache file is named by the video's sha256 and the estimator's name, so a renamed video hits the
cache and a re-encoded one (or another model) does not; files are written atomically.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from models.files import atomic_write, sha256_file
from models.command_line import UsageError
from models.pose import COCO25, PoseEstimator, load_pose_estimator, to_coco25
from models.video.io import check_video, iter_frames

log = logging.getLogger(__name__)

CACHE_VERSION = "1"  # bump when extraction changes in a way the estimator name does not show
CHUNK_FRAMES = 16  # frames decoded and estimated at a time (bounds memory on long, large videos)


@dataclass
class PoseSource:
    """A pose model named by `key` (its cache identity: model and weights), built by `make` only when a video
    is not in the cache yet."""

    key: str
    make: Callable[[], PoseEstimator]
    _estimator: PoseEstimator | None = field(default=None, repr=False)

    @property
    def estimator(self) -> PoseEstimator:
        if self._estimator is None:
            self._estimator = self.make()
        return self._estimator

    def close(self) -> None:
        """Free the model's native resources if it was built (MediaPipe's finaliser fails at interpreter exit)."""
        close = getattr(self._estimator, "close", None)
        if close is not None:
            close()


def pose_source(name: str, checkpoint: Path | None = None, detector: Path | None = None) -> PoseSource:
    """The pose model by name, keyed for the cache by model and weight hashes; ViTPose needs both weight files."""
    if name != "vitpose":
        return PoseSource(name, lambda: load_pose_estimator(name))
    if checkpoint is None or detector is None:
        raise UsageError("videos under ViTPose need --vitpose-checkpoint (vitpose-s-coco_25.pth) and --vitpose-detector "
                         "(YOLOv8 .onnx), or --pose-estimator mediapipe (not comparable to published numbers)")
    key = f"vitpose-{sha256_file(checkpoint)[:12]}-yolo-{sha256_file(detector)[:12]}"
    return PoseSource(key, lambda: load_pose_estimator(name, checkpoint=checkpoint, detector=str(detector)))


def keypoints_json(keypoints: np.ndarray, video_name: str, fps: float, estimator: str) -> dict:
    """easy_ViTPose's per-video JSON: "keypoints" T x 25 x [y, x, score], plus provenance."""
    return {
        "video_name": video_name,
        "fps": fps,
        "total_frames": len(keypoints),
        "skeleton": {str(i): name for i, name in enumerate(COCO25)},
        "keypoints": np.asarray(keypoints, np.float64).tolist(),
        "estimator": estimator,
        "cache_version": CACHE_VERSION,
    }


def extract_coco25(video: Path, estimator: PoseEstimator) -> np.ndarray:
    """(T, 25, 3) float32 (y, x, score) of the best-scoring person in every frame, zeros where none is found."""
    chunks, frames = [], []
    for frame in iter_frames(video):
        frames.append(frame)
        if len(frames) == CHUNK_FRAMES:
            chunks.append(to_coco25(estimator.estimate(np.stack(frames))))
            frames = []
    if frames:
        chunks.append(to_coco25(estimator.estimate(np.stack(frames))))
    if not chunks:
        raise ValueError(f"{video}: no decodable frames")
    return np.concatenate(chunks)


def cached_keypoints(video: Path, pose: PoseSource, cache_dir: Path) -> tuple[Path, float]:
    """The cache JSON of `video` under `pose` (extracted now if absent) and the video's fps."""
    fps = check_video(video).fps  # unreadable, truncated or out-of-limits videos fail before the model loads
    path = Path(cache_dir) / f"{sha256_file(video)}.{pose.key}.v{CACHE_VERSION}.json"
    if path.is_file():
        log.debug("%s: keypoints from cache %s", video, path)
        return path, fps
    log.info("%s: extracting keypoints with %s", video, pose.key)
    doc = keypoints_json(extract_coco25(video, pose.estimator), video.name, fps, pose.estimator.name)
    atomic_write(path, lambda handle: handle.write(json.dumps(doc).encode()))
    return path, fps
