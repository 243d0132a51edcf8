"""Floor height of a sequence from its feet: real mocap floors sit tens of centimetres off y = 0, and the
foot-contact metrics (FSR, PFC) read contact from heights, so the estimate is reported with the results."""

from __future__ import annotations

import numpy as np

FOOT_JOINTS = (7, 8, 10, 11)  # left/right ankle, left/right foot (toes): the same in SMPL-24 and SMPL-X
FLOOR_PERCENTILE = 5.0  # low, but above a few frames of marker noise
DRIFT_WARN_METRES = 0.05


def floor_height(joints: np.ndarray, percentile: float = FLOOR_PERCENTILE) -> float:
    """Estimated floor (y, metres) of joints (T,J,3) y-up: a low percentile over frames of the lowest foot joint."""
    arr = np.asarray(joints, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[1] <= max(FOOT_JOINTS) or arr.shape[2] != 3 or not len(arr):
        raise ValueError(f"joints must be (frames, joints>={max(FOOT_JOINTS) + 1}, 3) y-up positions, got {arr.shape}")
    lowest = arr[:, FOOT_JOINTS, 1].min(axis=1)
    return float(np.percentile(lowest, percentile))
