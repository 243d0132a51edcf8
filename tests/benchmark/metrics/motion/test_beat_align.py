"""Kinematic beats with the speed smoothing in seconds: the same motion has the same beats at any fps."""

from __future__ import annotations

import numpy as np

from benchmark.metrics.motion.beat_align import bailando_motion_beats
from benchmark.protocols.registry import get_protocol


def _dance(fps: float, seconds: float = 8.0) -> np.ndarray:
    """A 1 Hz sway with a 6 Hz wobble (which 5 frames of smoothing removes at 30 fps but not at 60)."""
    t = np.arange(int(seconds * fps)) / fps
    positions = np.zeros((len(t), 24, 3))
    positions[..., 0] = (np.sin(2 * np.pi * t) + 0.2 * np.sin(2 * np.pi * 6 * t))[:, None]
    return positions


def test_smoothing_in_frames_changes_the_beat_rate_with_fps():
    assert len(bailando_motion_beats(_dance(30))) != len(bailando_motion_beats(_dance(60)))


def test_v1_smoothing_in_seconds_gives_the_same_beats_at_30_and_60_fps():
    seconds = get_protocol("finedance3d@v1").bas_smoothing_seconds
    assert seconds == 5 / 30 and get_protocol("finedance3d@lodge").bas_smoothing_seconds is None
    beats = {fps: bailando_motion_beats(_dance(fps), seconds * fps) / fps for fps in (30, 60)}
    assert len(beats[30]) == len(beats[60])
    np.testing.assert_allclose(beats[30], beats[60], atol=1.5 / 30)  # same times, within a 30-fps frame
