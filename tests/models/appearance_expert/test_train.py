"""Appearance Expert training on the tiny model: each stage trains exactly its tensors, the loss falls when
overfitting one clip, resume after SIGKILL = the uninterrupted run, face crops, the schedule, CLI errors."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch

from manifests.sample import SAMPLE_ROOT, load_sample_index
from manifests.schema import manifest_schema, table_from_rows
from models.appearance_expert.config import ADAPTER_KEYS, TINY
from models.appearance_expert.pipeline import build_transformer
from models.appearance_expert.projector import ProjectorConfig, write_pose_video
from models.appearance_expert.train import (
    ADAPTER,
    CHECKPOINTS,
    LORA,
    FlowMatchSchedule,
    TrainConfig,
    Trainer,
    main,
)
from models.appearance_expert.train_data import face_frames, head_box, load_clips, load_sample
from models.appearance_expert.weights import adapter_state, read_safetensors, save_adapter
from models.body.formats import load_motion
from models.video.encode import encode_video
from models.video.io import read_frames

REPO = Path(__file__).resolve().parents[3]
STANDIN = REPO / "manifests" / "data" / "ma_video_standin" / "source.mp4"
CLIP_FRAMES = 10  # two 9-frame windows


def tiny_config(stage: str, **changes) -> TrainConfig:
    settings = {"steps": 2, "frames": 9, "height": 16, "width": 16, **changes}
    return TrainConfig(stage=stage, **settings)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real clip (the stand-in footage, 64x36) with the bundled dancer's pose video and head keypoints, plus
    a rejected row and an ok row whose video is missing (both skipped)."""
    import cv2

    root = tmp_path_factory.mktemp("appearance_data")
    clip = root / "clips" / "c0"
    clip.mkdir(parents=True)
    frames = [cv2.resize(f, (64, 36), interpolation=cv2.INTER_AREA) for f in read_frames(STANDIN, 0, CLIP_FRAMES)]
    encode_video(clip / "video.mp4", frames, 30.0, 64, 36)
    index = load_sample_index()
    motion = load_motion(SAMPLE_ROOT / index[min(index)]["motion"]).slice(0, CLIP_FRAMES)
    assert write_pose_video(motion, clip / "pose.mp4", ProjectorConfig(width=64, height=36, fps=motion.fps)) == CLIP_FRAMES
    points = np.tile(np.array([32.0, 18.0], np.float32), (CLIP_FRAMES, 17, 1))
    points[:, :5] = [[30, 6], [29, 5], [31, 5], [27, 6], [33, 6]]
    np.savez(clip / "keypoints.npz", coco17=points, coco17_visible=np.ones((CLIP_FRAMES, 17), bool))
    base = {"source": "test", "source_id": "standin"}
    paths = {"video": "clips/c0/video.mp4", "pose_video": "clips/c0/pose.mp4", "keypoints": "clips/c0/keypoints.npz"}
    rows = [{**base, "id": "c0", "status": "ok", **paths},
            {**base, "id": "c1", "status": "rejected", "reason": "test", **paths},
            {**base, "id": "c2", "status": "ok", **paths, "video": "clips/gone.mp4"}]  # fmt: skip
    path = root / "manifest.parquet"
    pq.write_table(table_from_rows(rows, manifest_schema(required_paths=("video", "pose_video"))), path)
    return path


def state(trainer: Trainer) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in trainer.unwrapped().state_dict().items()}


def test_clips_skip_bad_rows(manifest, caplog):
    with caplog.at_level("INFO"):
        clips = load_clips(manifest, 9)
    assert [c.id for c in clips] == ["c0"] and clips[0].num_frames == CLIP_FRAMES and clips[0].keypoints
    assert "1 not ok, 1 missing file" in caplog.text


def test_face_crop_follows_the_head_else_top_centre():
    frames = np.zeros((2, 100, 60, 3), np.uint8)
    frames[:, 10:20, 20:30] = 255  # a white "head"
    cx, cy, side = head_box(None, None, 100, 60)
    assert (cx, cy, side) == (30.0, 10.0, 20.0)  # centred top crop: a third of the short side, touching the top
    points = np.zeros((17, 2))
    points[:5] = [[25, 15], [23, 13], [27, 13], [21, 14], [29, 14]]
    points[5:7] = [[15, 30], [35, 30]]
    visible = np.ones(17, bool)
    box = head_box(points, visible, 100, 60)
    assert box[:2] == pytest.approx((25.0, 13.8)) and box[2] == pytest.approx(0.9 * 20)  # shoulders win over 2.2 x 8
    visible[:5] = False
    assert head_box(points, visible, 100, 60) == (30.0, 10.0, 20.0)  # no head seen: the top crop
    crops = face_frames(frames, None, 0, 16)
    assert crops.shape == (2, 16, 16, 3) and crops[0, 12, 4].tolist() == [255, 255, 255]  # the "head" (x 20-30, y 10-20) is in the crop


def test_schedule_is_diffsynths():
    schedule = FlowMatchSchedule()
    assert len(schedule.sigmas) == 1000 and schedule.sigmas[0] == 1.0 and schedule.sigmas[-1] > 0
    s = 0.5
    assert float(schedule.sigmas[500]) == pytest.approx(5 * s / (1 + 4 * s))
    assert float(schedule.weights.mean()) == pytest.approx(1.0)
    assert float(schedule.weights.min()) == 0.0
    peak = int(schedule.weights.argmax())
    assert abs(float(schedule.timesteps[peak]) - 500) < 5


def test_kinematic_trains_only_the_body_adapter(manifest, tmp_path):
    trainer = Trainer(tiny_config("kinematic", lr=1e-2), TINY, load_clips(manifest, 9), tmp_path / "run")
    assert [n for n, _ in trainer.trained] == sorted(ADAPTER_KEYS)
    before = state(trainer)
    trainer.run(progress=False)
    after = state(trainer)
    changed = sorted(k for k in before if not torch.equal(before[k], after[k]))
    assert changed == sorted(ADAPTER_KEYS)
    saved, metadata = read_safetensors(tmp_path / "run" / ADAPTER)
    assert all(torch.equal(saved[k], after[k]) for k in ADAPTER_KEYS) and metadata["stage"] == "kinematic"
    assert len((tmp_path / "run" / "log.jsonl").read_text().splitlines()) == 2


def test_aesthetic_trains_only_the_lora_image_only(manifest, tmp_path):
    conditioning = "image_only"  # (full conditioning: test_aesthetic_resume_matches_uninterrupted)
    torch.manual_seed(5)
    adapter = {k: torch.randn_like(v) * 0.01 for k, v in adapter_state(build_transformer(TINY)).items()}
    init = save_adapter(tmp_path / "kinematic.safetensors", adapter)
    config = tiny_config("aesthetic", lr=1e-2, conditioning=conditioning)
    trainer = Trainer(config, TINY, load_clips(manifest, 9), tmp_path / "run", init_adapter=init)
    assert len(trainer.trained) == 40 and all("lora_" in n for n, _ in trainer.trained)
    before = state(trainer)
    assert all(torch.equal(before[k], adapter[k]) for k in ADAPTER_KEYS)  # starts from the kinematic adapter
    trainer.run(progress=False)
    after = state(trainer)
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all("lora_" in k for k in changed)
    assert any("lora_B" in k for k in changed)
    _, metadata = read_safetensors(tmp_path / "run" / LORA)
    assert metadata["conditioning"] == conditioning and metadata["rank"] == "32"
    saved, _ = read_safetensors(tmp_path / "run" / ADAPTER)
    assert all(torch.equal(saved[k], adapter[k]) for k in ADAPTER_KEYS)


def test_loss_falls_when_overfitting_one_clip(manifest, tmp_path):
    """Per-step losses swing ~10x with the drawn timestep, so the loss is compared on fixed draws (evaluate)."""
    clips = [dataclasses.replace(load_clips(manifest, 9)[0], num_frames=9)]  # one window
    trainer = Trainer(tiny_config("kinematic", lr=3e-2, steps=10, checkpoint_every=100), TINY, clips, tmp_path / "run")
    start = trainer.evaluate(draws=4)
    trainer.run(progress=False)
    end = trainer.evaluate(draws=4)
    assert end < 0.9 * start, (start, end)


def test_aesthetic_resume_matches_uninterrupted(manifest, tmp_path):
    clips = load_clips(manifest, 9)
    config = tiny_config("aesthetic", lr=1e-2, steps=3, checkpoint_every=1)
    first = Trainer(dataclasses.replace(config, steps=2), TINY, clips, tmp_path / "a")
    before = state(first)
    first.run(progress=False)
    after = state(first)
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all("lora_" in k for k in changed)
    resumed = Trainer(config, TINY, clips, tmp_path / "a")
    assert resumed.step == 2
    resumed.run(progress=False)
    Trainer(config, TINY, clips, tmp_path / "b").run(progress=False)
    a, _ = read_safetensors(tmp_path / "a" / LORA)
    b, _ = read_safetensors(tmp_path / "b" / LORA)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    with pytest.raises(ValueError, match="other settings"):
        Trainer(dataclasses.replace(config, lr=1e-3), TINY, clips, tmp_path / "a")


def test_resume_after_sigkill_equals_uninterrupted_run(manifest, tmp_path, caplog):
    """The CLI killed (SIGKILL) after its first checkpoint, the same command rerun (in-process, to save an import)."""
    run = tmp_path / "killed"
    args = ["--stage", "kinematic", "--tiny", "--data", str(manifest), "--out", str(run), "--steps", "6",
            "--checkpoint-every", "2", "--lr", "1e-2", "--no-progress", "-v"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "models.appearance_expert.train", *args], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    first = run / CHECKPOINTS / "step-0000002" / "state.json"
    deadline = time.monotonic() + 120
    while not first.is_file() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    _, stderr = process.communicate()
    assert first.is_file(), stderr.decode()
    assert not (run / ADAPTER).is_file(), "the run finished before the kill; nothing was tested"
    with caplog.at_level("INFO"):
        assert main(args) == 0
    assert "resumed from" in caplog.text
    assert (run / "loss.png").stat().st_size > 1000  # the run's loss curve beside its log
    reference = tmp_path / "reference"
    config = tiny_config("kinematic", lr=1e-2, steps=6, checkpoint_every=2)
    Trainer(config, TINY, load_clips(manifest, 9), reference).run(progress=False)
    a, _ = read_safetensors(run / ADAPTER)
    b, _ = read_safetensors(reference / ADAPTER)
    assert all(torch.equal(a[k], b[k]) for k in ADAPTER_KEYS)
    steps = [json.loads(line)["step"] for line in (run / "log.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    "case, expected, code",
    [("no_manifest", "no such file (--data)", 1), ("no_ok_rows", "no trainable rows", 1),
     ("no_weights", "weights folder not found", 1), ("bad_frames", "--frames 8: must be 4k+1", 2)],
)  # fmt: skip
def test_cli_errors_are_one_line(manifest, tmp_path, capsys, monkeypatch, case, expected, code):
    monkeypatch.delenv("MACE_WAN_ANIMATE_DIR", raising=False)
    monkeypatch.setenv("MACE_BENCH_WEIGHTS", str(tmp_path / "empty_cache"))
    args = ["--stage", "kinematic", "--out", str(tmp_path / "run"), "--data", str(manifest), "--tiny"]
    if case == "no_manifest":
        args[5] = str(tmp_path / "absent.parquet")
    elif case == "no_ok_rows":
        rows = [{"id": "x", "source": "t", "source_id": "t", "status": "rejected", "reason": "r"}]
        pq.write_table(table_from_rows(rows), tmp_path / "m.parquet")
        args[5] = str(tmp_path / "m.parquet")
    elif case == "no_weights":
        args[-1:] = ["--weights", str(tmp_path / "no_such_weights")]
    else:
        args += ["--frames", "8"]
    assert main(args) == code
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err and "Traceback" not in err


def test_a_rows_face_video_is_used_when_it_has_one(manifest, tmp_path):
    """The curation's per-frame face crops (`face_video`, `face_coverage` > 0) replace crops made at training time."""
    import pyarrow.parquet as pq

    from manifests.schema import manifest_schema, read_manifest, table_from_rows

    rows = read_manifest(manifest).to_pylist()
    faces = [np.full((32, 32, 3), 40 + 5 * k, np.uint8) for k in range(CLIP_FRAMES)]  # a distinct grey per frame
    encode_video(manifest.parent / "clips" / "c0" / "face.mp4", faces, 30.0, 32, 32)
    rows[0].update(face_video="clips/c0/face.mp4", face_coverage=1.0)
    path = manifest.parent / "with_faces.parquet"
    pq.write_table(table_from_rows(rows, manifest_schema(required_paths=("video", "pose_video"))), path)
    clip = load_clips(path, 9)[0]
    assert clip.face_video == manifest.parent / "clips" / "c0" / "face.mp4"
    sample = load_sample(clip, 1, 9, 16, 16, 16)
    assert sample.face.shape == (9, 16, 16, 3)
    assert abs(int(sample.face[0].mean()) - 45) <= 3 and abs(int(sample.face[8].mean()) - 85) <= 3  # frames 1 and 9
    rows[0].update(face_coverage=0.0)  # no face found by the curation: crop here instead
    pq.write_table(table_from_rows(rows, manifest_schema(required_paths=("video", "pose_video"))), path)
    assert load_clips(path, 9)[0].face_video is None


def test_a_diverging_run_stops_naming_the_step_and_keeps_its_finite_checkpoints(manifest, tmp_path):
    config = tiny_config("kinematic", lr=1e30, steps=6, checkpoint_every=1)
    trainer = Trainer(config, TINY, load_clips(manifest, 9), tmp_path / "run")
    with pytest.raises(RuntimeError, match=r"step \d: the (loss is nan|trained weights hold NaN or inf), training diverged"):
        trainer.run(progress=False)
    for checkpoint in trainer.checkpoints():
        adapter, _ = read_safetensors(checkpoint / ADAPTER)
        assert all(torch.isfinite(v).all() for v in adapter.values()), checkpoint
    assert not (tmp_path / "run" / ADAPTER).exists()
