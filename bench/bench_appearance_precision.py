"""Benchmark: how far half precision moves each VBench appearance dimension from float32, on the same clips.

    .venv/bin/python bench/bench_appearance_precision.py [--clips 3 --frames 5 --height 360 --width 640 --device cpu]

Cuts `--clips` clips of `--frames` consecutive frames from real footage (--video, default the stand-in's source,
resized to --height x --width), scores each with every dimension's real-size backbone in float32 and again
under each half variant (the same weights: `precision` only wraps the forward pass), and prints per dimension
the largest absolute difference of the per-frame values and of the video means, over all clips. On CPU half is
autocast bfloat16 (CPU autocast has no float16); on CUDA it is float16, with a bfloat16 row as well and a
`reference` row (VBench's own precision: CLIP in float16 weights, as clip.load does). Backbones whose weight file
is absent run with random weights (labelled so): the figures then say how the arithmetic moves on real footage,
not how the released networks do. On a GPU, give the ma_video@mace clip length: --frames 80 --height 1280 --width 720.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_appearance import DEMO, build, clip_frames, has_model  # noqa: E402
from benchmark.metrics.appearance import APPEARANCE_METRICS  # noqa: E402
from benchmark.metrics.appearance.precision import Precision, half_dtype  # noqa: E402
from models.video.io import probe_video  # noqa: E402

SEED = 0  # the same random weights for every variant of a backbone


def variants(device: str) -> list[str]:
    """The variants compared with float32: half (and, on CUDA, half in bfloat16 and VBench's reference)."""
    return ["half", "bfloat16", "reference"] if torch.device(device).type == "cuda" else ["half"]


def scored(name: str, variant: str, clips: list[np.ndarray], device: str, random_init: bool
           ) -> tuple[list[np.ndarray], str, str, float]:  # fmt: skip
    """(per-clip values, weights label, how the backbone computed, seconds scoring) of `name` under `variant`: a
    precision choice, or "bfloat16" (half with bfloat16 autocast, for CUDA where half means float16)."""
    torch.manual_seed(SEED)
    metric, source = build(name, random_init, device, precision="half" if variant == "bfloat16" else variant)
    if variant == "bfloat16" and has_model(metric):
        metric = dataclasses.replace(metric, precision=Precision("half", "backbone autocast bfloat16",
                                                                 torch.device(device).type, torch.bfloat16))
    start = time.perf_counter()
    values = [metric.score_video(frames) for frames in clips]
    return values, source, str(metric.precision), time.perf_counter() - start


def footage(video: Path, clips: int, frames: int, height: int, width: int) -> list[np.ndarray]:
    """`clips` clips of `frames` consecutive frames, spread evenly over the footage, each height x width."""
    total = probe_video(video).num_frames
    starts = np.linspace(0, max(total - frames, 0), clips).astype(int)
    return [clip_frames(frames, height, width, video, start=int(s)) for s in starts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=3)
    parser.add_argument("--frames", type=int, default=5, help="frames per clip (AMT-S needs 3)")
    parser.add_argument("--height", type=int, default=360, help="clip height (the stand-in footage is 640x360)")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--video", type=Path, default=DEMO, help="footage the clips are cut from")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dimensions", nargs="+", default=list(APPEARANCE_METRICS), choices=list(APPEARANCE_METRICS))
    parser.add_argument("--random-init", action="store_true", help="random weights even where real ones resolve")
    args = parser.parse_args()

    clips = footage(args.video, args.clips, args.frames, args.height, args.width)
    print(f"{args.clips} clips x {args.frames} frames at {args.height}x{args.width} from {args.video.name}; "
          f"torch {torch.__version__}, {args.device} (half = autocast {str(half_dtype(torch.device(args.device).type))[6:]})")
    header = (f"{'dimension':<24} {'weights':<24} {'compared with float32':<58} {'max |d| frame':>13} "
              f"{'max |d| video':>13} {'s':>6} {'s fp32':>6}")
    print(header + "\n" + "-" * len(header))
    for name in args.dimensions:
        reference, source, _, float32_s = scored(name, "float32", clips, args.device, args.random_init)
        for variant in variants(args.device):
            values, _, computes, seconds = scored(name, variant, clips, args.device, args.random_init)
            frame = max(float(np.abs(v - r).max()) for v, r in zip(values, reference))
            video = max(abs(float(v.mean() - r.mean())) for v, r in zip(values, reference))
            print(f"{name:<24} {source:<24} {computes:<58} {frame:>13.2e} {video:>13.2e} {seconds:>6.1f} {float32_s:>6.1f}", flush=True)
    print(f"max |d|: largest absolute difference from float32 over {args.clips} clips, per frame value and per video "
          f"mean (the dimensions' 0..1 scale; x100 for the paper's table); random-init rows: how the arithmetic moves "
          f"on real footage with random weights, not the released networks' figures")


if __name__ == "__main__":
    main()
