"""EDGE's long-form generation: windows with 50% overlap sampled as one batch, the first half of
each window inpainted with the second half of the previous one after every DDIM step, guidance
weight ramped from 0 up to w over the steps, then stitched by a linear cross-fade (contacts, root)
and quaternion slerp (joint rotations) over each overlap."""

from __future__ import annotations

import math

import numpy as np
import torch

from models.body.rotations import (
    matrix_to_quaternion,
    matrix_to_rotation_6d,
    quaternion_slerp,
    quaternion_to_matrix,
    rotation_6d_to_matrix,
)
from models.diffusion.generation import DanceGenerator
from models.diffusion.guidance import GuidanceConfig, sampling_denoiser
from models.diffusion.schedule import GaussianDiffusion, ddim_timesteps
from models.edge.model import Edge


def window_count(frames: int, window: int) -> int:
    """Windows of `window` frames at stride window/2 needed to cover `frames`."""
    half = window // 2
    return 1 if frames <= window else math.ceil((frames - window) / half) + 1


def ramped_weights(diffusion: GaussianDiffusion, scale: float) -> dict[int, float]:
    """EDGE's long-form CFG weight per timestep: clip(linspace(0, 2w, steps), max=w)."""
    pairs = ddim_timesteps(diffusion.train_steps, diffusion.config.sampling_steps)
    weights = np.clip(np.linspace(0, 2 * scale, len(pairs)), None, scale)
    return {t: float(w) for (t, _), w in zip(pairs, weights)}


def stitch_windows(windows: np.ndarray) -> np.ndarray:
    """(n, W, 151) unnormalised windows at stride W/2 -> (W + (n-1) W/2, 151)."""
    n, size, dim = windows.shape
    half = size // 2
    out = np.zeros((size + (n - 1) * half, dim), dtype=np.float64)
    out[:size] = windows[0]
    w = np.linspace(0, 1, half)[:, None]
    joints = (dim - 7) // 6
    for k in range(1, n):
        start = k * half
        left, right = out[start : start + half], windows[k, :half].astype(np.float64)
        blend = (1 - w) * left + w * right
        q_left = matrix_to_quaternion(rotation_6d_to_matrix(left[:, 7:].reshape(half, joints, 6)))
        q_right = matrix_to_quaternion(rotation_6d_to_matrix(right[:, 7:].reshape(half, joints, 6)))
        slerped = quaternion_to_matrix(quaternion_slerp(q_left, q_right, w[:, :, None]))
        blend[:, 7:] = matrix_to_rotation_6d(slerped).reshape(half, -1)
        out[start : start + half] = blend
        out[start + half : start + size] = windows[k, half:]
    return out


@torch.no_grad()
def sample_long(
    model: Edge, diffusion: GaussianDiffusion, guidance: GuidanceConfig, music: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Normalised windows (n, W, 151) for one music feature (T,35); stitch after unnormalising."""
    window, frames = model.config.window, music.shape[0]
    if window % 2:
        raise ValueError(f"EDGE long-form needs an even window, got {window}")
    half, n = window // 2, window_count(frames, window)
    padded = window + (n - 1) * half
    if frames < padded:
        music = torch.cat([music, music[-1:].expand(padded - frames, -1)])
    windows = torch.stack([music[k * half : k * half + window] for k in range(n)])
    genre = torch.zeros(n, dtype=torch.long, device=music.device)
    if n == 1:
        denoise = sampling_denoiser(model, windows, genre, guidance)
        return diffusion.ddim_sample(denoise, (1, window, model.config.motion_dim), generator, music.device)
    weights = ramped_weights(diffusion, guidance.scale)
    denoise = sampling_denoiser(model, windows, genre, guidance, weight_at=weights.__getitem__)

    def inpaint(x: torch.Tensor) -> torch.Tensor:
        x[1:, :half] = x[:-1, half:]
        return x

    return diffusion.ddim_sample(denoise, (n, window, model.config.motion_dim), generator, music.device, inpaint)


def sample_windowed(generator: DanceGenerator, music: torch.Tensor, genre: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """EDGE's sampler for `models.registry`: each sequence as overlapping windows, stitched (genre unused)."""
    out = []
    for one in music:
        windows = sample_long(generator.loaded.model, generator.diffusion, generator.guidance, one, rng)
        stitched = stitch_windows(generator.loaded.normalizer.unnormalize(windows).cpu().numpy())
        out.append(torch.from_numpy(stitched[: one.shape[0]]))
    return torch.stack(out)
