"""MUSIQ, the multi-scale image quality transformer, as pyiqa builds it (pyiqa/archs/musiq_arch.py).

Parameter names follow pyiqa's state dict, so `musiq_spaq_ckpt-358bb6af.pth` loads as is. The multi-scale
patch input follows pyiqa/data/multiscale_trans_util.py (itself Google's musiq/model/preprocessing.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from models.presets import PresetConfig
from models.vision.weights import WeightFile, load_checkpoint, load_state

MUSIQ_SPAQ = WeightFile(
    filename="musiq_spaq_ckpt-358bb6af.pth",
    env_var="MACE_BENCH_MUSIQ",
    source="https://github.com/chaofengc/IQA-PyTorch/releases/download/v0.1-weights/musiq_spaq_ckpt-358bb6af.pth",
    description="MUSIQ trained on SPAQ, the checkpoint VBench's imaging quality uses",
)


TINY = {
    "patch_size": 8, "hidden_size": 16, "mlp_dim": 32, "num_heads": 2, "num_layers": 2,
    "spatial_pos_grid_size": 4, "longer_side_lengths": (16, 24), "resnet_token_dim": 32,
}  # fmt: skip


@dataclass(frozen=True)
class MusiqConfig(PresetConfig):
    """pyiqa's MUSIQ defaults ("paper"; "tiny" for tests); `num_scales` counts the resized scales plus the original."""

    PRESETS: ClassVar[dict[str, dict[str, Any]]] = {"paper": {}, "tiny": TINY}

    patch_size: int = 32
    hidden_size: int = 384
    mlp_dim: int = 1152
    num_heads: int = 6
    num_layers: int = 14
    spatial_pos_grid_size: int = 10
    longer_side_lengths: tuple[int, ...] = (224, 384)
    resnet_token_dim: int = 64  # fixed in pyiqa; GroupNorm(32, .) needs a multiple of 32

    @property
    def num_scales(self) -> int:
        return len(self.longer_side_lengths) + 1


def same_padding(x: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    """Zero-pad like TensorFlow's 'SAME' (extra pixel at the bottom/right); pyiqa's excact_padding_2d."""
    h, w = x.shape[-2:]
    pad_h = max((math.ceil(h / stride) - 1) * stride + kernel - h, 0)
    pad_w = max((math.ceil(w / stride) - 1) * stride + kernel - w, 0)
    return F.pad(x, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2))


def hashed_positions(grid_size: int, count_h: int, count_w: int) -> torch.Tensor:
    """Each patch's index into the grid_size x grid_size position table, row-major (pyiqa's nearest resize)."""
    grid = torch.arange(grid_size, dtype=torch.float32).reshape(1, 1, grid_size)
    cols = F.interpolate(grid, size=count_w, mode="nearest").reshape(1, count_w)
    rows = F.interpolate(grid, size=count_h, mode="nearest").reshape(count_h, 1)
    return (rows * grid_size + cols).reshape(-1).long()


@dataclass
class MultiScalePatches:
    """Patches (N, L, 3*p*p) in unfold's (channel, row, column) order, their hashed position, scale, mask."""

    patches: torch.Tensor
    positions: torch.Tensor
    scales: torch.Tensor
    mask: torch.Tensor


def multiscale_patches(image: torch.Tensor, config: MusiqConfig) -> MultiScalePatches:
    """Patches of the image resized so its longer side is each of `longer_side_lengths` (padded to a fixed
    count of ceil(side/p)^2), then of the original resolution (all of them); pyiqa's get_multiscale_patches."""
    h, w = image.shape[-2:]
    p = config.patch_size
    parts = []
    for scale_id, side in enumerate(sorted(config.longer_side_lengths)):
        ratio = side / max(h, w)
        resized = F.interpolate(image, (round(h * ratio), round(w * ratio)), mode="bicubic", align_corners=False)
        parts.append(_patches_at_scale(resized, config, scale_id, math.ceil(side / p) ** 2))
    parts.append(_patches_at_scale(image, config, len(config.longer_side_lengths), None))
    return MultiScalePatches(*(torch.cat(values, dim=1) for values in zip(*parts)))


def _patches_at_scale(
    image: torch.Tensor, config: MusiqConfig, scale_id: int, seq_len: int | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Non-overlapping patches of one scale, zero-padded (mask 0, position 0, scale 0) or cut to seq_len."""
    n, _, h, w = image.shape
    p = config.patch_size
    patches = F.unfold(same_padding(image, p, p), p, stride=p).transpose(1, 2)
    positions = hashed_positions(config.spatial_pos_grid_size, math.ceil(h / p), math.ceil(w / p)).expand(n, -1)
    scales = torch.full_like(positions, scale_id)
    mask = torch.ones_like(positions)
    if seq_len is None:
        return patches, positions, scales, mask
    extra = seq_len - patches.shape[1]
    if extra > 0:
        patches = F.pad(patches, (0, 0, 0, extra))
        positions, scales, mask = (F.pad(v, (0, extra)) for v in (positions, scales, mask))
    return patches[:, :seq_len], positions[:, :seq_len], scales[:, :seq_len], mask[:, :seq_len]


class StdConv(nn.Conv2d):
    """Weight-standardised convolution with 'SAME' padding (pyiqa's StdConv)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = same_padding(x, self.kernel_size[0], self.stride[0])
        weight = self.weight - self.weight.mean((1, 2, 3), keepdim=True)
        weight = weight / (weight.std((1, 2, 3), keepdim=True) + 1e-5)
        return F.conv2d(x, weight, self.bias, self.stride)


class Bottleneck(nn.Module):
    """The one ResNet bottleneck (width = inplanes) after the stem, with a projection shortcut."""

    def __init__(self, inplanes: int, outplanes: int) -> None:
        super().__init__()
        self.conv1 = StdConv(inplanes, inplanes, 1, bias=False)
        self.gn1 = nn.GroupNorm(32, inplanes, eps=1e-4)
        self.conv2 = StdConv(inplanes, inplanes, 3, bias=False)
        self.gn2 = nn.GroupNorm(32, inplanes, eps=1e-4)
        self.conv3 = StdConv(inplanes, outplanes, 1, bias=False)
        self.gn3 = nn.GroupNorm(32, outplanes, eps=1e-4)
        self.conv_proj = StdConv(inplanes, outplanes, 1, bias=False)
        self.gn_proj = nn.GroupNorm(32, outplanes, eps=1e-4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = self.gn_proj(self.conv_proj(x))
        x = F.relu(self.gn1(self.conv1(x)))
        x = F.relu(self.gn2(self.conv2(x)))
        return F.relu(self.gn3(self.conv3(x)) + identity)


class Mlp(nn.Module):
    """fc1, exact GELU, fc2."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class MultiHeadAttention(nn.Module):
    """Self-attention whose masked pairs score -1e3 (replaced, not added), as pyiqa's."""

    def __init__(self, dim: int, num_heads: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        q, k, v = (
            proj(x).reshape(b, n, self.num_heads, -1).transpose(1, 2) for proj in (self.query, self.key, self.value)
        )
        scores = (q @ k.transpose(-2, -1)) * q.shape[-1] ** -0.5
        pair = mask[:, None, :, None] & mask[:, None, None, :]
        attn = scores.masked_fill(~pair, -1e3).softmax(dim=-1)
        return self.out((attn @ v).transpose(1, 2).reshape(b, n, c))


class TransformerBlock(nn.Module):
    """Pre-norm encoder block: masked attention and MLP, each residual."""

    def __init__(self, dim: int, mlp_dim: int, num_heads: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attention = MultiHeadAttention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, mlp_dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.norm1(x), mask)
        return x + self.mlp(self.norm2(x))


class AddHashSpatialPositionEmbs(nn.Module):
    """Holds the grid_size^2 hashed spatial position table (a module only to keep pyiqa's parameter name)."""

    def __init__(self, grid_size: int, dim: int) -> None:
        super().__init__()
        self.position_emb = nn.Parameter(torch.randn(1, grid_size * grid_size, dim) * 0.02)


class AddScaleEmbs(nn.Module):
    """Holds the per-scale embedding table (a module only to keep pyiqa's parameter name)."""

    def __init__(self, num_scales: int, dim: int) -> None:
        super().__init__()
        self.scale_emb = nn.Parameter(torch.randn(num_scales, dim) * 0.02)


class TransformerEncoder(nn.Module):
    """Adds hashed-position and scale embeddings, prepends the class token, runs the blocks."""

    def __init__(self, config: MusiqConfig) -> None:
        super().__init__()
        dim = config.hidden_size
        self.posembed_input = AddHashSpatialPositionEmbs(config.spatial_pos_grid_size, dim)
        self.scaleembed_input = AddScaleEmbs(config.num_scales, dim)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.encoder_norm = nn.LayerNorm(dim, eps=1e-6)
        self.transformer = nn.ModuleDict(
            {
                f"encoderblock_{i}": TransformerBlock(dim, config.mlp_dim, config.num_heads)
                for i in range(config.num_layers)
            }
        )

    def forward(self, x: torch.Tensor, inputs: MultiScalePatches) -> torch.Tensor:
        x = x + self.posembed_input.position_emb[0][inputs.positions]
        x = x + self.scaleembed_input.scale_emb[inputs.scales]
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1)
        mask = torch.cat([torch.ones_like(inputs.mask[:, :1]), inputs.mask], dim=1).bool()
        for block in self.transformer.values():
            x = block(x, mask)
        return self.encoder_norm(x)


class Musiq(nn.Module):
    """Quality score (SPAQ: 0..100) of RGB images in [0, 1], (N, 3, H, W); one image at a time in pyiqa,
    batched here (every layer is per-image, so batching images of one size gives the same scores)."""

    def __init__(self, config: MusiqConfig = MusiqConfig()) -> None:
        super().__init__()
        self.config = config
        dim = config.resnet_token_dim
        self.conv_root = StdConv(3, dim, 7, 2, bias=False)
        self.gn_root = nn.GroupNorm(32, dim, eps=1e-6)
        self.block1 = Bottleneck(dim, dim * 4)
        self.embedding = nn.Linear(dim * 4 * (config.patch_size // 4) ** 2, config.hidden_size)
        self.transformer_encoder = TransformerEncoder(config)
        self.head = nn.Linear(config.hidden_size, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        inputs = multiscale_patches((images - 0.5) * 2, self.config)
        return self.score_patches(inputs)

    def score_patches(self, inputs: MultiScalePatches) -> torch.Tensor:
        """Scores (N,) from prepared multi-scale patches: ResNet stem per patch, then the transformer."""
        b, seq_len, _ = inputs.patches.shape
        p = self.config.patch_size
        x = F.relu(self.gn_root(self.conv_root(inputs.patches.reshape(-1, 3, p, p))))
        x = F.max_pool2d(same_padding(x, 3, 2), 3, 2)
        x = self.block1(x).permute(0, 2, 3, 1).reshape(b, seq_len, -1)  # TensorFlow's channel-last order
        x = self.transformer_encoder(self.embedding(x), inputs)
        return self.head(x[:, 0])[:, 0]


def load_musiq(path: str | Path | None = None, config: MusiqConfig = MusiqConfig()) -> Musiq:
    """MUSIQ-SPAQ with its pyiqa checkpoint (found by models.vision.weights), in eval mode."""
    model = Musiq(config)
    file = MUSIQ_SPAQ.resolve(path)
    load_state(model, load_checkpoint(file, "MUSIQ checkpoint"), file, "MUSIQ-SPAQ checkpoint")
    return model.eval()
