"""Forward kinematics: golden references (EDGE SMPL-24 on caseA, LODGE SMPL-X on caseF), numpy == torch,
bone lengths, batching and the SMPL-X rest pose."""


import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from models.body.rotations import rotation_6d_to_matrix
from models.body.skeleton import (
    SMPL24,
    SMPLX55,
    SMPLX55_REST_JOINTS,
    fk_axis_angle,
    forward_kinematics,
    smplx55_rotmats_from_finedance52,
)
from tests.golden import GOLDEN, golden_json


def _random_pose(skeleton, frames=5, seed=0):
    rotations = Rotation.random(frames * skeleton.num_joints, random_state=seed).as_matrix()
    translation = np.random.default_rng(seed).normal(size=(frames, 3))
    return rotations.reshape(frames, skeleton.num_joints, 3, 3), translation


def test_edge_fk_reproduces_golden_case_a_positions():
    aa = np.load(GOLDEN / "caseA/inputs/gt_axis_angle_seq0_slice.npy")[0, :60].astype(np.float64)
    trans = np.load(GOLDEN / "caseA/inputs/gt_trans_seq0_slice.npy")[0, :60].astype(np.float64)
    expected = np.load(GOLDEN / "caseA/inputs/gt_positions.npy")[0, :60]
    np.testing.assert_allclose(fk_axis_angle(aa, trans, SMPL24), expected, atol=1e-5)


def test_smplx_fk_reproduces_lodge_golden_first_frame():
    frame = np.load(GOLDEN / "caseF/inputs/gt_motion315.npy")[0, :1].astype(np.float64)
    golden = golden_json("caseF/golden_lodge_caseF.json")
    expected = np.array(golden["smplx_fk_seq0_gt_frame0_joints0_24"])
    rotmats = smplx55_rotmats_from_finedance52(rotation_6d_to_matrix(frame[:, 3:].reshape(1, 52, 6)))
    positions = forward_kinematics(rotmats, frame[:, :3], SMPLX55)
    np.testing.assert_allclose(positions[0, :24], expected, atol=1e-6)


@pytest.mark.parametrize("skeleton", [SMPL24, SMPLX55], ids=lambda s: s.name)
def test_numpy_and_torch_fk_agree(skeleton):
    rotations, translation = _random_pose(skeleton, seed=1)
    expected = forward_kinematics(rotations, translation, skeleton)
    got = forward_kinematics(torch.from_numpy(rotations), torch.from_numpy(translation), skeleton)
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-12)


@pytest.mark.parametrize("skeleton", [SMPL24, SMPLX55], ids=lambda s: s.name)
def test_fk_preserves_bone_lengths_and_places_the_root(skeleton):
    rotations, translation = _random_pose(skeleton, seed=2)
    positions = forward_kinematics(rotations, translation, skeleton)
    parents = list(skeleton.parents[1:])
    bones = np.linalg.norm(positions[:, 1:] - positions[:, parents], axis=-1)
    np.testing.assert_allclose(bones, np.broadcast_to(np.linalg.norm(skeleton.offsets[1:], axis=-1), bones.shape),
                               atol=1e-12)  # fmt: skip
    np.testing.assert_allclose(positions[:, 0], translation + skeleton.offsets[0], atol=1e-12)


def test_fk_batches_over_leading_dimensions():
    rotations, translation = _random_pose(SMPL24, frames=6, seed=3)
    batched = forward_kinematics(rotations.reshape(2, 3, 24, 3, 3), translation.reshape(2, 3, 3))
    np.testing.assert_allclose(batched.reshape(6, 24, 3), forward_kinematics(rotations, translation), atol=1e-12)


def test_smplx_rest_pose_is_the_rest_joint_table():
    np.testing.assert_allclose(SMPLX55.rest_positions(), SMPLX55_REST_JOINTS, atol=1e-12)


def test_wrong_joint_count_is_rejected():
    with pytest.raises(ValueError, match=r"smpl24 FK expects rotations \(\.\.\.,24,3,3\)"):
        forward_kinematics(np.zeros((2, 22, 3, 3)), np.zeros((2, 3)), SMPL24)
    with pytest.raises(ValueError, match="52,3,3"):
        smplx55_rotmats_from_finedance52(np.zeros((2, 22, 3, 3)))
