"""`python -m benchmark.evaluate`: score existing outputs (GT vs pred) under one protocol.

The protocol's `kind` picks the scorer (`SCORERS`, one per `benchmark/pipelines/<kind>.py`): 3D motion
sets, 2D keypoints from videos, generated vs ground-truth videos (animation), or the full video
protocol (ma_video: VBench appearance + 2D motion, with an optional report).
Prints a table with 95% bootstrap CIs and writes results JSON (schema in benchmark/schemas/).

Exit codes (docs/errors.md): 0 when the results were written, also when some metric could not be computed
(3D: its entry is "not computed: <reason>" with a null value and a warning in the table and JSON; the others
are kept); 1 for bad input (a one-line error naming the file; nothing written) or when no metric could be
computed; 2 for bad command-line usage. Flags, output paths and the device are checked first, then that every
input path exists, all before any model loads or video decodes. A GT/pred stem whose video is unusable (empty,
truncated, outside the frame or decode limits) is dropped with a warning under the published `@mace`
protocols and stops the run under `@v1`; too few usable stems is one error naming the first bad file.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from collections.abc import Callable
from pathlib import Path

from benchmark.cli import parse_weights, run_scoring
from benchmark.inputs.baseline_outputs import PRED_FORMATS, load_output_set
from benchmark.inputs.beat_cache import DEFAULT_BEAT_CACHE
from benchmark.inputs.keypoint_cache import PoseSource, pose_source
from benchmark.inputs.keypoint_sets import list_inputs, load_pairs
from benchmark.inputs.motion_sets import load_motion_set
from benchmark.inputs.standin import bundled_standin
from benchmark.inputs.test_set import load_ma_data_test
from benchmark.metrics.appearance import PRECISION_HELP, PRECISIONS
from benchmark.pipelines.animation import load_models, score_animation
from benchmark.pipelines.appearance import check_weight_files
from benchmark.pipelines.ma_video import appearance_metrics, check_video_pairs, score_ma_video
from benchmark.pipelines.motion2d import score_motion2d
from benchmark.pipelines.motion3d import BeatSource, score_motion3d
from benchmark.protocols.registry import PROTOCOLS, ProtocolBase, get_protocol
from benchmark.reports.ma_video import write_report
from models.body.skeleton_map import shipped_map_names, skeleton_map
from models.pose import ESTIMATORS, load_pose_estimator
from models.command_line import (
    ArgumentParser,
    InputError,
    UsageError,
    command,
    nonnegative_int,
    positive_float,
    positive_int,
    reject_unused,
    require_device,
    require_dir,
    require_file,
    require_writable,
)

log = logging.getLogger("benchmark.evaluate")

DEFAULT_KEYPOINT_CACHE = Path("outputs/keypoint_cache")


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="python -m benchmark.evaluate",
        description="Score predicted dance motion against ground truth under a named protocol "
        "(bug-compatible '@<paper>' ids reproduce published numbers; '@v1' ids are corrected).",
    )
    parser.add_argument("--protocol", required=True, choices=sorted(PROTOCOLS), help="protocol id")
    parser.add_argument("--gt", type=Path,
                        help="3D: stacked joint positions .npy (N,T,J,3) or a folder of <id>.npy "
                        "(FineDance 315/319/139, EDGE 151) / <id>.pkl (AIST++) / <id>.bvh (any rig) / <id>.npz|.csv "
                        "(named joint positions, any rig: see --skeleton-map); "
                        "2D (ma2d@*): a folder of videos or of easy_ViTPose keypoint <stem>.json; "
                        "videos (animation@*, ma_video@*): a folder of <clip id>.mp4")
    parser.add_argument("--pred", type=Path, help="predictions, same forms as --gt")
    parser.add_argument("--pred-format", choices=PRED_FORMATS,
                        help="3D: --pred is a folder of a baseline's released output files: edge (.pkl), bailando "
                        "(.pkl / .pkl.npy positions), lodge (FineDance .npy), fact (mint (T,225) .npy), aist "
                        "(AIST++ .pkl), or auto (detected, with a message); see docs/baseline_outputs.md")
    parser.add_argument("--gt-reference", type=Path,
                        help="3D: set whose statistics normalise features and anchor FID "
                        "(papers: the whole dataset); default: --gt")
    beats = parser.add_mutually_exclusive_group()
    beats.add_argument("--music", type=Path,
                       help="folder of <id>.wav/.ogg/.mp3 music (2D: GT audio or videos by stem; default: "
                       "the GT videos' own audio); beats by the protocol's pipeline")
    beats.add_argument("--gt-beats", type=Path, help="3D: music beats of GT sequences: one-hot (N,T) .npy")
    parser.add_argument("--pred-beats", type=Path, help="3D: music beats of pred sequences: one-hot (N,T) .npy")
    parser.add_argument("--beat-cache", type=Path,
                        help=f"3D: folder caching music beats by audio content and pipeline (default {DEFAULT_BEAT_CACHE})")
    parser.add_argument("--fps", type=positive_float, help="3D: frame rate of stacked positions (folders carry theirs)")
    parser.add_argument("--robust-ground", action="store_true",
                        help="3D corrected protocols: FSR contact heights above each sequence's floor estimate instead of "
                        "LODGE's frame-0 toe height (a dance that starts in the air is grounded wrong); compat keeps LODGE's")
    parser.add_argument("--skeleton-map", metavar="NAME|FILE.yaml",
                        help="3D: joint map of .bvh / named-positions .npz/.csv files on another rig onto SMPL-24: "
                        f"a shipped map ({', '.join(shipped_map_names())}) or a YAML file "
                        "(format: models/body/skeleton_map.py); default: the shipped map the joint names fit")
    pose = parser.add_argument_group("2D keypoints from videos (ma2d@*, ma_video@*)")
    pose.add_argument("--pose-estimator", choices=ESTIMATORS,
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
    full = parser.add_argument_group("full video protocol (ma_video@*)")
    test_set = full.add_mutually_exclusive_group()
    test_set.add_argument("--ma-data", type=Path, help="released MA-Data test root (test_manifest.parquet, videos/, audio/)")
    test_set.add_argument("--standin", action="store_true", default=None, help="the bundled stand-in test set and its 'generated' clips")
    full.add_argument("--weights", nargs="*", metavar="DIM=PATH",
                      help="backbone file per VBench dimension (else its environment variable or $MACE_BENCH_WEIGHTS)")
    full.add_argument("--random-init", action="store_true", default=None, help="random appearance backbones: a wiring check, not a score")
    full.add_argument("--device", help="device of the appearance backbones (default cpu)")
    full.add_argument("--precision", choices=PRECISIONS, help=PRECISION_HELP)
    full.add_argument("--report", type=Path, help="folder for report.md, report.html and frame thumbnails")
    parser.add_argument("--method-name", default="external", help="name recorded in the results")
    parser.add_argument("--bootstrap", type=positive_int, default=1000, help="bootstrap resamples for CIs")
    parser.add_argument("--seed", type=nonnegative_int, default=0, help="bootstrap seed")
    parser.add_argument("--out", type=Path, default=Path("results.json"), help="results JSON path")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def _method(args: argparse.Namespace) -> dict:
    return {"name": args.method_name, "version": "external", "checkpoint_sha256": None, "config": {}}


_VIDEO_OPTIONS = ("i3d", "lpips_backbone", "skip")
_POSE_OPTIONS = ("pose_estimator", "vitpose_checkpoint", "vitpose_detector")
_MOTION3D_OPTIONS = ("gt_reference", "gt_beats", "pred_beats", "fps", "skeleton_map", "pred_format", "beat_cache")
_MA_VIDEO_OPTIONS = ("ma_data", "standin", "weights", "random_init", "device", "precision", "report")

# protocol.kind -> the options of the other kinds, which it refuses
_UNUSED = {
    "motion3d": (*_POSE_OPTIONS, *_VIDEO_OPTIONS, *_MA_VIDEO_OPTIONS),
    "motion2d": (*_MOTION3D_OPTIONS, *_VIDEO_OPTIONS, *_MA_VIDEO_OPTIONS),
    "animation": (*_MOTION3D_OPTIONS, *_POSE_OPTIONS, *_MA_VIDEO_OPTIONS, "music"),
    "ma_video": (*_MOTION3D_OPTIONS, *_VIDEO_OPTIONS),
}


def check_usage(protocol: ProtocolBase, args: argparse.Namespace) -> None:
    """UsageError for flags that do not go with each other or with the protocol, an unwritable --out or
    --report, or a device this machine lacks: all before any input is read."""
    if (args.gt_beats is None) != (args.pred_beats is None):
        raise UsageError("--gt-beats and --pred-beats go together: give both or neither")
    reject_unused(args, _UNUSED[protocol.kind], f"not used by {protocol.kind} protocols ({protocol.id})")
    if args.robust_ground and protocol.compat_with != "corrected":
        raise UsageError(f"--robust-ground changes FSR; {protocol.id} reproduces LODGE's frame-0 ground (use a @v1 protocol)")
    if protocol.kind != "ma_video":
        missing = [flag for flag, value in (("--gt", args.gt), ("--pred", args.pred)) if value is None]
        if missing:
            raise UsageError(f"{' and '.join(missing)}: required by {protocol.id}")
    elif not args.standin and (args.pred is None or (args.gt is None and args.ma_data is None)):
        raise UsageError(f"{protocol.id}: --pred (folder of generated <clip id>.mp4) and one of --gt, --ma-data "
                         "are required (or --standin)")
    require_writable(args.out, "--out")
    if args.report is not None:
        require_writable(args.report, "--report", folder=True)
    if args.device is not None:
        require_device(args.device)


def _require_path(path: Path | None, flag: str) -> None:
    """InputError unless `path` (a file or folder, when given) exists."""
    if path is not None and not Path(path).exists():
        raise InputError(path, f"no such file or folder ({flag})")


def check_inputs(protocol: ProtocolBase, args: argparse.Namespace) -> None:
    """InputError naming the first input path the protocol reads that is missing or of the wrong kind."""
    folders = {"--music": args.music, "--ma-data": args.ma_data}
    files = {"--gt-beats": args.gt_beats, "--pred-beats": args.pred_beats, "--i3d": args.i3d,
             "--lpips-backbone": args.lpips_backbone, "--vitpose-checkpoint": args.vitpose_checkpoint,
             "--vitpose-detector": args.vitpose_detector}
    if protocol.kind == "motion3d":  # a stacked .npy or a folder of motion files
        for flag, path in (("--gt", args.gt), ("--pred", args.pred), ("--gt-reference", args.gt_reference)):
            _require_path(path, flag)
    else:
        folders.update({"--gt": args.gt, "--pred": args.pred})
    for flag, path in folders.items():
        if path is not None:
            require_dir(path, flag)
    for flag, path in files.items():
        if path is not None:
            require_file(path, flag)


def _score_motion3d(protocol: ProtocolBase, args: argparse.Namespace) -> dict:
    mapping = skeleton_map(args.skeleton_map) if args.skeleton_map else None
    gt = load_motion_set(args.gt, args.fps, "GT", mapping)
    if args.pred_format is not None:
        pred = load_output_set(args.pred, args.pred_format, "pred")
    else:
        pred = load_motion_set(args.pred, args.fps, "pred", mapping)
    reference = load_motion_set(args.gt_reference, args.fps, "GT reference", mapping) if args.gt_reference else None
    beats = BeatSource.from_args(args.music, args.gt_beats, args.pred_beats, args.beat_cache or DEFAULT_BEAT_CACHE)
    if args.robust_ground:
        protocol = replace(protocol, robust_ground=True)
    return score_motion3d(protocol, gt, pred, reference, beats, method=_method(args), n_boot=args.bootstrap, seed=args.seed)


def _pose_source(name: str, args: argparse.Namespace) -> PoseSource:
    """The pose model for videos (weights checked only when some input is a video: JSONs need no model)."""
    has_videos = list_inputs(args.gt, "GT").videos or list_inputs(args.pred, "pred").videos
    if name == "vitpose" and not has_videos:
        return PoseSource(name, lambda: load_pose_estimator(name))
    return pose_source(name, args.vitpose_checkpoint, args.vitpose_detector)


def _score_motion2d(protocol: ProtocolBase, args: argparse.Namespace) -> dict:
    name = args.pose_estimator or protocol.pose_estimator
    pose = _pose_source(name, args)
    data = load_pairs(protocol, args.gt, args.pred, args.music, pose, args.keypoint_cache)
    if data.pose_estimator is not None and name != protocol.pose_estimator:
        log.warning("%s: keypoints from %s, not the protocol's %s", protocol.id, name, protocol.pose_estimator)
    return score_motion2d(protocol, data, _method(args), n_boot=args.bootstrap, seed=args.seed)


def _score_animation(protocol: ProtocolBase, args: argparse.Namespace) -> dict:
    models = load_models(protocol, args.lpips_backbone, args.i3d, args.skip or [])
    return score_animation(protocol, args.gt, args.pred, **models, method=_method(args), n_boot=args.bootstrap, seed=args.seed)


def _score_ma_video(protocol: ProtocolBase, args: argparse.Namespace) -> dict:
    gt, pred, music, manifest, label = args.gt, args.pred, args.music, None, None
    weights = check_weight_files(parse_weights(args.weights or []), [dim for _, dim in protocol.appearance])
    if args.standin:
        standin = bundled_standin()
        gt, pred, music, manifest, label = (standin.test_set.video_dir, pred or standin.generated_dir,
                                            standin.test_set.audio_dir, standin.test_set.manifest, standin.label)
    elif args.ma_data is not None:
        test_set = load_ma_data_test(args.ma_data, protocol.num_clips, protocol.clip_seconds)
        gt, music, manifest = test_set.video_dir, music or test_set.audio_dir, test_set.manifest
    pose = pose_source(args.pose_estimator or protocol.pose_estimator, args.vitpose_checkpoint, args.vitpose_detector)
    check_video_pairs(gt, pred)  # broken videos fail here, before the appearance backbones load
    metrics = appearance_metrics(protocol, weights, args.device or "cpu", bool(args.random_init), args.precision or "reference")
    return score_ma_video(protocol, gt, pred, music, pose, metrics, args.keypoint_cache, _method(args), args.bootstrap,
                          args.seed, bool(args.random_init), label, manifest)


# protocol.kind -> scorer(protocol, parsed args) -> results dict; a new family adds one entry.
SCORERS: dict[str, Callable[[ProtocolBase, argparse.Namespace], dict]] = {
    "motion3d": _score_motion3d,
    "motion2d": _score_motion2d,
    "animation": _score_animation,
    "ma_video": _score_ma_video,
}


@command
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    protocol = get_protocol(args.protocol)
    check_usage(protocol, args)
    check_inputs(protocol, args)
    report = (lambda results: write_report(results, args.report)) if args.report is not None else None
    return run_scoring(lambda: SCORERS[protocol.kind](protocol, args), args.out, report)


if __name__ == "__main__":
    sys.exit(main())
