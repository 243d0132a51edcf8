"""The contract every music-to-dance denoiser here meets: encode the music once, denoise every step.

Guidance (GFT, CFG) caches `encode_music` across the sampling steps and calls `denoise` per step;
`forward` is the one-shot composition used for training and direct calls.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class DanceDenoiser(nn.Module):
    """Base of the Motion Expert and EDGE: x0 prediction from a noisy motion, a step and music."""

    def encode_music(self, music: torch.Tensor, genre: torch.Tensor, keep: torch.Tensor) -> Any:
        """Music memory for `denoise`; `keep` False selects the null (unconditional) condition."""
        raise NotImplementedError

    def denoise(self, x: torch.Tensor, t: torch.Tensor, memory: Any, beta: torch.Tensor | None) -> torch.Tensor:
        """Predicted clean motion from x_t at step t given the encoded music (and GFT beta)."""
        raise NotImplementedError

    def forward(
        self, x: torch.Tensor, t: torch.Tensor, music: torch.Tensor, genre: torch.Tensor,
        keep: torch.Tensor, beta: torch.Tensor | None = None,
    ) -> torch.Tensor:
        return self.denoise(x, t, self.encode_music(music, genre, keep), beta)
