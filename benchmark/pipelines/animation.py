"""Score generated animation videos against their ground truth under an animation protocol.

`python -m benchmark.evaluate --protocol animation@v1 --gt GT_DIR --pred PRED_DIR`: videos pair up by stem;
SSIM, PSNR and LPIPS are averaged per clip (bootstrap CI over clips), FVD is computed on the whole
set (CI from paired bootstrap resamples of clips). Writes results JSON (benchmark/schemas/).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from benchmark.inputs.video_pairs import ClipPair, load_pair, pair_videos
from benchmark.metrics.bootstrap import bootstrap_ci, bootstrap_set_ci
from benchmark.metrics.video.clips import (
    fvd_windows,
)
from benchmark.metrics.video.frame_quality import psnr_frames, ssim_frames
from benchmark.metrics.video.fvd import fvd, fvd_resampled, i3d_features, load_i3d
from benchmark.metrics.video.lpips import LPIPS, load_lpips, lpips_frames
from benchmark.pipelines.common import assemble_results
from benchmark.protocols.animation import AnimationProtocol
from benchmark.results import metric_entry, sha256_paths

log = logging.getLogger("benchmark.pipelines.animation")
@dataclass
class _Collected:
    rows: list[dict[str, Any]]
    fvd_pred: list[np.ndarray]
    fvd_gt: list[np.ndarray]
    fvd_clip: list[np.ndarray]


def _score_clip(
    protocol: AnimationProtocol, pair: ClipPair, lpips_model: LPIPS | None, i3d: torch.nn.Module | None, out: _Collected
) -> None:
    gt, pred = load_pair(protocol, pair)
    row: dict[str, Any] = {"id": pair.id, "frames": len(gt)}
    sub_gt, sub_pred = gt[:: protocol.frame_stride], pred[:: protocol.frame_stride]
    row["ssim"] = float(ssim_frames(sub_pred, sub_gt).mean())
    row["psnr"] = float(psnr_frames(sub_pred, sub_gt, protocol.psnr_cap_db).mean())
    if lpips_model is not None:
        row["lpips"] = float(lpips_frames(lpips_model, sub_pred, sub_gt).mean())
    if i3d is not None:
        args = (protocol.fvd_frames, protocol.fvd_window_step, protocol.fvd_frame_step, protocol.fvd_resolution)
        try:
            windows_gt, windows_pred = fvd_windows(gt, *args), fvd_windows(pred, *args)
        except ValueError as error:
            raise ValueError(f"{pair.gt}: {error}") from error
        out.fvd_gt.append(i3d_features(i3d, windows_gt))
        out.fvd_pred.append(i3d_features(i3d, windows_pred))
        out.fvd_clip.append(np.full(len(windows_gt), len(out.rows)))
        row["fvd_windows"] = len(windows_gt)
    out.rows.append(row)


def _set_metrics(protocol: AnimationProtocol, out: _Collected, n_boot: int, seed: int) -> dict[str, Any]:
    n = len(out.rows)
    metrics: dict[str, Any] = {}
    if out.fvd_gt:
        pred, gt, clip = (np.concatenate(x) for x in (out.fvd_pred, out.fvd_gt, out.fvd_clip))
        value = fvd(pred, gt)
        ci = bootstrap_set_ci(lambda c: fvd_resampled(pred, gt, clip, c), n, estimate=value, n_boot=n_boot, seed=seed)
        metrics["fvd"] = metric_entry(value, ci, n, "lower", f"{len(gt)} windows of {protocol.fvd_frames} frames")
    for spec in protocol.metrics:
        if spec.name != "fvd" and spec.name in out.rows[0]:
            values = np.array([row[spec.name] for row in out.rows])
            metrics[spec.name] = metric_entry(values.mean(), bootstrap_ci(values, n_boot, seed), n, spec.better)
    return {spec.name: metrics[spec.name] for spec in protocol.metrics if spec.name in metrics}


def score_animation(
    protocol: AnimationProtocol,
    gt_dir: Path,
    pred_dir: Path,
    *,
    lpips_model: LPIPS | None,
    i3d: torch.nn.Module | None,
    method: dict[str, Any],
    n_boot: int = 1000,
    seed: int = 0,
    label: str | None = None,
    missing: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Results dict (schema-valid) for pred videos vs GT videos; LPIPS / FVD are skipped when their model is None
    (reported "not computed: <reason>" when `missing` gives one, e.g. the weight file and where to get it)."""
    missing = missing or {}
    pairs = pair_videos(protocol, gt_dir, pred_dir)
    out = _Collected([], [], [], [])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if len(pairs) != protocol.num_clips:
            warnings.warn(
                f"{len(pairs)} clips scored, {protocol.id} fixes {protocol.num_clips}: not comparable to the leaderboard",
                stacklevel=2,
            )
        for name, model in (("lpips", lpips_model), ("fvd", i3d)):
            if model is None:
                warnings.warn(f"{name} not computed: {missing.get(name, 'no model given')}", stacklevel=2)
        for pair in tqdm(pairs, desc="animation clips", unit="clip", disable=len(pairs) < 2):
            _score_clip(protocol, pair, lpips_model, i3d, out)
        metrics = _set_metrics(protocol, out, n_boot, seed)
        for spec in protocol.metrics:
            if spec.name in missing and spec.name not in metrics:
                metrics[spec.name] = metric_entry(None, None, 0, spec.better, f"not computed: {missing[spec.name]}")
        metrics = {spec.name: metrics[spec.name] for spec in protocol.metrics if spec.name in metrics}
        if lpips_model is not None and "lpips" in metrics:  # which weights made the number
            metrics["lpips"]["note"] = getattr(lpips_model, "weights", "weights not recorded")
    gt_hash = sha256_paths([p.gt for p in pairs])
    protocol_block = {
        "id": protocol.id,
        "version": protocol.version,
        "data_manifest_sha256": gt_hash,
        "gt_reference_sha256": gt_hash,
        "gt_reference": f"GT videos in {gt_dir}",
    }
    # reference stays empty: GT against itself is trivial (FVD 0, SSIM 1, LPIPS 0)
    return assemble_results(method, protocol_block, metrics, {}, out.rows, [str(w.message) for w in caught], seed, label)


def load_models(protocol: AnimationProtocol, lpips_backbone: Path | None, i3d: Path | None, skip: list[str]) -> dict:
    """The LPIPS and I3D models `score_animation` needs, None for the skipped ones (weights from local paths)."""
    return {
        "lpips_model": None if "lpips" in skip else load_lpips(protocol.lpips_net, lpips_backbone),
        "i3d": None if "fvd" in skip else load_i3d(i3d),
    }
