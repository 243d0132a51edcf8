"""`benchmark.run --protocol animation@v1`: GT clips' first frames animated along their own pose, then scored."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from benchmark.inputs.video_items import standin_set
from benchmark.protocols.animation import ANIMATION_V1
from benchmark.results import validate
from benchmark.run import build_parser, main
from benchmark.run_animation import produce_animation
from models.appearance_expert.driving import driving_pose
from models.video.io import probe_video

SHORT = replace(ANIMATION_V1, max_frames=17)  # the first 17 frames of each clip: the same path, seconds not minutes


def test_driving_pose_tracks_the_gt_dancer():
    clip = standin_set(None).items[0].gt_video
    pose = driving_pose(clip, max_frames=12)
    info = probe_video(clip)
    assert pose.num_frames == 12 and (pose.width, pose.height) == (info.width, info.height)
    seen = pose.scores[:, 2:14] >= 0.3
    assert seen.mean() > 0.9  # the stand-in dancer is seen in every frame
    inside = pose.points[:, 2:14][seen]
    assert (inside >= 0).all() and (inside[:, 0] <= info.width).all() and (inside[:, 1] <= info.height).all()
    frame = pose.frames(64, 48)(0)
    assert frame.shape == (64, 48, 3) and frame.any()


def test_tiny_animation_run_is_scored_with_fvd_not_computed_by_name(tmp_path: Path):
    out = tmp_path / "anim.json"
    args = build_parser().parse_args(["--protocol", "animation@v1", "--appearance", "tiny", "--limit", "2",
                                      "--bootstrap", "50", "--out", str(out)])  # fmt: skip
    results = produce_animation(args, SHORT, out)
    validate(results)
    assert results["method"]["name"] == "tiny" and "tiny random Wan-Animate" in results["label"]
    assert [row["id"] for row in results["per_item"]] == ["standin_000", "standin_001"]
    for name in ("ssim", "psnr", "lpips"):
        assert np.isfinite(results["metrics"][name]["value"]) and results["metrics"][name]["n"] == 2
    fvd = results["metrics"]["fvd"]
    if fvd["value"] is None:  # no I3D file on this machine: said so, with where to get it
        assert fvd["note"].startswith("not computed") and "i3d_torchscript.pt" in fvd["note"]
    gt = probe_video(standin_set(None).items[0].gt_video)
    video = probe_video(tmp_path / "anim_videos" / "standin_000.mp4")
    assert video.num_frames == 17 and video.fps == pytest.approx(gt.fps)
    assert (tmp_path / "anim_videos" / "pose" / "standin_000_pose.mp4").is_file()
    assert results["timing"]["clips"] == 2 and results["timing"]["appearance_fps"] > 0


def test_mannequin_and_method_are_refused_in_one_line(tmp_path: Path, capsys):
    assert main(["--protocol", "animation@v1", "--appearance", "mannequin", "--out", str(tmp_path / "a.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert "renders 3D motion" in err and "\n" not in err
    assert main(["--method", "mace_dance", "--protocol", "animation@v1", "--out", str(tmp_path / "b.json")]) == 2
    assert "give --appearance, not --method" in capsys.readouterr().err
    assert main(["--protocol", "finedance3d@v1", "--out", str(tmp_path / "c.json")]) == 2
    assert "--method: required for finedance3d@v1" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
