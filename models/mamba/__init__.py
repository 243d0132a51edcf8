"""Mamba selective-state-space mixer with interchangeable CUDA and pure-PyTorch backends."""

from models.mamba.mixer import (
    Mamba,
    bidirectional_mamba,
    available_backends,
    resolve_backend,
    selective_scan,
)

__all__ = ["Mamba", "bidirectional_mamba", "available_backends", "resolve_backend", "selective_scan"]
