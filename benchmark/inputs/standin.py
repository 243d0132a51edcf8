"""The bundled stand-in test set: real, licensed footage and music cut into the MA-Data test layout, built once."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pyarrow.parquet as pq

from benchmark.inputs.test_set import MaDataTest, load_ma_data_test
from manifests.ma_video_test_set import (
    CLIP_FPS,
    CLIP_SECONDS,
    MANIFEST_NAME,
    PRED_CROP_SHIFT,
    PRED_SHIFT_S,
    STANDIN_CLIPS,
    STANDIN_CROP,
    STANDIN_DATA,
    STANDIN_LABEL,
    STANDIN_SIZE,
    STANDIN_SOURCE,
    STANDIN_VERSION,
    TEST_SCHEMA,
    StandinClip,
)
from manifests.schema import table_from_rows
from models.files import atomic_dir, atomic_write
from models.video.encode import cut_audio, encode_video, encoder_description
from models.video.io import read_frames


@dataclass(frozen=True)
class Standin:
    """The built stand-in: the GT test set, the folder of 'generated' clips and the label every output carries."""

    test_set: MaDataTest
    generated_dir: Path
    label: str = STANDIN_LABEL


def _standin_frames(source: np.ndarray, clip: StandinClip, start_s: float, offset: tuple[int, int]) -> list[np.ndarray]:
    """The clip's frames at CLIP_FPS: nearest source frames (30 fps), cropped, resized, mirrored if asked."""
    count, (x, y), (w, h) = round(CLIP_SECONDS * CLIP_FPS), offset, STANDIN_CROP
    indices = [round((start_s + i / CLIP_FPS) * 30.0) for i in range(count)]
    if indices[-1] >= len(source):
        raise ValueError(f"{STANDIN_SOURCE}: clip {clip.id} needs frame {indices[-1]}, it has {len(source)}")
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
    source = read_frames(STANDIN_SOURCE)
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
