"""Per-protocol joint-position preprocessing for the kinetic and geometric features, plus input checks.

- Bailando/AIST++ (`aist3d@bailando`): 24 SMPL joints, first 1200 frames, minus the first-frame
  root (the global trajectory is kept).
- LODGE/FineDance (`finedance3d@lodge`): SMPL-X FK joints[:22], first 1024 frames, minus the
  first-frame root, then joints 1..21 relative to the per-frame root (kinetic 66-d; the geometric
  features are computed on the same 22-joint array).
Arithmetic stays in the input dtype (float32 in the references) so features match them.
"""

from __future__ import annotations

import warnings

import numpy as np

BAILANDO_MAX_FRAMES = 1200
LODGE_MAX_FRAMES = 1024
LODGE_NUM_JOINTS = 22


def as_position_batch(
    positions: np.ndarray, name: str = "positions", min_frames: int = 1, min_joints: int = 1
) -> tuple[np.ndarray, bool]:
    """Validate joint positions (T,J,3) or (N,T,J,3) and return them as a float (N,T,J,3) batch
    plus whether the input was a single sequence. Raises ValueError naming the problem."""
    arr = np.asarray(positions)
    if arr.ndim not in (3, 4) or arr.shape[-1] != 3:
        raise ValueError(f"{name} must have shape (T,J,3) or (N,T,J,3), got {arr.shape}")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    single = arr.ndim == 3
    batch = arr[None] if single else arr
    num_frames, num_joints = batch.shape[1], batch.shape[2]
    if num_frames < min_frames:
        raise ValueError(f"{name} has {num_frames} frames; this feature needs at least {min_frames}")
    if num_joints < min_joints:
        raise ValueError(
            f"{name} has {num_joints} joints; at least {min_joints} (SMPL order) are needed"
        )
    finite = np.isfinite(batch).all(axis=(1, 2, 3))
    if not finite.all():
        where = (
            f"frames {np.flatnonzero(~np.isfinite(batch[0]).all(axis=(1, 2)))[:10].tolist()}"
            if single
            else f"sequences {np.flatnonzero(~finite)[:10].tolist()}"
        )
        raise ValueError(f"{name} contains NaN or inf values ({where})")
    return batch, single


def crop_frames(array: np.ndarray, max_frames: int, name: str, frame_axis: int = -3) -> np.ndarray:
    """Keep the first max_frames frames, as the references do, warning when frames are dropped."""
    num_frames = array.shape[frame_axis]
    if num_frames <= max_frames:
        return array
    warnings.warn(
        f"{name}: keeping the first {max_frames} of {num_frames} frames (protocol crop)", stacklevel=3
    )
    index = [slice(None)] * array.ndim
    index[frame_axis] = slice(0, max_frames)
    return array[tuple(index)]


def bailando_positions(positions: np.ndarray, max_frames: int = BAILANDO_MAX_FRAMES) -> np.ndarray:
    """Bailando/AIST++: first max_frames frames minus the first-frame root, (...,T,J,3)."""
    batch, single = as_position_batch(positions, "positions")
    batch = crop_frames(batch, max_frames, "positions")
    out = batch - batch[:, :1, :1, :]
    return out[0] if single else out


def lodge_positions(joints: np.ndarray, max_frames: int = LODGE_MAX_FRAMES) -> np.ndarray:
    """LODGE/FineDance: joints[:22] of SMPL-X FK joints, first max_frames frames, minus the
    first-frame root, then joints 1..21 relative to the per-frame root. (...,T,22,3)."""
    batch, single = as_position_batch(joints, "joints", min_joints=LODGE_NUM_JOINTS)
    batch = crop_frames(batch[:, :, :LODGE_NUM_JOINTS], max_frames, "joints")
    out = batch - batch[:, :1, :1, :]
    out[:, :, 1:] -= out[:, :, :1]
    return out[0] if single else out
