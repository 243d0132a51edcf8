"""VBench Imaging Quality: MUSIQ (SPAQ) score / 100 of every frame, the longer side first cut to 512.

Followed: vbench 0.1.5 imaging_quality.py (transform with preprocess mode 'longer', technical_quality):
frames as float 0..255, torchvision Resize(antialias=False) -- bilinear -- to (int(s*h), int(s*w)) with
s = 512 / max(h, w) when the longer side exceeds 512, then / 255 into pyiqa's MUSIQ, one score per frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from benchmark.metrics.appearance.base import Aggregate
from benchmark.metrics.appearance.precision import FLOAT32, Precision, apply_precision
from models.video.frames import check_frames
from models.vision.musiq import Musiq, MusiqConfig, load_musiq

MAX_SIDE = 512


def resize_longer_side(images: torch.Tensor, max_side: int = MAX_SIDE) -> torch.Tensor:
    """(N, 3, H, W) float images with the longer side cut to max_side as VBench does (bilinear, no antialias)."""
    h, w = images.shape[-2:]
    if max(h, w) <= max_side:
        return images
    scale = max_side / max(h, w)
    size = (int(scale * h), int(scale * w))
    return F.interpolate(images, size=size, mode="bilinear", align_corners=False, antialias=False)


@dataclass
class ImagingQuality:
    """MUSIQ score / 100 per frame; VBench averages per video, then over videos. `batch` frames per forward."""

    model: Musiq
    batch: int = 8
    precision: Precision = FLOAT32
    name: str = "imaging_quality"
    aggregate: Aggregate = "videos"

    @torch.inference_mode()
    def score_video(self, frames: np.ndarray) -> np.ndarray:
        check_frames(frames, self.name)
        device = next(self.model.parameters()).device
        scores = []
        for start in range(0, len(frames), self.batch):
            images = torch.from_numpy(frames[start : start + self.batch]).permute(0, 3, 1, 2).float()
            images = resize_longer_side(images) / 255.0
            with self.precision.autocast():
                scores.append(self.model(images.to(device)).float().cpu().numpy() / 100.0)
        return np.concatenate(scores).astype(np.float64)


def imaging_quality(
    weights: str | Path | None = None, device: str = "cpu", random_init: bool = False, config: MusiqConfig | None = None,
    precision: str = "reference",
) -> ImagingQuality:
    """The metric with MUSIQ-SPAQ weights (path, $MACE_BENCH_MUSIQ or the cache), or random ones for timing;
    float32 unless `precision` is half (VBench's pyiqa runs MUSIQ in float32)."""
    config = config or MusiqConfig()
    model = (Musiq(config).eval() if random_init else load_musiq(weights, config)).to(device)
    return ImagingQuality(model, precision=apply_precision(model, precision, device))
