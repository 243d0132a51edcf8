"""75-d kinetic features of one 2D keypoint sequence (MACE-Dance `features/kinetic_2d.py`, spec section 2).

Per joint: mean squared smoothed velocity of each component and mean smoothed acceleration magnitude,
root-relative, computed in float64 and returned as float32.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import convolve

from benchmark.metrics.motion2d.joint_maps import JointMap

SMOOTHING_WINDOW = 5  # zero-padded moving average over +-2 frames


def _front_padded_diff(x: np.ndarray, frame_time: float) -> np.ndarray:
    """(x[t+1] - x[t]) / dt for t < T-1, with the first row repeated so the length stays T."""
    d = np.diff(x, axis=0) / frame_time
    return np.concatenate([d[:1], d], axis=0)


def _smooth(x: np.ndarray) -> np.ndarray:
    """Zero-padded 'same' moving average along time, per joint and component (edges attenuated)."""
    kernel = np.ones(SMOOTHING_WINDOW) / SMOOTHING_WINDOW
    out = np.empty_like(x)
    for j in range(x.shape[1]):
        for c in range(x.shape[2]):
            out[:, j, c] = convolve(x[:, j, c], kernel, mode="same")
    return out


def kinetic_features_2d(keypoints: np.ndarray, frame_time: float, joints: JointMap) -> np.ndarray:
    """(75,) float32 [KE0, KE1, EE] per joint of (T, 25, 2) keypoints (component order as given)."""
    k = np.asarray(keypoints, dtype=np.float64)
    a, b = joints.kinetic_root
    rel = k - ((k[:, a] + k[:, b]) / 2)[:, None]
    velocity = _smooth(_front_padded_diff(rel, frame_time))
    acceleration = _smooth(_front_padded_diff(velocity, frame_time))
    energy = (velocity**2).mean(axis=0)  # (25, 2)
    expenditure = np.sqrt((acceleration**2).sum(axis=2)).mean(axis=0)  # (25,)
    return np.concatenate([energy, expenditure[:, None]], axis=1).reshape(-1).astype(np.float32)
