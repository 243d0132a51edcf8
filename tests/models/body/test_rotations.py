"""Rotation conversions: round trips (incl. angles near 0 and pi), numpy/torch agreement, gradients."""

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from models.body.rotations import (
    axis_angle_to_matrix,
    axis_angle_to_quaternion,
    matrix_to_axis_angle,
    matrix_to_quaternion,
    matrix_to_rotation_6d,
    quaternion_slerp,
    quaternion_to_axis_angle,
    quaternion_to_matrix,
    rotation_6d_to_matrix,
)


def _axis_angles(rng: np.random.Generator) -> np.ndarray:
    """Random axes with angles spanning 0, tiny, ordinary, and just below pi."""
    axes = rng.normal(size=(9, 3))
    axes /= np.linalg.norm(axes, axis=-1, keepdims=True)
    angles = np.array([0.0, 1e-12, 1e-7, 1e-3, 0.5, 2.0, 3.0, np.pi - 1e-4, np.pi - 1e-7])
    return axes * angles[:, None]


def test_axis_angle_matrix_matches_scipy_and_round_trips():
    aa = _axis_angles(np.random.default_rng(0))
    matrices = axis_angle_to_matrix(aa)
    np.testing.assert_allclose(matrices, Rotation.from_rotvec(aa).as_matrix(), atol=1e-12)
    np.testing.assert_allclose(matrix_to_axis_angle(matrices), aa, atol=1e-6)


def test_quaternion_round_trip_and_wxyz_order():
    aa = _axis_angles(np.random.default_rng(1))
    quats = axis_angle_to_quaternion(aa)
    xyzw = Rotation.from_rotvec(aa).as_quat()
    np.testing.assert_allclose(quats, np.concatenate([xyzw[:, 3:], xyzw[:, :3]], axis=1), atol=1e-12)
    np.testing.assert_allclose(quaternion_to_axis_angle(quats), aa, atol=1e-9)
    np.testing.assert_allclose(quaternion_to_axis_angle(-quats), aa, atol=1e-9)  # q and -q: same rotation


def test_matrix_to_quaternion_exactly_pi_keeps_the_rotation():
    axes = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, -2.0, 3.0]])
    aa = np.pi * axes / np.linalg.norm(axes, axis=-1, keepdims=True)
    matrices = axis_angle_to_matrix(aa)
    np.testing.assert_allclose(quaternion_to_matrix(matrix_to_quaternion(matrices)), matrices, atol=1e-12)
    recovered = matrix_to_axis_angle(matrices)
    np.testing.assert_allclose(np.linalg.norm(recovered, axis=-1), np.pi, atol=1e-9)
    np.testing.assert_allclose(axis_angle_to_matrix(recovered), matrices, atol=1e-9)


def test_6d_is_first_two_rows_and_gram_schmidt_orthonormalises():
    matrices = Rotation.random(50, random_state=2).as_matrix()
    d6 = matrix_to_rotation_6d(matrices)
    np.testing.assert_array_equal(d6.reshape(50, 2, 3), matrices[:, :2, :])
    np.testing.assert_allclose(rotation_6d_to_matrix(d6), matrices, atol=1e-12)
    noisy = rotation_6d_to_matrix(d6 * 3.0 + np.random.default_rng(3).normal(scale=0.05, size=d6.shape))
    identity = np.broadcast_to(np.eye(3), (50, 3, 3))
    np.testing.assert_allclose(noisy @ noisy.transpose(0, 2, 1), identity, atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(noisy), 1.0, atol=1e-12)


@pytest.mark.parametrize(
    "fn, make",
    [
        (axis_angle_to_matrix, lambda r: _axis_angles(r)),
        (axis_angle_to_quaternion, lambda r: _axis_angles(r)),
        (quaternion_to_axis_angle, lambda r: r.normal(size=(20, 4))),
        (quaternion_to_matrix, lambda r: r.normal(size=(20, 4))),
        (matrix_to_quaternion, lambda r: Rotation.random(20, random_state=4).as_matrix()),
        (matrix_to_axis_angle, lambda r: Rotation.random(20, random_state=5).as_matrix()),
        (matrix_to_rotation_6d, lambda r: Rotation.random(20, random_state=6).as_matrix()),
        (rotation_6d_to_matrix, lambda r: r.normal(size=(20, 6))),
    ],
)
def test_numpy_and_torch_agree(fn, make):
    x = make(np.random.default_rng(7))
    out_np = fn(x)
    out_torch = fn(torch.from_numpy(x))
    assert isinstance(out_np, np.ndarray) and isinstance(out_torch, torch.Tensor)
    np.testing.assert_allclose(out_torch.numpy(), out_np, atol=1e-12)


def test_torch_gradient_at_zero_rotation_is_finite_and_exact():
    weights = torch.from_numpy(np.random.default_rng(8).normal(size=(3, 3)))
    aa = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    (axis_angle_to_matrix(aa) * weights).sum().backward()
    # R = I + [w]x near zero, so d/dw sum(W*R) = (W21-W12, W02-W20, W10-W01).
    w = weights.numpy()
    expected = np.array([w[2, 1] - w[1, 2], w[0, 2] - w[2, 0], w[1, 0] - w[0, 1]])
    np.testing.assert_allclose(aa.grad.numpy(), expected, atol=1e-12)

    quat = torch.tensor([1.0, 0.0, 0.0, 0.0], dtype=torch.float64, requires_grad=True)
    quaternion_to_axis_angle(quat).sum().backward()
    np.testing.assert_allclose(quat.grad.numpy(), [0.0, 2.0, 2.0, 2.0], atol=1e-12)


def test_slerp_endpoints_midpoint_and_shortest_arc():
    q0 = axis_angle_to_quaternion(np.array([0.0, 0.0, 0.2]))
    q1 = axis_angle_to_quaternion(np.array([0.0, 0.0, 1.0]))
    np.testing.assert_allclose(quaternion_slerp(q0, q1, 0.0), q0, atol=1e-12)
    np.testing.assert_allclose(quaternion_slerp(q0, q1, 1.0), q1, atol=1e-12)
    np.testing.assert_allclose(quaternion_to_axis_angle(quaternion_slerp(q0, q1, 0.5)), [0, 0, 0.6], atol=1e-12)
    # -q1 is the same rotation; slerp must still take the short way.
    np.testing.assert_allclose(quaternion_to_axis_angle(quaternion_slerp(q0, -q1, 0.25)), [0, 0, 0.4], atol=1e-12)


def test_wrong_last_dimension_is_rejected():
    with pytest.raises(ValueError, match="last dimension 3"):
        axis_angle_to_matrix(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"\(\.\.\.,3,3\)"):
        matrix_to_quaternion(np.zeros((2, 3, 4)))
