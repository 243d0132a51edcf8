"""animation@v1 end to end on tiny lossless videos: pairing, frame rules, per-clip values, FVD with a
scripted stand-in I3D, LPIPS from a torchvision-format file, schema-valid results, clear errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import av
import numpy as np
import pytest
import torch

from benchmark.evaluate import main
from benchmark.inputs.video_pairs import load_pair, pair_videos
from benchmark.metrics.video.clips import fvd_windows
from benchmark.metrics.video.frame_quality import psnr_frames, ssim_frames
from benchmark.metrics.video.fvd import fvd, i3d_features, load_i3d
from benchmark.metrics.video.lpips import load_lpips, lpips_frames
from benchmark.pipelines.animation import score_animation
from benchmark.protocols.animation import ANIMATION_V1
from benchmark.protocols.registry import PROTOCOLS
from benchmark.results import validate
from models.files import sha256_file
from models.vision.lpips_backbones import ALEX_SPEC, TappedFeatures
from tests.benchmark.metrics.video.test_fvd import StandInI3D

METHOD = {"name": "test", "version": "0", "checkpoint_sha256": None, "config": {}}
# native 48x64 frames stay 48x64 (no resampling), 32 frames = two FVD windows per clip, every 4th
# frame enters SSIM / PSNR / LPIPS
SMALL = dataclasses.replace(ANIMATION_V1, frame_short_side=48, max_frames=32, num_clips=3, frame_stride=4)


def write_video(path: Path, frames: np.ndarray, fps: int = 30) -> Path:
    """Lossless (PNG-in-MOV) RGB video, so decoded frames equal `frames` exactly."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("png", rate=fps)
        stream.width, stream.height, stream.pix_fmt = frames.shape[2], frames.shape[1], "rgb24"
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    return path


@pytest.fixture(scope="module")
def clip_set(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, tuple[np.ndarray, np.ndarray]]]:
    root = tmp_path_factory.mktemp("anim")
    (root / "gt").mkdir(), (root / "pred").mkdir()
    rng = np.random.default_rng(0)
    clips = {}
    for k in range(3):
        gt = rng.integers(0, 256, (32, 48, 64, 3), dtype=np.uint8)
        pred = np.clip(gt + rng.normal(0, 10 + 10 * k, gt.shape), 0, 255).astype(np.uint8)
        write_video(root / "gt" / f"clip{k}.mov", gt)
        write_video(root / "pred" / f"clip{k}.mov", pred)
        clips[f"clip{k}"] = (gt, pred)
    return root / "gt", root / "pred", clips


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    root = tmp_path_factory.mktemp("weights")
    torch.manual_seed(0)
    torch.save(TappedFeatures(ALEX_SPEC).state_dict(), root / "alexnet-owt-7be5be79.pth")
    torch.jit.script(StandInI3D()).save(str(root / "i3d_torchscript.pt"))
    return root, load_lpips("alex", root / "alexnet-owt-7be5be79.pth"), load_i3d(root / "i3d_torchscript.pt")


def test_scores_equal_the_metrics_on_the_original_frames(clip_set, models) -> None:
    gt_dir, pred_dir, clips = clip_set
    root, lpips_model, i3d = models
    results = score_animation(SMALL, gt_dir, pred_dir, lpips_model=lpips_model, i3d=i3d, method=METHOD, n_boot=50)
    validate(results)
    assert list(results["metrics"]) == ["fvd", "ssim", "lpips", "psnr"]
    weights = results["metrics"]["lpips"]["note"]  # the result says which weights made it
    assert weights == f"LPIPS v0.1 alex heads; backbone alexnet-owt-7be5be79.pth sha256 {sha256_file(root / 'alexnet-owt-7be5be79.pth')}"
    rows = {row["id"]: row for row in results["per_item"]}
    for clip, (gt_all, pred_all) in clips.items():
        gt, pred = gt_all[::4], pred_all[::4]
        assert rows[clip]["ssim"] == pytest.approx(ssim_frames(pred, gt).mean(), abs=1e-12)
        assert rows[clip]["psnr"] == pytest.approx(psnr_frames(pred, gt).mean(), abs=1e-12)
        assert rows[clip]["lpips"] == pytest.approx(lpips_frames(lpips_model, pred, gt).mean(), rel=1e-6)
        assert rows[clip]["fvd_windows"] == 2 and rows[clip]["frames"] == 32
    assert rows["clip0"]["psnr"] > rows["clip2"]["psnr"]  # more noise, lower PSNR
    ssim = results["metrics"]["ssim"]
    assert ssim["value"] == pytest.approx(np.mean([r["ssim"] for r in rows.values()])) and ssim["n"] == 3
    assert ssim["ci95"][0] <= ssim["value"] <= ssim["ci95"][1]
    feats = [np.concatenate([i3d_features(i3d, fvd_windows(c[j], 16, 16, 1, 224)) for c in clips.values()]) for j in (1, 0)]
    assert results["metrics"]["fvd"]["value"] == pytest.approx(fvd(*feats), rel=1e-6)


def test_cli_writes_results_and_reports_bad_input(clip_set, models, tmp_path: Path, monkeypatch, capsys) -> None:
    gt_dir, pred_dir, _ = clip_set
    weights, _, _ = models
    monkeypatch.setitem(PROTOCOLS, "animation@v1", SMALL)
    out = tmp_path / "results.json"
    argv = ["--protocol", "animation@v1", "--gt", str(gt_dir), "--pred", str(pred_dir), "--bootstrap", "20", "--out", str(out)]
    assert main([*argv, "--i3d", str(weights / "i3d_torchscript.pt"), "--lpips-backbone", str(weights / "alexnet-owt-7be5be79.pth")]) == 0
    assert out.is_file()
    monkeypatch.setenv("MACE_BENCH_WEIGHTS", str(tmp_path))
    monkeypatch.delenv("MACE_BENCH_I3D", raising=False)
    assert main([*argv, "--skip", "lpips"]) == 1  # no I3D anywhere: one clear line, old results kept
    assert "i3d_torchscript.pt" in capsys.readouterr().err and out.is_file()


def test_pairing_and_frame_rules_fail_with_the_file_named(clip_set, tmp_path: Path) -> None:
    clips = clip_set[2]
    gt, pred = clips["clip0"]
    (tmp_path / "gt").mkdir(), (tmp_path / "pred").mkdir()
    write_video(tmp_path / "gt" / "a.mov", gt)
    write_video(tmp_path / "pred" / "b.mov", pred)
    with pytest.raises(ValueError, match=r"have no match by stem in .*pred: a"):
        pair_videos(SMALL, tmp_path / "gt", tmp_path / "pred")
    (tmp_path / "pred" / "b.mov").unlink()
    write_video(tmp_path / "pred" / "a.mov", pred[:20])
    pair = pair_videos(SMALL, tmp_path / "gt", tmp_path / "pred")[0]
    with pytest.raises(ValueError, match=r"a.mov: 20 frames but GT .*a.mov has 32"):
        load_pair(SMALL, pair)
    (tmp_path / "pred" / "a.mov").write_bytes(b"not a video")
    with pytest.raises(ValueError, match=r"pred/a.mov: not a readable video"):
        load_pair(SMALL, pair)
    with pytest.raises(FileNotFoundError, match="GT folder"):
        pair_videos(SMALL, tmp_path / "nope", tmp_path / "pred")


def test_other_sizes_are_cropped_to_the_gt_aspect_and_resized(clip_set, tmp_path: Path) -> None:
    _, _, clips = clip_set
    gt, _ = clips["clip1"]
    wide = np.concatenate([np.zeros((32, 96, 16, 3), np.uint8), np.repeat(np.repeat(gt, 2, 1), 2, 2), np.zeros((32, 96, 16, 3), np.uint8)], axis=2)
    (tmp_path / "gt").mkdir(), (tmp_path / "pred").mkdir()
    write_video(tmp_path / "gt" / "c.mov", gt)
    write_video(tmp_path / "pred" / "c.mov", wide)  # 2x upscaled GT with black side bars: 96x160
    with pytest.warns(UserWarning, match="differs in aspect"):
        got_gt, got_pred = load_pair(SMALL, pair_videos(SMALL, tmp_path / "gt", tmp_path / "pred")[0])
    assert got_pred.shape == got_gt.shape == gt.shape
    np.testing.assert_array_equal(got_gt, gt)
    assert np.abs(got_pred.astype(int) - gt).max() <= 1  # area-downscaling a 2x nearest upscale restores it
