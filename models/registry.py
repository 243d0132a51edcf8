"""The architectures built on the dance-diffusion core, by checkpoint kind, and loaders that know them.

Above `models/diffusion/` (which imports no architecture): a new architecture adds one `ModelKind` here.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from models.diffusion.checkpoint import CheckpointMeta, LoadedModel
from models.diffusion.checkpoint import build_model as build_kind_model
from models.diffusion.checkpoint import load_model as load_kind_model
from models.diffusion.generation import DanceGenerator, sample_whole
from models.diffusion.kinds import ModelKind
from models.edge.longform import sample_windowed
from models.edge.model import Edge, EdgeConfig
from models.motion_expert.model import MotionExpert, MotionExpertConfig

MODEL_KINDS: dict[str, ModelKind] = {
    "motion_expert": ModelKind("motion_expert", MotionExpertConfig, MotionExpert, sample_whole, "gft-paper"),
    "edge": ModelKind("edge", EdgeConfig, Edge, sample_windowed, "cfg"),
}


def build_model(meta: CheckpointMeta) -> nn.Module:
    """A fresh module for the checkpoint's kind and config."""
    if meta.kind not in MODEL_KINDS:
        raise ValueError(f"unknown model kind {meta.kind!r}; expected one of {sorted(MODEL_KINDS)}")
    return build_kind_model(meta, MODEL_KINDS[meta.kind])


def load_model(path: str | Path, weights: str = "ema", device: str | torch.device = "cpu") -> LoadedModel:
    """A checkpoint of any registered kind, ready to sample; `weights` = "ema" (when stored) or "model"."""
    return load_kind_model(path, MODEL_KINDS, weights, device)


def dance_generator(
    path: str | Path, weights: str = "ema", device: str | torch.device = "cpu", sampling_steps: int | None = None
) -> DanceGenerator:
    """A generator over a checkpoint of any registered kind, with that kind's sampler."""
    loaded = load_model(path, weights, device)
    return DanceGenerator(loaded, MODEL_KINDS[loaded.meta.kind], sampling_steps)
