"""What the diffusion core needs to know about an architecture, handed to it by `models.registry`.

The core never imports an architecture: checkpoints, training and sampling take a `ModelKind`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

if TYPE_CHECKING:
    from models.diffusion.generation import DanceGenerator

# (generator, music (B,T,35), genre ids (B,), torch generator) -> unnormalised motion (B,T,151)
Sampler = Callable[["DanceGenerator", torch.Tensor, torch.Tensor, torch.Generator], torch.Tensor]


@dataclass(frozen=True)
class ModelKind:
    """One architecture on the core: its checkpoint name, config dataclass, module, sampler and default guidance."""

    name: str
    config: type[Any]
    model: type[nn.Module]
    sampler: Sampler
    default_guidance: str
