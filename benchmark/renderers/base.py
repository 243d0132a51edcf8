"""The appearance renderer interface: (Motion, reference image, music) -> one H.264 + AAC dance video.

A renderer is the second half of a music -> dance video composition (`mace_dance+mannequin`,
`edge+appearance_expert`, ...); its name, label and config go into every results JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from models.body.motion import Motion


@dataclass(frozen=True)
class RenderSettings:
    """What every renderer is built from: output frame rate and size, seed, device, and weight paths."""

    fps: float = 16.0
    width: int = 288  # portrait 9:16 (mannequin); Wan renderers use their own model's size
    height: int = 512
    seed: int = 0
    device: str = "cpu"
    wan_weights: Path | None = None  # diffusers Wan2.2-Animate folder (wan_animate, appearance_expert)
    adapter: Path | None = None  # MACE Appearance Expert adapter file
    lora: Path | None = None  # MACE Appearance Expert LoRA file

    def __post_init__(self) -> None:
        if not self.fps > 0:
            raise ValueError(f"render fps must be > 0, got {self.fps}")
        if self.width <= 0 or self.height <= 0 or self.width % 2 or self.height % 2:
            raise ValueError(f"render size must be positive and even (H.264), got {self.width}x{self.height}")


@dataclass(frozen=True)
class RenderedClip:
    """One rendered video and its provenance: where, how many frames at what fps, wall seconds, pose video."""

    video: Path
    frames: int
    fps: float
    seconds: float
    pose_video: Path | None = None


class AppearanceRenderer(Protocol):
    """Turns a motion (+ reference image, music) into a video file; `label` is carried into every result."""

    name: str
    label: str
    config: dict[str, Any]
    device: str
    precision: str

    def render(self, motion: Motion, image: np.ndarray | None, music: Path | None, out: Path) -> RenderedClip:
        """Write `out` (H.264, the music muxed as AAC when given) atomically and describe it."""
        ...

    def close(self) -> None:
        """Free native resources (GL contexts, models)."""
        ...
