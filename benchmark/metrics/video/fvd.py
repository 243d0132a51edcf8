"""Frechet video distance with StyleGAN-V's TorchScript I3D (Kinetics-400 logits, 400-d features).

The detector is called as StyleGAN-V's tools call it on [-1, 1] input (B, 3, T, H, W):
`detector(x, rescale=False, resize=True, return_features=True)`. Statistics follow StyleGAN-V
`metric_utils.FeatureStats` (mean, population covariance, ddof=0) and the distance its
`compute_fvd`: |mu_p - mu_g|^2 + tr(S_p + S_g - 2 sqrtm(S_p S_g)), scipy's sqrtm, real part.
(The motion FID in benchmark.metrics.motion.frechet uses ddof=1 covariances; both share benchmark.metrics.gaussian.)
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import scipy.linalg
import torch
from scipy.linalg import LinAlgWarning

from benchmark.metrics.gaussian import psd_sqrt, trace_sqrt_product
from models.vision.weights import WeightFile

I3D = WeightFile(
    filename="i3d_torchscript.pt",
    env_var="MACE_BENCH_I3D",
    source="https://www.dropbox.com/s/ge9e5ujwgetktms/i3d_torchscript.pt?dl=1 "
    "(StyleGAN-V src/metrics/frechet_video_distance.py)",
    description="StyleGAN-V's TorchScript I3D (Kinetics-400) for FVD",
)
_RESAMPLE_CHUNK = 16  # bootstrap replicates per batched eigen-solve (memory ~ 6 * chunk * d^2 doubles)


def load_i3d(path: str | Path | None = None) -> torch.jit.ScriptModule:
    """The TorchScript I3D from `path` / $MACE_BENCH_I3D / the weight cache, in eval mode on CPU."""
    found = I3D.resolve(path)
    try:
        return torch.jit.load(str(found), map_location="cpu").eval()
    except RuntimeError as error:
        raise ValueError(f"{found}: not a loadable TorchScript I3D ({error})") from error


@torch.no_grad()
def i3d_features(detector: torch.nn.Module, windows: torch.Tensor, batch: int = 4) -> np.ndarray:
    """(K, 3, T, H, W) windows in [-1, 1] -> (K, D) float64 detector features."""
    feats = [
        detector(windows[i : i + batch], rescale=False, resize=True, return_features=True)
        for i in range(0, len(windows), batch)
    ]
    out = torch.cat(feats).double().numpy()
    if out.ndim != 2 or not np.isfinite(out).all():
        raise ValueError(f"I3D returned {out.shape} features with non-finite values or the wrong rank")
    return out


def feature_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and population covariance (ddof=0) of (N, D) features, as StyleGAN-V's FeatureStats."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"FVD needs at least 2 feature rows (N, D), got shape {x.shape}")
    mean = x.mean(axis=0)
    return mean, x.T @ x / len(x) - np.outer(mean, mean)


def fvd(pred: np.ndarray, gt: np.ndarray) -> float:
    """FVD between (N, D) generated and (M, D) ground-truth I3D features (StyleGAN-V compute_fvd)."""
    mu_p, s_p = feature_stats(pred)
    mu_g, s_g = feature_stats(gt)
    if mu_p.shape != mu_g.shape:
        raise ValueError(f"pred has {mu_p.size}-d features but GT has {mu_g.size}-d")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LinAlgWarning)  # singular covariances: sqrtm is still finite
        root = scipy.linalg.sqrtm(s_p @ s_g)
    return float(np.real(np.square(mu_p - mu_g).sum() + np.trace(s_p + s_g - 2.0 * root)))


def _weighted_stats(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batched ddof=0 mean (B, D) and covariance (B, D, D) of rows `x` (N, D) weighted by `w` (B, N)."""
    total = w.sum(axis=1)[:, None]
    mu = w @ x / total
    second = np.swapaxes(w[:, :, None] * x, 1, 2) @ x / total[:, :, None]
    return mu, second - mu[:, :, None] * mu[:, None, :]


def fvd_resampled(pred: np.ndarray, gt: np.ndarray, clip_of_row: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """FVD of each paired bootstrap resample of clips: (B,) values for clip draw counts (B, n_clips).

    Generated and GT windows of a clip are drawn together (the clips are paired); each window is
    weighted by its clip's draw count. Eigen form of tr sqrtm(S_p S_g), equal to scipy's to round-off."""
    counts = np.asarray(counts, dtype=np.float64)
    weights = counts[:, np.asarray(clip_of_row)]
    centre = gt.mean(axis=0)  # centring keeps the second-moment formula well conditioned
    xp, xg = pred - centre, gt - centre
    out = np.empty(len(counts))
    for start in range(0, len(counts), _RESAMPLE_CHUNK):
        w = weights[start : start + _RESAMPLE_CHUNK]
        mu_p, s_p = _weighted_stats(xp, w)
        mu_g, s_g = _weighted_stats(xg, w)
        tr_root = trace_sqrt_product(psd_sqrt(s_g), s_p)
        diff = mu_p - mu_g
        out[start : start + len(w)] = (
            np.einsum("bj,bj->b", diff, diff)
            + np.trace(s_p, axis1=1, axis2=2)
            + np.trace(s_g, axis1=1, axis2=2)
            - 2.0 * tr_root
        )
    return out
