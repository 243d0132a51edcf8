"""The music -> dance video path of `python -m benchmark.run` (video protocols, `ma_video@*`).

For each test item (the bundled stand-in by default, `--data` an MA-Data test root, or `--music DIR` of
songs): music -> motion method -> appearance renderer -> H.264 + AAC video -> 2D keypoints -> scores,
written as one results JSON beside `<results stem>_videos/` and `<results stem>_report/report.html`.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from benchmark.cli import method_options, parse_weights
from benchmark.inputs.keypoint_cache import pose_source
from benchmark.inputs.video_items import VideoTestSet, ma_data_set, music_folder_set, standin_set
from benchmark.methods import create_method
from benchmark.pipelines.dance_video import (
    ScoringInputs,
    StageClock,
    composed_method,
    generate_videos,
    score_generated,
    video_timing,
)
from benchmark.metrics.appearance import PRECISION_HELP, PRECISIONS
from benchmark.pipelines.ma_video import available_appearance_metrics
from benchmark.protocols.ma_video import MaVideoProtocol
from benchmark.renderers import RenderSettings, available_renderers, create_renderer
from models.command_line import UsageError, positive_float, positive_int, require_dir, require_file
from models.files import restored_on_failure
from models.pose import ESTIMATORS

log = logging.getLogger("benchmark.run")

DEFAULT_POSE = "mediapipe"  # the published ViTPose needs weight files; results are labelled not comparable
DEFAULT_SIZE = "288x512"  # portrait 9:16, small enough for CPUs (mannequin; Wan renderers use their own)
VIDEO_OPTIONS = ("appearance", "seconds", "music", "image", "wan_weights", "adapter", "lora", "weights", "random_init",
                 "precision", "device", "pose_estimator", "vitpose_checkpoint", "vitpose_detector", "size", "limit")  # fmt: skip


def add_video_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the video path (all default to None so other protocol kinds can reject them)."""
    group = parser.add_argument_group("music -> dance video (ma_video@* protocols)")
    group.add_argument("--appearance", choices=available_renderers(),
                       help="appearance renderer (default mannequin: the suite's body render, no learned weights)")
    group.add_argument("--seconds", type=positive_float, help="dance length per item (default: the clip's / song's length; "
                       "shorter music is looped)")
    group.add_argument("--limit", type=positive_int, help="only the first N test items (a quick look; scoring needs 2)")
    group.add_argument("--music", type=Path, help="folder of your songs instead of the test set (no GT: motion "
                       "FID/DIV not computed)")
    group.add_argument("--image", type=Path, help="reference image of the dancer (default: each GT clip's first "
                       "frame; <song>.png beside a song wins)")
    group.add_argument("--wan-weights", type=Path, help="Wan2.2-Animate-14B diffusers folder (wan_animate, appearance_expert)")
    group.add_argument("--adapter", type=Path, help="MACE-Dance Adapter.safetensors (appearance_expert)")
    group.add_argument("--lora", type=Path, help="MACE-Dance LoRA.safetensors (appearance_expert)")
    group.add_argument("--weights", nargs="*", metavar="DIM=PATH",
                       help="VBench backbone file per dimension (else its environment variable or $MACE_BENCH_WEIGHTS); "
                       "missing ones are reported as not computed")
    group.add_argument("--random-init", action="store_true", default=None,
                       help="random VBench backbones: a wiring check, labelled so in every output")
    group.add_argument("--precision", choices=PRECISIONS, help=PRECISION_HELP)
    group.add_argument("--device", help="device of the renderer and backbones (default: cuda when available)")
    group.add_argument("--size", type=frame_size, help=f"mannequin frame WIDTHxHEIGHT, even (default {DEFAULT_SIZE})")
    group.add_argument("--pose-estimator", choices=ESTIMATORS, help=f"2D keypoints of the videos (default {DEFAULT_POSE})")
    group.add_argument("--vitpose-checkpoint", type=Path, help="easy_ViTPose vitpose-s-coco_25.pth (--pose-estimator vitpose)")
    group.add_argument("--vitpose-detector", type=Path, help="YOLOv8 .onnx person detector (--pose-estimator vitpose)")
    group.add_argument("--keypoint-cache", type=Path, default=Path("outputs/keypoint_cache"),
                       help="folder of per-video keypoint JSONs (reruns skip extraction)")


def reject_video_options(args: argparse.Namespace, protocol_id: str) -> None:
    """UsageError naming video-path options given to a protocol that generates no video."""
    given = [f"--{o.replace('_', '-')}" for o in VIDEO_OPTIONS if getattr(args, o) is not None]
    if given:
        raise UsageError(f"{', '.join(given)}: only apply to video protocols (ma_video@*), not {protocol_id}")


def output_paths(out: Path) -> tuple[Path, Path]:
    """(videos folder, report folder) beside the results JSON."""
    return out.parent / f"{out.stem}_videos", out.parent / f"{out.stem}_report"


def frame_size(text: str) -> tuple[int, int]:
    """argparse type of --size: WIDTHxHEIGHT, both positive and even (H.264)."""
    try:
        width, height = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from None
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise argparse.ArgumentTypeError(f"expected a positive, even WIDTHxHEIGHT (H.264), got {text!r}")
    return width, height


def _test_set(args: argparse.Namespace, protocol: MaVideoProtocol) -> VideoTestSet:
    test_set = _all_items(args, protocol)
    if args.limit is not None:
        test_set = replace(test_set, items=test_set.items[: args.limit])
    return test_set


def _all_items(args: argparse.Namespace, protocol: MaVideoProtocol) -> VideoTestSet:
    if args.music is not None and args.data is not None:
        raise UsageError("--music, --data: exclude each other (your songs, or a test set)")
    if args.seconds is not None and args.seconds < 1.0:
        raise UsageError(f"--seconds: must be at least 1, got {args.seconds:g}")
    if args.music is not None:
        return music_folder_set(require_dir(args.music, "--music"), args.image, args.seconds)
    if args.data is not None:
        return ma_data_set(require_dir(args.data, "--data"), protocol.num_clips, protocol.clip_seconds, args.seconds)
    return standin_set(args.seconds)


def produce_video(args: argparse.Namespace, protocol: MaVideoProtocol, out: Path) -> dict[str, Any]:
    """Generate every item's video, score them, and return the results dict (videos under output_paths(out))."""
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    width, height = args.size or frame_size(DEFAULT_SIZE)
    appearance = args.appearance or "mannequin"
    if args.image is not None:
        require_file(args.image, "--image")
    weights = parse_weights(args.weights or [])
    test_set = _test_set(args, protocol)  # inputs, method, pose model and weights are checked before any generation
    method = create_method(args.method, **method_options(args))  # a checkpoint's header is checked first
    if method.needs_ground_truth:
        raise UsageError(f"--method {args.method}: replays GT motion, and these test items have none (the stand-in and "
                         "MA-Data hold GT videos, not 3D motion); score GT videos with python -m benchmark.evaluate")
    pose = pose_source(args.pose_estimator or DEFAULT_POSE, args.vitpose_checkpoint, args.vitpose_detector)
    metrics, missing = available_appearance_metrics(protocol, weights, device, bool(args.random_init),
                                                    args.precision or "reference")
    settings = RenderSettings(fps=protocol.fps, width=width, height=height, seed=args.seed, device=device,
                              wan_weights=args.wan_weights, adapter=args.adapter, lora=args.lora)  # fmt: skip
    renderer = create_renderer(appearance, settings)
    clock = StageClock()
    videos, _ = output_paths(out)
    try:
        with restored_on_failure(videos):  # scoring fails -> the previous run's videos stay with its results
            generated = generate_videos(method, renderer, test_set, args.image, videos, protocol.fps, args.seed, clock)
            labels = [method.label, renderer.label, test_set.label]
            scoring = ScoringInputs(protocol, pose, metrics, missing, args.keypoint_cache, args.bootstrap, args.seed,
                                    bool(args.random_init), "; ".join(x for x in labels if x))  # fmt: skip
            results = score_generated(generated, test_set, scoring, composed_method(method, renderer), clock)
            results["timing"] = video_timing(clock, generated, method, renderer)
    finally:
        renderer.close()
    log.info("stage seconds: %s", results["timing"]["stage_seconds"])
    return results
