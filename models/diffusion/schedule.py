"""Gaussian diffusion with EDGE's cosine schedule (1000 steps, s=0.008, beta <= 0.999), x0 prediction,
and the DDIM sampler EDGE and MACE-Dance use (50 steps, eta=1, x0 clipped to [-1,1])."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

Denoiser = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (x_t, t) -> predicted x0
StepHook = Callable[[torch.Tensor], torch.Tensor]  # applied to x after every step but the last


def cosine_betas(steps: int = 1000, s: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """Nichol & Dhariwal's cosine schedule as EDGE computes it (float64, clamped at max_beta)."""
    f = torch.cos((torch.arange(steps + 1, dtype=torch.float64) / steps + s) / (1 + s) * math.pi / 2) ** 2
    alphas = f / f[0]
    return (1 - alphas[1:] / alphas[:-1]).clamp(max=max_beta)


def ddim_timesteps(train_steps: int, sampling_steps: int) -> list[tuple[int, int]]:
    """EDGE's (t, t_next) pairs: linspace(-1, T-1, S+1) truncated to int, reversed; t_next=-1 ends."""
    times = torch.linspace(-1, train_steps - 1, sampling_steps + 1).int().tolist()[::-1]
    return list(itertools.pairwise(times))


@dataclass(frozen=True)
class DiffusionConfig:
    train_steps: int = 1000
    sampling_steps: int = 50
    eta: float = 1.0
    clip_x0: bool = True


class GaussianDiffusion:
    """Forward noising for training and DDIM sampling for a model that predicts x0."""

    def __init__(self, config: DiffusionConfig = DiffusionConfig()) -> None:
        if not 1 <= config.sampling_steps <= config.train_steps:
            raise ValueError(f"sampling_steps must be in [1, {config.train_steps}], got {config.sampling_steps}")
        self.config = config
        betas = cosine_betas(config.train_steps).float()
        self.alphas_cumprod = torch.cumprod(1 - betas, dim=0)

    @property
    def train_steps(self) -> int:
        return self.config.train_steps

    def _at(self, values: torch.Tensor, t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        return values.to(like.device)[t].view(-1, *([1] * (like.dim() - 1))).to(like.dtype)

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) noise."""
        abar = self._at(self.alphas_cumprod, t, x0)
        return abar.sqrt() * x0 + (1 - abar).sqrt() * noise

    @torch.no_grad()
    def ddim_sample(
        self, denoise: Denoiser, shape: tuple[int, ...], generator: torch.Generator | None = None,
        device: torch.device | str = "cpu", after_step: StepHook | None = None,
    ) -> torch.Tensor:
        """Run DDIM from pure noise; one `denoise` call per step (guidance lives inside `denoise`)."""
        eta, abar = self.config.eta, self.alphas_cumprod
        x = torch.randn(shape, generator=generator, device=device)
        for time, time_next in ddim_timesteps(self.train_steps, self.config.sampling_steps):
            t = torch.full((shape[0],), time, dtype=torch.long, device=device)
            x0 = denoise(x, t)
            if self.config.clip_x0:
                x0 = x0.clamp(-1.0, 1.0)
            if time_next < 0:
                return x0
            a, a_next = abar[time].item(), abar[time_next].item()
            eps = (x / math.sqrt(a) - x0) / math.sqrt(1 / a - 1)
            sigma = eta * math.sqrt((1 - a / a_next) * (1 - a_next) / (1 - a))
            noise = torch.randn(shape, generator=generator, device=device)
            x = x0 * math.sqrt(a_next) + math.sqrt(1 - a_next - sigma**2) * eps + sigma * noise
            if after_step is not None:
                x = after_step(x)
        return x
