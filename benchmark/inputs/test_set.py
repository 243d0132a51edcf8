"""A validating loader of an MA-Data test set laid out as `manifests.ma_video_test_set` defines."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from manifests.ma_video_test_set import CLIP_FPS, CLIP_SECONDS, MANIFEST_NAME, TEST_CLIPS
from manifests.schema import read_manifest
from models.video.io import probe_video


@dataclass(frozen=True)
class TestClip:
    """One validated test clip: id, GT video, music, and the manifest's metadata."""

    id: str
    video: Path
    audio: Path
    duration_s: float
    fps: float
    genre: str | None
    source: str


@dataclass(frozen=True)
class MaDataTest:
    """A validated test set: its root, manifest and clips in id order."""

    root: Path
    manifest: Path
    clips: tuple[TestClip, ...]

    @property
    def video_dir(self) -> Path:
        return self.root / "videos"

    @property
    def audio_dir(self) -> Path:
        return self.root / "audio"


def _check_clip(manifest: Path, row: dict, root: Path, clip_seconds: float) -> TestClip:
    """A TestClip from one manifest row; errors name the file and what is wrong with it."""
    clip_id, tolerance = row["id"], 1.0 / (row["fps"] or CLIP_FPS)
    if row["duration_s"] is None or abs(row["duration_s"] - clip_seconds) > tolerance:
        raise ValueError(f"{manifest}: clip {clip_id!r} has duration_s {row['duration_s']}, expected {clip_seconds:g} s")
    video, audio = root / row["video"], root / row["audio"]
    for path, what in ((video, "GT video"), (audio, "music")):
        if not path.is_file():
            raise FileNotFoundError(f"{path}: {what} of clip {clip_id!r} listed in {manifest} is missing")
    info = probe_video(video)
    if info.duration_s < clip_seconds - tolerance:
        raise ValueError(f"{video}: {info.duration_s:.2f} s long, shorter than the {clip_seconds:g} s test clip")
    if row["fps"] is not None and abs(info.fps - row["fps"]) > 1e-3:
        raise ValueError(f"{video}: {info.fps:g} fps, but {manifest} says {row['fps']:g}")
    return TestClip(clip_id, video, audio, float(row["duration_s"]), info.fps, row["genre"], row["source"])


def load_ma_data_test(root: Path, expected_clips: int = TEST_CLIPS, clip_seconds: float = CLIP_SECONDS) -> MaDataTest:
    """Read and validate ROOT's test manifest: `expected_clips` ok test rows of `clip_seconds`, every file present."""
    root = Path(root)
    manifest = root / MANIFEST_NAME
    if not manifest.is_file():
        raise FileNotFoundError(f"{manifest}: no MA-Data test manifest (layout: see manifests/ma_video_test_set.py)")
    rows = [r for r in read_manifest(manifest).to_pylist() if r["split"] == "test" and r["status"] == "ok"]
    if len(rows) != expected_clips:
        raise ValueError(f"{manifest}: {len(rows)} ok test clips, expected {expected_clips}")
    clips = tuple(_check_clip(manifest, row, root, clip_seconds) for row in sorted(rows, key=lambda r: r["id"]))
    return MaDataTest(root, manifest, clips)
