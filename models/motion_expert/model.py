"""The Motion Expert (MACE-Dance, public Expert-Motion code): music encoder of BiMamba layers with
genre FiLM, dance decoder of BiMamba + music cross-attention layers with timestep/beta FiLM, no
positional encoding (the scans give order), x0 prediction of the 151-d EDGE representation."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from models.diffusion.config import DanceDiffusionConfig
from models.diffusion.denoiser import DanceDenoiser
from models.diffusion.layers import FiLM, TimestepEmbedding
from models.mamba import Mamba, bidirectional_mamba


@dataclass(frozen=True)
class MotionExpertConfig(DanceDiffusionConfig):
    """Motion Expert hyper-parameters; presets `paper` (66.7M parameters) or `cpu_small` (a few hundred thousand, trains on 2 cores)."""

    num_genres: int = 16
    window: int = 1200  # training frames (40 s at 30 fps); any length can be generated
    d_state: int = 16
    d_conv: int = 4
    expand: int = 2
    mamba_backend: str = "auto"


class BiMamba(nn.Module):
    """LayerNorm, then two separate Mambas over time and reversed time, summed, then dropout.

    `fused` (default) lets sampling on CPU run both directions batched (models.mamba.bidirectional_mamba);
    False keeps the two separate Mamba calls, the reference the fused path is tested against.
    """

    fused: bool = True

    def __init__(self, config: MotionExpertConfig) -> None:
        super().__init__()
        mamba = {"d_state": config.d_state, "d_conv": config.d_conv, "expand": config.expand, "backend": config.mamba_backend}
        self.norm = nn.LayerNorm(config.width)
        self.forward_mamba = Mamba(config.width, **mamba)
        self.backward_mamba = Mamba(config.width, **mamba)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x)
        return self.dropout(bidirectional_mamba(self.forward_mamba, self.backward_mamba, x, self.fused))


KeyValue = tuple[torch.Tensor, torch.Tensor]


class CrossModalBlock(nn.Module):
    """Motion queries attend to music (pre-norm), then a GELU FFN; as in the public code, only the
    FFN output is returned (no residual between attention and FFN).

    The music keys and values do not depend on the diffusion step, so `project_music` computes them
    once per sequence; `attn` holds nn.MultiheadAttention's parameters (the public state-dict names)
    and its math is done here with scaled_dot_product_attention.
    """

    def __init__(self, config: MotionExpertConfig) -> None:
        super().__init__()
        self.heads = config.heads
        self.norm_motion = nn.LayerNorm(config.width)
        self.norm_music = nn.LayerNorm(config.width)
        self.attn = nn.MultiheadAttention(config.width, config.heads, dropout=config.dropout, batch_first=True)
        self.norm_ff = nn.LayerNorm(config.width)
        self.ff_in = nn.Linear(config.width, config.ff_width)
        self.ff_out = nn.Linear(config.ff_width, config.width)
        self.dropout = nn.Dropout(config.dropout)

    def _project(self, x: torch.Tensor, which: int) -> torch.Tensor:
        """Rows `which` (0 q, 1 k, 2 v) of the packed in-projection, split into heads (B,H,T,d/H)."""
        d = self.attn.embed_dim
        rows = slice(which * d, (which + 1) * d)
        out = F.linear(x, self.attn.in_proj_weight[rows], self.attn.in_proj_bias[rows])
        return out.unflatten(-1, (self.heads, -1)).transpose(1, 2)

    def project_music(self, music: torch.Tensor) -> KeyValue:
        """Keys and values of the (encoded) music tokens."""
        music = self.norm_music(music)
        return self._project(music, 1), self._project(music, 2)

    def forward(self, x: torch.Tensor, music_kv: KeyValue) -> torch.Tensor:
        q = self._project(self.norm_motion(x), 0)
        dropout = self.attn.dropout if self.training else 0.0
        a = F.scaled_dot_product_attention(q, *music_kv, dropout_p=dropout).transpose(1, 2).flatten(2)
        a = self.dropout(self.attn.out_proj(a))
        return self.dropout(self.ff_out(self.dropout(F.gelu(self.ff_in(self.norm_ff(a))))))


class GenreEmbedding(nn.Module):
    """Embedding(num_genres, d) -> Linear(d, ff) -> Mish -> Linear(ff, d)."""

    def __init__(self, config: MotionExpertConfig) -> None:
        super().__init__()
        self.embed = nn.Embedding(config.num_genres, config.width)
        self.linear_1 = nn.Linear(config.width, config.ff_width)
        self.linear_2 = nn.Linear(config.ff_width, config.width)

    def forward(self, genre: torch.Tensor) -> torch.Tensor:
        return self.linear_2(F.mish(self.linear_1(self.embed(genre))))


class MusicLayer(nn.Module):
    """m = m + FiLM_genre(BiMamba(m))."""

    def __init__(self, config: MotionExpertConfig) -> None:
        super().__init__()
        self.mixer = BiMamba(config)
        self.genre = GenreEmbedding(config)
        self.film = FiLM(config.width)

    def forward(self, m: torch.Tensor, genre: torch.Tensor) -> torch.Tensor:
        return m + self.film(self.mixer(m), self.genre(genre))


class DanceLayer(nn.Module):
    """x = x + FiLM_1(c)(BiMamba(x)); x = x + FiLM_2(c)(CrossModal(x, music)), c = time + beta."""

    def __init__(self, config: MotionExpertConfig) -> None:
        super().__init__()
        self.mixer = BiMamba(config)
        self.cross = CrossModalBlock(config)
        self.film_mixer = FiLM(config.width)
        self.film_cross = FiLM(config.width)

    def forward(self, x: torch.Tensor, music_kv: KeyValue, c: torch.Tensor) -> torch.Tensor:
        x = x + self.film_mixer(self.mixer(x), c)
        return x + self.film_cross(self.cross(x, music_kv), c)


class MotionExpert(DanceDenoiser):
    """x_t (B,T,151), t, music (B,T',35), genre (B,), keep (B,), beta (B,) -> predicted x0 (B,T,151)."""

    def __init__(self, config: MotionExpertConfig) -> None:
        super().__init__()
        self.config = config
        d = config.width
        self.time_embed = TimestepEmbedding(d)
        self.beta_embed = TimestepEmbedding(d)
        self.motion_in = nn.Linear(config.motion_dim, d)
        self.music_in = nn.Linear(config.music_dim, d)
        self.music_layers = nn.ModuleList(MusicLayer(config) for _ in range(config.music_layers))
        self.dance_layers = nn.ModuleList(DanceLayer(config) for _ in range(config.dance_layers))
        self.null_music = nn.Parameter(torch.zeros(1, 1, d))
        self.motion_out = nn.Linear(d, config.motion_dim)

    def encode_music(self, music: torch.Tensor, genre: torch.Tensor, keep: torch.Tensor) -> list[KeyValue]:
        """Each dance layer's cross-attention keys and values of the music tokens (B,T',d).

        Dropped conditions (keep=False) become the null embedding; as in the public code the null
        embedding is added to kept tokens too: m * keep + null.
        """
        m = self.music_in(music)
        for layer in self.music_layers:
            m = layer(m, genre)
        m = m * keep.to(m.dtype).view(-1, 1, 1) + self.null_music
        return [layer.cross.project_music(m) for layer in self.dance_layers]

    def denoise(self, x: torch.Tensor, t: torch.Tensor, memory: list[KeyValue], beta: torch.Tensor | None) -> torch.Tensor:
        """Predicted x0 from x_t given encoded music; beta=None means 1 (no GFT mixing)."""
        if beta is None:
            beta = torch.ones(x.shape[0], device=x.device)
        c = self.time_embed(t) + self.beta_embed(beta * 1000)
        h = self.motion_in(x)
        for layer, music_kv in zip(self.dance_layers, memory, strict=True):
            h = layer(h, music_kv, c)
        return self.motion_out(h)
