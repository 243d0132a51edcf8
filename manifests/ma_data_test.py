"""The MA-Data test set (200 five-second clips): its manifest format, a validating loader, a bundled stand-in.

Layout of a released test set (and of the stand-in), paths in the manifest relative to ROOT:

    ROOT/test_manifest.parquet   one row per clip, the clip schema of manifests.schema (split "test", status "ok")
    ROOT/videos/<id>.mp4         the GT clip, `CLIP_SECONDS` long, its music as the audio track
    ROOT/audio/<id>.wav          the clip's music (what generators are conditioned on)

Generated videos are scored from a folder of `<id>.mp4` files with the same ids. MA-Data is not public
yet, so this defines the layout; `bundled_standin()` builds a small set in it from real, licensed footage.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pyarrow.parquet as pq

from curation.media import cut_audio, encode_video, encoder_description
from manifests.schema import manifest_schema, read_manifest, table_from_rows
from models.files import atomic_dir, atomic_write
from models.video.io import probe_video, read_frames

MANIFEST_NAME = "test_manifest.parquet"
TEST_CLIPS = 200
CLIP_SECONDS = 5.0
CLIP_FPS = 16.0
TEST_SCHEMA = manifest_schema(required_paths=("video", "audio"))

STANDIN_DATA = Path(__file__).resolve().parent / "data" / "ma_video_standin"
STANDIN_VERSION = "1"  # bump when the build below changes its output
STANDIN_SIZE = (512, 288)  # width, height of every stand-in clip
STANDIN_CROP = (576, 324)  # window of the 640x360 source, resized to STANDIN_SIZE
PRED_SHIFT_S, PRED_CROP_SHIFT = 0.3, (16, 8)  # how the stand-in's "generated" clips differ from GT
STANDIN_LABEL = (
    "stand-in test set, not MA-Data: GT = 4 crops of the Sports2D demo footage with CC-BY music; "
    "'generated' = the same footage 0.3 s later with a shifted crop, not a model's output"
)


@dataclass(frozen=True)
class StandinClip:
    """One stand-in clip: where it starts in the source, its crop offset and mirroring, its music."""

    id: str
    start_s: float
    offset: tuple[int, int]
    mirrored: bool
    music: str
    genre: str


STANDIN_CLIPS = (
    StandinClip("standin_000", 0.00, (0, 0), False, "vibe_ace.ogg", "jazz"),
    StandinClip("standin_001", 0.75, (64, 36), True, "lets_go_fishin.ogg", "pop"),
    StandinClip("standin_002", 1.50, (32, 18), False, "sugar_plum_fairy.ogg", "classical"),
    StandinClip("standin_003", 2.25, (64, 0), True, "hungarian_dance_5.ogg", "classical"),
)


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


@dataclass(frozen=True)
class Standin:
    """The built stand-in: the GT test set, the folder of 'generated' clips and the label every output carries."""

    test_set: MaDataTest
    generated_dir: Path
    label: str = STANDIN_LABEL


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
        raise FileNotFoundError(f"{manifest}: no MA-Data test manifest (layout: see manifests/ma_data_test.py)")
    rows = [r for r in read_manifest(manifest).to_pylist() if r["split"] == "test" and r["status"] == "ok"]
    if len(rows) != expected_clips:
        raise ValueError(f"{manifest}: {len(rows)} ok test clips, expected {expected_clips}")
    clips = tuple(_check_clip(manifest, row, root, clip_seconds) for row in sorted(rows, key=lambda r: r["id"]))
    return MaDataTest(root, manifest, clips)


def _standin_frames(source: np.ndarray, clip: StandinClip, start_s: float, offset: tuple[int, int]) -> list[np.ndarray]:
    """The clip's frames at CLIP_FPS: nearest source frames (30 fps), cropped, resized, mirrored if asked."""
    count, (x, y), (w, h) = round(CLIP_SECONDS * CLIP_FPS), offset, STANDIN_CROP
    indices = [round((start_s + i / CLIP_FPS) * 30.0) for i in range(count)]
    if indices[-1] >= len(source):
        raise ValueError(f"{STANDIN_DATA / 'source.mp4'}: clip {clip.id} needs frame {indices[-1]}, it has {len(source)}")
    frames = [cv2.resize(source[i, y : y + h, x : x + w], STANDIN_SIZE, interpolation=cv2.INTER_AREA) for i in indices]
    return [np.ascontiguousarray(f[:, ::-1]) if clip.mirrored else f for f in frames]


def _standin_row(clip: StandinClip) -> dict:
    start = round(clip.start_s * 30.0)
    params = {"offset": clip.offset, "mirrored": clip.mirrored, "crop": STANDIN_CROP, "size": STANDIN_SIZE,
              "pred_shift_s": PRED_SHIFT_S, "pred_crop_shift": PRED_CROP_SHIFT, "version": STANDIN_VERSION}
    return {
        "id": clip.id, "source": "ma_video_standin", "source_id": "sports2d-demo", "status": "ok",
        "source_file": "source.mp4", "music_file": f"music/{clip.music}", "start_frame": start,
        "end_frame": start + round(CLIP_SECONDS * 30.0), "start_s": clip.start_s, "end_s": clip.start_s + CLIP_SECONDS,
        "source_fps": 30.0, "window_rule": "fixed 5 s window", "fps": CLIP_FPS, "num_frames": round(CLIP_SECONDS * CLIP_FPS),
        "duration_s": CLIP_SECONDS, "width": STANDIN_SIZE[0], "height": STANDIN_SIZE[1], "genre": clip.genre,
        "split": "test", "video": f"videos/{clip.id}.mp4", "audio": f"audio/{clip.id}.wav",
        "provenance": {"encoder": encoder_description(), "params_json": json.dumps(params)},
    }  # fmt: skip


def _build_standin(out: Path) -> None:
    """Write the stand-in's GT clips, music, generated clips and manifest into `out`."""
    source = read_frames(STANDIN_DATA / "source.mp4")
    for clip in STANDIN_CLIPS:
        audio = out / "audio" / f"{clip.id}.wav"
        cut_audio(STANDIN_DATA / "music" / clip.music, 0.0, CLIP_SECONDS, audio)
        shifted = (clip.offset[0] + PRED_CROP_SHIFT[0], clip.offset[1] + PRED_CROP_SHIFT[1])
        for folder, start, offset in (("videos", clip.start_s, clip.offset), ("generated", clip.start_s + PRED_SHIFT_S, shifted)):
            frames = _standin_frames(source, clip, start, offset)
            encode_video(out / folder / f"{clip.id}.mp4", frames, CLIP_FPS, *STANDIN_SIZE, audio=audio)
    table = table_from_rows([_standin_row(c) for c in STANDIN_CLIPS], TEST_SCHEMA)
    atomic_write(out / MANIFEST_NAME, lambda handle: pq.write_table(table, handle))


def _standin_key() -> str:
    digest = hashlib.sha256(STANDIN_VERSION.encode())
    for path in sorted(p for p in STANDIN_DATA.rglob("*") if p.is_file()):
        digest.update(path.relative_to(STANDIN_DATA).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def bundled_standin(cache_dir: Path = Path("outputs/ma_video_standin")) -> Standin:
    """The stand-in test set (built once per bundled-data version into `cache_dir`, then reused)."""
    final = Path(cache_dir) / _standin_key()
    if not (final / MANIFEST_NAME).is_file():
        with atomic_dir(final) as tmp:
            _build_standin(tmp)
    return Standin(load_ma_data_test(final, expected_clips=len(STANDIN_CLIPS)), final / "generated")
