"""Gaussian helpers the Frechet distances share (motion FID, FVD): PSD square roots and tr sqrt(S_a S_b)."""

from __future__ import annotations

import numpy as np


def psd_sqrt(s: np.ndarray) -> np.ndarray:
    """Symmetric PSD square root by eigendecomposition (negative round-off eigenvalues -> 0)."""
    w, v = np.linalg.eigh(s)
    return (v * np.sqrt(np.clip(w, 0.0, None))[..., None, :]) @ np.swapaxes(v, -1, -2)


def trace_sqrt_product(root_a: np.ndarray, s_b: np.ndarray) -> np.ndarray:
    """tr sqrt(S_a S_b) from sqrt(S_a) (d,d) and S_b (..., d, d): sum of sqrt eigenvalues of
    sqrt(S_a) S_b sqrt(S_a), which is symmetric PSD and has the same spectrum as S_a S_b."""
    m = root_a @ s_b @ root_a
    m = 0.5 * (m + np.swapaxes(m, -1, -2))
    return np.sqrt(np.clip(np.linalg.eigvalsh(m), 0.0, None)).sum(axis=-1)
