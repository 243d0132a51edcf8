"""Conditioning layers both dance models use: sinusoidal embeddings, the timestep MLP and FiLM."""

from __future__ import annotations

import math

import torch
from torch import nn


class SinusoidalEmbedding(nn.Module):
    """(B,) scalars -> (B, dim) [sin, cos] features with periods up to 10000 (EDGE's SinusoidalPosEmb)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        half = dim // 2
        self.register_buffer("freqs", torch.exp(torch.arange(half) * -(math.log(10000) / (half - 1))), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        angles = x.float()[:, None] * self.freqs[None]
        return torch.cat([angles.sin(), angles.cos()], dim=-1)


class TimestepEmbedding(nn.Module):
    """Sinusoidal(d) -> Linear(d, 4d) -> Mish -> Linear(4d, d)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.sinusoid = SinusoidalEmbedding(dim)
        self.linear_1 = nn.Linear(dim, 4 * dim)
        self.linear_2 = nn.Linear(4 * dim, dim)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.linear_2(nn.functional.mish(self.linear_1(self.sinusoid(t))))


class FiLM(nn.Module):
    """Feature-wise modulation by a (B, d) condition: Mish -> Linear(d, 2d); (1 + scale) x + shift."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, 2 * dim)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        scale, shift = self.proj(nn.functional.mish(cond)).unsqueeze(1).chunk(2, dim=-1)
        return (1 + scale) * x + shift
