"""Renderable bodies driven by a `Motion`: posed vertices (T,V,3) and fixed triangle faces.

`MannequinBody` needs no licensed files: the Apache-2.0 `mannequin-x` convex mannequin, whose rigid
hulls ride on the SMPL-X joints, posed here by the motion's own FK transforms (its rest joints equal
the SMPL-X neutral ones FineDance uses, so the mesh sits exactly on `Motion.positions()`).
`models.body.mesh_smplx.SmplxBody` renders the SMPL / SMPL-X mesh from user-supplied model files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from models.body.motion import Motion
from models.body.rotations import axis_angle_to_matrix
from models.body.skeleton import SMPLX55

MANNEQUIN_LODS = (0, 1, 2)  # 80, 52 and 22 hulls (2 drops the fingers)


class BodyMesh(Protocol):
    """Anything the renderer can draw: a name for provenance, faces, and posed vertices per frame."""

    name: str
    faces: np.ndarray

    def posed_vertices(self, motion: Motion) -> np.ndarray:
        """(T,V,3) float32 world vertices (y-up metres) for every frame of `motion`."""
        ...


def world_transforms(motion: Motion) -> np.ndarray:
    """(T,J,4,4) world transforms of every joint (rotation and position) by FK on `motion.skeleton`.

    The translation column equals `motion.positions()`.
    """
    skeleton = motion.skeleton
    local = axis_angle_to_matrix(motion.rotations)
    frames, joints = local.shape[:2]
    out = np.zeros((frames, joints, 4, 4))
    out[..., 3, 3] = 1.0
    out[:, 0, :3, :3] = local[:, 0]
    out[:, 0, :3, 3] = motion.root_translation + skeleton.offsets[0]
    for j in range(1, joints):
        parent = out[:, skeleton.parents[j]]
        out[:, j, :3, :3] = parent[:, :3, :3] @ local[:, j]
        out[:, j, :3, 3] = parent[:, :3, 3] + parent[:, :3, :3] @ skeleton.offsets[j]
    return out


def _smplx_joint_name(mannequin_name: str) -> str:
    """mannequin-x joint names ('L_Hip', 'Spine1') -> SMPLX55 names ('left_hip', 'spine1')."""
    for prefix, side in (("L_", "left_"), ("R_", "right_")):
        if mannequin_name.startswith(prefix):
            return side + mannequin_name[len(prefix) :].lower()
    return mannequin_name.lower()


@dataclass(frozen=True)
class MannequinBody:
    """Rigid hulls, each attached to one SMPL-X-55 joint: local vertices in that joint's rest frame."""

    name: str
    faces: np.ndarray
    local_vertices: np.ndarray  # (V,3) vertex - rest position of its joint
    vertex_joint: np.ndarray  # (V,) SMPLX55 joint index

    @classmethod
    def load(cls, lod: int = 0) -> MannequinBody:
        """The mannequin-x convex mannequin at level of detail `lod` (0 finest)."""
        if lod not in MANNEQUIN_LODS:
            raise ValueError(f"mannequin level of detail must be one of {MANNEQUIN_LODS}, got {lod!r}")
        try:
            from importlib.metadata import version

            from mannequin import Mannequin
        except ImportError as error:
            raise ImportError(
                "the open body mesh needs the mannequin-x package (Apache-2.0): pip install mannequin-x"
            ) from error
        model = Mannequin("convex", lod=lod, flat_hand_mean=True)
        vertex_joint, local = _assign_vertices_to_joints(model)
        return cls(
            name=f"mannequin-x {version('mannequin-x')} convex lod{lod}",
            faces=np.asarray(model.faces, dtype=np.uint32),
            local_vertices=local.astype(np.float32),
            vertex_joint=vertex_joint,
        )

    def posed_vertices(self, motion: Motion) -> np.ndarray:
        transforms = world_transforms(motion.to_smplx55())[:, self.vertex_joint]  # (T,V,4,4)
        rotated = np.einsum("tvij,vj->tvi", transforms[..., :3, :3], self.local_vertices)
        return (rotated + transforms[..., :3, 3]).astype(np.float32)


def _assign_vertices_to_joints(model) -> tuple[np.ndarray, np.ndarray]:
    """Which SMPLX55 joint carries each mannequin vertex, found through mannequin-x's public API.

    Under a random pose every vertex moves rigidly with exactly one joint; that joint reproduces
    the posed vertex from its rest offset. Returns (vertex_joint (V,), rest offsets (V,3)).
    """
    names = [_smplx_joint_name(n) for n in model.joint_names]
    candidates = [j for j, name in enumerate(names) if name in SMPLX55.joint_names]
    rest = model.rest_pose(dtype=np.float64)
    rest_joints = model.joint_transforms(rest)[candidates, :3, 3]
    rest_vertices = np.asarray(model.vertices(rest), dtype=np.float64)
    pose = model.rest_pose(dtype=np.float64)
    rng = np.random.default_rng(0)
    pose["body_pose"] = rng.uniform(-0.6, 0.6, pose["body_pose"].shape)
    pose["hand_pose"] = rng.uniform(-0.6, 0.6, pose["hand_pose"].shape)
    posed = model.joint_transforms(pose)[candidates]
    posed_vertices = np.asarray(model.vertices(pose), dtype=np.float64)
    offsets = rest_vertices[:, None, :] - rest_joints[None]  # (V,C,3)
    predicted = np.einsum("cij,vcj->vci", posed[:, :3, :3], offsets) + posed[None, :, :3, 3]
    error = np.linalg.norm(predicted - posed_vertices[:, None], axis=-1)
    best = error.argmin(axis=1)
    worst = float(error[np.arange(len(best)), best].max())
    if worst > 1e-4:
        raise ValueError(f"mannequin-x: a vertex follows no single joint (residual {worst:.2e} m)")
    vertex_joint = np.array([SMPLX55.joint_names.index(names[candidates[c]]) for c in best])
    return vertex_joint, offsets[np.arange(len(best)), best]
