"""`python -m curation.build --source finedance` end to end: clips, manifest, failures, resume, executors."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import cv2
import numpy as np
import pyarrow.parquet as pq
import pytest
import soundfile as sf
from datasets import Dataset

from curation.build import main
from manifests.sample import SAMPLE_ROOT
from manifests.schema import PATH_COLUMNS, read_manifest
from tests.curation.media_checks import assert_media_match_clip
from models.body.formats_finedance import motion_from_finedance
from models.body.keypoints import coco17_world
from models.body.render_camera import Camera
from tests.golden import REPO

ROOT = REPO
ARGS = ["--source", "finedance", "--limit", "4", "--resolution", "128x96", "--preview", "2", "--log-level", "WARNING"]


def rows_of(out: Path) -> list[dict]:
    return read_manifest(out / "manifest.parquet").to_pylist()


def camera_of(row: dict) -> Camera:
    cam = row["camera"]
    return Camera(cam["width"], cam["height"], cam["fx"], cam["fy"], cam["cx"], cam["cy"],
                  np.array(cam["world_to_camera"]).reshape(4, 4))  # fmt: skip


def decode(path: Path) -> tuple[list[np.ndarray], np.ndarray | None, int | None]:
    """(RGB frames, mono audio samples or None, audio rate or None)."""
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return frames, None, None
        rate = container.streams.audio[0].rate
        audio = np.concatenate(
            [f.to_ndarray().reshape(f.to_ndarray().shape[0], -1)[0] for f in container.decode(audio=0)]
        )
    return frames, audio, rate


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample_build")
    code = main([*ARGS, "--out", str(out), "--workers", "1"])
    return out, code


def test_bundled_sample_clips_end_to_end(sample_build):
    out, code = sample_build
    assert code == 0
    rows = rows_of(out)
    assert [r["id"] for r in rows] == ["sample_s001_000", "sample_s002_000", "sample_s003_000", "sample_s004_000"]
    index = json.loads((SAMPLE_ROOT / "sample.json").read_text())["items"]
    for row in rows:
        assert row["status"] == "ok" and row["reason"] is None and row["source"] == "bundled_sample"
        assert (row["genre"], row["split"]) == (index[row["source_id"]]["genre"], index[row["source_id"]]["split"])
        assert row["window_rule"] == "short_source" and (row["start_frame"], row["end_frame"]) == (0, 120)
        assert row["num_frames"] == round(row["fps"] * row["duration_s"]) == 120

        frames, audio, rate = decode(out / row["video"])
        assert len(frames) == row["num_frames"] and frames[0].shape == (96, 128, 3)
        assert audio is not None and abs(len(audio) / rate - row["duration_s"]) < 0.05
        assert np.abs(audio).max() > 0.01  # the music, not silence
        assert_media_match_clip(out, row)
        wav = sf.info(str(out / row["audio"]))
        assert wav.frames == round(row["duration_s"] * wav.samplerate)

        pose_frames, pose_audio, _ = decode(out / row["pose_video"])
        assert len(pose_frames) == row["num_frames"] and pose_audio is None
        assert np.median(pose_frames[0]) < 5 and pose_frames[0].max() > 200  # coloured skeleton on black

        source = np.load(SAMPLE_ROOT / row["source_file"])
        motion_slice = np.load(out / row["motion"])
        np.testing.assert_array_equal(motion_slice, source[row["start_frame"] : row["end_frame"]])

        keypoints = np.load(out / row["keypoints"])
        world = coco17_world(motion_from_finedance(motion_slice, row["source_fps"]))
        uv, depth = camera_of(row).project(world)
        np.testing.assert_allclose(keypoints["coco17"], uv, atol=1e-3)
        np.testing.assert_allclose(keypoints["coco17_depth"], depth, rtol=1e-5)
        assert keypoints["coco17_visible"].all()
        assert (uv >= 0).all() and (uv[..., 0] < 128).all() and (uv[..., 1] < 96).all()
        assert keypoints["openpose18"].shape == (120, 18, 2)
        # the body is under its keypoints: the hips' midpoint is not the flat background colour
        hips = uv[60, 11:13].mean(axis=0).astype(int)
        assert np.abs(frames[60][hips[1], hips[0]].astype(int) - frames[60][1, 1]).sum() > 30
    assert cv2.imread(str(out / "preview.png")).shape == (2 * 256, 4 * 256, 3)
    dataset = Dataset.from_parquet(str(out / "manifest.parquet"))  # the real manifest, unchanged
    assert dataset.num_rows == 4 and dataset[0]["camera"]["width"] == 128


def _make_finedance_root(root: Path) -> None:
    good = np.load(SAMPLE_ROOT / "motion" / "s001.npy")
    for name in ("motion", "music", "label_json"):
        (root / name).mkdir(parents=True)
    for stem in ("001", "002", "003", "004", "116"):
        motion = good.copy()
        if stem == "002":
            motion[5, 10] = np.nan
        if stem == "003":
            motion = motion[:, :100]
        np.save(root / "motion" / f"{stem}.npy", motion)
        if stem != "004":
            shutil.copy(SAMPLE_ROOT / "music" / "s001.ogg", root / "music" / f"{stem}.ogg")
        (root / "label_json" / f"{stem}.json").write_text(json.dumps({"style1": "x", "style2": "Jazz"}))


def test_corrupted_inputs_become_failed_rows_and_retry_redoes_only_them(tmp_path, capsys):
    root, out = tmp_path / "finedance", tmp_path / "out"
    _make_finedance_root(root)
    args = ["--source", "finedance", "--root", str(root), "--out", str(out), "--workers", "1",
            "--resolution", "64x64", "--preview", "0", "--log-level", "ERROR"]  # fmt: skip
    assert main(args) == 1
    rows = {r["id"]: r for r in rows_of(out)}
    assert set(rows) == {"finedance_001_000", "finedance_002", "finedance_003", "finedance_004", "finedance_116"}
    ok = rows["finedance_001_000"]
    assert (ok["status"], ok["genre"], ok["split"], ok["source_file"]) == ("ok", "Jazz", "train", "motion/001.npy")
    assert rows["finedance_002"]["status"] == "failed" and "002.npy" in rows["finedance_002"]["reason"]
    assert "non-finite" in rows["finedance_002"]["reason"]
    assert "003.npy" in rows["finedance_003"]["reason"] and "(T,315)" in rows["finedance_003"]["reason"]
    assert rows["finedance_004"]["reason"].startswith("FileNotFoundError: missing music")
    assert rows["finedance_116"]["status"] == "rejected" and "excluded" in rows["finedance_116"]["reason"]

    shutil.copy(SAMPLE_ROOT / "music" / "s001.ogg", root / "music" / "004.ogg")
    video = out / ok["video"]
    stamp = video.stat().st_mtime_ns
    assert main(args) == 1
    assert rows_of(out) == list(rows.values())  # failed rows are kept without --retry-failed
    assert main([*args, "--retry-failed"]) == 1  # 002 and 003 are still broken
    retried = {r["id"]: r for r in rows_of(out)}
    assert retried["finedance_004_000"]["status"] == "ok" and "finedance_004" not in retried
    assert retried["finedance_002"] == rows["finedance_002"]
    assert video.stat().st_mtime_ns == stamp  # a finished clip is never redone
    capsys.readouterr()
    assert main([*args[:-4], "--resolution", "96x64"]) == 2  # a usage error: one line, nothing rebuilt
    assert "built with different settings (settings); use another --out" in capsys.readouterr().err


def test_sigkill_mid_run_then_restart_equals_an_uninterrupted_run(sample_build, tmp_path):
    reference, _ = sample_build
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "curation.build", *ARGS, "--out", str(out), "--workers", "2"]
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while not list((out / "rows").glob("sample_*.json")):
        assert process.poll() is None, "the build ended before it could be killed"
        assert time.monotonic() < deadline, "no clip finished in time"
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)  # the driver, its pool workers and their ffmpeg processes
    process.wait()
    assert len(list((out / "rows").glob("*.json"))) < 4  # killed mid-run

    assert main([*ARGS, "--out", str(out), "--workers", "1"]) == 0
    assert rows_of(out) == rows_of(reference)
    assert pq.read_table(out / "manifest.parquet").num_rows == 4  # no duplicates
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]  # no partial files
    for row in rows_of(out):
        clip_dir = out / "clips" / row["id"]
        assert sorted(p.name for p in clip_dir.iterdir()) == sorted(Path(row[c]).name for c in PATH_COLUMNS)
        frames, audio, _ = decode(out / row["video"])
        assert len(frames) == row["num_frames"] and audio is not None


def test_ray_executor_on_local_ray(sample_build, tmp_path):
    reference, _ = sample_build
    args = [a if a != "4" else "2" for a in ARGS]  # --limit 2
    assert main([*args, "--out", str(tmp_path), "--executor", "ray", "--workers", "2"]) == 0
    assert rows_of(tmp_path) == rows_of(reference)[:2]
