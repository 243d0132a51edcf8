"""A clip's Appearance-Expert inputs: the pose video (Wan-Animate's drawing of every frame's 2D keypoints)
and the face video (512x512 crops around the dancer's head), written alike for both MA-Data halves.

The internet source gets per-frame keypoints by tracking the dancer through the clip with MediaPipe
(`MediaPipePose.track`); FineDance clips use their rendered keypoints. Both videos have the clip's fps
and frame count. Face boxes are `models.appearance_expert.face.face_box` (the inference framing); a frame
without a visible head gets face_box's top-centre fallback, and `face_coverage` (share of frames with a
visible head) says how many crops saw a face: 0 means no face was found.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.appearance_expert.face import HEAD_KEYPOINTS, MIN_SCORE, crop_square, face_box
from models.body.keypoints import openpose18_from_coco17
from models.files import atomic_write
from models.pose.base import PoseFrames
from models.pose.mediapipe_pose import MediaPipePose
from models.pose.wan_drawing import draw_wan_pose
from models.video.encode import encode_video
from models.video.io import iter_frames, probe_video

FACE_SIZE = 512
MEDIA_FILES = {"pose_video": "pose.mp4", "face_video": "face.mp4", "track": "track.npz"}
RECORD = "media.json"  # written last: the clip's media are complete


def even(size: int) -> int:
    """H.264 (yuv420p) needs even sides: a stream-copied clip of odd size gets a pose video 1 px smaller."""
    return max(2, size - size % 2)


def head_visible(keypoints: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """(T,) frames where face_box sees a head: a finite nose/eye/ear with score >= face.MIN_SCORE."""
    head = list(HEAD_KEYPOINTS)
    return ((scores[:, head] >= MIN_SCORE) & np.isfinite(keypoints[:, head]).all(axis=-1)).any(axis=1)


def wan_pose_frames(keypoints: np.ndarray, scores: np.ndarray, height: int, width: int,
                    feet: np.ndarray | None = None) -> Iterator[np.ndarray]:  # fmt: skip
    """Wan-Animate pose frames of COCO-17 (T,17,2) with scores (T,17) as OpenPose-18, feet (T,4,2) optional."""
    points = openpose18_from_coco17(np.concatenate([keypoints, scores[..., None]], axis=-1))
    for t in range(len(points)):
        yield draw_wan_pose(height, width, points[t, :, :2], points[t, :, 2], None if feet is None else feet[t])


def face_crops(frames: Iterable[np.ndarray], keypoints: np.ndarray, scores: np.ndarray,
               size: int = FACE_SIZE) -> Iterator[np.ndarray]:  # fmt: skip
    """(size,size,3) face crop of each frame (frame t uses keypoints t, the last ones past their end)."""
    for t, frame in enumerate(frames):
        k = min(t, len(keypoints) - 1)
        yield crop_square(frame, *face_box(keypoints[k], scores[k], frame.shape[1], frame.shape[0]), size)


def write_face_video(video: Path, keypoints: np.ndarray, scores: np.ndarray, out: Path, fps: float,
                     size: int = FACE_SIZE) -> tuple[int, float]:  # fmt: skip
    """Encode the face video of `video` (decoded again, streamed); returns (frames, face_coverage)."""
    count = encode_video(out, face_crops(iter_frames(video), keypoints, scores, size), fps, size, size)
    return count, float(head_visible(keypoints, scores)[:count].mean())


def dancer_track(pose: PoseFrames) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(T,17,2) keypoints, (T,17) scores and (T,4,2) feet [l_ankle, l_big_toe, r_ankle, r_big_toe] of person 0."""
    frames = len(pose.keypoints)
    if pose.keypoints.shape[1] == 0:
        return np.full((frames, 17, 2), np.nan, np.float32), np.zeros((frames, 17), np.float32), None
    keypoints, scores = pose.keypoints[:, 0], pose.scores[:, 0]
    if pose.foot_keypoints is None:
        return keypoints, scores, None
    toes = np.where((pose.foot_scores[:, 0, [0, 3]] >= 0.3)[..., None], pose.foot_keypoints[:, 0, [0, 3]], np.nan)
    feet = np.stack([keypoints[:, 15], toes[:, 0], keypoints[:, 16], toes[:, 1]], axis=1)
    return keypoints, scores, feet


@functools.lru_cache(maxsize=1)
def _tracker() -> MediaPipePose:
    """One MediaPipe estimator per worker process."""
    return MediaPipePose(max_persons=1)


@dataclass(frozen=True)
class MediaTask:
    """The media stage of one kept internet clip: `video` relative to `out_dir`."""

    out_dir: Path
    clip_id: str
    video: str


def clip_media(task: MediaTask) -> dict:
    """Track the dancer through every frame, write pose.mp4, face.mp4 and track.npz; returns the row columns.

    Resumable: a clip whose media.json exists (written after its files) is not redone."""
    folder = task.out_dir / "clips" / task.clip_id
    paths = {key: folder / name for key, name in MEDIA_FILES.items()}
    record = folder / RECORD
    if record.is_file() and all(p.is_file() for p in paths.values()):
        return json.loads(record.read_text(encoding="utf-8"))
    video = task.out_dir / task.video
    info = probe_video(video)
    keypoints, scores, feet = dancer_track(_tracker().track(iter_frames(video), info.fps))
    arrays = {"coco17": keypoints, "coco17_scores": scores, **({} if feet is None else {"feet": feet})}
    atomic_write(paths["track"], lambda handle: np.savez_compressed(handle, **arrays))
    width, height = even(info.width), even(info.height)
    frames = encode_video(paths["pose_video"], wan_pose_frames(keypoints, scores, height, width, feet), info.fps,
                          width, height)  # fmt: skip
    faces, coverage = write_face_video(video, keypoints, scores, paths["face_video"], info.fps)
    if faces != frames:
        raise ValueError(f"{video}: decoded {frames} frames for the pose video but {faces} for the face video")
    columns = {"pose_video": paths["pose_video"].relative_to(task.out_dir).as_posix(),
               "face_video": paths["face_video"].relative_to(task.out_dir).as_posix(), "face_coverage": coverage}
    text = json.dumps(columns).encode()
    atomic_write(record, lambda handle: handle.write(text))
    return columns
