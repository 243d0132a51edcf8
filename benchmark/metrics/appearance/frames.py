"""VBench's frame preprocessing for its CLIP and DINO dimensions, without torchvision.

Followed: vbench 0.1.5 utils.py `clip_transform(224)` (Resize(224, bicubic, antialias=False), CenterCrop(224),
/255, CLIP mean/std) and `dino_transform(224)` (Resize(224, antialias=False) -- bilinear, short side to 224,
no crop --, /255, ImageNet mean/std), applied to the (T, 3, H, W) uint8 tensor of all decoded frames.
torchvision resizes a uint8 tensor in float32, clamps bicubic output to 0..255 and rounds back to uint8;
the long side becomes int(224 * long / short); the centre crop starts at int(round((side - 224) / 2)).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from benchmark.metrics.appearance.precision import FLOAT32, Precision

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
SIZE = 224

Preprocess = Callable[[np.ndarray], torch.Tensor]


def resize_short_side(images: torch.Tensor, size: int, mode: str) -> torch.Tensor:
    """(N, 3, H, W) uint8 -> uint8 with the short side `size`, as torchvision Resize(size, antialias=False)."""
    h, w = images.shape[-2:]
    short, long = min(h, w), max(h, w)
    new_long = int(size * long / short)
    new_size = (size, new_long) if h <= w else (new_long, size)
    if new_size == (h, w):
        return images
    out = F.interpolate(images.float(), size=new_size, mode=mode, align_corners=False, antialias=False)
    return out.clamp(0, 255).round().to(torch.uint8)


def center_crop(images: torch.Tensor, size: int) -> torch.Tensor:
    """The central size x size window, offsets rounded as torchvision CenterCrop does."""
    h, w = images.shape[-2:]
    top, left = int(round((h - size) / 2.0)), int(round((w - size) / 2.0))
    return images[..., top : top + size, left : left + size]


def _normalise(images: torch.Tensor, mean: tuple[float, ...], std: tuple[float, ...]) -> torch.Tensor:
    mean_t, std_t = torch.tensor(mean).view(1, 3, 1, 1), torch.tensor(std).view(1, 3, 1, 1)
    return (images.float() / 255.0 - mean_t) / std_t


def _channels_first(frames: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2)


def clip_pixels(frames: np.ndarray) -> torch.Tensor:
    """(T, H, W, 3) uint8 RGB -> (T, 3, 224, 224) float, VBench's clip_transform(224)."""
    images = center_crop(resize_short_side(_channels_first(frames), SIZE, "bicubic"), SIZE)
    return _normalise(images, CLIP_MEAN, CLIP_STD)


def dino_pixels(frames: np.ndarray) -> torch.Tensor:
    """(T, H, W, 3) uint8 RGB -> (T, 3, 224, W') float (short side 224, aspect kept), VBench's dino_transform(224)."""
    return _normalise(resize_short_side(_channels_first(frames), SIZE, "bilinear"), IMAGENET_MEAN, IMAGENET_STD)


@torch.inference_mode()
def embed_frames(
    model: nn.Module, preprocess: Preprocess, frames: np.ndarray, batch: int, precision: Precision = FLOAT32
) -> torch.Tensor:
    """(T, D) float32 features of every frame, `batch` frames preprocessed and encoded at a time (the encoder
    under `precision`'s autocast)."""
    device = next(model.parameters()).device
    features = []
    for start in range(0, len(frames), batch):
        pixels = preprocess(frames[start : start + batch]).to(device)
        with precision.autocast():
            features.append(model(pixels).float().cpu())
    return torch.cat(features)
