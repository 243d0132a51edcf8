"""Benchmark: frames per second of every registered VBench appearance dimension and the keypoint network.

    .venv/bin/python bench/bench_appearance.py [--frames 16 --height 1280 --width 720 --repeats 3 --device cpu]

Each backbone is timed at the reference's own input resolution for a --height x --width video: the frames
(real footage, --video resized) are given at the size the reference resizes them to before the network
(VBench's clip_transform 224x224 for CLIP ViT-B/32 and ViT-L/14, dino_transform short side 224 for DINO,
longer side <= 512 for MUSIQ, the video's own size for AMT-S -- VBench never downscales it when memory allows
-- and for temporal flickering, easy_ViTPose's 256x192 person crop for the keypoints). Each scores one clip
`--repeats` times after a warm-up; the median time gives frames per second and the projected time for
`--clips` clips of `--seconds` s at `--fps` (default: the ma_video@mace test set). A backbone whose weight
file is absent runs its real-size architecture with random weights (labelled so): speed depends on the
architecture, not on the weight values. The keypoints row is ViTPose-S's network on one dancer's crop per
frame, 8 frames per forward (person detection and heatmap decoding excluded).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmark.metrics.appearance import APPEARANCE_METRICS, PRECISIONS, AppearanceMetric  # noqa: E402
from benchmark.metrics.appearance.base import Aggregate  # noqa: E402
from benchmark.metrics.appearance.frames import clip_pixels, dino_pixels  # noqa: E402
from benchmark.metrics.appearance.imaging_quality import resize_longer_side  # noqa: E402
from benchmark.protocols.ma_video import MA_VIDEO_MACE  # noqa: E402
from manifests.ma_video_test_set import STANDIN_SOURCE  # noqa: E402
from models.appearance_expert.config import RenderConfig  # noqa: E402
from models.pose.vitpose import INPUT_WH, VITPOSE_SIZES, ViTPoseNet  # noqa: E402
from models.video.io import read_frames  # noqa: E402

DEMO = STANDIN_SOURCE  # in the repo: the bench runs from a fresh clone (frames are resized to VIDEO_SIZE)
BACKBONES = (*APPEARANCE_METRICS, "keypoints")
VIDEO_SIZE = (RenderConfig().height, RenderConfig().width)  # (H, W) of the videos the suite renders


@dataclass
class PoseNetwork:
    """ViTPose's network on one person crop per frame, `batch` frames per forward: the keypoints' backbone cost."""

    net: ViTPoseNet
    batch: int = 8
    name: str = "keypoints"
    aggregate: Aggregate = "videos"

    @torch.inference_mode()
    def score_video(self, frames: np.ndarray) -> np.ndarray:
        """Each frame's peak heatmap value (frames already at the 256x192 crop size)."""
        device = next(self.net.parameters()).device
        crops = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 255.0
        peaks = [self.net(crops[s : s + self.batch].to(device)).float().amax(dim=(1, 2, 3)).cpu()
                 for s in range(0, len(crops), self.batch)]  # fmt: skip
        return torch.cat(peaks).double().numpy()


def clip_frames(count: int, height: int, width: int, video: Path = DEMO, start: int = 0) -> np.ndarray:
    """`count` consecutive frames of `video` from frame `start`, resized to height x width (INTER_AREA), (T, H, W, 3) uint8."""
    frames = read_frames(video, start=start, stop=start + count)
    return np.stack([cv2.resize(f, (width, height), interpolation=cv2.INTER_AREA) for f in frames])


def reference_input(name: str, height: int, width: int) -> tuple[int, int]:
    """(H, W) of the frames `name`'s network gets from a height x width video, by running the reference's
    resize on one blank frame (AMT-S and flickering take the video's own size)."""
    if name == "keypoints":
        return INPUT_WH[1], INPUT_WH[0]
    blank = np.zeros((1, height, width, 3), np.uint8)
    if name in ("aesthetic_quality", "background_consistency"):
        return tuple(clip_pixels(blank).shape[-2:])
    if name == "subject_consistency":
        return tuple(dino_pixels(blank).shape[-2:])
    if name == "imaging_quality":
        return tuple(resize_longer_side(torch.zeros(1, 3, height, width)).shape[-2:])
    return height, width


def build(name: str, random_init: bool, device: str = "cpu", config: Any = None, precision: str = "float32"
          ) -> tuple[AppearanceMetric, str]:
    """The backbone with its real weights when they resolve, else random weights (real size unless `config`
    names another architecture), computing as `precision` says (PRECISIONS); and which weights."""
    random_label = "random-init (real size)" if config is None else "random-init (small config)"
    if name == "keypoints":
        torch.manual_seed(0)
        net = ViTPoseNet(*(config or VITPOSE_SIZES["s"]), 25).eval().to(device)
        return PoseNetwork(net), random_label
    kwargs = {"device": device, "precision": precision} | ({} if config is None else {"config": config})
    if not random_init:
        try:
            metric = APPEARANCE_METRICS[name](**kwargs)
        except FileNotFoundError:
            pass
        else:
            return metric, "real weights" if has_model(metric) else "model-free"
    metric = APPEARANCE_METRICS[name](random_init=True, **kwargs)
    return metric, random_label if has_model(metric) else "model-free"


def has_model(metric: AppearanceMetric) -> bool:
    """Whether the metric holds a network (temporal flickering does not)."""
    return any(isinstance(v, torch.nn.Module) for v in vars(metric).values())


def time_metric(metric: AppearanceMetric, frames: np.ndarray, repeats: int) -> float:
    """Median seconds of score_video over `repeats` runs, after one warm-up on the first 3 frames."""
    metric.score_video(frames[:3])
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        metric.score_video(frames)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_backbone(name: str, frames: int, video_size: tuple[int, int], repeats: int, video: Path = DEMO,
                     device: str = "cpu", random_init: bool = False, config: Any = None, precision: str = "float32"
                     ) -> dict[str, Any]:  # fmt: skip
    """{backbone, input, median_s, fps} of one backbone scoring a `frames`-frame clip at its reference input."""
    height, width = reference_input(name, *video_size)
    metric, source = build(name, random_init, device, config, precision)
    seconds = time_metric(metric, clip_frames(frames, height, width, video), repeats)
    return {"backbone": source, "input": f"{height}x{width}", "median_s": seconds, "fps": frames / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=16, help="frames in the timed clip")
    parser.add_argument("--height", type=int, default=VIDEO_SIZE[0], help="video height before the reference's resize")
    parser.add_argument("--width", type=int, default=VIDEO_SIZE[1], help="video width before the reference's resize")
    parser.add_argument("--video", type=Path, default=DEMO, help="footage the timed frames are cut from")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dimensions", nargs="+", default=list(BACKBONES), choices=list(BACKBONES))
    parser.add_argument("--random-init", action="store_true", help="random weights even where real ones resolve")
    parser.add_argument("--precision", choices=PRECISIONS, default="float32",
                        help="appearance backbones' numerics (benchmark.metrics.appearance.precision; the keypoint "
                             "network stays float32)")
    parser.add_argument("--clips", type=int, default=MA_VIDEO_MACE.num_clips, help="clips in the projected test set")
    parser.add_argument("--seconds", type=float, default=MA_VIDEO_MACE.clip_seconds, help="seconds per projected clip")
    parser.add_argument("--fps", type=float, default=MA_VIDEO_MACE.fps, help="frame rate of the projected clips")
    args = parser.parse_args()

    total_frames = args.clips * args.seconds * args.fps
    print(f"video {args.height}x{args.width}, each backbone at its reference input; clip of {args.frames} frames; "
          f"torch {torch.__version__}, {args.device}, {torch.get_num_threads()} threads, precision {args.precision}; "
          f"median of {args.repeats}")
    header = (f"{'backbone':<24} {'weights':<26} {'input':>9} {'s/clip':>8} {'fps':>9} "
              f"{f'{args.clips} clips (h)':>15}")
    print(header + "\n" + "-" * len(header))
    total_hours = 0.0
    for name in args.dimensions:
        row = measure_backbone(name, args.frames, (args.height, args.width), args.repeats, args.video, args.device,
                               args.random_init, precision=args.precision)  # fmt: skip
        hours = total_frames / row["fps"] / 3600
        total_hours += hours
        print(f"{name:<24} {row['backbone']:<26} {row['input']:>9} {row['median_s']:>8.3f} {row['fps']:>9.2f} "
              f"{hours:>15.2f}", flush=True)
    print(f"all backbones: {total_hours:.2f} h for {args.clips} x {args.seconds:g} s clips at {args.fps:g} fps "
          f"({total_frames:.0f} frames)")


if __name__ == "__main__":
    main()
