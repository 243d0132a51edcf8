"""Mamba selective-state-space mixer with interchangeable CUDA and pure-PyTorch backends."""

from models.mamba.mixer import (
    Mamba,
    available_backends,
    resolve_backend,
    selective_scan,
)

__all__ = ["Mamba", "available_backends", "resolve_backend", "selective_scan"]
