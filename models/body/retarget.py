"""Retargeting joint positions onto a skeleton (SMPL-24 by default) by bone-direction inverse kinematics.

Joints are solved in tree order, each given its parent's already-solved world rotation:
- one child: the shortest-arc rotation taking the rest bone (carried by the parent's frame) onto the
  target bone, so the twist about the bone is inherited from the parent and stays smooth in time;
- several children (SMPL pelvis: hips + spine; spine3: neck + collars): the best-fit rotation of
  all child directions (Kabsch), which leaves a residual wherever the source's relative
  child directions differ from the skeleton's rest geometry;
- no child (feet, head, hands): identity, since nothing observed depends on it.
Only bone directions are matched, so bone lengths stay the skeleton's; FK(IK(p)) reproduces p
exactly when p has the skeleton's bone lengths and the multi-child joints are rigid.
"""

from __future__ import annotations

import numpy as np

from models.body.motion import Motion
from models.body.rotations import matrix_to_axis_angle
from models.body.skeleton import SMPL24, Skeleton

_EPS = 1e-9
_UP = np.array([0.0, 1.0, 0.0])


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), _EPS)


def _skew(v: np.ndarray) -> np.ndarray:
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    zero = np.zeros_like(x)
    return np.stack([zero, -z, y, z, zero, -x, -y, x, zero], axis=-1).reshape(*v.shape[:-1], 3, 3)


def shortest_arc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotation matrices (...,3,3) of least angle taking unit vectors a onto b (...,3).

    Opposite vectors get a half turn about an axis perpendicular to a.
    """
    cross = np.cross(a, b)
    cos = np.sum(a * b, axis=-1)[..., None, None]
    k = _skew(cross)
    opposite = cos[..., 0, 0] < -1 + 1e-8
    general = np.eye(3) + k + k @ k / np.maximum(1 + cos, 1e-8)
    helper = np.where(np.abs(a[..., :1]) < 0.9, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
    axis = _unit(np.cross(a, helper))
    half_turn = 2 * axis[..., :, None] * axis[..., None, :] - np.eye(3)
    return np.where(opposite[..., None, None], half_turn, general)


def kabsch(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Rotations (...,3,3) minimising sum_i |R s_i - t_i|^2 for vectors (...,N,3) (no reflections)."""
    cov = np.einsum("...ni,...nj->...ij", target, source)
    u, _, vt = np.linalg.svd(cov)
    fix = np.ones(u.shape[:-1])
    fix[..., -1] = np.sign(np.linalg.det(u @ vt))  # +-1: no reflections
    return (u * fix[..., None, :]) @ vt


def _check_targets(targets: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    targets = np.asarray(targets, dtype=np.float64)
    if targets.ndim != 3 or targets.shape[1:] != (skeleton.num_joints, 3) or len(targets) == 0:
        raise ValueError(
            f"retarget needs target positions (T,{skeleton.num_joints},3) in {skeleton.name} order, "
            f"got {targets.shape}"
        )
    if not np.isfinite(targets).all():
        raise ValueError(f"retarget target positions contain {int((~np.isfinite(targets)).sum())} NaN/inf values")
    if any(p >= j for j, p in enumerate(skeleton.parents)):
        raise ValueError(f"{skeleton.name}: joints must come after their parents")
    return targets


def solve_local_rotations(targets: np.ndarray, skeleton: Skeleton = SMPL24) -> np.ndarray:
    """Local rotation matrices (T,J,3,3) whose FK bone directions follow target positions (T,J,3).

    Every child direction counts equally in a best fit (weighting by bone length measured no better).
    """
    targets = _check_targets(targets, skeleton)
    frames = len(targets)
    local = np.tile(np.eye(3), (frames, skeleton.num_joints, 1, 1))
    world: list[np.ndarray] = []
    for j, p in enumerate(skeleton.parents):
        parent = world[p] if p >= 0 else np.broadcast_to(np.eye(3), (frames, 3, 3))
        children = list(skeleton.children(j))
        if not children:
            world.append(parent)
            continue
        rest = _unit(np.einsum("tij,cj->tci", parent, skeleton.offsets[children]))
        goal = _unit(targets[:, children] - targets[:, j : j + 1])
        if len(children) == 1:
            delta = shortest_arc(rest[:, 0], goal[:, 0])
        else:
            delta = kabsch(rest, goal)
        world.append(delta @ parent)
        local[:, j] = np.swapaxes(parent, -1, -2) @ world[j]
    return local


def retarget_positions(targets: np.ndarray, fps: float, skeleton: Skeleton = SMPL24) -> Motion:
    """Motion on `skeleton` whose bone directions follow target positions (T,J,3) in its joint order.

    The root is placed so FK's root joint lands on the target root. No grounding or re-facing here:
    see `face_z_at_origin` (on targets) and `ground` (on the result).
    """
    local = solve_local_rotations(targets, skeleton)
    translation = np.asarray(targets, dtype=np.float64)[:, 0] - skeleton.offsets[0]
    return Motion(matrix_to_axis_angle(local), translation, fps, skeleton)


def face_z_at_origin(positions: np.ndarray, skeleton: Skeleton = SMPL24) -> np.ndarray:
    """Positions (T,J,3) turned about +y so frame 0 faces +z, then shifted so frame 0's root is at x=z=0.

    Facing is left_hip - right_hip crossed with up (SMPL: x left, y up, z forward).
    """
    positions = _check_targets(positions, skeleton)
    names = skeleton.joint_names
    across = positions[0, names.index("left_hip")] - positions[0, names.index("right_hip")]
    forward = np.cross(across, _UP)
    heading = np.arctan2(forward[0], forward[2])  # angle from +z towards +x
    c, s = np.cos(-heading), np.sin(-heading)
    turn = np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])
    turned = positions @ turn.T
    return turned - turned[0, 0] * np.array([1.0, 0.0, 1.0])


def ground(motion: Motion) -> Motion:
    """The motion shifted vertically so its lowest FK joint over all frames sits on y = 0."""
    lowest = motion.positions()[..., 1].min()
    return Motion(motion.rotations, motion.root_translation - [0.0, lowest, 0.0], motion.fps, motion.skeleton)


def bone_direction_errors(motion: Motion, targets: np.ndarray) -> np.ndarray:
    """Angle in degrees (T,J) between each bone parent(j)->j of FK(motion) and of the targets (column 0 is 0)."""
    targets = _check_targets(targets, motion.skeleton)
    if len(targets) != motion.num_frames:
        raise ValueError(f"targets have {len(targets)} frames, the motion {motion.num_frames}")
    parents = list(motion.skeleton.parents[1:])
    fk = motion.positions()
    a = _unit(fk[:, 1:] - fk[:, parents])
    b = _unit(targets[:, 1:] - targets[:, parents])
    angle = np.degrees(np.arccos(np.clip(np.sum(a * b, axis=-1), -1.0, 1.0)))
    return np.concatenate([np.zeros((len(angle), 1)), angle], axis=1)
