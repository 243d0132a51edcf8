"""`python -m benchmark.evaluate`: score existing outputs (GT vs pred) under one protocol.

The protocol's `kind` picks the scorer (`SCORERS`): 3D motion sets, 2D keypoints from videos, or
generated vs ground-truth videos (animation).
Prints a table with 95% bootstrap CIs and writes results JSON (schema in benchmark/schemas/).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from benchmark.animation_scoring import load_models, score_animation
from benchmark.cli import run_scoring
from benchmark.evaluation import BeatSource, score
from benchmark.keypoint_cache import PoseSource
from benchmark.keypoint_sets import list_inputs, load_pairs
from benchmark.metrics.motion2d.scoring import score_keypoints
from benchmark.motion_sets import load_motion_set
from benchmark.protocols.registry import PROTOCOLS, ProtocolBase, get_protocol
from models.files import sha256_file
from models.pose import load_pose_estimator

log = logging.getLogger("benchmark.evaluate")

DEFAULT_KEYPOINT_CACHE = Path("outputs/keypoint_cache")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmark.evaluate",
        description="Score predicted dance motion against ground truth under a named protocol "
        "(bug-compatible '@<paper>' ids reproduce published numbers; '@v1' ids are corrected).",
    )
    parser.add_argument("--protocol", required=True, choices=sorted(PROTOCOLS), help="protocol id")
    parser.add_argument("--gt", required=True, type=Path,
                        help="3D: stacked joint positions .npy (N,T,J,3) or a folder of <id>.npy "
                        "(FineDance 315/319/139, EDGE 151) / <id>.pkl (AIST++) / <id>.bvh; "
                        "2D (ma2d@*): a folder of videos or of easy_ViTPose keypoint <stem>.json")
    parser.add_argument("--pred", required=True, type=Path, help="predictions, same forms as --gt")
    parser.add_argument("--gt-reference", type=Path,
                        help="3D: set whose statistics normalise features and anchor FID "
                        "(papers: the whole dataset); default: --gt")
    beats = parser.add_mutually_exclusive_group()
    beats.add_argument("--music", type=Path,
                       help="folder of <id>.wav/.ogg/.mp3 music (2D: GT audio or videos by stem; default: "
                       "the GT videos' own audio); beats by the protocol's pipeline")
    beats.add_argument("--gt-beats", type=Path, help="3D: music beats of GT sequences: one-hot (N,T) .npy")
    parser.add_argument("--pred-beats", type=Path, help="3D: music beats of pred sequences: one-hot (N,T) .npy")
    parser.add_argument("--fps", type=float, help="3D: frame rate of stacked positions (folders carry theirs)")
    pose = parser.add_argument_group("2D keypoints from videos (ma2d@*)")
    pose.add_argument("--pose-estimator", choices=("vitpose", "mediapipe"),
                      help="pose model (default: the protocol's; ma2d@mace: vitpose, as published)")
    pose.add_argument("--vitpose-checkpoint", type=Path, help="easy_ViTPose vitpose-s-coco_25.pth")
    pose.add_argument("--vitpose-detector", type=Path, help="YOLOv8 .onnx person detector for ViTPose")
    pose.add_argument("--keypoint-cache", type=Path, default=DEFAULT_KEYPOINT_CACHE,
                      help="folder of per-video keypoint JSONs (reruns skip extraction)")
    video = parser.add_argument_group("generated vs ground-truth videos (animation@*)")
    video.add_argument("--i3d", type=Path, help="StyleGAN-V i3d_torchscript.pt for FVD (or $MACE_BENCH_I3D)")
    video.add_argument("--lpips-backbone", type=Path,
                       help="torchvision ImageNet weights of the protocol's LPIPS net: alexnet-owt-7be5be79.pth "
                       "or vgg16-397923af.pth (or $MACE_BENCH_ALEXNET / $MACE_BENCH_VGG16)")
    video.add_argument("--skip", nargs="+", choices=("fvd", "lpips"),
                       help="leave these metrics out (when their weights are unavailable)")
    parser.add_argument("--method-name", default="external", help="name recorded in the results")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for CIs")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    parser.add_argument("--out", type=Path, default=Path("results.json"), help="results JSON path")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def _method(args: argparse.Namespace) -> dict:
    return {"name": args.method_name, "version": "external", "checkpoint_sha256": None, "config": {}}


def _reject(args: argparse.Namespace, protocol: ProtocolBase, options: tuple[str, ...]) -> None:
    """ValueError when options of another protocol kind were given."""
    given = [f"--{o.replace('_', '-')}" for o in options if getattr(args, o) is not None]
    if given:
        raise ValueError(f"{', '.join(given)} not used by {protocol.kind} protocols ({protocol.id})")


_VIDEO_OPTIONS = ("i3d", "lpips_backbone", "skip")
_POSE_OPTIONS = ("pose_estimator", "vitpose_checkpoint", "vitpose_detector")
_MOTION3D_OPTIONS = ("gt_reference", "gt_beats", "pred_beats", "fps")


def _score_motion3d(protocol: ProtocolBase, args: argparse.Namespace) -> dict:
    _reject(args, protocol, (*_POSE_OPTIONS, *_VIDEO_OPTIONS))
    gt = load_motion_set(args.gt, args.fps, "GT")
    pred = load_motion_set(args.pred, args.fps, "pred")
    reference = load_motion_set(args.gt_reference, args.fps, "GT reference") if args.gt_reference else None
    return score(
        protocol, gt, pred, reference, BeatSource.from_args(args.music, args.gt_beats, args.pred_beats),
        method=_method(args), n_boot=args.bootstrap, seed=args.seed,
    )


def _pose_source(name: str, args: argparse.Namespace) -> PoseSource:
    """The pose model for videos, keyed for the cache by model and weight hashes; built only on a cache miss."""
    has_videos = list_inputs(args.gt, "GT").videos or list_inputs(args.pred, "pred").videos
    if name != "vitpose" or not has_videos:
        return PoseSource(name, lambda: load_pose_estimator(name))
    if args.vitpose_checkpoint is None or args.vitpose_detector is None:
        raise ValueError("videos under ViTPose need --vitpose-checkpoint and --vitpose-detector "
                         "(or --pose-estimator mediapipe, not comparable to published numbers)")
    checkpoint, detector = args.vitpose_checkpoint, args.vitpose_detector
    key = f"vitpose-{sha256_file(checkpoint)[:12]}-yolo-{sha256_file(detector)[:12]}"
    return PoseSource(key, lambda: load_pose_estimator(name, checkpoint=checkpoint, detector=str(detector)))


def _score_motion2d(protocol: ProtocolBase, args: argparse.Namespace) -> dict:
    _reject(args, protocol, (*_MOTION3D_OPTIONS, *_VIDEO_OPTIONS))
    name = args.pose_estimator or protocol.pose_estimator
    pose = _pose_source(name, args)
    data = load_pairs(protocol, args.gt, args.pred, args.music, pose, args.keypoint_cache)
    if data.pose_estimator is not None and name != protocol.pose_estimator:
        log.warning("%s: keypoints from %s, not the protocol's %s", protocol.id, name, protocol.pose_estimator)
    return score_keypoints(protocol, data, _method(args), n_boot=args.bootstrap, seed=args.seed)


def _score_animation(protocol: ProtocolBase, args: argparse.Namespace) -> dict:
    _reject(args, protocol, (*_MOTION3D_OPTIONS, *_POSE_OPTIONS, "music"))
    models = load_models(protocol, args.lpips_backbone, args.i3d, args.skip or [])
    return score_animation(protocol, args.gt, args.pred, **models, method=_method(args), n_boot=args.bootstrap, seed=args.seed)


# The full video protocol needs a test set, appearance weights and a report folder: its own CLI.
OTHER_SCORERS = {"ma_video": "benchmark.ma_video_scoring"}

# protocol.kind -> scorer(protocol, parsed args) -> results dict; a new family adds one entry.
SCORERS: dict[str, Callable[[ProtocolBase, argparse.Namespace], dict]] = {
    "motion3d": _score_motion3d,
    "motion2d": _score_motion2d,
    "animation": _score_animation,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    if (args.gt_beats is None) != (args.pred_beats is None):
        print("error: --gt-beats and --pred-beats go together", file=sys.stderr)
        return 2
    protocol = get_protocol(args.protocol)
    if protocol.kind not in SCORERS:
        print(f"error: {protocol.id} ({protocol.kind}) is scored by `python -m {OTHER_SCORERS[protocol.kind]}`",
              file=sys.stderr)
        return 2
    return run_scoring(lambda: SCORERS[protocol.kind](protocol, args), args.out)


if __name__ == "__main__":
    sys.exit(main())
