"""Beat Align Score (BAS) in its three published, mutually incompatible definitions.

- Bailando (music->motion, `utils/beat_align_score.py`): motion beats are strict local minima
  (argrelextrema np.less, order 1) of gaussian_filter(mean_j |p[t+1]-p[t]|, 5), indices into the
  T-1 velocity frames; music beats truncated to frames < T-1; score = mean over MUSIC beats of
  exp(-min_d d^2 / (2 sigma^2)), sigma = 3 frames; then mean over sequences (`bas_bailando`).
- LODGE/FineDance (`metric/beat_align_score.py`): the same score on SMPL-X FK joints[:24], with
  30-fps music beats NOT truncated; only files whose name starts with one of 19 hard-coded test
  ids are averaged (`bas_lodge`, `lodge_bas_mean`).
- FACT/mint (motion->music, `calculate_beat_scores.py`): envelope = sum_j |p[t]-p[t-1]| with
  v[0]=0, no smoothing, minima with order 10; score = mean over MOTION beats, 0 if none
  (`bas_fact`).
sigma and the Bailando speed smoothing are in frames, so the same values mean different times at 30
and 60 fps; callers of a v1 protocol pass sigma = sigma_seconds * fps and smoothing = smoothing_seconds * fps.

Conventions where the references crash or divide by zero (documented, warned, never silent):
- no motion beat in music->motion BAS: the reference crashes on np.min([]); here the score is
  0.0 (no beat can be matched, the limit of moving every motion beat infinitely far) with a
  DegenerateMetricWarning. This is the value of both compat and v1 protocols.
- no music beat: the score (a mean over music beats, or a distance to the nearest music beat)
  is undefined; it is NaN with a DegenerateMetricWarning, and `mean_score` excludes NaN
  sequences with a warning naming how many.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import argrelextrema

from benchmark.metrics.warnings import DegenerateMetricWarning, MetricWarning

# LODGE metric/beat_align_score.py:86: the 20 FineDance cross-genre test ids minus 193.
LODGE_BAS_TEST_IDS = (
    "063", "132", "143", "036", "098", "198", "130", "012", "211", "179",
    "065", "137", "161", "092", "120", "037", "109", "204", "144",
)  # fmt: skip
BAILANDO_SMOOTHING_SIGMA = 5.0
FACT_EXTREMA_ORDER = 10  # mint's value, tuned for 60 fps


def _check_positions(positions: np.ndarray, min_joints: int = 1) -> np.ndarray:
    arr = np.asarray(positions, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.shape[1] < min_joints:
        raise ValueError(
            f"positions must be (frames, joints>={min_joints}, 3), got shape {arr.shape}"
        )
    if arr.shape[0] < 3:
        raise ValueError(f"need at least 3 frames to find velocity minima, got {arr.shape[0]}")
    if not np.isfinite(arr).all():
        frames = np.unique(np.nonzero(~np.isfinite(arr))[0])
        raise ValueError(f"positions contain non-finite values at frames {frames[:10].tolist()}")
    return arr


def _check_beats(beats: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(beats)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of frame indices, got shape {arr.shape}")
    if arr.size and (arr.dtype == bool or not np.issubdtype(arr.dtype, np.number)):
        raise ValueError(
            f"{name} must hold frame indices; convert one-hot arrays with onehot_to_frames"
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contain non-finite values")
    return arr.astype(np.float64)


def onehot_to_frames(onehot: np.ndarray, length: int | None = None) -> np.ndarray:
    """Frame indices of the set entries of a (T,) beat one-hot, keeping only frames < `length`
    (Bailando reads `music_array[:, 53][:length]` with length = T-1 of the motion)."""
    arr = np.asarray(onehot)
    if arr.ndim != 1:
        raise ValueError(f"beat one-hot must be 1-D (frames,), got shape {arr.shape}")
    if not np.isin(arr, (0, 1)).all():
        raise ValueError("beat one-hot must contain only 0/1 values")
    return np.flatnonzero(arr[:length].astype(bool))


def bailando_motion_beats(positions: np.ndarray, smoothing: float = BAILANDO_SMOOTHING_SIGMA) -> np.ndarray:
    """Bailando/LODGE kinematic beats: strict minima of the mean joint speed smoothed by a Gaussian of
    `smoothing` frames, as indices into the T-1 velocity frames (velocity t: frame t to t+1)."""
    pos = _check_positions(positions)
    speed = np.linalg.norm(np.diff(pos, axis=0), axis=2).mean(axis=1)
    smoothed = gaussian_filter1d(speed, smoothing)
    return argrelextrema(smoothed, np.less)[0]


def fact_motion_beats(positions: np.ndarray, order: int = FACT_EXTREMA_ORDER) -> np.ndarray:
    """FACT/mint motion beats: minima (within +-order frames) of the summed joint speed, v[0]=0."""
    pos = _check_positions(positions)
    envelope = np.zeros(pos.shape[0])
    envelope[1:] = np.linalg.norm(np.diff(pos, axis=0), axis=2).sum(axis=1)
    return argrelextrema(envelope, np.less, order=order)[0]


def _nearest_gaussian(queries: np.ndarray, targets: np.ndarray, sigma: float) -> np.ndarray:
    """exp(-d^2 / (2 sigma^2)) for each query's nearest target, d in frames."""
    if sigma <= 0:
        raise ValueError(f"sigma must be positive (frames), got {sigma}")
    dist = np.abs(queries[:, None] - targets[None, :]).min(axis=1)
    return np.exp(-(dist**2) / (2.0 * sigma**2))


def music_to_motion_score(
    motion_beats: np.ndarray, music_beats: np.ndarray, sigma: float = 3.0
) -> float:
    """Bailando/LODGE BA: mean over music beats of the Gaussian of the nearest motion beat."""
    motion = _check_beats(motion_beats, "motion beats")
    music = _check_beats(music_beats, "music beats")
    if music.size == 0:
        warnings.warn(
            "music->motion BAS: no music beat, the score is undefined (NaN)",
            DegenerateMetricWarning,
            stacklevel=2,
        )
        return float("nan")
    if motion.size == 0:
        warnings.warn(
            f"music->motion BAS: no motion beat for {music.size} music beats (the reference "
            "crashes); scored 0.0",
            DegenerateMetricWarning,
            stacklevel=2,
        )
        return 0.0
    return float(_nearest_gaussian(music, motion, sigma).mean())


def motion_to_music_score(
    motion_beats: np.ndarray, music_beats: np.ndarray, sigma: float = 3.0
) -> float:
    """FACT/mint BA: mean over motion beats of the Gaussian of the nearest music beat; 0 if no
    motion beat (as the reference)."""
    motion = _check_beats(motion_beats, "motion beats")
    music = _check_beats(music_beats, "music beats")
    if motion.size == 0:
        return 0.0
    if music.size == 0:
        warnings.warn(
            f"motion->music BAS: no music beat for {motion.size} motion beats (the reference "
            "crashes), the score is undefined (NaN)",
            DegenerateMetricWarning,
            stacklevel=2,
        )
        return float("nan")
    return float(_nearest_gaussian(motion, music, sigma).mean())


def bas_bailando(
    positions: np.ndarray, music_beats: np.ndarray, sigma: float = 3.0, truncate_music: bool = True,
    smoothing: float = BAILANDO_SMOOTHING_SIGMA,
) -> float:
    """Bailando BAS of one sequence: SMPL-24 positions (T,24,3) and music beat frame indices.

    `truncate_music` keeps music beats < T-1 as Bailando does; LODGE does not truncate. `smoothing`:
    the speed smoothing in frames (5 as published)."""
    pos = _check_positions(positions)
    if pos.shape[1] != 24:
        raise ValueError(f"Bailando BAS averages 24 SMPL joints, got {pos.shape[1]} joints")
    music = _check_beats(music_beats, "music beats")
    if truncate_music:
        music = music[music < pos.shape[0] - 1]
    return music_to_motion_score(bailando_motion_beats(pos, smoothing), music, sigma)


def bas_lodge(joints: np.ndarray, music_beats: np.ndarray, sigma: float = 3.0) -> float:
    """LODGE BAS of one file: SMPL-X FK joints (T,>=24,3), of which [:24] are used (22 body +
    jaw + left eye, as the reference), with 30-fps music beats not truncated."""
    pos = _check_positions(joints, min_joints=24)
    return bas_bailando(pos[:, :24], music_beats, sigma, truncate_music=False)


def bas_fact(
    positions: np.ndarray,
    music_beats: np.ndarray,
    sigma: float = 3.0,
    order: int = FACT_EXTREMA_ORDER,
) -> float:
    """FACT/mint BAS of one sequence from joint positions (T,J,3) and music beat frame indices."""
    return motion_to_music_score(fact_motion_beats(positions, order), music_beats, sigma)


def mean_score(scores: Sequence[float]) -> float:
    """Mean over sequences, excluding undefined (NaN) scores with a warning naming how many."""
    arr = np.asarray(scores, dtype=np.float64)
    if arr.size == 0:
        raise ValueError("no per-sequence BAS to average")
    undefined = np.isnan(arr)
    if undefined.all():
        raise ValueError(f"all {arr.size} per-sequence BAS are undefined (no music beats)")
    if undefined.any():
        warnings.warn(
            f"BAS mean excludes {int(undefined.sum())} of {arr.size} sequences with no music beat",
            DegenerateMetricWarning,
            stacklevel=2,
        )
    return float(arr[~undefined].mean())


def lodge_bas_mean(
    names: Sequence[str],
    scores: Sequence[float],
    test_ids: Sequence[str] | None = LODGE_BAS_TEST_IDS,
) -> float:
    """LODGE's reported BAS: mean of per-file scores over files whose first three characters are
    in `test_ids` (compat default: the reference's 19 ids, which silently drop song 193).

    `test_ids=None` (v1) averages every file. Files skipped by the id filter are warned about."""
    if len(names) != len(scores):
        raise ValueError(f"{len(names)} names but {len(scores)} scores")
    if test_ids is None:
        return mean_score(scores)
    allowed = set(test_ids)
    keep = np.array([name[:3] in allowed for name in names], dtype=bool)
    skipped = [name for name, k in zip(names, keep) if not k]
    if skipped:
        warnings.warn(
            f"LODGE compat BAS skips {len(skipped)} of {len(names)} files not in its hard-coded id "
            f"list (reproduced as published): {', '.join(skipped[:20])}",
            MetricWarning,
            stacklevel=2,
        )
    if not keep.any():
        raise ValueError("no file name starts with one of the LODGE BAS test ids")
    return mean_score(np.asarray(scores, dtype=np.float64)[keep])
