"""A music-blind baseline: smooth random joint rotations (sums of sinusoids) with a still root.

It gives the lower bound a learned method must beat, deterministically from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmark.methods.base import Method, TestItem, register_method
from models.body.motion import Motion
from models.body.skeleton import SMPL24


@register_method("random_motion")
@dataclass
class RandomMotion(Method):
    version: str = "1"
    amplitude: float = 0.35  # radians per sinusoid component
    components: int = 3
    max_hz: float = 2.5

    def generate(self, items: list[TestItem], seed: int) -> dict[str, Motion]:
        rng = np.random.default_rng(seed)
        return {item.id: self._one(item, rng) for item in items}

    def _one(self, item: TestItem, rng: np.random.Generator) -> Motion:
        joints, k = SMPL24.num_joints, self.components
        t = np.arange(item.num_frames) / item.fps
        freq = rng.uniform(0.2, self.max_hz, (k, joints, 3))
        phase = rng.uniform(0, 2 * np.pi, (k, joints, 3))
        amp = rng.uniform(0, self.amplitude, (k, joints, 3))
        rotations = (amp * np.sin(2 * np.pi * freq * t[:, None, None, None] + phase)).sum(1)
        rotations[:, 0] = 0.0  # keep the body upright: only limbs wander
        root = np.zeros((item.num_frames, 3))
        if item.gt is not None:
            root[:] = item.gt.root_translation[0]
        return Motion(rotations=rotations, root_translation=root, fps=item.fps, skeleton=SMPL24)
