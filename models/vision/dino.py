"""DINO ViT-B/16 (facebookresearch/dino, `dino_vitb16`): the image encoder of VBench Subject Consistency.

Written after dino's vision_transformer.py (VisionTransformer, Block, Attention, interpolate_pos_encoding)
with the same parameter names, so the hub file dino_vitbase16_pretrain.pth loads as it is. The output
is the final-LayerNorm [CLS] token (the hub model's head is Identity). Inputs of another size than
224x224 get the position embeddings resized as dino does it: bicubic with scale factor (n + 0.1) / 14.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from models.command_line import InputError
from models.vision.weights import WeightFile, load_checkpoint, load_state

DINO_VITB16 = WeightFile(
    "dino_vitbase16_pretrain.pth",
    "MACE_BENCH_DINO_VITB16",
    "https://dl.fbaipublicfiles.com/dino/dino_vitbase16_pretrain/dino_vitbase16_pretrain.pth",
    "DINO ViT-B/16 backbone, facebookresearch/dino",
)


@dataclass(frozen=True)
class DinoConfig:
    """ViT-B/16 by default; heads = width / 64 as in every dino ViT."""

    width: int = 768
    depth: int = 12
    heads: int = 12
    patch: int = 16
    image_size: int = 224
    mlp_ratio: int = 4
    eps: float = 1e-6


class Attention(nn.Module):
    def __init__(self, config: DinoConfig):
        super().__init__()
        self.heads = config.heads
        self.qkv = nn.Linear(config.width, 3 * config.width)
        self.proj = nn.Linear(config.width, config.width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v)
        return self.proj(y.transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, config: DinoConfig):
        super().__init__()
        self.fc1 = nn.Linear(config.width, config.mlp_ratio * config.width)
        self.fc2 = nn.Linear(config.mlp_ratio * config.width, config.width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, config: DinoConfig):
        super().__init__()
        self.norm1 = nn.LayerNorm(config.width, eps=config.eps)
        self.attn = Attention(config)
        self.norm2 = nn.LayerNorm(config.width, eps=config.eps)
        self.mlp = Mlp(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, config: DinoConfig):
        super().__init__()
        self.proj = nn.Conv2d(3, config.width, kernel_size=config.patch, stride=config.patch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


class DinoViT(nn.Module):
    """(N, 3, H, W) ImageNet-normalised images -> (N, width) [CLS] features."""

    def __init__(self, config: DinoConfig = DinoConfig()):
        super().__init__()
        self.config = config
        grid = config.image_size // config.patch
        self.patch_embed = PatchEmbed(config)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, config.width))
        self.pos_embed = nn.Parameter(torch.randn(1, grid * grid + 1, config.width) * 0.02)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.depth))
        self.norm = nn.LayerNorm(config.width, eps=config.eps)

    def interpolate_pos_encoding(self, height: int, width: int) -> torch.Tensor:
        """Position embeddings for an (height, width) input, resized exactly as dino does."""
        n = self.pos_embed.shape[1] - 1
        rows, cols = height // self.config.patch, width // self.config.patch
        if rows * cols == n and height == width:
            return self.pos_embed
        side = int(math.sqrt(n))
        grid = self.pos_embed[:, 1:].reshape(1, side, side, -1).permute(0, 3, 1, 2)
        # dino adds 0.1 to the target grid so that floor(scale * side) lands on it
        scale = ((rows + 0.1) / math.sqrt(n), (cols + 0.1) / math.sqrt(n))
        grid = F.interpolate(grid, scale_factor=scale, mode="bicubic")
        grid = grid.permute(0, 2, 3, 1).reshape(1, rows * cols, -1)
        return torch.cat((self.pos_embed[:, :1], grid), dim=1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(images)
        x = torch.cat((self.cls_token.expand(len(x), -1, -1), x), dim=1)
        x = x + self.interpolate_pos_encoding(*images.shape[-2:])
        for block in self.blocks:
            x = block(x)
        return self.norm(x)[:, 0]


def dino_config_from_state_dict(state: dict[str, torch.Tensor]) -> DinoConfig:
    """The architecture a dino hub state dict was saved from (width, depth, patch, grid)."""
    width = state["cls_token"].shape[-1]
    patch = state["patch_embed.proj.weight"].shape[-1]
    grid = math.isqrt(state["pos_embed"].shape[1] - 1)
    depth = len({key.split(".")[1] for key in state if key.startswith("blocks.")})
    return DinoConfig(width=width, depth=depth, heads=width // 64, patch=patch, image_size=grid * patch)


def load_dino(path: str | Path | None = None) -> DinoViT:
    """DINO ViT from a hub checkpoint (path, $MACE_BENCH_DINO_VITB16 or the cache), architecture read from it."""
    file = DINO_VITB16.resolve(path)
    state = load_checkpoint(file, "DINO checkpoint")
    if not isinstance(state, dict) or "cls_token" not in state:
        raise InputError(file, f"not a dino ViT state dict (no 'cls_token'); expected {DINO_VITB16.filename}")
    model = DinoViT(dino_config_from_state_dict(state))
    load_state(model, state, file, "DINO ViT state dict")
    return model.eval()
