"""Shared check of a clip's Appearance-Expert inputs: pose and face videos as long and as fast as the clip."""

from __future__ import annotations

from pathlib import Path

from models.video.io import iter_frames, probe_video


def frame_count(path: Path) -> int:
    """Frames decoded from a video (not the container's header count)."""
    return sum(1 for _ in iter_frames(path))


def assert_media_match_clip(out: Path, row: dict) -> None:
    """pose_video and face_video decode to the clip's frame count at its fps; the face video is 512x512."""
    clip = probe_video(out / row["video"])
    frames = frame_count(out / row["video"])
    pose, face = probe_video(out / row["pose_video"]), probe_video(out / row["face_video"])
    assert frame_count(out / row["pose_video"]) == frames == frame_count(out / row["face_video"])
    assert abs(pose.fps - clip.fps) < 1e-3 and abs(face.fps - clip.fps) < 1e-3
    assert (face.width, face.height) == (512, 512) and abs(pose.width - clip.width) <= 1
    assert 0.0 <= row["face_coverage"] <= 1.0
