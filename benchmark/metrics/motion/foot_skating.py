"""Foot Skating Ratio (FSR) as LODGE `metric/foot_skating.py` computes it.

Input: SMPL-X FK joint positions (T, J>=12, 3), y-up metres, root translation already applied
(LODGE runs FK on the 139-column layout; 135/315 inputs get 4 zero contact columns, which FK
ignores). Grounding uses frame 0 only: if the toes (10, 11) are within 2 cm of each other the
ground is their mean height, else the lower one; LODGE subtracts it from trans-y, which moves
every joint by the same amount, so it is subtracted from the joint heights here.
Per side (ankle 7/8, toe 10/11): contact = ankle_y <= 0.08 and toe_y <= 0.05; velocity =
x[t+1]-x[t] per frame (last frame 0), zeroed outside contact; a joint slides when
|mean(vx, vz)| > 0.01 (a SIGNED mean of the two horizontal components, not a norm); a frame
slides when the ankle or the toe does; ratio = sliding frames / contact frames.
The thresholds are per frame (m/frame), so the value depends on the frame rate (30 fps in LODGE).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from benchmark.metrics.warnings import DegenerateMetricWarning

LEFT_ANKLE, RIGHT_ANKLE, LEFT_TOE, RIGHT_TOE = 7, 8, 10, 11
TOE_LEVEL_TOLERANCE = 0.02
ANKLE_CONTACT_HEIGHT = 0.08
TOE_CONTACT_HEIGHT = 0.05
SLIDE_THRESHOLD = 0.01  # metres per frame


def _check_joints(joints: np.ndarray) -> np.ndarray:
    arr = np.asarray(joints, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[1] <= RIGHT_TOE or arr.shape[2] != 3:
        raise ValueError(f"joints must be (frames, joints>=12, 3) y-up positions, got {arr.shape}")
    if arr.shape[0] < 2:
        raise ValueError(f"need at least 2 frames for foot velocities, got {arr.shape[0]}")
    if not np.isfinite(arr).all():
        frames = np.unique(np.nonzero(~np.isfinite(arr))[0])
        raise ValueError(f"joints contain non-finite values at frames {frames[:10].tolist()}")
    return arr


def ground_height(joints: np.ndarray) -> float:
    """LODGE's ground from frame 0: mean toe height if the toes are level (< 2 cm), else the min."""
    left, right = joints[0, LEFT_TOE, 1], joints[0, RIGHT_TOE, 1]
    if abs(left - right) < TOE_LEVEL_TOLERANCE:
        return float((left + right) / 2)
    return float(min(left, right))


def _side_ratio(ankle: np.ndarray, toe: np.ndarray, side: str) -> float:
    """Sliding/contact frame ratio of one foot from its ankle and toe tracks (T, 3), grounded."""
    contact = (ankle[:, 1] <= ANKLE_CONTACT_HEIGHT) & (toe[:, 1] <= TOE_CONTACT_HEIGHT)
    feet = np.stack([ankle, toe], axis=1)  # (T, 2, 3)
    vel = np.zeros_like(feet)
    vel[:-1] = feet[1:] - feet[:-1]
    vel[~contact] = 0.0
    slides = (np.abs(vel[:, :, [0, 2]].mean(axis=-1)) > SLIDE_THRESHOLD).any(axis=1)
    n_contact = int(contact.sum())
    if n_contact == 0:
        warnings.warn(
            f"FSR: the {side} foot never touches the ground in {len(contact)} frames; "
            "its ratio is 0/0 = NaN (as the reference)",
            DegenerateMetricWarning,
            stacklevel=3,
        )
        return float("nan")
    return int(slides.sum()) / n_contact


def foot_skating_ratios(joints: np.ndarray, ground: float | None = None) -> tuple[float, float]:
    """(left, right) sliding ratios of one sequence of SMPL-X joint positions (T, J>=12, 3), contact heights read
    above `ground` (None: LODGE's frame-0 `ground_height`)."""
    pos = _check_joints(joints)
    grounded = pos[:, [LEFT_ANKLE, RIGHT_ANKLE, LEFT_TOE, RIGHT_TOE]].copy()
    grounded[..., 1] -= ground_height(pos) if ground is None else ground
    left = _side_ratio(grounded[:, 0], grounded[:, 2], "left")
    right = _side_ratio(grounded[:, 1], grounded[:, 3], "right")
    return left, right


def fsr_mean(
    left: Sequence[float], right: Sequence[float], exclude_undefined: bool = False
) -> float:
    """LODGE's reported FSR: (mean over files of left ratios + mean of right ratios) / 2.

    compat (`exclude_undefined=False`): a NaN ratio (a foot with no contact frame) makes the
    result NaN, as in the reference. v1 (`True`): each side's mean skips its NaN ratios, with a
    DegenerateMetricWarning naming how many."""
    sides = {"left": np.asarray(left, dtype=np.float64), "right": np.asarray(right, np.float64)}
    shape = sides["left"].shape
    if shape != sides["right"].shape or len(shape) != 1 or not shape[0]:
        raise ValueError(
            f"need equally many left and right ratios (>= 1), got {sides['left'].shape} "
            f"and {sides['right'].shape}"
        )
    means = []
    for side, ratios in sides.items():
        undefined = np.isnan(ratios)
        if exclude_undefined and undefined.any():
            if undefined.all():
                raise ValueError(f"FSR: no file has a {side}-foot contact frame")
            warnings.warn(
                f"FSR mean skips {int(undefined.sum())} of {ratios.size} files with no "
                f"{side}-foot contact",
                DegenerateMetricWarning,
                stacklevel=2,
            )
            ratios = ratios[~undefined]
        means.append(ratios.mean())
    return float(sum(means) / 2)
