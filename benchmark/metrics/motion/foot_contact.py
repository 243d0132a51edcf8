"""Physical Foot Contact score (PFC) as EDGE `eval/eval_pfc.py` computes it, x10000.

Per sequence of SMPL-24 joint positions (S, 24, 3), DT = 1/30:
root acceleration = second difference of joint 0 / DT^2, its up component clamped >= 0, its norm
divided by its own maximum; per foot the horizontal displacement feet[t+1]-feet[t] for t=1..S-2
(ankles 7/8, toes 10/11), min of ankle and toe per side; score = mean_t minL * minR * root_a.
Reported PFC = mean over sequences of score x 10000 (`pfc_scores` returns the per-sequence
values already scaled, so their mean is the reported number).

EDGE feeds z-up positions (its FK after a y->z rotation). The up axis must be named here:
EDGE's code applied to y-up data silently treats y as horizontal and z as up and returns a
different, wrong number. `up_axis="y"` on y-up positions gives the value EDGE would report on
the same motion rotated to z-up (a rotation about x preserves horizontal distances).
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np

from benchmark.metrics.warnings import DegenerateMetricWarning

EDGE_DT = 1.0 / 30.0
PFC_SCALE = 10000.0
ROOT, LEFT_ANKLE, LEFT_TOE, RIGHT_ANKLE, RIGHT_TOE = 0, 7, 10, 8, 11
_AXIS = {"x": 0, "y": 1, "z": 2}


def pfc_scores(
    positions: np.ndarray, *, up_axis: Literal["y", "z"], dt: float = EDGE_DT
) -> np.ndarray:
    """Per-sequence PFC x10000 of positions (..., S, J>=12, 3); returns shape (...).

    A sequence whose root never accelerates (all normalised accelerations 0/0) scores 0.0 with a
    DegenerateMetricWarning: no foot-contact violation can be attributed (EDGE yields NaN)."""
    if up_axis not in ("y", "z"):
        raise ValueError(f"up_axis must be 'y' or 'z' (EDGE's data is z-up), got {up_axis!r}")
    if dt <= 0:
        raise ValueError(f"dt must be positive, got {dt}")
    pos = np.asarray(positions, dtype=np.float64)
    if pos.ndim < 3 or pos.shape[-1] != 3 or pos.shape[-2] <= RIGHT_TOE:
        raise ValueError(f"positions must be (..., frames, joints>=12, 3), got shape {pos.shape}")
    if pos.shape[-3] < 3:
        raise ValueError(f"PFC needs >= 3 frames for a root acceleration, got {pos.shape[-3]}")
    if not np.isfinite(pos).all():
        raise ValueError(f"positions contain {int((~np.isfinite(pos)).sum())} non-finite values")
    up = _AXIS[up_axis]
    flat = [a for a in range(3) if a != up]

    root_a = np.diff(pos[..., ROOT, :], n=2, axis=-2) / dt**2  # (..., S-2, 3)
    root_a[..., up] = np.maximum(root_a[..., up], 0.0)
    root_a = np.linalg.norm(root_a, axis=-1)
    peak = root_a.max(axis=-1, keepdims=True)
    still = peak[..., 0] == 0
    if still.any():
        warnings.warn(
            f"PFC: {int(still.sum())} sequence(s) with zero root acceleration (0/0 in EDGE); "
            "scored 0.0",
            DegenerateMetricWarning,
            stacklevel=2,
        )
    root_a = np.divide(root_a, peak, out=np.zeros_like(root_a), where=peak > 0)

    feet = pos[..., [LEFT_ANKLE, LEFT_TOE, RIGHT_ANKLE, RIGHT_TOE], :][..., flat]
    foot_v = np.linalg.norm(feet[..., 2:, :, :] - feet[..., 1:-1, :, :], axis=-1)  # (..., S-2, 4)
    left = np.minimum(foot_v[..., 0], foot_v[..., 1])
    right = np.minimum(foot_v[..., 2], foot_v[..., 3])
    return (left * right * root_a).mean(axis=-1) * PFC_SCALE
