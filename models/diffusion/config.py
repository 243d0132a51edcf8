"""The config fields every dance-diffusion architecture shares, with the `paper` and `cpu_small` presets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from models.presets import PresetConfig

CPU_SMALL = {"width": 64, "ff_width": 128, "heads": 4, "dance_layers": 2, "music_layers": 1, "window": 60}


@dataclass(frozen=True)
class DanceDiffusionConfig(PresetConfig):
    """Fields every music-to-dance denoiser here shares (widths, depths, the 151-d motion, 35-d music)."""

    PRESETS: ClassVar[dict[str, dict[str, Any]]] = {"paper": {}, "cpu_small": CPU_SMALL}

    width: int = 512
    ff_width: int = 1024
    heads: int = 8
    dance_layers: int = 8
    music_layers: int = 2
    dropout: float = 0.1
    motion_dim: int = 151
    music_dim: int = 35
