"""MinMax scaling of the 151-d representation to [-1, 1], fit on the training split (EDGE's
`MinMaxScaler((-1, 1), clip=True)`: constant features get scale 1, normalised values are clipped)."""

from __future__ import annotations

import torch
from torch import nn


class MinMaxNormalizer(nn.Module):
    """Per-feature affine map of [data_min, data_max] onto [-1, 1]; stored with every checkpoint."""

    def __init__(self, data_min: torch.Tensor, data_max: torch.Tensor) -> None:
        super().__init__()
        if data_min.shape != data_max.shape or data_min.dim() != 1:
            raise ValueError(f"normaliser needs equal 1-d min/max, got {tuple(data_min.shape)}, {tuple(data_max.shape)}")
        if not bool((data_max >= data_min).all()):
            raise ValueError("normaliser has data_max < data_min for some features")
        self.register_buffer("data_min", data_min.float().clone())
        self.register_buffer("data_max", data_max.float().clone())

    @classmethod
    def fit(cls, data: torch.Tensor) -> MinMaxNormalizer:
        """Fit on (..., C) training data."""
        flat = data.reshape(-1, data.shape[-1])
        return cls(flat.min(0).values, flat.max(0).values)

    def _scale(self) -> torch.Tensor:
        span = self.data_max - self.data_min
        return torch.where(span > 0, span, torch.ones_like(span))

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        return ((x - self.data_min) / self._scale() * 2 - 1).clamp(-1, 1)

    def unnormalize(self, x: torch.Tensor) -> torch.Tensor:
        return (x + 1) / 2 * self._scale() + self.data_min
