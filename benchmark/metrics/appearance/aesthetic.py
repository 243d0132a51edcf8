"""VBench Aesthetic Quality: the LAION aesthetic head on L2-normalised CLIP ViT-L/14 image embeddings, / 10.

Followed: vbench 0.1.5 aesthetic_quality.py (`get_aesthetic_model`, `laion_aesthetic`): every frame through
clip_transform(224) and `encode_image`, cast to float32, F.normalize, then nn.Linear(768, 1) loaded from
sa_0_4_vit_l_14_linear.pth; the per-frame score / 10 is averaged per video, then over videos.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import models.vision
from benchmark.metrics.appearance.base import Aggregate
from benchmark.metrics.appearance.frames import clip_pixels, embed_frames
from benchmark.metrics.appearance.precision import FLOAT32, Precision, apply_precision
from models.video.frames import check_frames
from models.vision.clip import (
    CLIP_VIT_L14,
    VIT_L_14,
    ClipImageEncoder,
    ClipVisionConfig,
    load_clip_image_encoder,
)

LAION_HEAD = Path(models.vision.__file__).parent / "assets" / "aesthetic" / "sa_0_4_vit_l_14_linear.pth"


def load_aesthetic_head(path: str | Path = LAION_HEAD) -> nn.Linear:
    """The LAION linear head (embedding -> aesthetic score 1..10); the ViT-L/14 one ships with the package."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    if set(state) != {"weight", "bias"} or state["weight"].ndim != 2:
        raise ValueError(f"{path}: not a LAION aesthetic linear head (expected keys weight (1, D), bias (1,))")
    head = nn.Linear(state["weight"].shape[1], 1)
    head.load_state_dict(state)
    return head.eval()


@dataclass
class AestheticQuality:
    """head(normalise(CLIP image embedding)) / 10 per frame; `batch` frames per forward."""

    encoder: ClipImageEncoder
    head: nn.Linear
    batch: int = 16
    precision: Precision = FLOAT32
    name: str = "aesthetic_quality"
    aggregate: Aggregate = "videos"

    def __post_init__(self) -> None:
        if self.head.in_features != self.encoder.embed_dim:
            raise ValueError(
                f"{self.name}: the aesthetic head takes {self.head.in_features}-d embeddings but the CLIP encoder "
                f"gives {self.encoder.embed_dim}-d; VBench pairs sa_0_4_vit_l_14_linear.pth with CLIP ViT-L/14"
            )

    @torch.inference_mode()
    def score_video(self, frames: np.ndarray) -> np.ndarray:
        check_frames(frames, self.name)
        features = F.normalize(embed_frames(self.encoder, clip_pixels, frames, self.batch, self.precision), dim=-1)
        head = self.head.to(features.device)
        return (head(features).squeeze(-1) / 10).double().numpy()


def aesthetic_quality(
    weights: str | Path | None = None,
    device: str = "cpu",
    random_init: bool = False,
    config: ClipVisionConfig = VIT_L_14,
    head: str | Path = LAION_HEAD,
    precision: str = "reference",
) -> AestheticQuality:
    """The metric with CLIP ViT-L/14 (ViT-L-14.pt or a Hugging Face folder) or a random encoder; the head is real
    and float32. `precision`: see precision.py (reference: CLIP in float16 on CUDA, as VBench's clip.load)."""
    encoder = ClipImageEncoder.from_config(config).eval() if random_init else load_clip_image_encoder(CLIP_VIT_L14, weights)
    encoder = encoder.to(device)
    computes = apply_precision(encoder, precision, device, openai_clip=True)
    return AestheticQuality(encoder, load_aesthetic_head(head), precision=computes)
