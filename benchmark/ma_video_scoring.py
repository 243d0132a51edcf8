"""Score generated dance videos under `ma_video@mace` (MACE-Dance Table 1): VBench appearance + 2D motion.

`python -m benchmark.ma_video_scoring --gt DIR --pred DIR --out results.json --report DIR` (or `--ma-data ROOT`,
or `--standin`). Motion comes from `ma2d@mace` on the videos' keypoints; the six VBench dimensions are
scored on the generated videos (and on GT for the reference row) and reported x100. Spec:
docs/protocols/ma_video_at_mace.md.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmark.appearance_scoring import load_metrics, parse_weights, score_videos
from benchmark.keypoint_cache import PoseSource
from benchmark.keypoint_sets import list_inputs, load_pairs
from benchmark.ma_video_report import write_report
from benchmark.metrics.appearance import AppearanceMetric
from benchmark.metrics.motion2d.scoring import score_keypoints
from benchmark.protocols.ma_video import MA_VIDEO_MACE, MaVideoProtocol
from benchmark.results import format_table, validate, write_results
from manifests.ma_data_test import bundled_standin, load_ma_data_test
from models.files import sha256_file
from models.pose import ESTIMATORS, load_pose_estimator

log = logging.getLogger("benchmark.ma_video_scoring")

RANDOM_INIT_LABEL = "random-init appearance backbones (iq, aq, sc, bc, ms): a wiring check, not a score"
DEFAULT_KEYPOINT_CACHE = Path("outputs/keypoint_cache")


def not_comparable_label(protocol: MaVideoProtocol, estimator: str) -> str:
    """The loud label of motion metrics from a pose model other than the published one."""
    return (f"NOT COMPARABLE to the paper: keypoints from {estimator}, {protocol.id} publishes "
            f"{protocol.pose_estimator} keypoints")


def pose_source(name: str, checkpoint: Path | None = None, detector: Path | None = None) -> PoseSource:
    """The pose model by name, keyed for the keypoint cache by model and weight hashes; ViTPose needs both files."""
    if name != "vitpose":
        return PoseSource(name, lambda: load_pose_estimator(name))
    if checkpoint is None or detector is None:
        raise ValueError("ViTPose needs --vitpose-checkpoint (vitpose-s-coco_25.pth) and --vitpose-detector "
                         "(YOLOv8 .onnx), or --pose-estimator mediapipe (labelled not comparable)")
    key = f"vitpose-{sha256_file(checkpoint)[:12]}-yolo-{sha256_file(detector)[:12]}"
    return PoseSource(key, lambda: load_pose_estimator(name, checkpoint=checkpoint, detector=str(detector)))


def appearance_metrics(
    protocol: MaVideoProtocol, weights: dict[str, Path] | None = None, device: str = "cpu", random_init: bool = False
) -> list[AppearanceMetric]:
    """The protocol's six VBench dimensions, in table order (weights keyed by VBench dimension name)."""
    return load_metrics([dim for _, dim in protocol.appearance], weights, device, random_init)


def percent_entries(protocol: MaVideoProtocol, entries: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """VBench entries (0..1, keyed by dimension) as reported metrics: short names, value and CI x scale."""
    scale, out = protocol.appearance_scale, {}
    for name, dim in protocol.appearance:
        entry = dict(entries[dim])
        if entry["value"] is not None:
            entry["value"] *= scale
            entry["ci95"] = [c * scale for c in entry["ci95"]]
        entry["note"] = f"{entry.get('note', 'VBench')}; {dim} x{scale:g} (percent scale, as the paper prints)"
        out[name] = entry
    return out


def _per_clip(protocol: MaVideoProtocol, rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    return {Path(r["video"]).stem: {name: r[dim] * protocol.appearance_scale for name, dim in protocol.appearance}
            for r in rows}


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
) -> dict[str, Any]:
    """Table-1 results dict (schema-valid): ma2d@mace motion on keypoints, VBench x100 on generated and GT videos."""
    data = load_pairs(protocol.motion, gt_dir, pred_dir, music_dir, pose, cache_dir)
    motion = score_keypoints(protocol.motion, data, method, n_boot, seed)
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
    scored = {**percent_entries(protocol, pred_entries), **motion["metrics"]}
    results = {
        **motion,
        "protocol": {**motion["protocol"], "id": protocol.id, "version": protocol.version,
                     "data_manifest_sha256": sha256_file(manifest) if manifest else motion["protocol"]["data_manifest_sha256"]},
        "metrics": {m.name: scored[m.name] for m in protocol.metrics},  # in table order
        "reference": {**percent_entries(protocol, gt_entries), **motion["reference"]},
        "per_item": per_item,
        "warnings": labels + motion["warnings"],
    }
    if labels:
        results["label"] = "; ".join(labels)
    validate(results)
    return results


def score_from_args(protocol: MaVideoProtocol, args: argparse.Namespace) -> dict[str, Any]:
    """Results for parsed command-line args (this CLI's; benchmark.evaluate can call it with the same names)."""
    gt, pred, music, manifest, label = args.gt, args.pred, args.music, None, None
    if getattr(args, "standin", False):
        standin = bundled_standin()
        gt, pred, music, manifest, label = (standin.test_set.video_dir, standin.generated_dir, standin.test_set.audio_dir,
                                            standin.test_set.manifest, standin.label)
    elif getattr(args, "ma_data", None) is not None:
        test_set = load_ma_data_test(args.ma_data, protocol.num_clips, protocol.clip_seconds)
        gt, music, manifest = test_set.video_dir, music or test_set.audio_dir, test_set.manifest
    if pred is None:
        raise ValueError("--pred (folder of generated <clip id>.mp4) is required unless --standin")
    pose = pose_source(args.pose_estimator or protocol.pose_estimator, args.vitpose_checkpoint, args.vitpose_detector)
    metrics = appearance_metrics(protocol, parse_weights(args.weights), args.device, args.random_init)
    method = {"name": args.method_name, "version": "external", "checkpoint_sha256": None, "config": {}}
    return score_ma_video(protocol, gt, pred, music, pose, metrics, args.keypoint_cache, method, args.bootstrap,
                          args.seed, args.random_init, label, manifest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmark.ma_video_scoring",
        description="Score generated dance videos under ma_video@mace (MACE-Dance Table 1). "
        "See docs/protocols/ma_video_at_mace.md.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--gt", type=Path, help="folder of GT <clip id>.mp4 (with their music as audio)")
    source.add_argument("--ma-data", type=Path, help="released MA-Data test root (test_manifest.parquet, videos/, audio/)")
    source.add_argument("--standin", action="store_true", help="the bundled stand-in test set and its 'generated' clips")
    parser.add_argument("--pred", type=Path, help="folder of generated <clip id>.mp4")
    parser.add_argument("--music", type=Path, help="folder of <clip id>.wav/.ogg GT music (default: the GT videos' audio)")
    parser.add_argument("--weights", nargs="*", default=[], metavar="DIM=PATH",
                        help="backbone file per VBench dimension (else its environment variable or $MACE_BENCH_WEIGHTS)")
    parser.add_argument("--random-init", action="store_true", help="random appearance backbones: a wiring check, not a score")
    parser.add_argument("--device", default="cpu", help="device of the appearance backbones")
    parser.add_argument("--pose-estimator", choices=ESTIMATORS,
                        help="pose model (default vitpose, as published; mediapipe is labelled not comparable)")
    parser.add_argument("--vitpose-checkpoint", type=Path, help="easy_ViTPose vitpose-s-coco_25.pth")
    parser.add_argument("--vitpose-detector", type=Path, help="YOLOv8 .onnx person detector for ViTPose")
    parser.add_argument("--keypoint-cache", type=Path, default=DEFAULT_KEYPOINT_CACHE, help="per-video keypoint JSONs")
    parser.add_argument("--method-name", default="external", help="name recorded in the results")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for CIs")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.add_argument("--out", type=Path, default=Path("results.json"), help="results JSON path")
    parser.add_argument("--report", type=Path, help="folder for report.md, report.html and frame thumbnails")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        results = score_from_args(MA_VIDEO_MACE, args)
        write_results(results, args.out)
        if args.report is not None:
            write_report(results, args.report)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(format_table(results))
    print(f"wrote {args.out}" + (f" and {args.report}/report.md, report.html" if args.report else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
