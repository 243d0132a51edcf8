"""Guidance for training and sampling: Guidance-Free Training (GFT) and classifier-free guidance (CFG).

GFT (`variant="paper"`, after thu-ml/GFT): beta ~ U(0,1) per sample; a `cond_drop` share of samples
lose their condition and get beta = 1; the unconditional branch runs in eval mode without gradient,
null condition, beta = 1; the prediction trained is beta * out_c + (1 - beta) * sg(out_u). Sampling
is one forward per step with beta = 1 / scale.
GFT (`variant="public"`, the MACE-Dance release): the unconditional pass keeps the sampled beta, runs
in train mode, and nothing is dropped (so the unconditional branch never learns).
CFG (EDGE): `cond_drop` of conditions dropped in training; two forwards per step, u + w (c - u).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch

from models.diffusion.denoiser import DanceDenoiser
from models.diffusion.schedule import Denoiser


@dataclass(frozen=True)
class GuidanceConfig:
    mode: Literal["gft", "cfg"] = "gft"
    scale: float = 4 / 3  # CFG weight w; GFT samples with beta = 1 / scale (MACE-Dance: beta 0.75)
    cond_drop: float = 0.1
    variant: Literal["paper", "public"] = "paper"  # GFT only

    def __post_init__(self) -> None:
        if self.mode not in ("gft", "cfg") or self.variant not in ("paper", "public"):
            raise ValueError(f"unknown guidance mode/variant {self.mode!r}/{self.variant!r}")
        if self.scale < 1 and self.mode == "gft":
            raise ValueError(f"GFT needs scale >= 1 (beta = 1/scale <= 1), got {self.scale}")
        if not 0 <= self.cond_drop < 1:
            raise ValueError(f"cond_drop must be in [0, 1), got {self.cond_drop}")

    @property
    def forwards_per_step(self) -> int:
        return 1 if self.mode == "gft" else 2


GUIDANCE_PRESETS = {
    "gft-paper": GuidanceConfig("gft", 4 / 3, 0.1, "paper"),
    "gft-public": GuidanceConfig("gft", 4 / 3, 0.0, "public"),
    "cfg": GuidanceConfig("cfg", 2.0, 0.25),
}


def training_prediction(
    model: DanceDenoiser, x_t: torch.Tensor, t: torch.Tensor, music: torch.Tensor, genre: torch.Tensor,
    guidance: GuidanceConfig, generator: torch.Generator | None = None,
) -> torch.Tensor:
    """The x0 prediction the loss sees, under the guidance's training rule."""
    batch, device = x_t.shape[0], x_t.device
    ones = torch.ones(batch, device=device)
    if guidance.mode == "cfg":
        keep = torch.rand(batch, generator=generator, device=device) >= guidance.cond_drop
        return model.denoise(x_t, t, model.encode_music(music, genre, keep), None)
    beta = torch.rand(batch, generator=generator, device=device)
    if guidance.variant == "paper":
        keep = torch.rand(batch, generator=generator, device=device) >= guidance.cond_drop
        beta = torch.where(keep, beta, ones)
        unc_beta = ones
    else:
        keep, unc_beta = ones.bool(), beta
    out_c = model.denoise(x_t, t, model.encode_music(music, genre, keep), beta)
    was_training = model.training
    with torch.no_grad():
        model.train(guidance.variant == "public" and was_training)
        out_u = model.denoise(x_t, t, model.encode_music(music, genre, ~ones.bool()), unc_beta)
        model.train(was_training)
    w = beta.view(-1, *([1] * (x_t.dim() - 1)))
    return w * out_c + (1 - w) * out_u


def sampling_denoiser(
    model: DanceDenoiser, music: torch.Tensor, genre: torch.Tensor, guidance: GuidanceConfig,
    weight_at: Callable[[int], float] | None = None,
) -> Denoiser:
    """(x_t, t) -> guided x0 with the music encoded once; `weight_at(t)` overrides the CFG weight."""
    batch, device = music.shape[0], music.device
    keep = torch.ones(batch, dtype=torch.bool, device=device)
    cond = model.encode_music(music, genre, keep)
    if guidance.mode == "gft":
        beta = torch.full((batch,), 1.0 / guidance.scale, device=device)
        return lambda x, t: model.denoise(x, t, cond, beta)
    uncond = model.encode_music(music, genre, ~keep)

    def cfg(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        w = guidance.scale if weight_at is None else weight_at(int(t[0]))
        u = model.denoise(x, t, uncond, None)
        return u + w * (model.denoise(x, t, cond, None) - u)

    return cfg
