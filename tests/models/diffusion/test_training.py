"""Training both models: loss falls on a short run, resume after a kill reproduces the
uninterrupted run, checkpoint round trip and export, clear errors on bad checkpoints/settings."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch
from safetensors import safe_open

from manifests.sample import SAMPLE_ROOT
from manifests.schema import table_from_rows
from models.diffusion.checkpoint import export_checkpoint
from models.diffusion.data import load_dance_clips
from models.diffusion.guidance import GUIDANCE_PRESETS, training_prediction
from models.diffusion.losses import dance_losses
from models.diffusion.training import (
    LAST,
    LOG,
    TrainConfig,
    Trainer,
    load_training_data,
)
from models.edge import EdgeConfig
from models.motion_expert import MotionExpertConfig
from models.registry import MODEL_KINDS, load_model
from tests.golden import REPO

REPO = REPO
CONFIGS = {
    "motion_expert": MotionExpertConfig.preset("cpu_small", width=32, ff_width=64, dance_layers=1, window=32),
    "edge": EdgeConfig.preset("cpu_small", width=32, ff_width=64, dance_layers=1, window=32),
}
GUIDANCE = {"motion_expert": "gft-paper", "edge": "cfg"}


@pytest.fixture(scope="module")
def dance_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three real sample motions with smooth synthetic 35-d music features (no audio decoding)."""
    root = tmp_path_factory.mktemp("dance")
    (root / "motion").mkdir()
    (root / "music").mkdir()
    for k, clip in enumerate(("s001", "s004", "s005")):
        shutil.copy(SAMPLE_ROOT / "motion" / f"{clip}.npy", root / "motion" / f"{clip}.npy")
        t = np.arange(120)[:, None]
        np.save(root / "music" / f"{clip}.npy", np.sin(t * (np.arange(35) + 1 + k) / 40).astype(np.float32))
    (root / "splits.json").write_text(json.dumps({"train": ["s001", "s004", "s005"]}))
    return root


def test_a_manifest_trains_on_its_ok_rows_like_the_same_files_in_a_folder(dance_folder: Path, tmp_path: Path) -> None:
    paths = {name: f"clips/{name}.any" for name in ("video", "keypoints", "pose_video")}
    rows = [
        {"id": clip, "source": "finedance", "source_id": clip, "status": "ok", "split": "train", "genre": "Jazz",
         "motion": f"../{dance_folder.name}/motion/{clip}.npy", "audio": f"../{dance_folder.name}/music/{clip}.npy", **paths}
        for clip in ("s001", "s004")
    ] + [{"id": "s005", "source": "finedance", "source_id": "s005", "status": "failed", "reason": "render crashed"}]
    manifest = dance_folder.parent / "manifest_dir" / "manifest.parquet"
    manifest.parent.mkdir()
    pq.write_table(table_from_rows(rows), manifest)
    from_manifest = load_dance_clips(manifest)
    from_folder = {c.id: c for c in load_dance_clips(dance_folder)}
    assert [c.id for c in from_manifest] == ["s001", "s004"]  # the failed row is left out
    for clip in from_manifest:
        assert clip.genre == "Jazz" and clip.split == "train"
        np.testing.assert_array_equal(clip.motion, from_folder[clip.id].motion)
        np.testing.assert_array_equal(clip.music, from_folder[clip.id].music)
    with pytest.raises(ValueError, match="no ok rows"):
        pq.write_table(table_from_rows(rows[2:]), manifest)
        load_dance_clips(manifest)


def _trainer(kind: str, folder: Path, out: Path, **train: object) -> Trainer:
    cfg = TrainConfig(**{"steps": 40, "batch_size": 8, "lr": 1e-3, "stride": 8, "log_every": 5, "save_every": 10, **train})
    data = load_training_data(folder, CONFIGS[kind].window, cfg.stride, 16, None)
    return Trainer(MODEL_KINDS[kind], CONFIGS[kind], GUIDANCE_PRESETS[GUIDANCE[kind]], data, out, cfg)


def _fixed_loss(trainer: Trainer) -> float:
    """Loss on a fixed batch, timesteps, noise and guidance draw, dropout off."""
    g = torch.Generator().manual_seed(123)
    data = trainer.data
    x0 = trainer.normalizer.normalize(data.motion[:8])
    t = torch.linspace(50, 950, 8).long()
    x_t = trainer.diffusion.q_sample(x0, t, torch.randn(x0.shape, generator=g))
    trainer.model.eval()
    with torch.no_grad():
        pred = training_prediction(trainer.model, x_t, t, data.music[:8], data.genre[:8], trainer.meta.guidance_config(), g)
        return float(sum(dance_losses(pred, x0).values()))


@pytest.mark.parametrize("kind", ["motion_expert", "edge"])
def test_loss_falls_on_a_short_run(kind: str, dance_folder: Path, tmp_path: Path) -> None:
    trainer = _trainer(kind, dance_folder, tmp_path)
    before = _fixed_loss(trainer)
    trainer.run(40, progress=False)
    after = _fixed_loss(trainer)
    assert after < 0.7 * before, (before, after)
    rows = [json.loads(line) for line in (tmp_path / LOG).read_text().splitlines()]
    assert [r["step"] for r in rows] == [5, 10, 15, 20, 25, 30, 35, 40]
    assert set(rows[0]) >= {"loss", "rec", "vel", "fk", "foot", "mean_loss"}


@pytest.mark.parametrize("kind", ["motion_expert", "edge"])
def test_checkpoint_round_trip_and_export(kind: str, dance_folder: Path, tmp_path: Path) -> None:
    trainer = _trainer(kind, dance_folder, tmp_path / "run", steps=3)
    last = trainer.run(3, progress=False)
    x, t = torch.randn(2, 32, 151), torch.tensor([10, 700])
    music, genre, keep = trainer.data.music[:2], trainer.data.genre[:2], torch.tensor([True, False])
    for weights, module in (("model", trainer.model), ("ema", trainer.ema)):
        loaded = load_model(last, weights)
        module.eval()
        with torch.no_grad():
            torch.testing.assert_close(loaded.model(x, t, music, genre, keep), module(x, t, music, genre, keep), rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(loaded.normalizer.data_max, trainer.normalizer.data_max)
    slim = export_checkpoint(last, tmp_path / "slim.safetensors", label="demo, not a reproduction")
    exported = load_model(slim)
    assert exported.meta.label == "demo, not a reproduction" and exported.meta.step == 3
    with safe_open(str(slim), "pt") as handle:
        assert not any(k.startswith(("optim.", "ema.", "rng.")) for k in handle.keys())  # noqa: SIM118  (safe_open is not a dict)
    with torch.no_grad():
        torch.testing.assert_close(exported.model(x, t, music, genre, keep), trainer.ema(x, t, music, genre, keep), rtol=1e-5, atol=1e-6)


def test_bad_checkpoints_and_changed_settings_are_reported(dance_folder: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError, match="bad.safetensors"):
        load_model(bad)
    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        load_model(tmp_path / "missing.safetensors")
    _trainer("motion_expert", dance_folder, tmp_path / "run", steps=1).run(1, progress=False)
    with pytest.raises(ValueError, match="different settings.*train"):
        _trainer("motion_expert", dance_folder, tmp_path / "run", lr=5e-4)


def _step_of(path: Path) -> int:
    try:
        with safe_open(str(path), "pt") as handle:
            return json.loads(handle.metadata()["meta"])["step"]
    except Exception:  # noqa: BLE001  (the file may not exist yet)
        return 0


def test_resume_after_kill_reproduces_the_uninterrupted_run(dance_folder: Path, tmp_path: Path) -> None:
    steps = 60
    reference = _trainer("motion_expert", dance_folder, tmp_path / "reference", steps=steps, save_every=5)
    reference.run(steps, progress=False)
    out = tmp_path / "killed"
    command = [
        sys.executable, "-m", "models.motion_expert.train", "--data", str(dance_folder), "--out", str(out),
        "--width", "32", "--layers", "1", "--window", "32", "--steps", str(steps), "--batch-size", "8",
        "--lr", "1e-3", "--stride", "8", "--log-every", "5", "--save-every", "5", "--no-progress", "-v",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": str(torch.get_num_threads())}
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 180  # imports and data loading on a loaded 2-core machine
    while _step_of(out / LAST) < 5 and process.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = _step_of(out / LAST)
    assert process.returncode == -signal.SIGKILL and 5 <= killed_at < steps
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert f"at step {killed_at}" in done.stderr
    resumed = load_model(out / LAST, "model").model
    for (name, a), b in zip(resumed.state_dict().items(), reference.model.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name)
    logged = [json.loads(line)["step"] for line in (out / LOG).read_text().splitlines()]
    assert logged == list(range(5, steps + 1, 5))
    assert (out / "loss.png").stat().st_size > 1000  # the run's loss curve beside its log


def test_a_folder_carries_genres_and_unlisted_ids_are_named(dance_folder: Path, tmp_path: Path, caplog) -> None:
    root = tmp_path / "custom"
    shutil.copytree(dance_folder, root)
    (root / "splits.json").write_text(json.dumps({"train": ["s001"], "test": ["s004"]}))  # s005 is in no split
    (root / "genres.json").write_text(json.dumps({"s001": "Popping", "s004": "Jazz"}))
    with caplog.at_level("WARNING"):
        clips = {c.id: c for c in load_dance_clips(root)}
    assert (clips["s001"].genre, clips["s001"].split) == ("Popping", "train")
    assert (clips["s004"].genre, clips["s004"].split) == ("Jazz", "test")
    assert clips["s005"].genre == "unknown" and clips["s005"].split == "train"
    assert "1 motion files are in no split of its index" in caplog.text and "s005" in caplog.text
    (root / "genres.json").write_text(json.dumps(["Jazz"]))
    with pytest.raises(ValueError, match="genres.json: expected \\{id: genre\\} JSON"):
        load_dance_clips(root)


def test_a_diverging_run_stops_naming_the_step_and_keeps_the_last_good_checkpoint(dance_folder: Path, tmp_path: Path) -> None:
    trainer = _trainer("motion_expert", dance_folder, tmp_path / "run", steps=20, lr=1e30, save_every=1)
    with pytest.raises(RuntimeError, match=r"step (\d+): the (loss is nan|weights hold NaN or inf), training diverged") as caught:
        trainer.run(20, progress=False)
    failed = int(str(caught.value).split()[1].rstrip(":"))
    kept = load_model(tmp_path / "run" / LAST, "model")
    assert kept.meta.step == failed - 1
    assert all(torch.isfinite(v).all() for v in kept.model.state_dict().values())
    logged = [json.loads(line)["step"] for line in (tmp_path / "run" / LOG).read_text().splitlines()]
    assert all(step < failed for step in logged)
