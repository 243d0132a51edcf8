"""The 2D motion pipeline: paired coco_25 keypoints + a `Motion2DProtocol` -> metrics with bootstrap CIs -> results dict.

Order and definitions as MACE's calculate_metric.py (spec section 8); every variant-specific choice is a
protocol field, so `ma2d@mace` and `ma2d@v1` share this code path.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from benchmark.inputs.keypoint_sets import PairedKeypoints
from benchmark.metrics.motion2d.beat_align_2d import beat_align_2d
from benchmark.metrics.motion2d.geometric_2d import geometric_features_2d
from benchmark.metrics.motion2d.joint_maps import JOINT_MAPS
from benchmark.metrics.motion2d.kinetic_2d import kinetic_features_2d
from benchmark.metrics.motion2d.normalisation import standardise
from benchmark.pipelines.common import assemble_results, fid_div_metrics, per_item_metric
from benchmark.protocols.motion2d import Motion2DProtocol
from benchmark.results import sha256_paths


def feature_coordinates(protocol: Motion2DProtocol, keypoints: np.ndarray) -> np.ndarray:
    """(..., 25, 2) components the features read: stored (y, x) as is (MACE) or swapped to (x, y)."""
    return keypoints[..., [1, 0]] if protocol.swap_yx else keypoints[..., :2]


def set_features(protocol: Motion2DProtocol, keypoints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kinetic (N, 75) and geometric (N, 32) float32 features of (N, T, 25, 3) keypoints."""
    joints = JOINT_MAPS[protocol.joint_map]
    frame_time = 1.0 / protocol.fps if protocol.kinetic_frame_time is None else protocol.kinetic_frame_time
    coords = feature_coordinates(protocol, np.asarray(keypoints, dtype=np.float64))
    kinetic = np.stack([kinetic_features_2d(k, frame_time, joints) for k in coords])
    geometric = np.stack([geometric_features_2d(k, joints, protocol.up, protocol.real_planes) for k in coords])
    return kinetic, geometric


def score_motion2d(
    protocol: Motion2DProtocol,
    data: PairedKeypoints,
    method: dict[str, Any],
    n_boot: int = 1000,
    seed: int = 0,
    label: str | None = None,
) -> dict[str, Any]:
    """Score paired keypoints under `protocol`; returns a results dict that follows the schema."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gt_feats, pred_feats = set_features(protocol, data.gt), set_features(protocol, data.pred)
        metrics, reference = {}, {}
        for name, gt, pred in zip(("k", "g"), gt_feats, pred_feats):
            kind = "kinetic" if name == "k" else "geometric"
            norm = standardise(gt, pred, protocol.normalisation, protocol.drop_constant_gt_dims, f"{kind} features")
            m, r = fid_div_metrics(name, norm.pred, norm.gt, norm.gt, protocol, n_boot, seed)
            metrics.update(m)
            reference.update(r)
        scores = {}
        for role, keypoints, target in (("pred", data.pred, metrics), ("GT", data.gt, reference)):
            scores[role] = {s: beat_align_2d(k[..., :2], b) for s, k, b in zip(data.stems, keypoints, data.music_beats)}
            target["bas"] = per_item_metric(scores[role], "higher", n_boot, seed)
    data_sha = sha256_paths(data.sources)
    protocol_block = {
        "id": protocol.id,
        "version": protocol.version,
        "data_manifest_sha256": data_sha,
        "gt_reference_sha256": data_sha,
        "gt_reference": "GT",
        "fps": protocol.fps,
        "pose_estimator": data.pose_estimator or "given keypoints",
    }
    per_item = [{"id": s, "bas": scores["pred"][s], "bas_gt": scores["GT"][s]} for s in data.stems]
    messages = data.warnings + [str(w.message) for w in caught]
    return assemble_results(method, protocol_block, metrics, reference, per_item, messages, seed, label)
