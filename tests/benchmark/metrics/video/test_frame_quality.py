"""SSIM and PSNR per frame, checked against scikit-image on real footage and constructed frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmark.metrics.video.frame_quality import psnr_frames, ssim_frames
from models.video.io import read_frames

skimage_metrics = pytest.importorskip("skimage.metrics")  # dev extra: the reference implementation

DEMO = Path("/work/shared/assets/video/demo.mp4")


def _skimage_ssim(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.array([
        skimage_metrics.structural_similarity(
            x, y, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255, channel_axis=-1
        )
        for x, y in zip(a, b)
    ])


def _skimage_psnr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.array([skimage_metrics.peak_signal_noise_ratio(y, x, data_range=255) for x, y in zip(a, b)])


@pytest.fixture(scope="module")
def demo_frames() -> np.ndarray:
    if not DEMO.is_file():
        pytest.skip(f"{DEMO} not available")
    frames = read_frames(DEMO, 0, 60, 6)  # 10 real frames, people moving between them
    return frames[:, 300:556, 600:1000]  # a 256x400 crop keeps the test fast


def test_ssim_and_psnr_equal_skimage_on_real_frames(demo_frames: np.ndarray) -> None:
    gt, pred = demo_frames[:-1], demo_frames[1:]  # each frame against the next: realistic differences
    ssim = ssim_frames(pred, gt)
    np.testing.assert_allclose(ssim, _skimage_ssim(pred, gt), rtol=0, atol=1e-12)
    np.testing.assert_allclose(psnr_frames(pred, gt), _skimage_psnr(pred, gt), rtol=0, atol=1e-12)
    assert 0.3 < ssim.min() < ssim.max() < 1.0  # the frames really differ and really resemble each other


def test_ssim_and_psnr_equal_skimage_on_constructed_frames() -> None:
    rng = np.random.default_rng(3)
    ramp = np.broadcast_to(np.linspace(0, 255, 40)[None, :, None], (31, 40, 3)).astype(np.uint8)
    gt = np.stack([ramp, np.full((31, 40, 3), 200, np.uint8), rng.integers(0, 256, (31, 40, 3), dtype=np.uint8)])
    noise = rng.normal(0, 20, gt.shape)
    pred = np.clip(gt + noise, 0, 255).astype(np.uint8)
    pred[1] = 0  # a constant frame against another constant: only the luminance term is left
    np.testing.assert_allclose(ssim_frames(pred, gt), _skimage_ssim(pred, gt), rtol=0, atol=1e-12)
    np.testing.assert_allclose(psnr_frames(pred, gt), _skimage_psnr(pred, gt), rtol=0, atol=1e-12)


def test_psnr_formula_and_identical_frames() -> None:
    gt = np.full((2, 16, 16, 3), 100, np.uint8)
    pred = gt.copy()
    pred[0] += 5  # MSE 25 everywhere
    psnr = psnr_frames(pred, gt, cap_db=100.0)
    assert psnr[0] == pytest.approx(10 * np.log10(255**2 / 25.0), abs=1e-12)
    assert psnr[1] == 100.0  # identical frame: capped instead of infinite
    assert ssim_frames(gt, gt) == pytest.approx(1.0)


def test_bad_frames_are_rejected_with_the_reason() -> None:
    a = np.zeros((2, 16, 16, 3), np.uint8)
    with pytest.raises(ValueError, match="differ in shape"):
        ssim_frames(a, np.zeros((2, 16, 18, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        psnr_frames(a.astype(np.float32), a)
    with pytest.raises(ValueError, match="11x11"):
        ssim_frames(a[:, :8], a[:, :8])
