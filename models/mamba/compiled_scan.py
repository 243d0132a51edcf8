"""The selective scan as one fused CPU loop compiled by numba: the sampling path on CPU.

PyTorch eager needs ~9 passes over a (B,ED,N,chunk) tensor per chunk; this loop keeps h (N,) in
registers per channel, runs channels in parallel threads and is ~3x faster than the best eager
scan. Forward only (no autograd): training uses the parallel scan.
"""

from __future__ import annotations

import numpy as np
import torch
from numba import njit, prange


@njit(parallel=True, fastmath=True, cache=True)
def _scan(du: np.ndarray, delta: np.ndarray, A: np.ndarray, B: np.ndarray, C: np.ndarray) -> np.ndarray:  # pragma: no cover (compiled)
    batch, length, channels = du.shape
    states = A.shape[1]
    y = np.empty((batch, length, channels), dtype=np.float32)
    for flat in prange(batch * channels):
        b, e = flat // channels, flat % channels
        h = np.zeros(states, dtype=np.float32)
        for t in range(length):
            step, x = delta[b, t, e], du[b, t, e]
            acc = np.float32(0.0)
            for n in range(states):
                h[n] = np.exp(step * A[e, n]) * h[n] + x * B[b, t, n]
                acc += h[n] * C[b, t, n]
            y[b, t, e] = acc
    return y


def compiled_scan(
    du: torch.Tensor, delta: torch.Tensor, A: torch.Tensor, B: torch.Tensor, C: torch.Tensor
) -> torch.Tensor:
    """C_t h_t for CPU tensors (du, delta (B,L,ED); A (ED,N); B, C (B,L,N)), computed in float32."""
    if torch.is_grad_enabled() and any(t.requires_grad for t in (du, delta, A, B, C)):
        raise ValueError("the compiled Mamba scan has no backward; use backend 'parallel' for training")
    arrays = [t.detach().to("cpu", torch.float32).contiguous().numpy() for t in (du, delta, A, B, C)]
    return torch.from_numpy(_scan(*arrays)).to(du.dtype)
