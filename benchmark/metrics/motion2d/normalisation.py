"""Feature standardisation for the 2D protocols: MACE's own-statistics z-score (D3) or the GT set's statistics.

Both use the unbiased std plus 1e-4 in float32, as MACE's torch code; `gt` mode may first drop the dims
that are constant in the GT set (they would otherwise be divided by 1e-4).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np

from benchmark.metrics.motion.frechet import check_features
from benchmark.metrics.warnings import DegenerateMetricWarning

Normalisation = Literal["own", "gt"]
STD_EPS = 1e-4


@dataclass(frozen=True)
class Standardised:
    """float32 (N, D') GT and pred features and the original indices of the dims dropped from both."""

    gt: np.ndarray
    pred: np.ndarray
    dropped_dims: np.ndarray


def _zscore(x: np.ndarray, stats_from: np.ndarray) -> np.ndarray:
    mean = stats_from.mean(axis=0)
    std = stats_from.std(axis=0, ddof=1)
    return (x - mean) / (std + np.float32(STD_EPS))


def standardise(
    gt: np.ndarray, pred: np.ndarray, mode: Normalisation, drop_constant_gt_dims: bool = False, name: str = "features"
) -> Standardised:
    """z-score GT and pred features: each with its own statistics ("own", MACE) or both with the GT's ("gt")."""
    gt32 = check_features(gt, f"GT {name}", min_rows=2).astype(np.float32)
    pred32 = check_features(pred, f"pred {name}", min_rows=2).astype(np.float32)
    if gt32.shape[1] != pred32.shape[1]:
        raise ValueError(f"GT {name} have {gt32.shape[1]} dims but pred {name} have {pred32.shape[1]}")
    if mode not in ("own", "gt"):
        raise ValueError(f"unknown normalisation {mode!r}; expected 'own' or 'gt'")
    constant = np.flatnonzero(np.ptp(gt32, axis=0) == 0)
    dropped = constant if drop_constant_gt_dims else np.array([], dtype=np.intp)
    if mode == "gt" and constant.size:
        consequence = "dropped from both sets" if drop_constant_gt_dims else f"divided by {STD_EPS:g}"
        warnings.warn(
            f"{constant.size} of {gt32.shape[1]} GT {name} dims are constant (indices {constant[:20].tolist()}): "
            f"{consequence}",
            DegenerateMetricWarning,
            stacklevel=2,
        )
    if dropped.size == gt32.shape[1]:
        raise ValueError(f"every GT {name} dim is constant: nothing left to compare")
    keep = np.setdiff1d(np.arange(gt32.shape[1]), dropped)
    gt32, pred32 = gt32[:, keep], pred32[:, keep]
    if mode == "own":
        return Standardised(_zscore(gt32, gt32), _zscore(pred32, pred32), dropped)
    return Standardised(_zscore(gt32, gt32), _zscore(pred32, gt32), dropped)
