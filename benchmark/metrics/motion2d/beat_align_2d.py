"""Beat alignment of 2D keypoint motion with music beats (MACE Evaluation-Motion, spec section 7).

Motion beats are strict minima of the Gaussian-smoothed (sigma 3.5 frames) mean joint speed in pixels;
the score is Bailando's music->motion Gaussian (sigma 3 frames) averaged over music beats.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import argrelextrema

from benchmark.metrics.motion.beat_align import music_to_motion_score
from benchmark.metrics.warnings import DegenerateMetricWarning

SPEED_SMOOTHING_SIGMA = 3.5
BEAT_SIGMA_FRAMES = 3.0


def motion_beats_2d(keypoints: np.ndarray) -> np.ndarray:
    """Frame indices t (speed from frame t to t+1) of strict minima of the smoothed mean joint speed."""
    k = np.asarray(keypoints, dtype=np.float64)
    if k.ndim != 3 or k.shape[-1] != 2 or k.shape[0] < 3:
        raise ValueError(f"keypoints must be (frames>=3, joints, 2), got shape {k.shape}")
    speed = np.linalg.norm(np.diff(k, axis=0), axis=-1).mean(axis=1)
    return argrelextrema(gaussian_filter1d(speed, SPEED_SMOOTHING_SIGMA), np.less)[0]


def beat_align_2d(keypoints: np.ndarray, music_beats: np.ndarray) -> float:
    """BA of one sequence: (T, J, 2) pixel keypoints and its music-beat frame indices; 0 when there is no
    music beat (as MACE; a DegenerateMetricWarning says so) or no motion beat."""
    if len(music_beats) == 0:
        warnings.warn("2D BAS: no music beat in the clip; scored 0 as MACE does", DegenerateMetricWarning, stacklevel=2)
        return 0.0
    return music_to_motion_score(motion_beats_2d(keypoints), np.asarray(music_beats), BEAT_SIGMA_FRAMES)
