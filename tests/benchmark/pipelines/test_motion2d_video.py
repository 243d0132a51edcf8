"""Videos end to end under ma2d@v1: MediaPipe keypoints (cached per video), GT audio from the GT videos themselves."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmark.evaluate import main as evaluate_main
from benchmark.inputs.keypoint_cache import PoseSource
from benchmark.inputs.keypoint_sets import load_pairs
from benchmark.protocols.motion2d import MA2D_V1
from benchmark.results import validate
from models.video.encode import cut_audio, encode_video
from models.video.io import read_frames

ASSETS = Path("/work/shared/assets")
DEMO = ASSETS / "video" / "demo.mp4"
MUSIC = ASSETS / "music" / "Kevin_MacLeod_-_Vibe_Ace.ogg"
FRAMES = 66  # > the 64 scored
CROP = (slice(0, 448), slice(300, 940))  # the person on the box; the walker stays below


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (DEMO.is_file() and MUSIC.is_file()):
        pytest.skip("shared demo assets absent")
    root = tmp_path_factory.mktemp("ma2d_videos")
    frames = read_frames(DEMO, 0, 2 * FRAMES)[:, CROP[0], CROP[1]][:, ::2, ::2]  # 320 x 224
    for k, stem in enumerate(("clip_a", "clip_b")):
        audio = cut_audio(MUSIC, 10.0 * k, FRAMES / 16, root / f"{stem}.wav") and root / f"{stem}.wav"
        encode_video(root / "gt" / f"{stem}.mp4", frames[k * FRAMES : (k + 1) * FRAMES], 16, 320, 224, audio)
    return root


def test_videos_scored_with_mediapipe_and_cached(videos: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "r.json", tmp_path / "cache"
    args = ["--protocol", "ma2d@v1", "--gt", str(videos / "gt"), "--pred", str(videos / "gt"),
            "--keypoint-cache", str(cache), "--bootstrap", "50", "--out", str(out)]  # fmt: skip
    assert evaluate_main(args) == 0
    results = json.loads(out.read_text())
    validate(results)
    assert results["protocol"]["pose_estimator"] == "mediapipe"
    assert results["metrics"]["fid_k"]["value"] == pytest.approx(0.0, abs=1e-6)  # pred is GT
    assert results["metrics"]["bas"]["value"] == results["reference"]["bas"]["value"]
    cached = sorted(cache.glob("*.json"))
    assert len(cached) == 2  # one extraction per distinct video, GT and pred share it
    keypoints = np.array(json.loads(cached[0].read_text())["keypoints"])
    assert keypoints.shape == (FRAMES, 25, 3) and (keypoints[:, :, 2] > 0).any(axis=1).mean() > 0.9

    def no_extraction():
        raise AssertionError("a rerun must read the cache")

    pairs = load_pairs(MA2D_V1, videos / "gt", videos / "gt", None, PoseSource("mediapipe", no_extraction), cache)
    assert pairs.stems == ["clip_a", "clip_b"] and pairs.pose_estimator == "mediapipe"
    assert len(pairs.music_beats[0]) > 0
