"""`edge`: the EDGE baseline (Tseng et al. 2023) on the shared diffusion core, CFG w=2, long-form
stitching of 50%-overlapping windows. `--checkpoint PATH` or the bundled demo checkpoint
(labelled "demo, not a reproduction")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from benchmark.methods.base import register_method
from benchmark.methods.diffusion import CHECKPOINT_DIR, DanceDiffusionMethod


@register_method("edge")
@dataclass
class EdgeMethod(DanceDiffusionMethod):
    kind: ClassVar[str] = "edge"
    default_checkpoint: ClassVar[Path] = CHECKPOINT_DIR / "edge_demo.safetensors"
