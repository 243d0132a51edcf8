"""Floor estimation: a low percentile of the lowest foot joint, robust to a few frames of noise."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.metrics.motion.floor import floor_height


def test_floor_follows_the_feet_and_ignores_a_few_bad_frames():
    rng = np.random.default_rng(0)
    joints = rng.normal(size=(200, 24, 3)) * 0.01
    joints[..., 1] += 1.0
    joints[:, [7, 8, 10, 11], 1] = 0.3 + rng.uniform(0, 0.2, size=(200, 4))  # feet on a floor 30 cm up
    joints[:3, 10, 1] = -2.0  # three glitched frames
    assert floor_height(joints) == pytest.approx(0.3, abs=0.02)
    with pytest.raises(ValueError, match="joints must be"):
        floor_height(joints[:, :5])
