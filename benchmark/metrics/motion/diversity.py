"""Diversity (Div_k, Div_g): mean Euclidean distance over unordered pairs of one normalised set.

Bailando `calculate_avg_distance` (double loop over i<j, divided by n(n-1)/2), vectorised with
`scipy.spatial.distance.pdist`. Feed features normalised by the GT reference set (`normalize`):
Div on pred uses `NormalizedFeatures.pred`, the GT value `NormalizedFeatures.gt`.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import pdist, squareform

from benchmark.metrics.motion.frechet import check_features


def diversity(feats: np.ndarray) -> float:
    """Mean pairwise Euclidean distance of a (N, D) feature set, N >= 2."""
    feats = check_features(feats, "features", min_rows=2)
    return float(pdist(feats).mean())


def diversity_resampled(feats: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Diversity of each resample, given `counts` (B, N): how often each sequence is drawn.

    A resample repeating a sequence contributes zero-distance pairs, exactly as
    `diversity(feats[idx])` would: the ordered-pair sum is w^T D w with D the distance matrix
    (zero diagonal), divided by m(m-1) for a resample of m draws. Returns (B,)."""
    feats = check_features(feats, "features", min_rows=2)
    n = feats.shape[0]
    counts = np.asarray(counts)
    if counts.ndim != 2 or counts.shape[1] != n:
        raise ValueError(f"counts must be (resamples, {n}), got shape {counts.shape}")
    w = counts.astype(np.float64)
    m = w.sum(axis=1)
    if (m < 2).any():
        raise ValueError("every resample needs at least 2 draws for a pairwise distance")
    dist = squareform(pdist(feats))
    return np.einsum("bi,ij,bj->b", w, dist, w) / (m * (m - 1))
