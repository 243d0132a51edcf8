"""Pose-driven image animation in `python -m benchmark.run` (`animation@v1`, MACE-Dance Table 3).

For each GT clip of the test set (the bundled stand-in by default, `--data` an MA-Data test root), the
appearance renderer animates the clip's first frame along the clip's own 2D pose (tracked by the suite's
MediaPipe) at the clip's frame rate and length; the generated clips are then scored against the GT clips
(SSIM, PSNR, LPIPS, FVD). A metric whose weights are missing (I3D for FVD) is "not computed" with the file
and where to get it. Only pose-driven renderers apply: the mannequin renders 3D motion, not 2D pose.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from benchmark.inputs.video_items import VideoTestSet, ma_data_set, standin_set
from benchmark.metrics.video.fvd import load_i3d
from benchmark.metrics.video.lpips import load_lpips
from benchmark.pipelines.animation import score_animation
from benchmark.protocols.animation import AnimationProtocol
from benchmark.renderers import RenderSettings, create_renderer
from benchmark.run_video import output_paths
from manifests.ma_video_test_set import CLIP_SECONDS, TEST_CLIPS
from models.command_line import UsageError, reject_unused, require_dir
from models.files import restored_on_failure

log = logging.getLogger("benchmark.run")

POSE_DRIVEN = ("tiny", "wan_animate", "appearance_expert")


def _models(protocol: AnimationProtocol) -> tuple[dict[str, Any], dict[str, str]]:
    """LPIPS and I3D where their weights are found; for the others the reason (file, where to get it)."""
    models: dict[str, Any] = {}
    missing: dict[str, str] = {}
    for name, load in (("lpips_model", lambda: load_lpips(protocol.lpips_net)), ("i3d", load_i3d)):
        try:
            models[name] = load()
        except FileNotFoundError as error:
            models[name] = None
            missing["lpips" if name == "lpips_model" else "fvd"] = str(error)
    return models, missing


def gt_folder(out: Path) -> Path:
    """The folder of links to the GT clips, beside the results JSON."""
    return out.parent / f"{out.stem}_gt"


def _link_gt(test_set: VideoTestSet, folder: Path) -> Path:
    """A new folder holding exactly the items' GT clips (links), so a `--limit`ed run pairs only what it rendered."""
    folder.mkdir(parents=True)
    for item in test_set.items:
        assert item.gt_video is not None
        os.symlink(item.gt_video.resolve(), folder / item.gt_video.name)
    return folder


def produce_animation(args: argparse.Namespace, protocol: AnimationProtocol, out: Path) -> dict[str, Any]:
    """Animate every GT clip's first frame along its own pose, score against the GT clips, return the results."""
    appearance = args.appearance or "tiny"
    if appearance not in POSE_DRIVEN:
        raise UsageError(f"--appearance {appearance}: renders 3D motion; {protocol.id} animates a GT clip's own 2D pose: "
                         f"use one of {', '.join(POSE_DRIVEN)}")
    reject_unused(args, ("music", "seconds", "image", "checkpoint", "motions"),
                  f"{protocol.id} animates the GT clips as they are, with no motion method or music")
    data = require_dir(args.data, "--data") if args.data is not None else None
    test_set = ma_data_set(data, TEST_CLIPS, CLIP_SECONDS, None) if data else standin_set(None)
    if args.limit is not None:
        test_set = replace(test_set, items=test_set.items[: args.limit])
    models, missing = _models(protocol)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    settings = RenderSettings(seed=args.seed, device=device, wan_weights=args.wan_weights, adapter=args.adapter,
                              lora=args.lora)  # the fps follows each driving clip
    renderer = create_renderer(appearance, settings)
    videos, _ = output_paths(out)
    with restored_on_failure(videos), restored_on_failure(gt_folder(out)):  # a failed run keeps the previous pair
        videos.mkdir(parents=True)
        start, frames = time.perf_counter(), 0
        try:
            for item in tqdm(test_set.items, desc=f"animating ({appearance})", unit="clip"):
                clip = renderer.animate_video(item.gt_video, videos / f"{item.id}.mp4", protocol.max_frames)
                frames += clip.frames
        finally:
            renderer.close()
        seconds = time.perf_counter() - start
        gt = _link_gt(test_set, gt_folder(out))
        method = {"name": appearance, "version": "1", "checkpoint_sha256": None,
                  "config": {"renderer": renderer.config, "label": renderer.label, "driving": "GT clips' MediaPipe pose"}}  # fmt: skip
        labels = "; ".join(x for x in (renderer.label, test_set.label) if x)
        results = score_animation(protocol, gt, videos, **models, method=method, n_boot=args.bootstrap, seed=args.seed,
                                  label=labels or None, missing=missing)  # fmt: skip
    results["timing"] = {**results.get("timing", {}), "clips": len(test_set.items), "frames": frames,
                         "seconds_per_clip": seconds / len(test_set.items), "appearance_fps": frames / seconds,
                         "appearance_device": device, "appearance_dtype": renderer.precision,
                         "peak_memory_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # fmt: skip
    return results
