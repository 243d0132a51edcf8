"""The frame-array and frame-shape checks shared by pose estimation, curation and the video metrics."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from models.command_line import env_number


def check_frames(frames: np.ndarray, name: str, min_frames: int = 1) -> np.ndarray:
    """`frames` if it is (T >= min_frames, H, W, 3) uint8 RGB, else ValueError naming `name` and the problem."""
    if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8:
        raise ValueError(
            f"{name}: frames must be a uint8 numpy array, got {type(frames).__name__} "
            f"{getattr(frames, 'dtype', '')}".rstrip()
        )
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"{name}: frames must have shape (T, H, W, 3) RGB, got {frames.shape}")
    if len(frames) < min_frames:
        raise ValueError(f"{name}: needs at least {min_frames} frame(s), got {len(frames)}")
    return frames


def square_tiles(width: int, height: int, tiles: int | str = "auto") -> list[tuple[int, int, int, int]]:
    """(x0, y0, w, h) crops: `tiles` squares of the short side spread evenly along the long side.

    "auto": one whole frame up to 4:3, else ceil(long / short) + 1 squares (overlapping by >= 1/3).
    """
    short, long = min(width, height), max(width, height)
    if tiles == "auto":
        tiles = 1 if long <= short * 4 / 3 else math.ceil(long / short) + 1
    if not isinstance(tiles, int) or tiles < 1:
        raise ValueError(f"tiles must be 'auto' or a whole number >= 1, got {tiles!r}")
    if tiles == 1:
        return [(0, 0, width, height)]
    starts = np.linspace(0, long - short, tiles).round().astype(int)
    if width >= height:
        return [(int(s), 0, short, short) for s in starts]
    return [(0, int(s), short, short) for s in starts]


class FrameGeometryError(ValueError):
    """A frame shape outside FrameLimits (too elongated, too many pixels, too many tiles)."""


@dataclass(frozen=True)
class FrameLimits:
    """Frame shapes the suite decodes, resizes and estimates poses on; callers check the stream header first.

    A 10000x10 video would otherwise be cut into ~1000 pose tiles per frame (40 minutes for 80 frames).
    """

    max_aspect: float = 4.0  # long side / short side
    max_pixels: int = 40_000_000  # width * height (8K UHD is 33.2 M)
    max_tiles: int = 6  # square tiles of the short side ("auto" rule of square_tiles)

    @classmethod
    def from_env(cls) -> FrameLimits:
        """The limits from $MACE_MAX_FRAME_ASPECT, $MACE_MAX_FRAME_PIXELS and $MACE_MAX_POSE_TILES (else the defaults)."""
        default = cls()
        return cls(env_number("MACE_MAX_FRAME_ASPECT", default.max_aspect),
                   int(env_number("MACE_MAX_FRAME_PIXELS", default.max_pixels)),
                   int(env_number("MACE_MAX_POSE_TILES", default.max_tiles)))

    def problem(self, width: int, height: int) -> str | None:
        """Why a width x height frame is refused, or None when it is within the limits."""
        if width < 1 or height < 1:
            return f"{width}x{height} has no pixels"
        aspect = max(width, height) / min(width, height)
        if aspect > self.max_aspect:
            return f"{width}x{height} has aspect ratio {aspect:.3g} > max_aspect {self.max_aspect:g}"
        if width * height > self.max_pixels:
            return f"{width}x{height} has {width * height} pixels > max_pixels {self.max_pixels}"
        tiles = len(square_tiles(width, height))
        if tiles > self.max_tiles:
            return f"{width}x{height} needs {tiles} pose tiles > max_tiles {self.max_tiles}"
        return None

    def check(self, width: int, height: int, name: str) -> None:
        """Raise FrameGeometryError naming `name` when the frame shape is outside the limits."""
        problem = self.problem(width, height)
        if problem is not None:
            raise FrameGeometryError(f"{name}: frame {problem}")



def reflect_index(index: int, length: int) -> int:
    """Frame `index` of a video reflect-padded past its `length` frames: 0 1 2 3 2 1 0 1 ... (Wan-Animate's padding)."""
    if length <= 1:
        return 0
    period = 2 * (length - 1)
    index %= period
    return index if index < length else period - index
