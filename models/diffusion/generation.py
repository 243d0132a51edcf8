"""Sampling dances from a checkpoint: music features (T,35) -> unnormalised EDGE-151 arrays (T,151).

The Motion Expert generates each sequence in one non-autoregressive pass at its full length (its
scans carry no positional limit); EDGE samples overlapping windows and stitches them.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from models.diffusion.checkpoint import LoadedModel, load_model
from models.diffusion.data import genre_ids
from models.diffusion.guidance import sampling_denoiser
from models.diffusion.schedule import GaussianDiffusion
from models.edge.longform import sample_long, stitch_windows


class DanceGenerator:
    """Generate with a loaded checkpoint; `sampling_steps` overrides the stored DDIM step count."""

    def __init__(self, loaded: LoadedModel, sampling_steps: int | None = None) -> None:
        self.loaded = loaded
        config = loaded.meta.diffusion_config()
        if sampling_steps is not None:
            config = replace(config, sampling_steps=sampling_steps)
        self.diffusion = GaussianDiffusion(config)
        self.guidance = loaded.meta.guidance_config()
        self.device = next(loaded.model.parameters()).device

    @classmethod
    def from_checkpoint(cls, path: str, weights: str = "ema", device: str = "cpu", sampling_steps: int | None = None) -> DanceGenerator:
        return cls(load_model(path, weights, device), sampling_steps)

    @property
    def kind(self) -> str:
        return self.loaded.meta.kind

    @torch.no_grad()
    def sample_batch(self, music: torch.Tensor, genre: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Equal-length batch (B,T,35) -> unnormalised (B,T,151): one whole sampling call (timed for FPS)."""
        model, normalizer = self.loaded.model, self.loaded.normalizer
        if self.kind == "edge":
            return torch.stack([self._edge_one(m, generator) for m in music])
        denoise = sampling_denoiser(model, music, genre, self.guidance)
        shape = (*music.shape[:2], model.config.motion_dim)
        return normalizer.unnormalize(self.diffusion.ddim_sample(denoise, shape, generator, self.device))

    def _edge_one(self, music: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        windows = sample_long(self.loaded.model, self.diffusion, self.guidance, music, generator)
        stitched = stitch_windows(self.loaded.normalizer.unnormalize(windows).cpu().numpy())
        return torch.from_numpy(stitched[: music.shape[0]])

    def generate(self, music: list[np.ndarray], genres: list[str | None], seed: int = 0) -> list[np.ndarray]:
        """Unnormalised (T_i,151) arrays for music features (T_i,35), equal lengths batched together."""
        if len(music) != len(genres):
            raise ValueError(f"got {len(music)} music features but {len(genres)} genres")
        for i, m in enumerate(music):
            if m.ndim != 2 or m.shape[1] != self.loaded.model.config.music_dim or len(m) < 2:
                raise ValueError(f"music feature {i} must be (T>=2, {self.loaded.model.config.music_dim}), got {m.shape}")
        generator = torch.Generator(device=self.device).manual_seed(seed)
        ids = genre_ids(genres, self.loaded.meta.genres)
        out: list[np.ndarray | None] = [None] * len(music)
        for length in sorted({len(m) for m in music}):
            members = [i for i, m in enumerate(music) if len(m) == length]
            batch = torch.from_numpy(np.stack([music[i] for i in members])).float().to(self.device)
            genre = torch.from_numpy(ids[members]).to(self.device)
            result = self.sample_batch(batch, genre, generator).cpu().numpy()
            for i, array in zip(members, result):
                out[i] = array.astype(np.float64)
        return out  # type: ignore[return-value]
