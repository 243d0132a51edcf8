"""The ma_video pipeline (MACE-Dance Table 1): VBench appearance + 2D motion of generated dance videos.

`python -m benchmark.evaluate --protocol ma_video@mace --gt DIR --pred DIR --report DIR` (or `--ma-data ROOT`,
or `--standin`). Motion comes from `ma2d@mace` on the videos' keypoints; the six VBench dimensions are
scored on the generated videos (and on GT for the reference row) and reported x100. Spec:
docs/protocols/ma_video_at_mace.md.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmark.inputs.keypoint_cache import PoseSource
from benchmark.inputs.keypoint_sets import list_inputs, load_pairs
from benchmark.metrics.appearance import AppearanceMetric
from benchmark.pipelines.appearance import load_metrics, score_videos
from benchmark.pipelines.motion2d import score_motion2d
from benchmark.protocols.ma_video import MaVideoProtocol
from benchmark.results import metric_entry, validate
from models.command_line import InputError
from models.files import sha256_file
from models.video.io import check_video

log = logging.getLogger("benchmark.pipelines.ma_video")

RANDOM_INIT_LABEL = "random-init appearance backbones (iq, aq, sc, bc, ms): a wiring check, not a score"


def check_video_pairs(gt_dir: Path, pred_dir: Path) -> None:
    """InputError unless at least two stems have a usable GT and generated video, judged from the containers
    alone (models.video.io.check_video: milliseconds), so a set of broken videos fails before any model loads."""
    gt, pred = list_inputs(gt_dir, "GT"), list_inputs(pred_dir, "pred")
    usable, reasons = 0, []
    for stem in sorted(set(gt.files) & set(pred.files)):
        try:
            check_video(gt.files[stem])
            check_video(pred.files[stem])
            usable += 1
        except ValueError as error:
            reasons.append(str(error))
    if usable < 2:
        first = f"; {reasons[0]}" if reasons else ""
        raise InputError(pred_dir, f"{usable} stem(s) with a usable GT and generated video, FID and DIV need at "
                         f"least 2 ({len(reasons)} unusable){first}")


def not_comparable_label(protocol: MaVideoProtocol, estimator: str) -> str:
    """The loud label of motion metrics from a pose model other than the published one."""
    return (f"NOT COMPARABLE to the paper: keypoints from {estimator}, {protocol.id} publishes "
            f"{protocol.pose_estimator} keypoints")


def appearance_metrics(
    protocol: MaVideoProtocol, weights: dict[str, Path] | None = None, device: str = "cpu", random_init: bool = False,
    precision: str = "reference",
) -> list[AppearanceMetric]:
    """The protocol's six VBench dimensions, in table order (weights keyed by VBench dimension name)."""
    return load_metrics([dim for _, dim in protocol.appearance], weights, device, random_init, precision)


def available_appearance_metrics(
    protocol: MaVideoProtocol, weights: dict[str, Path] | None = None, device: str = "cpu", random_init: bool = False,
    precision: str = "reference",
) -> tuple[list[AppearanceMetric], dict[str, str]]:
    """The dimensions whose backbone weights are found, and {dimension: why not} for the others."""
    metrics, missing = [], {}
    for _, dim in protocol.appearance:
        try:
            metrics += load_metrics([dim], {dim: weights[dim]} if weights and dim in weights else None, device, random_init,
                                    precision)  # fmt: skip
        except FileNotFoundError as error:
            missing[dim] = str(error)
    return metrics, missing


def percent_entries(
    protocol: MaVideoProtocol, entries: dict[str, dict[str, Any]], missing: dict[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """VBench entries (0..1, keyed by dimension) as reported metrics: short names, value and CI x scale;
    dimensions in `missing` become "not computed: <reason>" entries."""
    scale, out = protocol.appearance_scale, {}
    for name, dim in protocol.appearance:
        if dim in (missing or {}):
            out[name] = metric_entry(None, None, 0, "higher", f"not computed: {missing[dim]}")  # type: ignore[index]
            continue
        entry = dict(entries[dim])
        if entry["value"] is not None:
            entry["value"] *= scale
            entry["ci95"] = [c * scale for c in entry["ci95"]]
        entry["note"] = f"{entry.get('note', 'VBench')}; {dim} x{scale:g} (percent scale, as the paper prints)"
        out[name] = entry
    return out


def _per_clip(protocol: MaVideoProtocol, rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    return {Path(r["video"]).stem: {name: r[dim] * protocol.appearance_scale for name, dim in protocol.appearance
                                    if dim in r} for r in rows}  # fmt: skip


def score_ma_video(
    protocol: MaVideoProtocol,
    gt_dir: Path,
    pred_dir: Path,
    music_dir: Path | None,
    pose: PoseSource,
    metrics: Sequence[AppearanceMetric],
    cache_dir: Path,
    method: dict[str, Any],
    n_boot: int = 1000,
    seed: int = 0,
    random_init: bool = False,
    label: str | None = None,
    manifest: Path | None = None,
    missing: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Table-1 results dict (schema-valid): ma2d@mace motion on keypoints, VBench x100 on generated and GT videos.

    `missing` ({VBench dimension: reason}) lists dimensions without weights: reported as not computed."""
    data = load_pairs(protocol.motion, gt_dir, pred_dir, music_dir, pose, cache_dir)
    motion = score_motion2d(protocol.motion, data, method, n_boot, seed)
    gt_files, pred_files = list_inputs(gt_dir, "GT").files, list_inputs(pred_dir, "pred").files
    pred_rows, pred_entries = score_videos([pred_files[s] for s in data.stems], metrics, n_boot, seed)
    gt_rows, gt_entries = score_videos([gt_files[s] for s in data.stems], metrics, n_boot, seed)
    pred_clip, gt_clip = _per_clip(protocol, pred_rows), _per_clip(protocol, gt_rows)
    labels = [label] if label else []
    if random_init:
        labels.append(RANDOM_INIT_LABEL)
    used = data.pose_estimator  # the pose source's cache key, e.g. "mediapipe" or "vitpose-<hash>-yolo-<hash>"
    if used is not None and used.split("-")[0] != protocol.pose_estimator:
        labels.append(not_comparable_label(protocol, used))
    per_item = [
        {**item, **pred_clip[item["id"]], **{f"{k}_gt": v for k, v in gt_clip[item["id"]].items()},
         "frames": row["frames"], "video": str(pred_files[item["id"]]), "gt_video": str(gt_files[item["id"]])}
        for item, row in zip(motion["per_item"], pred_rows)
    ]
    scored = {**percent_entries(protocol, pred_entries, missing), **motion["metrics"]}
    results = {
        **motion,
        "protocol": {**motion["protocol"], "id": protocol.id, "version": protocol.version,
                     "data_manifest_sha256": sha256_file(manifest) if manifest else motion["protocol"]["data_manifest_sha256"]},
        "metrics": {m.name: scored[m.name] for m in protocol.metrics},  # in table order
        "reference": {**percent_entries(protocol, gt_entries, missing), **motion["reference"]},
        "per_item": per_item,
        "warnings": labels + motion["warnings"] + [f"{dim} not computed: {why}" for dim, why in (missing or {}).items()],
    }
    if labels:
        results["label"] = "; ".join(labels)
    validate(results)
    return results
