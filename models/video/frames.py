"""The one frame-array check shared by pose estimation and the video metrics."""

from __future__ import annotations

import numpy as np


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
