"""Sampling dances from a checkpoint: music features (T,35) -> unnormalised EDGE-151 arrays (T,151).

The Motion Expert generates each sequence in one non-autoregressive pass at its full length (its
scans carry no positional limit); EDGE samples overlapping windows and stitches them.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from models.diffusion.checkpoint import LoadedModel
from models.diffusion.cuda_graph import CudaGraphDenoiser
from models.diffusion.data import genre_ids
from models.diffusion.guidance import sampling_denoiser
from models.diffusion.kinds import ModelKind
from models.diffusion.schedule import GaussianDiffusion


class DanceGenerator:
    """Generate with a loaded checkpoint; `sampling_steps` overrides the stored DDIM step count;
    `cuda_graphs` replays each whole-sequence sampling step as a CUDA graph (GPU only)."""

    def __init__(
        self, loaded: LoadedModel, kind: ModelKind, sampling_steps: int | None = None, cuda_graphs: bool = False
    ) -> None:
        self.loaded, self.kind, self.cuda_graphs = loaded, kind, cuda_graphs
        config = loaded.meta.diffusion_config()
        if sampling_steps is not None:
            config = replace(config, sampling_steps=sampling_steps)
        self.diffusion = GaussianDiffusion(config)
        self.guidance = loaded.meta.guidance_config()
        self.device = next(loaded.model.parameters()).device
        if cuda_graphs and kind.sampler is not sample_whole:
            raise ValueError(f"CUDA graphs are implemented for the whole-sequence sampler, not {kind.name}'s")
        if cuda_graphs and self.device.type != "cuda":
            raise ValueError(f"CUDA graphs need the model on a CUDA device, it is on {self.device}")

    @torch.no_grad()
    def sample_batch(self, music: torch.Tensor, genre: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Equal-length batch (B,T,35) -> unnormalised (B,T,151): one whole sampling call (timed for FPS)."""
        return self.kind.sampler(self, music, genre, generator)

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


def sample_whole(generator: DanceGenerator, music: torch.Tensor, genre: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """The default sampler: DDIM over the whole sequence at once (the Motion Expert's; any length), each
    step after the first a CUDA graph replay when the generator asks for it."""
    model, normalizer = generator.loaded.model, generator.loaded.normalizer
    denoise = sampling_denoiser(model, music, genre, generator.guidance)
    if generator.cuda_graphs:
        denoise = CudaGraphDenoiser(denoise)
    shape = (*music.shape[:2], model.config.motion_dim)
    return normalizer.unnormalize(generator.diffusion.ddim_sample(denoise, shape, rng, generator.device))
