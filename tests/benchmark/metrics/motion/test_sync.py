"""bas_sync separates dances whose kinematic beats sit on the music's beats from mismatched ones."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.metrics.motion.sync import bas_sync, shifted_bas

FPS = 30.0
SIGMA_S = 0.1


def _beat_grid(rng: np.random.Generator, frames: int) -> np.ndarray:
    """Irregular music beats (12-20 frames apart), like a tempo that drifts."""
    beats = np.cumsum(rng.integers(12, 21, size=frames // 12))
    return beats[beats < frames - 12]


def _dance_on(beats: np.ndarray, frames: int, rng: np.random.Generator) -> np.ndarray:
    """24 joints swinging between two poses, at rest (speed minimum) exactly on each beat."""
    t = np.arange(frames, dtype=np.float64)
    edges = np.concatenate([[0], beats, [frames]])
    phase = np.interp(t, edges, np.arange(len(edges)))  # integer at every beat
    swing = (1 - np.cos(np.pi * phase)) / 2  # zero velocity at integer phase
    amplitude = rng.uniform(0.1, 0.4, size=(1, 24, 3))
    return swing[:, None, None] * amplitude + rng.normal(0, 1, size=(1, 24, 3))


def _set(seed: int, on_beat: bool, n: int = 8, frames: int = 300) -> tuple[list, list]:
    rng = np.random.default_rng(seed)
    dances, music = [], []
    for _ in range(n):
        beats = _beat_grid(rng, frames)
        moved_to = beats if on_beat else _beat_grid(rng, frames)  # off: the dance follows other beats
        dances.append(_dance_on(moved_to, frames, rng))
        music.append(beats)
    return dances, music


def test_true_pairs_above_shuffled_with_disjoint_intervals() -> None:
    dances, music = _set(0, on_beat=True)
    result = bas_sync(dances, music, FPS, SIGMA_S, n_perm=499, seed=1)
    assert result.true_ci95[0] > result.null_band95[1]  # true-pair CI above the whole null band
    assert result.ci95[0] > 0.2 and result.p_value == pytest.approx(1 / 500)


def test_mismatched_pairs_are_not_called_synchronised() -> None:
    dances, music = _set(0, on_beat=False)
    result = bas_sync(dances, music, FPS, SIGMA_S, n_perm=499, seed=1)
    assert result.ci95[0] < 0 < result.ci95[1] or abs(result.value) < 0.05
    assert result.p_value > 0.05


def test_null_is_reproducible_with_its_seed() -> None:
    dances, music = _set(3, on_beat=True, n=4)
    a, b = (bas_sync(dances, music, FPS, SIGMA_S, n_perm=99, seed=7) for _ in range(2))
    c = bas_sync(dances, music, FPS, SIGMA_S, n_perm=99, seed=8)
    np.testing.assert_array_equal(a.null_bas, b.null_bas)
    assert a.value == b.value and a.p_value == b.p_value
    assert not np.array_equal(a.null_bas, c.null_bas)


def test_shift_is_circular_and_lag_zero_is_exact() -> None:
    music, motion = np.array([10.0, 40.0]), np.array([10.0, 40.0])
    got = shifted_bas(motion, music, 50, np.array([0, 50, 30]), 3.0)  # 30: 10->40 hits, 40->20 misses by 10
    np.testing.assert_allclose(got, [1.0, 1.0, (1 + np.exp(-100 / 18)) / 2])
    # 15: 10->25 (15 from any beat), 40->55 wraps to 5 (5 from 10)
    assert shifted_bas(motion, music, 50, np.array([15]), 3.0)[0] == pytest.approx((np.exp(-225 / 18) + np.exp(-25 / 18)) / 2)


def test_too_short_sequences_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="too short"):
        bas_sync([np.zeros((20, 24, 3))], [np.array([5])], FPS, SIGMA_S)


def _bundled_dancer() -> tuple[list[np.ndarray], float]:
    """The bundled sample's real mocap (14 x 4 s at 30 fps) as SMPL-24 joint positions."""
    from benchmark.inputs.motion_sets import load_motion_set
    from benchmark.protocols.registry import get_protocol
    from manifests.sample import SAMPLE_ROOT

    motions = load_motion_set(SAMPLE_ROOT / "motion")
    joints = motions.joints(get_protocol("finedance3d@v1"))
    return [joints[i][:, :24] for i in motions.ids], motions.fps


def test_bundled_dancer_in_sync_and_time_shifted() -> None:
    """Music beats laid on the real dancer's own kinematic beats (+-1 frame) are in sync; the same
    music 0.27 s late (8 frames) is not."""
    from benchmark.metrics.motion.beat_align import bailando_motion_beats

    dances, fps = _bundled_dancer()
    rng = np.random.default_rng(0)
    music = [bailando_motion_beats(d) + rng.integers(-1, 2, size=len(bailando_motion_beats(d))) for d in dances]
    synced = bas_sync(dances, music, fps, SIGMA_S, n_perm=499, seed=0)
    late = bas_sync(dances, [m + 8 for m in music], fps, SIGMA_S, n_perm=499, seed=0)
    assert synced.true_ci95[0] > synced.null_band95[1] and synced.p_value < 0.01
    assert late.ci95[0] < synced.ci95[0] and late.p_value > 0.05
