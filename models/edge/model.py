"""EDGE's DanceDecoder (Stanford-TML/EDGE): music encoder Linear + 2 post-norm Transformer encoder
layers; decoder of pre-norm layers self-attention -> cross-attention -> FFN, each FiLM-modulated by
time + pooled music, with rotary position on the whole width of queries and keys; the cross-attention
memory is the music tokens plus two time tokens."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from models.diffusion.config import DanceDiffusionConfig
from models.diffusion.denoiser import DanceDenoiser
from models.diffusion.layers import FiLM, SinusoidalEmbedding


@dataclass(frozen=True)
class EdgeConfig(DanceDiffusionConfig):
    """EDGE hyper-parameters; presets `paper` (EDGE as released with 35-d music) or `cpu_small`."""

    window: int = 150  # 5-s windows at 30 fps; longer dances are stitched (models.edge.longform)


class Rotary(nn.Module):
    """Rotary position embedding over the full width, interleaved pairs (rotary-embedding-torch)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.register_buffer("freqs", 1.0 / 10000 ** (torch.arange(0, dim, 2).float() / dim), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        angles = torch.arange(x.shape[1], device=x.device).float()[:, None] * self.freqs
        cos, sin = angles.cos().repeat_interleave(2, -1), angles.sin().repeat_interleave(2, -1)
        pairs = x.unflatten(-1, (-1, 2))
        rotated = torch.stack([-pairs[..., 1], pairs[..., 0]], dim=-1).flatten(-2)
        return x * cos + rotated * sin


class FeedForward(nn.Sequential):
    def __init__(self, config: EdgeConfig) -> None:
        super().__init__(
            nn.Linear(config.width, config.ff_width), nn.GELU(), nn.Dropout(config.dropout),
            nn.Linear(config.ff_width, config.width), nn.Dropout(config.dropout),
        )


class EncoderLayer(nn.Module):
    """Post-norm self-attention + FFN with rotary queries/keys (EDGE's music encoder layer)."""

    def __init__(self, config: EdgeConfig, rotary: Rotary) -> None:
        super().__init__()
        self.rotary = rotary
        self.attn = nn.MultiheadAttention(config.width, config.heads, dropout=config.dropout, batch_first=True)
        self.norm_attn = nn.LayerNorm(config.width)
        self.ff = FeedForward(config)
        self.norm_ff = nn.LayerNorm(config.width)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        qk = self.rotary(x)
        x = self.norm_attn(x + self.dropout(self.attn(qk, qk, x, need_weights=False)[0]))
        return self.norm_ff(x + self.ff(x))


class DecoderLayer(nn.Module):
    """Pre-norm self-attention, cross-attention to music + time tokens, FFN; each FiLM'd by c."""

    def __init__(self, config: EdgeConfig, rotary: Rotary) -> None:
        super().__init__()
        d = config.width
        self.rotary = rotary
        self.self_attn = nn.MultiheadAttention(d, config.heads, dropout=config.dropout, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(d, config.heads, dropout=config.dropout, batch_first=True)
        self.ff = FeedForward(config)
        self.norm_self, self.norm_cross, self.norm_ff = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.film_self, self.film_cross, self.film_ff = FiLM(d), FiLM(d), FiLM(d)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, memory: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        h = self.norm_self(x)
        qk = self.rotary(h)
        x = x + self.film_self(self.dropout(self.self_attn(qk, qk, h, need_weights=False)[0]), c)
        h = self.norm_cross(x)
        a = self.cross_attn(self.rotary(h), self.rotary(memory), memory, need_weights=False)[0]
        x = x + self.film_cross(self.dropout(a), c)
        return x + self.film_ff(self.ff(self.norm_ff(x)), c)


class Edge(DanceDenoiser):
    """x_t (B,T,151), t, music (B,T,35), keep (B,) -> predicted x0; T <= config.window."""

    def __init__(self, config: EdgeConfig) -> None:
        super().__init__()
        self.config = config
        d = config.width
        rotary = Rotary(d)
        self.motion_in = nn.Linear(config.motion_dim, d)
        self.music_in = nn.Linear(config.music_dim, d)
        self.music_encoder = nn.ModuleList(EncoderLayer(config, rotary) for _ in range(config.music_layers))
        self.null_music = nn.Parameter(torch.randn(1, config.window, d))
        self.null_pooled = nn.Parameter(torch.randn(1, d))
        self.music_pool = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d))
        self.time_hidden = nn.Sequential(SinusoidalEmbedding(d), nn.Linear(d, 4 * d), nn.Mish())
        self.time_cond = nn.Linear(4 * d, d)
        self.time_tokens = nn.Linear(4 * d, 2 * d)
        self.norm_memory = nn.LayerNorm(d)
        self.dance_layers = nn.ModuleList(DecoderLayer(config, rotary) for _ in range(config.dance_layers))
        self.motion_out = nn.Linear(d, config.motion_dim)

    def encode_music(
        self, music: torch.Tensor, genre: torch.Tensor, keep: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(music tokens, pooled music); dropped conditions take the learned null tokens. EDGE has no genre."""
        length = music.shape[1]
        if length > self.config.window:
            raise ValueError(f"EDGE encodes at most its window ({self.config.window} frames), got {length}")
        tokens = self.music_in(music)
        for layer in self.music_encoder:
            tokens = layer(tokens)
        keep = keep.bool()
        tokens = torch.where(keep.view(-1, 1, 1), tokens, self.null_music[:, :length])
        pooled = torch.where(keep.view(-1, 1), self.music_pool(tokens.mean(dim=1)), self.null_pooled)
        return tokens, pooled

    def denoise(
        self, x: torch.Tensor, t: torch.Tensor, memory: tuple[torch.Tensor, torch.Tensor], beta: torch.Tensor | None
    ) -> torch.Tensor:
        if beta is not None:
            raise ValueError("EDGE has no GFT beta input: train and sample it with CFG")
        tokens, pooled = memory
        hidden = self.time_hidden(t)
        c = self.time_cond(hidden) + pooled
        memory_tokens = self.norm_memory(torch.cat([tokens, self.time_tokens(hidden).unflatten(-1, (2, -1))], dim=1))
        h = self.motion_in(x)
        for layer in self.dance_layers:
            h = layer(h, memory_tokens, c)
        return self.motion_out(h)
