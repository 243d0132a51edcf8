"""Benchmark: frames per second of every registered VBench appearance dimension on this machine.

    .venv/bin/python bench/bench_appearance.py [--frames 16 --height 512 --width 512 --repeats 3]

Each dimension of benchmark.metrics.appearance.APPEARANCE_METRICS scores one clip of real footage
(demo.mp4 resized) `--repeats` times after a warm-up; the median time gives frames per second and the
projected time for `--clips` clips of `--seconds` s at `--fps`. A dimension whose weight file is absent
runs its real-size architecture with random weights (labelled so): speed depends on the architecture,
not on the weight values.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmark.metrics.appearance import APPEARANCE_METRICS, AppearanceMetric  # noqa: E402
from models.video.io import read_frames  # noqa: E402

DEMO = Path("/work/shared/assets/video/demo.mp4")


def clip_frames(count: int, height: int, width: int) -> np.ndarray:
    """`count` consecutive demo.mp4 frames resized to height x width (INTER_AREA), (T, H, W, 3) uint8."""
    frames = read_frames(DEMO, stop=count)
    return np.stack([cv2.resize(f, (width, height), interpolation=cv2.INTER_AREA) for f in frames])


def build(name: str, random_init: bool) -> tuple[AppearanceMetric, str]:
    """The dimension with its real weights when they resolve, else real-size random weights; and which."""
    if not random_init:
        try:
            metric = APPEARANCE_METRICS[name]()
        except FileNotFoundError:
            pass
        else:
            has_model = any(isinstance(v, torch.nn.Module) for v in vars(metric).values())
            return metric, "real weights" if has_model else "model-free"
    return APPEARANCE_METRICS[name](random_init=True), "random-init (real size)"


def time_metric(metric: AppearanceMetric, frames: np.ndarray, repeats: int) -> float:
    """Median seconds of score_video over `repeats` runs, after one warm-up on the first 3 frames."""
    metric.score_video(frames[:3])
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        metric.score_video(frames)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=16, help="frames in the timed clip")
    parser.add_argument("--height", type=int, default=512)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dimensions", nargs="+", default=list(APPEARANCE_METRICS), choices=list(APPEARANCE_METRICS))
    parser.add_argument("--random-init", action="store_true", help="random weights even where real ones resolve")
    parser.add_argument("--clips", type=int, default=200, help="clips in the projected test set")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per projected clip")
    parser.add_argument("--fps", type=float, default=30.0, help="frame rate of the projected clips")
    args = parser.parse_args()

    frames = clip_frames(args.frames, args.height, args.width)
    total_frames = args.clips * args.seconds * args.fps
    print(f"clip: {args.frames} frames {args.height}x{args.width}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; median of {args.repeats}")
    header = f"{'dimension':<24} {'backbone':<24} {'s/clip':>8} {'fps':>8} {f'{args.clips} clips (h)':>15}"
    print(header + "\n" + "-" * len(header))
    total_hours = 0.0
    for name in args.dimensions:
        metric, source = build(name, args.random_init)
        seconds = time_metric(metric, frames, args.repeats)
        fps = args.frames / seconds
        hours = total_frames / fps / 3600
        total_hours += hours
        print(f"{name:<24} {source:<24} {seconds:>8.3f} {fps:>8.2f} {hours:>15.2f}", flush=True)
    print(f"all dimensions: {total_hours:.2f} h for {args.clips} x {args.seconds:g} s clips at {args.fps:g} fps "
          f"({total_frames:.0f} frames)")


if __name__ == "__main__":
    main()
