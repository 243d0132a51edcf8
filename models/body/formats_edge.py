"""EDGE's 151-d pose vector (4 foot contacts + 3 root position + 24x6D, SMPL-24, z-up) and the
y-up <-> z-up maps EDGE applies (its PFC metric needs z-up positions).
"""

from __future__ import annotations

import numpy as np

from models.body.formats_io import check_finite
from models.body.motion import Motion
from models.body.rotations import (
    axis_angle_to_matrix,
    matrix_to_axis_angle,
    matrix_to_rotation_6d,
    rotation_6d_to_matrix,
)
from models.body.skeleton import SMPL24

EDGE_FPS = 30.0
EDGE_DIM = 151
EDGE_FOOT_JOINTS = (7, 8, 10, 11)  # left ankle, right ankle, left foot, right foot
EDGE_CONTACT_SPEED = 0.01  # metres per frame
# 90 degrees about +X, the matrix of EDGE's quaternion [0.7071068, 0.7071068, 0, 0] (w,x,y,z):
# (x, y, z) -> (x, -z, y).
YUP_TO_ZUP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


def to_zup(positions: np.ndarray) -> np.ndarray:
    """y-up points (...,3) -> EDGE's z-up frame: (x, y, z) -> (x, -z, y)."""
    return positions @ YUP_TO_ZUP.T


def to_yup(positions: np.ndarray) -> np.ndarray:
    """EDGE z-up points (...,3) -> y-up: (x, y, z) -> (x, z, -y); inverse of `to_zup`."""
    return positions @ YUP_TO_ZUP


def edge_foot_contacts(positions: np.ndarray, threshold: float = EDGE_CONTACT_SPEED) -> np.ndarray:
    """EDGE contacts (T,4): speed of joints 7,8,10,11 to the next frame < threshold m/frame.

    The last frame has no next frame; EDGE gives it speed 0, i.e. contact.
    """
    feet = positions[:, EDGE_FOOT_JOINTS]
    speed = np.zeros(feet.shape[:2])
    speed[:-1] = np.linalg.norm(feet[1:] - feet[:-1], axis=-1)
    return (speed < threshold).astype(np.float64)


def encode_edge151(motion: Motion) -> np.ndarray:
    """Motion -> EDGE (T,151) float64 in EDGE's z-up frame; SMPLX55 input goes through `to_smpl24`."""
    smpl = motion.to_smpl24()
    contacts = edge_foot_contacts(smpl.positions())
    matrices = axis_angle_to_matrix(smpl.rotations)
    matrices[:, 0] = YUP_TO_ZUP @ matrices[:, 0]
    d6 = matrix_to_rotation_6d(matrices).reshape(smpl.num_frames, -1)
    return np.concatenate([contacts, to_zup(smpl.root_translation), d6], axis=1)


def decode_edge151(array: np.ndarray, fps: float = EDGE_FPS, source: str = "<array>") -> Motion:
    """EDGE (T,151) z-up array -> SMPL24 Motion in y-up (contacts are dropped)."""
    if array.ndim != 2 or array.shape[1] != EDGE_DIM:
        raise ValueError(f"{source}: EDGE motion must be (T,{EDGE_DIM}), got shape {array.shape}")
    check_finite(array, source)
    data = array.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):  # degenerate rows -> NaN, reported below
        matrices = rotation_6d_to_matrix(data[:, 7:].reshape(len(data), SMPL24.num_joints, 6))
    matrices[:, 0] = YUP_TO_ZUP.T @ matrices[:, 0]
    rotations = matrix_to_axis_angle(matrices)
    check_finite(rotations, f"{source}: decoded 6D rotations (degenerate 6D rows)")
    return Motion(rotations, to_yup(data[:, 4:7]), fps, SMPL24)
