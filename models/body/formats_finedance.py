"""FineDance motion arrays: (T,315) = translation + 52x6D, (T,319) = 4 contacts + 315, (T,139) = 4 contacts
+ translation + 22x6D body. 6D = first two ROWS of each matrix (Gram-Schmidt to decode); 30 fps, y-up metres.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from models.body.formats_io import check_finite, load_npy, save_npy
from models.body.motion import Motion
from models.body.rotations import (
    axis_angle_to_matrix,
    matrix_to_axis_angle,
    matrix_to_rotation_6d,
    rotation_6d_to_matrix,
)
from models.body.skeleton import FINEDANCE52_TO_SMPLX55, SMPLX55

logger = logging.getLogger(__name__)

FINEDANCE_FPS = 30.0
# columns -> (leading contact columns, rotations stored)
FINEDANCE_LAYOUTS = {315: (0, 52), 319: (4, 52), 139: (4, 22)}
_ANKLE_CONTACT_HEIGHT = 0.12
_TOE_CONTACT_HEIGHT = 0.05


def finedance_contacts(positions: np.ndarray) -> np.ndarray:
    """LODGE's 4 foot contacts (T,4) for joints (7,8,10,11): ankle y < 0.12 m, toe y < 0.05 m.

    Height-based, on raw FK positions (no grounding), as LODGE's preprocessing writes into mofea319.
    """
    heights = positions[..., (7, 8, 10, 11), 1]
    limits = np.array([_ANKLE_CONTACT_HEIGHT] * 2 + [_TOE_CONTACT_HEIGHT] * 2)
    return (heights < limits).astype(np.float32)


def motion_from_finedance(array: np.ndarray, fps: float = FINEDANCE_FPS, source: str = "<array>") -> Motion:
    """FineDance (T,315|319|139) array -> SMPLX55 Motion; jaw, eyes (and hands for 139) get identity."""
    if array.ndim != 2 or array.shape[1] not in FINEDANCE_LAYOUTS:
        raise ValueError(
            f"{source}: FineDance motion must be (T,315), (T,319) or (T,139), got shape {array.shape}"
        )
    check_finite(array, source)
    contacts, joints = FINEDANCE_LAYOUTS[array.shape[1]]
    data = array[:, contacts:].astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):  # degenerate rows -> NaN, reported below
        matrices = rotation_6d_to_matrix(data[:, 3:].reshape(len(data), joints, 6))
    rotations = np.zeros((len(data), SMPLX55.num_joints, 3))
    rotations[:, list(FINEDANCE52_TO_SMPLX55[:joints])] = matrix_to_axis_angle(matrices)
    check_finite(rotations, f"{source}: decoded 6D rotations (degenerate 6D rows)")
    return Motion(rotations, data[:, :3], fps, SMPLX55)


def read_finedance(path: str | Path, fps: float = FINEDANCE_FPS) -> Motion:
    """Read a FineDance .npy motion ((T,315), (T,319) or (T,139)) as an SMPLX55 Motion."""
    return motion_from_finedance(load_npy(path), fps, source=str(path))


def encode_finedance(motion: Motion, contacts: bool = False) -> np.ndarray:
    """Motion -> FineDance float32 (T,315), or (T,319) with LODGE height contacts prepended.

    An SMPL24 motion fills the 22 body joints (pelvis kept in place); hands are written as identity.
    """
    smplx = motion.to_smplx55()
    matrices = axis_angle_to_matrix(smplx.rotations[:, list(FINEDANCE52_TO_SMPLX55)])
    columns = [smplx.root_translation, matrix_to_rotation_6d(matrices).reshape(smplx.num_frames, -1)]
    if contacts:
        columns.insert(0, finedance_contacts(smplx.positions()))
    return np.concatenate(columns, axis=1).astype(np.float32)


def write_finedance(path: str | Path, motion: Motion, contacts: bool = False) -> Path:
    """Atomically write `encode_finedance(motion, contacts)` as .npy; the file stores no fps (30 assumed).

    SMPL24 motions fill the 22 body joints with identity hands (see `Motion.to_smplx55`).
    """
    if motion.fps != FINEDANCE_FPS:
        logger.warning("%s: writing %.3f fps motion; FineDance readers assume %g fps", path, motion.fps,
                       FINEDANCE_FPS)  # fmt: skip
    return save_npy(path, encode_finedance(motion, contacts))
