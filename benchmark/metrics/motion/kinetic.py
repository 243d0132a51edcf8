"""Kinetic motion features (the FID_k / DIV_k input): [hKE, vKE, EE] per joint, vectorised over frames.

Reproduces Bailando/AIST++ `extract_kinetic_features` value for value (float32 element-wise maths,
float64 window accumulation), including its energy-expenditure operator-precedence bug
(`ee_bug=True`); `ee_bug=False` gives the intended mean acceleration magnitude.
"""

from __future__ import annotations

import numpy as np

from benchmark.metrics.motion.preprocess import as_position_batch

DEFAULT_FRAME_TIME = 1.0 / 60.0  # every reference uses 1/60 s whatever the data fps
WINDOW = 2  # sliding window half-width (frames) of the reference
MIN_FRAMES = 3  # EE needs one frame with both neighbours; with 2 frames the reference divides by 0


def _windowed_sum(terms: np.ndarray, num_out: int) -> tuple[np.ndarray, np.ndarray]:
    """For every output frame o, sum terms[o-WINDOW .. o+WINDOW] (axis -3), skipping indices outside.

    Mirrors the reference loop: float64 additions in ascending order. Returns the sums
    (...,num_out,J,3) and how many terms each sum has (num_out,).
    """
    width = 2 * WINDOW + 1
    pad = [(0, 0)] * terms.ndim
    pad[-3] = (WINDOW, num_out + WINDOW - terms.shape[-3])
    padded = np.pad(terms.astype(np.float64), pad)
    valid = np.pad(np.ones(terms.shape[-3], dtype=np.int64), pad[-3])
    total = padded[..., 0:num_out, :, :].copy()
    count = valid[0:num_out].copy()
    for shift in range(1, width):
        total += padded[..., shift : shift + num_out, :, :]
        count += valid[shift : shift + num_out]
    return total, count


def kinetic_features(
    positions: np.ndarray, frame_time: float = DEFAULT_FRAME_TIME, ee_bug: bool = True
) -> np.ndarray:
    """Kinetic features of joint positions (T,J,3) or a batch (N,T,J,3), y-up metres.

    Returns float32 (3J,) or (N,3J) with [hKE, vKE, EE] of joint j at 3j..3j+2 (spec section 1).
    `ee_bug=True` is the published (buggy) EE, roughly 3600 x distance from the origin.
    """
    pos, single = as_position_batch(positions, "positions", min_frames=MIN_FRAMES)
    if not (np.isfinite(frame_time) and frame_time > 0):
        raise ValueError(f"frame_time must be a positive finite number of seconds, got {frame_time}")
    num_frames = pos.shape[-3]
    num_out = num_frames - 1  # features are averaged over frames 1..T-1
    ft = pos.dtype.type(frame_time)  # the reference divides arrays by a Python float: input precision

    step = pos[..., 1:, :, :] - pos[..., :-1, :, :]  # step[m] = p[m+1] - p[m]
    vel_sum, vel_count = _windowed_sum(step, num_out)  # frame i=o+1 sums step[i+k-1], k=-2..2
    velocity = vel_sum / (vel_count * frame_time)[:, None, None]
    horizontal = np.sqrt(velocity[..., 0] ** 2 + velocity[..., 2] ** 2)
    h_ke = (horizontal**2).sum(axis=-2) / num_out
    v_ke = (velocity[..., 1] ** 2).sum(axis=-2) / num_out

    # acceleration terms at a = 1..T-2 (array index a-1): (v2 - v1) / ft, v2 = (p[a+1]-p[a]) / ft
    if ee_bug:  # reference precedence and precision: v1 = p[a] - p[a-1]/ft in the input dtype
        v2 = step[..., 1:, :, :] / ft
        v1 = pos[..., 1:-1, :, :] - pos[..., :-2, :, :] / ft
        accel = (v2 - v1) / ft
    else:  # intended: v1 = (p[a]-p[a-1]) / ft, in float64 (a second difference cancels digits)
        step64 = np.diff(pos.astype(np.float64), axis=-3)
        accel = (step64[..., 1:, :, :] / frame_time - step64[..., :-1, :, :] / frame_time) / frame_time
    acc_sum, acc_count = _windowed_sum(accel, num_out)  # term o+k is a = i+k
    acc = acc_sum / acc_count[:, None, None]
    energy = np.sqrt(acc[..., 0] ** 2 + acc[..., 1] ** 2 + acc[..., 2] ** 2).sum(axis=-2) / num_out

    feats = np.stack([h_ke, v_ke, energy], axis=-1).reshape(*pos.shape[:-3], -1).astype(np.float32)
    return feats[0] if single else feats
