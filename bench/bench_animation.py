"""Benchmark: CPU frame rates of the animation@v1 metrics and the projected time for the test set.

    .venv/bin/python bench/bench_animation.py [--frames 32 --repeats 3 --clips 200 --seconds 5 --fps 30]

Real footage (the repo's stand-in source, 640x360) is decoded and brought to the protocol size
(short side 256: 256x455). SSIM and PSNR are model-free; LPIPS runs random-initialised AlexNet and
VGG16 of the real sizes (speed does not depend on the weights). FVD features: the real
StyleGAN-V I3D when $MACE_BENCH_I3D / --i3d points at it, else a random-initialised Inception-3D
with the real layer sizes (TF "SAME" padding approximated by symmetric padding), labelled as such.
Prints medians over --repeats; projection = frames (or 16-frame windows, both sets) / rate.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmark.methods.speed import median_seconds
from benchmark.metrics.video.clips import conform_frame, eval_size, fvd_windows
from benchmark.metrics.video.frame_quality import psnr_frames, ssim_frames
from benchmark.metrics.video.fvd import i3d_features, load_i3d
from benchmark.metrics.video.lpips import load_lpips, lpips_frames
from benchmark.protocols.animation import ANIMATION_V1
from manifests.ma_video_test_set import STANDIN_SOURCE
from models.video.io import iter_frames, probe_video

DEMO = STANDIN_SOURCE  # in the repo, so the bench runs from a fresh clone
log = logging.getLogger("bench_animation")


class _Unit(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, k: tuple[int, int, int] = (1, 1, 1), s: tuple[int, int, int] = (1, 1, 1)) -> None:
        super().__init__(nn.Conv3d(c_in, c_out, k, s, tuple(x // 2 for x in k), bias=False), nn.BatchNorm3d(c_out), nn.ReLU())


class _Mixed(nn.Module):
    """Inception block: 1x1 | 1x1->3x3 | 1x1->3x3 | pool->1x1 branches, concatenated."""

    def __init__(self, c_in: int, c: tuple[int, int, int, int, int, int]) -> None:
        super().__init__()
        self.b0 = _Unit(c_in, c[0])
        self.b1 = nn.Sequential(_Unit(c_in, c[1]), _Unit(c[1], c[2], (3, 3, 3)))
        self.b2 = nn.Sequential(_Unit(c_in, c[3]), _Unit(c[3], c[4], (3, 3, 3)))
        self.b3 = nn.Sequential(nn.MaxPool3d(3, 1, 1), _Unit(c_in, c[5]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.b0(x), self.b1(x), self.b2(x), self.b3(x)], dim=1)


class RandomInception3D(nn.Module):
    """Inception-v1 I3D (Carreira & Zisserman 2017) layer sizes, random weights, I3D call signature."""

    def __init__(self) -> None:
        super().__init__()
        mixed = [(192, (64, 96, 128, 16, 32, 32)), (256, (128, 128, 192, 32, 96, 64)), "pool",
                 (480, (192, 96, 208, 16, 48, 64)), (512, (160, 112, 224, 24, 64, 64)), (512, (128, 128, 256, 24, 64, 64)),
                 (512, (112, 144, 288, 32, 64, 64)), (528, (256, 160, 320, 32, 128, 128)), "pool2",
                 (832, (256, 160, 320, 32, 128, 128)), (832, (384, 192, 384, 48, 128, 128))]
        layers: list[nn.Module] = [_Unit(3, 64, (7, 7, 7), (2, 2, 2)), nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),
                                   _Unit(64, 64), _Unit(64, 192, (3, 3, 3)), nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1))]
        for item in mixed:
            if item == "pool":
                layers.append(nn.MaxPool3d(3, 2, 1))
            elif item == "pool2":
                layers.append(nn.MaxPool3d(2, 2))
            else:
                layers.append(_Mixed(*item))
        self.features = nn.Sequential(*layers)
        self.logits = nn.Conv3d(1024, 400, 1)

    def forward(self, x: torch.Tensor, rescale: bool = False, resize: bool = False, return_features: bool = False) -> torch.Tensor:
        return self.logits(self.features(x).mean(dim=(2, 3, 4), keepdim=True)).flatten(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=32, help="frames per timing (a multiple of 16)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clips", type=int, default=ANIMATION_V1.num_clips)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--fps", type=float, default=30.0, help="frame rate of the test clips")
    parser.add_argument("--i3d", type=Path, help="real i3d_torchscript.pt (default: $MACE_BENCH_I3D if set)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_grad_enabled(False)

    info = probe_video(DEMO)
    size = eval_size(info.height, info.width, ANIMATION_V1.frame_short_side)
    aspect = info.width / info.height
    start = time.perf_counter()
    frames = np.stack([conform_frame(f, aspect, size) for f in iter_frames(DEMO, 0, 2 * args.frames)])
    decode_fps = len(frames) / (time.perf_counter() - start)
    gt, pred = frames[: args.frames], frames[args.frames :]  # real, different frames of one shot

    rates = {"decode + resize (1768x994 VP9)": decode_fps / 2}  # two videos per compared frame
    alex, vgg = load_lpips("alex", pretrained=False), load_lpips("vgg", pretrained=False)
    timings = {
        "SSIM": lambda: ssim_frames(pred, gt),
        "PSNR": lambda: psnr_frames(pred, gt),
        "LPIPS AlexNet (random init)": lambda: lpips_frames(alex, pred, gt),
        "LPIPS VGG16 (random init)": lambda: lpips_frames(vgg, pred, gt),
    }
    for name, fn in tqdm(timings.items(), desc="frame metrics"):
        rates[name] = args.frames / median_seconds(fn, 1, args.repeats)

    try:
        detector, fvd_label = load_i3d(args.i3d), "FVD features, StyleGAN-V I3D"
    except FileNotFoundError:
        detector, fvd_label = RandomInception3D().eval(), "FVD features, random-init Inception-3D (real sizes)"
    p = ANIMATION_V1
    windows = fvd_windows(gt, p.fvd_frames, p.fvd_window_step, p.fvd_frame_step, p.fvd_resolution)
    per_window = median_seconds(lambda: i3d_features(detector, windows), 1, args.repeats) / len(windows)
    prep = median_seconds(lambda: fvd_windows(gt, p.fvd_frames, p.fvd_window_step, p.fvd_frame_step, p.fvd_resolution), 1, args.repeats)

    n_frames = int(args.clips * args.seconds * args.fps)
    n_windows = 2 * args.clips * (int(args.seconds * args.fps) // p.fvd_frames)  # generated + GT
    print(f"CPU threads {torch.get_num_threads()}, frames {size[0]}x{size[1]}, {args.frames} frames per timing, "
          f"median of {args.repeats}")
    print(f"projection: {args.clips} clips x {args.seconds:g} s x {args.fps:g} fps = {n_frames} frame pairs, "
          f"{n_windows} FVD windows (both sets)")
    print(f"{'metric':<52} {'frames/s':>10} {'projected':>12}")
    total = 0.0
    for name, rate in rates.items():
        total += 0.0 if name.startswith("LPIPS VGG16") else n_frames / rate  # the protocol's LPIPS is AlexNet
        print(f"{name:<52} {rate:>10.1f} {n_frames / rate / 60:>10.1f} min")
    fvd_rate = p.fvd_frames / (per_window + prep / len(windows))
    total += n_windows * p.fvd_frames / fvd_rate
    print(f"{fvd_label:<52} {fvd_rate:>10.1f} {n_windows * p.fvd_frames / fvd_rate / 60:>10.1f} min")
    print(f"{'total for the protocol (decode, SSIM, PSNR, LPIPS alex, FVD)':<52} {'':>10} {total / 60:>10.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
