"""Model-free frame fidelity: SSIM and PSNR per frame of two aligned uint8 RGB videos.

SSIM is Wang et al. 2004 with an 11-tap Gaussian window (sigma 1.5, truncate 3.5), population
covariances, K1 0.01, K2 0.03, data range 255, per RGB channel then averaged: scikit-image's
`structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
data_range=255, channel_axis=-1)`, computed here in float64 with the same scipy filter (equal to
~1e-15), batched over frames. PSNR is 10 log10(255^2 / MSE) over all pixels and channels of a frame.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

DATA_RANGE = 255.0
SSIM_SIGMA = 1.5
SSIM_TRUNCATE = 3.5  # with sigma 1.5: radius 5, the 11x11 window of Wang et al.
SSIM_K1, SSIM_K2 = 0.01, 0.03
_CHUNK = 8  # frames filtered at once (bounds memory: 5 float64 copies of a chunk)


def check_pair(pred: np.ndarray, gt: np.ndarray) -> None:
    """Raise ValueError unless both are (T, H, W, 3) uint8 arrays of the same shape."""
    for name, video in (("pred", pred), ("GT", gt)):
        if video.dtype != np.uint8 or video.ndim != 4 or video.shape[-1] != 3:
            raise ValueError(f"{name} frames must be (T, H, W, 3) uint8, got {video.dtype} {video.shape}")
    if pred.shape != gt.shape:
        raise ValueError(f"pred frames {pred.shape} and GT frames {gt.shape} differ in shape")


def _blur(x: np.ndarray) -> np.ndarray:
    """Gaussian window over H and W of (N, H, W) planes, as skimage filters each 2-D channel."""
    return gaussian_filter(x, sigma=(0, SSIM_SIGMA, SSIM_SIGMA), truncate=SSIM_TRUNCATE, mode="reflect")


def _planes(frames: np.ndarray) -> np.ndarray:
    """(T, H, W, 3) uint8 -> (T * 3, H, W) float64 channel planes (contiguous rows filter fastest)."""
    return np.ascontiguousarray(frames.transpose(0, 3, 1, 2), dtype=np.float64).reshape(-1, *frames.shape[1:3])


def _ssim_chunk(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ux, uy = _blur(a), _blur(b)
    vx = _blur(a * a) - ux * ux
    vy = _blur(b * b) - uy * uy
    vxy = _blur(a * b) - ux * uy
    c1, c2 = (SSIM_K1 * DATA_RANGE) ** 2, (SSIM_K2 * DATA_RANGE) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    pad = int(SSIM_TRUNCATE * SSIM_SIGMA + 0.5)  # skimage crops the window radius off every border
    inner = s[:, pad:-pad, pad:-pad]
    return inner.reshape(-1, 3 * inner.shape[1] * inner.shape[2]).mean(axis=1, dtype=np.float64)


def ssim_frames(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Per-frame SSIM (T,) of two (T, H, W, 3) uint8 videos (frames at least 11x11)."""
    check_pair(pred, gt)
    if min(gt.shape[1:3]) < 2 * int(SSIM_TRUNCATE * SSIM_SIGMA + 0.5) + 1:
        raise ValueError(f"SSIM needs frames of at least 11x11 pixels, got {gt.shape[1:3]}")
    return np.concatenate([
        _ssim_chunk(_planes(pred[i : i + _CHUNK]), _planes(gt[i : i + _CHUNK]))
        for i in range(0, len(gt), _CHUNK)
    ])


def psnr_frames(pred: np.ndarray, gt: np.ndarray, cap_db: float = 100.0) -> np.ndarray:
    """Per-frame PSNR in dB (T,); identical frames (MSE 0, infinite PSNR) get `cap_db`."""
    check_pair(pred, gt)
    diff = pred.astype(np.float64) - gt.astype(np.float64)
    mse = np.mean(diff * diff, axis=(1, 2, 3))
    with np.errstate(divide="ignore"):
        psnr = 10.0 * np.log10(DATA_RANGE**2 / mse)
    return np.minimum(psnr, cap_db)
