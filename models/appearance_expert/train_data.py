"""Training clips for the Appearance Expert from an MA-Data manifest: video + pose video + face crops.

A clip is an ok manifest row whose `video` and `pose_video` files exist (paths relative to the manifest);
other rows are skipped and counted in one log line. A training sample is a window of `frames` (4k+1)
consecutive frames: the target frames, the pose-video frames with the same indices (aligned, the
diffusers/Wan2.2 layout), the reference image = the window's first frame, and the face video.

Frames and pose frames are resized to H x W keeping the aspect ratio and centre-cropped ("fill").

Face video (Wan-Animate's motion encoder input, `face_size` square, 512 real / 16 tiny): the row's
`face_video` (the curation's per-frame crops, used when the row has one with `face_coverage` > 0 and at least
the clip's frames), else one crop per frame made here with the same box as inference (models.appearance_expert.face.face_box / crop_square, so the motion
encoder sees the same framing in training and rendering):
- with the row's keypoints (`keypoints.npz` key `coco17`, (T,17,2) rendered clips or (T,P,17,2) internet
  clips, person 0; visibility from `coco17_visible`, else `coco17_scores` >= 0.3, else finite; internet
  clips' sampled `frames` map each video frame to the nearest sampled one): a square around the head,
  centred on the mean of the visible nose/eyes/ears, side = max(2.2 x their span, 0.9 x shoulder width, 16 px);
- otherwise (no keypoints file, or no visible head point in that frame): the centred top crop, a square of
  a third of the frame's short side, centred horizontally, touching the top edge (where a full-body
  dancer's head usually is).
Parts of a box outside the frame are black.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from manifests.schema import read_manifest
from models.appearance_expert.face import crop_square, face_box
from models.array_files import load_npz
from models.command_line import InputError
from models.video.io import check_video, iter_frames

log = logging.getLogger(__name__)

MIN_SCORE = 0.3  # keypoint score counted as visible when the file has scores but no visibility


@dataclass(frozen=True)
class Clip:
    """One trainable clip: its video, aligned pose video, optional 2D keypoints and usable frame count."""

    id: str
    video: Path
    pose_video: Path
    keypoints: Path | None
    num_frames: int
    face_video: Path | None = None  # the curation's per-frame 512x512 face crops, used when the row has them


@dataclass
class Sample:
    """One training window as uint8 RGB arrays: frames and pose (N,H,W,3), face (N,S,S,3); reference = frames[0]."""

    clip: str
    start: int
    frames: np.ndarray
    pose: np.ndarray
    face: np.ndarray

    @property
    def reference(self) -> np.ndarray:
        return self.frames[0]


def _frame_count(path: Path) -> int:
    """Frames of a video known usable (readable, complete, inside the frame limits); InputError otherwise."""
    info = check_video(path)
    return int(info.num_frames or round(info.duration_s * info.fps))


def load_clips(manifest: str | Path, frames: int) -> list[Clip]:
    """The manifest's trainable clips (ok, video + pose video present, at least `frames` long); skips logged."""
    manifest = Path(manifest)
    if not manifest.is_file():
        raise FileNotFoundError(f"{manifest}: no such manifest")
    rows = read_manifest(manifest).to_pylist()
    clips, skipped = [], {"not ok": 0, "no video/pose_video": 0, "missing file": 0, "unreadable video": 0,
                          "shorter than window": 0}  # fmt: skip
    for row in rows:
        if row["status"] != "ok":
            skipped["not ok"] += 1
            continue
        if not row.get("video") or not row.get("pose_video"):
            skipped["no video/pose_video"] += 1
            continue
        video, pose = manifest.parent / row["video"], manifest.parent / row["pose_video"]
        keypoints = manifest.parent / row["keypoints"] if row.get("keypoints") else None
        if not video.is_file() or not pose.is_file():
            skipped["missing file"] += 1
            continue
        try:
            count = min(_frame_count(video), _frame_count(pose))
        except InputError as error:
            log.warning("%s: row %s skipped: %s", manifest, row["id"], error)
            skipped["unreadable video"] += 1
            continue
        if count < frames:
            skipped["shorter than window"] += 1
            continue
        face = manifest.parent / row["face_video"] if row.get("face_video") and row.get("face_coverage") else None
        if face is not None and (not face.is_file() or _frame_count(face) < count):
            face = None  # a missing or short face video: crop faces from the frames instead
        clips.append(Clip(row["id"], video, pose, keypoints if keypoints and keypoints.is_file() else None, count, face))
    log.info("%s: %d trainable clips of %d rows; skipped %s", manifest, len(clips), len(rows),
             ", ".join(f"{n} {why}" for why, n in skipped.items() if n) or "none")  # fmt: skip
    if not clips:
        raise ValueError(
            f"{manifest}: no trainable rows (ok, with existing video and pose_video, >= {frames} frames) of {len(rows)}"
        )
    return clips


def resize_fill(frame: np.ndarray, height: int, width: int) -> np.ndarray:
    """Scale to cover H x W keeping the aspect ratio, then centre-crop to exactly H x W."""
    h, w = frame.shape[:2]
    scale = max(height / h, width / w)
    size = (max(width, round(w * scale)), max(height, round(h * scale)))
    resized = cv2.resize(frame, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    top, left = (size[1] - height) // 2, (size[0] - width) // 2
    return resized[top : top + height, left : left + width]


def _window(path: Path, start: int, frames: int) -> np.ndarray:
    window = list(iter_frames(path, start, start + frames))
    if len(window) < frames:
        raise ValueError(f"{path}: only {len(window)} frames from {start}, need {frames}")
    return np.stack(window)


def load_keypoints(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(K,17,2) COCO-17 pixels of the main person, (K,17) visibility, and the K video frame indices (None: all)."""
    data = load_npz(path)
    if "coco17" not in data:
        raise InputError(path, "no 'coco17' keypoints")
    points = np.asarray(data["coco17"], np.float64)
    scores, visible = data.get("coco17_scores"), data.get("coco17_visible")
    sampled = np.asarray(data["frames"], np.int64) if "frames" in data else None
    if points.ndim == 4:  # (T, P, 17, 2): persons sorted by score, the dancer first
        points = points[:, 0]
        scores = scores[:, 0] if scores is not None and scores.ndim == 3 else scores
    if points.ndim != 3 or points.shape[1:] != (17, 2):
        raise InputError(path, f"coco17 keypoints must be (T,17,2) or (T,P,17,2), got {points.shape}")
    valid = np.isfinite(points).all(axis=-1)
    if visible is not None and visible.shape == valid.shape:
        valid &= visible.astype(bool)
    elif scores is not None and scores.shape == valid.shape:
        valid &= scores >= MIN_SCORE
    return points, valid, sampled


def head_box(points: np.ndarray | None, valid: np.ndarray | None, height: int, width: int) -> tuple[float, float, float]:
    """(centre x, centre y, side) of one frame's face crop: face.face_box on the visible keypoints, else the top crop."""
    if points is None or valid is None:
        points, valid = np.full((17, 2), np.nan), np.zeros(17, bool)
    return face_box(np.nan_to_num(points), valid.astype(np.float64), width, height)


def face_frames(frames: np.ndarray, keypoints: Path | None, start: int, size: int) -> np.ndarray:
    """(N,size,size,3) face crops of video frames start..start+N-1 (keypoint head box, else the top crop)."""
    height, width = frames.shape[1:3]
    points = valid = sampled = None
    if keypoints is not None:
        try:
            points, valid, sampled = load_keypoints(keypoints)
        except (ValueError, OSError, KeyError) as error:
            log.warning("%s: keypoints unusable, face crops fall back to the top crop (%s)", keypoints, error)
    crops = []
    for i, frame in enumerate(frames):
        index = start + i
        if points is not None and sampled is not None and len(sampled):
            index = int(np.abs(sampled - index).argmin())
        if points is not None and valid is not None and 0 <= index < len(points):
            box = head_box(points[index], valid[index], height, width)
        else:
            box = head_box(None, None, height, width)
        crops.append(crop_square(frame, *box, size))
    return np.stack(crops)


def load_sample(clip: Clip, start: int, frames: int, height: int, width: int, face_size: int) -> Sample:
    """The window [start, start + frames) of a clip: resized frames and pose frames; faces from the row's face video
    (the curation's per-frame crops) when it has one, else cropped here from the full frames."""
    video = _window(clip.video, start, frames)
    pose = _window(clip.pose_video, start, frames)
    if clip.face_video is not None:
        face = np.stack([resize_fill(f, face_size, face_size) for f in _window(clip.face_video, start, frames)])
    else:
        face = face_frames(video, clip.keypoints, start, face_size)
    return Sample(
        clip.id, start, np.stack([resize_fill(f, height, width) for f in video]),
        np.stack([resize_fill(f, height, width) for f in pose]), face,
    )  # fmt: skip
