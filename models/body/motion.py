"""`Motion`: the in-memory motion contract (local joint rotations + root translation + fps, y-up metres).

Every reader, generator and metric exchanges this one type; joint positions come from FK on demand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from models.body.rotations import (
    axis_angle_to_quaternion,
    quaternion_slerp,
    quaternion_to_axis_angle,
)
from models.body.skeleton import SMPL24, SMPLX55, Skeleton, fk_axis_angle

_REFLECT_X = np.array([-1.0, 1.0, 1.0])
NOMINAL_FPS_TOLERANCE = 1e-4  # relative: a 6-digit BVH frame time (0.033333 s) is off by 1e-5


def nominal_fps(fps: float, tolerance: float = NOMINAL_FPS_TOLERANCE) -> float:
    """`fps` snapped to the nearest whole rate when within `tolerance` (relative), so rounding in a file's
    frame time (1 / 0.0333333 = 30.00003) does not make it a different rate; otherwise `fps` unchanged."""
    fps = _positive_fps(fps, "fps")
    whole = float(round(fps))
    return whole if whole > 0 and abs(fps - whole) <= tolerance * whole else fps


def _readonly_float(name: str, value: np.ndarray) -> np.ndarray:
    array = np.array(value, dtype=np.float64)
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise ValueError(f"Motion {name} contains {bad} non-finite values (NaN/inf)")
    array.setflags(write=False)
    return array


def _positive_fps(fps: object, what: str) -> float:
    try:
        value = float(fps)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{what} must be a finite number > 0, got {fps!r}")
    return value


def mirror_permutation(skeleton: Skeleton) -> np.ndarray:
    """Index map swapping every `left_*` joint with its `right_*` twin (others map to themselves)."""
    index = {name: j for j, name in enumerate(skeleton.joint_names)}
    swap = {"left_": "right_", "right_": "left_"}
    perm = np.arange(skeleton.num_joints)
    for j, name in enumerate(skeleton.joint_names):
        for prefix, other in swap.items():
            if name.startswith(prefix):
                twin = other + name[len(prefix) :]
                if twin not in index:
                    raise ValueError(f"{skeleton.name}: joint {name!r} has no mirror twin {twin!r}")
                perm[j] = index[twin]
    return perm


@dataclass(frozen=True, eq=False)
class Motion:
    """One motion sequence: axis-angle local rotations (T,J,3), root translation (T,3), fps, skeleton.

    Arrays are stored as read-only float64 copies. For SMPL24 the root translation is the pelvis
    position; for SMPLX55 (FineDance) it is SMPL-X `transl`, the pelvis being transl + rest root.
    """

    rotations: np.ndarray
    root_translation: np.ndarray
    fps: float
    skeleton: Skeleton = SMPL24

    def __post_init__(self) -> None:
        rotations = _readonly_float("rotations", self.rotations)
        translation = _readonly_float("root_translation", self.root_translation)
        num = self.skeleton.num_joints
        if rotations.ndim != 3 or rotations.shape[1:] != (num, 3):
            raise ValueError(
                f"Motion rotations must be (T,{num},3) axis-angle for skeleton {self.skeleton.name}, "
                f"got {rotations.shape}"
            )
        if rotations.shape[0] < 1:
            raise ValueError("Motion needs at least one frame, got 0")
        if translation.shape != (rotations.shape[0], 3):
            raise ValueError(
                f"Motion root_translation must be ({rotations.shape[0]},3) to match the rotations, "
                f"got {translation.shape}"
            )
        object.__setattr__(self, "rotations", rotations)
        object.__setattr__(self, "root_translation", translation)
        object.__setattr__(self, "fps", _positive_fps(self.fps, "Motion fps"))

    @property
    def num_frames(self) -> int:
        return self.rotations.shape[0]

    @property
    def duration(self) -> float:
        """Seconds covered: num_frames / fps (each frame lasts 1/fps)."""
        return self.num_frames / self.fps

    def positions(self) -> np.ndarray:
        """World joint positions (T,J,3) by FK on this motion's skeleton."""
        return fk_axis_angle(self.rotations, self.root_translation, self.skeleton)

    def resample(self, fps: float) -> Motion:
        """Motion sampled at times i/fps keeping the duration (round(T * fps / self.fps) frames).

        Rotations: shortest-arc quaternion slerp between neighbouring frames (so sign flips of q
        between frames never cause long-way interpolation); root translation: linear. Times past the
        last frame (up to one source frame) hold it.
        """
        fps = _positive_fps(fps, "resample fps")
        if fps == self.fps:
            return self
        last = self.num_frames - 1
        count = max(1, round(self.num_frames * fps / self.fps))
        source = np.arange(count) * (self.fps / fps)
        lo = np.minimum(np.floor(source + 1e-9).astype(int), max(last - 1, 0))
        hi = np.minimum(lo + 1, last)
        weight = np.clip(source - lo, 0.0, 1.0)
        quats = axis_angle_to_quaternion(self.rotations)
        blended = quaternion_slerp(quats[lo], quats[hi], weight[:, None])
        w = weight[:, None]
        translation = (1 - w) * self.root_translation[lo] + w * self.root_translation[hi]
        return replace(self, rotations=quaternion_to_axis_angle(blended), root_translation=translation, fps=fps)

    def slice(self, start: int, end: int) -> Motion:
        """Frames [start, end) with Python slice semantics; the result must not be empty."""
        frames = range(self.num_frames)[start:end]
        if len(frames) == 0:
            raise ValueError(f"slice({start}, {end}) of a {self.num_frames}-frame motion is empty")
        window = slice(frames.start, frames.stop)
        return replace(self, rotations=self.rotations[window], root_translation=self.root_translation[window])

    def to_smpl24(self) -> Motion:
        """SMPL-24 motion: SMPL-X body joints 0-21 keep their rotations, SMPL hands 22/23 get identity.

        The pelvis stays where it was (translation += SMPL-X rest root). Other joint positions differ
        from the SMPL-X ones because the two skeleton tables have different bone lengths.
        """
        if self.skeleton.name == SMPL24.name:
            return self
        self._require(SMPLX55, "to_smpl24")
        rotations = np.concatenate([self.rotations[:, :22], np.zeros((self.num_frames, 2, 3))], axis=1)
        translation = self.root_translation + SMPLX55.offsets[0]
        return Motion(rotations, translation, self.fps, SMPL24)

    def to_smplx55(self) -> Motion:
        """SMPL-X-55 motion from SMPL-24: body joints 0-21 kept; jaw, eyes and fingers identity.

        SMPL's hand joints 22/23 have no SMPL-X twin and are dropped; the pelvis stays in place.
        """
        if self.skeleton.name == SMPLX55.name:
            return self
        self._require(SMPL24, "to_smplx55")
        rotations = np.zeros((self.num_frames, SMPLX55.num_joints, 3))
        rotations[:, :22] = self.rotations[:, :22]
        translation = self.root_translation - SMPLX55.offsets[0]
        return Motion(rotations, translation, self.fps, SMPLX55)

    def mirror(self) -> Motion:
        """Left-right mirror (data augmentation): swap left/right joints and reflect x.

        A rotation R becomes M R M with M = diag(-1,1,1), i.e. axis-angle (x,y,z) -> (x,-y,-z). FK of
        the result equals the x-reflected positions exactly when the skeleton is left-right symmetric.
        """
        perm = mirror_permutation(self.skeleton)
        rotations = self.rotations[:, perm] * -_REFLECT_X
        root_rest = self.skeleton.offsets[0]
        translation = (self.root_translation + root_rest) * _REFLECT_X - root_rest
        return replace(self, rotations=rotations, root_translation=translation)

    def _require(self, skeleton: Skeleton, what: str) -> None:
        if self.skeleton.name != skeleton.name:
            raise ValueError(f"{what} needs a {skeleton.name} motion, got skeleton {self.skeleton.name}")
