"""BVH motion files: a generic reader (any hierarchy, any Euler channel order, End Sites, position
channels on any joint) and a writer for `Motion` (its own skeleton, ZXY channels, root position
channels, centimetres by default).

Conventions: a joint's local rotation is the product of its rotation channels in the listed order
(R = R_1 R_2 R_3, angles in degrees); root world position = root OFFSET + root position channels; a
non-root joint's position channels replace its OFFSET on their axes (as Blender's importer reads them),
so a static root above an animated `Hips` works. Files on another skeleton than SMPL's are mapped onto
SMPL-24 by a skeleton map (`models.body.skeleton_map`) and retargeted.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.body.formats_io import check_finite, require_file
from models.body.motion import Motion
from models.body.rotations import axis_angle_to_matrix, matrix_to_axis_angle
from models.body.skeleton import SKELETONS, Skeleton, fk_axis_angle
from models.body.skeleton_map import SkeletonMap, retarget_named
from models.files import atomic_write

logger = logging.getLogger(__name__)

CENTIMETRES_PER_METRE = 100.0
_AXES = {"X": 0, "Y": 1, "Z": 2}
_WRITE_ORDER = "ZXY"
_OFFSET_WARN_METRES = 1e-3


@dataclass(frozen=True, eq=False)
class BvhMotion:
    """A parsed BVH: joints in file (depth-first) order, offsets (J,3) and root_translation (T,3) in
    metres, rotations (T,J,3) axis-angle local. End Sites are not joints and are dropped."""

    names: tuple[str, ...]
    parents: tuple[int, ...]
    offsets: np.ndarray
    rotations: np.ndarray
    root_translation: np.ndarray
    fps: float
    translations: np.ndarray | None = None  # (T,J,3) local translations when non-root joints are animated
    scale: float = 1.0 / CENTIMETRES_PER_METRE  # metres per file unit the reader applied

    def skeleton(self) -> Skeleton:
        return Skeleton(name="bvh", joint_names=self.names, parents=self.parents, offsets=self.offsets)

    def positions(self) -> np.ndarray:
        """World joint positions (T,J,3), metres, by FK on the file's own hierarchy (animated offsets included)."""
        if self.translations is None:
            return fk_axis_angle(self.rotations, self.root_translation, self.skeleton())
        rotations = axis_angle_to_matrix(self.rotations)
        world_r: list[np.ndarray] = []
        world_p: list[np.ndarray] = []
        for j, parent in enumerate(self.parents):
            if parent < 0:
                world_r.append(rotations[:, j])
                world_p.append(self.root_translation + self.offsets[j])
            else:
                world_r.append(world_r[parent] @ rotations[:, j])
                world_p.append(world_p[parent] + np.einsum("tab,tb->ta", world_r[parent], self.translations[:, j]))
        return np.stack(world_p, axis=1)

    def to_motion(self, skeleton_map: SkeletonMap | None = None, where: str = "BVH") -> Motion:
        """Motion on SMPL24/SMPLX55: the file's own joints when they form that tree, else retargeted.

        Same tree (and no animated offsets): joints are reordered and the skeleton's offsets replace the
        file's (a warning says when they differ by more than 1 mm). Other rigs: FK positions -> SMPL-24
        targets by `skeleton_map` (or the shipped map the joint names fit) -> `retarget_positions`.
        """
        skeleton = None if skeleton_map is not None or self.translations is not None else self._matching_skeleton()
        if skeleton is None:
            return retarget_named(self.positions() / self.scale, self.names, self.fps, where, skeleton_map,
                                  default_metres_per_unit=self.scale)  # fmt: skip
        order = [self.names.index(name) for name in skeleton.joint_names]
        difference = float(np.abs(self.offsets[order][1:] - skeleton.offsets[1:]).max())
        if difference > _OFFSET_WARN_METRES:
            logger.warning("%s: offsets differ from %s by up to %.4f m; using %s's", where, skeleton.name,
                           difference, skeleton.name)  # fmt: skip
        translation = self.root_translation + self.offsets[0] - skeleton.offsets[0]
        return Motion(self.rotations[:, order], translation, self.fps, skeleton)

    def _matching_skeleton(self) -> Skeleton | None:
        parent_of = {name: (self.names[p] if p >= 0 else None) for name, p in zip(self.names, self.parents)}
        for skeleton in SKELETONS.values():
            expected = {
                name: (skeleton.joint_names[p] if p >= 0 else None)
                for name, p in zip(skeleton.joint_names, skeleton.parents)
            }
            if expected == parent_of:
                return skeleton
        return None


def euler_to_matrix(degrees: np.ndarray, order: str) -> np.ndarray:
    """Angles (...,K) in degrees for axes `order` (e.g. "ZXY") -> R = R_1 R_2 ... R_K (...,3,3)."""
    if degrees.shape[-1] != len(order):
        raise ValueError(f"{len(order)} Euler angles expected for order {order!r}, got {degrees.shape}")
    result = np.broadcast_to(np.eye(3), (*degrees.shape[:-1], 3, 3))
    for k, axis in enumerate(order):
        axis_angle = np.zeros((*degrees.shape[:-1], 3))
        axis_angle[..., _AXES[axis]] = np.radians(degrees[..., k])
        result = result @ axis_angle_to_matrix(axis_angle)
    return result


def matrix_to_euler_zxy(matrix: np.ndarray) -> np.ndarray:
    """R (...,3,3) -> degrees (...,3) for channels Z, X, Y with R = Rz Rx Ry (gimbal lock: Y = 0)."""
    m = matrix
    cos_x = np.hypot(m[..., 2, 0], m[..., 2, 2])
    x = np.arctan2(m[..., 2, 1], cos_x)
    locked = cos_x < 1e-9
    z = np.where(locked, np.arctan2(m[..., 1, 0], m[..., 0, 0]), np.arctan2(-m[..., 0, 1], m[..., 1, 1]))
    y = np.where(locked, 0.0, np.arctan2(-m[..., 2, 0], m[..., 2, 2]))
    return np.degrees(np.stack([z, x, y], axis=-1))


def write_bvh(path: str | Path, motion: Motion, scale: float = CENTIMETRES_PER_METRE) -> Path:
    """Atomically write `motion` as BVH on its own skeleton (SMPL24: the 24 SMPL joints).

    Lengths are metres * `scale` (default centimetres); every joint has Zrotation Xrotation Yrotation,
    the root also Xposition Yposition Zposition. Leaves get a zero-length End Site.
    """
    skeleton = motion.skeleton
    lines = ["HIERARCHY"]
    order: list[int] = []

    def emit(joint: int, depth: int) -> None:
        pad = "  " * depth
        order.append(joint)
        keyword = "ROOT" if joint == 0 else "JOINT"
        channels = "6 Xposition Yposition Zposition" if joint == 0 else "3"
        x, y, z = skeleton.offsets[joint] * scale
        lines.extend([f"{pad}{keyword} {skeleton.joint_names[joint]}", f"{pad}{{",
                      f"{pad}  OFFSET {x:.6f} {y:.6f} {z:.6f}",
                      f"{pad}  CHANNELS {channels} Zrotation Xrotation Yrotation"])  # fmt: skip
        children = skeleton.children(joint)
        for child in children:
            emit(child, depth + 1)
        if not children:
            lines.extend([f"{pad}  End Site", f"{pad}  {{", f"{pad}    OFFSET 0.0 0.0 0.0", f"{pad}  }}"])
        lines.append(f"{pad}}}")

    emit(0, 0)
    euler = matrix_to_euler_zxy(axis_angle_to_matrix(motion.rotations[:, order]))
    frames = np.concatenate([motion.root_translation * scale, euler.reshape(motion.num_frames, -1)], axis=1)
    lines += ["MOTION", f"Frames: {motion.num_frames}", f"Frame Time: {1.0 / motion.fps:.10f}"]
    body = io.StringIO()
    np.savetxt(body, frames, fmt="%.6f")
    text = "\n".join(lines) + "\n" + body.getvalue()
    return atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


@dataclass
class _Joint:
    name: str
    parent: int
    offset: tuple[float, float, float] = (0.0, 0.0, 0.0)
    channels: tuple[str, ...] = ()


def _parse_hierarchy(tokens: list[str]) -> tuple[list[_Joint], int]:
    """Joints in file order and the index of the MOTION token."""
    if not tokens or tokens[0] != "HIERARCHY":
        raise ValueError("file does not start with HIERARCHY")
    joints: list[_Joint] = []
    stack: list[int | None] = []  # None marks an End Site block
    i = 1
    while tokens[i] != "MOTION":
        token = tokens[i]
        if token in ("ROOT", "JOINT"):
            allowed = not joints if token == "ROOT" else bool(stack) and stack[-1] is not None
            if not allowed or tokens[i + 2] != "{":
                raise ValueError(f"unexpected {token} {tokens[i + 1]!r} at token {i} (one ROOT, JOINTs inside)")
            joints.append(_Joint(tokens[i + 1], stack[-1] if stack else -1))  # type: ignore[arg-type]
            stack.append(len(joints) - 1)
            i += 3
        elif token == "End":
            if tokens[i + 1 : i + 3] != ["Site", "{"] or not stack or stack[-1] is None:
                raise ValueError(f"malformed End Site at token {i}")
            stack.append(None)
            i += 3
        elif token == "OFFSET" and stack:
            if stack[-1] is not None:
                x, y, z = (float(v) for v in tokens[i + 1 : i + 4])
                joints[stack[-1]].offset = (x, y, z)
            i += 4
        elif token == "CHANNELS" and stack and stack[-1] is not None:
            count = int(tokens[i + 1])
            joints[stack[-1]].channels = tuple(tokens[i + 2 : i + 2 + count])
            i += 2 + count
        elif token == "}" and stack:
            stack.pop()
            i += 1
        else:
            raise ValueError(f"unexpected token {token!r} at token {i}")
    if stack or not joints:
        raise ValueError("unbalanced braces or no joints before MOTION")
    return joints, i


def _channel_columns(joints: list[_Joint]) -> tuple[dict[tuple[int, int], int], list[list[tuple[str, int]]]]:
    """Column of each position channel keyed by (joint, axis), and per joint its rotation (axis, column)s."""
    position: dict[tuple[int, int], int] = {}
    rotation: list[list[tuple[str, int]]] = [[] for _ in joints]
    column = 0
    for j, joint in enumerate(joints):
        for channel in joint.channels:
            axis, kind = channel[:1], channel[1:]
            if axis not in _AXES or kind not in ("rotation", "position"):
                raise ValueError(f"unknown channel {channel!r} on joint {joint.name!r}")
            if kind == "rotation":
                rotation[j].append((axis, column))
            else:
                position[(j, _AXES[axis])] = column
            column += 1
    return position, rotation


def read_bvh(path: str | Path, scale: float = 1.0 / CENTIMETRES_PER_METRE) -> BvhMotion:
    """Read any BVH; lengths are multiplied by `scale` (default: centimetres -> metres).

    Position channels may animate any joint (they replace its OFFSET). The rate is 1 / Frame Time as
    written (30.00003 for 0.0333333 s); sets snap it to the nominal rate (`models.body.motion.nominal_fps`).
    """
    path = require_file(path)
    try:
        tokens = path.read_text(encoding="utf-8").split()
        joints, i = _parse_hierarchy(tokens)
        position, rotation = _channel_columns(joints)
        if tokens[i + 1] != "Frames:" or tokens[i + 3 : i + 5] != ["Frame", "Time:"]:
            raise ValueError("MOTION must be followed by 'Frames: N' and 'Frame Time: dt'")
        num_frames, frame_time = int(tokens[i + 2]), float(tokens[i + 5])
        values = np.array(tokens[i + 6 :], dtype=np.float64)
    except (IndexError, UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{path}: malformed BVH ({error})") from error
    num_channels = sum(len(joint.channels) for joint in joints)
    if num_frames < 1 or values.size != num_frames * num_channels or not frame_time > 0:
        raise ValueError(
            f"{path}: header says {num_frames} frames x {num_channels} channels, frame time {frame_time}, "
            f"but the file holds {values.size} values"
        )
    check_finite(values, str(path))
    data = values.reshape(num_frames, num_channels)
    offsets = np.array([joint.offset for joint in joints]) * scale
    root_translation = np.zeros((num_frames, 3))
    translations = np.broadcast_to(offsets, (num_frames, *offsets.shape)).copy()
    for (joint, axis), column in position.items():
        if joint == 0:
            root_translation[:, axis] = data[:, column] * scale
        else:
            translations[:, joint, axis] = data[:, column] * scale
    animated = bool(np.abs(translations - offsets).max() > 1e-6) if len(joints) > 1 else False
    return BvhMotion(
        names=tuple(joint.name for joint in joints),
        parents=tuple(joint.parent for joint in joints),
        offsets=offsets,
        rotations=_rotations(data, rotation),
        root_translation=root_translation,
        fps=1.0 / frame_time,
        translations=translations if animated else None,
        scale=scale,
    )


def _rotations(data: np.ndarray, rotation: list[list[tuple[str, int]]]) -> np.ndarray:
    """(T,J,3) axis-angle, one vectorised Euler conversion per distinct channel order."""
    result = np.zeros((len(data), len(rotation), 3))
    groups: dict[str, list[int]] = {}
    for j, channels in enumerate(rotation):
        if channels:
            groups.setdefault("".join(axis for axis, _ in channels), []).append(j)
    for order, members in groups.items():
        columns = np.array([[column for _, column in rotation[j]] for j in members])
        result[:, members] = matrix_to_axis_angle(euler_to_matrix(data[:, columns], order))
    return result
