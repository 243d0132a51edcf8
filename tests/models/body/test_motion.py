"""The Motion contract: validation, FK, resampling, slicing, skeleton conversion and mirroring."""

import dataclasses

import numpy as np
import pytest

from models.body.formats_finedance import motion_from_finedance
from models.body.motion import Motion, mirror_permutation, nominal_fps
from models.body.skeleton import SMPL24, SMPLX55, Skeleton, fk_axis_angle
from tests.golden import GOLDEN


@pytest.fixture(scope="module")
def golden_motion() -> Motion:
    """caseA GT sequence 0 (first 120 frames, 30 fps, SMPL-24)."""
    aa = np.load(GOLDEN / "caseA/inputs/gt_axis_angle_seq0_slice.npy")[0, :120]
    trans = np.load(GOLDEN / "caseA/inputs/gt_trans_seq0_slice.npy")[0, :120]
    return Motion(aa, trans, 30)


@pytest.fixture(scope="module")
def finedance_motion() -> Motion:
    return motion_from_finedance(np.load(GOLDEN / "caseF/inputs/gt_mofea319_seq0_slice.npy")[0, :60])


def _smooth_motion(frames: int, fps: float) -> Motion:
    t = np.arange(frames)[:, None, None] / fps
    phase = np.random.default_rng(0).uniform(0, 2 * np.pi, size=(1, 24, 3))
    rotations = 0.6 * np.sin(2 * np.pi * 0.7 * t + phase)
    translation = np.concatenate([np.sin(t[:, 0]), 0.9 + 0.05 * np.cos(3 * t[:, 0]), 0.3 * t[:, 0]], axis=1)
    return Motion(rotations, translation, fps)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rotations": np.zeros((10, 22, 3))}, r"\(T,24,3\) axis-angle for skeleton smpl24"),
        ({"rotations": np.zeros((10, 24))}, r"\(T,24,3\)"),
        ({"rotations": np.zeros((0, 24, 3)), "root_translation": np.zeros((0, 3))}, "at least one frame"),
        ({"root_translation": np.zeros((9, 3))}, r"root_translation must be \(10,3\)"),
        ({"root_translation": np.full((10, 3), np.nan)}, "root_translation contains 30 non-finite"),
        ({"rotations": np.full((10, 24, 3), np.inf)}, "rotations contains 720 non-finite"),
        ({"fps": 0}, "fps must be a finite number > 0"),
        ({"fps": -30.0}, "fps must be a finite number > 0"),
        ({"fps": float("nan")}, "fps must be a finite number > 0"),
        ({"fps": "thirty"}, "fps must be a finite number > 0"),
    ],
)
def test_invalid_motions_are_rejected_with_a_reason(kwargs, message):
    args = {"rotations": np.zeros((10, 24, 3)), "root_translation": np.zeros((10, 3)), "fps": 30.0} | kwargs
    with pytest.raises(ValueError, match=message):
        Motion(**args)


def test_motion_is_immutable_and_owns_its_arrays():
    rotations = np.zeros((4, 24, 3), dtype=np.float32)
    motion = Motion(rotations, np.zeros((4, 3)), 30)
    rotations[0, 0, 0] = 1.0
    assert motion.rotations[0, 0, 0] == 0.0 and motion.rotations.dtype == np.float64
    with pytest.raises(ValueError, match="read-only"):
        motion.rotations[0, 0, 0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        motion.fps = 60.0  # type: ignore[misc]


def test_counts_duration_and_positions(golden_motion):
    assert golden_motion.num_frames == 120 and golden_motion.duration == pytest.approx(4.0)
    expected = np.load(GOLDEN / "caseA/inputs/gt_positions.npy")[0, :120]
    np.testing.assert_allclose(golden_motion.positions(), expected, atol=1e-5)


def test_resample_60_to_30_halves_frames_and_keeps_shared_timestamps():
    motion = _smooth_motion(240, 60.0)
    half = motion.resample(30)
    assert half.num_frames == 120 and half.fps == 30.0
    np.testing.assert_allclose(half.positions(), motion.positions()[::2], atol=1e-9)


def test_resample_to_non_integer_ratio_interpolates_between_frames():
    motion = _smooth_motion(240, 60.0)
    resampled = motion.resample(24)
    assert resampled.num_frames == 96  # times i/24 keeping the 4 s duration
    source = np.arange(96) * 2.5  # source frame of each output frame
    positions = motion.positions()
    lo, w = np.floor(source).astype(int), (source % 1)[:, None, None]
    linear = (1 - w) * positions[lo] + w * positions[np.minimum(lo + 1, 239)]
    np.testing.assert_allclose(resampled.positions(), linear, atol=5e-3)  # slerp vs lerp on a smooth motion
    np.testing.assert_allclose(resampled.positions()[::2], positions[::5], atol=1e-9)  # shared time stamps


def test_resample_up_then_down_recovers_the_motion(golden_motion):
    up = golden_motion.resample(60)
    assert up.num_frames == 240  # the 4 s kept: the last sample holds the last frame
    np.testing.assert_allclose(up.resample(30).positions(), golden_motion.positions(), atol=1e-9)


def test_resample_same_fps_is_identity(golden_motion):
    same = golden_motion.resample(30.0)
    np.testing.assert_array_equal(same.rotations, golden_motion.rotations)
    np.testing.assert_array_equal(same.root_translation, golden_motion.root_translation)


def test_resample_slerps_the_short_way_across_quaternion_sign_flips():
    rotations = np.zeros((2, 24, 3))
    rotations[0, 5] = [0, 0, 3.0]  # 3.0 rad about +z
    rotations[1, 5] = [0, 0, -3.0]  # the same as 3.28 rad about +z: 0.28 rad away, through pi
    translation = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    middle = Motion(rotations, translation, 1.0).resample(2.0)
    assert middle.num_frames == 4  # 2 s kept: the last sample holds frame 1
    np.testing.assert_allclose(np.linalg.norm(middle.rotations[1, 5]), np.pi, atol=1e-9)
    np.testing.assert_allclose(middle.root_translation[1], [0.5, 1.0, 1.5])
    with pytest.raises(ValueError, match="resample fps"):
        middle.resample(0)


def test_slice_uses_python_semantics_and_rejects_empty(golden_motion):
    part = golden_motion.slice(10, -10)
    assert part.num_frames == 100
    np.testing.assert_array_equal(part.rotations, golden_motion.rotations[10:110])
    np.testing.assert_array_equal(part.root_translation, golden_motion.root_translation[10:110])
    with pytest.raises(ValueError, match="empty"):
        golden_motion.slice(50, 50)


def test_to_smpl24_keeps_body_rotations_and_the_pelvis(finedance_motion):
    smpl = finedance_motion.to_smpl24()
    assert smpl.skeleton.name == "smpl24" and smpl.rotations.shape == (60, 24, 3)
    np.testing.assert_array_equal(smpl.rotations[:, :22], finedance_motion.rotations[:, :22])
    np.testing.assert_array_equal(smpl.rotations[:, 22:], 0.0)
    np.testing.assert_allclose(smpl.positions()[:, 0], finedance_motion.positions()[:, 0], atol=1e-12)
    # Different bone tables: the body is close but not identical (a few cm).
    body_gap = np.abs(smpl.positions()[:, :22] - finedance_motion.positions()[:, :22]).max()
    assert 1e-3 < body_gap < 0.15
    assert smpl.to_smpl24() is smpl


def test_smpl24_to_smplx55_and_back(golden_motion):
    body_only = Motion(np.concatenate([golden_motion.rotations[:, :22], np.zeros((120, 2, 3))], axis=1),
                       golden_motion.root_translation, 30)  # fmt: skip
    smplx = body_only.to_smplx55()
    assert smplx.skeleton.name == "smplx55"
    np.testing.assert_array_equal(smplx.rotations[:, 22:], 0.0)
    back = smplx.to_smpl24()
    np.testing.assert_allclose(back.rotations, body_only.rotations, atol=0)
    np.testing.assert_allclose(back.root_translation, body_only.root_translation, atol=1e-12)


def test_conversions_reject_unknown_skeletons():
    odd = Skeleton("two", ("a", "b"), (-1, 0), np.array([[0.0, 0, 0], [0, 1, 0]]))
    motion = Motion(np.zeros((3, 2, 3)), np.zeros((3, 3)), 30, odd)
    with pytest.raises(ValueError, match="needs a smplx55 motion, got skeleton two"):
        motion.to_smpl24()


def _symmetric(skeleton: Skeleton) -> Skeleton:
    """The skeleton with left/right offsets averaged into exact mirror images."""
    perm = mirror_permutation(skeleton)
    offsets = (skeleton.offsets + skeleton.offsets[perm] * [-1, 1, 1]) / 2
    return dataclasses.replace(skeleton, name=f"{skeleton.name}_sym", offsets=offsets)


@pytest.mark.parametrize("skeleton", [SMPL24, SMPLX55], ids=lambda s: s.name)
def test_mirror_equals_reflected_positions_on_a_symmetric_skeleton(skeleton):
    rng = np.random.default_rng(4)
    symmetric = _symmetric(skeleton)
    offsets = symmetric.offsets.copy()
    offsets[0] += [0.02, -0.3, 0.01]  # an off-centre rest root (as SMPL-X has) must still mirror exactly
    symmetric = dataclasses.replace(symmetric, offsets=offsets)
    rotations = rng.normal(scale=0.8, size=(7, skeleton.num_joints, 3))
    motion = Motion(rotations, rng.normal(size=(7, 3)), 30, symmetric)
    perm = mirror_permutation(skeleton)
    reflected = motion.positions()[:, perm] * [-1, 1, 1]
    np.testing.assert_allclose(motion.mirror().positions(), reflected, atol=1e-12)
    np.testing.assert_allclose(motion.mirror().mirror().rotations, motion.rotations, atol=0)


def test_mirror_on_the_real_smpl_table_is_close_and_swaps_sides(golden_motion):
    perm = mirror_permutation(SMPL24)
    assert SMPL24.joint_names[perm[SMPL24.joint_names.index("left_wrist")]] == "right_wrist"
    assert perm[SMPL24.joint_names.index("head")] == SMPL24.joint_names.index("head")
    reflected = golden_motion.positions()[:, perm] * [-1, 1, 1]
    gap = np.abs(golden_motion.mirror().positions() - reflected).max()
    assert 1e-4 < gap < 0.03  # the EDGE table is only nearly symmetric


def test_positions_use_the_motion_skeleton(finedance_motion):
    expected = fk_axis_angle(finedance_motion.rotations, finedance_motion.root_translation, SMPLX55)
    np.testing.assert_array_equal(finedance_motion.positions(), expected)


def test_resample_keeps_the_duration_and_nominal_rates_snap(golden_motion):
    near = dataclasses.replace(golden_motion, fps=30.00003)
    assert near.resample(30).num_frames == golden_motion.num_frames  # no frame dropped by rounding
    assert golden_motion.resample(24).duration == pytest.approx(golden_motion.duration, abs=1 / 24)
    assert nominal_fps(30.00003) == 30.0 and nominal_fps(1 / 0.016667) == 60.0
    assert nominal_fps(29.97) == 29.97 and nominal_fps(12.5) == 12.5
