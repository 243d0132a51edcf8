"""Feature normalisation and the Frechet distance (FID_k, FID_g) in its three published forms.

Forms (all return |mu1-mu2|^2 + tr S1 + tr S2 - 2 tr sqrt(S1 S2), S by np.cov with ddof=1):
- ``"bailando"``: Bailando `calc_fid`: scipy sqrtm(S_pred S_gt); if non-finite, retry with 1e-5*I
  added to both; a large diagonal imaginary part (> 1e-3) is dropped, a small one leaks into a
  complex result whose real part is returned here (the same number).
- ``"mint"``: mint/pytorch-fid `calculate_frechet_distance`: sqrtm(S_gt S_pred), retry eps 1e-6,
  raises ValueError on a large imaginary part.
- ``"eigen"``: tr sqrt(S1 S2) = sum sqrt(eig(sqrt(S1) S2 sqrt(S1))) with symmetric eigensolvers:
  exact, real by construction, stable on singular covariances (used by v1 and the bootstrap).
All forms take features that are already normalised (`normalize`); mint normalises inside its own
function with the same GT mean/std, which `normalize` reproduces. Everything runs in float64 (the
references normalise float32 features in float32: ~1e-7 relative difference).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.linalg
from scipy.linalg import LinAlgWarning
from threadpoolctl import threadpool_limits

from benchmark.metrics.gaussian import psd_sqrt, trace_sqrt_product
from benchmark.metrics.warnings import DegenerateMetricWarning, NumericalMetricWarning

logger = logging.getLogger(__name__)

FidForm = Literal["bailando", "mint", "eigen"]
NormalizationMode = Literal["compat", "v1"]

_SQRTM_RETRY_EPS = {"bailando": 1e-5, "mint": 1e-6}
_IMAG_ATOL = 1e-3  # diagonal imaginary part tolerated by both references
_RESAMPLE_CHUNK = 256  # bootstrap replicates per batched eigen-solve (bounds memory at d*d*256)


def check_features(x: np.ndarray, name: str, min_rows: int = 1) -> np.ndarray:
    """Return `x` as a finite float64 (N, D) matrix, or raise ValueError naming `name`."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a (sequences, dims) matrix, got shape {arr.shape}")
    if arr.shape[0] < min_rows or arr.shape[1] == 0:
        raise ValueError(
            f"{name}: need at least {min_rows} sequence(s) and 1 dim, got shape {arr.shape}"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        rows = np.unique(np.nonzero(bad)[0])
        raise ValueError(
            f"{name}: {int(bad.sum())} non-finite value(s) in sequence row(s) {rows[:10].tolist()}"
        )
    return arr


@dataclass(frozen=True)
class NormalizedFeatures:
    """Both sets scaled by the GT reference set's per-dim mean and population std.

    `constant_dims` are the dims (original indexing) on which every GT value is equal;
    `dropped_dims` are those removed from `gt`/`pred` (empty in compat mode)."""

    gt: np.ndarray
    pred: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    constant_dims: np.ndarray
    dropped_dims: np.ndarray


def normalize(
    gt: np.ndarray, pred: np.ndarray, eps: float = 1e-10, mode: NormalizationMode = "compat"
) -> NormalizedFeatures:
    """Normalise GT and pred features with the GT set's mean and std (ddof=0) plus `eps`.

    compat: exactly Bailando/LODGE/mint, a constant GT dim is divided by `eps` (any pred deviation
    there explodes FID); it is reported with a DegenerateMetricWarning and its count.
    v1: dims constant in the GT reference set carry no distribution information and are dropped
    from both sets (listed in `dropped_dims`, warned with the count)."""
    gt = check_features(gt, "GT features")
    pred = check_features(pred, "pred features")
    if gt.shape[1] != pred.shape[1]:
        raise ValueError(f"GT has {gt.shape[1]} feature dims but pred has {pred.shape[1]}")
    if mode not in ("compat", "v1"):
        raise ValueError(f"unknown normalisation mode {mode!r}; expected 'compat' or 'v1'")
    constant = np.flatnonzero(np.ptp(gt, axis=0) == 0)
    dropped = constant if mode == "v1" else np.array([], dtype=np.intp)
    if constant.size:
        consequence = (
            "dropped from both sets (v1)"
            if mode == "v1"
            else f"divided by eps={eps:g}, so any pred deviation there dominates FID (compat)"
        )
        warnings.warn(
            f"{constant.size} of {gt.shape[1]} GT feature dims are constant "
            f"(indices {constant[:20].tolist()}): {consequence}",
            DegenerateMetricWarning,
            stacklevel=2,
        )
    if dropped.size == gt.shape[1]:
        raise ValueError("every GT feature dim is constant: nothing left to compare")
    keep = np.setdiff1d(np.arange(gt.shape[1]), dropped)
    gt, pred = gt[:, keep], pred[:, keep]
    mean = gt.mean(axis=0)
    std = gt.std(axis=0)
    return NormalizedFeatures(
        gt=(gt - mean) / (std + eps),
        pred=(pred - mean) / (std + eps),
        mean=mean,
        std=std,
        constant_dims=constant,
        dropped_dims=dropped,
    )


def gaussian_stats(feats: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (ddof=1) of a feature set; warns when the covariance must be singular."""
    feats = check_features(feats, name, min_rows=2)
    _warn_if_singular(feats.shape, name)
    d = feats.shape[1]
    return feats.mean(axis=0), np.cov(feats, rowvar=False).reshape(d, d)


def _warn_if_singular(shape: tuple[int, int], name: str) -> None:
    n, d = shape
    if n <= d:
        warnings.warn(
            f"{name}: {n} sequences for {d} dims, so the covariance has rank <= {n - 1} < {d} "
            "(singular); the Frechet distance is finite but poorly estimated",
            DegenerateMetricWarning,
            stacklevel=4,
        )


def _sqrtm(a: np.ndarray) -> np.ndarray:
    """scipy's Schur matrix square root without the deprecated `disp`; its singular-matrix
    LinAlgWarning is superseded by this module's own warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LinAlgWarning)
        return scipy.linalg.sqrtm(a)


def _trace_sqrt_schur(s_a: np.ndarray, s_b: np.ndarray, form: FidForm) -> float:
    """tr sqrtm(s_a s_b) as the Bailando / mint references compute it (see module docstring)."""
    covmean = _sqrtm(s_a @ s_b)
    if not np.isfinite(covmean).all():
        eps = _SQRTM_RETRY_EPS[form]
        warnings.warn(
            f"FID ({form}): sqrtm of the covariance product is not finite; retrying with "
            f"{eps:g}*I added to both covariances",
            NumericalMetricWarning,
            stacklevel=3,
        )
        offset = np.eye(s_a.shape[0]) * eps
        covmean = _sqrtm((s_a + offset) @ (s_b + offset))
    if np.iscomplexobj(covmean):
        diag_imag = np.abs(np.diagonal(covmean).imag).max()
        if diag_imag > _IMAG_ATOL:
            max_imag = np.abs(covmean.imag).max()
            if form == "mint":
                raise ValueError(f"FID (mint): imaginary component {max_imag:g} in sqrtm(S1 S2)")
            warnings.warn(
                f"FID ({form}): dropping imaginary component {max_imag:g} of sqrtm(S1 S2)",
                NumericalMetricWarning,
                stacklevel=3,
            )
        logger.debug("FID (%s): imaginary part %.3g of tr sqrtm discarded", form, diag_imag)
    return float(np.trace(covmean).real)


def frechet_distance(pred: np.ndarray, gt: np.ndarray, form: FidForm = "bailando") -> float:
    """Frechet distance between Gaussians fitted to normalised pred and GT feature sets (N, D)."""
    if form not in ("bailando", "mint", "eigen"):
        raise ValueError(f"unknown FID form {form!r}; expected 'bailando', 'mint' or 'eigen'")
    mu_p, s_p = gaussian_stats(pred, "pred features")
    mu_g, s_g = gaussian_stats(gt, "GT features")
    if mu_p.shape != mu_g.shape:
        raise ValueError(f"pred has {mu_p.size} feature dims but GT has {mu_g.size}")
    diff = mu_p - mu_g
    if form == "bailando":
        tr_covmean = _trace_sqrt_schur(s_p, s_g, form)
    elif form == "mint":
        tr_covmean = _trace_sqrt_schur(s_g, s_p, form)
    else:
        tr_covmean = float(trace_sqrt_product(psd_sqrt(s_g), s_p))
    return float(diff @ diff + np.trace(s_p) + np.trace(s_g) - 2.0 * tr_covmean)


def frechet_distance_resampled(pred: np.ndarray, gt: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Eigen-form FID of each bootstrap resample of the pred set against the FIXED GT statistics.

    `counts` (B, N): how often each of the N pred sequences is drawn in each resample, e.g.
    from `benchmark.metrics.bootstrap.resample_counts`. Equal to
    `frechet_distance(pred[idx], gt, "eigen")` per resample, batched: GT mean, covariance and its
    square root are computed once. Returns (B,)."""
    pred = check_features(pred, "pred features", min_rows=2)
    _warn_if_singular(pred.shape, "pred features")
    mu_g, s_g = gaussian_stats(gt, "GT features")
    if pred.shape[1] != mu_g.size:
        raise ValueError(f"pred has {pred.shape[1]} feature dims but GT has {mu_g.size}")
    counts = np.asarray(counts)
    if counts.ndim != 2 or counts.shape[1] != pred.shape[0]:
        raise ValueError(f"counts must be (resamples, {pred.shape[0]}), got shape {counts.shape}")
    if (counts.sum(axis=1) < 2).any():
        raise ValueError("every resample needs at least 2 draws for a covariance")
    root_g = psd_sqrt(s_g)
    centre = pred.mean(axis=0)  # centring first keeps the second-moment formula well conditioned
    x = pred - centre
    out = np.empty(counts.shape[0])
    with threadpool_limits(limits=1, user_api="blas"):  # threaded BLAS only slows small solves
        for start in range(0, counts.shape[0], _RESAMPLE_CHUNK):
            w = counts[start : start + _RESAMPLE_CHUNK].astype(np.float64)
            m = w.sum(axis=1)[:, None]
            mu = w @ x / m
            second = np.swapaxes(w[:, :, None] * x, 1, 2) @ x
            cov = (second - m[:, :, None] * mu[:, :, None] * mu[:, None, :]) / (m[:, :, None] - 1)
            diff = mu + centre - mu_g
            out[start : start + len(w)] = (
                np.einsum("bj,bj->b", diff, diff)
                + np.trace(cov, axis1=1, axis2=2)
                + np.trace(s_g)
                - 2.0 * trace_sqrt_product(root_g, cov)
            )
    return out
