"""The MA-Data test set's manifest format and the bundled stand-in's recipe (data only; loader in benchmark.inputs).

Layout of a released test set (and of the stand-in), paths in the manifest relative to ROOT:

    ROOT/test_manifest.parquet   one row per clip, the clip schema of manifests.schema (split "test", status "ok")
    ROOT/videos/<id>.mp4         the GT clip, `CLIP_SECONDS` long, its music as the audio track
    ROOT/audio/<id>.wav          the clip's music (what generators are conditioned on)

Generated videos are scored from a folder of `<id>.mp4` files with the same ids. MA-Data is not public
yet, so this defines the layout; `benchmark.inputs.standin` builds a small set in it from real, licensed footage.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from manifests.schema import manifest_schema

MANIFEST_NAME = "test_manifest.parquet"
TEST_CLIPS = 200
CLIP_SECONDS = 5.0
CLIP_FPS = 16.0
TEST_SCHEMA = manifest_schema(required_paths=("video", "audio"))

STANDIN_DATA = Path(__file__).resolve().parent / "data" / "ma_video_standin"
STANDIN_SOURCE = STANDIN_DATA / "source.mp4"  # real dance footage (CC BY), 640x360, 230 frames
STANDIN_VERSION = "1"  # bump when the build below changes its output
STANDIN_SIZE = (512, 288)  # width, height of every stand-in clip
STANDIN_CROP = (576, 324)  # window of the 640x360 source, resized to STANDIN_SIZE
PRED_SHIFT_S, PRED_CROP_SHIFT = 0.3, (16, 8)  # how the stand-in's "generated" clips differ from GT
STANDIN_GT_LABEL = "stand-in test set, not MA-Data: GT = 4 crops of the Sports2D demo footage with CC-BY music"
STANDIN_LABEL = (  # scoring the stand-in's own 'generated' folder (benchmark.evaluate)
    f"{STANDIN_GT_LABEL}; 'generated' = the same footage 0.3 s later with a shifted crop, not a model's output"
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
