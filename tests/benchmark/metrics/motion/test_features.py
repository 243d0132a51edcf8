"""Kinetic and geometric motion features: Bailando golden per-sequence features (caseA, caseB),
the EE bug and its corrected variant on known trajectories, frame_time scaling, the per-frame loop
reference, batching, and input errors."""


import numpy as np
import pytest

from bench.bench_motion_features import loop_geometric_features, loop_kinetic_features
from benchmark.metrics.motion.geometric import HL, geometric_features
from benchmark.metrics.motion.kinetic import kinetic_features
from benchmark.metrics.motion.preprocess import bailando_positions
from tests.golden import GOLDEN, golden_json


def _golden_sequences(case: str, side: str) -> list[dict]:
    data = golden_json(f"{case}/golden_bailando_{case}.json")
    return data["per_sequence"][side]


def _inputs(case: str, side: str) -> np.ndarray:
    return np.load(GOLDEN / f"{case}/inputs/{side}_positions.npy")


GOLDEN_SETS = [("caseA", "gt"), ("caseA", "pred"), ("caseB", "gt"), ("caseB", "pred")]


@pytest.mark.parametrize(("case", "side"), GOLDEN_SETS)
def test_bailando_features_match_golden_per_sequence(case, side):
    positions = bailando_positions(_inputs(case, side))
    golden = _golden_sequences(case, side)[: len(positions)]
    assert [g["name"] for g in golden] == [f"seq{i:02d}" for i in range(len(positions))]
    kinetic = kinetic_features(positions)
    geometric = geometric_features(positions)
    assert kinetic.dtype == np.float32 and kinetic.shape == (len(positions), 72)
    assert geometric.dtype == np.float32 and geometric.shape == (len(positions), 32)
    np.testing.assert_allclose(kinetic, [g["kinetic72"] for g in golden], rtol=1e-6, atol=0)
    # means of booleans over the same frames: exactly equal
    np.testing.assert_array_equal(geometric, np.float32([g["manual32"] for g in golden]))


def test_single_sequence_equals_its_row_in_a_batch():
    positions = bailando_positions(_inputs("caseB", "pred")[:3])
    np.testing.assert_array_equal(kinetic_features(positions[1]), kinetic_features(positions)[1])
    np.testing.assert_array_equal(geometric_features(positions[1]), geometric_features(positions)[1])


@pytest.mark.parametrize("ee_bug", [True, False])
def test_vectorised_features_equal_the_per_frame_loop(ee_bug):
    positions = bailando_positions(_inputs("caseB", "gt")[2, :150])
    np.testing.assert_array_equal(
        kinetic_features(positions, ee_bug=ee_bug), loop_kinetic_features(positions, ee_bug=ee_bug)
    )
    np.testing.assert_array_equal(geometric_features(positions), loop_geometric_features(positions))


def _trajectory(frames: int, dt: float, velocity, acceleration, start) -> np.ndarray:
    t = np.arange(frames)[:, None] * dt
    return np.asarray(start) + np.asarray(velocity) * t + 0.5 * np.asarray(acceleration) * t**2


def test_kinetic_energies_and_corrected_ee_on_known_trajectories():
    dt = 1 / 60
    constant_velocity = _trajectory(50, dt, [1.0, -2.0, 0.5], [0, 0, 0], [0.3, 1.0, -0.2])
    constant_acceleration = _trajectory(50, dt, [0.2, 0.0, 0.0], [3.0, -4.0, 12.0], [0, 0.9, 0])
    positions = np.stack([constant_velocity, constant_acceleration], axis=1)  # (T,2,3) float64
    h_ke, v_ke, ee = kinetic_features(positions, frame_time=dt, ee_bug=False).reshape(2, 3).T
    # constant velocity: every windowed velocity is v; no acceleration
    expected = [1.0**2 + 0.5**2, 2.0**2, 0.0]
    np.testing.assert_allclose([h_ke[0], v_ke[0], ee[0]], expected, rtol=1e-6, atol=1e-6)
    # constant acceleration: the second difference / dt^2 is exactly a on every frame
    np.testing.assert_allclose(ee[1], np.linalg.norm([3.0, -4.0, 12.0]), rtol=1e-6)


def test_ee_bug_measures_distance_from_origin_for_a_static_point():
    dt = 1 / 60
    point = np.array([0.4, 1.2, -0.3])
    positions = np.broadcast_to(point, (30, 1, 3)).copy()
    _, _, ee_bug = kinetic_features(positions, frame_time=dt, ee_bug=True)
    _, _, ee_fixed = kinetic_features(positions, frame_time=dt, ee_bug=False)
    # v2 = 0, v1 = p - p/dt  ->  |(v2 - v1)/dt| = (1/dt - 1)/dt * |p| = 3540 |p|
    np.testing.assert_allclose(ee_bug, (1 / dt - 1) / dt * np.linalg.norm(point), rtol=1e-6)
    assert ee_fixed == 0.0


def test_kinetic_frame_time_scaling():
    positions = bailando_positions(_inputs("caseB", "pred")[0, :200]).astype(np.float64)
    base = kinetic_features(positions, frame_time=1 / 60, ee_bug=False).reshape(-1, 3)
    doubled = kinetic_features(positions, frame_time=2 / 60, ee_bug=False).reshape(-1, 3)
    # velocities halve -> energies / 4; accelerations quarter -> EE / 4
    np.testing.assert_allclose(doubled[:, :2], base[:, :2] / 4, rtol=1e-5)
    np.testing.assert_allclose(doubled[:, 2], base[:, 2] / 4, rtol=1e-5)


def test_geometric_speed_tests_use_frame_time():
    pose = _inputs("caseB", "gt")[0, 0].astype(np.float64)
    step = np.array([0.005, 0.0, 0.0])  # rigid translation per frame: 0.6 m/s at 1/120 s
    positions = pose + np.arange(20)[:, None, None] * step
    fast = [12, 13, 21, 22, 31]  # fast(rwrist, lwrist, rankle, lankle) at 2.5 HL, fast(root) at 2.3 HL
    assert 2.3 * HL < 0.6 < 2.5 * HL
    at_120 = geometric_features(positions, frame_time=1 / 120)
    at_60 = geometric_features(positions, frame_time=1 / 60)  # 0.3 m/s
    np.testing.assert_array_equal(at_120[fast], [0, 0, 0, 0, 1])
    np.testing.assert_array_equal(at_60[fast], [0, 0, 0, 0, 0])
    others = np.setdiff1d(np.arange(32), fast)
    np.testing.assert_array_equal(at_120[others], at_60[others])  # pose tests ignore frame_time


def test_nan_positions_are_rejected_with_the_frame():
    positions = bailando_positions(_inputs("caseA", "pred")[0])
    positions[7, 3, 1] = np.nan
    for fn in (kinetic_features, geometric_features):
        with pytest.raises(ValueError, match=r"NaN or inf.*frames \[7\]"):
            fn(positions)
    batch = bailando_positions(_inputs("caseA", "pred")[:3])
    batch[2, 0, 0, 0] = np.inf
    with pytest.raises(ValueError, match=r"sequences \[2\]"):
        kinetic_features(batch)


@pytest.mark.parametrize("shape", [(10, 24), (10, 24, 2), (2, 3, 10, 24, 3)])
def test_wrong_shapes_are_rejected(shape):
    with pytest.raises(ValueError, match="shape"):
        kinetic_features(np.zeros(shape))
    with pytest.raises(ValueError, match="shape"):
        geometric_features(np.zeros(shape))


def test_too_few_frames_or_joints_are_rejected():
    with pytest.raises(ValueError, match="2 frames.*at least 3"):
        kinetic_features(np.zeros((2, 24, 3)))
    with pytest.raises(ValueError, match="1 frames.*at least 2"):
        geometric_features(np.zeros((1, 24, 3)))
    with pytest.raises(ValueError, match="20 joints.*at least 22"):
        geometric_features(np.zeros((5, 20, 3)))
    for bad in (0.0, -1 / 60, np.nan):
        with pytest.raises(ValueError, match="frame_time"):
            kinetic_features(np.zeros((5, 24, 3)), frame_time=bad)


def test_minimum_lengths_are_computable():
    rng = np.random.default_rng(0)
    three = rng.normal(size=(3, 24, 3)).astype(np.float32)
    assert np.isfinite(kinetic_features(three)).all()
    np.testing.assert_array_equal(kinetic_features(three), loop_kinetic_features(three))
    np.testing.assert_array_equal(geometric_features(three[:2]), loop_geometric_features(three[:2]))
