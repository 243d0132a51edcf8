"""Benchmark: coco_25 keypoint extraction on CPU (frames/s) and the projected time for the MA-Data test set.

    .venv/bin/python bench/bench_keypoints.py [--frames 32 --repeats 3 --estimators mediapipe vitpose]

Frames are the first --frames of --video (default: the repo's stand-in footage, 640x360), optionally
downscaled (--max-side). ViTPose-S runs with the checkpoint given (--vitpose-checkpoint) or, without one,
with random weights of the same architecture (same cost), boxes from MediaPipe unless --vitpose-detector
names a YOLOv8 .onnx. Prints median frames/s and hours for --clips clips of --seconds s at --clip-fps.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from manifests.ma_video_test_set import STANDIN_SOURCE
from models.pose import PoseEstimator, load_pose_estimator, to_coco25
from models.pose.vitpose import VITPOSE_SIZES, ViTPose, ViTPoseNet
from models.video.io import read_frames

DEMO = STANDIN_SOURCE  # in the repo, so the bench runs from a fresh clone; --video for other footage
log = logging.getLogger("bench_keypoints")


def _frames(path: Path, count: int, max_side: int | None) -> np.ndarray:
    frames = read_frames(path, 0, count)
    if max_side is None or max(frames.shape[1:3]) <= max_side:
        return frames
    scale = max_side / max(frames.shape[1:3])
    size = (round(frames.shape[2] * scale), round(frames.shape[1] * scale))
    return np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames])


def _estimator(name: str, args: argparse.Namespace) -> tuple[PoseEstimator, str]:
    if name == "mediapipe":
        return load_pose_estimator("mediapipe"), "bundled BlazePose full"
    detector = str(args.vitpose_detector) if args.vitpose_detector else "mediapipe"
    if args.vitpose_checkpoint:
        return load_pose_estimator("vitpose", checkpoint=args.vitpose_checkpoint, detector=detector), "checkpoint"
    torch.manual_seed(0)
    net = ViTPoseNet(*VITPOSE_SIZES["s"], 25)
    return ViTPose(net=net, detector=detector), f"random ViTPose-S weights, {detector} boxes"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=DEMO)
    parser.add_argument("--frames", type=int, default=32)
    parser.add_argument("--max-side", type=int, help="downscale frames so the long side is at most this")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--estimators", nargs="+", default=["mediapipe", "vitpose"], choices=["mediapipe", "vitpose"])
    parser.add_argument("--vitpose-checkpoint", type=Path)
    parser.add_argument("--vitpose-detector", type=Path)
    parser.add_argument("--clips", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clip-fps", type=float, default=30.0, help="frame rate of the clips to project for")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    frames = _frames(args.video, args.frames, args.max_side)
    log.info("%d frames %dx%d, torch threads %d", len(frames), frames.shape[2], frames.shape[1], torch.get_num_threads())
    total_frames = args.clips * args.seconds * args.clip_fps
    for name in args.estimators:
        estimator, note = _estimator(name, args)
        to_coco25(estimator.estimate(frames[:2]))  # warm-up
        rates = []
        for _ in tqdm(range(args.repeats), desc=name, leave=False):
            start = time.perf_counter()
            found = (to_coco25(estimator.estimate(frames))[..., 2] > 0).any(axis=1).sum()
            rates.append(len(frames) / (time.perf_counter() - start))
        fps = statistics.median(rates)
        print(f"{name:<10} {fps:7.2f} frames/s (median of {args.repeats}; {note}; person in {found}/{len(frames)} frames)"
              f" -> {total_frames / fps / 3600:.2f} h for {args.clips} x {args.seconds:g} s clips at {args.clip_fps:g} fps"
              f" ({total_frames:.0f} frames)")
        getattr(estimator, "close", lambda: None)()
    return 0


if __name__ == "__main__":
    sys.exit(main())
