"""`mace_dance`: the Motion Expert of MACE-Dance (motion part only) as a benchmark method.

`--checkpoint PATH` loads any checkpoint of this project's format (trained with
`python -m models.motion_expert.train`, or converted from the public release with
`python -m models.motion_expert.convert`). Without one it loads the bundled demo checkpoint, a
`cpu_small` model trained on the bundled sample: every output is labelled "demo, not a reproduction".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import torch

from benchmark.methods.base import register_method
from benchmark.methods.diffusion import CHECKPOINT_DIR, DanceDiffusionMethod
from models.mamba import resolve_backend


@register_method("mace_dance")
@dataclass
class MaceDance(DanceDiffusionMethod):
    kind: ClassVar[str] = "motion_expert"
    default_checkpoint: ClassVar[Path] = CHECKPOINT_DIR / "motion_expert_demo.safetensors"

    def backend(self) -> str:
        with torch.no_grad():
            scan = resolve_backend(self.generator.loaded.model.config.mamba_backend, self.generator.device)
        return f"mamba:{scan}"
