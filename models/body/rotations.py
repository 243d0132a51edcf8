"""Rotation conversions (axis-angle, quaternion w-x-y-z, matrix, 6D) for numpy arrays and torch tensors.

Every function is batched over leading dimensions and returns the type it was given, so the same
code serves data loading (numpy) and training losses (torch). The 6D layout is pytorch3d's: the
first two ROWS of the matrix, which is what FineDance and EDGE store.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch

Array = TypeVar("Array", np.ndarray, torch.Tensor)

_SMALL_ANGLE = 1e-6


def _is_torch(x: np.ndarray | torch.Tensor) -> bool:
    return isinstance(x, torch.Tensor)


def _norm(x: Array, keepdim: bool = False) -> Array:
    if _is_torch(x):
        return torch.linalg.norm(x, dim=-1, keepdim=keepdim)
    return np.linalg.norm(x, axis=-1, keepdims=keepdim)


def _stack(items: list, dim: int, like: Array) -> Array:
    return torch.stack(items, dim=dim) if _is_torch(like) else np.stack(items, axis=dim)


def _cross(a: Array, b: Array) -> Array:
    return torch.linalg.cross(a, b, dim=-1) if _is_torch(a) else np.cross(a, b)


def _where(cond, a: Array, b: Array) -> Array:
    return torch.where(cond, a, b) if _is_torch(a) else np.where(cond, a, b)


def _atan2(y: Array, x: Array) -> Array:
    return torch.atan2(y, x) if _is_torch(y) else np.arctan2(y, x)


def _sqrt(x: Array) -> Array:
    return torch.sqrt(x) if _is_torch(x) else np.sqrt(x)


def _sin(x: Array) -> Array:
    return torch.sin(x) if _is_torch(x) else np.sin(x)


def _cos(x: Array) -> Array:
    return torch.cos(x) if _is_torch(x) else np.cos(x)


def _clamp_min(x: Array, lo: float) -> Array:
    return torch.clamp(x, min=lo) if _is_torch(x) else np.maximum(x, lo)


def _check_last(x: Array, size: int, name: str) -> None:
    if x.shape[-1] != size:
        raise ValueError(f"{name} must have last dimension {size}, got shape {tuple(x.shape)}")


def _sin_half_over_angle(angle: Array) -> Array:
    """sin(angle/2)/angle with its Taylor limit near zero (stable gradient and value)."""
    small = abs(angle) < _SMALL_ANGLE
    safe = _where(small, angle * 0 + 1, angle)
    return _where(small, 0.5 - angle * angle / 48, _sin(safe / 2) / safe)


def axis_angle_to_quaternion(axis_angle: Array) -> Array:
    """Axis-angle (...,3) -> unit quaternion (...,4) in w,x,y,z order."""
    _check_last(axis_angle, 3, "axis_angle")
    angle = _norm(axis_angle, keepdim=True)
    xyz = axis_angle * _sin_half_over_angle(angle)
    return _stack([_cos(angle[..., 0] / 2), xyz[..., 0], xyz[..., 1], xyz[..., 2]], -1, axis_angle)


def quaternion_to_axis_angle(quaternion: Array) -> Array:
    """Quaternion (...,4, w first) -> axis-angle (...,3) with angle in [0, pi]."""
    _check_last(quaternion, 4, "quaternion")
    q = _where(quaternion[..., :1] < 0, -quaternion, quaternion)
    sin_half = _norm(q[..., 1:], keepdim=True)
    angle = 2 * _atan2(sin_half, q[..., :1])
    return q[..., 1:] / _sin_half_over_angle(angle)


def quaternion_to_matrix(quaternion: Array) -> Array:
    """Quaternion (...,4, w first; normalised here) -> rotation matrix (...,3,3)."""
    _check_last(quaternion, 4, "quaternion")
    q = quaternion / _norm(quaternion, keepdim=True)
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    rows = [
        _stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1, q),
        _stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1, q),
        _stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1, q),
    ]
    return _stack(rows, -2, q)


def matrix_to_quaternion(matrix: Array) -> Array:
    """Rotation matrix (...,3,3) -> unit quaternion (...,4, w first, w >= 0).

    Uses the largest of the four candidate denominators per element (as pytorch3d does), so it
    stays accurate near 180-degree rotations.
    """
    if tuple(matrix.shape[-2:]) != (3, 3):
        raise ValueError(f"matrix must have shape (...,3,3), got {tuple(matrix.shape)}")
    m = matrix
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    four_sq = _stack(
        [1 + m00 + m11 + m22, 1 + m00 - m11 - m22, 1 - m00 + m11 - m22, 1 - m00 - m11 + m22], -1, m
    )
    abs4 = _sqrt(_clamp_min(four_sq, 0.0))  # = 2|q_i|
    m01, m02, m10, m12, m20, m21 = m[..., 0, 1], m[..., 0, 2], m[..., 1, 0], m[..., 1, 2], m[..., 2, 0], m[..., 2, 1]
    candidates = _stack(
        [
            _stack([abs4[..., 0] ** 2, m21 - m12, m02 - m20, m10 - m01], -1, m),
            _stack([m21 - m12, abs4[..., 1] ** 2, m10 + m01, m02 + m20], -1, m),
            _stack([m02 - m20, m10 + m01, abs4[..., 2] ** 2, m12 + m21], -1, m),
            _stack([m10 - m01, m20 + m02, m21 + m12, abs4[..., 3] ** 2], -1, m),
        ],
        -2,
        m,
    )
    denom = 2 * _clamp_min(abs4, 0.1)[..., None]
    candidates = candidates / denom
    if _is_torch(m):
        best = abs4.argmax(dim=-1, keepdim=True)[..., None].expand(*abs4.shape[:-1], 1, 4)
        q = torch.gather(candidates, -2, best)[..., 0, :]
    else:
        best = abs4.argmax(axis=-1)[..., None, None]
        q = np.take_along_axis(candidates, best, axis=-2)[..., 0, :]
    q = q / _norm(q, keepdim=True)
    return _where(q[..., :1] < 0, -q, q)


def axis_angle_to_matrix(axis_angle: Array) -> Array:
    """Axis-angle (...,3) -> rotation matrix (...,3,3)."""
    return quaternion_to_matrix(axis_angle_to_quaternion(axis_angle))


def matrix_to_axis_angle(matrix: Array) -> Array:
    """Rotation matrix (...,3,3) -> axis-angle (...,3)."""
    return quaternion_to_axis_angle(matrix_to_quaternion(matrix))


def matrix_to_rotation_6d(matrix: Array) -> Array:
    """Rotation matrix (...,3,3) -> 6D (...,6): the first two rows, pytorch3d's convention."""
    if tuple(matrix.shape[-2:]) != (3, 3):
        raise ValueError(f"matrix must have shape (...,3,3), got {tuple(matrix.shape)}")
    return matrix[..., :2, :].reshape(*matrix.shape[:-2], 6)


def rotation_6d_to_matrix(d6: Array) -> Array:
    """6D (...,6) -> rotation matrix (...,3,3) by Gram-Schmidt on the two stored rows."""
    _check_last(d6, 6, "rotation_6d")
    a1, a2 = d6[..., :3], d6[..., 3:]
    b1 = a1 / _norm(a1, keepdim=True)
    b2 = a2 - (b1 * a2).sum(-1)[..., None] * b1
    b2 = b2 / _norm(b2, keepdim=True)
    b3 = _cross(b1, b2)
    return _stack([b1, b2, b3], -2, d6)


def quaternion_slerp(q0: Array, q1: Array, t: Array | float) -> Array:
    """Spherical interpolation between unit quaternions (shortest arc); t broadcasts over (...)."""
    _check_last(q0, 4, "q0")
    dot = (q0 * q1).sum(-1)
    q1 = _where(dot[..., None] < 0, -q1, q1)
    dot = abs(dot)
    if not _is_torch(q0):
        t = np.asarray(t, dtype=q0.dtype)
    t = t[..., None] if hasattr(t, "ndim") and t.ndim == dot.ndim else t
    theta = _atan2(_sqrt(_clamp_min(1 - dot * dot, 0.0)), dot)[..., None]
    near = theta < 1e-4
    sin_theta = _where(near, theta * 0 + 1, _sin(theta))
    w0 = _where(near, 1 - t + theta * 0, _sin((1 - t) * theta) / sin_theta)
    w1 = _where(near, t + theta * 0, _sin(t * theta) / sin_theta)
    q = w0 * q0 + w1 * q1
    return q / _norm(q, keepdim=True)
