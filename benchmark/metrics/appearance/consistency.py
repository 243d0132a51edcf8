"""VBench Subject Consistency (DINO ViT-B/16) and Background Consistency (CLIP ViT-B/32).

Followed: vbench 0.1.5 subject_consistency.py and background_consistency.py (`subject_consistency`,
`background_consistency`): features of every frame, L2-normalised; for t >= 1 the value
(max(0, cos(f_{t-1}, f_t)) + max(0, cos(f_0, f_t))) / 2; the set score is the sum over all videos
divided by the number of such frames (sim / cnt), i.e. aggregate "frames".
Preprocessing: frames.dino_pixels / frames.clip_pixels (VBench's dino_transform / clip_transform).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from benchmark.metrics.appearance.base import Aggregate
from benchmark.metrics.appearance.frames import (
    Preprocess,
    clip_pixels,
    dino_pixels,
    embed_frames,
)
from benchmark.metrics.appearance.precision import FLOAT32, Precision, apply_precision
from models.video.frames import check_frames
from models.vision.clip import (
    CLIP_VIT_B32,
    VIT_B_32,
    ClipImageEncoder,
    ClipVisionConfig,
    load_clip_image_encoder,
)
from models.vision.dino import DinoConfig, DinoViT, load_dino

MIN_FRAMES = 2  # one pair


def consistency_values(features: torch.Tensor) -> np.ndarray:
    """(T, D) frame features -> (T-1,) values (max(0, cos(prev, t)) + max(0, cos(first, t))) / 2."""
    f = F.normalize(features.float(), dim=-1)
    previous = (f[:-1] * f[1:]).sum(-1).clamp(min=0.0)
    first = (f[:1] * f[1:]).sum(-1).clamp(min=0.0)
    return ((previous + first) / 2).double().numpy()


@dataclass
class FeatureConsistency:
    """Consistency of a video's frame features under one encoder; `batch` frames per forward."""

    name: str
    model: nn.Module
    preprocess: Preprocess
    batch: int = 16
    precision: Precision = FLOAT32
    aggregate: Aggregate = "frames"

    def score_video(self, frames: np.ndarray) -> np.ndarray:
        check_frames(frames, self.name, MIN_FRAMES)
        return consistency_values(embed_frames(self.model, self.preprocess, frames, self.batch, self.precision))


def subject_consistency(
    weights: str | Path | None = None, device: str = "cpu", random_init: bool = False, config: DinoConfig = DinoConfig(),
    precision: str = "reference",
) -> FeatureConsistency:
    """DINO ViT-B/16 consistency, from dino_vitbase16_pretrain.pth or random weights (timing, tests); float32
    unless `precision` is half (VBench runs DINO in float32)."""
    model = (DinoViT(config).eval() if random_init else load_dino(weights)).to(device)
    return FeatureConsistency("subject_consistency", model, dino_pixels, precision=apply_precision(model, precision, device))


def background_consistency(
    weights: str | Path | None = None, device: str = "cpu", random_init: bool = False, config: ClipVisionConfig = VIT_B_32,
    precision: str = "reference",
) -> FeatureConsistency:
    """CLIP ViT-B/32 consistency, from ViT-B-32.pt (or a Hugging Face folder) or random weights; `precision`
    reference runs CLIP in float16 on CUDA, as VBench's clip.load."""
    model = ClipImageEncoder.from_config(config).eval() if random_init else load_clip_image_encoder(CLIP_VIT_B32, weights)
    model = model.to(device)
    return FeatureConsistency("background_consistency", model, clip_pixels,
                              precision=apply_precision(model, precision, device, openai_clip=True))
