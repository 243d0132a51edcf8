"""FVD pipeline: window extraction, I3D input preparation, detector call, statistics and the Frechet
distance, with a scripted stand-in that has the StyleGAN-V I3D's call signature."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from benchmark.metrics.motion.frechet import frechet_distance
from benchmark.metrics.video.clips import fvd_windows, i3d_input, window_starts
from benchmark.metrics.video.fvd import I3D, fvd, fvd_resampled, i3d_features, load_i3d


class StandInI3D(torch.nn.Module):
    """Random 3-D pooling + linear features; rescale/resize/return_features act as in the real I3D."""

    def __init__(self, dims: int = 6) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.proj = torch.nn.Linear(3 * 2 * 4 * 4, dims)

    def forward(self, x: torch.Tensor, rescale: bool = False, resize: bool = False, return_features: bool = False) -> torch.Tensor:
        if rescale:
            x = x / 127.5 - 1.0
        if resize:
            x = F.interpolate(x, size=[x.shape[2], 224, 224], mode="trilinear", align_corners=False)
        feats = self.proj(F.adaptive_avg_pool3d(x, [2, 4, 4]).flatten(1))
        return feats if return_features else feats.softmax(dim=-1)


@pytest.fixture(scope="module")
def stand_in_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("i3d") / "i3d_torchscript.pt"
    torch.jit.script(StandInI3D()).save(str(path))
    return path


def _independent_fvd(a: np.ndarray, b: np.ndarray) -> float:
    """|mu_a - mu_b|^2 + tr Sa + tr Sb - 2 sum sqrt(eig(Sa Sb)), population covariances."""
    sa, sb = np.cov(a, rowvar=False, bias=True), np.cov(b, rowvar=False, bias=True)
    root_trace = np.sqrt(np.clip(np.linalg.eigvals(sa @ sb).real, 0, None)).sum()
    return float(((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(sa) + np.trace(sb) - 2 * root_trace)


def test_windows_are_consecutive_non_overlapping_and_short_clips_fail() -> None:
    assert window_starts(150) == [16 * k for k in range(9)]
    assert window_starts(40, 16, 8, 2) == [0, 8]  # 31-frame span with frame step 2
    with pytest.raises(ValueError, match="at least 16 frames"):
        window_starts(15)
    frames = np.repeat(np.arange(40, dtype=np.uint8)[:, None, None, None], 3, axis=3) * np.ones((1, 224, 230, 1), np.uint8)
    windows = fvd_windows(frames, 16, 16, 1, 224)
    assert windows.shape == (2, 3, 16, 224, 224)
    np.testing.assert_allclose(windows[1, 0, :, 0, 0].numpy(), (np.arange(16, 32) / 255 - 0.5) * 2, atol=1e-6)


def test_i3d_input_resizes_short_side_centre_crops_and_scales() -> None:
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (4, 224, 300, 3), dtype=np.uint8)  # short side already 224: no resampling
    got = i3d_input(frames).numpy()
    want = (frames[:, :, 38:262].astype(np.float64) / 255 - 0.5) * 2  # (300 - 224) // 2 = 38
    np.testing.assert_allclose(got, want.transpose(3, 0, 1, 2), atol=1e-6)
    tall = i3d_input(np.full((2, 455, 256, 3), 255, np.uint8))
    assert tall.shape == (3, 2, 224, 224) and torch.allclose(tall, torch.ones(()))


def test_fvd_equals_independent_formula_and_motion_fid_rescaled() -> None:
    rng = np.random.default_rng(1)
    gt = rng.normal(size=(60, 5))
    pred = rng.normal(size=(60, 5)) @ rng.normal(size=(5, 5)) * 0.5 + 0.3
    value = fvd(pred, gt)
    assert value == pytest.approx(_independent_fvd(pred, gt), rel=1e-9)
    # the motion FID uses ddof=1 covariances: its covariance terms are n/(n-1) times ours
    mean_term = float(((pred.mean(0) - gt.mean(0)) ** 2).sum())
    motion = frechet_distance(pred, gt, form="eigen")
    assert value == pytest.approx(mean_term + (motion - mean_term) * 59 / 60, rel=1e-9)
    assert fvd(gt, gt) == pytest.approx(0.0, abs=1e-9)


def test_paired_bootstrap_replicates_equal_fvd_of_resampled_clips() -> None:
    rng = np.random.default_rng(2)
    clip = np.repeat(np.arange(6), 3)  # 6 clips of 3 windows each
    gt, pred = rng.normal(size=(18, 4)), rng.normal(size=(18, 4)) + 0.2
    counts = rng.multinomial(6, np.full(6, 1 / 6), size=3)
    got = fvd_resampled(pred, gt, clip, counts)
    for replicate, c in zip(got, counts):
        rows = np.concatenate([np.tile(np.flatnonzero(clip == k), n) for k, n in enumerate(c)])
        assert replicate == pytest.approx(_independent_fvd(pred[rows], gt[rows]), rel=1e-8)


def test_pipeline_with_a_scripted_detector_loaded_from_a_path(stand_in_path: Path) -> None:
    detector = load_i3d(stand_in_path)
    zeros, ones = np.zeros((32, 240, 320, 3), np.uint8), np.full((32, 240, 320, 3), 255, np.uint8)
    feats_zero = i3d_features(detector, fvd_windows(zeros, 16, 16, 1, 224))
    feats_one = i3d_features(detector, fvd_windows(ones, 16, 16, 1, 224))
    direct = StandInI3D()(torch.ones(1, 3, 16, 224, 224), False, True, True).detach().double().numpy()
    np.testing.assert_allclose(feats_one, np.repeat(direct, 2, axis=0), rtol=1e-5, atol=1e-6)
    # constant videos: zero covariances, so FVD is the squared distance of the feature means
    assert fvd(feats_one, feats_zero) == pytest.approx(float(((feats_one[0] - feats_zero[0]) ** 2).sum()), rel=1e-6)


def test_missing_detector_names_the_file_and_its_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MACE_BENCH_WEIGHTS", str(tmp_path))
    monkeypatch.delenv("MACE_BENCH_I3D", raising=False)
    with pytest.raises(FileNotFoundError, match=r"i3d_torchscript\.pt.*dropbox.com/s/ge9e5ujwgetktms"):
        load_i3d()
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"nope")
    with pytest.raises(ValueError, match="bad.pt: not a loadable TorchScript I3D"):
        load_i3d(bad)


def test_real_i3d_gives_about_151_for_zeros_vs_ones() -> None:
    """StyleGAN-V's documented sanity value; runs only where the real weights are installed."""
    try:
        detector = load_i3d()
    except FileNotFoundError:
        pytest.skip(f"{I3D.filename} not installed (set {I3D.env_var})")
    zeros, ones = np.zeros((16, 224, 224, 3), np.uint8), np.full((16, 224, 224, 3), 255, np.uint8)
    f0 = i3d_features(detector, fvd_windows(zeros, 16, 16, 1, 224).repeat(2, 1, 1, 1, 1))
    f1 = i3d_features(detector, fvd_windows(ones, 16, 16, 1, 224).repeat(2, 1, 1, 1, 1))
    assert fvd(f1, f0) == pytest.approx(151, rel=0.05)
